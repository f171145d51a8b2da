// Go programs the JSON unit tests run to compare src/json with the encoding/json that built
// dockerd 20.10 (Go 1.19). Standard library only, so `go build` needs no network.
module dockward.test/go-oracle

go 1.19

// Command oracle decodes documents with encoding/json, for test/unit/json/go-oracle.test.ts.
//
// Each input line is "<type>\t<base64 document>", where <type> is a GoType in JSON with struct
// fields as an ordered list: {"kind":"struct","fields":[["Name",{"kind":"string"}],...]}. The
// type is built with reflect (StructOf and friends, each field tagged `json:"Name"`), the
// document is json.Unmarshal-ed into a fresh value of it, and one line is printed:
//
//	<result JSON>\t<json.Marshal of the value, even after an error>
//
// where <result JSON> is {"kind":"ok"|"syntax"|"type"|"other","message":...,"offset":...,
// "field":...}: "syntax" is a *json.SyntaxError (offset = its Offset), "type" a
// *json.UnmarshalTypeError (field = its Field), "other" anything else (bad base64).
package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"unicode"
)

type typeSpec struct {
	Kind     string            `json:"kind"`
	Bits     int               `json:"bits"`
	Unsigned bool              `json:"unsigned"`
	Elem     *typeSpec         `json:"elem"`
	Fields   []json.RawMessage `json:"fields"`
}

type result struct {
	Kind    string `json:"kind"`
	Message string `json:"message,omitempty"`
	Offset  int64  `json:"offset"`
	Field   string `json:"field,omitempty"`
}

var (
	anyType = reflect.TypeOf((*any)(nil)).Elem()
	rawType = reflect.TypeOf(json.RawMessage{})
	ints    = map[int]reflect.Type{8: reflect.TypeOf(int8(0)), 16: reflect.TypeOf(int16(0)), 32: reflect.TypeOf(int32(0)), 64: reflect.TypeOf(int64(0))}
	uints   = map[int]reflect.Type{8: reflect.TypeOf(uint8(0)), 16: reflect.TypeOf(uint16(0)), 32: reflect.TypeOf(uint32(0)), 64: reflect.TypeOf(uint64(0))}
	floats  = map[int]reflect.Type{32: reflect.TypeOf(float32(0)), 64: reflect.TypeOf(float64(0))}
)

// validTag mirrors encoding/json's isValidTag: a name it rejects would silently fall back to the
// Go field name, and the comparison would test something else.
func validTag(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

func build(spec *typeSpec) (reflect.Type, error) {
	switch spec.Kind {
	case "string":
		return reflect.TypeOf(""), nil
	case "bool":
		return reflect.TypeOf(false), nil
	case "any":
		return anyType, nil
	case "raw":
		return rawType, nil
	case "int":
		table := ints
		if spec.Unsigned {
			table = uints
		}
		if t, ok := table[spec.Bits]; ok {
			return t, nil
		}
	case "float":
		if t, ok := floats[spec.Bits]; ok {
			return t, nil
		}
	case "slice", "map", "ptr":
		if spec.Elem == nil {
			return nil, fmt.Errorf("%s without elem", spec.Kind)
		}
		elem, err := build(spec.Elem)
		if err != nil {
			return nil, err
		}
		switch spec.Kind {
		case "slice":
			return reflect.SliceOf(elem), nil
		case "map":
			return reflect.MapOf(reflect.TypeOf(""), elem), nil
		default:
			return reflect.PointerTo(elem), nil
		}
	case "struct":
		fields := make([]reflect.StructField, 0, len(spec.Fields))
		for i, raw := range spec.Fields {
			var pair []json.RawMessage
			var name string
			var fieldSpec typeSpec
			if err := json.Unmarshal(raw, &pair); err != nil || len(pair) != 2 {
				return nil, fmt.Errorf("field %d: want [name, type]", i)
			}
			if err := json.Unmarshal(pair[0], &name); err != nil {
				return nil, err
			}
			if !validTag(name) {
				return nil, fmt.Errorf("field name %q is not a valid json tag", name)
			}
			if err := json.Unmarshal(pair[1], &fieldSpec); err != nil {
				return nil, err
			}
			ft, err := build(&fieldSpec)
			if err != nil {
				return nil, err
			}
			fields = append(fields, reflect.StructField{
				Name: fmt.Sprintf("F%d", i),
				Type: ft,
				Tag:  reflect.StructTag(fmt.Sprintf(`json:"%s"`, name)),
			})
		}
		return reflect.StructOf(fields), nil
	}
	return nil, fmt.Errorf("unknown type %q", spec.Kind)
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	types := map[string]reflect.Type{}
	for in.Scan() {
		typeText, docText, ok := strings.Cut(in.Text(), "\t")
		if !ok {
			fail("input line without a tab")
		}
		t, seen := types[typeText]
		if !seen {
			var spec typeSpec
			if err := json.Unmarshal([]byte(typeText), &spec); err != nil {
				fail("bad type: " + err.Error())
			}
			built, err := build(&spec)
			if err != nil {
				fail("bad type: " + err.Error())
			}
			t = built
			types[typeText] = t
		}
		doc, err := base64.StdEncoding.DecodeString(docText)
		if err != nil {
			fail("bad document: " + err.Error())
		}
		v := reflect.New(t)
		res := classify(json.Unmarshal(doc, v.Interface()))
		value, err := json.Marshal(v.Interface())
		if err != nil {
			fail("marshal: " + err.Error())
		}
		head, _ := json.Marshal(res)
		out.Write(head)
		out.WriteByte('\t')
		out.Write(value)
		out.WriteByte('\n')
	}
	if err := in.Err(); err != nil {
		fail(err.Error())
	}
}

func classify(err error) result {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case err == nil:
		return result{Kind: "ok"}
	case errors.As(err, &syntax):
		return result{Kind: "syntax", Message: syntax.Error(), Offset: syntax.Offset}
	case errors.As(err, &typ):
		return result{Kind: "type", Message: typ.Error(), Field: typ.Field}
	default:
		return result{Kind: "other", Message: err.Error()}
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "oracle:", msg)
	os.Exit(2)
}

#!/usr/bin/env bash
# Install what dockward and its test suite need on a fresh Debian 12 machine (run as root):
# the Debian packages the real-engine tests drive, then the npm dependencies, then a build.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(docker.io busybox-static openssl openssh-server openssh-client apparmor ca-certificates seccomp linux-libc-dev golang-go golang-github-docker-docker-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # policy-rc.d keeps the package from starting a system dockerd: the tests start their own
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

npm ci --no-audit --no-fund --loglevel=error
npm run build --silent

#!/usr/bin/env bash
# Installs every tool the test suite needs (the list scripts/preflight.mjs checks) on Debian 12
# (bookworm) or newer: `npm run setup`. Runs apt-get through sudo when not root. Node.js 20+ and
# Go 1.21+ are the two things it expects to find (README, Quick start). .ci/run calls it.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
SUDO=()
if [ "$(id -u)" -ne 0 ]; then SUDO=(sudo); fi
apt_install() { "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null; }

codename=''
if [ -r /etc/os-release ]; then codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}"); fi

# qemu-user runs the non-native Linux artifacts. Debian 12's qemu 7.2 crashes Go's linux/386
# runtime ("morestack on g0"); the bookworm-backports build (qemu 10) runs it.
qemu_from=()
if [ "$codename" = bookworm ]; then
  if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo 'deb http://deb.debian.org/debian bookworm-backports main' |
      "${SUDO[@]}" tee /etc/apt/sources.list.d/crossgo-backports.list >/dev/null
  fi
  qemu_from=(-t bookworm-backports)
fi
"${SUDO[@]}" apt-get update -qq
# Oracles: file, readelf (binutils), llvm-readobj/-objdump/-lipo, archives, signatures.
apt_install file binutils git llvm zip unzip gnupg openssh-client coreutils tar
# actionlint runs shellcheck over the run: steps of the workflow crossgo ci github writes.
apt_install shellcheck
# C toolchains for the cgo tests: the host gcc, Debian's arm64 cross gcc and mingw-w64.
apt_install gcc libc6-dev gcc-aarch64-linux-gnu libc6-dev-arm64-cross gcc-mingw-w64-i686 gcc-mingw-w64-x86-64
apt_install "${qemu_from[@]}" qemu-user
# crossgo bench: GNU time reads a child's peak RSS; the HTML report is opened in headless Chromium.
apt_install time chromium
apt_install python3 python3-pip
# The HTTP store of the cache-prog tests: each test starts its own nginx (WebDAV) on 127.0.0.1.
apt_install nginx
# crossgo image: the tests start their own CNCF Distribution registry (htpasswd from apache2-utils
# for the one with basic auth); skopeo and umoci are the oracles that read what it serves.
apt_install docker-registry apache2-utils skopeo umoci
# openssl makes the certificate of the test token server that signs the registry's bearer tokens.
apt_install openssl
# Linux packages: the oracles dpkg-deb/dpkg (dpkg-dev for dpkg-scanpackages), lintian and rpm.
apt_install dpkg-dev lintian rpm

# zig (cc for cgo targets, musl for static links, macOS) from PyPI, pinned. Debian 12 marks its
# python "externally managed" (PEP 668); ziglang is one self-contained wheel, so override that.
ZIG='ziglang==0.17.1'
if ! python3 -m ziglang version >/dev/null 2>&1; then
  pip=(python3 -m pip install --quiet --disable-pip-version-check)
  if [ "$(id -u)" -ne 0 ]; then pip+=(--user); fi
  "${pip[@]}" "$ZIG" 2>/dev/null || "${pip[@]}" --break-system-packages "$ZIG"
fi

# Go-written tools the tests start, pinned and fetched through the module proxy (cached by go):
# versitygw is the S3 store of the cache-prog tests, actionlint checks `crossgo ci github`,
# They land in $(go env GOBIN), else $(go env GOPATH)/bin, where the suite looks for them.
go_install() { GOFLAGS=-mod=mod go install "$1"; }
go_install github.com/versity/versitygw/cmd/versitygw@v1.8.0
go_install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12
# nfpm makes the deb/rpm/apk packages; crossgo runs it with go run (cached by go), so this only
# fetches and builds it ahead of the tests.
go_install github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.45.2
# The lint tests read crossgo's Dockerfile with BuildKit's own parser (a small program under
# test/fixtures/buildkit-parse that go run builds): fetch its modules now, so a proxy problem
# fails here and not in the middle of the suite.
(cd "$(dirname "$0")/../test/fixtures/buildkit-parse" && go mod download)

echo "tools: $(go version), node $(node --version), $(qemu-i386 --version | head -n 1), zig $(python3 -m ziglang version)"

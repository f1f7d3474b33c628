#!/usr/bin/env bash
# Builds FerretDB (MongoDB wire protocol over SQLite) from the Go module proxy into TOOLS_DIR/bin.
# Usage: build-ferretdb.sh VERSION TOOLS_DIR
# `go install pkg@version` asks the proxy for the module's version list, which it refuses here, and a
# build from the module cache panics on FerretDB's empty build/version/version.txt (written by its own
# release build). So: fetch the exact version, copy its source, write the version file, build.
set -euo pipefail
version="$1"
tools_dir="$2"
say() { echo "build-ferretdb: $*" >&2; }

# Go: on PATH, where Debian or the official tarball put it, or under HOME; else Debian's package.
find_go() {
  local candidate
  for candidate in "${GO:-}" "$(command -v go 2>/dev/null || true)" /usr/local/go/bin/go \
    "$HOME"/sdk/go*/bin/go "$HOME"/go/bin/go /usr/lib/go/bin/go /usr/lib/go-*/bin/go /opt/go/bin/go; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then echo "$candidate"; return 0; fi
  done
  return 1
}
go_bin="$(find_go || true)"
if [ -z "$go_bin" ]; then
  say "Go not found on PATH, in /usr/local/go or under HOME; installing Debian's golang-go"
  apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends golang-go >&2
  go_bin="$(find_go || true)"
fi
[ -n "$go_bin" ] || { say "no Go toolchain: install Go >= 1.24 and put it on PATH or set GO=/path/to/go"; exit 1; }
export GOTOOLCHAIN=local GOFLAGS="-buildvcs=false -mod=mod"
go_version="$("$go_bin" env GOVERSION)"
need="$(printf '1.24\n%s\n' "${go_version#go}" | sort -V | head -n 1)"
if [ "$need" != "1.24" ]; then
  say "FerretDB $version needs Go >= 1.24, but $go_bin is $go_version: install a newer Go and set GO=/path/to/go"
  exit 1
fi
say "building FerretDB $version with $go_bin ($go_version)"

work="$(mktemp -d)"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/fetch" "$work/src"
(
  cd "$work/fetch"
  "$go_bin" mod init ferretdb-fetch >/dev/null 2>&1
  "$go_bin" get "github.com/FerretDB/FerretDB@$version" >&2
)
modcache="$("$go_bin" env GOMODCACHE)"
cp -r "$modcache/github.com/!ferret!d!b/!ferret!d!b@$version/." "$work/src"
chmod -R u+w "$work/src"
echo "$version" > "$work/src/build/version/version.txt"
(cd "$work/src" && "$go_bin" build -o "$work/ferretdb" ./cmd/ferretdb >&2)
mv -f "$work/ferretdb" "$tools_dir/bin/ferretdb"
say "installed $tools_dir/bin/ferretdb"

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

go_bin="$(bash "$(dirname "$0")/find-go.sh")"
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

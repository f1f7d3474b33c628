#!/usr/bin/env bash
# Prints the path of a Go toolchain: $GO, on PATH, where Debian or the official tarball put it, or under
# HOME; else installs Debian's golang-go. Shared by the builds of FerretDB and helm (both Go modules).
set -euo pipefail
find_go() {
  local candidate
  for candidate in "${GO:-}" "$(command -v go 2>/dev/null || true)" /usr/local/go/bin/go \
    "$HOME"/sdk/go*/bin/go "$HOME"/go/bin/go /usr/lib/go/bin/go /usr/lib/go-*/bin/go /opt/go/bin/go; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then echo "$candidate"; return 0; fi
  done
  return 1
}
if ! find_go; then
  echo "find-go: Go not found on PATH, in /usr/local/go or under HOME; installing Debian's golang-go" >&2
  apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends golang-go >&2
  find_go || { echo "find-go: no Go toolchain: install Go >= 1.24 and put it on PATH or set GO=/path/to/go" >&2; exit 1; }
fi

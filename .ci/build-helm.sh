#!/usr/bin/env bash
# Builds helm from its Go module (helm.sh/helm/v3) at an exact version into TOOLS_DIR/helm-VERSION and links
# TOOLS_DIR/bin/helm to it. Usage: build-helm.sh VERSION TOOLS_DIR
# An exact version makes the proxy serve that version alone (no version list); -X stamps it, since a
# module build carries no git tag and `helm version` would say only the minor.
set -euo pipefail
version="$1"
tools_dir="$2"
say() { echo "build-helm: $*" >&2; }

# Go: on PATH, where Debian or the official tarball put it, or under HOME; else Debian's package (as build-ferretdb.sh).
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
say "building helm $version with $go_bin ($("$go_bin" env GOVERSION))"

dest="$tools_dir/helm-$version"
work="$(mktemp -d "$tools_dir/.staging.XXXXXX")"
trap 'rm -rf "$work"' EXIT
GOBIN="$work" "$go_bin" install -trimpath \
  -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$version" \
  "helm.sh/helm/v3/cmd/helm@$version" >&2
[ "$("$work/helm" version --template '{{.Version}}')" = "$version" ] || { say "built helm does not say $version"; exit 1; }
rm -rf "$dest"
mv "$work" "$dest"
trap - EXIT
ln -sfn "$dest/helm" "$tools_dir/bin/helm"
say "installed $tools_dir/bin/helm"

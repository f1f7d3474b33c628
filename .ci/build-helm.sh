#!/usr/bin/env bash
# Builds helm from its Go module (helm.sh/helm/v3) at an exact version into TOOLS_DIR/helm-VERSION and links
# TOOLS_DIR/bin/helm to it. Usage: build-helm.sh VERSION TOOLS_DIR
# An exact version makes the proxy serve that version alone (no version list); -X stamps it, since a
# module build carries no git tag and `helm version` would say only the minor.
set -euo pipefail
version="$1"
tools_dir="$2"
say() { echo "build-helm: $*" >&2; }

go_bin="$(bash "$(dirname "$0")/find-go.sh")"
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

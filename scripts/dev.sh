#!/usr/bin/env bash
# The two commands a new machine needs (README.md "Set up and run" and "Test"):
#   bash scripts/dev.sh demo   install Node + pnpm (pinned), install and build, run the demo against
#                              built-in upstream simulators (no API key, no service)
#   bash scripts/dev.sh test   also install redis-server, prometheus, FerretDB, helm and schemathesis, then run every test
# Tools go to ~/.gateway-tools (TOOLS_DIR overrides); nothing is installed system-wide but Debian's
# redis-server (and Go or python3-venv, only when the machine has none).
set -euo pipefail
cd "$(dirname "$0")/.."
cmd="${1:-}"
case "$cmd" in
  demo) deps_args=() ;;
  test) deps_args=(--test) ;;
  *) echo "usage: bash scripts/dev.sh demo|test" >&2; exit 2 ;;
esac

# Registries may sit behind a TLS proxy whose CA is in the system bundle; Node must trust it too.
if [ -z "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
fi
export npm_config_update_notifier=false TURBO_TELEMETRY_DISABLED=1

step() { echo "==> $*" >&2; }
quietly() { # quietly LOG COMMAND...: the command's output only when it fails
  local log="$1"; shift
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    echo "dev.sh: '$*' failed (output above, also in $log)" >&2
    exit 1
  fi
}

step "installing the pinned toolchain (.nvmrc, package.json packageManager)${deps_args:+ and test services}"
tools_bin="$(bash .ci/install-deps.sh "${deps_args[@]}" | tail -n 1)"
export PATH="$tools_bin:$PATH"
mkdir -p .logs
step "node $(node --version), pnpm $(pnpm --version); installing dependencies"
quietly .logs/install.log pnpm install --frozen-lockfile --reporter=append-only --config.confirmModulesPurge=false

if [ "$cmd" = demo ]; then
  step "building"
  quietly .logs/build.log pnpm exec turbo run build --output-logs=errors-only
  exec node e2e/demo/demo.mjs
fi
step "caching registry metadata for the offline plugin-install tests"
quietly .logs/offline-cache.log node scripts/warm-offline-cache.mjs
exec pnpm test

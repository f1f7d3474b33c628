#!/usr/bin/env bash
# Write a tiny randomly initialised GPT-2 that Transformers.js loads (config, tokenizer, onnx/model.onnx) into DIR.
# Uses the venv .ci/install-deps.sh makes (onnx and numpy from scripts/tiny-model-requirements.txt); PYTHON overrides.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${PYTHON:-${TOOLS_DIR:-$HOME/.gateway-tools}/venv/bin/python}"
[ -x "$python" ] || { echo "$python not found: run bash .ci/install-deps.sh --test first" >&2; exit 1; }
exec "$python" "$here/make_tiny_model.py" "$1"

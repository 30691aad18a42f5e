#!/usr/bin/env bash
# Set up everything (idempotent, quick when nothing is missing), run the whole test suite, then
# build the wheel and use it from a fresh virtual environment (scripts/wheel_smoke.sh).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/bootstrap.sh"
cd "$root"
.venv/bin/python -m pytest "$@"
bash scripts/wheel_smoke.sh

#!/usr/bin/env bash
# Set up everything (idempotent, quick when nothing is missing), then run the demo.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/bootstrap.sh"
cd "$root"
exec .venv/bin/python -m stackopt.app.demo "$@"

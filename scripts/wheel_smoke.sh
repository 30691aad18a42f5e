#!/usr/bin/env bash
# The package as a user gets it: build the wheel, install it with the ipopt, report and notebooks
# extras into a fresh virtual environment (no system site packages), and use it from a folder
# outside the repository (scripts/wheel_smoke.py). Dependency wheels are kept in .venv/wheelhouse
# so that later runs install offline; the first run fills it from the package index.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
say() { printf '[wheel] %s\n' "$*" >&2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
wheelhouse="$root/.venv/wheelhouse"
mkdir -p "$wheelhouse"

say "building the wheel"
"$root/.venv/bin/python" -m pip wheel -q --no-deps -w "$work/dist" "$root" 2>"$work/build.log" \
  || { cat "$work/build.log" >&2; exit 1; }
wheel="$(ls "$work"/dist/stackopt-*.whl)"

say "installing $(basename "$wheel") into a fresh venv"
"$root/.venv/bin/python" -m venv "$work/venv"
pins=(-c "$root/scripts/constraints.txt")  # the dependencies' versions the suite ran with
pip=("$work/venv/bin/python" -m pip install -q --disable-pip-version-check "${pins[@]}")
if ! "${pip[@]}" --no-index --find-links "$wheelhouse" "$wheel[ipopt,report,notebooks]" 2>/dev/null; then
  say "filling $wheelhouse (once)"
  "$work/venv/bin/python" -m pip wheel -q "${pins[@]}" -w "$wheelhouse" "$wheel[ipopt,report,notebooks]" \
    2>"$work/fill.log" || { cat "$work/fill.log" >&2; exit 1; }
  rm -f "$wheelhouse"/stackopt-*.whl
  "${pip[@]}" --no-index --find-links "$wheelhouse" "$wheel[ipopt,report,notebooks]"
fi

say "smoke test from $work"
cp "$root/notebooks/quickstart.ipynb" "$work/"
cd "$work"
"$work/venv/bin/python" -I "$root/scripts/wheel_smoke.py" "$work/venv" "$work/quickstart.ipynb"

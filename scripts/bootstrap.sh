#!/usr/bin/env bash
# Set up everything stackopt needs on a Debian 12 machine, idempotently:
# Debian packages, a virtual environment in .venv, cyipopt built against Debian's Ipopt,
# the package with all extras (its dependencies at the versions of scripts/constraints.txt), and
# PyNumero's ASL library built against Debian's libamplsolver.
# Quick when nothing is missing. Prints what it does to stderr.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
say() { printf '[setup] %s\n' "$*" >&2; }

apt_packages=(coinor-libipopt-dev liblapack-dev libblas-dev libmumps-seq-dev gfortran pkg-config
              libamplsolver-dev cmake g++ python3-venv)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  say "installing Debian packages: ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

python_bin="${STACKOPT_PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
  say "creating virtual environment $venv"
  "$python_bin" -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
fi
py="$venv/bin/python"

stamp="$venv/.stackopt-installed"
pins="$root/scripts/constraints.txt"  # the dependencies' versions the suite was last run with
if [ ! -f "$stamp" ] || [ "$root/pyproject.toml" -nt "$stamp" ] || [ "$pins" -nt "$stamp" ]; then
  say "installing stackopt with all extras (cyipopt builds against Debian's Ipopt)"
  "$venv/bin/pip" install -q -c "$pins" -e "$root[all]"
  touch "$stamp"
fi

if ! "$py" -c "from pyomo.contrib.pynumero.asl import AmplInterface as A; raise SystemExit(0 if A.available() else 1)" 2>/dev/null; then
  say "building the PyNumero ASL library against Debian's libamplsolver"
  "$py" -m pyomo.contrib.pynumero.build \
    -DASL_INCLUDE_DIR=/usr/include/ampl-netlib-solvers \
    -DASL_LIBRARY=/usr/lib/x86_64-linux-gnu/libamplsolver.so >/dev/null
fi

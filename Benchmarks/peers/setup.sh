#!/usr/bin/env bash
# Creates the peers' virtual environment (JAX, NumPyro, BlackJAX, ArviZ) from PyPI with the
# pinned versions in requirements.txt. Idempotent: re-running it with the environment already
# matching requirements.txt does nothing but check.
#
#   Benchmarks/peers/setup.sh [VENV_DIR]        # default Benchmarks/peers/.venv
#   PYTHON=python3.11 Benchmarks/peers/setup.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv=${1:-${PEERS_VENV:-$here/.venv}}
python=${PYTHON:-python3}
req=$here/requirements.txt
stamp=$venv/.requirements.sha256
want=$(sha256sum "$req" | cut -d' ' -f1)
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "peers venv up to date: $venv" >&2
  exit 0
fi
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -r "$req"
"$venv/bin/python" - <<'PY'
import jax, numpyro, blackjax, arviz, optax, numpy
print("jax", jax.__version__, "numpyro", numpyro.__version__, "blackjax", blackjax.__version__,
      "optax", optax.__version__, "arviz", arviz.__version__, "numpy", numpy.__version__)
PY
echo "$want" > "$stamp"
echo "peers venv ready: $venv" >&2

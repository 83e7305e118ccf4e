#!/usr/bin/env bash
# Install the built wheel into a fresh virtual environment OUTSIDE the repository, as Colab, a
# JupyterHub or a lab machine would, and use it there: load MNIST and a pretrained model from
# the package, compare a pair, check where figures and models go, and run notebook 01.
#   usage: tools/wheel_check.sh dist/siamese_lib-*.whl [python]      (make wheel-test)
set -euo pipefail
if [ $# -lt 1 ]; then echo "usage: $0 dist/siamese_lib-*.whl [python]" >&2; exit 2; fi
wheel=$(realpath "$1")
python=${2:-python3}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Nothing from the calling shell may point back into the repository.
unset SIAMESE_FIGURES_DIR SIAMESE_MODELS_DIR PYTHONPATH

"$python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --upgrade pip
"$work/venv/bin/python" -m pip install --quiet -c "$repo/requirements.lock" \
  "${wheel}[notebooks,teach]" ipykernel
# A kernel of the fresh environment, under a name no user-level kernel can shadow.
"$work/venv/bin/python" -m ipykernel install --prefix "$work/venv" --name siamese-wheel-check \
  > /dev/null
cp "$repo/notebooks/01_mnist.ipynb" "$work/"
cd "$work"

"$work/venv/bin/python" - <<'PY'
from pathlib import Path

import siamese_lib as sl
from siamese_lib.pretrained import load_tutorial_model
from siamese_lib.widgets import compare_digits

assert "site-packages" in sl.__file__, sl.__file__
assert sl.places.source_checkout() is None
(x_train, y_train), (x_test, y_test) = sl.load_mnist()  # checksums verified
model, path = load_tutorial_model("mlp_blog_recipe")
assert "site-packages" in str(path), path
same = compare_digits(model, sl.preprocess_digit(x_test[3]), sl.preprocess_digit(x_test[2]))
assert sl.places.figures_dir() == Path.cwd() / "figures"
assert sl.places.models_dir() == Path.cwd() / "models"
assert "fresh install" in sl.places.restore_hint("mnist")
print(f"installed at {Path(sl.__file__).parent}: MNIST {x_train.shape}, model {path.name}, "
      f"digits {y_test[3]} and {y_test[2]} at distance {same:.3f}")
PY

"$work/venv/bin/jupyter" nbconvert --to notebook --execute 01_mnist.ipynb --output executed.ipynb \
  --ExecutePreprocessor.timeout=600 --ExecutePreprocessor.kernel_name=siamese-wheel-check
ls figures/01_*.png > /dev/null
echo "notebook 01 ran from the installed wheel; its figures are in ./figures"

#!/usr/bin/env bash
# Python side (model, export, converter, training): runs when Debian's PyTorch is installed.
# Install: sudo apt-get install python3-torch python3-torchvision python3-onnx python3-pil python3-pytest libopenblas0-pthread
# Outside CI a machine without them skips the tests (exit 0) and leaves a note in
# .cache/skipped-tests/python.txt, which the end of `npm test` prints (scripts/test-summary.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${MAE_PYTHON:-/usr/bin/python3}
NOTE=.cache/skipped-tests/python.txt
rm -f "$NOTE"
if missing=$("$PY" - 2>/dev/null <<'PYEOF'
import importlib.util
print(" ".join(m for m in ("torch", "torchvision", "onnx", "pytest") if importlib.util.find_spec(m) is None))
PYEOF
); then
  lack="$PY lacks $missing"
else
  missing=python lack="$PY does not run"
fi
if [ -n "$missing" ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "test:py: $lack, but CI must run the Python tests" >&2
    exit 1
  fi
  why="the Python tests (python/tests, theory) did not run: $lack (see README: Python set-up)"
  mkdir -p "$(dirname "$NOTE")"
  echo "$why" > "$NOTE"
  echo "test:py: SKIPPED: $why"
  exit 0
fi
# glibc's malloc with transparent huge pages: PyTorch's large temporaries are mapped afresh on every allocation, and
# this kind of VM pays ~12 us a 4 KiB page fault (python/mae_playground/theory/hrun.py, with_huge_pages). The
# suite took 51 s without, 39 s with (2026-12-06); the arithmetic is the same.
export GLIBC_TUNABLES="${GLIBC_TUNABLES:+$GLIBC_TUNABLES:}glibc.malloc.hugetlb=1"
exec "$PY" -m pytest -q python/tests python/mae_playground/theory/test_theory.py

#!/usr/bin/env bash
# Packs the issue-26 theory run's progress into python/weights/theory-run/ (progress.json, small fp16
# checkpoints), exports the finished seed-0 models to models/theory-grid/, and regenerates docs/THEORY.md and
# models/theory/run/results.json from it; then commit those paths:
#   bash scripts/theory-pack.sh && git add python/weights/theory-run models/theory/run models/theory-grid docs/THEORY.md \
#     && git commit -m "Theory run: progress"
# Safe while the training runs (it writes its files atomically; this only reads them). Low priority (nice 19).
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${THEORY_WORK:-.cache/theory-run}
if [ ! -f "$WORK/progress.json" ]; then
  echo "theory-pack: no $WORK/progress.json yet (is the run started? see docs/THEORY.md)" >&2
  exit 1
fi
export PYTHONPATH=python
nice -n 19 env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 -m mae_playground.theory.hpack --work "$WORK"
# the finished seed-0 models as ONNX folders for the app (models/theory-grid/, ~360 KB each)
nice -n 19 env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 -m mae_playground.theory.hexport
nice -n 19 /usr/bin/python3 -m mae_playground.theory.hreport
du -sh python/weights/theory-run models/theory/run models/theory-grid 2>/dev/null || true

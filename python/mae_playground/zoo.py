"""The model zoo: one small MAE per (training mask ratio, patch size), one recipe, one budget.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHONPATH=python nohup /usr/bin/python3 -m mae_playground.zoo train &  # resumable
    PYTHONPATH=python /usr/bin/python3 -m mae_playground.zoo export     # models/zoo-*/ with held-out MSE + linear probe in the card

Every zoo model has the same architecture (`mae_vit_zoo`: 192-d x 6 encoder, 128-d x 2 decoder, 112 px),
the same data (training photos minus val/ and minus the probe's test photos), the same schedule and the
same number of images seen: like the papers' comparisons, which hold the epochs fixed. Only the training
mask ratio or the patch size changes. Runs live in runs/zoo-<id>/ (git-ignored) and resume where they
stopped, so several sessions can add to the zoo.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# (id, patch size, training mask ratio), in training order: the minimum set (3 ratios, 2 patch sizes) first.
ZOO = [
    ("zoo-p16-r75", 16, 0.75),
    ("zoo-p16-r90", 16, 0.90),
    ("zoo-p8-r75", 8, 0.75),
    ("zoo-p16-r25", 16, 0.25),
    ("zoo-p8-r90", 8, 0.90),
]
RECIPE = dict(batch=64, steps=800, warmup=40, lr=8e-4, min_lr=1e-5)


def train(only: list[str]) -> None:
    for zoo_id, patch, ratio in ZOO:
        if only and zoo_id not in only:
            continue
        cmd = [sys.executable, "-m", "mae_playground.train", "--out", str(ROOT / "runs" / zoo_id),
               "--model", "mae_vit_zoo", "--img-size", "112", "--patch-size", str(patch),
               "--mask-ratio", str(ratio), "--batch", str(RECIPE["batch"]), "--total-steps", str(RECIPE["steps"]),
               "--warmup", str(RECIPE["warmup"]), "--lr", str(RECIPE["lr"]), "--min-lr", str(RECIPE["min_lr"]),
               "--eval-every", "200", "--preload", "--workers", "0", "--exclude-probe-test", "--ckpt-minutes", "3"]
        print(" ".join(cmd), flush=True)
        subprocess.run(cmd, check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT / "python")})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("action", choices=["train", "export"])
    ap.add_argument("--only", nargs="*", default=[], help="zoo ids to work on (default: all)")
    args = ap.parse_args()
    if args.action == "train":
        train(args.only)
    else:
        from .zoo_export import export_all  # noqa: PLC0415 (export needs onnx; training does not)
        export_all(ZOO, RECIPE, args.only)


if __name__ == "__main__":
    main()

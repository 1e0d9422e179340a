"""Packs a training run's checkpoint into a small file a later session can start from (on a new machine).

    PYTHONPATH=python /usr/bin/python3 -m mae_playground.pack_run runs/default-v3/checkpoint.pth python/weights/default-v3.run.pth

runs/ is not committed and its checkpoint.pth (fp32 weights, the EMA copy and AdamW's moments, ~100 MB)
is too big to be: this keeps the EMA weights (or the raw ones without EMA) in fp16, the step, the time and
images spent, the log and the schedule, about 13 MB for the ViT-Ti. `train.py --init <file>` continues from
it (AdamW's moments start again; pass the schedule with --schedule-start/--total-steps/--warmup, printed
here, to keep the same learning-rate curve).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from .checkpoints import read_checkpoint

KEEP = ("config", "step", "seconds", "log", "best_mse", "images_seen", "data", "data_photos")


def pack(ckpt: dict) -> dict:
    weights = ckpt.get("ema") or ckpt["model"]
    out = {k: ckpt[k] for k in KEEP if k in ckpt}
    out["model"] = {k: v.half() for k, v in weights.items()}
    out["packed_from"] = {"ema": "ema" in ckpt and ckpt["ema"] is not None, "schedule": ckpt.get("schedule")}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint")
    ap.add_argument("out")
    args = ap.parse_args()
    packed = pack(read_checkpoint(args.checkpoint))
    torch.save(packed, args.out)
    s = packed["packed_from"]["schedule"] or {}
    print(json.dumps({"out": args.out, "bytes": Path(args.out).stat().st_size, "step": packed.get("step"),
                      "images_seen": packed.get("images_seen"), "ema": packed["packed_from"]["ema"],
                      "resume_args": f"--schedule-start {s.get('start')} --total-steps {s.get('total')} "
                                     f"--warmup {s.get('warmup')} --lr {s.get('lr')} --min-lr {s.get('min_lr')}"}))


if __name__ == "__main__":
    main()

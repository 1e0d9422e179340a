"""Packs the issue-26 run's progress small enough to commit, and unpacks it on a new machine.

    PYTHONPATH=python /usr/bin/python3 -m mae_playground.theory.hpack   # or: bash scripts/theory-pack.sh

From --work (.cache/theory-run) into python/weights/theory-run/ (outside models/, which the site serves and
the offline copy caches): progress.json as it is (every finished model's facts,
curve and probe scores), and per model ckpt/<id>.pt in fp16 without the fixed sin-cos position tables
(make_model rebuilds them): a finished model's weights (~140 KB), or, for a model still training, its weights,
AdamW's moments (fp16), the sample/mask RNG and the curve, so hrun resumes it from its last evaluation. The fp16
rounding of weights and moments is the one thing a resumed model does not carry over exactly.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from pathlib import Path

import torch

from . import hexperiment as hx

ROOT = Path(__file__).resolve().parents[3]
FIXED = ("pos_embed", "decoder_pos_embed")  # buffers rebuilt from the config, not learned


def _half(tree):
    if isinstance(tree, torch.Tensor):
        return tree.half() if tree.is_floating_point() else tree
    if isinstance(tree, dict):
        return {k: _half(v) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(_half(v) for v in tree)
    return tree


def _float(tree):
    if isinstance(tree, torch.Tensor):
        return tree.float() if tree.dtype == torch.float16 else tree
    if isinstance(tree, dict):
        return {k: _float(v) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(_float(v) for v in tree)
    return tree


def pack_state(state: dict) -> dict:
    out = {k: v for k, v in state.items() if k not in ("model", "opt")}
    out["model"] = {k: v.half() for k, v in state["model"].items() if k not in FIXED}
    if not state["done"]:
        out["opt"] = _half(state["opt"])
    return out


def unpack_state(packed: dict) -> dict:
    model = hx.make_model(packed["patchSize"])
    full = model.state_dict()
    full.update({k: v.float() for k, v in packed["model"].items()})
    state = dict(packed)
    state["model"] = full
    if "opt" in packed:
        state["opt"] = _float(packed["opt"])
    return state


def pack(work: Path, out: Path) -> dict:
    (out / "ckpt").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(work / "progress.json", out / "progress.json")
    sizes = {}
    for ck in sorted((work / "ckpt").glob("*.pt")):
        packed = pack_state(torch.load(ck, map_location="cpu"))
        dest = out / "ckpt" / ck.name
        tmp = dest.with_suffix(".tmp")
        torch.save(packed, tmp)
        os.replace(tmp, dest)
        sizes[ck.name] = dest.stat().st_size
    return {"out": str(out), "models": len(sizes), "bytes": sum(sizes.values()) + (out / "progress.json").stat().st_size}


def unpack_into(packed_dir: Path, work: Path) -> None:
    (work / "ckpt").mkdir(parents=True, exist_ok=True)
    for ck in sorted((packed_dir / "ckpt").glob("*.pt")):
        torch.save(unpack_state(torch.load(ck, map_location="cpu")), work / "ckpt" / ck.name)
    shutil.copyfile(packed_dir / "progress.json", work / "progress.json")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", default=str(ROOT / ".cache" / "theory-run"))
    ap.add_argument("--out", default=str(ROOT / "python" / "weights" / "theory-run"))
    args = ap.parse_args()
    print(json.dumps(pack(Path(args.work), Path(args.out))))


if __name__ == "__main__":
    main()

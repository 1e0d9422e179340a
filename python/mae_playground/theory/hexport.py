"""Exports the finished seed-0 models of the issue-26 grid for the app (one per patch size and ratio), under the
model contract (docs/MODEL_CONTRACT.md), into models/theory-grid/<id>/, and lists them (exported.json beside the
packed run; hreport copies the list into models/theory/run/results.json's `models`).

    PYTHONPATH=python /usr/bin/python3 -m mae_playground.theory.hexport   # after bash scripts/theory-pack.sh

Reads the packed checkpoints (python/weights/theory-run/ckpt/), so it works on any machine after a pull; a model still
training is skipped. Run hreport afterwards (theory-pack.sh does) so results.json keeps the list.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from ..export_onnx import export
from . import hexperiment as hx
from . import hworld
from .hpack import unpack_state
from .run import reference_mse

# the sample, ratio and mask the e2e test reconstructs in the page with each grid model alone (PyTorch's
# hidden-pixel MSE for it is written beside the list)
REFERENCE_CASE = {"sampleSeed": 42, "maskRatio": 0.5, "maskSeed": 0}

ROOT = Path(__file__).resolve().parents[3]
RUN = ROOT / "python" / "weights" / "theory-run"
# beside models/theory/, not in it: the offline copy caches models/theory/ whole, these ~360 KB models are
# fetched when a person opens one
GRID = ROOT / "models" / "theory-grid"


def grid_id(patch: int, ratio: float) -> str:
    return f"h-p{patch}-r{round(ratio * 100):02d}"


def export_finished(run: Path = RUN, grid: Path = GRID, seed: int = 0) -> list[dict]:
    progress = json.loads((run / "progress.json").read_text())
    models = []
    for key, row in sorted(progress.get("runs", {}).items()):
        if row["seed"] != seed:
            continue
        ck = run / "ckpt" / f"{key}.pt"
        if not ck.exists():
            continue
        state = unpack_state(torch.load(ck, map_location="cpu"))
        if not state["done"]:
            continue
        model = hx.make_model(row["patchSize"])
        model.load_state_dict(state["model"])
        mid = grid_id(row["patchSize"], row["maskRatio"])
        out = grid / mid
        manifest = out / "manifest.json"
        # unchanged weights are not exported again (the ONNX bytes would be the same)
        if not (manifest.exists() and json.loads(manifest.read_text())["source"].get("run") == key
                and json.loads(manifest.read_text())["source"].get("steps") == row["steps"]):
            source = {"kind": "trained-here", "run": key, "steps": row["steps"], "images_seen": row["imagesSeen"],
                      "theory": {"patchSize": row["patchSize"], "trainMaskRatio": row["maskRatio"], "seed": seed},
                      "data": "the issue-26 hierarchical world (python/mae_playground/theory/hworld.py)",
                      "recipe": progress.get("recipe"), "heldOutMaskedMse": row["heldoutMse"],
                      "heldOutMaskedMseAtCommonRatio": row["heldoutMseCommon"]}
            export(model, out, f"Theory grid: patch {row['patchSize']}, trained at {round(row['maskRatio'] * 100)}% masking",
                   "A tiny MAE trained until its held-out loss flattened on the four-level world of issue 26.",
                   source, train_mask_ratio=row["maskRatio"])
        ref = reference_mse({mid: model.eval()}, REFERENCE_CASE, generate=hworld.generate)[mid]
        models.append({"id": mid, "patchSize": row["patchSize"], "maskRatio": row["maskRatio"], "seed": seed,
                       "path": f"models/theory-grid/{mid}",
                       "reference": {**REFERENCE_CASE, "hiddenMse": ref}})
    (run / "exported.json").write_text(json.dumps({"models": models}, indent=1) + "\n")
    return models


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    models = export_finished(seed=args.seed)
    print(f"exported {len(models)} models to {GRID}")


if __name__ == "__main__":
    main()

"""Exports the finished zoo runs to models/<id>/ with their card: held-out MSE and the linear probe.

Called by `python -m mae_playground.zoo export`. Each model's manifest.source carries its training ratio, patch size,
budget, held-out masked MSE (at its own training ratio and at 0.75, plus the baselines) and the cat-vs-dog
probe; models/zoo.json lists them (plus a random-init control's probe) for the compare view and the README.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch

from .evaluate import evaluate
from .checkpoints import load_checkpoint
from .export_onnx import data_facts, export, photo_counts
from .models_mae import mae_vit_zoo
from .probe import probe

ROOT = Path(__file__).resolve().parents[2]


def card(zoo_id: str, patch: int, ratio: float, recipe: dict, ck: dict) -> dict:
    grid = 112 // patch
    return {
        "kind": "trained-here",
        "zoo": {"id": zoo_id, "patchSize": patch, "trainMaskRatio": ratio},
        "steps": ck["step"],
        "images_seen": ck["step"] * recipe["batch"],
        "train_minutes": round(ck.get("seconds", 0) / 60, 1),
        "architecture": f"MAE zoo model: encoder 192-d x 6 blocks x 3 heads, decoder 128-d x 2 blocks x 4 heads, "
                        f"MLP ratio 4, 112 px, patch {patch} ({grid}x{grid} = {grid * grid} patches), pixel targets",
        # counted, not typed: every zoo run leaves out val/ and the probe's test photos (zoo.py --exclude-probe-test)
        **data_facts(photo_counts(ck, exclude_probe_test=True), {}, "minus val/ and minus the probe's test photos "
                     "(Kaggle Dogs-vs-Cats test_set)"),
        "recipe": f"from scratch; RandomResizedCrop(112, scale 0.2-1, bicubic) + flip, batch {recipe['batch']}, "
                  f"{recipe['steps']} steps, AdamW (0.9, 0.95), weight decay 0.05, lr {recipe['lr']} "
                  f"({recipe['warmup']} warm-up steps, cosine to {recipe['min_lr']}), mask ratio {ratio}",
        "hardware": "2-core x86-64 CPU; shared with builds and browser tests while it trained",  # versions: export()
        "knownLimits": "A study model, not a good reconstructor: tiny, 112 px, trained for minutes on 2 cores. "
                       "Compare zoo models with each other, not with the default model.",
    }


def export_all(zoo: list[tuple[str, int, float]], recipe: dict, only: list[str]) -> None:
    torch.set_num_threads(os.cpu_count() or 1)
    summary_path = ROOT / "models" / "zoo.json"
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else {"models": []}
    by_id = {m["id"]: m for m in summary["models"]}
    for zoo_id, patch, ratio in zoo:
        ckpt = ROOT / "runs" / zoo_id / "checkpoint.pth"
        if (only and zoo_id not in only) or not ckpt.exists():
            continue
        loaded = load_checkpoint(ckpt)  # the final weights: every zoo model ends its schedule the same way
        model, ck = loaded.model, loaded.checkpoint
        if ck["step"] < recipe["steps"]:
            print(f"{zoo_id}: step {ck['step']} of {recipe['steps']}, not finished; skipped", flush=True)
            continue
        source = card(zoo_id, patch, ratio, recipe, ck)
        source["heldOut"] = evaluate(model, mask_ratio=0.75)
        source["heldOutAtTrainRatio"] = evaluate(model, mask_ratio=ratio, baselines=False)
        source["probe"] = probe(model)
        name = f"Zoo: patch {patch}, trained at {round(ratio * 100)}% masking"
        export(model, ROOT / "models" / zoo_id, name, "A small MAE from the playground's model zoo.", source,
               train_mask_ratio=ratio)
        by_id[zoo_id] = {"id": zoo_id, "name": name, "imgSize": 112, "patchSize": patch, "trainMaskRatio": ratio,
                         "steps": ck["step"], "trainMinutes": source["train_minutes"],
                         "mse075": source["heldOut"]["model"], "gaussian075": source["heldOut"]["gaussian_interpolation"],
                         "mseAtTrainRatio": source["heldOutAtTrainRatio"]["model"],
                         "probeAccuracy": source["probe"]["accuracy"], "probeStderr": source["probe"]["stderr"]}
        print(json.dumps(by_id[zoo_id]), flush=True)
    # The control: the same architecture untrained, so "the probe learned something" has a floor to beat.
    for patch in sorted({p for _, p, _ in zoo}):
        key = f"random-init-p{patch}"
        if key not in summary.get("controls", {}):
            torch.manual_seed(0)
            summary.setdefault("controls", {})[key] = probe(mae_vit_zoo(patch_size=patch))
    # Shown by patch size (big first), then training ratio: the order the compare view reads in.
    summary["models"] = sorted(by_id.values(), key=lambda m: (-m["patchSize"], m["trainMaskRatio"]))
    summary["recipe"] = recipe
    summary_path.write_text(json.dumps(summary, indent=1) + "\n")
    index_path = ROOT / "models" / "index.json"
    index = json.loads(index_path.read_text())
    zoo_ids = {m["id"] for m in summary["models"]}
    index["models"] = [m for m in index["models"] if m["id"] not in zoo_ids] + \
        [{"id": m["id"], "name": m["name"]} for m in summary["models"]]
    index_path.write_text(json.dumps(index, indent=2) + "\n")

"""A few real training steps on generated photos: loss logged, checkpoint written, resume continues."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

PY = Path(__file__).resolve().parents[1]


def make_photos(root: Path) -> None:
    rng = np.random.default_rng(0)
    for folder, n in [("imagenet-samples", 6), ("more-photos", 4), ("val", 3)]:
        (root / folder).mkdir(parents=True)
        for i in range(n):
            arr = (rng.random((40 + i, 48, 3)) * 255).astype(np.uint8)
            Image.fromarray(arr).save(root / folder / f"img{i}.jpg")


def run_train(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    # run as a module of the package, as the README's commands do
    env = {**os.environ, "MAE_DATA": str(tmp_path / "data"), "PYTHONPATH": str(PY)}
    cmd = [sys.executable, "-m", "mae_playground.train", "--out", str(tmp_path / "run"), "--model", "mae_vit_tiny_patch16",
           "--img-size", "32", "--patch-size", "8", "--batch", "4", "--log-every", "2", "--eval-every", "2",
           "--warmup", "2", "--workers", "0", "--threads", "1", *extra]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)


def test_train_then_resume(tmp_path):
    make_photos(tmp_path / "data")
    first = run_train(tmp_path, "--total-steps", "4")
    assert first.returncode == 0, first.stderr
    ck = torch.load(tmp_path / "run" / "checkpoint.pth", map_location="cpu")
    assert ck["step"] == 4 and "optimizer" in ck and ck["config"]["patch_size"] == 8
    log = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert [e["step"] for e in log if "loss" in e] == [2, 4]
    assert all(np.isfinite(e["loss"]) for e in log if "loss" in e)
    assert any("holdout" in e for e in log)
    best = torch.load(tmp_path / "run" / "best.pth", map_location="cpu")
    assert all(v.dtype == torch.float16 for v in best["model"].values())

    # resume: a new schedule end; the step count, optimizer state and log carry on
    second = run_train(tmp_path, "--total-steps", "6")
    assert second.returncode == 0, second.stderr
    ck2 = torch.load(tmp_path / "run" / "checkpoint.pth", map_location="cpu")
    assert ck2["step"] == 6
    assert len(ck2["log"]) > len(ck["log"])

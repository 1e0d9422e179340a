"""The one checkpoint loader: every layout the project meets, and clear refusals."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from mae_playground.checkpoints import CheckpointError, load_checkpoint, read_checkpoint
from mae_playground.models_mae import MaskedAutoencoderViT

PY = Path(__file__).resolve().parents[1]
REPO = PY.parent
# The model arguments of a tiny model.
TINY = dict(img_size=32, patch_size=8, in_chans=3, embed_dim=32, depth=2, num_heads=2, decoder_embed_dim=16,
            decoder_depth=1, decoder_num_heads=2, mlp_ratio=4.0, norm_pix_loss=False)


def weights(seed: int) -> dict:
    torch.manual_seed(seed)
    return MaskedAutoencoderViT(**TINY).state_dict()


def assert_weights(model: torch.nn.Module, expected: dict) -> None:
    got = model.state_dict()
    assert set(got) == set(expected)
    for k, v in expected.items():
        assert got[k].dtype == torch.float32, k
        assert torch.equal(got[k], v.float()), k


def test_best_pth_layout_fp16(tmp_path):
    sd = {k: v.half() for k, v in weights(1).items()}
    torch.save({"config": {"mask_ratio": 0.9, **TINY}, "step": 40, "seconds": 12.5, "log": [{"step": 40, "loss": 0.5}],
                "best_mse": 0.61, "images_seen": 2560, "data": ["more-photos"], "model": sd}, tmp_path / "best.pth")
    loaded = load_checkpoint(tmp_path / "best.pth")
    assert loaded.layout == "trained-here" and loaded.config["mask_ratio"] == 0.9 and loaded.config["embed_dim"] == 32
    assert loaded.checkpoint["step"] == 40 and loaded.checkpoint["data"] == ["more-photos"]
    assert_weights(loaded.model, sd)
    assert not loaded.model.training


def test_training_checkpoint_with_optimizer_and_ema(tmp_path):
    """checkpoint.pth as train.py writes it (also the runs started before the package layout: plain dicts)."""
    raw, ema = weights(2), weights(3)
    model = MaskedAutoencoderViT(**TINY)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3, betas=(0.9, 0.95))
    model(torch.randn(2, 3, 32, 32))[0].backward()
    opt.step()
    torch.save({"config": {"mask_ratio": 0.75, **TINY}, "step": 7, "seconds": 1.0, "log": [], "best_mse": float("inf"),
                "images_seen": 14, "data": ["val"], "model": raw, "optimizer": opt.state_dict(),
                "schedule": {"start": 0, "warmup": 2, "total": 10, "lr": 1e-3, "min_lr": 1e-5}, "ema": ema},
               tmp_path / "checkpoint.pth")
    loaded = load_checkpoint(tmp_path / "checkpoint.pth")
    assert_weights(loaded.model, raw)
    assert loaded.checkpoint["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.95)
    assert loaded.checkpoint["schedule"]["total"] == 10
    assert_weights(load_checkpoint(tmp_path / "checkpoint.pth", use_ema=True).model, ema)


def test_a_config_without_the_architecture_is_refused(tmp_path):
    """A config that does not name the model's arguments (e.g. short keys) is refused, not built with defaults."""
    short = {"img": 32, "p": 8, "d": 32, "depth": 2, "h": 2, "dd": 16, "ddepth": 1, "dh": 2, "norm_pix_loss": False}
    torch.save({"config": short, "step": 2143, "model": weights(4)}, tmp_path / "short.pth")
    with pytest.raises(CheckpointError, match=r"^short\.pth: its config lacks img_size, patch_size, embed_dim, num_heads, "
                       r"decoder_embed_dim, decoder_depth, decoder_num_heads \(it names \['d', 'dd', "):
        load_checkpoint(tmp_path / "short.pth")


def test_the_committed_weights_load():
    loaded = load_checkpoint(PY / "weights" / "default.fp16.pth")
    assert (loaded.config["embed_dim"], loaded.config["depth"], loaded.config["patch_size"]) == (192, 12, 16)
    assert loaded.checkpoint["step"] == 3411  # the bundled model's card: 3411 steps


def test_encoder_only_is_refused_by_name(tmp_path):
    encoder_only = {k: v for k, v in weights(5).items() if not k.startswith(("decoder", "mask_token"))}
    torch.save({"model": encoder_only}, tmp_path / "mae_pretrain_vit_tiny.pth")
    with pytest.raises(CheckpointError, match=r"mae_pretrain_vit_tiny.pth: .*no decoder weights.*mae_visualize_vit"):
        load_checkpoint(tmp_path / "mae_pretrain_vit_tiny.pth")
    torch.save({"config": TINY, "model": encoder_only}, tmp_path / "ours-encoder-only.pth")
    with pytest.raises(CheckpointError, match="no decoder weights"):
        load_checkpoint(tmp_path / "ours-encoder-only.pth")


class _RunsCode:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_a_checkpoint_cannot_run_code(tmp_path):
    marker = tmp_path / "ran"
    for legacy in (False, True):
        path = tmp_path / f"evil-{legacy}.pth"
        torch.save({"model": weights(6), "x": _RunsCode(marker)}, path, _use_new_zipfile_serialization=not legacy)
        with pytest.raises(CheckpointError, match="refused to load the global"):
            read_checkpoint(path)
        assert not marker.exists()


def test_files_that_are_not_checkpoints(tmp_path):
    (tmp_path / "photo.pth").write_bytes(b"\xff\xd8\xff\xe0 not a checkpoint")
    with pytest.raises(CheckpointError, match="photo.pth"):
        read_checkpoint(tmp_path / "photo.pth")
    with pytest.raises(CheckpointError, match="no such file"):
        read_checkpoint(tmp_path / "missing.pth")
    torch.save([1, 2], tmp_path / "list.pth")
    with pytest.raises(CheckpointError, match="holds a list"):
        read_checkpoint(tmp_path / "list.pth")
    torch.save({"model": weights(7)}, tmp_path / "legacy.pth", _use_new_zipfile_serialization=False)
    legacy = load_checkpoint(tmp_path / "legacy.pth", num_heads=2, decoder_num_heads=2)  # pre-1.6 format: readable
    assert legacy.layout == "official" and legacy.config["embed_dim"] == 32


def test_evaluate_reads_through_the_loader(tmp_path):
    """evaluate's command line reads checkpoints through checkpoints.py (a train.py layout here)."""
    val = tmp_path / "data" / "val"
    val.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(2):
        Image.fromarray((rng.random((40, 48, 3)) * 255).astype(np.uint8)).save(val / f"img{i}.jpg")
    torch.save({"config": TINY, "model": weights(8)}, tmp_path / "warm.pth")
    env = {**os.environ, "MAE_DATA": str(tmp_path / "data"), "PYTHONPATH": str(PY)}
    out = subprocess.run([sys.executable, "-m", "mae_playground.evaluate", str(tmp_path / "warm.pth"), "--seeds", "0"],
                         env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["images"] == 2 and np.isfinite(result["model"])


def test_an_official_training_checkpoint_with_its_args(tmp_path):
    """main_pretrain.py saves {"model", "optimizer", "epoch", "scaler", "args"}; args is an argparse.Namespace."""
    import argparse

    sd = weights(8)
    path = tmp_path / "checkpoint-399.pth"
    torch.save({"model": sd, "optimizer": {"state": {}, "param_groups": [{"lr": 1.5e-4, "params": [0, 1]}]},
                "epoch": 399, "scaler": {"scale": 65536.0, "growth_factor": 2.0, "_growth_tracker": 11},
                "args": argparse.Namespace(model="mae_vit_base_patch16", mask_ratio=0.75, norm_pix_loss=True)}, path)
    loaded = load_checkpoint(path, num_heads=2, decoder_num_heads=2)
    assert loaded.layout == "official"
    assert loaded.config["norm_pix_loss"] is True and loaded.config["mask_ratio"] == 0.75  # read from its args
    assert_weights(loaded.model, sd)
    args = loaded.checkpoint["args"]
    assert (args.model, args.mask_ratio, args.norm_pix_loss) == ("mae_vit_base_patch16", 0.75, True)
    assert loaded.checkpoint["epoch"] == 399 and loaded.checkpoint["scaler"]["_growth_tracker"] == 11

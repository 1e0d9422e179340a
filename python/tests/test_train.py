"""A few real training steps on generated photos (loss logged, checkpoint written, resume continues), and the
low-resolution grid and weight EMA that train.py uses."""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from mae_playground.checkpoints import load_checkpoint
from mae_playground.models_mae import MaskedAutoencoderViT
from mae_playground.train import Ema, set_grid

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
    assert ck["data_photos"] == {"imagenet-samples": 6, "more-photos": 4}  # what make_photos wrote; val/ never
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
    # the checkpoint.pth the run wrote goes through the one loader, optimizer state and all
    loaded = load_checkpoint(tmp_path / "run" / "checkpoint.pth")
    assert loaded.layout == "trained-here" and loaded.config["patch_size"] == 8 and loaded.config["img_size"] == 32
    assert loaded.checkpoint["step"] == 6 and "optimizer" in loaded.checkpoint


def sincos_1d(dim: int, pos: int) -> list[float]:
    """The official 1-D table entry, from the MAE paper's code description: dim/2 frequencies
    omega_i = 1 / 10000^(i / (dim/2)), sines first, then cosines."""
    omegas = [1.0 / 10000 ** (i / (dim / 2)) for i in range(dim // 2)]
    return [math.sin(pos * w) for w in omegas] + [math.cos(pos * w) for w in omegas]


def test_set_grid_recomputes_the_sincos_tables():
    torch.manual_seed(0)
    model = MaskedAutoencoderViT(img_size=32, patch_size=8, embed_dim=32, depth=1, num_heads=2, decoder_embed_dim=16,
                                 decoder_depth=1, decoder_num_heads=2)
    set_grid(model, 48)  # 4x4 patches -> 6x6
    assert model.patch_embed.num_patches == 36 and model.pos_embed.shape == (1, 37, 32)
    assert model.decoder_pos_embed.shape == (1, 37, 16)
    row, col = 2, 5
    token = 1 + row * 6 + col  # after the cls token, patches row-major
    # official channel order: the first half encodes the column, the second half the row
    for table, dim in ((model.pos_embed, 32), (model.decoder_pos_embed, 16)):
        expected = sincos_1d(dim // 2, col) + sincos_1d(dim // 2, row)
        assert np.allclose(table[0, token].numpy(), expected, atol=1e-6)
        assert torch.all(table[0, 0] == 0)  # the cls token's entry
    assert abs(model.pos_embed[0, token, 1].item() - math.sin(5 / 10000 ** (1 / 8))) < 1e-6  # one value by hand
    assert not model.pos_embed.requires_grad and not model.decoder_pos_embed.requires_grad
    loss, pred, _ = model(torch.randn(1, 3, 48, 48), mask_ratio=0.75)
    assert pred.shape == (1, 36, 8 * 8 * 3) and torch.isfinite(loss)


def test_ema_update_is_the_weighted_mean():
    model = MaskedAutoencoderViT(img_size=32, patch_size=8, embed_dim=32, depth=1, num_heads=2, decoder_embed_dim=16,
                                 decoder_depth=1, decoder_num_heads=2)
    pos_before = model.pos_embed.detach().clone()
    with torch.no_grad():
        model.blocks[0].attn.qkv.weight.fill_(2.0)
    ema = Ema(model, 0.9)
    with torch.no_grad():
        model.blocks[0].attn.qkv.weight.fill_(4.0)
        model.pos_embed.add_(1.0)  # fixed tables are not averaged
    ema.update(model)
    # 0.9 * 2.0 + (1 - 0.9) * 4.0 = 2.2
    assert torch.allclose(ema.model.blocks[0].attn.qkv.weight, torch.full_like(model.blocks[0].attn.qkv.weight, 2.2))
    assert torch.equal(ema.model.pos_embed, pos_before)
    assert model.blocks[0].attn.qkv.weight[0, 0].item() == 4.0  # the trained weights are untouched


def test_schedule_start_begins_a_new_cycle_on_resume(tmp_path):
    make_photos(tmp_path / "data")
    assert run_train(tmp_path, "--total-steps", "4").returncode == 0
    # a finished run, resumed with a new cycle: warm-up of 2 steps to 2e-3, cosine to 0 at step 8
    second = run_train(tmp_path, "--schedule-start", "4", "--warmup", "2", "--lr", "2e-3", "--min-lr", "0",
                       "--total-steps", "8", "--log-every", "1", "--eval-every", "100")
    assert second.returncode == 0, second.stderr
    log = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    lrs = {e["step"]: e["lr"] for e in log if "lr" in e and e["step"] > 4}
    # step k runs at offset k-1-4 into the new cycle: 0, then 1/2 of the peak, the peak, then
    # cos(pi/2) halfway down: 2e-3 * 0.5 * (1 + 0) = 1e-3
    assert [round(lrs[k], 9) for k in (5, 6, 7, 8)] == [0.0, 1e-3, 2e-3, 1e-3]


def test_two_processes_bf16_full_crops(tmp_path):
    make_photos(tmp_path / "data")
    run = run_train(tmp_path, "--total-steps", "2", "--batch", "2", "--procs", "2", "--bf16", "--full-crops")
    assert run.returncode == 0, run.stderr
    ck = torch.load(tmp_path / "run" / "checkpoint.pth", map_location="cpu")
    assert ck["step"] == 2 and ck["images_seen"] == 2 * 2 * 2  # steps x batch per process x 2 processes
    entry = [e for e in ck["log"] if "loss" in e][-1]
    assert entry["bf16"] is True and entry["crops"] == "full" and np.isfinite(entry["loss"])


def test_full_crops_are_the_evaluation_view(tmp_path):
    from mae_playground.train import Photos

    arr = (np.random.default_rng(1).random((48, 48, 3)) * 255).astype(np.uint8)
    Image.fromarray(arr).save(tmp_path / "sq.png")
    crop = Photos([tmp_path / "sq.png"], 32, full_crops=True)[0].numpy()
    # Pillow by hand: the whole square photo, bicubic to 32 px, ImageNet-normalised, channels first
    ref = np.asarray(Image.fromarray(arr).resize((32, 32), Image.BICUBIC), dtype=np.float32) / 255.0
    ref = ((ref - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225]).transpose(2, 0, 1)
    assert min(np.abs(crop - ref).max(), np.abs(crop - ref[:, :, ::-1]).max()) < 1e-5  # or its mirror image


def test_bf16_autocast_loss_is_close_to_fp32():
    torch.manual_seed(0)
    model = MaskedAutoencoderViT(img_size=32, patch_size=8, embed_dim=64, depth=2, num_heads=4, decoder_embed_dim=32,
                                 decoder_depth=1, decoder_num_heads=2)
    imgs, noise = torch.randn(4, 3, 32, 32), torch.rand(4, 16)
    ref, _, _ = model(imgs, mask_ratio=0.75, noise=noise)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        low, _, _ = model(imgs, mask_ratio=0.75, noise=noise)
    # bfloat16 keeps 8 significant bits (relative step 2^-8 = 0.4%); the loss stays within 2%
    assert low.dtype == torch.float32 and abs(low.item() - ref.item()) / ref.item() < 0.02

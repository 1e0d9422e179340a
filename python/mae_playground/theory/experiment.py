"""Training, features and linear probes for the theory experiment.

One recipe and one budget for every model: the only things that change between runs are the masking ratio,
the patch size and the seed. The probes are closed-form ridge regressions on frozen features, so a probe's
score depends on the representation, not on an optimiser's luck.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from ..data import IMAGENET_MEAN, IMAGENET_STD
from ..models_mae import MaskedAutoencoderViT, cosine_lr
from . import world

ARCH = dict(img_size=world.IMG, in_chans=3, embed_dim=64, depth=3, num_heads=4, decoder_embed_dim=32,
            decoder_depth=1, decoder_num_heads=4, mlp_ratio=2.0, norm_pix_loss=False)
# base seeds of the sample sets (each sample's seed is world.sample_seed(base, index)); disjoint sets
TRAIN_BASE, PROBE_TRAIN_BASE, PROBE_TEST_BASE = 0x7EA10000, 0x50BE0000, 0x7E570000
LEVELS = {"global": ["shape", "palette"], "middle": ["cx", "cy", "size", "orient"], "local": ["texture", "phase"]}
CLASSES = {"shape": world.NUM_SHAPES, "palette": world.NUM_PALETTES, "orient": world.NUM_ORIENTS,
           "texture": world.NUM_TEXTURES, "phase": world.NUM_PHASES}
RIDGE_LAMBDAS = [1e-1, 1.0, 10.0, 100.0, 1e3, 1e4]

_MEAN = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
_STD = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)


def normalize(images: np.ndarray) -> torch.Tensor:
    """[0, 1] pixels to the model's input (ImageNet mean/std, as the model contract's manifests say)."""
    return (torch.from_numpy(images) - _MEAN) / _STD


def make_model(patch_size: int) -> MaskedAutoencoderViT:
    return MaskedAutoencoderViT(patch_size=patch_size, **ARCH)


def train(patch_size: int, mask_ratio: float, seed: int, pool: torch.Tensor, recipe: dict,
          log=print) -> tuple[MaskedAutoencoderViT, dict]:
    """Trains one MAE from scratch on the (already normalised) training pool; returns it and its training facts."""
    torch.manual_seed(seed)
    model = make_model(patch_size)
    opt = torch.optim.AdamW(model.parameters(), lr=recipe["lr"], betas=(0.9, 0.95), weight_decay=0.05)
    gen = torch.Generator().manual_seed(1000 + seed)
    steps, batch = recipe["steps"], recipe["batch"]
    start, losses = time.time(), []
    model.train()
    for step in range(steps):
        for group in opt.param_groups:
            group["lr"] = cosine_lr(step, recipe["lr"], recipe["warmup"], steps, recipe["min_lr"])
        idx = torch.randint(0, pool.shape[0], (batch,), generator=gen)
        x = pool[idx]
        noise = torch.rand(batch, model.patch_embed.num_patches, generator=gen)
        loss, _, _ = model(x, mask_ratio=mask_ratio, noise=noise)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if (step + 1) % max(1, steps // 4) == 0:
            log(f"  p{patch_size} r{mask_ratio} s{seed} step {step + 1}/{steps} loss {np.mean(losses[-50:]):.4f} "
                f"({time.time() - start:.0f} s)")
    model.eval()
    return model, {"seconds": round(time.time() - start, 1), "finalLoss": float(np.mean(losses[-50:]))}


@torch.no_grad()
def region_features(model: MaskedAutoencoderViT, x: torch.Tensor, batch: int = 500) -> np.ndarray:
    """Frozen encoder on the whole image (no masking, as MAE's linear probe), patch tokens averaged per 8x8
    region: [N, 16 * D]. Both patch sizes give the same feature size and the same spatial resolution, so
    the probes see the same kind of vector whatever the patch size."""
    L = model.patch_embed.num_patches
    grid = int(L**0.5)
    per = grid // world.REGIONS_PER_SIDE  # patches per region side (2 for patch 4, 1 for patch 8)
    out = []
    for i in range(0, x.shape[0], batch):
        xb = x[i:i + batch]
        ids = torch.arange(L).unsqueeze(0).expand(xb.shape[0], -1)
        tokens = model.encode_visible(xb, ids)[:, 1:, :]  # drop the class token
        D = tokens.shape[-1]
        t = tokens.reshape(-1, world.REGIONS_PER_SIDE, per, world.REGIONS_PER_SIDE, per, D).mean(dim=(2, 4))
        out.append(t.reshape(xb.shape[0], -1).numpy().astype(np.float64))
    return np.concatenate(out)


def pixel_features(images: np.ndarray) -> np.ndarray:
    """The control without a network: the raw pixels."""
    return images.reshape(images.shape[0], -1).astype(np.float64)


class Ridge:
    """Multi-output ridge regression through one SVD, so trying several penalties costs little."""

    def __init__(self, X: np.ndarray):
        self.mean, self.std = X.mean(0), X.std(0) + 1e-8
        Z = (X - self.mean) / self.std
        self.U, self.s, self.Vt = np.linalg.svd(Z, full_matrices=False)

    def weights(self, Y: np.ndarray, lam: float) -> np.ndarray:
        Yc = Y - Y.mean(0)
        return self.Vt.T @ ((self.s / (self.s**2 + lam))[:, None] * (self.U.T @ Yc)), Y.mean(0)

    def predict(self, X: np.ndarray, W_b) -> np.ndarray:
        W, b = W_b
        return ((X - self.mean) / self.std) @ W + b


def _targets(lat: dict, name: str) -> np.ndarray:
    """Probe targets: one-hot for a categorical latent (per region for the local ones), z-scored otherwise."""
    v = lat[name]
    if name in CLASSES:
        k = CLASSES[name]
        return np.eye(k)[v].reshape(v.shape[0], -1)
    return v[:, None].astype(np.float64)


def _score(lat: dict, name: str, pred: np.ndarray) -> tuple[float, float]:
    """(raw score, score rescaled so chance = 0 and perfect = 1). Accuracy for categories (for `phase` only
    over regions that have stripes: a flat region has no phase to see), R^2 for the continuous latents."""
    v = lat[name]
    if name in CLASSES:
        k = CLASSES[name]
        guess = pred.reshape(v.shape[0], -1, k).argmax(-1).reshape(v.shape)
        hit = guess == v
        if name == "phase":
            acc = float(hit[lat["texture"] != 0].mean())
        else:
            acc = float(hit.mean())
        return acc, (acc - 1.0 / k) / (1.0 - 1.0 / k)
    y = v.astype(np.float64)
    r2 = 1.0 - float(((y - pred[:, 0]) ** 2).sum() / ((y - y.mean()) ** 2).sum())
    return r2, r2


def probe_all(F_train: np.ndarray, lat_train: dict, F_test: np.ndarray, lat_test: dict) -> dict:
    """Ridge probes for every latent: the penalty chosen on the last fifth of the probe's training set, then
    refitted on all of it and scored once on the held-out test set."""
    n = F_train.shape[0]
    cut = n * 4 // 5
    fit_part, val_part = Ridge(F_train[:cut]), Ridge(F_train)
    sub = lambda lat, sl: {k: v[sl] for k, v in lat.items()}  # noqa: E731
    lat_fit, lat_val = sub(lat_train, slice(0, cut)), sub(lat_train, slice(cut, n))
    latents = {}
    for level, names in LEVELS.items():
        for name in names:
            Y = _targets(lat_fit, name)
            best = max(RIDGE_LAMBDAS, key=lambda lam: _score(
                lat_val, name, fit_part.predict(F_train[cut:], fit_part.weights(Y, lam)))[1])
            W = val_part.weights(_targets(lat_train, name), best)
            raw, norm = _score(lat_test, name, val_part.predict(F_test, W))
            latents[name] = {"level": level, "score": round(raw, 4), "normalized": round(norm, 4), "lambda": best}
    levels = {level: round(float(np.mean([latents[n]["normalized"] for n in names])), 4)
              for level, names in LEVELS.items()}
    return {"latents": latents, "levels": levels}


@torch.no_grad()
def heldout_mse(model: MaskedAutoencoderViT, x: torch.Tensor, mask_ratio: float, seed: int = 0) -> float:
    """Masked-patch MSE (normalised pixels) on held-out samples at the model's own training ratio."""
    noise = torch.rand(x.shape[0], model.patch_embed.num_patches, generator=torch.Generator().manual_seed(seed))
    loss, _, _ = model(x, mask_ratio=mask_ratio, noise=noise)
    return round(float(loss), 5)

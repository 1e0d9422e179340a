"""Held-out masked-patch MSE at a mask ratio, for a model and the two classical baselines.

Definition (mae-notes.md): MSE over the removed patches in ImageNet-normalised pixel space,
images resized to shorter side `img_size` (bicubic) and center-cropped, random masking with
the playground's seeded generator (two seeds per photo by default), averaged over images and seeds.
"""

from __future__ import annotations

import argparse
import json
import math

import numpy as np
import torch
import torch.nn.functional as F

from .data import eval_tensor, val_files
from .mask_prng import image_seed, random_masking_ids


def gaussian_interpolation(imgs: torch.Tensor, visible: torch.Tensor, sigma: float) -> torch.Tensor:
    """Normalised convolution: blur(img * visible) / blur(visible), separable Gaussian."""
    radius = int(math.ceil(3 * sigma))
    xs = torch.arange(-radius, radius + 1, dtype=torch.float32)
    k = torch.exp(-(xs**2) / (2 * sigma**2))
    k = k / k.sum()
    c = imgs.shape[1]

    def blur(t: torch.Tensor) -> torch.Tensor:
        ch = t.shape[1]
        t = F.conv2d(t, k.view(1, 1, 1, -1).repeat(ch, 1, 1, 1), padding=(0, radius), groups=ch)
        return F.conv2d(t, k.view(1, 1, -1, 1).repeat(ch, 1, 1, 1), padding=(radius, 0), groups=ch)

    num = blur(imgs * visible)
    den = blur(visible).clamp(min=1e-8)
    out = num / den
    # Pixels farther than ~3 sigma from any visible pixel get the visible mean.
    mean = (imgs * visible).sum(dim=(2, 3), keepdim=True) / visible.sum(dim=(2, 3), keepdim=True)
    return torch.where(den.expand(-1, c, -1, -1) > 1e-6, out, mean.expand_as(out))


def masked_mse(pred_patches: torch.Tensor, target_patches: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Per-image mean over removed patches of the per-patch MSE: [N]."""
    per_patch = ((pred_patches - target_patches) ** 2).mean(dim=-1)
    return (per_patch * mask).sum(dim=1) / mask.sum(dim=1)


@torch.no_grad()
def evaluate(model, files=None, mask_ratio=0.75, seeds=(0, 1), baselines=True, batch=16, sigma=16.0):
    model.eval()
    files = files if files is not None else val_files()
    size = model.patch_embed.img_size
    L = model.patch_embed.num_patches
    p = model.patch_embed.patch_size
    imgs_all = torch.from_numpy(np.stack([eval_tensor(f, size) for f in files]))
    sums = {"model": 0.0, "gaussian": 0.0, "visible_mean": 0.0}
    count = 0
    dev = next(model.parameters()).device
    for seed in seeds:
        for start in range(0, len(files), batch):
            imgs = imgs_all[start:start + batch]
            n = imgs.shape[0]
            ids = [random_masking_ids(image_seed(seed, start + i, False), L, mask_ratio) for i in range(n)]
            ids_keep = torch.from_numpy(np.stack([a for a, _, _ in ids]))
            ids_restore = torch.from_numpy(np.stack([b for _, b, _ in ids]))
            mask = torch.from_numpy(np.stack([c for _, _, c in ids]))
            target = model.patchify(imgs)
            latent = model.encode_visible(imgs.to(dev), ids_keep.to(dev))
            pred = model.forward_decoder(latent, ids_restore.to(dev)).cpu()
            sums["model"] += masked_mse(pred, target, mask).sum().item()
            if baselines:
                vis_px = model.unpatchify((1 - mask).unsqueeze(-1).expand(-1, -1, p * p * 3))[:, :1]
                gauss = gaussian_interpolation(imgs, vis_px, sigma)
                sums["gaussian"] += masked_mse(model.patchify(gauss), target, mask).sum().item()
                vmean = (imgs * vis_px).sum(dim=(2, 3), keepdim=True) / vis_px.sum(dim=(2, 3), keepdim=True)
                sums["visible_mean"] += masked_mse(model.patchify(vmean.expand_as(imgs)), target, mask).sum().item()
            count += n
    out = {"mask_ratio": mask_ratio, "images": len(files), "seeds": list(seeds), "model": sums["model"] / count}
    if baselines:
        out["gaussian_interpolation"] = sums["gaussian"] / count
        out["visible_mean"] = sums["visible_mean"] / count
    return out


def main() -> None:
    from .checkpoints import load_checkpoint

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("checkpoint", help="a training checkpoint (best.pth, checkpoint.pth, python/weights/*.pth) or an official .pth")
    ap.add_argument("--ratio", type=float, default=0.75)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    args = ap.parse_args()
    model = load_checkpoint(args.checkpoint).model
    print(json.dumps(evaluate(model, mask_ratio=args.ratio, seeds=tuple(args.seeds)), indent=1))


if __name__ == "__main__":
    main()

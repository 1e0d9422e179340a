"""Masked Autoencoder (He et al., CVPR 2022) in plain PyTorch.

Parameter names and semantics follow facebookresearch/mae `models_mae.py`, so official
checkpoints load with `load_state_dict(strict=True)`. Written here from the paper and the
documented checkpoint layout; no timm dependency (the Block below has timm's parameter names).
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn as nn


def get_2d_sincos_pos_embed(embed_dim: int, grid_size: int | tuple[int, int], cls_token: bool = False) -> np.ndarray:
    """Fixed 2-D sin-cos embedding in the official channel order, for a square grid (`grid_size`)
    or an h x w one (`(h, w)`: rows, then columns; patches row-major, as patchify orders them).

    The official code builds the grid with `np.meshgrid(w, h)`, so the first half of the
    channels encodes the column (x) and the second half the row (y). For h == w the table is the
    official one bit for bit (tests/python checks it against the shipped models' tables).
    """
    grid_h, grid_w = (grid_size, grid_size) if isinstance(grid_size, int) else grid_size
    col, row = np.meshgrid(np.arange(grid_w, dtype=np.float64), np.arange(grid_h, dtype=np.float64))

    def one_d(dim: int, pos: np.ndarray) -> np.ndarray:
        omega = 1.0 / 10000 ** (np.arange(dim // 2, dtype=np.float64) / (dim / 2.0))
        out = np.einsum("m,d->md", pos.reshape(-1), omega)
        return np.concatenate([np.sin(out), np.cos(out)], axis=1)

    emb = np.concatenate([one_d(embed_dim // 2, col), one_d(embed_dim // 2, row)], axis=1)
    if cls_token:
        emb = np.concatenate([np.zeros([1, embed_dim]), emb], axis=0)
    return emb.astype(np.float32)


class PatchEmbed(nn.Module):
    def __init__(self, img_size: int, patch_size: int, in_chans: int, embed_dim: int):
        super().__init__()
        self.img_size, self.patch_size = img_size, patch_size
        self.num_patches = (img_size // patch_size) ** 2
        self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_size, stride=patch_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x).flatten(2).transpose(1, 2)  # [N, L, D], patches row-major


class Attention(nn.Module):
    def __init__(self, dim: int, num_heads: int):
        super().__init__()
        self.num_heads = num_heads
        self.scale = (dim // num_heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=True)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor, return_attention: bool = False):
        """With `return_attention`, also the softmax weights [B, heads, N, N] (rows sum to 1); the
        output is the same either way."""
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.num_heads, C // self.num_heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = ((q * self.scale) @ k.transpose(-2, -1)).softmax(dim=-1)
        out = self.proj((attn @ v).transpose(1, 2).reshape(B, N, C))
        return (out, attn) if return_attention else out


class Mlp(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, dim: int, num_heads: int, mlp_ratio: float):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, num_heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x: torch.Tensor, return_attention: bool = False):
        if return_attention:
            h, attn = self.attn(self.norm1(x), return_attention=True)
            x = x + h
            return x + self.mlp(self.norm2(x)), attn
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class MaskedAutoencoderViT(nn.Module):
    def __init__(self, img_size=224, patch_size=16, in_chans=3, embed_dim=1024, depth=24,
                 num_heads=16, decoder_embed_dim=512, decoder_depth=8, decoder_num_heads=16,
                 mlp_ratio=4.0, norm_pix_loss=False):
        super().__init__()
        self.config = dict(img_size=img_size, patch_size=patch_size, in_chans=in_chans,
                           embed_dim=embed_dim, depth=depth, num_heads=num_heads,
                           decoder_embed_dim=decoder_embed_dim, decoder_depth=decoder_depth,
                           decoder_num_heads=decoder_num_heads, mlp_ratio=mlp_ratio,
                           norm_pix_loss=norm_pix_loss)
        # encoder
        self.patch_embed = PatchEmbed(img_size, patch_size, in_chans, embed_dim)
        L = self.patch_embed.num_patches
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, L + 1, embed_dim), requires_grad=False)
        self.blocks = nn.ModuleList([Block(embed_dim, num_heads, mlp_ratio) for _ in range(depth)])
        self.norm = nn.LayerNorm(embed_dim, eps=1e-6)
        # decoder
        self.decoder_embed = nn.Linear(embed_dim, decoder_embed_dim, bias=True)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, decoder_embed_dim))
        self.decoder_pos_embed = nn.Parameter(torch.zeros(1, L + 1, decoder_embed_dim), requires_grad=False)
        self.decoder_blocks = nn.ModuleList(
            [Block(decoder_embed_dim, decoder_num_heads, mlp_ratio) for _ in range(decoder_depth)])
        self.decoder_norm = nn.LayerNorm(decoder_embed_dim, eps=1e-6)
        self.decoder_pred = nn.Linear(decoder_embed_dim, patch_size ** 2 * in_chans, bias=True)
        self.norm_pix_loss = norm_pix_loss
        self.initialize_weights()

    def initialize_weights(self):
        grid = int(self.patch_embed.num_patches ** 0.5)
        self.pos_embed.data.copy_(torch.from_numpy(get_2d_sincos_pos_embed(self.pos_embed.shape[-1], grid, True)))
        self.decoder_pos_embed.data.copy_(
            torch.from_numpy(get_2d_sincos_pos_embed(self.decoder_pos_embed.shape[-1], grid, True)))
        w = self.patch_embed.proj.weight.data
        nn.init.xavier_uniform_(w.view([w.shape[0], -1]))
        nn.init.normal_(self.cls_token, std=0.02)
        nn.init.normal_(self.mask_token, std=0.02)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.constant_(m.bias, 0)
            elif isinstance(m, nn.LayerNorm):
                nn.init.constant_(m.bias, 0)
                nn.init.constant_(m.weight, 1.0)

    # --- patch layout: [N,3,H,W] <-> [N,L,p*p*3], 'nchpwq->nhwpqc' ---
    # (h x w grids: the same layout, row-major; the official code asserts a square image)
    def patchify(self, imgs: torch.Tensor) -> torch.Tensor:
        p = self.patch_embed.patch_size
        c = imgs.shape[1]
        h, w = imgs.shape[2] // p, imgs.shape[3] // p
        x = imgs.reshape(imgs.shape[0], c, h, p, w, p)
        x = torch.einsum("nchpwq->nhwpqc", x)
        return x.reshape(imgs.shape[0], h * w, p * p * c)

    def unpatchify(self, x: torch.Tensor, grid_hw: tuple[int, int] | None = None) -> torch.Tensor:
        p = self.patch_embed.patch_size
        c = x.shape[2] // (p * p)
        h, w = grid_hw if grid_hw is not None else (int(x.shape[1] ** 0.5),) * 2
        x = x.reshape(x.shape[0], h, w, p, p, c)
        x = torch.einsum("nhwpqc->nchpwq", x)
        return x.reshape(x.shape[0], c, h * p, w * p)

    def grid_pos_embed(self, grid_hw: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
        """(pos_embed, decoder_pos_embed) for an h x w patch grid: the fixed sin-cos tables computed
        for that grid (exact: the tables are a function of the patch's row and column)."""
        enc = get_2d_sincos_pos_embed(self.pos_embed.shape[-1], grid_hw, True)
        dec = get_2d_sincos_pos_embed(self.decoder_pos_embed.shape[-1], grid_hw, True)
        return torch.from_numpy(enc).unsqueeze(0), torch.from_numpy(dec).unsqueeze(0)

    def random_masking(self, x: torch.Tensor, mask_ratio: float, noise: torch.Tensor | None = None):
        """Per-sample shuffling by argsort of noise; keeps the lowest-noise patches."""
        N, L, D = x.shape
        len_keep = max(1, int(L * (1 - mask_ratio)))
        if noise is None:
            noise = torch.rand(N, L, device=x.device)
        ids_shuffle = torch.argsort(noise, dim=1)
        ids_restore = torch.argsort(ids_shuffle, dim=1)
        ids_keep = ids_shuffle[:, :len_keep]
        x_masked = torch.gather(x, 1, ids_keep.unsqueeze(-1).repeat(1, 1, D))
        mask = torch.ones([N, L], device=x.device)
        mask[:, :len_keep] = 0
        mask = torch.gather(mask, 1, ids_restore)
        return x_masked, mask, ids_restore, ids_keep

    def encode_visible(self, imgs: torch.Tensor, ids_keep: torch.Tensor, pos_embed: torch.Tensor | None = None,
                       return_attention: bool = False):
        """The encoder given explicit kept ids: what `encoder.onnx` computes.

        `pos_embed` ([1, 1 + L, D], cls row first) replaces the stored table, for an image whose
        patch grid is not the training one (see grid_pos_embed). With `return_attention`, returns
        (latent, [per block: softmax weights [B, heads, 1 + K, 1 + K]]); the latent is unchanged.
        """
        pos = self.pos_embed if pos_embed is None else pos_embed
        x = self.patch_embed(imgs) + pos[:, 1:, :]
        x = torch.gather(x, 1, ids_keep.unsqueeze(-1).expand(-1, -1, x.shape[-1]))
        cls = (self.cls_token + pos[:, :1, :]).expand(x.shape[0], -1, -1)
        x = torch.cat([cls, x], dim=1)
        attentions = []
        for blk in self.blocks:
            if return_attention:
                x, attn = blk(x, return_attention=True)
                attentions.append(attn)
            else:
                x = blk(x)
        return (self.norm(x), attentions) if return_attention else self.norm(x)

    def forward_encoder(self, imgs: torch.Tensor, mask_ratio: float, noise: torch.Tensor | None = None):
        N, L = imgs.shape[0], self.patch_embed.num_patches
        dummy = torch.empty(N, L, 1, device=imgs.device)
        _, mask, ids_restore, ids_keep = self.random_masking(dummy, mask_ratio, noise)
        return self.encode_visible(imgs, ids_keep), mask, ids_restore

    def forward_decoder(self, x: torch.Tensor, ids_restore: torch.Tensor, decoder_pos_embed: torch.Tensor | None = None,
                        return_attention: bool = False):
        """`decoder_pos_embed` ([1, 1 + L, Dd]) replaces the stored table for another patch grid; with
        `return_attention`, returns (pred, [per block: [B, heads, 1 + L, 1 + L]]), tokens cls then
        patches 0..L-1 (unshuffled); pred is unchanged."""
        x = self.decoder_embed(x)
        n_mask = ids_restore.shape[1] + 1 - x.shape[1]
        mask_tokens = self.mask_token.expand(x.shape[0], n_mask, -1)
        x_ = torch.cat([x[:, 1:, :], mask_tokens], dim=1)
        x_ = torch.gather(x_, 1, ids_restore.unsqueeze(-1).expand(-1, -1, x.shape[2]))  # unshuffle
        pos = self.decoder_pos_embed if decoder_pos_embed is None else decoder_pos_embed
        x = torch.cat([x[:, :1, :], x_], dim=1) + pos
        attentions = []
        for blk in self.decoder_blocks:
            if return_attention:
                x, attn = blk(x, return_attention=True)
                attentions.append(attn)
            else:
                x = blk(x)
        pred = self.decoder_pred(self.decoder_norm(x))[:, 1:, :]
        return (pred, attentions) if return_attention else pred

    def forward_loss(self, imgs: torch.Tensor, pred: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        target = self.patchify(imgs)
        if self.norm_pix_loss:
            mean = target.mean(dim=-1, keepdim=True)
            var = target.var(dim=-1, keepdim=True)
            target = (target - mean) / (var + 1.0e-6) ** 0.5
        loss = ((pred - target) ** 2).mean(dim=-1)  # per patch
        return (loss * mask).sum() / mask.sum().clamp(min=1)

    def forward(self, imgs: torch.Tensor, mask_ratio: float = 0.75, noise: torch.Tensor | None = None):
        latent, mask, ids_restore = self.forward_encoder(imgs, mask_ratio, noise)
        pred = self.forward_decoder(latent, ids_restore)
        return self.forward_loss(imgs, pred, mask), pred, mask


# --- factory sizes: the official ones, and the small ones trained here ---
def mae_vit_base_patch16_dec512d8b(**kw):
    return MaskedAutoencoderViT(patch_size=16, embed_dim=768, depth=12, num_heads=12, decoder_embed_dim=512,
                                decoder_depth=8, decoder_num_heads=16, mlp_ratio=4, **kw)


def mae_vit_large_patch16_dec512d8b(**kw):
    return MaskedAutoencoderViT(patch_size=16, embed_dim=1024, depth=24, num_heads=16, decoder_embed_dim=512,
                                decoder_depth=8, decoder_num_heads=16, mlp_ratio=4, **kw)


def mae_vit_huge_patch14_dec512d8b(**kw):
    return MaskedAutoencoderViT(patch_size=14, embed_dim=1280, depth=32, num_heads=16, decoder_embed_dim=512,
                                decoder_depth=8, decoder_num_heads=16, mlp_ratio=4, **kw)


def mae_vit_tiny_patch16_dec128d4b(**kw):
    """The default playground model (the warm-start checkpoint's architecture)."""
    kw = {"patch_size": 16, **kw}
    return MaskedAutoencoderViT(embed_dim=192, depth=12, num_heads=3, decoder_embed_dim=128,
                                decoder_depth=4, decoder_num_heads=4, mlp_ratio=4, **kw)


def mae_vit_zoo(**kw):
    """The zoo's small MAE (112 px): one architecture for every training ratio and patch size, so that
    only the variable under study changes between zoo models."""
    kw = {"img_size": 112, "patch_size": 16, **kw}
    return MaskedAutoencoderViT(embed_dim=192, depth=6, num_heads=3, decoder_embed_dim=128,
                                decoder_depth=2, decoder_num_heads=4, mlp_ratio=4, **kw)


mae_vit_base_patch16 = mae_vit_base_patch16_dec512d8b
mae_vit_large_patch16 = mae_vit_large_patch16_dec512d8b
mae_vit_huge_patch14 = mae_vit_huge_patch14_dec512d8b
mae_vit_tiny_patch16 = mae_vit_tiny_patch16_dec128d4b

FACTORIES = {
    "mae_vit_base_patch16": mae_vit_base_patch16,
    "mae_vit_large_patch16": mae_vit_large_patch16,
    "mae_vit_huge_patch14": mae_vit_huge_patch14,
    "mae_vit_tiny_patch16": mae_vit_tiny_patch16,
    "mae_vit_zoo": mae_vit_zoo,
}


def model_from_config(cfg: dict) -> MaskedAutoencoderViT:
    keys = ["img_size", "patch_size", "in_chans", "embed_dim", "depth", "num_heads", "decoder_embed_dim",
            "decoder_depth", "decoder_num_heads", "mlp_ratio", "norm_pix_loss"]
    return MaskedAutoencoderViT(**{k: cfg[k] for k in keys if k in cfg})


def count_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def cosine_lr(step: int, base_lr: float, warmup: int, total: int, min_lr: float = 0.0) -> float:
    if step < warmup:
        return base_lr * step / max(1, warmup)
    t = min(1.0, (step - warmup) / max(1, total - warmup))
    return min_lr + (base_lr - min_lr) * 0.5 * (1.0 + math.cos(math.pi * t))

"""Convert a facebookresearch/mae checkpoint (.pth) into the playground's model contract.

    PYTHONPATH=python /usr/bin/python3 -m mae_playground.convert_official mae_visualize_vit_large.pth --out models/mae-vit-large-visualize

Reads the `model` entry (or a bare state dict), infers the architecture from the tensor shapes,
loads it strictly into our MaskedAutoencoderViT (same parameter names) and exports encoder.onnx,
decoder.onnx and manifest.json (ONNX external data for graphs over 2 GB, e.g. ViT-H).
Only checkpoints with decoder weights can reconstruct: the `mae_visualize_vit_*.pth` files (pixel
targets) and the `mae_pretrain_vit_*_full.pth` files (norm-pix targets).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import torch

from .export_onnx import export, write_reference
from .models_mae import MaskedAutoencoderViT

# Head counts are not visible in tensor shapes; these are the official (and our) widths.
ENCODER_HEADS = {192: 3, 384: 6, 768: 12, 1024: 16, 1280: 16}
DECODER_HEADS = {128: 4, 256: 8, 512: 16}


class ConversionError(ValueError):
    pass


def extract_state_dict(ckpt) -> dict:
    if isinstance(ckpt, dict) and isinstance(ckpt.get("model"), dict):
        return ckpt["model"]
    if isinstance(ckpt, dict) and all(isinstance(v, torch.Tensor) for v in ckpt.values()) and ckpt:
        return ckpt
    keys = list(ckpt.keys())[:10] if isinstance(ckpt, dict) else type(ckpt).__name__
    raise ConversionError(f"no MAE state dict found: expected a dict with a 'model' entry (got keys {keys})")


def infer_config(sd: dict, num_heads: int | None = None, decoder_num_heads: int | None = None,
                 norm_pix_loss: bool = False) -> dict:
    if "patch_embed.proj.weight" not in sd or "pos_embed" not in sd:
        raise ConversionError("not an MAE/ViT checkpoint: 'patch_embed.proj.weight' or 'pos_embed' is missing")
    if "decoder_embed.weight" not in sd or "decoder_pred.weight" not in sd:
        raise ConversionError(
            "this checkpoint has no decoder weights (decoder_embed / decoder_pred are missing): it is an "
            "encoder-only file such as mae_pretrain_vit_base.pth, made for fine-tuning. Reconstruction needs "
            "the decoder: use mae_visualize_vit_{base,large,huge}.pth (pixel targets) or "
            "mae_pretrain_vit_{base,large,huge}_full.pth (norm-pix targets, pass --norm-pix-loss).")
    embed_dim, in_chans, patch, patch2 = sd["patch_embed.proj.weight"].shape
    num_tokens = sd["pos_embed"].shape[1]
    grid = int(round((num_tokens - 1) ** 0.5))
    if patch != patch2 or grid * grid != num_tokens - 1:
        raise ConversionError(f"unsupported shapes: patch {patch}x{patch2}, pos_embed {tuple(sd['pos_embed'].shape)} "
                              "(expected square patches and a square grid plus one cls token)")
    depth = 1 + max(int(m.group(1)) for k in sd if (m := re.match(r"blocks\.(\d+)\.", k)))
    dec_depth = 1 + max((int(m.group(1)) for k in sd if (m := re.match(r"decoder_blocks\.(\d+)\.", k))), default=-1)
    dec_dim = sd["decoder_embed.weight"].shape[0]
    mlp_hidden = sd["blocks.0.mlp.fc1.weight"].shape[0]
    heads = num_heads or ENCODER_HEADS.get(embed_dim)
    dec_heads = decoder_num_heads or DECODER_HEADS.get(dec_dim)
    if heads is None or dec_heads is None:
        raise ConversionError(f"unknown width (encoder {embed_dim}, decoder {dec_dim}): head counts can't be read "
                              "from the weights; pass --num-heads and --decoder-num-heads")
    if sd["decoder_pred.weight"].shape[0] != patch * patch * in_chans:
        raise ConversionError(f"decoder_pred predicts {sd['decoder_pred.weight'].shape[0]} values per patch; "
                              f"expected {patch}*{patch}*{in_chans}")
    return dict(img_size=grid * patch, patch_size=patch, in_chans=in_chans, embed_dim=embed_dim, depth=depth,
                num_heads=heads, decoder_embed_dim=dec_dim, decoder_depth=dec_depth, decoder_num_heads=dec_heads,
                mlp_ratio=mlp_hidden / embed_dim, norm_pix_loss=norm_pix_loss)


def load_official(sd: dict, cfg: dict) -> MaskedAutoencoderViT:
    model = MaskedAutoencoderViT(**cfg)
    expected = model.state_dict()
    missing = sorted(set(expected) - set(sd))
    unexpected = sorted(set(sd) - set(expected))
    wrong = [f"{k}: {tuple(sd[k].shape)} vs {tuple(v.shape)}" for k, v in expected.items()
             if k in sd and tuple(sd[k].shape) != tuple(v.shape)]
    if missing or unexpected or wrong:
        raise ConversionError("checkpoint does not match the inferred MAE architecture:"
                              + (f" missing {missing[:8]}" if missing else "")
                              + (f" unexpected {unexpected[:8]}" if unexpected else "")
                              + (f" wrong shapes {wrong[:8]}" if wrong else ""))
    # The stored sin-cos position embeddings are taken as they are (not recomputed).
    model.load_state_dict({k: v.float() for k, v in sd.items()}, strict=True)
    return model.eval()


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint")
    ap.add_argument("--out", required=True)
    ap.add_argument("--name", help="model name shown in the app (default: from the file name)")
    ap.add_argument("--norm-pix-loss", action="store_true",
                    help="the decoder predicts per-patch-normalised pixels (the *_full pretrain checkpoints)")
    ap.add_argument("--num-heads", type=int)
    ap.add_argument("--decoder-num-heads", type=int)
    ap.add_argument("--reference", help="also write reference vectors here (for replaying through onnxruntime)")
    args = ap.parse_args(argv)
    path = Path(args.checkpoint)
    norm_pix = args.norm_pix_loss or path.stem.endswith("_full")
    try:
        sd = extract_state_dict(torch.load(path, map_location="cpu"))
        cfg = infer_config(sd, args.num_heads, args.decoder_num_heads, norm_pix)
        model = load_official(sd, cfg)
    except ConversionError as e:
        sys.exit(f"convert_official: {path.name}: {e}")
    name = args.name or f"MAE {path.stem}"
    source = {"kind": "official-checkpoint", "file": path.name, "repository": "facebookresearch/mae",
              "license": "CC BY-NC 4.0 (facebookresearch/mae)"}
    description = (f"Converted from {path.name}: ViT {cfg['embed_dim']}-d x {cfg['depth']}, patch {cfg['patch_size']}, "
                   f"decoder {cfg['decoder_embed_dim']}-d x {cfg['decoder_depth']}, "
                   + ("norm-pix targets" if norm_pix else "pixel targets") + ".")
    m = export(model, Path(args.out), name, description, source, train_mask_ratio=0.75)
    if args.reference:
        write_reference(model, Path(args.reference))
    print(json.dumps({"out": args.out, "config": cfg, "files": m["files"]}, indent=1))


if __name__ == "__main__":
    main()

"""Convert a facebookresearch/mae checkpoint (.pth) into the playground's model contract.

    PYTHONPATH=python /usr/bin/python3 -m mae_playground.convert_official mae_visualize_vit_large.pth --out models/mae-vit-large-visualize

Reads the `model` entry (or a bare state dict) through checkpoints.py, which infers the architecture from
the tensor shapes and loads it strictly into our MaskedAutoencoderViT (same parameter names); exports a format 2
folder (docs/MODEL_CONTRACT.md, export_onnx.export): encoder.onnx / decoder.onnx for any patch grid with their
weights in encoder.onnx.data / decoder.onnx.data, the attention graphs sharing those files, manifest.json with
grid.positions "sincos-2d" (the official files store the sin-cos tables) or "table" + pos-embed.bin, and replays
them through onnxruntime-node (the self-check).
Only checkpoints with decoder weights can reconstruct: the `mae_visualize_vit_*.pth` files (pixel
targets) and the `mae_pretrain_vit_*_full.pth` files (norm-pix targets).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .checkpoints import CheckpointError, load_checkpoint
from .export_onnx import export, write_reference

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
        loaded = load_checkpoint(path, num_heads=args.num_heads, decoder_num_heads=args.decoder_num_heads,
                                 norm_pix_loss=norm_pix)
    except CheckpointError as e:
        sys.exit(f"convert_official: {e}")
    model, cfg = loaded.model, loaded.config
    name = args.name or f"MAE {path.stem}"
    if loaded.layout == "official":
        source = {"kind": "official-checkpoint", "file": path.name, "repository": "facebookresearch/mae",
                  "license": "CC BY-NC 4.0 (facebookresearch/mae)"}
    else:  # one of ours went through the same door: say so (export_onnx.py writes its full card)
        source = {"kind": "trained-here", "file": path.name, "steps": loaded.checkpoint.get("step")}
    description = (f"Converted from {path.name}: ViT {cfg['embed_dim']}-d x {cfg['depth']}, patch {cfg['patch_size']}, "
                   f"decoder {cfg['decoder_embed_dim']}-d x {cfg['decoder_depth']}, "
                   + ("norm-pix targets" if norm_pix else "pixel targets") + ".")
    m = export(model, Path(args.out), name, description, source, train_mask_ratio=0.75)
    if args.reference:
        write_reference(model, Path(args.reference))
    print(json.dumps({"out": args.out, "config": cfg, "files": m["files"]}, indent=1))


if __name__ == "__main__":
    main()

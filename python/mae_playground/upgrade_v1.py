"""Re-export a v1 model folder as v2 (docs/MODEL_CONTRACT.md) from the weights inside its own graphs.

    PYTHONPATH=python /usr/bin/python3 -m mae_playground.upgrade_v1 models/default --out /tmp/v2/default \
        [--reference tests/reference/default]

The bundled v1 folders were exported from fp32 training checkpoints that are not in the repository
(python/weights keeps fp16 packs), so the exact fp32 weights live only in encoder.onnx / decoder.onnx.
This reads them back: initializers that kept their parameter name (`mae.<name>`) directly, the Linear
weights that torch.onnx folded into a transposed `MatMul` initializer through the `Add` of their named
bias, and the encoder's folded position terms (`pos_embed[:, 1:]` added to the patches, `cls_token +
pos_embed[:, :1]`). Every parameter must be found; the stored encoder table must be the 2-D sin-cos one
(its cls row is zero, so the folded cls term is the cls token). The card (name, description, source,
training ratio) and training-log.jsonl are kept.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from .models_mae import MaskedAutoencoderViT, get_2d_sincos_pos_embed
from .onnx_graphs import SINCOS_TOL


class UpgradeError(RuntimeError):
    pass


def config_from_manifest(m: dict) -> dict:
    return dict(img_size=m["imgSize"], patch_size=m["patchSize"], in_chans=m.get("inChans", 3),
                embed_dim=m["encoder"]["embedDim"], depth=m["encoder"]["depth"], num_heads=m["encoder"]["numHeads"],
                decoder_embed_dim=m["decoder"]["embedDim"], decoder_depth=m["decoder"]["depth"],
                decoder_num_heads=m["decoder"]["numHeads"], mlp_ratio=m.get("mlpRatio", 4.0),
                norm_pix_loss=m.get("normPixLoss", False))


def _graph_weights(path: Path) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """(named parameters, unnamed initializers) of one v1 graph; Linear weights resolved through their bias."""
    g = onnx.load(str(path), load_external_data=True).graph
    inits = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    named = {k[len("mae."):]: v for k, v in inits.items() if k.startswith("mae.")}
    consumers: dict[str, list[onnx.NodeProto]] = {}
    for n in g.node:
        for x in n.input:
            consumers.setdefault(x, []).append(n)
    used: set[str] = set()
    for n in g.node:
        if n.op_type != "MatMul" or n.input[1] not in inits or n.input[1].startswith("mae."):
            continue
        adds = [c for c in consumers.get(n.output[0], []) if c.op_type == "Add"]
        biases = [x for c in adds for x in c.input if x.startswith("mae.") and x.endswith(".bias")]
        if len(biases) != 1:
            raise UpgradeError(f"{path.name}: cannot tell which Linear the MatMul weight {n.input[1]} belongs to")
        named[biases[0][len("mae."):-len(".bias")] + ".weight"] = inits[n.input[1]].T.copy()
        used.add(n.input[1])
    rest = {k: v for k, v in inits.items() if not k.startswith("mae.") and k not in used}
    return named, rest


def recover(folder: Path) -> tuple[MaskedAutoencoderViT, dict]:
    manifest = json.loads((folder / "manifest.json").read_text())
    if manifest.get("format", "mae-playground/1") != "mae-playground/1":
        raise UpgradeError(f"{folder}: not a v1 folder (format {manifest.get('format')})")
    model = MaskedAutoencoderViT(**config_from_manifest(manifest))
    sd = model.state_dict()
    enc_named, enc_rest = _graph_weights(folder / manifest["encoder"]["file"])
    dec_named, _ = _graph_weights(folder / manifest["decoder"]["file"])
    found = {**enc_named, **dec_named}
    L, D = model.patch_embed.num_patches, model.config["embed_dim"]
    patch_pos = [v for v in enc_rest.values() if v.shape == (1, L, D)]
    cls_pos = [v for v in enc_rest.values() if v.shape == (1, 1, D)]
    if "pos_embed" not in found:
        if len(patch_pos) != 1 or len(cls_pos) != 1:
            raise UpgradeError(f"{folder}: the encoder's folded position terms are not where a v1 export puts them")
        # The cls row of a sin-cos table is zero, so the folded cls term is the cls token itself. The patch
        # rows are kept as stored (a run warm-started from an fp16 pack holds sin-cos rounded to fp16).
        g = model.config["img_size"] // model.config["patch_size"]
        table = get_2d_sincos_pos_embed(D, g, cls_token=True)[None]
        diff = float(np.abs(patch_pos[0] - table[:, 1:]).max())
        if diff > SINCOS_TOL:
            raise UpgradeError(f"{folder}: the encoder's stored position table is not sin-cos (max|diff| {diff})")
        found["pos_embed"] = np.concatenate([np.zeros_like(table[:, :1]), patch_pos[0]], axis=1)
        found["cls_token"] = cls_pos[0]
    missing = sorted(set(sd) - set(found))
    extra = sorted(set(found) - set(sd))
    if missing or extra:
        raise UpgradeError(f"{folder}: missing {missing[:5]}, unexpected {extra[:5]}")
    for k, v in found.items():
        if tuple(v.shape) != tuple(sd[k].shape):
            raise UpgradeError(f"{folder}: {k} has shape {v.shape}, the model needs {tuple(sd[k].shape)}")
    model.load_state_dict({k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in found.items()}, strict=True)
    model.eval()
    return model, manifest


def main(argv: list[str] | None = None) -> None:
    from .export_onnx import export, write_reference

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path, help="a v1 model folder (manifest.json, encoder.onnx, decoder.onnx)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--reference", type=Path, help="also write reference vectors here")
    ap.add_argument("--no-check", action="store_true", help="skip the onnxruntime-node self-check")
    args = ap.parse_args(argv)
    model, m = recover(args.folder)
    source = {k: v for k, v in (m.get("source") or {}).items() if k != "software"}
    source["exportedFrom"] = "the fp32 weights of its v1 export (python/mae_playground/upgrade_v1.py)"
    export(model, args.out, m["name"], m.get("description", ""), source, m.get("trainMaskRatio", 0.75),
           check=not args.no_check)
    for extra in ("training-log.jsonl",):
        if (args.folder / extra).exists() and args.folder.resolve() != args.out.resolve():
            shutil.copyfile(args.folder / extra, args.out / extra)
    if args.reference:
        write_reference(model, args.reference)
        print("reference vectors in", args.reference)


if __name__ == "__main__":
    main()

"""The bundled default model (models/default) as an official-layout checkpoint, for the in-page importer.

models/default holds ONNX graphs only (export_onnx.py); the shipped float32 weights are their
initializers. This reads them back under the official facebookresearch/mae names ({'model':
state_dict}, as main_pretrain.py saves) so that the page's importer (src/features/models/weights)
can build its graphs, fp32 or int8, from the very weights the bundled model runs:

- `mae.<name>` initializers are the parameters themselves;
- each Linear weight is the MatMul's initializer (torch.onnx.export stores it transposed, [in, out]);
  the node's name (`/blocks.3/mlp/fc1/MatMul`) says which Linear it is;
- format 1: the encoder's position embedding of the patches is a constant (`pos_embed[:, 1:]`), and the
  class token arrives folded as `cls_token + pos_embed[:, :1]`: pos_embed is the fixed sin-cos table (its
  class row is zeros; the rest is checked against get_2d_sincos_pos_embed within float16 rounding);
- format 2: the tables are graph inputs (the manifest's grid.positions "sincos-2d": the page computes the
  exact table), so pos_embed / decoder_pos_embed are the exact sin-cos tables and cls_token is named.

The state dict must load strictly into mae_vit_tiny_patch16_dec128d4b; tests/node/weights-int8.test.ts
then checks that the importer's fp32 graphs of this file reproduce tests/reference/default.

    PYTHONPATH=python /usr/bin/python3 -m mae_fixtures.default_official models/default .cache/weights/default-official.pth
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from mae_playground.models_mae import get_2d_sincos_pos_embed, mae_vit_tiny_patch16_dec128d4b

MATMUL_NODE = re.compile(r"^/((?:decoder_)?blocks\.\d+/(?:attn/qkv|attn/proj|mlp/fc1|mlp/fc2)|decoder_embed|decoder_pred)/MatMul$")


def graph_weights(path: Path) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """(parameters found by name, other float initializers by ONNX name)."""
    g = onnx.load(str(path)).graph
    inits = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    params: dict[str, np.ndarray] = {}
    for node in g.node:
        if node.op_type != "MatMul" or node.input[1] not in inits:
            continue
        m = MATMUL_NODE.match(node.name)
        if not m:
            raise SystemExit(f"{path}: a weight MatMul with an unexpected name: {node.name}")
        params[m.group(1).replace("/", ".") + ".weight"] = inits.pop(node.input[1]).T.copy()
    for name in [n for n in inits if n.startswith("mae.")]:
        params[name[len("mae."):]] = inits.pop(name)
    return params, inits


def state_dict_from_onnx(folder: Path) -> dict[str, torch.Tensor]:
    model = mae_vit_tiny_patch16_dec128d4b()
    want = model.state_dict()
    enc, enc_rest = graph_weights(folder / "encoder.onnx")
    dec, _ = graph_weights(folder / "decoder.onnx")  # the decoder has no folded constants
    sd = {**enc, **dec}
    grid = int(model.patch_embed.num_patches**0.5)
    pos = get_2d_sincos_pos_embed(want["pos_embed"].shape[-1], grid, True)[None]
    if "cls_token" in sd:
        # format 2 (docs/MODEL_CONTRACT.md): the tables are graph inputs (grid.positions "sincos-2d": the page
        # computes them exactly), and the class token is a parameter of its own
        sd["pos_embed"] = pos
        sd["decoder_pos_embed"] = get_2d_sincos_pos_embed(want["decoder_pos_embed"].shape[-1], grid, True)[None]
        out = {k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in sd.items()}
        model.load_state_dict(out, strict=True)
        return {k: out[k] for k in want}
    # format 1: the two encoder constants that are not parameters: pos_embed[:, 1:] and cls_token + pos_embed[:, :1]
    by_shape = {v.shape: (k, v) for k, v in enc_rest.items() if v.dtype == np.float32 and v.ndim == 3}
    _, patches_pos = by_shape[(1, pos.shape[1] - 1, pos.shape[2])]
    _, cls_plus_pos = by_shape[(1, 1, pos.shape[2])]
    # the shipped table went through a float16 checkpoint (python/weights/default.fp16.pth): the
    # graph's constant is used as it is, and must be that table within float16 rounding
    worst = float(np.abs(patches_pos - pos[:, 1:]).max())
    if worst > 1e-3:
        raise SystemExit(f"the encoder's position constant is not the sin-cos table (max |d| {worst})")
    sd["pos_embed"] = np.concatenate([pos[:, :1], patches_pos], axis=1)  # class row: zeros
    sd["cls_token"] = cls_plus_pos - pos[:, :1]
    out = {k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in sd.items()}
    model.load_state_dict(out, strict=True)  # every parameter, with its shape, and nothing else
    return {k: out[k] for k in want}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path)
    ap.add_argument("out", type=Path)
    args = ap.parse_args()
    sd = state_dict_from_onnx(args.folder)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"model": sd}, args.out)
    print(args.out, args.out.stat().st_size)


if __name__ == "__main__":
    main()

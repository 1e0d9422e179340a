"""Reference attention weights from PyTorch, for the page's attention view (issue 24).

    PYTHONPATH=python /usr/bin/python3 -m mae_playground.attention_reference            # tests/fixtures/attention/*.json
    PYTHONPATH=python /usr/bin/python3 -m mae_playground.attention_reference --vit-b-weights .cache/weights/attention-vit-b.pth

The TypeScript attention graphs (src/features/models/weights/attention-graph.ts, and a v2 folder's
encoder-attention.onnx / decoder-attention.onnx) must reproduce these softmax weights, computed by
models_mae.encode_visible / forward_decoder with return_attention=True, for fixed inputs and masks:

- `default.json`: the bundled default (models/default; its weights read back from the ONNX graphs by
  mae_fixtures.default_official, i.e. exactly what the page runs), 12 blocks x 3 heads / 4 x 4, fed the
  exact sin-cos position tables (its stored ones are those rounded to float16; contract v2 "sincos-2d").
- `vit-b.json`: a random ViT-B/16 in the official layout (12 heads, decoder 8 blocks x 16 heads),
  every head's query/key scaled by its own factor (0.25 to 4: flat attention in one head, sharp in
  another), so a wrong head split or head order fails. Its 450 MB weight file is not committed:
  `--vit-b-weights PATH` writes it again (the same bytes: seeded; the JSON holds its sha256).
- `e2e.json`: the e2e weights fixture (e2e/fixtures/weights/mae_visualize_vit_e2e.pth, 2 heads per
  side) on tests/fixtures/weights/photo.png as the page prepares it, the page's seeded masks of image 0:
  every block, head, row (small model), so the e2e can read any patch's map.

Inputs: the default and ViT-B use the reference image tensor of tests/reference/default (read from
its reference.bin, the very floats the TypeScript tests feed) and the seeded masks of
mask_prng (bit for bit src/mae/masking.ts).

What is stored, per graph (tokens in the graph's order: encoder cls + visible patches in ids_keep
order; decoder cls + patches 0..L-1): `rows` (query tokens), `headBlocks` (blocks stored with every
head), `perHead` [len(headBlocks), heads, len(rows), N], `mean` (over heads) [depth, len(rows), N] for
every block, and for the encoder `rollout`: attention rollout (Abnar & Zuidema 2020) of the cls
token over all blocks, each block's head-mean A taken as 0.5*A + 0.5*I (the residual), rows
renormalised, R = A_depth ... A_1; the cls row R[0] [N]. Arrays are little-endian float32, base64.
A subset of blocks/heads/rows keeps the files small; every block index is covered by `mean`.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
from pathlib import Path

import numpy as np
import torch

from mae_playground.data import eval_tensor
from mae_playground.mask_prng import image_seed, random_masking_ids
from mae_playground.models_mae import MaskedAutoencoderViT, mae_vit_base_patch16, mae_vit_tiny_patch16_dec128d4b

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "tests" / "fixtures" / "attention"
REFERENCE = REPO / "tests" / "reference" / "default"
E2E_WEIGHTS = REPO / "e2e" / "fixtures" / "weights" / "mae_visualize_vit_e2e.pth"
E2E_PHOTO = "tests/fixtures/weights/photo.png"
TOLERANCE = "max|d| <= 1e-5 per weight (softmax outputs in [0, 1]; rollout likewise)"


def f32(a) -> str:
    arr = a.detach().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)
    return base64.b64encode(arr.astype("<f4").tobytes()).decode()


def reference_image(name: str) -> np.ndarray:
    """A [1, 3, 224, 224] image tensor from tests/reference/default/reference.bin."""
    meta = json.loads((REFERENCE / "reference.json").read_text())
    entry = next(a for a in meta["arrays"] if a["name"] == f"{name}/image")
    raw = (REFERENCE / "reference.bin").read_bytes()[entry["offset"]:entry["offset"] + entry["bytes"]]
    return np.frombuffer(raw, dtype="<f4").reshape(entry["shape"]).copy()


def rollout_cls(attentions: list[torch.Tensor]) -> torch.Tensor:
    """Abnar & Zuidema's rollout for batch item 0: head-mean, 0.5*A + 0.5*I, rows renormalised, product."""
    n = attentions[0].shape[-1]
    eye = torch.eye(n, dtype=torch.float64)
    r = eye.clone()
    for a in attentions:
        m = a[0].double().mean(dim=0)
        m = 0.5 * m + 0.5 * eye
        m = m / m.sum(dim=-1, keepdim=True)
        r = m @ r
    return r[0].float()


def graph_record(attentions: list[torch.Tensor], rows: list[int], head_blocks: list[int], rollout: bool) -> dict:
    """One graph's stored subset (batch item 0)."""
    stack = torch.stack([a[0] for a in attentions])  # [depth, heads, N, N]
    depth, heads, n, _ = stack.shape
    rec = {"depth": depth, "heads": heads, "tokens": n, "rows": rows, "headBlocks": head_blocks,
           "perHead": f32(stack[head_blocks][:, :, rows, :]),
           "mean": f32(stack.mean(dim=1)[:, rows, :])}
    if rollout:
        rec["rollout"] = f32(rollout_cls(attentions))
    return rec


@torch.no_grad()
def attention_case(model: MaskedAutoencoderViT, image: np.ndarray, seed: int, ratio: float, enc_blocks, dec_blocks,
                   dec_rows_hidden: int, dec_rows_visible: int, all_rows: bool = False, sincos: bool = False) -> dict:
    """sincos: feed the exact sin-cos tables of the grid (model.grid_pos_embed) instead of the stored ones, as
    the page does for a model whose stored tables are sin-cos within float16 rounding (contract v2 "sincos-2d")."""
    L = model.patch_embed.num_patches
    side = int(round(L ** 0.5))
    pos, dec_pos = model.grid_pos_embed((side, side)) if sincos else (None, None)
    ids_keep, ids_restore, mask = random_masking_ids(seed, L, ratio)
    x = torch.from_numpy(image)
    latent, enc = model.encode_visible(x, torch.from_numpy(ids_keep)[None], pos_embed=pos, return_attention=True)
    _, dec = model.forward_decoder(latent, torch.from_numpy(ids_restore)[None], decoder_pos_embed=dec_pos,
                                   return_attention=True)
    hidden = [int(i) for i in np.flatnonzero(mask)]
    visible = [int(i) for i in ids_keep]
    if all_rows:
        enc_rows, dec_rows = list(range(len(visible) + 1)), list(range(L + 1))
    else:
        enc_rows = list(range(len(visible) + 1))  # a high ratio keeps the encoder small: every row
        # decoder rows: cls, a few hidden patches and a few visible ones (token = patch + 1)
        dec_rows = [0] + [p + 1 for p in hidden[:: max(1, len(hidden) // dec_rows_hidden)][:dec_rows_hidden]] + \
                   [p + 1 for p in sorted(visible)[:dec_rows_visible]]
    return {"seed": seed, "maskRatio": ratio, "idsKeep": visible, "hidden": hidden,
            "encoder": graph_record(enc, enc_rows, enc_blocks(len(enc)), rollout=True),
            "decoder": graph_record(dec, dec_rows, dec_blocks(len(dec)), rollout=False)}


def arch_of(model: MaskedAutoencoderViT) -> dict:
    c = model.config
    return {k: c[k] for k in ("img_size", "patch_size", "embed_dim", "depth", "num_heads", "decoder_embed_dim",
                              "decoder_depth", "decoder_num_heads", "mlp_ratio")}


def vit_b_model() -> MaskedAutoencoderViT:
    """A random ViT-B/16 MAE whose heads differ in kind: head h of H has its query and key scaled by
    4^(2h/(H-1) - 1) (0.25 .. 4), so its logits by 16^(2h/(H-1) - 1)."""
    torch.manual_seed(0)
    model = mae_vit_base_patch16()
    with torch.no_grad():
        for blocks in (model.blocks, model.decoder_blocks):
            for block in blocks:
                heads, dim = block.attn.num_heads, block.attn.qkv.in_features
                width = dim // heads
                for h in range(heads):
                    rows = torch.cat([torch.arange(h * width, (h + 1) * width) + part * dim for part in (0, 1)])
                    scale = 4.0 ** (2 * h / max(1, heads - 1) - 1)
                    block.attn.qkv.weight.data[rows] *= scale
                # random biases, so that the cls token and the patches differ beyond position
                block.attn.qkv.bias.data.normal_(0, 0.5)
    return model.eval()


def write_vit_b(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    model = vit_b_model()
    torch.save({"model": {k: v.contiguous() for k, v in model.state_dict().items()}}, path)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vit-b-weights", type=Path, help="only write the random ViT-B's weight file here")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    if args.vit_b_weights:
        print(write_vit_b(args.vit_b_weights))
        return
    from mae_fixtures.default_official import state_dict_from_onnx

    args.out.mkdir(parents=True, exist_ok=True)
    goldfinch = reference_image("goldfinch")
    common = {"tolerance": TOLERANCE, "image": "tests/reference/default goldfinch/image",
              "generator": "PYTHONPATH=python /usr/bin/python3 -m mae_playground.attention_reference"}

    default = mae_vit_tiny_patch16_dec128d4b()
    default.load_state_dict(state_dict_from_onnx(REPO / "models" / "default"))
    default.eval()
    # its stored tables are sin-cos rounded to float16 (max |d| 2.4e-4): the page feeds the exact ones
    cases = [attention_case(default, goldfinch, 123, 0.9, lambda d: [0, d // 2, d - 1], lambda d: [0, d - 1], 3, 2,
                            sincos=True)]
    (args.out / "default.json").write_text(json.dumps(
        {**common, "model": "models/default (weights read back by mae_fixtures.default_official)",
         "architecture": arch_of(default), "cases": cases}) + "\n")

    cache = REPO / ".cache" / "weights" / "attention-vit-b.pth"
    sha = write_vit_b(cache)
    vit_b = MaskedAutoencoderViT(**mae_vit_base_patch16().config)
    vit_b.load_state_dict(torch.load(cache)["model"])
    vit_b.eval()
    cases = [attention_case(vit_b, goldfinch, 123, 0.9, lambda d: [0, d - 1], lambda d: [0, d - 1], 1, 1, sincos=True)]
    (args.out / "vit-b.json").write_text(json.dumps(
        {**common, "model": "random ViT-B/16, official layout (vit_b_model)", "weights": ".cache/weights/attention-vit-b.pth",
         "sha256": sha, "architecture": arch_of(vit_b), "cases": cases}) + "\n")

    sd = torch.load(E2E_WEIGHTS)["model"]
    e2e_arch = json.loads((E2E_WEIGHTS.parent / "reference.json").read_text())
    e2e = MaskedAutoencoderViT(img_size=112, patch_size=16, embed_dim=e2e_arch["embedDim"], depth=e2e_arch["depth"],
                               num_heads=e2e_arch["numHeads"], decoder_embed_dim=e2e_arch["decoderEmbedDim"],
                               decoder_depth=1 + max(int(k.split(".")[1]) for k in sd if k.startswith("decoder_blocks.")),
                               decoder_num_heads=e2e_arch["decoderNumHeads"], mlp_ratio=2.0)
    e2e.load_state_dict(sd)
    e2e.eval()
    photo = eval_tensor(REPO / E2E_PHOTO, 112)[None]
    L = e2e.patch_embed.num_patches
    cases = [attention_case(e2e, photo, image_seed(seed, 0, True), ratio, lambda d: list(range(d)),
                            lambda d: list(range(d)), 0, 0, all_rows=True) | {"pageSeed": seed}
             for ratio, seed in [(0.75, 0)]]
    (args.out / "e2e.json").write_text(json.dumps(
        {**common, "image": f"{E2E_PHOTO} (Pillow bicubic resize + center crop to 112, as the page)",
         "model": "e2e/fixtures/weights/mae_visualize_vit_e2e.pth", "numPatches": L,
         "architecture": arch_of(e2e), "cases": cases}) + "\n")
    for p in sorted(args.out.iterdir()):
        print(f"{p.stat().st_size:>9}  {p.relative_to(REPO)}")


if __name__ == "__main__":
    main()

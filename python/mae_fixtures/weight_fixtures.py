"""Small random MAE weight files in every layout the app imports, bad files, and PyTorch references.

    PYTHONPATH=python /usr/bin/python3 -m mae_fixtures.weight_fixtures [--out tests/fixtures/weights]
    PYTHONPATH=python /usr/bin/python3 -m mae_fixtures.weight_fixtures --official mae_vit_base_patch16 --out .cache/weights

The TypeScript importer (src/features/models/weights/) must reproduce `references.json` from these
files through onnxruntime. Layouts (one small random model, 16 px, patch 4, encoder 48-d x 2 blocks x
3 heads, decoder 32-d x 1 block x 2 heads; widths no official model has, so the tests give the head
counts; the files stay tens of KB):

- `mae_visualize_vit_tiny.pth`: official names, fused attn.qkv, torch.save({'model': sd}), float32
- `mae_pretrain_vit_tiny_full.pth`: the same layout stored as float16 (a `*_full` name: norm-pix)
- `hf/model.safetensors`: Hugging Face ViTMAEForPreTraining names (split query/key/value), written by hand
- `hf/pytorch_model.bin`: the same names, torch.save(state_dict), bfloat16
- `mae_pretrain_vit_tiny.pth`: encoder only (like the official fine-tuning files)
- `training_checkpoint_full.pth`: a whole training checkpoint (model, optimizer, epoch, scaler,
  argparse args) of a tiny model, as main_pretrain.py saves them
- bad files: a pickle calling os.system (crafted bytes, never loaded), one calling builtins.eval,
  one using a set, a truncated .pth and .safetensors, a .pth with a damaged data.pkl, a re-zipped
  (deflated) .pth, a zip that is not a checkpoint, safetensors headers that lie (overlapping
  offsets, a wrong size, a huge length), shapes the importer cannot build (a missing tensor, a
  grid that is not square, a width without known head counts)
- `references.json`: PyTorch's latent and pred for fixed images and ids per layout, each file's
  tensors (dtype, shape, first values, byte range in the file), the encoder's and decoder's
  parameter counts, and the masked MSE of `photo.png` for the CLI test

`--official NAME` instead writes one random model of a factory size (e.g. ViT-B/16) in the official
layout, for the benchmark (hundreds of MB: never committed).
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import re
import struct
import zipfile
from pathlib import Path

import numpy as np
import torch

from mae_playground.data import eval_tensor
from mae_playground.mask_prng import image_seed, random_masking_ids
from mae_playground.models_mae import FACTORIES, MaskedAutoencoderViT

REPO = Path(__file__).resolve().parents[2]
FIXED_TIME = (2026, 1, 1, 0, 0, 0)  # zip entry dates, so that the fixtures are the same bytes every run
# A model too small to be worth numbers (shape errors only): widths no head table knows.
MINI = dict(img_size=4, patch_size=2, in_chans=3, embed_dim=8, depth=1, num_heads=2, decoder_embed_dim=8,
            decoder_depth=1, decoder_num_heads=2, mlp_ratio=2.0)
SMALL = dict(img_size=16, patch_size=4, in_chans=3, embed_dim=48, depth=2, num_heads=3, decoder_embed_dim=32,
             decoder_depth=1, decoder_num_heads=2, mlp_ratio=4.0)
# (mask ratio, seeds of the two images of the batch): both images keep the same number of patches
CASES = [(0.75, (0, 1)), (0.5, (7, 8))]

HF_BLOCK = {"norm1": "layernorm_before", "norm2": "layernorm_after", "attn.proj": "attention.output.dense",
            "mlp.fc1": "intermediate.dense", "mlp.fc2": "output.dense"}
HF_TOP = {"cls_token": "vit.embeddings.cls_token", "pos_embed": "vit.embeddings.position_embeddings",
          "patch_embed.proj.weight": "vit.embeddings.patch_embeddings.projection.weight",
          "patch_embed.proj.bias": "vit.embeddings.patch_embeddings.projection.bias",
          "norm.weight": "vit.layernorm.weight", "norm.bias": "vit.layernorm.bias",
          "mask_token": "decoder.mask_token", "decoder_pos_embed": "decoder.decoder_pos_embed"}


def hf_state_dict(sd: dict) -> dict:
    """Official names -> Hugging Face ViTMAEForPreTraining names (as transformers' conversion script maps them)."""
    out = {}
    for name, t in sd.items():
        m = re.match(r"(decoder_blocks|blocks)\.(\d+)\.(.+)\.(weight|bias)$", name)
        if m:
            stem = "vit.encoder.layer" if m.group(1) == "blocks" else "decoder.decoder_layers"
            if m.group(3) == "attn.qkv":
                d = t.shape[0] // 3
                for i, part in enumerate(["query", "key", "value"]):
                    out[f"{stem}.{m.group(2)}.attention.attention.{part}.{m.group(4)}"] = t[i * d:(i + 1) * d].clone()
            else:
                out[f"{stem}.{m.group(2)}.{HF_BLOCK[m.group(3)]}.{m.group(4)}"] = t
        elif name in HF_TOP:
            out[HF_TOP[name]] = t
        elif name.startswith("decoder_"):
            out["decoder." + name] = t
        else:
            raise KeyError(name)
    return out


SAFETENSORS_DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}


def safetensors_bytes(sd: dict, header_override=None) -> bytes:
    """The safetensors format by hand: 8-byte LE header length, JSON header, raw little-endian data."""
    header, chunks, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(sd):
        t = sd[name].contiguous()
        raw = t.view(torch.int16).numpy().tobytes() if t.dtype == torch.bfloat16 else t.numpy().astype(
            t.numpy().dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": SAFETENSORS_DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    if header_override:
        header_override(header)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # as safetensors pads: data starts 8-byte aligned
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def torch_zip_with_pickle(pkl: bytes, archive: str) -> bytes:
    """A zip shaped like torch.save's (<archive>/data.pkl, <archive>/version), holding crafted pickle bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr(zipfile.ZipInfo(f"{archive}/data.pkl", FIXED_TIME), pkl)
        z.writestr(zipfile.ZipInfo(f"{archive}/version", FIXED_TIME), "3\n")
    return buf.getvalue()


def torch_save_bytes(obj) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


@torch.no_grad()
def references(model: MaskedAutoencoderViT) -> dict:
    """Encoder latent and decoder pred for two fixed images per case (batch of 2), from PyTorch."""
    model.eval()
    size, L = model.patch_embed.img_size, model.patch_embed.num_patches
    gen = torch.Generator().manual_seed(1234)
    image = torch.randn(2, 3, size, size, generator=gen)
    cases = []
    for ratio, seeds in CASES:
        ids = [random_masking_ids(s, L, ratio) for s in seeds]
        ids_keep = torch.from_numpy(np.stack([i[0] for i in ids]))
        ids_restore = torch.from_numpy(np.stack([i[1] for i in ids]))
        latent = model.encode_visible(image, ids_keep)
        pred = model.forward_decoder(latent, ids_restore)
        cases.append({"maskRatio": ratio, "seeds": list(seeds), "idsKeep": ids_keep.tolist(),
                      "idsRestore": ids_restore.tolist(), "latentShape": list(latent.shape), "latent": f32(latent),
                      "predShape": list(pred.shape), "pred": f32(pred)})
    return {"imageShape": list(image.shape), "image": f32(image), "cases": cases}


def f32(t: torch.Tensor) -> str:
    """A float32 tensor as base64 of its little-endian bytes (a third of the size of JSON numbers)."""
    return base64.b64encode(t.numpy().astype("<f4").tobytes()).decode()


def tensor_facts(sd: dict, file: bytes) -> dict:
    """What the importer must find for each tensor: dtype, shape, its first values (as float32), and the byte
    range [begin, end) of its values in `file` (found by searching the file for the tensor's own bytes: the
    values are random, so each tensor's bytes occur once)."""
    names = {torch.float32: "float32", torch.float16: "float16", torch.bfloat16: "bfloat16"}
    out = {}
    for k, v in sd.items():
        raw = (v.contiguous().view(torch.int16) if v.dtype == torch.bfloat16 else v.contiguous()).numpy().tobytes()
        begin = file.find(raw)
        assert begin >= 0 and file.find(raw, begin + 1) < 0, f"{k}: its bytes are not found exactly once"
        out[k] = {"dtype": names[v.dtype], "shape": list(v.shape), "head": v.flatten()[:4].float().tolist(),
                  "bytes": [begin, begin + len(raw)]}
    return out


def param_counts(sd: dict) -> dict:
    """Parameters of the encoder and of the decoder (decoder_* and mask_token), counted on the state dict."""
    decoder = sum(v.numel() for k, v in sd.items() if k.startswith("decoder_") or k == "mask_token")
    return {"encoder": sum(v.numel() for v in sd.values()) - decoder, "decoder": decoder}


@torch.no_grad()
def cli_reference(model: MaskedAutoencoderViT, image: str, ratio: float, seed: int) -> dict:
    """Masked-patch MSE of one sample photo as the CLI computes it (Pillow bicubic resize + center crop,
    the seeded mask of image 0), from PyTorch."""
    x = torch.from_numpy(eval_tensor(REPO / image, model.patch_embed.img_size))[None]
    L = model.patch_embed.num_patches
    ids_keep, ids_restore, mask = random_masking_ids(image_seed(seed, 0, False), L, ratio)
    latent = model.encode_visible(x, torch.from_numpy(ids_keep)[None])
    pred = model.forward_decoder(latent, torch.from_numpy(ids_restore)[None])
    per_patch = ((pred - model.patchify(x)) ** 2).mean(dim=-1)[0]
    m = torch.from_numpy(mask).float()
    return {"image": image, "maskRatio": ratio, "seed": seed, "maskedMse": float((per_patch * m).sum() / m.sum())}


def small_model(seed: int) -> MaskedAutoencoderViT:
    torch.manual_seed(seed)
    model = MaskedAutoencoderViT(**SMALL)
    # xavier init leaves biases at 0 and LayerNorms at 1: randomise everything (position embeddings
    # too: the stored ones must be used) so that a misplaced or transposed tensor shows in the outputs
    for name, p in model.named_parameters():
        noise = torch.randn_like(p) * 0.2
        p.data.copy_(1.0 + noise * 0.5 if "norm" in name and name.endswith("weight") else noise)
    return model.eval()


def cast_model(model: MaskedAutoencoderViT, dtype) -> tuple[dict, MaskedAutoencoderViT]:
    """The state dict stored as `dtype`, and a float32 model holding exactly those rounded values (the reference)."""
    sd = {k: v.to(dtype) for k, v in model.state_dict().items()}
    rounded = MaskedAutoencoderViT(**SMALL)
    rounded.load_state_dict({k: v.float() for k, v in sd.items()})
    return sd, rounded.eval()


def write_small(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "hf").mkdir(exist_ok=True)
    model = small_model(0)
    sd = {k: v.contiguous() for k, v in model.state_dict().items()}
    refs = {"config": SMALL, "tolerance": "max|d| <= 1e-4 * max(1, max|ref|)", "models": {}}

    official = out / "mae_visualize_vit_tiny.pth"
    official.write_bytes(torch_save_bytes({"model": sd}))
    refs["models"]["mae_visualize_vit_tiny.pth"] = references(model)
    # a PNG photo stand-in for the CLI (PNG decodes the same everywhere; JPEG decoders differ slightly)
    from PIL import Image

    rng = np.random.default_rng(5)
    yy, xx = np.mgrid[0:40, 0:48]
    pixels = np.stack([xx * 5, yy * 6, (xx + yy) * 3], axis=-1) + rng.integers(0, 40, (40, 48, 3))
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(out / "photo.png")
    photo = (out / "photo.png").resolve()
    refs["cli"] = cli_reference(model, str(photo.relative_to(REPO) if photo.is_relative_to(REPO) else photo), 0.75, 0)

    sd16, model16 = cast_model(model, torch.float16)
    (out / "mae_pretrain_vit_tiny_full.pth").write_bytes(torch_save_bytes({"model": sd16}))
    refs["models"]["mae_pretrain_vit_tiny_full.pth"] = references(model16)

    (out / "hf" / "model.safetensors").write_bytes(safetensors_bytes(hf_state_dict(sd)))
    refs["models"]["hf/model.safetensors"] = refs["models"]["mae_visualize_vit_tiny.pth"]

    sdbf, modelbf = cast_model(model, torch.bfloat16)
    (out / "hf" / "pytorch_model.bin").write_bytes(torch_save_bytes(hf_state_dict(sdbf)))
    refs["models"]["hf/pytorch_model.bin"] = references(modelbf)

    encoder_only = {k: v for k, v in sd16.items() if not (k.startswith("decoder_") or k == "mask_token")}
    (out / "mae_pretrain_vit_tiny.pth").write_bytes(torch_save_bytes({"model": encoder_only}))

    # --- bad files ---
    # os.system("echo pwned") as protocol-2 pickle opcodes: GLOBAL, BINUNICODE, TUPLE1, REDUCE, STOP.
    # Crafted byte by byte and never unpickled here.
    command = b"echo pwned"
    evil = b"\x80\x02cos\nsystem\nq\x00X" + struct.pack("<I", len(command)) + command + b"q\x01\x85q\x02Rq\x03."
    (out / "malicious.pth").write_bytes(torch_zip_with_pickle(evil, "malicious"))
    # builtins.eval through STACK_GLOBAL (protocol 4), hidden inside an otherwise normal dict
    code = b"__import__('os').getcwd()"
    evil_eval = (b"\x80\x04}\x94(\x8c\x05model\x94\x8c\x08builtins\x94\x8c\x04eval\x94\x93\x94X"
                 + struct.pack("<I", len(code)) + code + b"\x94\x85\x94R\x94u.")
    (out / "eval.pth").write_bytes(torch_zip_with_pickle(evil_eval, "eval"))
    data = (out / "mae_pretrain_vit_tiny_full.pth").read_bytes()
    (out / "truncated.pth").write_bytes(data[: len(data) // 2])
    small = {"decoder.mask_token": torch.zeros(1, 1, 4), "vit.embeddings.cls_token": torch.zeros(1, 1, 4)}
    st = safetensors_bytes(small)
    (out / "truncated.safetensors").write_bytes(st[: len(st) - 10])
    # damaged: flip bytes inside data.pkl (found by its name in the zip), so its CRC-32 no longer matches
    data = torch_save_bytes({"model": {"cls_token": torch.zeros(1, 1, 4)}})
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = next(i for i in z.infolist() if i.filename.endswith("/data.pkl"))
    name_length, extra_length = struct.unpack_from("<HH", data, info.header_offset + 26)  # the local header's own lengths
    start = info.header_offset + 30 + name_length + extra_length + 20
    damaged = bytearray(data)
    damaged[start:start + 8] = bytes(b ^ 0x5A for b in damaged[start:start + 8])
    (out / "damaged.pth").write_bytes(bytes(damaged))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("notes/readme.txt", FIXED_TIME), "not a checkpoint")
        z.writestr(zipfile.ZipInfo("notes/photo.png", FIXED_TIME), b"\x89PNG\r\n\x1a\n")
    (out / "not-a-checkpoint.zip").write_bytes(buf.getvalue())

    def overlap(h):
        h["vit.embeddings.cls_token"]["data_offsets"] = [8, 24]

    def wrong_size(h):
        h["decoder.mask_token"]["shape"] = [1, 1, 5]

    (out / "lying-overlap.safetensors").write_bytes(safetensors_bytes(small, overlap))
    (out / "lying-size.safetensors").write_bytes(safetensors_bytes(small, wrong_size))
    huge = bytearray(safetensors_bytes(small))
    huge[:8] = struct.pack("<Q", 10**12)
    (out / "lying-length.safetensors").write_bytes(bytes(huge))
    # a pickle instruction no state dict needs: a set (EMPTY_SET / ADDITEMS), written by Python's own pickle
    import pickle

    (out / "set.pth").write_bytes(torch_zip_with_pickle(pickle.dumps({"model": {1, 2}}, protocol=4), "set"))
    # shapes the importer cannot build (tiny models: only the shapes matter)
    torch.manual_seed(1)
    mini = {k: v.contiguous() for k, v in MaskedAutoencoderViT(**MINI).state_dict().items()}
    # a checkpoint re-zipped with compression (e.g. by an archive tool): data.pkl still reads, the weights cannot be pointed at
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(torch_save_bytes({"model": mini}))) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(zipfile.ZipInfo(info.filename, FIXED_TIME), src.read(info.filename), zipfile.ZIP_DEFLATED)
    (out / "rezipped.pth").write_bytes(buf.getvalue())
    (out / "unknown-width.pth").write_bytes(torch_save_bytes({"model": mini}))
    # a whole training checkpoint, as main_pretrain.py saves it (and as the *_full files may be):
    # model, AdamW state, epoch, AMP scaler and the run's argparse.Namespace
    mini_model = MaskedAutoencoderViT(**MINI)
    mini_model.load_state_dict(mini)
    opt = torch.optim.AdamW(mini_model.parameters(), lr=1.5e-4, betas=(0.9, 0.95))
    mini_model(torch.randn(1, 3, 4, 4))[0].backward()
    opt.step()
    run_args = argparse.Namespace(model="mae_vit_mini", mask_ratio=0.75, norm_pix_loss=True, blr=1.5e-4, epochs=800,
                                  output_dir="./output_dir", resume="", input_size=4, weight_decay=0.05)
    (out / "training_checkpoint_full.pth").write_bytes(torch_save_bytes(
        {"model": mini, "optimizer": opt.state_dict(), "epoch": 799, "scaler": {"scale": 65536.0, "growth_factor": 2.0,
                                                                                "_growth_tracker": 12}, "args": run_args}))
    (out / "missing-tensor.pth").write_bytes(
        torch_save_bytes({"model": {k: v for k, v in mini.items() if k != "blocks.0.mlp.fc2.bias"}}))
    odd = dict(mini)
    odd["pos_embed"] = torch.zeros(1, 6, 8)  # 5 patches: not a square grid
    odd["decoder_pos_embed"] = torch.zeros(1, 6, 8)
    (out / "odd-grid.pth").write_bytes(torch_save_bytes({"model": odd}))
    refs["params"] = param_counts(sd)
    refs["tensors"] = {name: tensor_facts(state, (out / name).read_bytes()) for name, state in [
        ("mae_visualize_vit_tiny.pth", sd), ("mae_pretrain_vit_tiny_full.pth", sd16),
        ("hf/model.safetensors", hf_state_dict(sd)), ("hf/pytorch_model.bin", hf_state_dict(sdbf))]}
    (out / "references.json").write_text(json.dumps(refs) + "\n")
    for p in sorted(out.rglob("*")):
        if p.is_file():
            print(f"{p.stat().st_size:>9}  {p.relative_to(out)}")


def write_official(name: str, out: Path) -> Path:
    """A random model of a factory size saved as the official files are: {'model': state_dict}."""
    torch.manual_seed(0)
    model = FACTORIES[name]()
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.pth"
    torch.save({"model": model.state_dict()}, path)
    print(path, path.stat().st_size)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="tests/fixtures/weights")
    ap.add_argument("--official", choices=sorted(FACTORIES), help="write one random factory-size model instead")
    args = ap.parse_args()
    if args.official:
        write_official(args.official, Path(args.out))
    else:
        write_small(Path(args.out))


if __name__ == "__main__":
    main()

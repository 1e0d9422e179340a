"""Export an MAE to the playground's model contract (docs/MODEL_CONTRACT.md) and check it.

    PYTHONPATH=python /usr/bin/python3 -m mae_playground.export_onnx runs/default/best.pth --out models/default \
        --name "MAE ViT-Ti/16 (playground)" --reference tests/reference/default

Writes a v2 folder (fp32, opset 17): encoder.onnx and decoder.onnx with dynamic H, W and the position
tables as inputs, their weights in encoder.onnx.data / decoder.onnx.data, encoder-attention.onnx and
decoder-attention.onnx sharing those data files (onnx_graphs.py), pos-embed.bin where the stored
tables are not sin-cos, and manifest.json; then replays them through onnxruntime-node (self_check).
With --reference, also writes reference vectors (input, ids, position tables, latent, pred, a few
attention rows, for photos at the training size and whole photos on a wide and a tall grid) that the
TypeScript/Node tests replay through onnxruntime. A v1 folder is re-exported by upgrade_v1.py.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import torch

from .checkpoints import load_checkpoint
from .data import IMAGENET_MEAN, IMAGENET_STD, SHARED_DATA, eval_tensor, is_probe_test, list_images
from .mask_prng import image_seed, random_masking_ids
from .models_mae import FACTORIES, MaskedAutoencoderViT, count_params
from .onnx_graphs import OPSET, export_graphs, export_v1_graphs, grid_tables, positions

REPO = Path(__file__).resolve().parents[2]
REFERENCE_IMAGES = ["goldfinch", "school_bus"]
REFERENCE_CASES = [(0.75, 0), (0.5, 7), (0.9, 123)]  # (mask_ratio, seed)
GRID_CASES = [(0.75, 0)]  # on the non-square grids (one each: a ViT-B pred at 14 x 20 is 860 KB)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def software_versions() -> dict:
    """What wrote this model, read from the running interpreter (never typed into a card)."""
    versions = {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__}
    try:
        import onnx  # noqa: PLC0415 (optional: torch.onnx.export does not need it)

        versions["onnx"] = onnx.__version__
    except ImportError:
        pass
    return versions


def photo_counts(ck: dict, exclude_probe_test: bool = False, root: Path = SHARED_DATA) -> dict[str, int]:
    """Photos per training folder of a run. train.py records them ("data_photos", exactly the files it used);
    runs from before that record only the folder names ("data"): those are counted now under `root`, minus
    the linear probe's test photos when the run left them out."""
    if isinstance(ck.get("data_photos"), dict):
        return {str(k): int(v) for k, v in ck["data_photos"].items()}
    folders = ck.get("data")
    if not folders:
        raise ValueError("the checkpoint does not say which data folders it trained on (no 'data' entry): "
                         "photo counts cannot be computed")
    counts = {}
    for folder in folders:
        if not (root / folder).is_dir():
            raise ValueError(f"cannot count the training photos: {root / folder} is not here (set MAE_DATA)")
        counts[folder] = sum(1 for f in list_images(root / folder) if not (exclude_probe_test and is_probe_test(f)))
    return counts


def data_facts(counts: dict[str, int], descriptions: dict[str, str], note: str) -> dict:
    """The card's data line from the counted photos; the folder descriptions are the card's prose."""
    parts = [f"{folder} ({n} photo{'' if n == 1 else 's'}" + (f": {descriptions[folder]})" if folder in descriptions
                                                              else ")") for folder, n in counts.items()]
    return {"data": f"{sum(counts.values())} photos in ../shared/data: " + ", ".join(parts) + (f"; {note}" if note else ""),
            "dataPhotos": counts}


def params_split(model: MaskedAutoencoderViT) -> tuple[int, int]:
    """(encoder, decoder) parameter counts; the position tables count where they are used."""
    enc = count_params(model) - sum(count_params(m) for m in [model.decoder_embed, model.decoder_blocks,
                                                               model.decoder_norm, model.decoder_pred]) \
        - model.mask_token.numel() - model.decoder_pos_embed.numel()
    return enc, count_params(model) - enc


@torch.no_grad()
def export(model: MaskedAutoencoderViT, out: Path, name: str, description: str, source: dict,
           train_mask_ratio: float, check: bool = True, contract: int = 2) -> dict:
    """Writes a v2 folder (docs/MODEL_CONTRACT.md): the four graphs, their two data files, pos-embed.bin
    for position tables that are not sin-cos, and manifest.json. With `check`, replays the graphs through
    onnxruntime-node against this model at the training grid, two non-square grids and for attention.
    `contract=1` writes the older layout (two graphs, fixed size, no attention) for callers not yet moved."""
    model.eval()
    out.mkdir(parents=True, exist_ok=True)
    cfg = model.config
    L, p, size = model.patch_embed.num_patches, cfg["patch_size"], cfg["img_size"]
    enc_params, dec_params = params_split(model)
    for old in ("pos-embed.bin",):
        (out / old).unlink(missing_ok=True)
    if contract == 1:
        return _export_v1(model, out, name, description, source, train_mask_ratio)
    sharing = export_graphs(model, out)
    kind, diff = positions(model)
    grid = {"dynamic": True, "positions": kind, "positionsMaxAbsDiff": diff}
    names = ["encoder.onnx", "encoder.onnx.data", "decoder.onnx", "decoder.onnx.data", "encoder-attention.onnx",
             "decoder-attention.onnx"]
    if kind == "table":
        tables = [model.pos_embed.detach().numpy()[0], model.decoder_pos_embed.detach().numpy()[0]]
        (out / "pos-embed.bin").write_bytes(b"".join(t.astype("<f4").tobytes() for t in tables))
        grid["positionsFile"] = "pos-embed.bin"
        names.append("pos-embed.bin")
    files = {f: {"bytes": (out / f).stat().st_size, "sha256": sha256(out / f)} for f in names}
    manifest = {
        "format": "mae-playground/2",
        "name": name,
        "description": description,
        "source": {**source, "software": software_versions()},
        "imgSize": size,
        "patchSize": p,
        "inChans": cfg["in_chans"],
        "numPatches": L,
        "mean": list(IMAGENET_MEAN),
        "std": list(IMAGENET_STD),
        "normPixLoss": bool(cfg["norm_pix_loss"]),
        "trainMaskRatio": train_mask_ratio,
        "encoder": {"file": "encoder.onnx", "externalData": ["encoder.onnx.data"], "embedDim": cfg["embed_dim"],
                    "depth": cfg["depth"], "numHeads": cfg["num_heads"], "params": enc_params},
        "decoder": {"file": "decoder.onnx", "externalData": ["decoder.onnx.data"],
                    "embedDim": cfg["decoder_embed_dim"], "depth": cfg["decoder_depth"],
                    "numHeads": cfg["decoder_num_heads"], "params": dec_params},
        "grid": grid,
        "attention": {"encoder": {"file": "encoder-attention.onnx", "externalData": ["encoder.onnx.data"]},
                      "decoder": {"file": "decoder-attention.onnx", "externalData": ["decoder.onnx.data"]}},
        "mlpRatio": cfg["mlp_ratio"],
        "opset": OPSET,
        "files": files,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"{out}: positions {kind} (max|diff| from sin-cos {diff:.2e}); attention graphs share "
          + "; ".join(f"{k}: {v['shared']} tensors, {v['inline']} inline ({v['inlineBytes']} bytes)"
                      for k, v in sharing.items()), flush=True)
    if check:
        self_check(model, out)
    return manifest


def _export_v1(model: MaskedAutoencoderViT, out: Path, name: str, description: str, source: dict,
               train_mask_ratio: float) -> dict:
    cfg = model.config
    enc_params, dec_params = params_split(model)
    files = export_v1_graphs(model, out)
    manifest = {
        "format": "mae-playground/1", "name": name, "description": description,
        "source": {**source, "software": software_versions()}, "imgSize": cfg["img_size"],
        "patchSize": cfg["patch_size"], "inChans": cfg["in_chans"], "numPatches": model.patch_embed.num_patches,
        "mean": list(IMAGENET_MEAN), "std": list(IMAGENET_STD), "normPixLoss": bool(cfg["norm_pix_loss"]),
        "trainMaskRatio": train_mask_ratio,
        "encoder": {"file": "encoder.onnx", "externalData": [], "embedDim": cfg["embed_dim"], "depth": cfg["depth"],
                    "numHeads": cfg["num_heads"], "params": enc_params},
        "decoder": {"file": "decoder.onnx", "externalData": [], "embedDim": cfg["decoder_embed_dim"],
                    "depth": cfg["decoder_depth"], "numHeads": cfg["decoder_num_heads"], "params": dec_params},
        "mlpRatio": cfg["mlp_ratio"], "opset": OPSET,
        "files": {f: {"bytes": (out / f).stat().st_size, "sha256": sha256(out / f)} for f in files},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def self_check(model: MaskedAutoencoderViT, out: Path) -> dict | None:
    """The exporter's own check: the written graphs against this PyTorch model through onnxruntime-node
    (Python's onnxruntime is not installable here), at the training grid and two non-square ones, with
    both attention graphs. Skipped with a message where node or onnxruntime-node is missing."""
    if shutil.which("node") is None or not (REPO / "node_modules" / "onnxruntime-node").exists():
        print("self-check SKIPPED: node / node_modules/onnxruntime-node missing (npm ci)", flush=True)
        return None
    with tempfile.TemporaryDirectory() as tmp:
        write_reference(model, Path(tmp), images=REFERENCE_IMAGES[:1], cases=[(0.75, 0)], grid_cases=[(0.75, 0)],
                        mask_cases=False, attention_rows=None)
        res = subprocess.run(["node", str(REPO / "scripts" / "replay-reference.mjs"), str(out), tmp],
                             cwd=REPO, capture_output=True, text=True, timeout=600)
    if res.returncode != 0:
        raise SystemExit(f"self-check FAILED for {out}:\n{res.stderr}{res.stdout}")
    result = json.loads(res.stdout.strip().splitlines()[-1])
    print("self-check passed:", json.dumps(result), flush=True)
    return result


class BinWriter:
    """Arrays packed little-endian into one .bin, indexed by a JSON list of {name,dtype,shape,offset}."""

    def __init__(self):
        self.chunks, self.index, self.offset = [], [], 0

    def add(self, name: str, arr: np.ndarray) -> None:
        arr = np.ascontiguousarray(arr)
        dtype = {np.dtype("float32"): "float32", np.dtype("int64"): "int64"}[arr.dtype]
        data = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
        self.index.append({"name": name, "dtype": dtype, "shape": list(arr.shape), "offset": self.offset,
                           "bytes": len(data)})
        self.chunks.append(data)
        self.offset += len(data)


def non_square_grids(model: MaskedAutoencoderViT) -> list[tuple[int, int]]:
    """A wide and a tall grid for the reference cases: g x round(g * 10 / 7) and the transpose
    (224 px, patch 16: 14 x 20, i.e. 224 x 320 and 320 x 224 pixels; 112 px, patch 16: 7 x 10)."""
    g = model.config["img_size"] // model.config["patch_size"]
    w = round(g * 10 / 7)
    return [(g, w), (w, g)]


def whole_photo_tensor(path: Path, width: int, height: int) -> np.ndarray:
    """The whole photo resized to width x height (Pillow bicubic, no crop), ImageNet-normalised [3, H, W]."""
    from PIL import Image

    from .data import load_rgb, to_normalized_array

    return to_normalized_array(load_rgb(path).resize((width, height), Image.BICUBIC))


def pick_rows(n_tokens: int, ids_keep: np.ndarray | None = None, ids_restore_len: int | None = None) -> list[int]:
    """A few query rows to store (the whole [1+N, 1+N] maps of a ViT-B decoder are tens of MB):
    cls, the first and a middle token, the last; in the decoder also the first hidden patch's row."""
    rows = [0, 1, n_tokens // 2, n_tokens - 1]
    if ids_keep is not None and ids_restore_len is not None:
        hidden = sorted(set(range(ids_restore_len)) - set(ids_keep.tolist()))
        if hidden:
            rows.append(1 + hidden[0])
    return sorted(set(r for r in rows if 0 <= r < n_tokens))


@torch.no_grad()
def write_reference(model: MaskedAutoencoderViT, out: Path, images=REFERENCE_IMAGES, cases=REFERENCE_CASES,
                    grid_cases=GRID_CASES, mask_cases: bool = True, attention_rows: str | None = "some") -> None:
    """Inputs and PyTorch outputs for the tests to replay through onnxruntime (tolerance: see README).

    `cases`: center crops at the training size (imgSize x imgSize); `grid_cases`: whole photos resized to
    a wide and a tall grid (non_square_grids), with the position tables fed for that grid (sin-cos computed
    for it, or the stored table interpolated bicubically: manifest grid.positions). The first case of each
    grid also stores attention (`attention_rows` "some": a few query rows; None: every row)."""
    model.eval()
    out.mkdir(parents=True, exist_ok=True)
    size, L, p = model.patch_embed.img_size, model.patch_embed.num_patches, model.config["patch_size"]
    g = size // p
    kind, _ = positions(model)
    w = BinWriter()
    meta = {"imgSize": size, "numPatches": L, "patchSize": p, "positions": kind, "images": [], "cases": [],
            "grids": [], "gridImages": [], "gridCases": [], "maskCases": []}

    def add_grid(gh: int, gw: int) -> str:
        name = f"grid/{gh}x{gw}"
        if all(x["name"] != name for x in meta["grids"]):
            pos, dpos = grid_tables(model, kind, (gh, gw))
            w.add(f"{name}/pos_embed", pos.numpy())
            w.add(f"{name}/decoder_pos_embed", dpos.numpy())
            meta["grids"].append({"name": name, "gridH": gh, "gridW": gw, "numPatches": gh * gw,
                                  "posEmbed": f"{name}/pos_embed", "decoderPosEmbed": f"{name}/decoder_pos_embed"})
        return name

    def run_case(key: str, x: np.ndarray, grid: str, gh: int, gw: int, ratio: float, seed: int, attention: bool) -> dict:
        n = gh * gw
        ids_keep, ids_restore, mask = random_masking_ids(image_seed(seed, 0, True), n, ratio)
        pos, dpos = grid_tables(model, kind, (gh, gw))
        xt, keep_t, restore_t = torch.from_numpy(x), torch.from_numpy(ids_keep)[None], torch.from_numpy(ids_restore)[None]
        latent, enc_attn = model.encode_visible(xt, keep_t, pos_embed=pos, return_attention=True)
        pred, dec_attn = model.forward_decoder(latent, restore_t, decoder_pos_embed=dpos, return_attention=True)
        for part, arr in [("ids_keep", ids_keep[None]), ("ids_restore", ids_restore[None]), ("mask", mask[None]),
                          ("latent", latent.numpy()), ("pred", pred.numpy())]:
            w.add(f"{key}/{part}", arr)
        case = {"maskRatio": ratio, "seed": seed, "key": key, "grid": grid}
        if attention:
            enc, dec = torch.stack(enc_attn, 1), torch.stack(dec_attn, 1)
            if attention_rows is None:
                enc_rows, dec_rows = list(range(enc.shape[3])), list(range(dec.shape[3]))
            else:
                enc_rows = pick_rows(enc.shape[3])
                dec_rows = pick_rows(dec.shape[3], ids_keep, n)
            w.add(f"{key}/encoder_attention", enc[:, :, :, enc_rows, :].numpy())
            w.add(f"{key}/decoder_attention", dec[:, :, :, dec_rows, :].numpy())
            case["attention"] = {"encoder": f"{key}/encoder_attention", "encoderRows": enc_rows,
                                 "decoder": f"{key}/decoder_attention", "decoderRows": dec_rows}
        return case

    square = add_grid(g, g)
    for img_name in images:
        src = REPO / "public" / "samples" / f"{img_name}.jpg"
        x = eval_tensor(src, size)[None]
        w.add(f"{img_name}/image", x)
        meta["images"].append({"name": img_name, "file": f"public/samples/{img_name}.jpg", "tensor": f"{img_name}/image"})
        for i, (ratio, seed) in enumerate(cases):
            key = f"{img_name}/r{ratio}/s{seed}"
            case = run_case(key, x, square, g, g, ratio, seed, attention=i == 0 and img_name == images[0])
            meta["cases"].append({"image": img_name, **case})
        for gh, gw in non_square_grids(model) if grid_cases else []:
            grid = add_grid(gh, gw)
            height, width = gh * p, gw * p
            tensor = f"{img_name}/{height}x{width}/image"
            x = whole_photo_tensor(src, width, height)[None]
            w.add(tensor, x)
            meta["gridImages"].append({"name": img_name, "file": f"public/samples/{img_name}.jpg", "tensor": tensor,
                                       "height": height, "width": width,
                                       "resize": f"whole photo, Pillow BICUBIC to {width}x{height} (no crop), "
                                                 "RGB / 255, ImageNet mean and std"})
            for i, (ratio, seed) in enumerate(grid_cases):
                key = f"{img_name}/{height}x{width}/r{ratio}/s{seed}"
                case = run_case(key, x, grid, gh, gw, ratio, seed, attention=i == 0 and img_name == images[0])
                meta["gridCases"].append({"image": img_name, "imageTensor": tensor, "height": height, "width": width,
                                          "gridH": gh, "gridW": gw, **case})
    # masking alone, many shapes: the TypeScript generator must give exactly these ids
    for seed in [0, 1, 42, 2**31 - 1, 2**32 - 1] if mask_cases else []:
        for n, ratio in [(196, 0.75), (196, 0.0), (196, 0.95), (49, 0.5), (256, 0.9), (16, 0.999), (280, 0.75)]:
            for idx, same in [(0, True), (3, False)]:
                ids_keep, ids_restore, _ = random_masking_ids(image_seed(seed, idx, same), n, ratio)
                meta["maskCases"].append({"seed": seed, "imageIndex": idx, "sameMaskForAll": same, "numPatches": n,
                                          "maskRatio": ratio, "idsKeep": ids_keep.tolist(),
                                          "idsRestore": ids_restore.tolist()})
    meta["arrays"] = w.index
    (out / "reference.bin").write_bytes(b"".join(w.chunks))
    (out / "reference.json").write_text(json.dumps(meta) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("weights", nargs="?", help="best.pth / checkpoint.pth from train.py, python/weights/*.pth, or an older layout")
    ap.add_argument("--random", choices=sorted(FACTORIES), help="export a randomly initialised factory model instead "
                    "(benchmarks: official sizes without downloading weights)")
    ap.add_argument("--out", default="models/default")
    ap.add_argument("--name", default="MAE ViT-Ti/16 (playground)")
    ap.add_argument("--description", default="A small MAE trained on a CPU for this playground.")
    ap.add_argument("--reference", help="folder for reference vectors, e.g. tests/reference/default")
    ap.add_argument("--card", help="JSON file merged into manifest.source (model card facts)")
    ap.add_argument("--eval", action="store_true", help="measure held-out masked MSE at 0.75 (and the baselines) "
                    "on ../shared/data/val and record it in manifest.source.heldOut")
    ap.add_argument("--exclude-probe-test", action="store_true", help="the run left out the probe's test photos "
                    "(only read for checkpoints older than the photo counts train.py records)")
    ap.add_argument("--log", help="training log (log.jsonl) to copy beside the model as training-log.jsonl")
    ap.add_argument("--no-check", action="store_true", help="skip the onnxruntime-node self-check")
    args = ap.parse_args()
    if args.random:
        torch.manual_seed(0)
        model = FACTORIES[args.random]()
        ck = {"config": model.config, "step": 0}
        args.name = args.name if args.name != ap.get_default("name") else f"{args.random} (random weights)"
    elif args.weights:
        loaded = load_checkpoint(args.weights)
        model, ck = loaded.model, loaded.checkpoint
    else:
        ap.error("give a weights file or --random NAME")
    source = {"kind": "trained-here", "steps": ck.get("step"), "images_seen": ck.get("images_seen"),
              "train_minutes": round(ck.get("seconds", 0) / 60, 1), "data": ck.get("data")}
    if args.card:
        card = json.loads(Path(args.card).read_text())
        # Prose comes from the card; counts are computed from the folders the run trained on.
        descriptions, note = card.pop("dataFolders", None), card.pop("dataNote", "")
        source.update(card)
        if descriptions is not None:
            source.update(data_facts(photo_counts(ck, exclude_probe_test=args.exclude_probe_test), descriptions, note))
    if args.eval:
        from .evaluate import evaluate

        torch.set_num_threads(os.cpu_count() or 1)
        source["heldOut"] = evaluate(model)
        print("held-out:", json.dumps(source["heldOut"]))
    if args.log:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(args.log, Path(args.out) / "training-log.jsonl")
    m = export(model, Path(args.out), args.name, args.description, source,
               train_mask_ratio=ck["config"].get("mask_ratio", 0.75), check=not args.no_check)
    print(json.dumps({k: m[k] for k in ["name", "imgSize", "patchSize", "files"]}, indent=1))
    if args.reference:
        write_reference(model, Path(args.reference))
        print("reference vectors in", args.reference)


if __name__ == "__main__":
    main()

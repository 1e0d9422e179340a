"""Export an MAE to the playground's model contract (docs/MODEL_CONTRACT.md) and check it.

    PYTHONPATH=python /usr/bin/python3 -m mae_playground.export_onnx runs/default/best.pth --out models/default \
        --name "MAE ViT-Ti/16 (playground)" --reference tests/reference/default

Writes encoder.onnx, decoder.onnx and manifest.json (fp32, opset 17). Graphs whose weights exceed
ONNX's 2 GB protobuf limit (ViT-H) keep their tensors in `<graph>.onnx.data` beside them.
With --reference, also writes reference vectors (input, ids, latent, pred for a few photos,
ratios and seeds) that the TypeScript/Node tests replay through onnxruntime.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import tempfile
from pathlib import Path

import numpy as np
import torch

from .checkpoints import load_checkpoint
from .data import IMAGENET_MEAN, IMAGENET_STD, SHARED_DATA, eval_tensor, is_probe_test, list_images
from .mask_prng import image_seed, random_masking_ids
from .models_mae import FACTORIES, MaskedAutoencoderViT, count_params

OPSET = 17
EXTERNAL_DATA_BYTES = 1_800_000_000  # below protobuf's 2 GiB hard limit, with room for the graph
REPO = Path(__file__).resolve().parents[2]
REFERENCE_IMAGES = ["goldfinch", "school_bus"]
REFERENCE_CASES = [(0.75, 0), (0.5, 7), (0.9, 123)]  # (mask_ratio, seed)


class Encoder(torch.nn.Module):
    def __init__(self, mae: MaskedAutoencoderViT):
        super().__init__()
        self.mae = mae

    def forward(self, image: torch.Tensor, ids_keep: torch.Tensor) -> torch.Tensor:
        return self.mae.encode_visible(image, ids_keep)


class Decoder(torch.nn.Module):
    def __init__(self, mae: MaskedAutoencoderViT):
        super().__init__()
        self.mae = mae

    def forward(self, latent: torch.Tensor, ids_restore: torch.Tensor) -> torch.Tensor:
        return self.mae.forward_decoder(latent, ids_restore)


def _save_graph(module, args, path: Path, input_names, output_names, dynamic_axes, external: bool) -> list[str]:
    """torch.onnx.export; large graphs are re-saved with one external data file. Returns files written."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp) / path.name
        torch.onnx.export(module, args, str(tmp_path), input_names=input_names, output_names=output_names,
                          dynamic_axes=dynamic_axes, opset_version=OPSET, do_constant_folding=True)
        for old in path.parent.glob(path.name + "*"):
            old.unlink()
        if not external:
            shutil.copyfile(tmp_path, path)
            return [path.name]
        import onnx  # only needed for the external-data layout

        proto = onnx.load(str(tmp_path), load_external_data=True)
        onnx.save_model(proto, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                        location=path.name + ".data", size_threshold=1024)
        return [path.name, path.name + ".data"]


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


@torch.no_grad()
def export(model: MaskedAutoencoderViT, out: Path, name: str, description: str, source: dict,
           train_mask_ratio: float, force_external: bool = False) -> dict:
    model.eval()
    out.mkdir(parents=True, exist_ok=True)
    cfg = model.config
    L, p, size = model.patch_embed.num_patches, cfg["patch_size"], cfg["img_size"]
    enc_params = count_params(model) - sum(count_params(m) for m in
                                           [model.decoder_embed, model.decoder_blocks, model.decoder_norm,
                                            model.decoder_pred]) - model.mask_token.numel() \
        - model.decoder_pos_embed.numel()
    dec_params = count_params(model) - enc_params
    image = torch.randn(1, 3, size, size)
    ids_keep = torch.arange(L // 4 or 1).unsqueeze(0)
    ext = lambda n_params: force_external or n_params * 4 >= EXTERNAL_DATA_BYTES  # noqa: E731
    enc_files = _save_graph(Encoder(model), (image, ids_keep), out / "encoder.onnx", ["image", "ids_keep"],
                            ["latent"], {"image": {0: "B"}, "ids_keep": {0: "B", 1: "K"}, "latent": {0: "B", 1: "K1"}},
                            ext(enc_params))
    latent = model.encode_visible(image, ids_keep)
    ids_restore = torch.arange(L).unsqueeze(0)
    dec_files = _save_graph(Decoder(model), (latent, ids_restore), out / "decoder.onnx", ["latent", "ids_restore"],
                            ["pred"], {"latent": {0: "B", 1: "K1"}, "ids_restore": {0: "B"}, "pred": {0: "B"}},
                            ext(dec_params))
    files = {f: {"bytes": (out / f).stat().st_size, "sha256": sha256(out / f)} for f in enc_files + dec_files}
    manifest = {
        "format": "mae-playground/1",
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
        "encoder": {"file": "encoder.onnx", "externalData": enc_files[1:], "embedDim": cfg["embed_dim"],
                    "depth": cfg["depth"], "numHeads": cfg["num_heads"], "params": enc_params},
        "decoder": {"file": "decoder.onnx", "externalData": dec_files[1:], "embedDim": cfg["decoder_embed_dim"],
                    "depth": cfg["decoder_depth"], "numHeads": cfg["decoder_num_heads"], "params": dec_params},
        "mlpRatio": cfg["mlp_ratio"],
        "opset": OPSET,
        "files": files,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


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


@torch.no_grad()
def write_reference(model: MaskedAutoencoderViT, out: Path, images=REFERENCE_IMAGES, cases=REFERENCE_CASES) -> None:
    """Inputs and PyTorch outputs for the tests to replay through onnxruntime (tolerance: see README)."""
    model.eval()
    out.mkdir(parents=True, exist_ok=True)
    size, L = model.patch_embed.img_size, model.patch_embed.num_patches
    w = BinWriter()
    meta = {"imgSize": size, "numPatches": L, "images": [], "cases": [], "maskCases": []}
    for img_name in images:
        src = REPO / "public" / "samples" / f"{img_name}.jpg"
        x = eval_tensor(src, size)[None]
        w.add(f"{img_name}/image", x)
        meta["images"].append({"name": img_name, "file": f"public/samples/{img_name}.jpg", "tensor": f"{img_name}/image"})
        for ratio, seed in cases:
            ids_keep, ids_restore, mask = random_masking_ids(image_seed(seed, 0, True), L, ratio)
            latent = model.encode_visible(torch.from_numpy(x), torch.from_numpy(ids_keep)[None])
            pred = model.forward_decoder(latent, torch.from_numpy(ids_restore)[None])
            key = f"{img_name}/r{ratio}/s{seed}"
            for part, arr in [("ids_keep", ids_keep[None]), ("ids_restore", ids_restore[None]),
                              ("mask", mask[None]), ("latent", latent.numpy()), ("pred", pred.numpy())]:
                w.add(f"{key}/{part}", arr)
            meta["cases"].append({"image": img_name, "maskRatio": ratio, "seed": seed, "key": key})
    # masking alone, many shapes: the TypeScript generator must give exactly these ids
    for seed in [0, 1, 42, 2**31 - 1, 2**32 - 1]:
        for n, ratio in [(196, 0.75), (196, 0.0), (196, 0.95), (49, 0.5), (256, 0.9), (16, 0.999)]:
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
               train_mask_ratio=ck["config"].get("mask_ratio", 0.75))
    print(json.dumps({k: m[k] for k in ["name", "imgSize", "patchSize", "files"]}, indent=1))
    if args.reference:
        write_reference(model, Path(args.reference))
        print("reference vectors in", args.reference)


if __name__ == "__main__":
    main()

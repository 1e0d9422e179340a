"""Dynamic int8 quantisation of an exported MAE model folder, with nothing but the `onnx` package.

onnxruntime's own tool (onnxruntime.quantization.quantize_dynamic) is not installable here (no
Python onnxruntime), so this writes the same graph pattern by hand. Every MatMul whose second
input is a weight initializer W [K, N] becomes

    DynamicQuantizeLinear(A) -> A_u8, A_scale, A_zp          (activations: uint8, per call)
    MatMulInteger(A_u8, W_s8, A_zp) -> int32                  (weights: int8, symmetric, zero point 0)
    Cast(float) * (A_scale * W_scale)                         (W_scale per output column [N], or one)

which onnxruntime's CPU graph optimiser (also in the WASM build) fuses into MatMulIntegerToFloat /
DynamicQuantizeMatMul. Attention's activation x activation MatMuls, LayerNorm, Softmax, GELU and
the patch-embedding Conv stay float32.

    PYTHONPATH=python /usr/bin/python3 -m mae_playground.quantize_dynamic models/default .cache/quant/default-int8 [--per-tensor]

Writes encoder.onnx, decoder.onnx and a manifest.json (files' sizes and SHA-256 updated, a
"quantization" note) into the output folder. A format 2 folder (docs/MODEL_CONTRACT.md) gives a format 2
folder: the int8 weights in encoder.onnx.data / decoder.onnx.data, and the attention graphs quantised the
same way (the same int8 tensors, so they point into the same data files: nothing stored twice).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def quantize_weight(w: np.ndarray, per_channel: bool) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8: q = round(w / s), s = max|w| / 127 (per output column, or for the tensor)."""
    amax = np.abs(w).max(axis=0) if per_channel else np.array(np.abs(w).max())
    scale = np.where(amax > 0, amax / 127.0, 1.0).astype(np.float32)
    q = np.clip(np.rint(w / scale), -127, 127).astype(np.int8)
    return q, scale


def quantize_model(model: onnx.ModelProto, per_channel: bool) -> tuple[onnx.ModelProto, int]:
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    uses: dict[str, int] = {}
    for n in g.node:
        for x in n.input:
            uses[x] = uses.get(x, 0) + 1
    new_nodes: list[onnx.NodeProto] = []
    new_inits: list[onnx.TensorProto] = []
    dropped: set[str] = set()
    count = 0
    for n in g.node:
        w_name = n.input[1] if n.op_type == "MatMul" and len(n.input) == 2 else None
        w_init = inits.get(w_name) if w_name else None
        if w_init is None or w_init.data_type != TensorProto.FLOAT or len(w_init.dims) != 2:
            new_nodes.append(n)
            continue
        w = numpy_helper.to_array(w_init)
        q, scale = quantize_weight(w, per_channel)
        base = f"{n.name or w_name}_q"
        qn, sn = f"{w_name}_int8", f"{w_name}_scale"
        new_inits += [numpy_helper.from_array(q, qn), numpy_helper.from_array(scale, sn)]
        if uses.get(w_name, 0) == 1:
            dropped.add(w_name)
        a = n.input[0]
        out = n.output[0]
        new_nodes += [
            helper.make_node("DynamicQuantizeLinear", [a], [f"{base}_a", f"{base}_as", f"{base}_az"], name=f"{base}_dql"),
            helper.make_node("MatMulInteger", [f"{base}_a", qn, f"{base}_az"], [f"{base}_i32"], name=f"{base}_mmi"),
            helper.make_node("Cast", [f"{base}_i32"], [f"{base}_f"], to=TensorProto.FLOAT, name=f"{base}_cast"),
            helper.make_node("Mul", [f"{base}_as", sn], [f"{base}_s"], name=f"{base}_scale"),
            helper.make_node("Mul", [f"{base}_f", f"{base}_s"], [out], name=f"{base}_mul"),
        ]
        count += 1
    del g.node[:]
    g.node.extend(new_nodes)
    kept = [i for i in g.initializer if i.name not in dropped]
    del g.initializer[:]
    g.initializer.extend(kept + new_inits)
    return model, count


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def quantize_v1(src: Path, out: Path, manifest: dict, per_channel: bool) -> dict:
    files = {}
    for part in ("encoder", "decoder"):
        name = manifest[part]["file"]
        model = onnx.load(str(src / name))
        model, n = quantize_model(model, per_channel=per_channel)
        onnx.checker.check_model(model)
        onnx.save(model, str(out / name))
        files[name] = {"bytes": (out / name).stat().st_size, "sha256": sha256(out / name)}
        print(f"{part}: {n} MatMuls quantised, {(src / name).stat().st_size / 1e6:.1f} MB -> {files[name]['bytes'] / 1e6:.1f} MB")
    return files


def quantize_v2(src: Path, out: Path, manifest: dict, per_channel: bool) -> dict:
    """Each graph and its attention twin quantised alike; the twin's tensors point into the graph's new data file."""
    from .onnx_graphs import save_sharing, save_with_data

    names = []
    for part in ("encoder", "decoder"):
        name = manifest[part]["file"]
        model, n = quantize_model(onnx.load(str(src / name), load_external_data=True), per_channel=per_channel)
        onnx.checker.check_model(model)
        stored = save_with_data(model, out / name)
        names += [name, name + ".data"]
        manifest[part]["externalData"] = [name + ".data"]
        print(f"{part}: {n} MatMuls quantised, {sum((src / f).stat().st_size for f in [name, name + '.data']) / 1e6:.1f} MB"
              f" -> {sum((out / f).stat().st_size for f in [name, name + '.data']) / 1e6:.1f} MB")
        att = (manifest.get("attention") or {}).get(part)
        if att:
            amodel, an = quantize_model(onnx.load(str(src / att["file"]), load_external_data=True), per_channel=per_channel)
            onnx.checker.check_model(amodel)
            shared = save_sharing(amodel, out / att["file"], name + ".data", stored)
            att["externalData"] = [name + ".data"]
            names.append(att["file"])
            print(f"{att['file']}: {an} MatMuls quantised; {shared['shared']} tensors in {name}.data, "
                  f"{shared['inline']} inline ({shared['inlineBytes']} bytes)")
    positions_file = (manifest.get("grid") or {}).get("positionsFile")
    if positions_file:
        shutil.copyfile(src / positions_file, out / positions_file)
        names.append(positions_file)
    return {f: {"bytes": (out / f).stat().st_size, "sha256": sha256(out / f)} for f in names}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("src", type=Path, help="model folder (manifest.json, encoder.onnx, decoder.onnx)")
    ap.add_argument("out", type=Path)
    ap.add_argument("--per-tensor", action="store_true", help="one weight scale per matrix (default: per output column)")
    args = ap.parse_args()
    manifest = json.loads((args.src / "manifest.json").read_text())
    args.out.mkdir(parents=True, exist_ok=True)
    if manifest.get("format") == "mae-playground/2":
        files = quantize_v2(args.src, args.out, manifest, per_channel=not args.per_tensor)
    elif manifest["encoder"].get("externalData") or manifest["decoder"].get("externalData"):
        raise SystemExit("format 1 folders with external data are not supported here")
    else:
        files = quantize_v1(args.src, args.out, manifest, per_channel=not args.per_tensor)
    source_files = manifest.get("files", {})
    manifest["name"] = f"{manifest['name']}, int8"
    manifest["description"] = (manifest.get("description", "") + " Weights quantised to int8 (dynamic quantisation): "
                               "about 2x faster on WASM, predictions close to the fp32 model.").strip()
    manifest["files"] = files
    manifest["quantization"] = {
        "kind": "dynamic-int8",
        "weights": "int8 symmetric, " + ("per tensor" if args.per_tensor else "per output column"),
        "activations": "uint8 asymmetric, per call (DynamicQuantizeLinear)",
        "source": str(args.src),
        "sourceFiles": source_files,
    }
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    for extra in ("training-log.jsonl",):
        if (args.src / extra).exists():
            shutil.copy(args.src / extra, args.out / extra)


if __name__ == "__main__":
    main()

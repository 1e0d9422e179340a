"""quantize_dynamic.py on a format 2 folder: int8 weights in the .data files, attention graphs sharing them."""

import json
import subprocess
import sys

import numpy as np
import onnx
import pytest
import torch
from onnx import numpy_helper

from mae_playground.export_onnx import export, write_reference
from test_export_convert import HAVE_ORT_NODE, REPO, external_ranges, replay, tiny


def quantize(src, out):
    res = subprocess.run([sys.executable, "-m", "mae_playground.quantize_dynamic", str(src), str(out)],
                         cwd=REPO, capture_output=True, text=True, timeout=300,
                         env={"PYTHONPATH": str(REPO / "python"), "PATH": "/usr/bin:/bin"})
    assert res.returncode == 0, res.stderr + res.stdout


def test_int8_twin_of_a_v2_folder(tmp_path):
    model = tiny(embed_dim=64, decoder_embed_dim=32)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.02)  # no two tensors equal; the position tables learned too
    export(model, tmp_path / "fp32", "tiny", "t", {}, 0.75, check=False)
    quantize(tmp_path / "fp32", tmp_path / "int8")
    m = json.loads((tmp_path / "int8" / "manifest.json").read_text())
    assert m["format"] == "mae-playground/2" and m["grid"]["positions"] == "table"
    assert m["quantization"]["kind"] == "dynamic-int8"
    assert set(m["files"]) == {"encoder.onnx", "encoder.onnx.data", "decoder.onnx", "decoder.onnx.data",
                               "encoder-attention.onnx", "decoder-attention.onnx", "pos-embed.bin"}
    # the learned tables are the fp32 folder's, unquantised
    assert (tmp_path / "int8" / "pos-embed.bin").read_bytes() == (tmp_path / "fp32" / "pos-embed.bin").read_bytes()
    fp32_data = (tmp_path / "fp32" / "encoder.onnx.data").stat().st_size
    assert (tmp_path / "int8" / "encoder.onnx.data").stat().st_size < 0.4 * fp32_data  # int8: a quarter, plus scales
    for graph in ("encoder", "decoder"):
        g = onnx.load(str(tmp_path / "int8" / f"{graph}.onnx"), load_external_data=False).graph
        int8 = [t for t in g.initializer if t.data_type == onnx.TensorProto.INT8]
        assert int8 and all(t.data_location == onnx.TensorProto.EXTERNAL for t in int8)
        normal = set(external_ranges(tmp_path / "int8" / f"{graph}.onnx"))
        shared = set(external_ranges(tmp_path / "int8" / f"{graph}-attention.onnx"))
        assert shared and shared <= normal  # the attention graph reads the very int8 bytes of the normal graph
        att = onnx.load(str(tmp_path / "int8" / f"{graph}-attention.onnx"))  # (loads them from the shared file)
        assert any(numpy_helper.to_array(t).dtype == np.int8 for t in att.graph.initializer)


@pytest.mark.skipif(not HAVE_ORT_NODE, reason="node_modules/onnxruntime-node not installed (run npm ci)")
def test_int8_twin_replays_close_to_pytorch(tmp_path):
    model = tiny(embed_dim=64, decoder_embed_dim=32)
    export(model, tmp_path / "fp32", "tiny", "t", {}, 0.75, check=False)
    write_reference(model, tmp_path / "ref", images=["goldfinch"], cases=[(0.75, 0)], mask_cases=False)
    quantize(tmp_path / "fp32", tmp_path / "int8")
    # int8 weights and activations: close, not exact (the bundled int8 twin: pred relL2 ~0.03 vs fp32)
    res = replay(tmp_path / "int8", tmp_path / "ref", tol=0.2)
    assert (res["cases"], res["gridCases"], res["attentionCases"]) == (1, 2, 3)
    assert 1e-4 < res["worstRelativeMaxDiff"] < 0.2  # quantised: not the fp32 graph, but near it

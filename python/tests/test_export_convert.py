"""Export and official-checkpoint conversion, replayed through onnxruntime-node when it is installed."""

import json
import shutil
import subprocess
from pathlib import Path

import onnx
import pytest
import torch

from mae_playground.convert_official import ConversionError, extract_state_dict, infer_config, main as convert_main
from mae_playground.export_onnx import export, write_reference
from mae_playground.models_mae import MaskedAutoencoderViT

REPO = Path(__file__).resolve().parents[2]
HAVE_ORT_NODE = shutil.which("node") is not None and (REPO / "node_modules" / "onnxruntime-node").exists()


def tiny(**kw):
    cfg = dict(img_size=32, patch_size=8, embed_dim=32, depth=2, num_heads=2, decoder_embed_dim=16,
               decoder_depth=2, decoder_num_heads=2, mlp_ratio=4.0)
    cfg.update(kw)
    torch.manual_seed(0)
    return MaskedAutoencoderViT(**cfg)


def replay(model_dir: Path, ref_dir: Path) -> dict:
    out = subprocess.run(["node", str(REPO / "scripts" / "replay-reference.mjs"), str(model_dir), str(ref_dir)],
                         cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr + out.stdout
    return json.loads(out.stdout.strip().splitlines()[-1])


def graph_io(path: Path):
    g = onnx.load(str(path), load_external_data=False).graph
    dims = lambda v: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]  # noqa: E731
    return {v.name: dims(v) for v in g.input}, {v.name: dims(v) for v in g.output}


def test_export_writes_the_contract(tmp_path):
    m = export(tiny(), tmp_path, "tiny", "test", {"kind": "test"}, 0.75)
    assert m["imgSize"] == 32 and m["patchSize"] == 8 and m["numPatches"] == 16
    assert set(m["files"]) == {"encoder.onnx", "decoder.onnx"}
    assert json.loads((tmp_path / "manifest.json").read_text()) == m
    ins, outs = graph_io(tmp_path / "encoder.onnx")
    assert ins == {"image": ["B", 3, 32, 32], "ids_keep": ["B", "K"]}
    assert list(outs) == ["latent"] and outs["latent"][:2] == ["B", "K1"]
    ins, outs = graph_io(tmp_path / "decoder.onnx")
    assert ins["ids_restore"] == ["B", 16] and list(outs) == ["pred"]


def test_external_data_layout(tmp_path):
    m = export(tiny(), tmp_path, "tiny", "test", {}, 0.75, force_external=True)
    assert m["encoder"]["externalData"] == ["encoder.onnx.data"]
    assert (tmp_path / "encoder.onnx.data").stat().st_size > (tmp_path / "encoder.onnx").stat().st_size
    if HAVE_ORT_NODE:
        write_reference(tiny(), tmp_path / "ref", images=["goldfinch"], cases=[(0.75, 0)])
        replay(tmp_path, tmp_path / "ref")


@pytest.mark.skipif(not HAVE_ORT_NODE, reason="node_modules/onnxruntime-node not installed (run npm ci)")
def test_export_replays_through_onnxruntime(tmp_path):
    model = tiny()
    export(model, tmp_path / "model", "tiny", "test", {}, 0.75)
    write_reference(model, tmp_path / "ref")
    res = replay(tmp_path / "model", tmp_path / "ref")
    assert res["cases"] == 6 and res["worstRelativeMaxDiff"] < 1e-4


def official_layout_file(tmp_path: Path, model: MaskedAutoencoderViT, name: str, drop_decoder=False) -> Path:
    sd = {k: v.clone() for k, v in model.state_dict().items()}
    if drop_decoder:  # what mae_pretrain_vit_*.pth holds
        sd = {k: v for k, v in sd.items() if not k.startswith(("decoder", "mask_token"))}
    path = tmp_path / name
    torch.save({"model": sd}, path)
    return path


def test_converter_round_trip(tmp_path):
    model = tiny(embed_dim=192, num_heads=3, decoder_embed_dim=128, decoder_num_heads=4)
    ck = official_layout_file(tmp_path, model, "mae_visualize_vit_tiny.pth")
    out, ref = tmp_path / "converted", tmp_path / "ref"
    convert_main([str(ck), "--out", str(out), "--reference", str(ref)])
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["encoder"]["embedDim"] == 192 and manifest["encoder"]["numHeads"] == 3
    assert manifest["decoder"]["depth"] == 2 and manifest["normPixLoss"] is False
    assert manifest["source"]["kind"] == "official-checkpoint"
    if HAVE_ORT_NODE:
        replay(out, ref)


def test_converter_infers_official_sizes():
    sd = MaskedAutoencoderViT(patch_size=16, embed_dim=768, depth=12, num_heads=12, decoder_embed_dim=512,
                              decoder_depth=8, decoder_num_heads=16).state_dict()
    cfg = infer_config(sd)
    assert (cfg["img_size"], cfg["patch_size"], cfg["embed_dim"], cfg["depth"], cfg["num_heads"]) == (224, 16, 768, 12, 12)
    assert (cfg["decoder_embed_dim"], cfg["decoder_depth"], cfg["decoder_num_heads"], cfg["mlp_ratio"]) == (512, 8, 16, 4.0)


def test_converter_rejects_encoder_only(tmp_path, capsys):
    ck = official_layout_file(tmp_path, tiny(embed_dim=192, num_heads=3), "mae_pretrain_vit_tiny.pth", drop_decoder=True)
    with pytest.raises(SystemExit) as e:
        convert_main([str(ck), "--out", str(tmp_path / "x")])
    assert "no decoder weights" in str(e.value) and "mae_visualize_vit" in str(e.value)
    assert not (tmp_path / "x" / "manifest.json").exists()


def test_converter_rejects_unknown_shapes():
    sd = tiny(embed_dim=40, num_heads=2).state_dict()
    with pytest.raises(ConversionError, match="head counts"):
        infer_config(sd)
    sd = tiny(embed_dim=192, num_heads=3, decoder_embed_dim=128).state_dict()
    sd["blocks.0.attn.qkv.weight"] = torch.zeros(10, 10)
    from mae_playground.convert_official import load_official
    with pytest.raises(ConversionError, match="wrong shapes"):
        load_official(sd, infer_config(sd))
    with pytest.raises(ConversionError, match="no MAE state dict"):
        extract_state_dict({"epoch": 3})
    with pytest.raises(ConversionError, match="not an MAE"):
        infer_config({"foo": torch.zeros(1)})

"""Export and official-checkpoint conversion, replayed through onnxruntime-node when it is installed."""

import json
import shutil
import subprocess
from pathlib import Path

import onnx
import pytest
import torch

from mae_playground.checkpoints import CheckpointError, extract_state_dict, infer_config, load_checkpoint
from mae_playground.convert_official import main as convert_main
from mae_playground.export_onnx import export, write_reference
from mae_playground.models_mae import MaskedAutoencoderViT, mae_vit_base_patch16

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


def official_shapes(embed_dim: int, depth: int, decoder_embed_dim: int, decoder_depth: int, patch: int,
                    img_size: int, drop_decoder: bool = False) -> dict:
    """The names and shapes in a facebookresearch/mae checkpoint's 'model', written out from its models_mae.py
    (timm Blocks with qkv_bias=True, MLP ratio 4, LayerNorms, the fixed sin-cos tables stored as parameters) and
    mae-notes.md, not from our model."""
    d, dd, hidden, L = embed_dim, decoder_embed_dim, 4 * embed_dim, (img_size // patch) ** 2

    def block(prefix: str, w: int) -> dict:
        return {f"{prefix}.norm1.weight": (w,), f"{prefix}.norm1.bias": (w,),
                f"{prefix}.attn.qkv.weight": (3 * w, w), f"{prefix}.attn.qkv.bias": (3 * w,),
                f"{prefix}.attn.proj.weight": (w, w), f"{prefix}.attn.proj.bias": (w,),
                f"{prefix}.norm2.weight": (w,), f"{prefix}.norm2.bias": (w,),
                f"{prefix}.mlp.fc1.weight": (4 * w, w), f"{prefix}.mlp.fc1.bias": (4 * w,),
                f"{prefix}.mlp.fc2.weight": (w, 4 * w), f"{prefix}.mlp.fc2.bias": (w,)}

    shapes = {"cls_token": (1, 1, d), "pos_embed": (1, L + 1, d), "patch_embed.proj.weight": (d, 3, patch, patch),
              "patch_embed.proj.bias": (d,), "norm.weight": (d,), "norm.bias": (d,)}
    for i in range(depth):
        shapes.update(block(f"blocks.{i}", d))
    assert shapes[f"blocks.{depth - 1}.mlp.fc1.weight"] == (hidden, d)
    if not drop_decoder:  # the mae_pretrain_vit_*.pth files stop here
        shapes.update({"decoder_embed.weight": (dd, d), "decoder_embed.bias": (dd,), "mask_token": (1, 1, dd),
                       "decoder_pos_embed": (1, L + 1, dd), "decoder_norm.weight": (dd,), "decoder_norm.bias": (dd,),
                       "decoder_pred.weight": (patch * patch * 3, dd), "decoder_pred.bias": (patch * patch * 3,)})
        for i in range(decoder_depth):
            shapes.update(block(f"decoder_blocks.{i}", dd))
    return shapes


def official_state_dict(*args, seed: int = 0, **kw) -> dict:
    """An official-layout state dict with random values (the stored position tables too: they must be kept as
    stored, not recomputed)."""
    gen = torch.Generator().manual_seed(seed)
    return {k: torch.randn(shape, generator=gen) * 0.05 for k, shape in official_shapes(*args, **kw).items()}


def save_official(tmp_path: Path, sd: dict, name: str) -> Path:
    path = tmp_path / name
    torch.save({"model": sd}, path)  # the official files' layout: {'model': state_dict}
    return path


def test_our_model_has_exactly_the_official_names_and_shapes():
    official = official_state_dict(768, 12, 512, 8, patch=16, img_size=224)
    ours = mae_vit_base_patch16().state_dict()
    assert set(ours) == set(official)
    assert {k: tuple(v.shape) for k, v in ours.items()} == {k: tuple(v.shape) for k, v in official.items()}


def test_converter_round_trip(tmp_path):
    sd = official_state_dict(192, 2, 128, 2, patch=8, img_size=32)
    ck = save_official(tmp_path, sd, "mae_visualize_vit_tiny.pth")
    out, ref = tmp_path / "converted", tmp_path / "ref"
    convert_main([str(ck), "--out", str(out), "--reference", str(ref)])
    manifest = json.loads((out / "manifest.json").read_text())
    assert (manifest["imgSize"], manifest["patchSize"], manifest["numPatches"]) == (32, 8, 16)
    assert manifest["encoder"]["embedDim"] == 192 and manifest["encoder"]["depth"] == 2
    assert manifest["encoder"]["numHeads"] == 3  # from the official width table: 192-d has 3 heads
    assert manifest["decoder"]["embedDim"] == 128 and manifest["decoder"]["depth"] == 2
    assert manifest["decoder"]["numHeads"] == 4 and manifest["normPixLoss"] is False
    assert manifest["source"]["kind"] == "official-checkpoint"
    if HAVE_ORT_NODE:
        replay(out, ref)


def test_converter_loads_every_official_tensor_where_it_belongs(tmp_path):
    sd = official_state_dict(192, 2, 128, 2, patch=8, img_size=32, seed=3)
    model = load_checkpoint(save_official(tmp_path, sd, "mae_visualize_vit_tiny.pth")).model
    # a few by module path (a renamed or transposed tensor would land elsewhere or fail the strict load)
    assert torch.equal(model.blocks[1].attn.qkv.weight, sd["blocks.1.attn.qkv.weight"])
    assert torch.equal(model.decoder_blocks[0].mlp.fc2.weight, sd["decoder_blocks.0.mlp.fc2.weight"])
    assert torch.equal(model.patch_embed.proj.weight, sd["patch_embed.proj.weight"])
    # the stored position tables are used as stored, not recomputed
    assert torch.equal(model.pos_embed, sd["pos_embed"]) and torch.equal(model.decoder_pos_embed, sd["decoder_pos_embed"])
    assert all(torch.equal(v, sd[k]) for k, v in model.state_dict().items())


def test_converter_infers_official_sizes():
    cases = [  # (embed, depth, heads, patch, img): the official ViT-B/16, ViT-L/16, ViT-H/14 (mae-notes.md)
        (768, 12, 12, 16, 224), (1024, 24, 16, 16, 224), (1280, 32, 16, 14, 224)]
    for embed, depth, heads, patch, img in cases:
        # shapes are all it reads: zero-stride tensors keep ViT-H (2.5 GB of weights) free here
        sd = {k: torch.zeros(()).expand(shape) for k, shape in official_shapes(embed, depth, 512, 8, patch, img).items()}
        cfg = infer_config(sd)
        assert (cfg["img_size"], cfg["patch_size"], cfg["embed_dim"], cfg["depth"], cfg["num_heads"]) == \
            (img, patch, embed, depth, heads)
        assert (cfg["decoder_embed_dim"], cfg["decoder_depth"], cfg["decoder_num_heads"], cfg["mlp_ratio"]) == \
            (512, 8, 16, 4.0)


def test_converter_rejects_encoder_only(tmp_path, capsys):
    sd = official_state_dict(192, 2, 128, 2, patch=8, img_size=32, drop_decoder=True)
    ck = save_official(tmp_path, sd, "mae_pretrain_vit_tiny.pth")
    with pytest.raises(SystemExit) as e:
        convert_main([str(ck), "--out", str(tmp_path / "x")])
    assert "no decoder weights" in str(e.value) and "mae_visualize_vit" in str(e.value)
    assert not (tmp_path / "x" / "manifest.json").exists()


def test_converter_rejects_unknown_shapes(tmp_path):
    with pytest.raises(CheckpointError, match="head counts"):
        infer_config(official_state_dict(40, 1, 16, 1, patch=8, img_size=16))
    sd = official_state_dict(192, 2, 128, 2, patch=8, img_size=32)
    sd["blocks.0.attn.qkv.weight"] = torch.zeros(10, 10)
    with pytest.raises(CheckpointError, match="wrong shapes"):
        load_checkpoint(save_official(tmp_path, sd, "bad.pth"))
    with pytest.raises(CheckpointError, match="no MAE state dict"):
        extract_state_dict({"epoch": 3})
    with pytest.raises(CheckpointError, match="not an MAE"):
        infer_config({"foo": torch.zeros(1)})


def test_converter_labels_our_own_checkpoints_as_ours(tmp_path):
    model = tiny()
    torch.save({"config": model.config, "step": 12, "model": {k: v.half() for k, v in model.state_dict().items()}},
               tmp_path / "best.pth")
    convert_main([str(tmp_path / "best.pth"), "--out", str(tmp_path / "out")])
    source = json.loads((tmp_path / "out" / "manifest.json").read_text())["source"]
    assert source["kind"] == "trained-here" and source["steps"] == 12 and "license" not in source

"""Export and official-checkpoint conversion, replayed through onnxruntime-node when it is installed."""

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

from mae_playground.checkpoints import CheckpointError, extract_state_dict, infer_config, load_checkpoint
from mae_playground.convert_official import main as convert_main
from mae_playground.export_onnx import export, self_check, write_reference
from mae_playground.onnx_graphs import interpolate_table
from mae_playground.upgrade_v1 import UpgradeError, recover
from mae_playground.models_mae import MaskedAutoencoderViT, mae_vit_base_patch16

REPO = Path(__file__).resolve().parents[2]
HAVE_ORT_NODE = shutil.which("node") is not None and (REPO / "node_modules" / "onnxruntime-node").exists()


def tiny(**kw):
    cfg = dict(img_size=32, patch_size=8, embed_dim=32, depth=2, num_heads=2, decoder_embed_dim=16,
               decoder_depth=2, decoder_num_heads=2, mlp_ratio=4.0)
    cfg.update(kw)
    torch.manual_seed(0)
    return MaskedAutoencoderViT(**cfg)


def replay(model_dir: Path, ref_dir: Path, tol: float = 1e-4) -> dict:
    out = subprocess.run(["node", str(REPO / "scripts" / "replay-reference.mjs"), str(model_dir), str(ref_dir),
                          "--tol", str(tol)],
                         cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr + out.stdout
    return json.loads(out.stdout.strip().splitlines()[-1])


def graph_io(path: Path):
    g = onnx.load(str(path), load_external_data=False).graph
    dims = lambda v: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]  # noqa: E731
    return {v.name: dims(v) for v in g.input}, {v.name: dims(v) for v in g.output}


V2_FILES = {"encoder.onnx", "encoder.onnx.data", "decoder.onnx", "decoder.onnx.data", "encoder-attention.onnx",
            "decoder-attention.onnx"}


def test_export_writes_the_v2_contract(tmp_path):
    m = export(tiny(), tmp_path, "tiny", "test", {"kind": "test"}, 0.75, check=False)
    assert m["format"] == "mae-playground/2"
    assert m["imgSize"] == 32 and m["patchSize"] == 8 and m["numPatches"] == 16
    assert set(m["files"]) == V2_FILES
    assert json.loads((tmp_path / "manifest.json").read_text()) == m
    assert m["grid"] == {"dynamic": True, "positions": "sincos-2d", "positionsMaxAbsDiff": 0.0}
    assert m["attention"] == {"encoder": {"file": "encoder-attention.onnx", "externalData": ["encoder.onnx.data"]},
                              "decoder": {"file": "decoder-attention.onnx", "externalData": ["decoder.onnx.data"]}}
    assert m["encoder"]["externalData"] == ["encoder.onnx.data"] and m["decoder"]["externalData"] == ["decoder.onnx.data"]
    ins, outs = graph_io(tmp_path / "encoder.onnx")
    assert ins == {"image": ["B", 3, "H", "W"], "ids_keep": ["B", "K"], "pos_embed": [1, "L1", 32]}
    assert outs == {"latent": ["B", "K1", 32]}
    ins, outs = graph_io(tmp_path / "decoder.onnx")
    assert ins == {"latent": ["B", "K1", 32], "ids_restore": ["B", "L"], "decoder_pos_embed": [1, "L1", 16]}
    assert outs == {"pred": ["B", "L", 8 * 8 * 3]}
    ins, outs = graph_io(tmp_path / "encoder-attention.onnx")
    assert list(ins) == ["image", "ids_keep", "pos_embed"]
    assert outs == {"latent": ["B", "K1", 32], "attention": ["B", 2, 2, "K1", "K1"]}  # depth 2, 2 heads
    ins, outs = graph_io(tmp_path / "decoder-attention.onnx")
    assert list(ins) == ["latent", "ids_restore", "decoder_pos_embed"]
    assert outs == {"attention": ["B", 2, 2, "L1", "L1"]}


def external_ranges(path: Path) -> list[tuple[str, int, int]]:
    out = []
    for t in onnx.load(str(path), load_external_data=False).graph.initializer:
        if t.data_location == onnx.TensorProto.EXTERNAL:
            kv = {e.key: e.value for e in t.external_data}
            out.append((kv["location"], int(kv["offset"]), int(kv["length"])))
    return out


def test_no_weight_is_stored_twice(tmp_path):
    model = tiny(embed_dim=64, decoder_embed_dim=32)
    export(model, tmp_path, "tiny", "test", {}, 0.75, check=False)
    weight_bytes = 4 * sum(p.numel() for p in model.parameters())
    data_bytes = sum((tmp_path / f).stat().st_size for f in ("encoder.onnx.data", "decoder.onnx.data"))
    # the weights are in the data files once (the position tables are inputs now, so less than every parameter)
    assert 0.8 * weight_bytes < data_bytes < weight_bytes
    for f in ("encoder-attention.onnx", "decoder-attention.onnx"):
        inline = sum(len(t.raw_data) for t in onnx.load(str(tmp_path / f), load_external_data=False).graph.initializer)
        assert inline < 0.02 * data_bytes, f  # only tiny constants (LayerNorm vectors, shapes) stay inline
    for graph, data in [("encoder", "encoder.onnx.data"), ("decoder", "decoder.onnx.data")]:
        normal = set(external_ranges(tmp_path / f"{graph}.onnx"))
        shared = set(external_ranges(tmp_path / f"{graph}-attention.onnx"))
        assert normal and {loc for loc, _, _ in normal | shared} == {data}
        assert shared <= normal  # the attention graph reads byte ranges the normal graph stores
        # every range lies inside the file and none overlaps another
        ranges = sorted(normal)
        assert ranges[-1][1] + ranges[-1][2] <= (tmp_path / data).stat().st_size
        assert all(a[1] + a[2] <= b[1] for a, b in zip(ranges, ranges[1:]))
    # the attention graphs need all the encoder's blocks but the decoder's up to its last softmax only
    assert len(shared) >= 1


@pytest.mark.skipif(not HAVE_ORT_NODE, reason="node_modules/onnxruntime-node not installed (run npm ci)")
def test_export_replays_through_onnxruntime(tmp_path):
    model = tiny()
    export(model, tmp_path / "model", "tiny", "test", {}, 0.75)  # with its own self-check
    write_reference(model, tmp_path / "ref")
    res = replay(tmp_path / "model", tmp_path / "ref")
    # 6 centre crops at 32 x 32, a wide (4 x 6 patches) and a tall grid per photo, attention on one case per grid
    assert (res["cases"], res["gridCases"], res["attentionCases"]) == (6, 4, 3)
    assert res["worstRelativeMaxDiff"] < 1e-4
    meta = json.loads((tmp_path / "ref" / "reference.json").read_text())
    assert [(g["gridH"], g["gridW"]) for g in meta["grids"]] == [(4, 4), (4, 6), (6, 4)]
    assert {(c["height"], c["width"]) for c in meta["gridCases"]} == {(32, 48), (48, 32)}


@pytest.mark.skipif(not HAVE_ORT_NODE, reason="node_modules/onnxruntime-node not installed (run npm ci)")
def test_self_check_catches_a_wrong_graph(tmp_path):
    model = tiny()
    export(model, tmp_path, "tiny", "test", {}, 0.75, check=False)
    other = tiny()
    with torch.no_grad():
        # one head's queries moved (random: a constant added to a row changes nothing after LayerNorm)
        other.blocks[1].attn.qkv.weight[:4] += 0.5 * torch.randn(4, 32)
    with pytest.raises(SystemExit, match="self-check FAILED"):
        self_check(other, tmp_path)


def test_learned_tables_are_written_and_interpolated(tmp_path):
    model = tiny()
    with torch.no_grad():
        model.pos_embed.add_(torch.randn_like(model.pos_embed) * 0.1)
    m = export(model, tmp_path, "tiny", "test", {}, 0.75, check=HAVE_ORT_NODE)
    assert m["grid"]["positions"] == "table" and m["grid"]["positionsFile"] == "pos-embed.bin"
    assert m["grid"]["positionsMaxAbsDiff"] > 0.1
    raw = np.frombuffer((tmp_path / "pos-embed.bin").read_bytes(), dtype="<f4")
    assert raw.size == 17 * 32 + 17 * 16
    assert np.array_equal(raw[:17 * 32].reshape(17, 32), model.pos_embed[0].numpy())
    assert np.array_equal(raw[17 * 32:].reshape(17, 16), model.decoder_pos_embed[0].numpy())
    assert m["files"]["pos-embed.bin"]["bytes"] == raw.nbytes
    # the training grid keeps the stored table; another grid interpolates the patch rows, cls row kept
    assert torch.equal(interpolate_table(model.pos_embed, (4, 4)), model.pos_embed)
    wide = interpolate_table(model.pos_embed, (4, 8))
    assert wide.shape == (1, 33, 32) and torch.equal(wide[:, 0], model.pos_embed[:, 0])
    # doubling the width with align_corners=False: output column j samples input column (j + 0.5) / 2 - 0.5;
    # a table constant along the columns stays constant, whatever the weights
    flat = torch.zeros(1, 17, 2)
    flat[0, 1:, 0] = torch.arange(4.0).repeat_interleave(4)  # row index: constant within each row
    assert torch.allclose(interpolate_table(flat, (4, 8))[0, 1:, 0], torch.arange(4.0).repeat_interleave(8))


def export_v1(model: MaskedAutoencoderViT, out: Path) -> None:
    """A v1 folder as the exporter wrote it before v2 (fixed image size, stored tables inside the graphs)."""
    class Enc(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.mae = model

        def forward(self, image, ids_keep):
            return self.mae.encode_visible(image, ids_keep)

    class Dec(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.mae = model

        def forward(self, latent, ids_restore):
            return self.mae.forward_decoder(latent, ids_restore)

    out.mkdir(parents=True)
    cfg, L = model.config, model.patch_embed.num_patches
    image, ids_keep = torch.randn(1, 3, cfg["img_size"], cfg["img_size"]), torch.arange(L // 4).unsqueeze(0)
    with torch.no_grad():
        torch.onnx.export(Enc(), (image, ids_keep), str(out / "encoder.onnx"), input_names=["image", "ids_keep"],
                          output_names=["latent"], dynamic_axes={"ids_keep": {0: "B", 1: "K"}}, opset_version=17)
        latent = model.encode_visible(image, ids_keep)
        torch.onnx.export(Dec(), (latent, torch.arange(L).unsqueeze(0)), str(out / "decoder.onnx"),
                          input_names=["latent", "ids_restore"], output_names=["pred"],
                          dynamic_axes={"latent": {1: "K1"}}, opset_version=17)
    manifest = {"format": "mae-playground/1", "name": "v1", "imgSize": cfg["img_size"], "patchSize": cfg["patch_size"],
                "inChans": 3, "normPixLoss": False, "mlpRatio": cfg["mlp_ratio"], "trainMaskRatio": 0.75,
                "encoder": {"file": "encoder.onnx", "embedDim": cfg["embed_dim"], "depth": cfg["depth"],
                            "numHeads": cfg["num_heads"]},
                "decoder": {"file": "decoder.onnx", "embedDim": cfg["decoder_embed_dim"], "depth": cfg["decoder_depth"],
                            "numHeads": cfg["decoder_num_heads"]}}
    (out / "manifest.json").write_text(json.dumps(manifest))


def test_upgrade_v1_reads_back_the_exact_weights(tmp_path):
    """A trained-like model (every tensor random, as in a trained model: none equal to another) exported the v1
    way comes back bit for bit from its graphs, with its fp16-rounded sin-cos table (the bundled default's case)."""
    model = tiny()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "pos_embed" not in name:
                p.add_(torch.randn_like(p) * 0.1)
        for table in (model.pos_embed, model.decoder_pos_embed):
            table.copy_(table.half().float())
    export_v1(model, tmp_path / "v1")
    got, manifest = recover(tmp_path / "v1")
    assert manifest["format"] == "mae-playground/1"
    for k, v in model.state_dict().items():
        assert torch.equal(got.state_dict()[k], v), k
    # fp16-rounded sin-cos counts as sin-cos: the v2 folder declares it, with the difference
    m = export(got, tmp_path / "v2", "up", "", {}, 0.75, check=HAVE_ORT_NODE)
    assert m["grid"]["positions"] == "sincos-2d" and 1e-5 < m["grid"]["positionsMaxAbsDiff"] < 1e-3


def test_upgrade_v1_refuses_what_it_cannot_read(tmp_path):
    with pytest.raises(UpgradeError, match="not a v1 folder"):
        export(tiny(), tmp_path, "t", "", {}, 0.75, check=False)
        recover(tmp_path)


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

"""The four graphs of a v2 model folder (docs/MODEL_CONTRACT.md) and their shared external data.

encoder.onnx / decoder.onnx take the position tables as inputs (pos_embed, decoder_pos_embed) and
have dynamic H, W, K and L, so one graph serves every h x w patch grid. Their weights live in
encoder.onnx.data / decoder.onnx.data. encoder-attention.onnx / decoder-attention.onnx add the
softmax weights of every block as an output; they are separate graphs (an extra output on a Softmax
changes how onnxruntime fuses it, and the runtime would compute it on every call), and their
initializers point into the SAME .data files, so no weight is stored twice.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from .models_mae import MaskedAutoencoderViT

OPSET = 17
# Tensors below this many bytes stay inside the graph (shape constants, LayerNorm vectors of tiny models).
INLINE_BYTES = 1024
# A stored table within this of the 2-D sin-cos one is sin-cos: half an fp16 step at 1 (4.9e-4), since a run
# warm-started from an fp16 pack (the bundled default) holds sin-cos rounded to fp16. The page then computes
# the exact table for every grid, the training grid included.
SINCOS_TOL = 1e-3


class Encoder(torch.nn.Module):
    def __init__(self, mae: MaskedAutoencoderViT, attention: bool = False):
        super().__init__()
        self.mae, self.attention = mae, attention

    def forward(self, image, ids_keep, pos_embed):
        if not self.attention:
            return self.mae.encode_visible(image, ids_keep, pos_embed=pos_embed)
        latent, attn = self.mae.encode_visible(image, ids_keep, pos_embed=pos_embed, return_attention=True)
        return latent, torch.stack(attn, dim=1)  # [B, depth, heads, 1+K, 1+K]


class Decoder(torch.nn.Module):
    def __init__(self, mae: MaskedAutoencoderViT, attention: bool = False):
        super().__init__()
        self.mae, self.attention = mae, attention

    def forward(self, latent, ids_restore, decoder_pos_embed):
        if not self.attention:
            return self.mae.forward_decoder(latent, ids_restore, decoder_pos_embed=decoder_pos_embed)
        _, attn = self.mae.forward_decoder(latent, ids_restore, decoder_pos_embed=decoder_pos_embed,
                                           return_attention=True)
        return torch.stack(attn, dim=1)  # [B, decoderDepth, decoderHeads, 1+L, 1+L]


ENC_IN = ["image", "ids_keep", "pos_embed"]
DEC_IN = ["latent", "ids_restore", "decoder_pos_embed"]
ENC_AXES = {"image": {0: "B", 2: "H", 3: "W"}, "ids_keep": {0: "B", 1: "K"}, "pos_embed": {1: "L1"},
            "latent": {0: "B", 1: "K1"}}
DEC_AXES = {"latent": {0: "B", 1: "K1"}, "ids_restore": {0: "B", 1: "L"}, "decoder_pos_embed": {1: "L1"},
            "pred": {0: "B", 1: "L"}}


def _torch_export(module, args, input_names, output_names, axes, fixed: dict[str, dict[int, int]]) -> onnx.ModelProto:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "g.onnx"
        torch.onnx.export(module, args, str(path), input_names=input_names, output_names=output_names,
                          dynamic_axes=axes, opset_version=OPSET, do_constant_folding=True)
        proto = onnx.load(str(path), load_external_data=True)
    # Widths and head counts the tracer left symbolic (behind LayerNorm / Concat) are fixed numbers:
    # a reader of the signature sees [B, K1, 192], not a made-up dim name.
    for v in list(proto.graph.output) + list(proto.graph.input):
        for axis, value in fixed.get(v.name, {}).items():
            d = v.type.tensor_type.shape.dim[axis]
            d.ClearField("dim_param")
            d.dim_value = value
    return proto


def _key(t: onnx.TensorProto, data: bytes) -> str:
    """What makes two initializers the same stored tensor: dtype, dims and bytes (names differ between
    exports, since constant folding names what it makes by a counter)."""
    h = hashlib.sha256(data).hexdigest()
    return f"{t.data_type}:{','.join(map(str, t.dims))}:{h}"


def _tensor_bytes(t: onnx.TensorProto) -> bytes:
    return numpy_helper.to_array(t).astype(numpy_helper.to_array(t).dtype.newbyteorder("<")).tobytes()


def save_with_data(proto: onnx.ModelProto, path: Path) -> dict[str, tuple[int, int]]:
    """Writes `path` and `path.data` (every initializer of INLINE_BYTES or more, one after another);
    returns the stored tensors by _key -> (offset, length)."""
    data_name = path.name + ".data"
    stored: dict[str, tuple[int, int]] = {}
    with open(path.parent / data_name, "wb") as f:
        offset = 0
        for t in proto.graph.initializer:
            raw = _tensor_bytes(t)
            if len(raw) < INLINE_BYTES:
                continue
            key = _key(t, raw)
            if key not in stored:  # the same tensor twice in one graph is stored once
                pad = (-offset) % 64  # aligned, so a reader may view the bytes as floats in place
                f.write(b"\0" * pad)
                offset += pad
                f.write(raw)
                stored[key] = (offset, len(raw))
                offset += len(raw)
            _point_at(t, data_name, *stored[key])
    path.write_bytes(proto.SerializeToString())
    return stored


def _point_at(t: onnx.TensorProto, location: str, offset: int, length: int) -> None:
    t.ClearField("raw_data")
    for field in ("float_data", "int32_data", "int64_data", "double_data", "uint64_data", "string_data"):
        t.ClearField(field)
    t.data_location = onnx.TensorProto.EXTERNAL
    del t.external_data[:]
    for k, v in (("location", location), ("offset", str(offset)), ("length", str(length))):
        entry = t.external_data.add()
        entry.key, entry.value = k, v


def save_sharing(proto: onnx.ModelProto, path: Path, data_name: str, stored: dict[str, tuple[int, int]]) -> dict:
    """Writes `path` whose initializers point into `data_name` wherever the same tensor is stored there;
    the rest stay inline. Returns counts (shared, inline, inline bytes)."""
    shared = inline = inline_bytes = 0
    for t in proto.graph.initializer:
        raw = _tensor_bytes(t)
        hit = stored.get(_key(t, raw))
        if hit is not None:
            _point_at(t, data_name, *hit)
            shared += 1
        else:
            inline += 1
            inline_bytes += len(raw)
    path.write_bytes(proto.SerializeToString())
    return {"shared": shared, "inline": inline, "inlineBytes": inline_bytes}


@torch.no_grad()
def export_graphs(model: MaskedAutoencoderViT, out: Path) -> dict:
    """Writes the four graphs and two data files into `out`; returns what each attention graph shares."""
    model.eval()
    size, L = model.config["img_size"], model.patch_embed.num_patches
    image = torch.randn(1, 3, size, size)
    ids_keep = torch.arange(max(1, L // 4)).unsqueeze(0)
    pos, dpos = model.pos_embed.detach().clone(), model.decoder_pos_embed.detach().clone()
    enc_args = (image, ids_keep, pos)
    latent = model.encode_visible(image, ids_keep, pos_embed=pos)
    dec_args = (latent, torch.arange(L).unsqueeze(0), dpos)
    for old in out.glob("*.onnx*"):
        old.unlink()
    cfg = model.config
    enc_fixed = {"latent": {2: cfg["embed_dim"]}, "attention": {1: cfg["depth"], 2: cfg["num_heads"]}}
    dec_fixed = {"attention": {1: cfg["decoder_depth"], 2: cfg["decoder_num_heads"]}}
    att_axes = {**ENC_AXES, "attention": {0: "B", 3: "K1", 4: "K1"}}
    enc = _torch_export(Encoder(model), enc_args, ENC_IN, ["latent"], ENC_AXES, enc_fixed)
    stored = save_with_data(enc, out / "encoder.onnx")
    enc_att = _torch_export(Encoder(model, attention=True), enc_args, ENC_IN, ["latent", "attention"], att_axes,
                            enc_fixed)
    enc_share = save_sharing(enc_att, out / "encoder-attention.onnx", "encoder.onnx.data", stored)
    dec = _torch_export(Decoder(model), dec_args, DEC_IN, ["pred"], DEC_AXES, dec_fixed)
    stored = save_with_data(dec, out / "decoder.onnx")
    datt_axes = {k: v for k, v in DEC_AXES.items() if k != "pred"} | {"attention": {0: "B", 3: "L1", 4: "L1"}}
    dec_att = _torch_export(Decoder(model, attention=True), dec_args, DEC_IN, ["attention"], datt_axes, dec_fixed)
    dec_share = save_sharing(dec_att, out / "decoder-attention.onnx", "decoder.onnx.data", stored)
    return {"encoder-attention.onnx": enc_share, "decoder-attention.onnx": dec_share}


def positions(model: MaskedAutoencoderViT, tol: float = SINCOS_TOL) -> tuple[str, float]:
    """'sincos-2d' when both stored tables equal the 2-D sin-cos ones of the training grid (within `tol`),
    else 'table'; and the largest difference found."""
    from .models_mae import get_2d_sincos_pos_embed

    g = model.config["img_size"] // model.config["patch_size"]
    diff = 0.0
    for table in (model.pos_embed, model.decoder_pos_embed):
        ref = get_2d_sincos_pos_embed(table.shape[-1], g, cls_token=True)
        diff = max(diff, float(np.abs(table.detach().numpy()[0].astype(np.float64) - ref).max()))
    return ("sincos-2d" if diff <= tol else "table"), diff


def interpolate_table(table: torch.Tensor, grid_hw: tuple[int, int]) -> torch.Tensor:
    """A learned / non-sin-cos table [1, 1+L0, D] for another grid: the patch rows resized bicubically
    (align_corners=False, as Hugging Face's interpolate_pos_encoding), the cls row kept."""
    g0 = int(round((table.shape[1] - 1) ** 0.5))
    d = table.shape[-1]
    if tuple(grid_hw) == (g0, g0):
        return table.clone()  # the training grid: the stored table as it is
    rows = table[:, 1:, :].reshape(1, g0, g0, d).permute(0, 3, 1, 2)
    rows = torch.nn.functional.interpolate(rows, size=grid_hw, mode="bicubic", align_corners=False)
    rows = rows.permute(0, 2, 3, 1).reshape(1, grid_hw[0] * grid_hw[1], d)
    return torch.cat([table[:, :1, :], rows], dim=1)


def grid_tables(model: MaskedAutoencoderViT, kind: str, grid_hw: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
    """The (pos_embed, decoder_pos_embed) a page feeds for `grid_hw` under the manifest's positions."""
    if kind == "sincos-2d":
        return model.grid_pos_embed(grid_hw)
    return interpolate_table(model.pos_embed.detach(), grid_hw), interpolate_table(model.decoder_pos_embed.detach(), grid_hw)


class _EncoderV1(torch.nn.Module):
    def __init__(self, mae: MaskedAutoencoderViT):
        super().__init__()
        self.mae = mae

    def forward(self, image, ids_keep):
        return self.mae.encode_visible(image, ids_keep)


class _DecoderV1(torch.nn.Module):
    def __init__(self, mae: MaskedAutoencoderViT):
        super().__init__()
        self.mae = mae

    def forward(self, latent, ids_restore):
        return self.mae.forward_decoder(latent, ids_restore)


@torch.no_grad()
def export_v1_graphs(model: MaskedAutoencoderViT, out: Path) -> list[str]:
    """The v1 layout, kept for callers not yet moved to v2 (the theory models): encoder.onnx / decoder.onnx
    with the stored tables inside, a fixed imgSize x imgSize image, weights inline (small models only)."""
    model.eval()
    size, L = model.config["img_size"], model.patch_embed.num_patches
    image, ids_keep = torch.randn(1, 3, size, size), torch.arange(max(1, L // 4)).unsqueeze(0)
    for old in out.glob("*.onnx*"):
        old.unlink()
    torch.onnx.export(_EncoderV1(model), (image, ids_keep), str(out / "encoder.onnx"), input_names=["image", "ids_keep"],
                      output_names=["latent"], dynamic_axes={"image": {0: "B"}, "ids_keep": {0: "B", 1: "K"},
                                                             "latent": {0: "B", 1: "K1"}},
                      opset_version=OPSET, do_constant_folding=True)
    latent = model.encode_visible(image, ids_keep)
    torch.onnx.export(_DecoderV1(model), (latent, torch.arange(L).unsqueeze(0)), str(out / "decoder.onnx"),
                      input_names=["latent", "ids_restore"], output_names=["pred"],
                      dynamic_axes={"latent": {0: "B", 1: "K1"}, "ids_restore": {0: "B"}, "pred": {0: "B"}},
                      opset_version=OPSET, do_constant_folding=True)
    return ["encoder.onnx", "decoder.onnx"]

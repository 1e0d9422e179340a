"""The one place that reads MAE checkpoints (train, evaluate, export_onnx, convert_official, probe, zoo, bench).

Layouts it accepts:
- ours (train.py): {"config", "model", ...}: checkpoint.pth (fp32 weights, optimizer, schedule, maybe "ema")
  and best.pth (fp16 weights, no optimizer); "config" holds the model's arguments by name.
- official (facebookresearch/mae): {"model": state_dict} or a bare state dict, official parameter names; the
  architecture is read from the tensor shapes (head counts from the known widths, or given).
Encoder-only files (mae_pretrain_vit_*.pth) are refused with a message naming the files that hold a decoder.

A checkpoint is a pickle, and a pickle can name any Python callable: files are unpickled with an allowlist of
the few globals a state dict needs (an OrderedDict, tensor rebuilders, storage types), so a file from the
internet can fail to load but never run code.
"""

from __future__ import annotations

import collections
import pickle
import re
import types
from dataclasses import dataclass
from pathlib import Path

import torch

from .models_mae import MaskedAutoencoderViT, model_from_config

# Head counts are not visible in tensor shapes; these are the official (and our) widths.
ENCODER_HEADS = {192: 3, 384: 6, 768: 12, 1024: 16, 1280: 16}
DECODER_HEADS = {128: 4, 256: 8, 512: 16}

class TrainingArgs:
    """What an official training checkpoint's "args" (an argparse.Namespace) becomes: a plain object whose
    attributes pickle's BUILD fills in from a dict. Nothing is called; argparse itself is never imported."""

    def __repr__(self) -> str:
        return f"TrainingArgs({vars(self)})"


# What torch.save writes for dicts of tensors and numbers (optimizer states included), nothing else; and the
# training arguments that facebookresearch/mae's main_pretrain.py saves beside them (checkpoint-<epoch>.pth).
_ALLOWED_GLOBALS = {
    ("argparse", "Namespace"): TrainingArgs,
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): torch._utils._rebuild_tensor_v2,
    ("torch._utils", "_rebuild_parameter"): torch._utils._rebuild_parameter,
    ("torch", "Size"): torch.Size,
}


class CheckpointError(ValueError):
    """A checkpoint that cannot become a playground model; the message says why and what to use instead."""


class _StateDictUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        # torch.load resolves storage types (torch.FloatStorage, ...) itself before asking us.
        if (module, name) in _ALLOWED_GLOBALS:
            return _ALLOWED_GLOBALS[(module, name)]
        raise pickle.UnpicklingError(f"refused to load the global {module}.{name}: a checkpoint holds tensors and "
                                     "numbers only")


# torch's file readers take a pickle module: this one is pickle with the allowlisting Unpickler.
_restricted_pickle = types.SimpleNamespace(Unpickler=_StateDictUnpickler, load=lambda f, **kw: _StateDictUnpickler(
    f, **kw).load(), __name__="mae_playground.restricted_pickle")


def _restricted_torch_load(path: Path):
    """torch.load's own readers with our pickle module. Called directly because torch 1.13's torch.load
    replaces any pickle_module it is given by pickle (and its weights_only unpickler cannot read floats)."""
    serialization = torch.serialization
    with open(path, "rb") as f:
        if serialization._is_zipfile(f):  # torch >= 1.6 files (all official MAE checkpoints)
            with serialization._open_zipfile_reader(f) as archive:
                return serialization._load(archive, "cpu", _restricted_pickle, encoding="utf-8")
        return serialization._legacy_load(f, "cpu", _restricted_pickle, encoding="utf-8")


def read_checkpoint(path: str | Path) -> dict:
    """torch.load on the CPU, tensors and plain containers only; every failure is a CheckpointError."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such file")
    try:
        ck = _restricted_torch_load(path)
    except pickle.UnpicklingError as e:
        raise CheckpointError(f"{path.name}: not a checkpoint this project can read safely ({e})") from None
    except (RuntimeError, EOFError, ValueError, KeyError, OSError) as e:
        raise CheckpointError(f"{path.name}: not a readable PyTorch file ({type(e).__name__}: {e})") from None
    if not isinstance(ck, dict):
        raise CheckpointError(f"{path.name}: holds a {type(ck).__name__}, not a dict of weights")
    return ck


# The model arguments a "config" must name: the architecture cannot be read back from a config without them.
_CONFIG_KEYS = ("img_size", "patch_size", "embed_dim", "depth", "num_heads", "decoder_embed_dim", "decoder_depth",
                "decoder_num_heads")


def extract_state_dict(ckpt) -> dict:
    if isinstance(ckpt, dict) and isinstance(ckpt.get("model"), dict):
        return ckpt["model"]
    if isinstance(ckpt, dict) and all(isinstance(v, torch.Tensor) for v in ckpt.values()) and ckpt:
        return ckpt
    keys = list(ckpt.keys())[:10] if isinstance(ckpt, dict) else type(ckpt).__name__
    raise CheckpointError(f"no MAE state dict found: expected a dict with a 'model' entry (got keys {keys})")


def check_decoder(sd: dict) -> None:
    if "patch_embed.proj.weight" not in sd or "pos_embed" not in sd:
        raise CheckpointError("not an MAE/ViT checkpoint: 'patch_embed.proj.weight' or 'pos_embed' is missing")
    if "decoder_embed.weight" not in sd or "decoder_pred.weight" not in sd:
        raise CheckpointError(
            "this checkpoint has no decoder weights (decoder_embed / decoder_pred are missing): it is an "
            "encoder-only file such as mae_pretrain_vit_base.pth, made for fine-tuning. Reconstruction needs "
            "the decoder: use mae_visualize_vit_{base,large,huge}.pth (pixel targets) or "
            "mae_pretrain_vit_{base,large,huge}_full.pth (norm-pix targets, pass --norm-pix-loss).")


def infer_config(sd: dict, num_heads: int | None = None, decoder_num_heads: int | None = None,
                 norm_pix_loss: bool = False) -> dict:
    """The architecture of an official-layout state dict, read from its tensor shapes."""
    check_decoder(sd)
    embed_dim, in_chans, patch, patch2 = sd["patch_embed.proj.weight"].shape
    num_tokens = sd["pos_embed"].shape[1]
    grid = int(round((num_tokens - 1) ** 0.5))
    if patch != patch2 or grid * grid != num_tokens - 1:
        raise CheckpointError(f"unsupported shapes: patch {patch}x{patch2}, pos_embed {tuple(sd['pos_embed'].shape)} "
                              "(expected square patches and a square grid plus one cls token)")
    depth = 1 + max((int(m.group(1)) for k in sd if (m := re.match(r"blocks\.(\d+)\.", k))), default=-1)
    dec_depth = 1 + max((int(m.group(1)) for k in sd if (m := re.match(r"decoder_blocks\.(\d+)\.", k))), default=-1)
    if depth < 1 or "blocks.0.mlp.fc1.weight" not in sd:
        raise CheckpointError("not an MAE checkpoint: no encoder blocks (blocks.0.*)")
    dec_dim = sd["decoder_embed.weight"].shape[0]
    mlp_hidden = sd["blocks.0.mlp.fc1.weight"].shape[0]
    heads = num_heads or ENCODER_HEADS.get(embed_dim)
    dec_heads = decoder_num_heads or DECODER_HEADS.get(dec_dim)
    if heads is None or dec_heads is None:
        raise CheckpointError(f"unknown width (encoder {embed_dim}, decoder {dec_dim}): head counts can't be read "
                              "from the weights; pass --num-heads and --decoder-num-heads")
    if sd["decoder_pred.weight"].shape[0] != patch * patch * in_chans:
        raise CheckpointError(f"decoder_pred predicts {sd['decoder_pred.weight'].shape[0]} values per patch; "
                              f"expected {patch}*{patch}*{in_chans}")
    return dict(img_size=grid * patch, patch_size=patch, in_chans=in_chans, embed_dim=embed_dim, depth=depth,
                num_heads=heads, decoder_embed_dim=dec_dim, decoder_depth=dec_depth, decoder_num_heads=dec_heads,
                mlp_ratio=mlp_hidden / embed_dim, norm_pix_loss=norm_pix_loss)


def load_weights(model: MaskedAutoencoderViT, sd: dict) -> MaskedAutoencoderViT:
    """Strict load (fp16 or fp32 stored), with a message listing what does not fit."""
    expected = model.state_dict()
    missing = sorted(set(expected) - set(sd))
    unexpected = sorted(set(sd) - set(expected))
    wrong = [f"{k}: {tuple(sd[k].shape)} vs {tuple(v.shape)}" for k, v in expected.items()
             if k in sd and tuple(sd[k].shape) != tuple(v.shape)]
    if missing or unexpected or wrong:
        raise CheckpointError("checkpoint does not match the MAE architecture:"
                              + (f" missing {missing[:8]}" if missing else "")
                              + (f" unexpected {unexpected[:8]}" if unexpected else "")
                              + (f" wrong shapes {wrong[:8]}" if wrong else ""))
    # Stored sin-cos position embeddings are taken as they are (official ones encode the column first).
    model.load_state_dict({k: v.float() for k, v in sd.items()}, strict=True)
    return model


@dataclass
class Loaded:
    model: MaskedAutoencoderViT  # fp32, in eval mode
    config: dict  # the model's arguments, plus "mask_ratio" when the checkpoint records it
    checkpoint: dict  # everything the file held (step, seconds, log, optimizer, schedule, ema, ...)
    layout: str  # "trained-here" (config + model) or "official" (state dict only)


def load_checkpoint(source: str | Path | dict, *, use_ema: bool = False, num_heads: int | None = None,
                    decoder_num_heads: int | None = None, norm_pix_loss: bool = False) -> Loaded:
    """A model from any checkpoint layout above (`source`: a path, or a dict read_checkpoint returned).

    use_ema: take the "ema" weights of a training checkpoint when it has them (best.pth already holds them as
    "model"). num_heads / decoder_num_heads / norm_pix_loss only matter for official files (no config)."""
    ck = source if isinstance(source, dict) else read_checkpoint(source)
    name = "checkpoint" if isinstance(source, dict) else Path(source).name
    try:
        sd = extract_state_dict(ck)
        if use_ema and isinstance(ck.get("ema"), dict):
            sd = ck["ema"]
        if isinstance(ck.get("config"), dict):
            check_decoder(sd)
            missing = [k for k in _CONFIG_KEYS if k not in ck["config"]]
            if missing:
                raise CheckpointError(f"its config lacks {', '.join(missing)} (it names {sorted(ck['config'])}): "
                                      "not a checkpoint train.py wrote")
            cfg, layout = dict(ck["config"]), "trained-here"
            if "mask_ratio" in ck["config"]:
                cfg["mask_ratio"] = ck["config"]["mask_ratio"]
        else:
            # An official training checkpoint names its target and ratio in its saved arguments.
            args = vars(ck["args"]) if isinstance(ck.get("args"), TrainingArgs) else {}
            norm_pix_loss = norm_pix_loss or args.get("norm_pix_loss") is True
            cfg, layout = infer_config(sd, num_heads, decoder_num_heads, norm_pix_loss), "official"
            if isinstance(args.get("mask_ratio"), float):
                cfg["mask_ratio"] = args["mask_ratio"]
        model = load_weights(model_from_config(cfg), sd)
    except CheckpointError as e:
        raise CheckpointError(f"{name}: {e}") from None
    except KeyError as e:  # a config without one of the model's arguments
        raise CheckpointError(f"{name}: its config lacks {e}") from None
    return Loaded(model.eval(), cfg, ck, layout)

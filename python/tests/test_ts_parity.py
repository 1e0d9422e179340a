"""Tables that exist on both sides: the TypeScript importer (src/features/models/weights/) and the Python
loader (mae_playground/checkpoints.py) must read the same files the same way. The TypeScript tables are
read from their source text, so a change on one side without the other fails here."""

import re
from pathlib import Path

import torch

from mae_fixtures.weight_fixtures import SMALL, hf_state_dict
from mae_playground import checkpoints
from mae_playground.models_mae import MaskedAutoencoderViT

WEIGHTS_TS = Path(__file__).resolve().parents[2] / "src" / "features" / "models" / "weights"


def ts_map(file: str, name: str) -> dict:
    """The entries of `export const NAME ... = new Map([[k, v], ...]);` in a TypeScript file."""
    text = (WEIGHTS_TS / file).read_text()
    m = re.search(rf"export const {name}\b[^=]*= new Map\(\[(.*?)\]\);", text, re.S)
    assert m, f"{name} not found in {file} as a Map literal"
    pairs = re.findall(r"\[\s*('[^']*'|\d+)\s*,\s*('[^']*'|\d+)\s*\]", m.group(1))
    assert pairs, f"{name} in {file} has no entries"
    value = lambda s: s[1:-1] if s.startswith("'") else int(s)  # noqa: E731
    return {value(k): value(v) for k, v in pairs}


def test_head_count_tables_agree():
    assert ts_map("architecture.ts", "ENCODER_HEADS") == checkpoints.ENCODER_HEADS
    assert ts_map("architecture.ts", "DECODER_HEADS") == checkpoints.DECODER_HEADS


def test_unpickler_allow_lists_agree():
    text = (WEIGHTS_TS / "pickle.ts").read_text()
    body = re.search(r"function allowedGlobal\(module: string, name: string\): boolean \{(.*?)\n\}", text, re.S).group(1)
    ts = set()
    for line in re.findall(r"if \((module === .*)\) return true;", body):
        module = re.search(r"module === '([^']+)'", line).group(1)
        ts |= {(module, name) for name in re.findall(r"name === '([^']+)'", line)}
    # the storage classes, which the TypeScript reader checks by table (torch resolves them before our unpickler)
    storages = ts_map("pickle.ts", "STORAGE_DTYPES")
    assert "STORAGE_DTYPES.has(name)" in body
    assert ts == set(checkpoints._ALLOWED_GLOBALS), "pickle.ts allowedGlobal vs checkpoints._ALLOWED_GLOBALS"
    # each storage class is torch's, with the element type torch gives it
    for name, dtype in storages.items():
        assert str(getattr(torch, name).dtype) == f"torch.{dtype}", name


def test_hugging_face_names_map_back_to_the_official_names():
    """Every name Hugging Face's conversion writes (as weight_fixtures.hf_state_dict writes them) becomes, through
    architecture.ts's HF_NAMES and HF_BLOCK_NAMES, the official name (attn.qkv split into attn.q, attn.k, attn.v)."""
    top, block = ts_map("architecture.ts", "HF_NAMES"), ts_map("architecture.ts", "HF_BLOCK_NAMES")
    official = MaskedAutoencoderViT(**SMALL).state_dict()
    expected = set()
    for name in official:
        m = re.match(r"((?:decoder_)?blocks\.\d+)\.attn\.qkv\.(weight|bias)$", name)
        expected |= {f"{m.group(1)}.attn.{p}.{m.group(2)}" for p in "qkv"} if m else {name}
    got = set()
    for name in hf_state_dict(official):
        m = re.match(r"(vit\.encoder\.layer|decoder\.decoder_layers)\.(\d+)\.(.+)\.(weight|bias)$", name)
        if m and m.group(3) in block:
            stem = "blocks" if m.group(1) == "vit.encoder.layer" else "decoder_blocks"
            got.add(f"{stem}.{m.group(2)}.{block[m.group(3)]}.{m.group(4)}")
        else:
            assert name in top, f"{name} has no entry in HF_NAMES"
            got.add(top[name])
    assert got == expected

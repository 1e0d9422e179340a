"""The weight fixtures (mae_fixtures.weight_fixtures) that the TypeScript importer is tested on: the
official-layout files load through the project's own checkpoint reader into the same model, the
Hugging Face names are those transformers' conversion script gives, and the bad files are bad."""

import json
import zipfile

import pytest
import torch

from mae_playground.checkpoints import CheckpointError, load_checkpoint
from mae_fixtures.weight_fixtures import SMALL, hf_state_dict, small_model, write_small


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory):
    out = tmp_path_factory.mktemp("weights")
    write_small(out)
    return out


def test_official_files_load_into_the_reference_model(fixtures):
    for name, tol in [("mae_visualize_vit_tiny.pth", 0.0), ("mae_pretrain_vit_tiny_full.pth", 1e-3)]:
        loaded = load_checkpoint(fixtures / name, num_heads=SMALL["num_heads"],
                                 decoder_num_heads=SMALL["decoder_num_heads"])
        assert loaded.layout == "official"
        assert {k: loaded.config[k] for k in SMALL} == SMALL
        reference = small_model(0).state_dict()
        for k, v in loaded.model.state_dict().items():
            assert torch.allclose(v, reference[k], atol=tol * max(1.0, reference[k].abs().max().item())), k


def test_hugging_face_names_follow_transformers_conversion():
    # transformers/models/vit_mae/convert_vit_mae_to_pytorch.py (rename_key + convert_state_dict), block 0
    # of encoder and decoder and the top-level tensors, written out here by hand from that script
    expected = {
        "vit.embeddings.cls_token", "vit.embeddings.position_embeddings",
        "vit.embeddings.patch_embeddings.projection.weight", "vit.embeddings.patch_embeddings.projection.bias",
        "vit.layernorm.weight", "vit.layernorm.bias", "decoder.mask_token", "decoder.decoder_pos_embed",
        "decoder.decoder_embed.weight", "decoder.decoder_embed.bias", "decoder.decoder_norm.weight",
        "decoder.decoder_norm.bias", "decoder.decoder_pred.weight", "decoder.decoder_pred.bias",
    }
    for stem in ["vit.encoder.layer.0", "decoder.decoder_layers.0"]:
        for inner in ["layernorm_before", "layernorm_after", "attention.attention.query", "attention.attention.key",
                      "attention.attention.value", "attention.output.dense", "intermediate.dense", "output.dense"]:
            expected |= {f"{stem}.{inner}.weight", f"{stem}.{inner}.bias"}
    cfg = dict(SMALL, depth=1)
    from mae_playground.models_mae import MaskedAutoencoderViT

    sd = MaskedAutoencoderViT(**cfg).state_dict()
    hf = hf_state_dict(sd)
    assert set(hf) == expected
    d = cfg["embed_dim"]
    qkv = sd["blocks.0.attn.qkv.weight"]
    assert torch.equal(hf["vit.encoder.layer.0.attention.attention.key.weight"], qkv[d:2 * d])


def test_bad_files_are_bad(fixtures):
    # the project's restricted unpickler refuses the crafted pickles too (without running them)
    for name in ["malicious.pth", "eval.pth"]:
        with pytest.raises(CheckpointError, match="refused|not a checkpoint"):
            load_checkpoint(fixtures / name)
    with pytest.raises(CheckpointError, match="no decoder"):
        load_checkpoint(fixtures / "mae_pretrain_vit_tiny.pth", num_heads=3, decoder_num_heads=2)
    with zipfile.ZipFile(fixtures / "damaged.pth") as z:
        name = next(n for n in z.namelist() if n.endswith("data.pkl"))
        assert z.testzip() == name  # its CRC-32 no longer matches
    refs = json.loads((fixtures / "references.json").read_text())
    assert set(refs["models"]) == {"mae_visualize_vit_tiny.pth", "mae_pretrain_vit_tiny_full.pth",
                                   "hf/model.safetensors", "hf/pytorch_model.bin"}

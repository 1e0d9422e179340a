import numpy as np
import torch

from mae_playground import models_mae
from mae_playground.models_mae import (MaskedAutoencoderViT, get_2d_sincos_pos_embed, mae_vit_base_patch16,
                                       mae_vit_huge_patch14, mae_vit_large_patch16)


def tiny(**kw):
    cfg = dict(img_size=32, patch_size=8, embed_dim=32, depth=2, num_heads=2, decoder_embed_dim=16,
               decoder_depth=1, decoder_num_heads=2, mlp_ratio=2.0)
    cfg.update(kw)
    return MaskedAutoencoderViT(**cfg)


def test_patchify_layout_and_round_trip():
    m = tiny()
    imgs = torch.randn(2, 3, 32, 32)
    x = m.patchify(imgs)
    assert x.shape == (2, 16, 8 * 8 * 3)
    # official layout: patch (row, col) row-major; inside, pixel (py, px) row-major, channels last
    n, c, y, xx = 1, 2, 13, 27
    patch = (y // 8) * 4 + xx // 8
    idx = ((y % 8) * 8 + xx % 8) * 3 + c
    assert x[n, patch, idx] == imgs[n, c, y, xx]
    assert torch.equal(m.unpatchify(x), imgs)


def test_random_masking_semantics():
    m = tiny()
    x = torch.randn(3, 16, 5)
    for ratio, keep in [(0.75, 4), (0.0, 16), (0.999, 1), (0.5, 8)]:
        x_masked, mask, ids_restore, ids_keep = m.random_masking(x, ratio)
        assert x_masked.shape == (3, keep, 5)
        assert mask.sum(dim=1).tolist() == [16 - keep] * 3
        ids_shuffle = torch.argsort(ids_restore, dim=1)
        assert torch.equal(ids_shuffle[:, :keep], ids_keep)
        # kept patches are exactly those with mask 0, and the gathered rows are theirs
        for b in range(3):
            assert set(ids_keep[b].tolist()) == set(torch.nonzero(mask[b] == 0).flatten().tolist())
            assert torch.equal(x_masked[b], x[b, ids_keep[b]])


def test_encoder_sees_only_visible_tokens():
    m = tiny().eval()
    imgs = torch.randn(1, 3, 32, 32)
    latent, mask, ids_restore = m.forward_encoder(imgs, 0.75)
    assert latent.shape == (1, 1 + 4, 32)
    pred = m.forward_decoder(latent, ids_restore)
    assert pred.shape == (1, 16, 192)


def test_loss_only_on_removed_patches():
    m = tiny()
    imgs = torch.randn(1, 3, 32, 32)
    target = m.patchify(imgs)
    mask = torch.zeros(1, 16)
    mask[0, :4] = 1
    pred = target.clone()
    pred[0, 4:] += 5.0  # wrong only on visible patches: no loss
    assert m.forward_loss(imgs, pred, mask).item() == 0.0
    pred[0, 0] += 1.0
    assert abs(m.forward_loss(imgs, pred, mask).item() - 0.25) < 1e-6


def test_norm_pix_target():
    m = tiny(norm_pix_loss=True)
    imgs = torch.randn(1, 3, 32, 32)
    t = m.patchify(imgs)
    norm = (t - t.mean(-1, keepdim=True)) / (t.var(-1, keepdim=True) + 1e-6) ** 0.5
    assert m.forward_loss(imgs, norm, torch.ones(1, 16)).item() < 1e-10


def test_sincos_first_half_encodes_column():
    g, d = 4, 16
    emb = get_2d_sincos_pos_embed(d, g, cls_token=True)
    assert emb.shape == (1 + g * g, d)
    assert np.all(emb[0] == 0)
    grid = emb[1:].reshape(g, g, d)  # [row, col, d]
    assert np.allclose(grid[0, :, : d // 2], grid[3, :, : d // 2])  # first half: same for every row
    assert not np.allclose(grid[:, 0, : d // 2], grid[:, 3, : d // 2])
    assert np.allclose(grid[:, 1, d // 2:], grid[:, 2, d // 2:])  # second half: same along a row


def test_official_factory_names_and_shapes():
    m = mae_vit_base_patch16()
    sd = m.state_dict()
    expect = {
        "patch_embed.proj.weight": (768, 3, 16, 16), "cls_token": (1, 1, 768), "pos_embed": (1, 197, 768),
        "blocks.11.attn.qkv.weight": (2304, 768), "blocks.0.mlp.fc1.weight": (3072, 768), "norm.weight": (768,),
        "decoder_embed.weight": (512, 768), "mask_token": (1, 1, 512), "decoder_pos_embed": (1, 197, 512),
        "decoder_blocks.7.attn.proj.weight": (512, 512), "decoder_norm.bias": (512,),
        "decoder_pred.weight": (768, 512),
    }
    for k, shape in expect.items():
        assert tuple(sd[k].shape) == shape, k
    assert not m.pos_embed.requires_grad and not m.decoder_pos_embed.requires_grad
    assert sum(p.numel() for p in m.parameters()) == mae_parameter_count(768, 12, 512, 8, patch=16, img=224)
    # the encoder alone: the ViT-B/16 everyone quotes as 86 M (85.8 M with its patch embedding and tables)
    encoder = sum(p.numel() for name, p in m.named_parameters() if not name.startswith(("decoder", "mask_token")))
    assert encoder == 85_798_656
    assert m.config["num_heads"] == 12 and m.config["decoder_num_heads"] == 16


def mae_parameter_count(d: int, depth: int, dd: int, ddepth: int, patch: int, img: int) -> int:
    """By hand: a ViT block of width w with MLP ratio 4 has 12 w^2 + 13 w parameters (qkv 3w^2 + 3w, proj w^2 + w,
    fc1 4w^2 + 4w, fc2 4w^2 + w, two LayerNorms 4w); the fixed sin-cos tables are parameters too."""
    tokens = (img // patch) ** 2 + 1
    encoder = (3 * patch * patch * d + d) + d + tokens * d + depth * (12 * d * d + 13 * d) + 2 * d
    decoder = (d * dd + dd) + dd + tokens * dd + ddepth * (12 * dd * dd + 13 * dd) + 2 * dd + (dd + 1) * patch * patch * 3
    return encoder + decoder


def test_large_and_huge_factories_pass_the_official_sizes(monkeypatch):
    """ViT-L and ViT-H take 7-14 s and 1.3-2.6 GB to build here: what a factory adds is its arguments, so record
    them instead (the class itself is exercised at ViT-B size above)."""
    monkeypatch.setattr(models_mae, "MaskedAutoencoderViT", lambda **kw: kw)
    official_decoder = dict(decoder_embed_dim=512, decoder_depth=8, decoder_num_heads=16, mlp_ratio=4)
    assert mae_vit_large_patch16() == dict(patch_size=16, embed_dim=1024, depth=24, num_heads=16, **official_decoder)
    assert mae_vit_huge_patch14() == dict(patch_size=14, embed_dim=1280, depth=32, num_heads=16, **official_decoder)



"""pack_run keeps what a later session needs to continue a run, in fp16, from the EMA weights when there are some."""

import torch

from mae_playground.pack_run import pack


def test_pack_keeps_ema_weights_in_fp16_and_the_run_facts():
    model = {"w": torch.tensor([1.0, 2.0])}
    ema = {"w": torch.tensor([1.5, 2.5])}
    ckpt = {"config": {"embed_dim": 2}, "step": 7, "seconds": 60.0, "log": [{"step": 7}], "images_seen": 448,
            "model": model, "ema": ema, "optimizer": {"state": {}}, "schedule": {"start": 3, "total": 9}}
    packed = pack(ckpt)
    assert packed["model"]["w"].dtype == torch.float16
    assert packed["model"]["w"].tolist() == [1.5, 2.5]  # the EMA copy, not the raw weights
    assert "optimizer" not in packed and packed["step"] == 7 and packed["images_seen"] == 448
    assert packed["packed_from"] == {"ema": True, "schedule": {"start": 3, "total": 9}}


def test_pack_without_ema_keeps_the_raw_weights():
    packed = pack({"config": {}, "step": 1, "model": {"w": torch.tensor([3.0])}})
    assert packed["model"]["w"].tolist() == [3.0] and packed["packed_from"]["ema"] is False

import torch

from mae_playground.evaluate import gaussian_interpolation, masked_mse


def test_gaussian_interpolation_keeps_constants_and_fills_holes():
    img = torch.full((1, 3, 32, 32), 0.7)
    visible = torch.zeros(1, 1, 32, 32)
    visible[..., :8, :8] = 1
    out = gaussian_interpolation(img, visible, sigma=4.0)
    assert torch.allclose(out, img, atol=1e-5)
    ramp = torch.linspace(0, 1, 32).view(1, 1, 1, 32).expand(1, 3, 32, 32).contiguous()
    vis = torch.ones(1, 1, 32, 32)
    vis[..., :, 12:20] = 0
    filled = gaussian_interpolation(ramp, vis, sigma=4.0)
    hole = filled[..., 16]
    assert (hole > 0.3).all() and (hole < 0.7).all()


def test_masked_mse_counts_hidden_patches_only():
    pred = torch.zeros(1, 4, 3)
    target = torch.zeros(1, 4, 3)
    target[0, 0] = 2.0  # hidden, error 4
    target[0, 3] = 9.0  # visible: ignored
    mask = torch.tensor([[1.0, 1.0, 0.0, 0.0]])
    assert masked_mse(pred, target, mask).item() == 2.0

"""Linear probe: how well a frozen encoder's features separate cats from dogs.

The MAE theory the zoo illustrates (Kong et al., CVPR 2023) is about the *level* of what an encoder learns,
which reconstruction error does not measure. A linear probe does: features are the mean of the encoder's
patch tokens (all patches visible, after the final norm), standardised; a logistic regression with an L2
penalty chosen by 5-fold cross-validation on the probe's training photos is scored on its test photos
(data.probe_split: Kaggle Dogs-vs-Cats test_set, which the zoo never trained on).

    PYTHONPATH=python /usr/bin/python3 -m mae_playground.probe runs/zoo-p16-r75/checkpoint.pth [--random-init]
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import torch

from .data import eval_tensor, probe_split

PENALTIES = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)


@torch.no_grad()
def encoder_features(model, files, batch: int = 32) -> torch.Tensor:
    """[N, D]: mean over patch tokens (cls left out) of the encoder run on every patch."""
    model.eval()
    size, L = model.patch_embed.img_size, model.patch_embed.num_patches
    out = []
    for start in range(0, len(files), batch):
        imgs = torch.from_numpy(np.stack([eval_tensor(f, size) for f in files[start:start + batch]]))
        ids_keep = torch.arange(L).unsqueeze(0).expand(imgs.shape[0], -1)
        out.append(model.encode_visible(imgs, ids_keep)[:, 1:].mean(dim=1))
    return torch.cat(out)


def fit_logistic(x: torch.Tensor, y: torch.Tensor, penalty: float, iters: int = 200) -> tuple[torch.Tensor, torch.Tensor]:
    w = torch.zeros(x.shape[1], requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], lr=1, max_iter=iters, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(x @ w + b, y) + penalty * (w * w).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return w.detach(), b.detach()


def accuracy(x, y, w, b) -> float:
    return ((x @ w + b > 0).float() == y).float().mean().item()


def linear_probe(train_x, train_y, test_x, test_y, folds: int = 5) -> dict:
    mean, std = train_x.mean(0), train_x.std(0) + 1e-6
    train_x, test_x = (train_x - mean) / std, (test_x - mean) / std
    order = torch.randperm(len(train_y), generator=torch.Generator().manual_seed(0))
    fold_of = torch.empty_like(order)
    fold_of[order] = torch.arange(len(order)) % folds
    cv = {}
    for penalty in PENALTIES:
        accs = []
        for k in range(folds):
            tr, va = fold_of != k, fold_of == k
            w, b = fit_logistic(train_x[tr], train_y[tr], penalty)
            accs.append(accuracy(train_x[va], train_y[va], w, b))
        cv[penalty] = float(np.mean(accs))
    best = max(PENALTIES, key=lambda p: (cv[p], p))  # ties: the stronger penalty
    w, b = fit_logistic(train_x, train_y, best)
    acc = accuracy(test_x, test_y, w, b)
    # Binomial standard error: with ~270 test photos, differences under ~2 of these are noise.
    stderr = float(np.sqrt(acc * (1 - acc) / len(test_y)))
    return {"task": "cat vs dog", "train": len(train_y), "test": len(test_y), "penalty": best,
            "cv_accuracy": cv[best], "accuracy": acc, "stderr": stderr}


def probe(model) -> dict:
    split = probe_split()
    (tr_files, tr_labels), (te_files, te_labels) = split["train"], split["test"]
    tr_x, te_x = encoder_features(model, tr_files), encoder_features(model, te_files)
    return linear_probe(tr_x, torch.tensor(tr_labels, dtype=torch.float32), te_x,
                        torch.tensor(te_labels, dtype=torch.float32))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("weights")
    ap.add_argument("--random-init", action="store_true", help="same architecture, untrained (the control)")
    args = ap.parse_args()
    from .checkpoints import load_checkpoint
    from .models_mae import model_from_config

    model = load_checkpoint(args.weights).model
    if args.random_init:
        torch.manual_seed(0)
        model = model_from_config(model.config)
    print(json.dumps(probe(model), indent=1))


if __name__ == "__main__":
    main()

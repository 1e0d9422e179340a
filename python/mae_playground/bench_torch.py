"""PyTorch eager CPU timings for the same model, ratios and thread count as `npm run bench`.

Prints one JSON object: {torch, threads, model, results: [{ratio, encoderMs, decoderMs, totalMs}], matmulGflops}.
Also writes a MatMul ONNX graph (--matmul-onnx) so the Node side can measure onnxruntime's own peak.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch

from .checkpoints import load_checkpoint
from .mask_prng import random_masking_ids
from .models_mae import FACTORIES, model_from_config

MATMUL_N = 1024


def timed(fn, warmup: int, iters: int) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(iters):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


@torch.no_grad()
def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--manifest", help="manifest.json of an exported model (weights from --weights or random)")
    ap.add_argument("--weights", help="best.pth / checkpoint with 'model' (default: random init of the manifest's shape)")
    ap.add_argument("--factory", choices=sorted(FACTORIES))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--ratios", type=float, nargs="+", default=[0.0, 0.5, 0.75, 0.9])
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--matmul-onnx", help="write a [N,N]x[N,N] MatMul graph here")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if args.factory:
        model = FACTORIES[args.factory]()
    else:
        m = json.loads(Path(args.manifest).read_text())
        cfg = dict(img_size=m["imgSize"], patch_size=m["patchSize"], in_chans=m["inChans"],
                   embed_dim=m["encoder"]["embedDim"], depth=m["encoder"]["depth"], num_heads=m["encoder"]["numHeads"],
                   decoder_embed_dim=m["decoder"]["embedDim"], decoder_depth=m["decoder"]["depth"],
                   decoder_num_heads=m["decoder"]["numHeads"], mlp_ratio=m.get("mlpRatio", 4.0),
                   norm_pix_loss=m["normPixLoss"])
        # The checkpoint knows its own shape; the manifest's is for random weights of the same size.
        model = load_checkpoint(args.weights).model if args.weights else model_from_config(cfg)
    model.eval()
    size, L = model.patch_embed.img_size, model.patch_embed.num_patches
    img = torch.randn(1, 3, size, size)
    results = []
    for ratio in args.ratios:
        ids_keep, ids_restore, _ = random_masking_ids(0, L, ratio)
        keep, restore = torch.from_numpy(ids_keep)[None], torch.from_numpy(ids_restore)[None]
        latent = model.encode_visible(img, keep)
        enc = timed(lambda: model.encode_visible(img, keep), args.warmup, args.iters)
        dec = timed(lambda: model.forward_decoder(latent, restore), args.warmup, args.iters)
        tot = timed(lambda: model.forward_decoder(model.encode_visible(img, keep), restore), args.warmup, args.iters)
        results.append({"ratio": ratio, "encoderMs": statistics.median(enc), "decoderMs": statistics.median(dec),
                        "totalMs": statistics.median(tot)})
    a, b = torch.randn(MATMUL_N, MATMUL_N), torch.randn(MATMUL_N, MATMUL_N)
    mm = min(timed(lambda: a @ b, 3, 20))  # the peak: fastest run (bench.mjs does the same for onnxruntime)
    if args.matmul_onnx:
        class MatMul(torch.nn.Module):
            def forward(self, x, y):
                return x @ y
        torch.onnx.export(MatMul(), (a, b), args.matmul_onnx, input_names=["a", "b"], output_names=["c"], opset_version=17)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "results": results,
                      "matmulN": MATMUL_N, "matmulGflops": 2 * MATMUL_N**3 / (mm / 1000) / 1e9}))


if __name__ == "__main__":
    main()

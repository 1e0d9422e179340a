"""Reference vectors (export_onnx.write_reference layout) for a random multi-head ViT-B/16 in the official
layout, at the training grid and on a wide and a tall grid (224 x 320, 320 x 224 whole photos).

    PYTHONPATH=python /usr/bin/python3 -m mae_fixtures.vit_b_reference [--out tests/reference/vit-b-random]
        [--export .cache/vit-b-v2]     # also export it as a v2 folder (450 MB, never committed) with the self-check

The model is mae_playground.attention_reference.vit_b_model(): seeded, 12 encoder heads and 16 decoder heads,
each head's query and key scaled by its own factor (0.25 to 4), so a wrong head split or head order fails.
Its weight file (the official {'model': state_dict} layout, 450 MB) is not committed; reference.json names
it with its sha256 and the command that writes the same bytes again. One photo (goldfinch), one mask
(ratio 0.75, seed 0) per grid, attention rows on each: about 7 MB.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

from mae_playground.attention_reference import vit_b_model, write_vit_b
from mae_playground.export_onnx import export, write_reference

REPO = Path(__file__).resolve().parents[2]
WEIGHTS = REPO / ".cache" / "weights" / "attention-vit-b.pth"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=REPO / "tests" / "reference" / "vit-b-random")
    ap.add_argument("--export", type=Path, help="also export the model as a v2 folder here (with its self-check)")
    args = ap.parse_args()
    model = vit_b_model()
    write_reference(model, args.out, images=["goldfinch"], cases=[(0.75, 0)], grid_cases=[(0.75, 0)], mask_cases=False)
    sha = write_vit_b(WEIGHTS) if not WEIGHTS.exists() else hashlib.sha256(WEIGHTS.read_bytes()).hexdigest()
    meta = json.loads((args.out / "reference.json").read_text())
    meta["model"] = {
        "description": "random ViT-B/16 MAE, official layout and names; head h of H has query and key scaled by "
                       "4^(2h/(H-1) - 1); random qkv biases; stored position tables are the exact 2-D sin-cos ones",
        "weights": str(WEIGHTS.relative_to(REPO)), "sha256": sha,
        "make": "PYTHONPATH=python /usr/bin/python3 -m mae_playground.attention_reference --vit-b-weights "
                + str(WEIGHTS.relative_to(REPO)),
    }
    (args.out / "reference.json").write_text(json.dumps(meta) + "\n")
    print(f"{args.out}: {sum(f.stat().st_size for f in args.out.iterdir())} bytes; weights {WEIGHTS} sha256 {sha}")
    if args.export:
        export(model, args.export, "random ViT-B/16 (multi-head test weights)", "test weights", {"kind": "test"}, 0.75)


if __name__ == "__main__":
    main()

"""Writes tests/unit/theory-hworld.fixture.json: samples of hworld.generate that the TypeScript mirror
(src/features/theory/hworld.ts) must reproduce exactly (tests/unit/theory-hworld.test.ts).

    PYTHONPATH=python /usr/bin/python3 -m mae_playground.theory.hfixture
    npx prettier --write tests/unit/theory-hworld.fixture.json
"""

from __future__ import annotations

import json
from pathlib import Path

from . import hexperiment as hx
from . import hworld

ROOT = Path(__file__).resolve().parents[3]
LATENT_SEEDS = [0, 1, 42, 0xFFFFFFFF, hworld.sample_seed(hx.PROBE_TEST_BASE, 5),
                hworld.sample_seed(hx.TRAIN_BASE, 64 * 1000 + 3), 123456789, 2**31]
PIXEL_SEEDS = [42, hworld.sample_seed(hx.PROBE_TEST_BASE, 5)]


def main() -> None:
    images, lat = hworld.generate(LATENT_SEEDS)
    samples = []
    for i, seed in enumerate(LATENT_SEEDS):
        entry = {"seed": seed, "latents": {lv: lat[lv][i].tolist() for lv in hworld.LEVELS}}
        if seed in PIXEL_SEEDS:
            entry["pixels"] = [float(v) for v in images[i].reshape(-1)]  # exact doubles of the float32 values
        samples.append(entry)
    out = ROOT / "tests" / "unit" / "theory-hworld.fixture.json"
    out.write_text(json.dumps({"about": "python/mae_playground/theory/hfixture.py: samples of hworld.generate; "
                                        "pixels are float32 [3, 32, 32] in [0, 1], flattened CHW",
                               "samples": samples}) + "\n")
    print("wrote", out, out.stat().st_size, "bytes")


if __name__ == "__main__":
    main()

"""Writes tests/unit/theory-world.fixture.json: samples of the Python generator that the TypeScript one must
reproduce (tests/unit/theory-world.test.ts compares latents and float32 pixels exactly).

    PYTHONPATH=python /usr/bin/python3 -m mae_playground.theory.fixture
    npx prettier --write tests/unit/theory-world.fixture.json   # the repository's lint formats JSON
"""

from __future__ import annotations

import json
from pathlib import Path

from . import world

ROOT = Path(__file__).resolve().parents[3]
# edge seeds (0, 2**32 - 1) and seeds as the experiment derives them (base + index * golden ratio)
LATENT_SEEDS = [0, 1, 42, 0xFFFFFFFF, world.sample_seed(0x7E570000, 5), world.sample_seed(0x7EA10000, 8191),
                123456789, 2**31]
PIXEL_SEEDS = [42, world.sample_seed(0x7E570000, 5)]


def main() -> None:
    images, lat = world.generate(LATENT_SEEDS)
    samples = []
    for i, seed in enumerate(LATENT_SEEDS):
        entry = {"seed": seed, "latents": {k: (v[i].tolist()) for k, v in lat.items()}}
        if seed in PIXEL_SEEDS:
            # float(np.float32) is the exact double of the float32 value, and JSON keeps it (repr round-trips)
            entry["pixels"] = [float(v) for v in images[i].reshape(-1)]
        samples.append(entry)
    fixture = {"about": "python/mae_playground/theory/fixture.py: samples of world.generate; pixels are float32 "
                        "[3, 32, 32] in [0, 1], flattened CHW",
               "sampleSeeds": [{"base": 0x7E570000, "index": 5, "seed": world.sample_seed(0x7E570000, 5)},
                               {"base": 0xFFFFFFFF, "index": 3, "seed": world.sample_seed(0xFFFFFFFF, 3)}],
               "samples": samples}
    out = ROOT / "tests" / "unit" / "theory-world.fixture.json"
    out.write_text(json.dumps(fixture) + "\n")
    print("wrote", out, out.stat().st_size, "bytes")


if __name__ == "__main__":
    main()

"""Checks of the theory experiment's parts against independent references (run: `cd python && /usr/bin/python3 -m
pytest -q mae_playground/theory`; the TypeScript/Python agreement is tests/unit/theory-world.test.ts)."""

from __future__ import annotations

import numpy as np

from ..mask_prng import mulberry32
from . import experiment as ex
from . import world


def test_batched_prng_equals_the_scalar_mulberry32_the_masks_use():
    seeds = [0, 1, 42, 2**31, 2**32 - 1, world.sample_seed(7, 1000)]
    batch = world.Mulberry32Batch(np.array(seeds))
    draws = np.stack([batch.next() for _ in range(50)], axis=1)
    for i, seed in enumerate(seeds):
        gen = mulberry32(seed)
        assert draws[i].tolist() == [next(gen) for _ in range(50)]


def test_sample_seed_is_base_plus_golden_steps_mod_2_32():
    assert world.sample_seed(0, 1) == 0x9E3779B9
    assert world.sample_seed(2**32 - 1, 1) == (2**32 - 1 + 0x9E3779B9) % 2**32


def test_latents_in_their_documented_ranges_and_pixels_in_0_1():
    images, lat = world.generate([world.sample_seed(3, i) for i in range(400)])
    assert images.shape == (400, 3, 32, 32) and images.dtype == np.float32
    assert images.min() >= 0.0 and images.max() <= 1.0
    assert set(np.unique(lat["shape"])) == {0, 1, 2, 3} and set(np.unique(lat["orient"])) == set(range(8))
    assert 10 <= lat["cx"].min() and lat["cx"].max() < 22 and 3 <= lat["size"].min() and lat["size"].max() < 6
    assert lat["texture"].shape == (400, 16) and set(np.unique(lat["phase"])) == {0, 1, 2, 3}


def test_the_object_centre_has_the_palette_object_colour_and_a_flat_region_the_background():
    images, lat = world.generate([world.sample_seed(11, i) for i in range(600)])
    for i in range(600):
        if lat["shape"][i] == 3:
            continue  # a ring is hollow
        x, y = int(lat["cx"][i]), int(lat["cy"][i])
        fg = np.array(world.PALETTES[lat["palette"][i]][1])
        assert np.abs(images[i, :, y, x] - fg).max() <= world.NOISE_AMP / 2 + 1e-6
    # stripes only on the background: a flat region away from the object is background colour +- noise
    corner = (lat["texture"][:, 0] == 0) & (lat["cx"] - 1.7 * lat["size"] - lat["size"] > 8) & \
             (lat["cy"] - 1.7 * lat["size"] - lat["size"] > 8)
    assert corner.sum() >= 10  # the check below is not vacuous
    for i in np.flatnonzero(corner):
        bg = np.array(world.PALETTES[lat["palette"][i]][0])[:, None, None]
        assert np.abs(images[i, :, :8, :8] - bg).max() <= world.NOISE_AMP / 2 + 1e-6


def test_ridge_probe_reads_a_linear_latent_and_not_noise():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 20))
    w = rng.normal(size=20)
    y = X @ w
    ridge = ex.Ridge(X[:400])
    pred = ridge.predict(X[400:], ridge.weights(y[:400, None], 1e-3))[:, 0]
    r2 = 1 - ((y[400:] - pred) ** 2).sum() / ((y[400:] - y[400:].mean()) ** 2).sum()
    assert r2 > 0.999
    noise = rng.normal(size=500)
    pred = ridge.predict(X[400:], ridge.weights(noise[:400, None], 10.0))[:, 0]
    r2 = 1 - ((noise[400:] - pred) ** 2).sum() / ((noise[400:] - noise[400:].mean()) ** 2).sum()
    assert r2 < 0.1

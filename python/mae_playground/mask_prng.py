"""The playground's seeded masking, shared bit-for-bit with `src/mae/masking.ts`.

PRNG: mulberry32 (32-bit state, one float in [0, 1) per call as uint32 / 2**32). The noise
for an image is L consecutive draws; the official algorithm then applies: ids_shuffle =
stable argsort of the noise (ties by index), ids_restore = argsort(ids_shuffle), keep the
first len_keep = max(1, int(L * (1 - mask_ratio))).
"""

from __future__ import annotations

import numpy as np

M32 = 0xFFFFFFFF
GOLDEN = 0x9E3779B9


def _imul(a: int, b: int) -> int:
    return (a * b) & M32


def mulberry32(seed: int):
    a = seed & M32
    while True:
        a = (a + 0x6D2B79F5) & M32
        t = _imul(a ^ (a >> 15), 1 | a)
        t = ((t + _imul(t ^ (t >> 7), 61 | t)) & M32) ^ t
        yield ((t ^ (t >> 14)) & M32) / 4294967296.0


def image_seed(seed: int, image_index: int, same_mask_for_all: bool) -> int:
    """Seed for one image of a grid: the grid seed itself, or a golden-ratio step per image."""
    return seed & M32 if same_mask_for_all else (seed + image_index * GOLDEN) & M32


def mask_noise(seed: int, num_patches: int) -> np.ndarray:
    gen = mulberry32(seed)
    return np.array([next(gen) for _ in range(num_patches)], dtype=np.float64)


def len_keep(num_patches: int, mask_ratio: float) -> int:
    return max(1, int(num_patches * (1 - mask_ratio)))


def random_masking_ids(seed: int, num_patches: int, mask_ratio: float):
    """Returns (ids_keep, ids_restore, mask) as int64/int64/float32 numpy arrays."""
    noise = mask_noise(seed, num_patches)
    ids_shuffle = np.argsort(noise, kind="stable")
    ids_restore = np.argsort(ids_shuffle, kind="stable")
    keep = len_keep(num_patches, mask_ratio)
    mask = np.ones(num_patches, dtype=np.float32)
    mask[:keep] = 0
    return ids_shuffle[:keep].astype(np.int64), ids_restore.astype(np.int64), mask[ids_restore]

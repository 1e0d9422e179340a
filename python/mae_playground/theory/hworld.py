"""The hierarchical world (issue 26): 32x32 RGB images drawn from a tree of latents with four levels between the
global object and the pixel, the paper's hierarchical latent variable model made literal.

    object (1 per image)            the whole 32x32 image
      layout (4: one per 16x16 quadrant)   how the object's parts are arranged in that quadrant
        part (16: one per 8x8 region)        which part sits in that region
          texture (64: one per 4x4 cell)       the cell's texture (colour and stripe pattern)
            pixel                                the texture's pattern plus independent per-pixel noise

Every latent takes one of 4 values. A child copies its parent's *template* (value TEMPLATE[parent value][child
position], position 0..3 row-major inside the parent's square: a Latin square for layouts and parts, the parent's
own value for textures) with probability KEEP, and is drawn uniformly otherwise; the pixels depend only on their cell's texture and their own noise.
So the generative graph is a tree, and for a visible/hidden split of the patches the latents the two sides
share are the tree nodes that separate them (python/mae_playground/theory/predict.py computes which).

Kept apart from `world.py` (the three-level world of the 2026-11-29 run, which the app and its TypeScript
mirror src/features/theory/world.ts still draw from) so the old results stay reproducible until the new grid has
finished; the TypeScript mirror of this world is written when the app switches to it.

The PRNG and the sample seeds are world.py's (mulberry32, sample_seed), drawn in a fixed order so a TypeScript
mirror can replay them bit for bit: object; per quadrant (keep, value); per region (keep, value); per cell
(keep, value), each in row-major order; then one noise draw per pixel per channel (row-major, RGB interleaved).
Every step is exact in float64 (+, *, floor and literals only), as world.py's.
"""

from __future__ import annotations

import numpy as np

from .world import Mulberry32Batch, sample_seed  # noqa: F401 (sample_seed is part of this world's API)

IMG = 32
K = 4  # values per latent
KEEP = 0.6  # probability that a child copies its parent's template (so it matches it with probability 0.7)
LEVELS = ["object", "layout", "part", "texture"]  # top to bottom
SIDE = {"object": 32, "layout": 16, "part": 8, "texture": 4}  # footprint side in pixels
COUNT = {lv: (IMG // s) ** 2 for lv, s in SIDE.items()}  # nodes per level: 1, 4, 16, 64


def _latin(a: int, b: int, c: int) -> list[list[int]]:
    """TEMPLATE[v][pos] = (a v + b pos + c) mod 4 with a, b odd: each parent value arranges all four child
    values, and each value gives a different arrangement."""
    return [[(a * v + b * pos + c) % K for pos in range(4)] for v in range(K)]


# The bottom level copies its part's value (a cell's texture is its part's, with probability KEEP): neighbouring
# cells look alike, as in photos, so a model can learn the lowest shared level quickly. The two levels above
# arrange their children by position (Latin squares), so layout and object are not a linear function of the
# pixels. (Revised on 2026-12-06 before any model finished: with a Latin square at the bottom too, the first model
# stayed at the trivial loss for 1000 steps; the tree, and so the predictions, are the same.)
TEMPLATE = {"layout": _latin(1, 1, 0), "part": _latin(3, 1, 1), "texture": _latin(1, 0, 0)}
TEXTURE_NAMES = ["flat", "horizontal", "vertical", "checker"]
# one colour per texture (RGB in [0, 1]); the pattern adds +-STRIPE and the noise +-NOISE/2, so no value
# leaves [0, 1]
COLORS = [[0.25, 0.35, 0.65], [0.8, 0.55, 0.2], [0.3, 0.65, 0.35], [0.7, 0.3, 0.55]]
STRIPE = 0.15
NOISE = 0.1


def pattern(texture: int) -> np.ndarray:
    """The 4x4 sign pattern of a texture (+1 / -1, 0 for flat); stripes of width 1 px."""
    y, x = np.mgrid[0:4, 0:4]
    if texture == 0:
        return np.zeros((4, 4))
    bit = {1: y & 1, 2: x & 1, 3: (x + y) & 1}[texture]
    return np.where(bit == 1, 1.0, -1.0)


PATTERNS = np.stack([pattern(t) for t in range(K)])  # [4, 4, 4]


def fingerprint() -> str:
    """Identifies this world's definition; a run's recipe records it, so progress made in another world is never
    resumed here."""
    import hashlib
    import json

    spec = {"K": K, "KEEP": KEEP, "TEMPLATE": TEMPLATE, "COLORS": COLORS, "STRIPE": STRIPE, "NOISE": NOISE}
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]


def parent_index(level: str, node: int) -> tuple[int, int]:
    """(index of the parent node one level up, position 0..3 of this node inside the parent's square)."""
    side = IMG // SIDE[level]
    row, col = divmod(node, side)
    return (row // 2) * (side // 2) + col // 2, (row % 2) * 2 + col % 2


def generate(seeds) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Images [N, 3, 32, 32] float32 in [0, 1] and their latents {level: [N, nodes] int64}."""
    seeds = np.asarray(seeds, dtype=np.uint64).reshape(-1)
    n = seeds.shape[0]
    rng = Mulberry32Batch(seeds)
    lat = {"object": np.floor(rng.next() * K).astype(np.int64)[:, None]}
    for up, level in zip(LEVELS[:-1], LEVELS[1:]):
        tpl = np.array(TEMPLATE[level])
        vals = np.zeros((n, COUNT[level]), dtype=np.int64)
        for node in range(COUNT[level]):
            parent, pos = parent_index(level, node)
            keep = rng.next() < KEEP
            uniform = np.floor(rng.next() * K).astype(np.int64)
            vals[:, node] = np.where(keep, tpl[lat[up][:, parent], pos], uniform)
        lat[level] = vals
    noise = np.empty((n, IMG * IMG * 3), dtype=np.float64)
    for k in range(IMG * IMG * 3):
        noise[:, k] = rng.next()
    noise = noise.reshape(n, IMG, IMG, 3)
    ys, xs = np.mgrid[0:IMG, 0:IMG]
    cell = (ys // 4) * (IMG // 4) + xs // 4  # [y, x]
    tex = lat["texture"][:, cell]  # [N, y, x]
    sign = PATTERNS[tex, ys % 4, xs % 4]
    value = np.array(COLORS)[tex] + STRIPE * sign[..., None] + NOISE * (noise - 0.5)
    return value.astype(np.float32).transpose(0, 3, 1, 2).copy(), lat

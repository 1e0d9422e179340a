"""What the theory predicts for the hierarchical world, computed from its generative graph and the MAE's mask
sampling, before any model trains (issue 26).

    PYTHONPATH=python /usr/bin/python3 -m mae_playground.theory.predict  # writes models/theory/run/predictions.json

Kong et al. (CVPR 2023) show that, under their assumptions, an MAE trained with masks m recovers the latents c
that the visible part x_v and the hidden part x_m share: the minimal set of latent variables that d-separates
x_m from x_v in the generative graph. In hworld the graph is a tree (object -> layout -> part -> texture ->
pixels), so d-separation is plain graph separation: a set of latent nodes separates the two sides when every
tree path from a visible patch to a hidden patch passes through one of them. The minimal separator is a
minimum vertex cut, found exactly here by dynamic programming over the tree for each sampled mask; every
latent counts 1 (all have 4 values). Where two cuts are equally small (cutting a region's part latent, or
the one visible cell's texture latent under it, both cost 1), the theory does not say which, so both
tie-breaks are computed: `high` prefers the higher node, `low` the lower.

Masks are sampled as the model samples them: a uniformly random set of int(L * (1 - ratio)) visible patches.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from . import hworld

ROOT = Path(__file__).resolve().parents[3]
RATIOS = [0.05, 0.1, 0.2, 0.35, 0.5, 0.65, 0.8, 0.9, 0.95]
PATCHES = [2, 4]
EPS = 1e-4  # tie-break weight: small enough that it never outweighs one whole node (at most 85 nodes)


def kept(num_patches: int, ratio: float) -> int:
    """Visible patches at a ratio, exactly as MaskedAutoencoderViT.random_masking computes it."""
    return max(1, int(num_patches * (1 - ratio)))


def _children() -> dict[tuple[str, int], list[tuple[str, int]]]:
    kids: dict[tuple[str, int], list[tuple[str, int]]] = {}
    for up, level in zip(hworld.LEVELS[:-1], hworld.LEVELS[1:]):
        for node in range(hworld.COUNT[level]):
            kids.setdefault((up, hworld.parent_index(level, node)[0]), []).append((level, node))
    return kids


CHILDREN = _children()


def patch_cells(patch: int) -> np.ndarray:
    """For each patch (row-major), the texture cell it lies in (patches nest inside the 4x4 cells)."""
    side = hworld.IMG // patch
    r, c = np.divmod(np.arange(side * side), side)
    return (r * patch // 4) * (hworld.IMG // 4) + c * patch // 4


def min_separator(visible: np.ndarray, patch: int, prefer: str) -> dict[str, int]:
    """Nodes per level in a minimum set of latents separating the visible patches from the hidden ones.
    visible: bool per patch. Exact DP: for each node, the cheapest cost with the node cut, and with it uncut
    and its component (inside its subtree) touching no side, only the visible, or only the hidden side."""
    cells = patch_cells(patch)
    leaf_sides: dict[int, set[int]] = {}
    for p, cell in enumerate(cells):
        leaf_sides.setdefault(int(cell), set()).add(1 if visible[p] else 2)  # 1 = visible, 2 = hidden (bit set)
    depth = {lv: i for i, lv in enumerate(hworld.LEVELS)}
    inf = (float("inf"), (0, 0, 0, 0))

    def add(a, b):
        return a[0] + b[0], tuple(x + y for x, y in zip(a[1], b[1]))

    def node_cost(level: str):
        d = depth[level]
        w = 1 + EPS * (d if prefer == "high" else 3 - d)
        counts = [0, 0, 0, 0]
        counts[d] = 1
        return w, tuple(counts)

    def solve(level: str, node: int):
        """(cut option, {side set: uncut option}); an option is (cost, per-level counts)."""
        if level == "texture":
            # the cell's patches are observed leaves (never cut) hanging from it
            sides = 0
            for s in leaf_sides[node]:
                sides |= s
            uncut = {sides: (0.0, (0, 0, 0, 0))} if sides != 3 else {}
            return node_cost(level), uncut
        kids = [solve(*k) for k in CHILDREN[(level, node)]]
        # cut here: every child independently at its cheapest
        cut = node_cost(level)
        for kc, ku in kids:
            cut = add(cut, min([kc, *ku.values()]))
        # uncut: merge the children's components; a child may be cut (contributes no side)
        g = {0: (0.0, (0, 0, 0, 0))}
        for kc, ku in kids:
            h: dict[int, tuple] = {}
            for s, v in g.items():
                for ks, kv in [(0, kc), *ku.items()]:
                    ns = s | ks
                    if ns == 3:
                        continue
                    cand = add(v, kv)
                    if cand[0] < h.get(ns, inf)[0]:
                        h[ns] = cand
            g = h
        return cut, g

    cut, uncut = solve("object", 0)
    best = min([cut, *uncut.values()])
    return dict(zip(hworld.LEVELS, best[1]))


def mixed_fraction(visible: np.ndarray, patch: int) -> dict[str, float]:
    """Fraction of each level's nodes that are ancestors of both a visible and a hidden patch."""
    cells = patch_cells(patch)
    out = {}
    for level in hworld.LEVELS:
        per = hworld.SIDE[level] // 4  # cells per node side
        cside = hworld.IMG // 4
        node_of_cell = (np.arange(cside * cside) // cside // per) * (cside // per) + (np.arange(cside * cside) % cside) // per
        node = node_of_cell[cells]
        has_v = np.zeros(hworld.COUNT[level], bool)
        has_m = np.zeros(hworld.COUNT[level], bool)
        has_v[node[visible]] = True
        has_m[node[~visible]] = True
        out[level] = float((has_v & has_m).mean())
    return out


def _transition(level: str) -> np.ndarray:
    """P(child = u | parent = v) per child position: [pos, v, u]."""
    t = np.full((4, hworld.K, hworld.K), (1 - hworld.KEEP) / hworld.K)
    for v in range(hworld.K):
        for pos in range(4):
            t[pos, v, hworld.TEMPLATE[level][v][pos]] += hworld.KEEP
    return t


def bayes_ceiling(samples: int = 2000, base: int = 0xBA7E0000) -> dict:
    """The best accuracy any probe can reach per level, given the textures (which the pixels show exactly: four
    distinct colours, noise far smaller than their gaps): the posterior's most probable value, by exact belief
    propagation on the tree. `subtree`: from the textures inside the latent's own square only; `image`: from all
    of them. Chance is 1/4."""
    _, lat = hworld.generate([hworld.sample_seed(base, i) for i in range(samples)])
    n, K = samples, hworld.K
    lam = {"texture": np.eye(K)[lat["texture"]]}  # [N, nodes, K]: likelihood of the subtree below each node
    up_msgs = {}
    for up, level in reversed(list(zip(hworld.LEVELS[:-1], hworld.LEVELS[1:]))):
        t = _transition(level)
        msg = np.zeros((n, hworld.COUNT[level], K))  # message child -> parent, as a function of the parent value
        parents = np.zeros(hworld.COUNT[level], int)
        for node in range(hworld.COUNT[level]):
            parent, pos = hworld.parent_index(level, node)
            parents[node] = parent
            msg[:, node] = lam[level][:, node] @ t[pos].T
        up_msgs[level] = (msg, parents)
        lam_up = np.ones((n, hworld.COUNT[up], K))
        for node in range(hworld.COUNT[level]):
            lam_up[:, parents[node]] *= msg[:, node]
            lam_up[:, parents[node]] /= lam_up[:, parents[node]].sum(-1, keepdims=True)
        lam[up] = lam_up
    # downward: pi(node) = prior from everything outside its subtree
    pi = {"object": np.full((n, 1, K), 1 / K)}
    for up, level in zip(hworld.LEVELS[:-1], hworld.LEVELS[1:]):
        t = _transition(level)
        msg, parents = up_msgs[level]
        p = np.zeros((n, hworld.COUNT[level], K))
        for node in range(hworld.COUNT[level]):
            parent, pos = hworld.parent_index(level, node)
            outside = pi[up][:, parent] * lam[up][:, parent] / np.maximum(msg[:, node], 1e-300)
            p[:, node] = outside @ t[pos]
            p[:, node] /= p[:, node].sum(-1, keepdims=True)
        pi[level] = p
    out = {}
    for level in hworld.LEVELS:
        truth = lat[level]
        sub = float((lam[level].argmax(-1) == truth).mean())
        full = float(((lam[level] * pi[level]).argmax(-1) == truth).mean())
        out[level] = {"subtree": round(sub, 4), "image": round(full, 4)}
    return out


def predict(masks: int = 300, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    table = []
    for patch in PATCHES:
        L = (hworld.IMG // patch) ** 2
        for ratio in RATIOS:
            keep = kept(L, ratio)
            sep = {t: np.zeros(4) for t in ("high", "low")}
            mixed = np.zeros(4)
            for _ in range(masks):
                visible = np.zeros(L, bool)
                visible[rng.permutation(L)[:keep]] = True
                for t in sep:
                    sep[t] += np.array(list(min_separator(visible, patch, t).values()))
                mixed += np.array(list(mixed_fraction(visible, patch).values()))
            entry = {"patchSize": patch, "maskRatio": ratio, "patches": L, "visible": keep,
                     "mixedFraction": dict(zip(hworld.LEVELS, np.round(mixed / masks, 4).tolist()))}
            for t, v in sep.items():
                v = v / masks
                entry[f"separator_{t}"] = {"size": round(float(v.sum()), 3),
                                           "perLevel": dict(zip(hworld.LEVELS, np.round(v, 3).tolist())),
                                           "share": dict(zip(hworld.LEVELS, np.round(v / v.sum(), 4).tolist())),
                                           # mean depth of the separator's nodes: 0 = object ... 3 = texture
                                           "meanDepth": round(float((v * np.arange(4)).sum() / v.sum()), 4)}
            table.append(entry)
    return {"format": "mae-playground/theory-predictions/1", "world": "python/mae_playground/theory/hworld.py",
            "masksPerCase": masks, "rngSeed": seed, "ratios": RATIOS, "patchSizes": PATCHES,
            "method": "minimum vertex cut between visible and hidden patches in the latent tree, unit cost per "
                      "latent, both tie-breaks; Monte Carlo over the model's uniform random masks",
            "bayesCeiling": bayes_ceiling(), "table": table}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--masks", type=int, default=300)
    ap.add_argument("--out", default=str(ROOT / "models" / "theory" / "run" / "predictions.json"))
    args = ap.parse_args()
    result = predict(args.masks)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    print("Bayes ceiling (accuracy):", result["bayesCeiling"])
    for e in result["table"]:
        print(e["patchSize"], e["maskRatio"], e["visible"], "mixed", e["mixedFraction"],
              "sep-high", e["separator_high"]["perLevel"], "sep-low", e["separator_low"]["perLevel"])


if __name__ == "__main__":
    main()


def _posterior_textures(lat_texture: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """P(texture of each cell | the textures of the observed cells), exact belief propagation on the tree.
    lat_texture [N, 64] values, observed [N, 64] bool -> [N, 64, K]."""
    n, K = lat_texture.shape[0], hworld.K
    lam = {"texture": np.where(observed[..., None], np.eye(K)[lat_texture], 1.0)}
    up_msgs = {}
    for up, level in reversed(list(zip(hworld.LEVELS[:-1], hworld.LEVELS[1:]))):
        t = _transition(level)
        msg = np.zeros((n, hworld.COUNT[level], K))
        lam_up = np.ones((n, hworld.COUNT[up], K))
        for node in range(hworld.COUNT[level]):
            parent, pos = hworld.parent_index(level, node)
            msg[:, node] = lam[level][:, node] @ t[pos].T
            lam_up[:, parent] *= msg[:, node]
            lam_up[:, parent] /= lam_up[:, parent].sum(-1, keepdims=True)
        up_msgs[level] = msg
        lam[up] = lam_up
    pi = {"object": np.full((n, 1, K), 1 / K)}
    for up, level in zip(hworld.LEVELS[:-1], hworld.LEVELS[1:]):
        t = _transition(level)
        p = np.zeros((n, hworld.COUNT[level], K))
        for node in range(hworld.COUNT[level]):
            parent, pos = hworld.parent_index(level, node)
            outside = pi[up][:, parent] * lam[up][:, parent] / np.maximum(up_msgs[level][:, node], 1e-300)
            p[:, node] = outside @ t[pos]
            p[:, node] /= p[:, node].sum(-1, keepdims=True)
        pi[level] = p
    post = pi["texture"] * lam["texture"]
    return post / post.sum(-1, keepdims=True)


def bayes_masked_mse(images: np.ndarray, lat: dict, patch: int, visible: np.ndarray, mean, std) -> float:
    """The lowest masked-patch MSE any model can reach on these images and masks (normalised pixels, as the MAE's
    loss): each hidden pixel predicted by its expected value given the visible patches. A cell with any visible
    patch shows its texture exactly (four distinct colours, noise far below their gaps); the rest follow from the
    posterior. visible: [N, L] bool per patch (row-major)."""
    n = images.shape[0]
    cells = patch_cells(patch)
    observed = np.zeros((n, 64), bool)
    for p, cell in enumerate(cells):
        observed[:, cell] |= visible[:, p]
    post = _posterior_textures(lat["texture"], observed)  # [N, 64, K]
    cellimg = np.stack([np.stack([COLORS_T[t][c] + hworld.STRIPE * hworld.PATTERNS[t] for c in range(3)])
                        for t in range(hworld.K)])  # [K, 3, 4, 4]
    pred = np.einsum("nkt,tcyx->nkcyx", post, cellimg)  # [N, 64, 3, 4, 4]
    pred = pred.reshape(n, 8, 8, 3, 4, 4).transpose(0, 3, 1, 4, 2, 5).reshape(n, 3, 32, 32)
    s = np.asarray(std).reshape(1, 3, 1, 1)  # the mean cancels in the difference
    err = ((pred - images) / s) ** 2  # [N, 3, 32, 32]
    side = hworld.IMG // patch
    per_patch = err.reshape(n, 3, side, patch, side, patch).mean(axis=(1, 3, 5)).reshape(n, side * side)
    hidden = ~visible
    return float((per_patch * hidden).sum() / hidden.sum())


COLORS_T = [np.array(c) for c in hworld.COLORS]

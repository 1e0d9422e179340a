"""Checks of the theory experiment's parts against independent references (run: `cd python && /usr/bin/python3 -m
pytest -q mae_playground/theory`; the TypeScript/Python agreement is tests/unit/theory-world.test.ts)."""

from __future__ import annotations

import json

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


# --- issue 26: the hierarchical world, the predictions, the verdicts ---

from . import hreport, hworld, predict  # noqa: E402


def _max_flow_vertex_cut(visible: np.ndarray, patch: int) -> int:
    """Independent reference for predict.min_separator: the minimum number of latents separating visible from
    hidden patches, as a max flow (Edmonds-Karp) on the tree with every latent split into in/out joined by
    capacity 1 and every other edge unbounded (Menger's theorem)."""
    from collections import deque

    big = 10**6
    cap: dict[tuple, int] = {}

    def edge(a, b, c):
        cap[(a, b)] = cap.get((a, b), 0) + c
        cap.setdefault((b, a), 0)

    for level in hworld.LEVELS:
        for node in range(hworld.COUNT[level]):
            edge(("in", level, node), ("out", level, node), 1)
            edge(("out", level, node), ("in", level, node), 1)
            if level != "object":
                parent, _ = hworld.parent_index(level, node)
                up = hworld.LEVELS[hworld.LEVELS.index(level) - 1]
                edge(("out", level, node), ("in", up, parent), big)
                edge(("out", up, parent), ("in", level, node), big)
    for p, cell in enumerate(predict.patch_cells(patch)):
        leaf = ("patch", p)
        edge(leaf, ("in", "texture", int(cell)), big)
        edge(("out", "texture", int(cell)), leaf, big)
        edge("s", leaf, big) if visible[p] else edge(leaf, "t", big)
    adj: dict = {}
    for a, b in cap:
        adj.setdefault(a, []).append(b)
    flow = 0
    while True:
        prev = {"s": None}
        q = deque(["s"])
        while q and "t" not in prev:
            u = q.popleft()
            for v in adj.get(u, []):
                if v not in prev and cap[(u, v)] > 0:
                    prev[v] = u
                    q.append(v)
        if "t" not in prev:
            return flow
        v = "t"
        while prev[v] is not None:
            cap[(prev[v], v)] -= 1
            cap[(v, prev[v])] += 1
            v = prev[v]
        flow += 1


def test_min_separator_size_equals_an_independent_max_flow():
    rng = np.random.default_rng(5)
    for patch, ratio in [(4, 0.05), (4, 0.5), (4, 0.95), (2, 0.5), (2, 0.9)]:
        L = (32 // patch) ** 2
        for _ in range(3):
            visible = np.zeros(L, bool)
            visible[rng.permutation(L)[:predict.kept(L, ratio)]] = True
            ref = _max_flow_vertex_cut(visible, patch)
            for prefer in ("high", "low"):
                assert sum(predict.min_separator(visible, patch, prefer).values()) == ref


def test_every_ratio_keeps_a_different_number_of_patches():
    for patch in predict.PATCHES:
        L = (32 // patch) ** 2
        kept = [predict.kept(L, r) for r in predict.RATIOS]
        assert len(set(kept)) == len(kept) and min(kept) >= 1


def test_a_split_along_the_hierarchy_is_separated_by_the_one_latent_above_it():
    # the left half visible, the right half hidden (patch 4): the only paths go through the object
    visible = np.array([(i % 8) < 4 for i in range(64)])
    assert predict.min_separator(visible, 4, "high") == {"object": 1, "layout": 0, "part": 0, "texture": 0}
    # one hidden cell inside an otherwise visible image: its own texture latent, or (a tie) its part latent
    visible = np.ones(64, bool)
    visible[9] = False
    assert predict.min_separator(visible, 4, "low") == {"object": 0, "layout": 0, "part": 0, "texture": 1}
    assert predict.min_separator(visible, 4, "high") == {"object": 0, "layout": 0, "part": 1, "texture": 0}


def test_hworld_children_follow_their_templates_at_the_stated_rate_and_pixels_show_the_texture():
    images, lat = hworld.generate([hworld.sample_seed(9, i) for i in range(300)])
    assert images.shape == (300, 3, 32, 32) and images.min() >= 0 and images.max() <= 1
    for up, level in zip(hworld.LEVELS[:-1], hworld.LEVELS[1:]):
        hits = []
        for node in range(hworld.COUNT[level]):
            parent, pos = hworld.parent_index(level, node)
            tpl = np.array(hworld.TEMPLATE[level])[lat[up][:, parent], pos]
            hits.append(lat[level][:, node] == tpl)
        rate = np.mean(hits)
        expected = hworld.KEEP + (1 - hworld.KEEP) / hworld.K
        assert abs(rate - expected) < 0.04, (level, rate)
    # a cell's mean colour is its texture's colour (the pattern averages out; noise is +-0.05)
    cell_mean = images[:, :, 4:8, 8:12].mean(axis=(2, 3))
    tex = lat["texture"][:, 1 * 8 + 2]
    assert np.abs(cell_mean - np.array(hworld.COLORS)[tex]).max() < 0.03


def test_bayes_ceiling_matches_brute_force_on_the_object():
    """The object posterior from belief propagation equals brute-force enumeration over the 4 x 4^4 x 4^16 ...
    reduced exactly: given the textures, sum over layouts and parts factorises per quadrant and region."""
    _, lat = hworld.generate([hworld.sample_seed(0xBA7E0000, i) for i in range(40)])
    T = {lv: predict._transition(lv) for lv in ("layout", "part", "texture")}
    correct = 0
    for i in range(40):
        post = np.zeros(4)
        for o in range(4):
            total = 1.0
            for q in range(4):
                sq = 0.0
                for lq in range(4):
                    pl = T["layout"][q, o, lq]
                    prod = 1.0
                    for r in range(16):
                        if hworld.parent_index("part", r)[0] != q:
                            continue
                        rpos = hworld.parent_index("part", r)[1]
                        sr = 0.0
                        for pv in range(4):
                            pp = T["part"][rpos, lq, pv]
                            for c in range(64):
                                par, cpos = hworld.parent_index("texture", c)
                                if par == r:
                                    pp *= T["texture"][cpos, pv, lat["texture"][i, c]]
                            sr += pp
                        prod *= sr
                    sq += pl * prod
                total *= sq
            post[o] = total
        correct += int(post.argmax() == lat["object"][i, 0])
    # same samples and order as bayes_ceiling's first 40
    assert predict.bayes_ceiling(samples=40)["object"]["image"] == round(correct / 40, 4)


def _fake_run(patch, ratio, seed, scores):
    probe = {lv: {p: {"score": scores.get(lv, 0.5), "accuracy": 0.0} for p in ("mlp", "linear")}
             for lv in hworld.LEVELS}
    return {"patchSize": patch, "maskRatio": ratio, "seed": seed, "steps": 3000, "seconds": 600.0, "heldoutMse": 0.5,
            "heldoutMseCommon": 0.5, "curve": [], "probe": probe}


def _fake_progress(part_at_05, part_at_005):
    runs = {}
    for s, (a, b) in enumerate(zip(part_at_05, part_at_005)):
        runs[f"p4-r50-s{s}"] = _fake_run(4, 0.5, s, {"part": a})
        runs[f"p4-r05-s{s}"] = _fake_run(4, 0.05, s, {"part": b})
    return {"ratios": [0.05, 0.5], "patchSizes": [4], "seeds": [0, 1, 2], "runs": runs, "controls": {}}


def _verdict(progress, pid="P1", probe="mlp"):
    res = hreport.build_results(progress, {"bayesCeiling": None})
    return next(v for v in res["verdicts"] if v["id"] == pid)[probe]["verdict"]


def test_verdicts_follow_the_numbers_and_a_changed_number_flips_them():
    # hand-computed: means 0.80 vs 0.70, seed stds 0.01 and 0.01 -> gap 0.10 > 0.02: seen
    assert _verdict(_fake_progress([0.79, 0.80, 0.81], [0.69, 0.70, 0.71])) == "seen"
    # the same but reversed: contradicted
    assert _verdict(_fake_progress([0.69, 0.70, 0.71], [0.79, 0.80, 0.81])) == "contradicted"
    # one seed of a changed so its std is 0.1 (0.70, 0.80, 0.90): the gap 0.10 no longer exceeds 0.1 + 0.01
    assert _verdict(_fake_progress([0.70, 0.80, 0.90], [0.69, 0.70, 0.71])) == "not decided"
    # a gap under MIN_EFFECT is never a finding, even with no seed spread
    assert _verdict(_fake_progress([0.705, 0.705, 0.705], [0.70, 0.70, 0.70])) == "not decided"
    # a missing seed: not decided whatever the numbers
    prog = _fake_progress([0.79, 0.80, 0.81], [0.69, 0.70, 0.71])
    del prog["runs"]["p4-r05-s2"]
    assert _verdict(prog) == "not decided"
    # predictions whose models do not exist at all
    assert _verdict(_fake_progress([0.8] * 3, [0.7] * 3), pid="P7") == "not decided"


def _committed_predictions() -> dict:
    return json.loads((hreport.RUN / "predictions.json").read_text())


def test_the_report_tallies_the_verdicts_and_names_the_predictions_still_waiting():
    pred = _committed_predictions()
    # P1 seen by both probes (gap 0.10, hand-computed above); P3 and P5 compare the same two models at the layout
    # and object levels (0.5 each side: not decided); the other eight lack models; 11 predictions in all
    md = hreport.theory_md(pred, hreport.build_results(_fake_progress([0.79, 0.80, 0.81], [0.69, 0.70, 0.71]), pred))
    assert ("Tally of the 11 predictions (computed from the table): MLP probe: 1 seen, 0 contradicted, 10 not "
            "decided; linear probe: 1 seen, 0 contradicted, 10 not decided. Waiting for models: P2, P4, P6, P7, P8, "
            "P9, P10, P11.") in md
    # reversed numbers: P1 contradicted
    md = hreport.theory_md(pred, hreport.build_results(_fake_progress([0.69, 0.70, 0.71], [0.79, 0.80, 0.81]), pred))
    assert "MLP probe: 0 seen, 1 contradicted, 10 not decided" in md


def test_the_report_says_when_the_whole_grid_has_finished():
    pred = _committed_predictions()
    # the fake grid: ratios 0.05 and 0.5, patch 4, seeds 0-2: 6 models, all present
    prog = _fake_progress([0.79, 0.80, 0.81], [0.69, 0.70, 0.71])
    md = hreport.theory_md(pred, hreport.build_results(prog, pred))
    assert "\n## Results\n" in md and "6 of 6 models finished (the whole grid)." in md
    del prog["runs"]["p4-r05-s2"]
    md = hreport.theory_md(pred, hreport.build_results(prog, pred))
    assert "\n## Results so far\n" in md and "5 of 6 models finished." in md
    assert "the whole grid" not in md


def test_a_same_prediction_is_seen_within_noise_and_contradicted_by_a_clear_gap():
    a, b = {"mean": 0.80, "std": 0.02}, {"mean": 0.79, "std": 0.02}
    assert hreport.decide(a, b, "same")[0] == "seen"
    assert hreport.decide({"mean": 0.90, "std": 0.02}, b, "same")[0] == "contradicted"
    assert hreport.decide(None, b, "same")[0] == "not decided"


def test_flattened_compares_the_latest_loss_with_the_one_at_80_percent_of_the_steps():
    from . import hexperiment as hx

    curve = [{"step": s, "heldout": v} for s, v in [(1600, 1.000), (2000, 0.995)]]
    assert hx.flattened(curve)  # 0.5% better over the last 20%: flat
    curve = [{"step": s, "heldout": v} for s, v in [(1600, 1.000), (2000, 0.980)]]
    assert not hx.flattened(curve)  # 2% better: still improving
    curve = [{"step": s, "heldout": v} for s, v in [(800, 1.0), (1000, 1.0)]]
    assert not hx.flattened(curve)  # before minSteps
    # a flat loss that has not covered half the way from trivial (0.964) to the best possible (0.724) is a plateau
    curve = [{"step": s, "heldout": v} for s, v in [(1600, 0.962), (2000, 0.961)]]
    assert hx.flattened(curve) and not hx.flattened(curve, trivial=0.964, best=0.724)
    flat_low = [{"step": 1600, "heldout": 0.80}, {"step": 2000, "heldout": 0.799}]
    assert hx.flattened(flat_low, trivial=0.964, best=0.724)  # 0.799 < 0.964 - 0.5 * 0.240 = 0.844
    # at a ratio where the best possible is itself near trivial (0.95: 0.940), half the way is 0.952
    assert hx.flattened([{"step": 1600, "heldout": 0.951}, {"step": 2000, "heldout": 0.9505}], trivial=0.964, best=0.940)


def test_schedule_warms_up_holds_then_decays_to_min_lr_over_the_decay_length():
    from . import hexperiment as hx

    recipe = {"lr": 1e-3, "min_lr": 1e-5, "warmup": 10}
    state = {"step": 4, "decayStart": None, "decayLength": None}
    assert abs(hx.lr_at(state, recipe) - 5e-4) < 1e-12
    state["step"] = 500
    assert hx.lr_at(state, recipe) == 1e-3
    state.update(decayStart=400, decayLength=100)
    assert abs(hx.lr_at(state, recipe) - 1e-5) < 1e-12  # 400 + 100: the end
    state["step"] = 450
    assert abs(hx.lr_at(state, recipe) - (1e-5 + (1e-3 - 1e-5) * 0.5)) < 1e-12  # half way: cos(pi/2) = 0


def test_packed_state_restores_the_model_and_training_continues(tmp_path):
    import torch

    from . import hexperiment as hx
    from . import hpack

    recipe = {"batch": 4, "lr": 1e-3, "min_lr": 1e-5, "warmup": 2, "eval_every": 2, "max_stable": 2}
    state = hx.new_state(4, 0.5, 0, recipe)
    held = hx.normalize(hx.draw(hx.HELDOUT_BASE, 0, 4)[0])
    saved = []
    state = hx.train_segment(state, recipe, held, lambda s: saved.append(s["step"]), log=lambda m: None)
    assert state["done"] and saved == [2, 4] and state["decayStart"] == 2
    restored = hpack.unpack_state(hpack.pack_state(state))
    for k, v in state["model"].items():
        # fp16 round trip: relative error of half precision; the fixed position tables come back exactly
        assert torch.allclose(restored["model"][k], v, rtol=1e-3, atol=1e-4), k
    assert torch.equal(restored["model"]["pos_embed"], state["model"]["pos_embed"])
    # a run stopped after its first evaluation, packed and unpacked, continues from that step to the end
    class Stop(Exception):
        pass

    def stop_at_first(s):
        raise Stop

    mid = hx.new_state(4, 0.5, 1, recipe)
    try:
        hx.train_segment(mid, recipe, held, stop_at_first, log=lambda m: None)
    except Stop:
        pass
    assert mid["step"] == 2 and not mid["done"]
    packed = hpack.pack_state(mid)
    assert "opt" in packed  # AdamW's moments travel with an unfinished model
    steps = []
    done = hx.train_segment(hpack.unpack_state(packed), recipe, held, lambda s: steps.append(s["step"]),
                            log=lambda m: None)
    assert steps == [4] and done["done"] and [c["step"] for c in done["curve"]] == [2, 4]


def test_hexport_exports_finished_seed0_models_only(tmp_path):
    import torch

    from . import hexperiment as hx
    from . import hexport, hpack

    run, grid = tmp_path / "run", tmp_path / "grid"
    (run / "ckpt").mkdir(parents=True)
    recipe = {"batch": 2, "lr": 1e-3, "min_lr": 1e-5, "warmup": 1, "eval_every": 1, "max_stable": 1}
    held = hx.normalize(hx.draw(hx.HELDOUT_BASE, 0, 2)[0])
    runs = {}
    for key, ratio, seed, finish in [("p4-r50-s0", 0.5, 0, True), ("p4-r95-s0", 0.95, 0, False),
                                     ("p4-r50-s1", 0.5, 1, True)]:
        state = hx.new_state(4, ratio, seed, recipe)
        if finish:
            state = hx.train_segment(state, recipe, held, lambda s: None, log=lambda m: None)
        torch.save(hpack.pack_state(state), run / "ckpt" / f"{key}.pt")
        runs[key] = {"patchSize": 4, "maskRatio": ratio, "seed": seed, "steps": state["step"],
                     "imagesSeen": state["step"] * 2, "heldoutMse": 1.0, "heldoutMseCommon": 1.0}
    (run / "progress.json").write_text(json.dumps({"runs": runs, "recipe": recipe}))
    models = hexport.export_finished(run, grid)
    assert [m["id"] for m in models] == ["h-p4-r50"]  # the unfinished one and seed 1 are not exported
    manifest = json.loads((grid / "h-p4-r50" / "manifest.json").read_text())
    assert manifest["patchSize"] == 4 and manifest["imgSize"] == 32 and manifest["source"]["run"] == "p4-r50-s0"
    assert json.loads((run / "exported.json").read_text())["models"] == models


def test_the_grid_order_puts_the_compared_ratios_first_and_covers_every_model_once():
    from . import hrun

    order = hrun.tasks_in_order([2, 4], predict.RATIOS, [0, 1, 2])
    assert len(order) == len(set(order)) == 54
    assert order[:9] == [(4, r, s) for s in (0, 1, 2) for r in (0.5, 0.05, 0.95)]
    assert all(p == 4 for p, _, _ in order[:27]) and all(p == 2 for p, _, _ in order[27:])
    # every side a prediction compares is a model of the grid
    for pred in hreport.PREDICTIONS:
        for patch, ratio, _ in (pred["a"], pred["b"]):
            assert ratio == "untrained" or (patch, ratio, 0) in order


def test_bayes_masked_mse_is_the_noise_alone_where_every_cell_shows_its_texture():
    """Patch 2, one hidden patch: its cell's other patches show the texture, so the best prediction is the texture's
    colour and stripes, and the error is the noise's, computed here from the pixels directly."""
    from ..data import IMAGENET_STD

    images, lat = hworld.generate([hworld.sample_seed(21, i) for i in range(20)])
    visible = np.ones((20, 256), bool)
    visible[:, 37] = False  # row 2, column 5 of the 16x16 patch grid: pixels y 4-5, x 10-11, cell (1, 2)
    got = predict.bayes_masked_mse(images, lat, 2, visible, None, IMAGENET_STD)
    tex = lat["texture"][:, 1 * 8 + 2]
    expected = np.zeros(20)
    for i in range(20):
        clean = np.array(hworld.COLORS[tex[i]])[:, None, None] + hworld.STRIPE * hworld.PATTERNS[tex[i]][None, 0:2, 2:4]
        expected[i] = (((images[i, :, 4:6, 10:12] - clean) / np.array(IMAGENET_STD)[:, None, None]) ** 2).mean()
    assert abs(got - expected.mean()) < 1e-9
    # hiding everything but one patch leaves far more to guess
    few = np.zeros((20, 256), bool)
    few[:, 0] = True
    assert predict.bayes_masked_mse(images, lat, 2, few, None, IMAGENET_STD) > 0.5

"""The theory experiment from one command: trains every (patch size, masking ratio, seed) MAE on the synthetic
world, probes each frozen encoder (and the controls) for every latent, writes models/theory/results.json, exports
the seed-0 models the app shows to models/theory/<id>/, and regenerates docs/THEORY-2026-11-29.md and its chart (the first run; issue 26 is hrun).

    PYTHONPATH=python env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE nice -n 19 \
        /usr/bin/python3 -m mae_playground.theory.run

Finished runs are kept in .cache/theory/progress.json, so a stopped run resumes where it was (delete the
folder, or pass --fresh, to start over). The recipe is fixed by the flags' defaults; the results file records it.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import datetime as dt
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch

from ..export_onnx import export
from ..mask_prng import image_seed, random_masking_ids
from . import experiment as ex
from . import world
from .report import write_report

ROOT = Path(__file__).resolve().parents[3]
RESULTS_FORMAT = "mae-playground/theory-results/1"


def model_id(patch: int, ratio: float) -> str:
    return f"p{patch}-r{round(ratio * 100)}"


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "threads": torch.get_num_threads(), "torch": torch.__version__,
            "python": platform.python_version(), "os": platform.platform(),
            "shared": "shared with a long PyTorch training run and other engineers' builds and tests (nice 19)"}


def summarize(rows: list[dict], keys: list[str]) -> list[dict]:
    """Mean, sample standard deviation and n over seeds for every level and latent, per group of `keys`."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault(tuple(r[k] for k in keys), []).append(r)
    out = []
    for key, rs in sorted(groups.items()):
        stat = lambda vals: {"mean": round(float(np.mean(vals)), 4),  # noqa: E731
                             "std": round(float(np.std(vals, ddof=1)) if len(vals) > 1 else 0.0, 4), "n": len(vals)}
        entry = dict(zip(keys, key))
        entry["levels"] = {lv: stat([r["probe"]["levels"][lv] for r in rs]) for lv in ex.LEVELS}
        entry["latents"] = {name: stat([r["probe"]["latents"][name]["score"] for r in rs])
                            for name in rs[0]["probe"]["latents"]}
        if "heldoutMse" in rs[0]:
            entry["heldoutMse"] = stat([r["heldoutMse"] for r in rs])
        out.append(entry)
    return out


# The sample, mask and ratio whose reconstructions the e2e test compares with PyTorch's (the page's defaults
# apart from the seed, which is one of tests/unit/theory-world.fixture.json's).
REFERENCE_CASE = {"sampleSeed": 42, "maskRatio": 0.5, "maskSeed": 0}


@torch.no_grad()
def reference_mse(models: dict, case: dict, generate=world.generate) -> dict:
    """Hidden-pixel MSE ([0, 1] RGB units, reconstruction clamped to [0, 1]) of each exported model on one sample,
    with the page's shared mask: seeded random masking on the coarsest patch grid, each hidden coarse patch hiding
    the finer patches inside it (src/mae/compare-mask.ts)."""
    pixels = generate([case["sampleSeed"]])[0]  # world.generate, or hworld.generate for the issue-26 grid
    x = ex.normalize(pixels)
    coarse_side = min(world.IMG // m.patch_embed.patch_size for m in models.values())
    _, _, coarse = random_masking_ids(image_seed(case["maskSeed"], 0, True), coarse_side**2, case["maskRatio"])
    out = {}
    for mid, model in models.items():
        side = world.IMG // model.patch_embed.patch_size
        k = side // coarse_side
        hidden = np.array([coarse[(i // side // k) * coarse_side + (i % side) // k] for i in range(side * side)])
        kept, dropped = np.flatnonzero(hidden == 0), np.flatnonzero(hidden == 1)
        shuffle = np.concatenate([kept, dropped])
        restore = np.argsort(shuffle)
        latent = model.encode_visible(x, torch.from_numpy(kept)[None])
        pred = model.forward_decoder(latent, torch.from_numpy(restore)[None])
        recon = (model.unpatchify(pred) * ex._STD + ex._MEAN).clamp(0, 1)[0].numpy()
        p = model.patch_embed.patch_size
        pixel_hidden = np.kron(hidden.reshape(side, side), np.ones((p, p))).astype(bool)
        diff = (recon - pixels[0])[:, pixel_hidden]
        out[mid] = round(float((diff.astype(np.float64) ** 2).mean()), 6)
    return out


_CTX: dict = {}  # what the worker processes need, set before they fork


def _task(task: tuple) -> tuple[str, str, dict]:
    """One unit of work in a worker: probe an untrained network, or train one model and probe it."""
    kind, patch, ratio, seed = task
    torch.set_num_threads(_CTX["threads"])
    x_tr, lat_tr, x_te, lat_te = _CTX["probe"]
    probe = lambda m: ex.probe_all(ex.region_features(m, x_tr), lat_tr, ex.region_features(m, x_te), lat_te)  # noqa: E731
    log = lambda msg: print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)  # noqa: E731
    if kind == "control":
        torch.manual_seed(seed)  # the same initial weights the trained models of this seed start from
        return kind, f"untrained-p{patch}-s{seed}", {"patchSize": patch, "seed": seed, "probe": probe(ex.make_model(patch))}
    model, facts = ex.train(patch, ratio, seed, _CTX["pool"], _CTX["recipe"], log=log)
    row = {"patchSize": patch, "maskRatio": ratio, "seed": seed, **facts,
           "heldoutMse": ex.heldout_mse(model, x_te[:500], ratio), "probe": probe(model)}
    export_ratios, export_seed = _CTX["export"]
    if ratio in export_ratios and seed == export_seed:
        torch.save({"model": model.state_dict(), "config": model.config, "facts": row},
                   _CTX["work"] / "models" / f"{model_id(patch, ratio)}.pth")
    return kind, f"{model_id(patch, ratio)}-s{seed}", row


class _Serial:
    """--jobs 1: the same loop in this process."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    def imap_unordered(self, fn, items):
        return map(fn, items)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ratios", default="0.1,0.3,0.5,0.7,0.85,0.95")
    ap.add_argument("--patches", default="4,8")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--train-pool", type=int, default=8192, help="training samples (drawn once, reused)")
    ap.add_argument("--probe-train", type=int, default=2000)
    ap.add_argument("--probe-test", type=int, default=1000)
    ap.add_argument("--export-ratios", default="0.1,0.5,0.7,0.95", help="seed-0 models exported for the app")
    ap.add_argument("--threads", type=int, default=1, help="torch threads per process; 1 is fastest on a shared "
                    "2-core machine")
    ap.add_argument("--jobs", type=int, default=2, help="models trained at once, each in its own process")
    ap.add_argument("--work", default=str(ROOT / ".cache" / "theory"))
    ap.add_argument("--out", default=str(ROOT / "models" / "theory"))
    ap.add_argument("--fresh", action="store_true", help="ignore finished runs in --work")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    ratios = [float(r) for r in args.ratios.split(",")]
    patches = [int(p) for p in args.patches.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]
    export_ratios = [float(r) for r in args.export_ratios.split(",")]
    recipe = {"steps": args.steps, "batch": args.batch, "lr": args.lr, "warmup": args.warmup, "min_lr": 1e-5,
              "optimizer": "AdamW (0.9, 0.95), weight decay 0.05, cosine schedule",
              "trainPool": args.train_pool, "architecture": {k: v for k, v in ex.ARCH.items()}}
    work, out = Path(args.work), Path(args.out)
    (work / "models").mkdir(parents=True, exist_ok=True)
    progress_path = work / "progress.json"
    progress = json.loads(progress_path.read_text()) if progress_path.exists() and not args.fresh else {}
    if progress.get("recipe") not in (None, recipe):
        raise SystemExit(f"{progress_path} holds runs made with another recipe; pass --fresh to start over")
    progress["recipe"] = recipe
    progress.setdefault("runs", {})
    progress.setdefault("controls", {})
    progress.setdefault("startedAt", dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
    wall_before, start = progress.get("wallSeconds", 0.0), time.time()

    def save() -> None:
        # wall time so far, over every call that trained (a stopped and resumed run adds up its calls)
        if trained:
            progress["wallSeconds"] = round(wall_before + time.time() - start, 1)
        progress_path.write_text(json.dumps(progress, indent=1) + "\n")

    log = lambda msg: print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)  # noqa: E731
    trained = True  # until the task list says otherwise (the pixel control below also counts)

    log("drawing the samples")
    pool = ex.normalize(world.generate([world.sample_seed(ex.TRAIN_BASE, i) for i in range(args.train_pool)])[0])
    probe_train_img, probe_train_lat = world.generate(
        [world.sample_seed(ex.PROBE_TRAIN_BASE, i) for i in range(args.probe_train)])
    probe_test_img, probe_test_lat = world.generate(
        [world.sample_seed(ex.PROBE_TEST_BASE, i) for i in range(args.probe_test)])
    x_probe_train, x_probe_test = ex.normalize(probe_train_img), ex.normalize(probe_test_img)

    _CTX.update(threads=args.threads, pool=pool, recipe=recipe, work=work, export=(export_ratios, seeds[0]), probe=(
        x_probe_train, probe_train_lat, x_probe_test, probe_test_lat))
    if "pixels" not in progress["controls"]:
        log("control: linear probes on raw pixels")
        progress["controls"]["pixels"] = ex.probe_all(ex.pixel_features(probe_train_img), probe_train_lat,
                                                      ex.pixel_features(probe_test_img), probe_test_lat)
        save()
    # seeds outermost: every ratio has one seed before any has three
    tasks = []
    for seed in seeds:
        tasks += [("control", patch, None, seed) for patch in patches
                  if f"untrained-p{patch}-s{seed}" not in progress["controls"]]
        tasks += [("train", patch, ratio, seed) for patch in patches for ratio in ratios
                  if f"{model_id(patch, ratio)}-s{seed}" not in progress["runs"]]
    trained = any(t[0] == "train" for t in tasks)
    # --jobs single-threaded worker processes (forked: they share the samples drawn above)
    ctx = mp.get_context("fork")
    with ctx.Pool(args.jobs) if args.jobs > 1 else _Serial() as workers:
        for kind, key, row in workers.imap_unordered(_task, tasks):
            progress["controls" if kind == "control" else "runs"][key] = row
            save()
            log(f"{key}: {row.get('seconds', 0)} s, mse {row.get('heldoutMse', '-')}, levels {row['probe']['levels']}")
    if trained or "finishedAt" not in progress:  # a call that only re-exports does not change the training record
        progress["finishedAt"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        save()

    out.mkdir(parents=True, exist_ok=True)
    models, loaded = [], {}
    for patch in patches:
        for ratio in export_ratios:
            ck_path = work / "models" / f"{model_id(patch, ratio)}.pth"
            if not ck_path.exists():
                continue
            ck = torch.load(ck_path, map_location="cpu")
            model = ex.make_model(patch)
            model.load_state_dict(ck["model"])
            mid = model_id(patch, ratio)
            loaded[mid] = model.eval()
            source = {"kind": "trained-here", "theory": {"patchSize": patch, "trainMaskRatio": ratio, "seed": seeds[0]},
                      "steps": args.steps, "images_seen": args.steps * args.batch,
                      "train_minutes": round(ck["facts"]["seconds"] / 60, 2),
                      "data": "the theory experiment's synthetic world (python/mae_playground/theory/world.py)",
                      "recipe": recipe, "heldOutMaskedMse": ck["facts"]["heldoutMse"]}
            export(model, out / mid, f"Theory: patch {patch}, trained at {round(ratio * 100)}% masking",
                   "A tiny MAE trained on the synthetic world of the theory experiment.", source,
                   train_mask_ratio=ratio)
            models.append({"id": mid, "patchSize": patch, "maskRatio": ratio, "seed": seeds[0], "path": f"models/theory/{mid}"})
    runs = list(progress["runs"].values())
    untrained = [v for k, v in progress["controls"].items() if k.startswith("untrained-")]
    results = {
        "format": RESULTS_FORMAT,
        "command": "PYTHONPATH=python env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE nice -n 19 "
                   "/usr/bin/python3 -m mae_playground.theory.run",
        "startedAt": progress["startedAt"],
        "finishedAt": progress["finishedAt"],
        "wallMinutes": round(progress["wallSeconds"] / 60, 1),
        "machine": machine(),
        "world": {"imgSize": world.IMG, "regionSize": world.REGION, "levels": ex.LEVELS,
                  "classes": ex.CLASSES, "trainPool": args.train_pool, "probeTrain": args.probe_train,
                  "probeTest": args.probe_test,
                  "seedBases": {"train": ex.TRAIN_BASE, "probeTrain": ex.PROBE_TRAIN_BASE, "probeTest": ex.PROBE_TEST_BASE}},
        "recipe": recipe,
        "probe": "closed-form ridge on frozen features (patch tokens of the unmasked image averaged per 8x8 region); "
                 "penalty chosen on a validation fifth of the probe-training set",
        "ratios": ratios, "patchSizes": patches, "seeds": seeds,
        "summary": summarize(runs, ["patchSize", "maskRatio"]),
        "controls": {"untrained": summarize(untrained, ["patchSize"]), "pixels": progress["controls"]["pixels"]},
        "runs": sorted(runs, key=lambda r: (r["patchSize"], r["maskRatio"], r["seed"])),
        "untrainedRuns": sorted(untrained, key=lambda r: (r["patchSize"], r["seed"])),
        "models": models,
        "reference": {**REFERENCE_CASE, "hiddenMse": reference_mse(loaded, REFERENCE_CASE)} if loaded else None,
    }
    (out / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    log(f"wrote {out / 'results.json'} ({len(runs)} runs, {len(models)} exported models)")
    write_report(results, ROOT)
    log("wrote docs/THEORY-2026-11-29.md and docs/theory-chart.svg")


if __name__ == "__main__":
    main()

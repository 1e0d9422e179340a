"""Train (or keep training) an MAE on the shared photos; resumable, CPU or GPU, single process or DDP.

Recipe (He et al.): RandomResizedCrop(scale 0.2-1, bicubic) + flip, AdamW (0.9, 0.95) with weight
decay 0.05 on weight matrices, linear warm-up then cosine decay, mask ratio 0.75, pixel targets.

    PYTHONPATH=python /usr/bin/python3 -m mae_playground.train --init python/weights/default.fp16.pth \
        --out runs/default --total-steps 6000          # first run on a machine (any of our checkpoints, or an official one)
    PYTHONPATH=python /usr/bin/python3 -m mae_playground.train --out runs/default  # resumes runs/default/checkpoint.pth
    ... --procs 2 --threads 1 --bf16                   # 2 data-parallel CPU processes, bfloat16 autocast (docs/TRAINING.md)

A checkpoint with optimizer state is written every --ckpt-minutes to <out>/checkpoint.pth (git-ignored);
each evaluation that improves the held-out MSE writes <out>/best.pth (fp16 weights + config + log),
which `export_onnx.py` turns into the shipped model and which --init accepts for a new machine.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import torch
import torch.distributed as dist
from PIL import Image
from torch.utils.data import DataLoader, Dataset, DistributedSampler
from torchvision import transforms

from .checkpoints import CheckpointError, load_checkpoint, read_checkpoint
from .data import IMAGENET_MEAN, IMAGENET_STD, load_rgb, train_files
from .evaluate import evaluate
from .models_mae import FACTORIES, cosine_lr, get_2d_sincos_pos_embed, model_from_config


class Photos(Dataset):
    def __init__(self, files, size: int, preload: bool = False, min_scale: float = 0.2, full_crops: bool = False):
        self.files = files
        self.min_scale, self.full_crops = min_scale, full_crops
        # Small models train faster than JPEG decoding keeps up with on 2 cores: decode each photo once,
        # kept at shorter side 2x the training size (crops at scale 0.2 still come from >= size pixels).
        self.images = [shrink(load_rgb(f), 2 * size) for f in files] if preload else None
        self.set_size(size)

    def set_size(self, size: int) -> None:
        """Crops come out at this size (lower-resolution phases crop the same photos smaller)."""
        crop = [
            # What the evaluation (and the app) sees: the whole photo at shorter side `size`, bicubic; only the
            # crop's position along the longer side is random.
            transforms.Resize(size, interpolation=transforms.InterpolationMode.BICUBIC),
            transforms.RandomCrop(size),
        ] if self.full_crops else [
            transforms.RandomResizedCrop(size, scale=(self.min_scale, 1.0), interpolation=transforms.InterpolationMode.BICUBIC),
        ]
        self.tf = transforms.Compose([
            *crop,
            transforms.RandomHorizontalFlip(),
            transforms.ToTensor(),
            transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD),
        ])

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, i: int) -> torch.Tensor:
        return self.tf(self.images[i] if self.images is not None else load_rgb(self.files[i]))


def shrink(img: Image.Image, shorter: int) -> Image.Image:
    w, h = img.size
    scale = shorter / min(w, h)
    return img.resize((round(w * scale), round(h * scale)), Image.BICUBIC) if scale < 1 else img


def set_grid(model: torch.nn.Module, img_size: int) -> None:
    """Run the model at another input size: fixed sin-cos position embeddings are recomputed for the new
    patch grid (they are not learned, so nothing is lost), everything else is size-independent."""
    pe = model.patch_embed
    if pe.img_size == img_size:
        return
    grid = img_size // pe.patch_size
    pe.img_size, pe.num_patches = img_size, grid * grid
    for name in ("pos_embed", "decoder_pos_embed"):
        old = getattr(model, name)
        table = torch.from_numpy(get_2d_sincos_pos_embed(old.shape[-1], grid, cls_token=True)).unsqueeze(0)
        setattr(model, name, torch.nn.Parameter(table.to(old.device), requires_grad=False))


class Ema:
    """Exponential moving average of the weights (evaluated and shipped instead of the raw weights)."""

    def __init__(self, model: torch.nn.Module, decay: float):
        self.decay = decay
        self.model = copy.deepcopy(model).eval()
        for p in self.model.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, model: torch.nn.Module) -> None:
        for e, p in zip(self.model.parameters(), model.parameters()):
            if p.requires_grad:  # position embeddings are fixed and may differ in size (set_grid)
                e.lerp_(p.detach(), 1.0 - self.decay)


def param_groups(model: torch.nn.Module, weight_decay: float):
    """Decay weight matrices only; biases, norms and the cls/mask tokens get none (official recipe)."""
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        (decay if p.ndim >= 2 and name not in ("cls_token", "mask_token") else no_decay).append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def ignore_stop_signals(_worker_id: int) -> None:
    """Loader workers leave SIGTERM/SIGINT to the main process, which stops cleanly after a checkpoint."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def atomic_save(obj, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def launch_processes(procs: int, threads: int) -> int:
    """Run this same command as `procs` data-parallel processes on one machine (gloo on a CPU), each with
    `threads` threads. torchrun would do it, but Debian's torch 1.13 launcher fails on this Python; the
    processes need only the four variables the process group reads. Returns the worst exit code."""
    with socket.socket() as s:  # a free port for the rendezvous
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    children = []
    for rank in range(procs):
        env = {**os.environ, "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port), "WORLD_SIZE": str(procs),
               "RANK": str(rank), "LOCAL_RANK": str(rank), "OMP_NUM_THREADS": str(threads)}
        children.append(subprocess.Popen([sys.executable, "-m", "mae_playground.train", *sys.argv[1:]], env=env))

    def forward(sig, _frame):  # a stop request reaches every rank, which checkpoint and exit together
        for c in children:
            c.send_signal(sig)
    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    return max(c.wait() for c in children)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="runs/default", help="run folder (checkpoint.pth, best.pth, log.jsonl)")
    ap.add_argument("--init", help="start from these weights (python/weights/*.pth, best.pth, an official .pth)")
    ap.add_argument("--model", default="mae_vit_tiny_patch16", choices=sorted(FACTORIES))
    ap.add_argument("--img-size", type=int, default=224)
    ap.add_argument("--patch-size", type=int, help="override the factory's patch size")
    ap.add_argument("--mask-ratio", type=float, default=0.75)
    ap.add_argument("--norm-pix-loss", action="store_true")
    ap.add_argument("--batch", type=int, default=32, help="per process")
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--min-lr", type=float, default=1e-5)
    ap.add_argument("--weight-decay", type=float, default=0.05)
    ap.add_argument("--warmup", type=int, default=200, help="warm-up steps (counted from the schedule start)")
    ap.add_argument("--total-steps", type=int, help="where the cosine schedule ends (default 6000; on resume, "
                    "the saved schedule's end unless given: give a larger one to extend a run)")
    ap.add_argument("--schedule-start", type=int, help="step where warm-up starts (default: first step run)")
    ap.add_argument("--max-minutes", type=float, default=1e9, help="stop (with a checkpoint) after this long")
    ap.add_argument("--ckpt-minutes", type=float, default=5.0)
    ap.add_argument("--eval-every", type=int, default=250)
    ap.add_argument("--log-every", type=int, default=25)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--preload", action="store_true", help="decode all photos once into memory (use --workers 0)")
    ap.add_argument("--exclude-probe-test", action="store_true", help="never train on the linear probe's test photos")
    ap.add_argument("--low-res", type=int, help="train at this input size (e.g. 128) before --low-res-until; "
                    "position embeddings are recomputed for its grid; evaluation and checkpoints stay at full size")
    ap.add_argument("--low-res-until", type=int, default=0, help="step where training switches to full size")
    ap.add_argument("--bf16", action="store_true", help="bfloat16 autocast for the forward pass (weights, "
                    "gradients and AdamW stay fp32): 4x the images/s on a CPU with AVX512-BF16")
    ap.add_argument("--min-scale", type=float, default=0.2, help="RandomResizedCrop's smallest area fraction")
    ap.add_argument("--full-crops", action="store_true", help="train on the evaluation's view instead of "
                    "RandomResizedCrop: shorter side to the input size, random crop along the longer side, flip")
    ap.add_argument("--ema", type=float, default=0.0, help="EMA decay of the weights (0: off); best.pth then "
                    "holds the EMA weights, which are also what is evaluated")
    ap.add_argument("--procs", type=int, default=1, help="data-parallel processes on this machine (--batch is per "
                    "process): on 2 cores, 2 processes of 1 thread keep both cores busy while each decodes its crops")
    args = ap.parse_args()
    if args.procs > 1 and "WORLD_SIZE" not in os.environ:
        sys.exit(launch_processes(args.procs, args.threads))

    distributed = "WORLD_SIZE" in os.environ and int(os.environ["WORLD_SIZE"]) > 1
    if torch.cuda.is_available():
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
        torch.set_num_threads(args.threads)
    if distributed:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    rank = dist.get_rank() if distributed else 0
    world = dist.get_world_size() if distributed else 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    ckpt_path, best_path, log_path = out / "checkpoint.pth", out / "best.pth", out / "log.jsonl"

    try:
        resume = read_checkpoint(ckpt_path) if ckpt_path.exists() else None
        init = read_checkpoint(args.init) if (resume is None and args.init) else None
        src = resume or init
        # Our checkpoints (any age or layout, fp16 or fp32) and official files; the architecture comes
        # from the file (its config, or the shapes of an official one), not from --model.
        loaded = load_checkpoint(src) if src is not None else None
    except CheckpointError as e:
        sys.exit(f"train: {e}")
    if loaded is not None:
        cfg = loaded.config
    else:
        overrides = {"img_size": args.img_size, "norm_pix_loss": args.norm_pix_loss}
        if args.patch_size:
            overrides["patch_size"] = args.patch_size
        cfg = FACTORIES[args.model](**overrides).config
    # The training mask ratio is part of what a run is: kept in its config so a resume cannot change it.
    cfg = {"mask_ratio": args.mask_ratio, **cfg}
    model = loaded.model if loaded is not None else model_from_config(cfg)
    full_size = cfg["img_size"]
    opt = torch.optim.AdamW(param_groups(model, args.weight_decay), lr=args.lr, betas=(0.9, 0.95))
    step, seconds, best_mse, log = 0, 0.0, float("inf"), []
    if src is not None:
        step, seconds, log = src.get("step", 0), src.get("seconds", 0.0), list(src.get("log", []))
        best_mse = src.get("best_mse", float("inf"))
        if "optimizer" in src:
            opt.load_state_dict(src["optimizer"])
    ema = Ema(model, args.ema) if args.ema > 0 else None
    if ema is not None and src is not None and "ema" in src:
        ema.model.load_state_dict(src["ema"])
    sched = dict(start=step if args.schedule_start is None else args.schedule_start, warmup=args.warmup,
                 total=args.total_steps or 6000, lr=args.lr, min_lr=args.min_lr)
    # A resume keeps its schedule (a larger --total-steps extends it); --schedule-start begins a new one
    # from the arguments (a new learning-rate cycle on top of a finished run).
    if resume is not None and "schedule" in resume and args.schedule_start is None:
        sched = dict(resume["schedule"], **({"total": args.total_steps} if args.total_steps else {}))
    model.to(device)
    ddp_model = torch.nn.parallel.DistributedDataParallel(model) if distributed else model

    files = train_files(exclude_probe_test=args.exclude_probe_test)
    ds = Photos(files, full_size, preload=args.preload, min_scale=args.min_scale, full_crops=args.full_crops)
    sampler = DistributedSampler(ds, shuffle=True) if distributed else None

    def make_loader(size: int) -> DataLoader:
        ds.set_size(size)
        return DataLoader(ds, batch_size=args.batch, shuffle=sampler is None, sampler=sampler, drop_last=True,
                          num_workers=args.workers, persistent_workers=args.workers > 0,
                          pin_memory=device.type == "cuda", worker_init_fn=ignore_stop_signals)

    data_folders = sorted({f.parent.name for f in files})
    # Photos per folder, exactly those trained on (after --exclude-probe-test): the model card's counts.
    data_photos = {folder: sum(1 for f in files if f.parent.name == folder) for folder in data_folders}
    images_seen = src.get("images_seen", step * args.batch) if src is not None else 0

    def size_at(s: int) -> int:
        return args.low_res if (args.low_res and s < args.low_res_until) else full_size
    if rank == 0:
        print(f"{len(files)} training photos, config {json.dumps(cfg)}, step {step}, device {device} x{world}, "
              f"schedule {sched}", flush=True)

    def write_log(entry: dict) -> None:
        log.append(entry)
        with open(log_path, "a") as f:
            f.write(json.dumps(entry) + "\n")

    def full_size_weights(m: torch.nn.Module) -> dict:
        """The state dict at the config's size (position embeddings of the full grid), whatever size runs now."""
        current = m.patch_embed.img_size
        set_grid(m, full_size)
        sd = {k: v.detach().clone() for k, v in m.state_dict().items()}
        set_grid(m, current)
        return sd

    def shipped() -> torch.nn.Module:
        return ema.model if ema is not None else model

    def state(full: bool) -> dict:
        s = {"config": cfg, "step": step, "seconds": seconds, "log": log, "best_mse": best_mse,
             "images_seen": images_seen, "data": data_folders, "data_photos": data_photos}
        if full:
            s.update(model=full_size_weights(model), optimizer=opt.state_dict(), schedule=sched)
            if ema is not None:
                s["ema"] = ema.model.state_dict()
        else:
            s.update(model={k: v.half() for k, v in full_size_weights(shipped()).items()})
        return s

    stop_requested = []  # SIGTERM/SIGINT: finish the step, write the checkpoint, exit cleanly
    signal.signal(signal.SIGTERM, lambda *_: stop_requested.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop_requested.append(1))
    t_start, t_ckpt, epoch = time.time(), time.time(), 0
    run_loss, run_n, t_log = 0.0, 0, time.time()
    done = step >= sched["total"]

    def evaluate_shipped() -> float:
        m = shipped()
        current = m.patch_embed.img_size
        set_grid(m, full_size)
        result = evaluate(m, baselines=False, mask_ratio=cfg["mask_ratio"])["model"]
        set_grid(m, current)
        return result

    while not done:
        if sampler is not None:
            sampler.set_epoch(epoch)
        epoch += 1
        size = size_at(step)
        set_grid(model, size)
        for imgs in make_loader(size):
            lr = cosine_lr(step - sched["start"], sched["lr"], sched["warmup"], sched["total"] - sched["start"],
                           sched["min_lr"])
            for g in opt.param_groups:
                g["lr"] = lr
            model.train()
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=args.bf16):
                loss, _, _ = ddp_model(imgs.to(device, non_blocking=True), mask_ratio=cfg["mask_ratio"])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if ema is not None:
                ema.update(model)
            step += 1
            images_seen += imgs.shape[0] * world
            run_loss, run_n = run_loss + loss.item(), run_n + 1
            now = time.time()
            if rank == 0 and step % args.log_every == 0:
                seconds += now - t_log
                ips = run_n * args.batch * world / (now - t_log)
                entry = {"step": step, "loss": run_loss / run_n, "lr": lr, "min": round(seconds / 60, 1),
                         "img_per_s": round(ips, 1), "size": size, "images_seen": images_seen,
                         "crops": "full" if args.full_crops else f"rrc{args.min_scale:g}", "bf16": args.bf16}
                if step % args.eval_every == 0:
                    entry["holdout"] = evaluate_shipped()
                    if entry["holdout"] < best_mse:
                        best_mse = entry["holdout"]
                        atomic_save(state(full=False), best_path)
                write_log(entry)
                print(json.dumps(entry), flush=True)
                run_loss, run_n, t_log = 0.0, 0, time.time()
            stop = step >= sched["total"] or (now - t_start) / 60 > args.max_minutes or bool(stop_requested)
            if rank == 0 and (stop or (now - t_ckpt) / 60 > args.ckpt_minutes):
                atomic_save(state(full=True), ckpt_path)
                t_ckpt = time.time()
            if stop:
                done = True
                break
            if size_at(step) != size:
                break  # next phase: a loader at the new size
    if rank == 0:
        final = evaluate_shipped()
        if final < best_mse:
            best_mse = final
            atomic_save(state(full=False), best_path)
        write_log({"step": step, "holdout_final": final, "min": round(seconds / 60, 1)})
        atomic_save(state(full=True), ckpt_path)
        print(f"done at step {step}; held-out masked MSE {final:.4f} (best {best_mse:.4f})", flush=True)
    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()

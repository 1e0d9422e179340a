"""Photo lists and the evaluation preprocessing (shorter side to img_size, bicubic, center crop)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
SHARED_DATA = Path(os.environ.get("MAE_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
IMAGE_EXTS = {".jpg", ".jpeg", ".png", ".webp", ".bmp"}


def list_images(*folders: Path) -> list[Path]:
    files: list[Path] = []
    for folder in folders:
        files += sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in IMAGE_EXTS)
    return files


def train_files(root: Path = SHARED_DATA) -> list[Path]:
    """Everything except val/: the held-out photos are never trained on."""
    return list_images(root / "imagenet-samples", root / "more-photos")


def val_files(root: Path = SHARED_DATA) -> list[Path]:
    return list_images(root / "val")


def load_rgb(path: Path) -> Image.Image:
    with Image.open(path) as im:
        return im.convert("RGB")


def resize_center_crop(img: Image.Image, size: int) -> Image.Image:
    w, h = img.size
    scale = size / min(w, h)
    nw, nh = max(size, round(w * scale)), max(size, round(h * scale))
    img = img.resize((nw, nh), Image.BICUBIC)
    left, top = (nw - size) // 2, (nh - size) // 2
    return img.crop((left, top, left + size, top + size))


def to_normalized_array(img: Image.Image) -> np.ndarray:
    """uint8 RGB HxWx3 -> float32 [3,H,W], ImageNet-normalised."""
    x = np.asarray(img, dtype=np.float32) / 255.0
    x = (x - np.array(IMAGENET_MEAN, dtype=np.float32)) / np.array(IMAGENET_STD, dtype=np.float32)
    return np.ascontiguousarray(x.transpose(2, 0, 1))


def eval_tensor(path: Path, size: int) -> np.ndarray:
    return to_normalized_array(resize_center_crop(load_rgb(path), size))

"""Photo lists and the evaluation preprocessing (shorter side to img_size, bicubic, center crop)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
SHARED_DATA = Path(os.environ.get("MAE_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"))
# Every shared training folder; val/ is never among them. imagenette/ (7,200 photos at 224 px) came later,
# so a data folder without it still trains.
TRAIN_FOLDERS = ("imagenet-samples", "more-photos", "imagenette")
IMAGE_EXTS = {".jpg", ".jpeg", ".png", ".webp", ".bmp"}


def list_images(*folders: Path) -> list[Path]:
    files: list[Path] = []
    for folder in folders:
        files += sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in IMAGE_EXTS)
    return files


def train_files(root: Path = SHARED_DATA, exclude_probe_test: bool = False) -> list[Path]:
    """Everything except val/: the held-out photos are never trained on. The zoo also leaves out the
    linear probe's test photos, so the probe is scored on photos its encoder never saw."""
    folders = [root / name for name in TRAIN_FOLDERS if (root / name).is_dir()]
    files = list_images(*folders)
    return [f for f in files if not (exclude_probe_test and is_probe_test(f))]


# Cat-vs-dog linear probe. more-photos/ names each photo's source set; the pet sets carry the label:
# cat_breeds_* (cats), dog_breeds_* (dogs), dogs_vs_cats_*_{cats,dogs}_*. The Kaggle Dogs-vs-Cats
# "test_set" photos (balanced, about 135 of each) are the probe's test split; all other pets train it.
def pet_label(path: Path) -> int | None:
    """1 for a dog, 0 for a cat, None for a photo that is neither (scenes, benchmarks, ImageNet)."""
    name = Path(path).name
    if name.startswith("cat_breeds"):
        return 0
    if name.startswith("dog_breeds"):
        return 1
    if name.startswith("dogs_vs_cats"):
        # dogs_vs_cats_dataset_{training,test}_set_{cats,dogs}_...: the label is after "_set_" (the
        # prefix itself names both classes).
        label = name.split("_set_", 1)[-1]
        if label.startswith("cats_"):
            return 0
        if label.startswith("dogs_"):
            return 1
    return None


def is_probe_test(path: Path) -> bool:
    return Path(path).name.startswith("dogs_vs_cats_dataset_test_set")


def probe_split(root: Path = SHARED_DATA) -> dict[str, tuple[list[Path], list[int]]]:
    split: dict[str, tuple[list[Path], list[int]]] = {"train": ([], []), "test": ([], [])}
    for f in list_images(root / "more-photos"):
        label = pet_label(f)
        if label is not None:
            files, labels = split["test" if is_probe_test(f) else "train"]
            files.append(f)
            labels.append(label)
    return split


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

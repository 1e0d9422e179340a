"""Model-card facts are computed when the manifest is written: photo counts from the folders a run trained on,
versions from the running interpreter."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from mae_playground.export_onnx import data_facts, photo_counts
from mae_playground.models_mae import MaskedAutoencoderViT

PY = Path(__file__).resolve().parents[1]
TINY = dict(img_size=32, patch_size=8, in_chans=3, embed_dim=32, depth=1, num_heads=2, decoder_embed_dim=16,
            decoder_depth=1, decoder_num_heads=2, mlp_ratio=4.0, norm_pix_loss=False)


def make_folders(root: Path) -> None:
    rng = np.random.default_rng(0)
    names = {"imagenet-samples": ["a.jpg", "b.jpg", "c.png"],
             "more-photos": ["cat_breeds_1.jpg", "dogs_vs_cats_dataset_test_set_dogs_dog.1.jpg", "notes.txt"],
             "val": ["v.jpg"]}
    for folder, files in names.items():
        (root / folder).mkdir(parents=True)
        for name in files:
            if name.endswith(".txt"):
                (root / folder / name).write_text("not a photo")
            else:
                Image.fromarray((rng.random((40, 40, 3)) * 255).astype(np.uint8)).save(root / folder / name)


def test_counts_recorded_by_the_run_win(tmp_path):
    ck = {"data": ["imagenet-samples"], "data_photos": {"imagenet-samples": 799}}
    assert photo_counts(ck, root=tmp_path) == {"imagenet-samples": 799}


def test_older_runs_are_counted_from_their_folders(tmp_path):
    make_folders(tmp_path)
    ck = {"data": ["imagenet-samples", "more-photos"]}
    assert photo_counts(ck, root=tmp_path) == {"imagenet-samples": 3, "more-photos": 2}  # the .txt is no photo
    assert photo_counts(ck, exclude_probe_test=True, root=tmp_path) == {"imagenet-samples": 3, "more-photos": 1}
    facts = data_facts({"imagenet-samples": 3, "more-photos": 1}, {"imagenet-samples": "ImageNet"}, "never val/")
    assert facts["data"] == "4 photos in ../shared/data: imagenet-samples (3 photos: ImageNet), more-photos (1 photo); never val/"


def test_export_writes_counted_photos_and_running_versions(tmp_path):
    make_folders(tmp_path / "data")
    torch.manual_seed(0)
    sd = {k: v.half() for k, v in MaskedAutoencoderViT(**TINY).state_dict().items()}
    # a best.pth from before train.py recorded counts: folder names only
    torch.save({"config": TINY, "step": 5, "seconds": 60.0, "data": ["imagenet-samples", "more-photos"], "model": sd},
               tmp_path / "best.pth")
    card = {"dataFolders": {"more-photos": "pets and scenes"}, "dataNote": "never val/", "hardware": "a CPU"}
    (tmp_path / "card.json").write_text(json.dumps(card))
    env = {**os.environ, "MAE_DATA": str(tmp_path / "data"), "PYTHONPATH": str(PY)}
    out = subprocess.run([sys.executable, "-m", "mae_playground.export_onnx", str(tmp_path / "best.pth"), "--out",
                          str(tmp_path / "model"), "--card", str(tmp_path / "card.json"), "--exclude-probe-test"],
                         env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    source = json.loads((tmp_path / "model" / "manifest.json").read_text())["source"]
    assert source["dataPhotos"] == {"imagenet-samples": 3, "more-photos": 1}
    assert source["data"].startswith("4 photos in ../shared/data: imagenet-samples (3 photos), more-photos (1 photo: "
                                     "pets and scenes); never val/")
    assert source["hardware"] == "a CPU" and "dataFolders" not in source
    assert source["software"]["torch"] == torch.__version__
    assert source["software"]["python"] == ".".join(map(str, sys.version_info[:3]))

"""The zoo's linear probe and its data split."""

import torch

from mae_playground.data import SHARED_DATA, is_probe_test, pet_label, probe_split, train_files
from mae_playground.models_mae import mae_vit_zoo
from mae_playground.probe import encoder_features, linear_probe


def test_pet_labels_from_file_names():
    assert pet_label("cat_breeds_dataset_breed_dataset_cat_breeds_Abyssinian_1.jpg") == 0
    assert pet_label("dog_breeds_kaggle_dataset_breed_dataset_beagle_3.jpg") == 1
    assert pet_label("dogs_vs_cats_dataset_test_set_cats_cat.4001.jpg") == 0
    assert pet_label("dogs_vs_cats_dataset_training_set_dogs_dog.12.jpg") == 1
    assert pet_label("CBSD68_CBSD68_101085.jpg") is None
    assert pet_label("n01440764_tench.jpg") is None


def test_probe_split_is_disjoint_balanced_and_left_out_of_zoo_training():
    if not (SHARED_DATA / "more-photos").exists():
        return
    split = probe_split()
    train, test = set(split["train"][0]), set(split["test"][0])
    assert not train & test
    labels = split["test"][1]
    assert len(labels) > 200 and abs(sum(labels) - len(labels) / 2) < 0.05 * len(labels)  # balanced
    zoo_train = set(train_files(exclude_probe_test=True))
    assert not zoo_train & test
    assert set(train_files()) - zoo_train == test
    assert all(is_probe_test(f) for f in test)


def test_linear_probe_separates_separable_features_and_not_noise():
    g = torch.Generator().manual_seed(0)
    n, d = 300, 16
    y = (torch.rand(n, generator=g) > 0.5).float()
    x = torch.randn(n, d, generator=g)
    x[:, 3] += 3 * (2 * y - 1)  # one informative direction
    good = linear_probe(x[:200], y[:200], x[200:], y[200:])
    assert good["accuracy"] > 0.9
    noise = torch.randn(n, d, generator=g)
    bad = linear_probe(noise[:200], y[:200], noise[200:], y[200:])
    assert bad["accuracy"] < 0.75
    assert 0 <= good["stderr"] < 0.05 and 0 < bad["stderr"] < 0.05


def test_encoder_features_are_mean_patch_tokens(tmp_path):
    from PIL import Image

    torch.manual_seed(0)
    model = mae_vit_zoo(patch_size=16)
    paths = []
    for i, colour in enumerate([(255, 0, 0), (0, 0, 255)]):
        p = tmp_path / f"{i}.png"
        Image.new("RGB", (130, 120), colour).save(p)
        paths.append(p)
    f = encoder_features(model, paths)
    assert f.shape == (2, 192)
    assert not torch.allclose(f[0], f[1])

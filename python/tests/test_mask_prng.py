import numpy as np

from mae_playground.mask_prng import image_seed, len_keep, mask_noise, mulberry32, random_masking_ids


def test_mulberry32_matches_javascript():
    # Values printed by the JavaScript one-liner in src/mae/masking.ts for seed 1.
    gen = mulberry32(1)
    assert [next(gen) for _ in range(3)] == [0.6270739405881613, 0.002735721180215478, 0.5274470399599522]


def test_len_keep_edges():
    assert len_keep(196, 0.75) == 49
    assert len_keep(196, 0.0) == 196
    assert len_keep(196, 0.95) == 9
    assert len_keep(196, 0.9999) == 1


def test_ids_follow_the_official_algorithm():
    for seed in [0, 5, 2**32 - 1]:
        noise = mask_noise(seed, 196)
        ids_keep, ids_restore, mask = random_masking_ids(seed, 196, 0.75)
        ids_shuffle = np.argsort(noise, kind="stable")
        assert np.array_equal(ids_keep, ids_shuffle[:49])
        assert np.array_equal(ids_shuffle[ids_restore], np.arange(196))
        assert mask.sum() == 147 and np.all(mask[ids_keep] == 0)


def test_image_seeds():
    assert image_seed(7, 5, True) == 7
    assert image_seed(7, 0, False) == 7
    assert image_seed(7, 1, False) == (7 + 0x9E3779B9) & 0xFFFFFFFF
    a, _, _ = random_masking_ids(image_seed(3, 1, False), 196, 0.75)
    b, _, _ = random_masking_ids(image_seed(3, 2, False), 196, 0.75)
    assert not np.array_equal(a, b)

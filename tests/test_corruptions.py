"""The 19 Tiny-ImageNet-C corruptions: shape, determinism, strength by severity,
and the errors bad input gets."""
import numpy as np
import pytest
from PIL import Image
from scipy import ndimage
from skimage.metrics import structural_similarity

from datadiver_fo.io import corruptions as C
from datadiver_fo.internal.schema import CORRUPTION_FAMILIES

# corruptions whose output depends on the random generator
RANDOM = {
    "gaussian_noise", "shot_noise", "impulse_noise", "speckle_noise", "glass_blur",
    "motion_blur", "snow", "frost", "fog", "elastic_transform", "spatter",
}


def _photo_crops(n_per_photo=2, seed=3):
    """Real 64x64 crops of bundled colour photographs."""
    import skimage.data as data

    rng = np.random.default_rng(seed)
    crops = []
    for photo in (data.chelsea(), data.coffee(), data.astronaut(), data.rocket()):
        h, w = photo.shape[:2]
        for _ in range(n_per_photo):
            side = int(min(h, w) * rng.uniform(0.4, 0.9))
            y, x = rng.integers(0, h - side + 1), rng.integers(0, w - side + 1)
            im = Image.fromarray(photo[y : y + side, x : x + side]).resize((64, 64), Image.LANCZOS)
            crops.append(np.asarray(im))
    return np.stack(crops)


IMAGES = _photo_crops()


def _mae(a, b):
    return float(np.abs(a.astype(np.float64) - b.astype(np.float64)).mean())


def _edge_energy(x, sigma=1.0):
    g = ndimage.gaussian_filter(x.astype(np.float64).mean(-1), (0, sigma, sigma))
    return float(np.abs(np.diff(g, axis=1)).mean() + np.abs(np.diff(g, axis=2)).mean())


def _edge_loss(a, b):
    # loss of high frequencies; a light smoothing first removes the pixel jitter
    return _edge_energy(a) - _edge_energy(b)


def _one_minus_ssim(a, b):
    return float(
        np.mean([1 - structural_similarity(x, y, channel_axis=-1, data_range=255) for x, y in zip(a, b)])
    )


# How "strength" is measured. Mean absolute distance to the clean image, except:
# glass_blur at severity 1 barely blurs but jitters pixels (large raw distance),
# so its blur is measured as loss of edge energy after a light smoothing; frost and saturate replace image
# content rather than shift values (frost adds a bright texture while the image
# weight falls; saturate's severities 1-2 desaturate and 3-5 over-saturate), so
# they are measured by structural dissimilarity (1 - SSIM).
METRIC = {"glass_blur": _edge_loss, "frost": _one_minus_ssim, "saturate": _one_minus_ssim}


def test_the_19_corruptions_are_listed_in_schema_order():
    names = C.list_corruptions()
    assert names == list(CORRUPTION_FAMILIES)
    assert len(names) == 19 and len(set(names)) == 19
    assert set(C.CORRUPTIONS) == set(names)
    assert set(C.PARAMETERS) == set(names)
    assert all(len(C.PARAMETERS[n]) == 5 for n in names)


@pytest.mark.parametrize("name", C.list_corruptions())
def test_corruption_changes_image_keeps_shape_and_is_deterministic(name):
    img = IMAGES[0]
    for sev in range(1, 6):
        out = C.corrupt(img, name, sev, rng=np.random.default_rng(11))
        assert out.shape == (64, 64, 3) and out.dtype == np.uint8
        assert not np.array_equal(out, img), f"{name} severity {sev} left the image unchanged"
        again = C.corrupt(img, name, sev, rng=np.random.default_rng(11))
        assert np.array_equal(out, again), f"{name} severity {sev} is not deterministic"
    # the input is never modified in place
    assert np.array_equal(img, IMAGES[0])
    other = C.corrupt(img, name, 3, rng=np.random.default_rng(12))
    if name in RANDOM:
        assert not np.array_equal(other, C.corrupt(img, name, 3, rng=np.random.default_rng(11)))
    else:
        assert np.array_equal(other, C.corrupt(img, name, 3, rng=np.random.default_rng(11)))


# The reference's own tables are not monotone for two corruptions (the
# corruptions follow the reference, tests/test_corruption_fidelity.py):
# elastic_transform's severity 1 is a pure affine warp with the largest
# jitter (64 * 0.08 px) and severity 5 the smallest; spatter's severities
# 1-3 are water and 4-5 mud, each growing within its kind.
SEVERITY_RUNS = {"elastic_transform": [], "spatter": [(1, 2, 3), (4, 5)]}


@pytest.mark.parametrize("name", C.list_corruptions())
def test_strength_grows_with_severity(name):
    metric = METRIC.get(name, _mae)
    # the same seed at every severity: the same frost photograph, noise
    # field... so the severity alone changes
    scores = [metric(IMAGES, C.corrupt_batch(IMAGES, name, s, rng=100)) for s in range(1, 6)]
    for run in SEVERITY_RUNS.get(name, [(1, 2, 3, 4, 5)]):
        got = [scores[s - 1] for s in run]
        assert all(a < b for a, b in zip(got, got[1:])), f"{name}: {scores}"
    assert min(scores) > 0


def test_blurs_remove_high_frequencies_more_at_higher_severity():
    def hf_energy(x):
        g = x.astype(np.float64).mean(-1)
        return float((np.abs(np.diff(g, axis=1)).mean() + np.abs(np.diff(g, axis=2)).mean()))

    clean = hf_energy(IMAGES)
    for name in ("defocus_blur", "motion_blur", "zoom_blur", "gaussian_blur"):
        hf = [hf_energy(C.corrupt_batch(IMAGES, name, s, rng=s)) for s in range(1, 6)]
        assert hf[0] < clean and all(a > b for a, b in zip(hf, hf[1:])), (name, clean, hf)


def test_batch_single_and_per_name_functions_agree():
    for name in ("fog", "glass_blur", "jpeg_compression"):
        single = C.corrupt(IMAGES[2], name, 4, rng=5)
        batch = C.corrupt_batch(IMAGES[2:3], name, 4, rng=5)
        assert np.array_equal(single, batch[0])
        assert np.array_equal(C.CORRUPTIONS[name](IMAGES[2], 4, rng=5), single)
        assert np.array_equal(C.CORRUPTIONS[name](IMAGES[2:3], 4, rng=5), batch)
    # rng=None means seed 0, an int is a seed
    assert np.array_equal(C.corrupt(IMAGES[1], "snow", 2), C.corrupt(IMAGES[1], "snow", 2, rng=0))


def test_works_on_other_sizes_and_grey_rgb():
    rect = np.ascontiguousarray(np.concatenate([IMAGES[0], IMAGES[1][:, :32]], axis=1))  # 64x96
    for name in C.list_corruptions():
        assert C.corrupt(rect, name, 5, rng=1).shape == (64, 96, 3)
    grey = np.repeat(IMAGES[3].mean(-1, keepdims=True).astype(np.uint8), 3, axis=-1)
    # grey images have no saturation: mild saturate is a no-op, strong adds colour
    assert np.array_equal(C.corrupt(grey, "saturate", 1), grey)
    assert not np.array_equal(C.corrupt(grey, "saturate", 5), grey)


def test_individual_corruptions_do_what_they_say():
    x = IMAGES.astype(np.float64)
    # brightness raises, contrast pulls towards the mean, fog and snow brighten
    assert C.corrupt_batch(IMAGES, "brightness", 3).mean() > x.mean() + 20
    low = C.corrupt_batch(IMAGES, "contrast", 5).astype(np.float64)
    # per-channel means, as the reference: each channel keeps its mean (less
    # the truncation to uint8) and its spread shrinks to 5 %
    assert (low.std(axis=(1, 2)) < 0.1 * x.std(axis=(1, 2)) + 2).all()
    assert np.abs(low.mean(axis=(1, 2)) - x.mean(axis=(1, 2))).max() < 1.5
    assert C.corrupt_batch(IMAGES, "snow", 5, rng=1).mean() > x.mean()
    # impulse noise only writes 0 or 255 where it changes a value
    out = C.corrupt_batch(IMAGES, "impulse_noise", 5, rng=2)
    changed = out != IMAGES
    assert set(np.unique(out[changed])) <= {0, 255}
    assert 0.05 < changed.mean() < 0.2  # amount 0.14, some already 0/255
    # gaussian noise sigma 0.18 -> std of the difference ~ 46 (minus clipping)
    d = C.corrupt_batch(IMAGES, "gaussian_noise", 5, rng=3).astype(np.float64) - x
    assert 30 < d.std() < 50
    # pixelate at 0.5 gives 2x2 blocks of equal pixels
    px = C.corrupt(IMAGES[0], "pixelate", 5)
    assert np.array_equal(px[0::2, 0::2], px[1::2, 1::2])
    # spatter severities 4-5 are mud: dark brown pixels appear
    mud = C.corrupt_batch(IMAGES, "spatter", 5, rng=4)
    brown = (np.abs(mud.astype(int) - [63, 42, 20]).sum(-1) < 6).mean()
    # (the reference's 64-px mud threshold 0.67 leaves ~1 % fully brown pixels)
    assert brown > 0.004


def test_frost_uses_the_reference_photographs_scaled_per_resolution():
    import os

    frost_dir = os.path.join(os.path.dirname(C.__file__), "..", "data", "frost")
    names = sorted(os.listdir(frost_dir))
    assert names == ["LICENSE", "NOTICE", "frost1.png", "frost2.png", "frost3.png", "frost4.jpg",
                     "frost5.jpg", "frost6.jpg"]
    assert "Apache License" in open(os.path.join(frost_dir, "LICENSE")).read()
    for res, n, scale, weight in (("tiny", 64, 0.3, 0.3), ("cifar", 32, 0.2, 0.2), ("imagenet", 224, None, 0.4)):
        # on black, severity 1 is weight x a crop of frost1..5 (scaled 0.3 at
        # 64 px, 0.2 at 32 px, unscaled at 224 px), drawn as the reference draws
        black = np.zeros((n, n, 3), np.uint8)
        out = C.corrupt(black, "frost", 1, rng=np.random.RandomState(4))
        rs = np.random.RandomState(4)
        idx = rs.randint(5)
        photo = C._frost_image(idx, scale)
        y, x = rs.randint(0, photo.shape[0] - n), rs.randint(0, photo.shape[1] - n)
        want = np.uint8(np.clip(weight * photo[y:y + n, x:x + n][..., ::-1], 0, 255))
        assert np.array_equal(out, want), res
    # an image larger than every frost photograph (ours only: the photograph is enlarged)
    big = np.full((700, 420, 3), 50, np.uint8)
    out = C.corrupt(big, "frost", 5, rng=1)
    assert out.shape == big.shape and out.mean() > 60


@pytest.mark.parametrize(
    "image, corruption, severity, match",
    [
        (IMAGES[0], "rain", 1, "unknown corruption 'rain'"),
        (IMAGES[0], None, 1, "unknown corruption"),
        (IMAGES[0], "fog", 0, "severity must be in 1..5"),
        (IMAGES[0], "fog", 6, "severity must be in 1..5"),
        (IMAGES[0], "fog", 2.0, "severity must be an int"),
        (IMAGES[0], "fog", True, "severity must be an int"),
        (IMAGES[0].mean(-1).astype(np.uint8), "fog", 1, r"shape \(H, W, 3\)"),
        (np.zeros((64, 64, 4), np.uint8), "fog", 1, r"shape \(H, W, 3\)"),
        (IMAGES[0].astype(np.float32), "fog", 1, "must be uint8"),
        (IMAGES[0].tolist(), "fog", 1, "numpy array"),
        (np.zeros((4, 4, 3), np.uint8), "fog", 1, "at least 8x8"),
    ],
)
def test_bad_input_raises_value_error(image, corruption, severity, match):
    with pytest.raises(ValueError, match=match):
        C.corrupt(image, corruption, severity)


def test_bad_rng_and_batch_shape_raise():
    with pytest.raises(ValueError, match="rng must be"):
        C.corrupt(IMAGES[0], "fog", 1, rng="seed")
    with pytest.raises(ValueError, match=r"\(N, H, W, 3\)"):
        C.corrupt_batch(IMAGES[0], "fog", 1)
    assert C.corrupt_batch(IMAGES[:0], "fog", 1).shape == (0, 64, 64, 3)


def test_workers_split_the_batch_with_identical_results():
    batch = np.concatenate([IMAGES] * 16)  # 128 images: 2 workers of 64
    one = C.corrupt_batch(batch, "glass_blur", 4, rng=9)
    two = C.corrupt_batch(batch, "glass_blur", 4, rng=9, workers=2)
    assert np.array_equal(one, two)
    assert 2 in C._POOLS  # the 2-process pool did the work (and is kept for later calls)
    # each image has its own stream: a prefix of the batch gives the same images
    assert np.array_equal(C.corrupt_batch(batch[:3], "glass_blur", 4, rng=9), one[:3])
    with pytest.raises(ValueError, match="RandomState is one sequential stream"):
        C.corrupt_batch(batch, "fog", 1, rng=np.random.RandomState(0), workers=2)
    with pytest.raises(ValueError, match="workers must be a positive int or None"):
        C.corrupt_batch(batch, "fog", 1, workers=0)


def test_random_state_draws_in_order_like_the_reference():
    # a RandomState corrupts the images in order from one stream (the
    # reference's np.random), so a batch equals the images one by one
    rs = np.random.RandomState(21)
    batch = C.corrupt_batch(IMAGES[:3], "spatter", 2, rng=rs)
    rs = np.random.RandomState(21)
    singles = [C.corrupt(im, "spatter", 2, rng=rs) for im in IMAGES[:3]]
    assert np.array_equal(batch, np.stack(singles))
    assert not np.array_equal(batch[0], batch[1])

"""A miniature Tiny-ImageNet-C, generated offline from real photographs.

The tree has exactly the real layout and naming::

    <out_dir>/Tiny-ImageNet-C/<corruption>/<severity>/<wnid>/ILSVRC2012_val_XXXXXXXX.JPEG
    <out_dir>/tiny-imagenet-200/{wnids.txt, words.txt}
    <out_dir>/tiny-imagenet-200/train/<wnid>/images/<wnid>_<n>.JPEG
    <out_dir>/tiny-imagenet-200/train/<wnid>/<wnid>_boxes.txt
    <out_dir>/tiny-imagenet-200/val/images/val_<n>.JPEG
    <out_dir>/tiny-imagenet-200/val/val_annotations.txt
    <out_dir>/tiny-imagenet-200/test/images/test_<n>.JPEG

Each class is one real photograph shipped inside an installed wheel
(scikit-image's ``skimage.data``, scikit-learn's sample images) mapped to the
most plausible of the 200 Tiny-ImageNet wnids; its images are different random
square crops (scale 35-90 % of the short side, random horizontal flip) resized
to 64x64 and saved as JPEG quality 85. The corrupted images come from
:mod:`datadiver_fo.io.corruptions` with the 64-px parameters.

Usage::

    python -m datadiver_fo.io.miniature OUT --classes 10 --images 4
"""
import argparse
import dataclasses
import functools
import io
import os
import sys
import tempfile
import time

import numpy as np
from PIL import Image

from datadiver_fo.io import corruptions as _corr
from datadiver_fo.internal.progress import Progress

_SIZE = 64
_QUALITY = 85
_C_DIR = "Tiny-ImageNet-C"
_CLEAN_DIR = "tiny-imagenet-200"
_MAX_SOURCE_NUMBER = 50000  # ImageNet val names run ILSVRC2012_val_00000001..50000
_DATA_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data")

# (photo key, Tiny-ImageNet wnid it stands for, where it comes from); order =
# class order, colour photos first. Keys of photos that fail to load offline
# are skipped.
_PHOTOS = [
    ("chelsea", "n02123045", "skimage.data.chelsea (a tabby cat)"),
    ("coffee", "n07920052", "skimage.data.coffee (a cup of coffee)"),
    ("rocket", "n04008634", "skimage.data.rocket (a rocket on its launch pad)"),
    ("astronaut", "n03763968", "skimage.data.astronaut (an astronaut in uniform)"),
    ("china", "n09332890", "sklearn china.jpg (a pagoda above a lake)"),
    ("flower", "n07715103", "sklearn flower.jpg (a dahlia flower head)"),
    ("motorcycle", "n03444034", "skimage.data.stereo_motorcycle (a motorbike)"),
    ("immunohistochemistry", "n01917289", "skimage.data.immunohistochemistry (coral-like tissue)"),
    ("camera", "n02841315", "skimage.data.camera (a man at an optical instrument)"),
    ("clock", "n04328186", "skimage.data.clock (a clock face)"),
    ("coins", "n02892201", "skimage.data.coins (embossed brass coins)"),
    ("page", "n06596364", "skimage.data.page (a printed page)"),
    ("grass", "n04417672", "skimage.data.grass (straw-like grass)"),
    ("gravel", "n09428293", "skimage.data.gravel (pebbles)"),
]

# purposes: separate random streams so e.g. clean val crops differ from C crops
_P_C, _P_VAL, _P_TRAIN, _P_TEST, _P_NAMES = 0, 1, 2, 3, 4


@dataclasses.dataclass
class MiniatureInfo:
    """What :func:`make_miniature` generated.

    Attributes:
        root: path of the ``Tiny-ImageNet-C`` folder
        clean_root: path of the ``tiny-imagenet-200`` folder, or ``None``
        wnids: list of the class wnids, in class order
        class_names: list of readable class names (as the loader labels them)
        source_ids: list of the C images' file names without extension
            (``ILSVRC2012_val_00012345``), class by class
        corruptions: list of the corruption folder names written
        severities: list of the severities written
        num_files: number of image files in the generated trees (C + clean)
        num_written: how many files this call actually wrote (0 when an
            identical tree already existed)
        source_wnids: dict source id -> wnid
        sources: dict wnid -> description of the photograph (and transform)
        out_dir: the folder holding both trees
        seed: the seed used
    """

    root: str
    clean_root: object
    wnids: list
    class_names: list
    source_ids: list
    corruptions: list
    severities: list
    num_files: int
    num_written: int = 0
    source_wnids: dict = dataclasses.field(default_factory=dict)
    sources: dict = dataclasses.field(default_factory=dict)
    out_dir: str = ""
    seed: int = 0


# ---------------------------------------------------------------------------
# Photographs
# ---------------------------------------------------------------------------
def _load_photo(key):
    if key in ("china", "flower"):
        from sklearn.datasets import load_sample_image

        img = load_sample_image(key + ".jpg")
    elif key == "motorcycle":
        import skimage.data

        img = skimage.data.stereo_motorcycle()[0]
    else:
        import skimage.data

        img = getattr(skimage.data, key)()
    img = np.asarray(img)
    if img.dtype != np.uint8:
        img = np.clip(img * (255.0 if img.max() <= 1 else 1.0), 0, 255).astype(np.uint8)
    if img.ndim == 2:
        img = np.stack([img] * 3, axis=-1)
    return np.ascontiguousarray(img[..., :3])


@functools.lru_cache(maxsize=None)
def _photos():
    """The photos that load offline here: list of (key, wnid, description, array)."""
    out = []
    for key, wnid, desc in _PHOTOS:
        try:
            img = _load_photo(key)
        except Exception:  # a photo needing a download: skip it, others suffice
            continue
        if min(img.shape[:2]) >= _SIZE:
            out.append((key, wnid, desc, img))
    if not out:
        raise RuntimeError("no bundled photograph could be loaded from scikit-image/scikit-learn")
    return out


@functools.lru_cache(maxsize=None)
def _tiny_wnids():
    with open(os.path.join(_DATA_DIR, "tiny_imagenet_wnids.txt")) as f:
        return [line.strip() for line in f if line.strip()]


@functools.lru_cache(maxsize=None)
def _lemmas():
    """wnid -> comma-separated names, from timm's ImageNet synset table."""
    table = {}
    try:
        # locate the file without importing timm (which would import torch)
        import importlib.util

        spec = importlib.util.find_spec("timm")
        if spec is None or not spec.origin:
            return table
        path = os.path.join(os.path.dirname(spec.origin), "data", "_info", "imagenet_synset_to_lemma.txt")
        with open(path, encoding="utf-8") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t", 1)
                if len(parts) == 2:
                    table[parts[0]] = parts[1]
    except (ImportError, OSError):
        pass
    return table


def _class_name(wnid):
    try:
        from datadiver_fo.io import wordnet
        return wordnet.class_name(wnid)
    except Exception:  # wordnet table unavailable: fall back to the first lemma
        return _lemmas().get(wnid, wnid).split(",")[0].strip()


def _classes(num_classes):
    """[(wnid, photo index, variant, description)] for the first num_classes.

    Classes beyond the number of photos reuse a photo with a variant: a hue
    rotation (colour photos) or colourisation (grey photos) plus an oriented
    stripe texture, both depending on the variant number, under a wnid not
    used yet.
    """
    photos = _photos()
    used = [p[1] for p in photos]
    spare = [w for w in _tiny_wnids() if w not in used]
    out = []
    for k in range(num_classes):
        j, v = k % len(photos), k // len(photos)
        if v == 0:
            out.append((photos[j][1], j, 0, photos[j][2]))
        else:
            wnid = spare.pop(0)
            out.append((wnid, j, v, f"derived from {photos[j][0]}: hue/texture variant {v}"))
    return out


def _variant(crop, v):
    """Makes a crop of a reused photo distinguishable (variant v >= 1)."""
    x = crop.astype(np.float32) / 255.0
    hsv = _corr.rgb_to_hsv(x)
    shift = (v * 0.6180339887) % 1.0
    if hsv[..., 1].mean() > 0.08:
        hsv[..., 0] = (hsv[..., 0] + shift) % 1.0
    else:
        hsv[..., 0] = shift
        hsv[..., 1] = 0.55
    x = _corr.hsv_to_rgb(hsv)
    yy, xx = np.mgrid[0:_SIZE, 0:_SIZE].astype(np.float32)
    ang = np.deg2rad(v * 37.0)
    period = 5.0 + (v % 4) * 3.0
    stripes = 0.5 + 0.5 * np.sin(2 * np.pi * (xx * np.cos(ang) + yy * np.sin(ang)) / period)
    x = 0.8 * x + 0.2 * stripes[..., None]
    return np.rint(np.clip(x, 0, 1) * 255).astype(np.uint8)


def _crops(photo, variant, rng, n):
    """n random 64x64 crops (varied scale and position, random flips)."""
    h, w = photo.shape[:2]
    out = np.empty((n, _SIZE, _SIZE, 3), dtype=np.uint8)
    for i in range(n):
        side = max(_SIZE // 2, int(min(h, w) * rng.uniform(0.35, 0.9)))
        side = min(side, h, w)
        y = int(rng.integers(0, h - side + 1))
        x = int(rng.integers(0, w - side + 1))
        flip = rng.random() < 0.5
        im = Image.fromarray(photo[y : y + side, x : x + side]).resize((_SIZE, _SIZE), Image.LANCZOS)
        arr = np.asarray(im)
        if flip:
            arr = arr[:, ::-1]
        out[i] = _variant(arr, variant) if variant else arr
    return out


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------
def _jpeg_bytes(arr):
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "JPEG", quality=_QUALITY)
    return buf.getvalue()


def _write_if_changed(path, data):
    """Writes ``data`` (bytes) to ``path`` unless it already holds exactly
    that; atomic (temp file + rename). Returns True if it wrote."""
    if os.path.isfile(path) and os.path.getsize(path) == len(data):
        with open(path, "rb") as f:
            if f.read() == data:
                return False
    if os.path.isdir(path):
        raise ValueError(f"cannot write {path}: a folder of that name is in the way")
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return True


def _check_int(value, what, lo, hi):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{what} must be an int, got {value!r}")
    if not lo <= int(value) <= hi:
        raise ValueError(f"{what} must be in {lo}..{hi}, got {value}")
    return int(value)


def _check_list(values, allowed, what):
    if values is None:
        return list(allowed)
    if isinstance(values, (str, int)):
        values = [values]
    values = list(dict.fromkeys(values))  # unique, order kept
    if not values:
        raise ValueError(f"{what} is empty; pass None for all of them")
    bad = [v for v in values if v not in allowed or isinstance(v, bool)]
    if bad:
        raise ValueError(f"unknown {what} {bad!r}; expected some of {list(allowed)}")
    return values


def make_miniature(
    out_dir,
    num_classes=10,
    images_per_class=4,
    corruptions=None,
    severities=None,
    seed=51,
    with_clean=True,
    progress=None,
    workers=1,
):
    """Writes a miniature Tiny-ImageNet-C (and tiny-imagenet-200) from real photos.

    Each class is a real photograph shipped in scikit-image / scikit-learn
    (14 load offline: tabby cat, espresso, projectile, military uniform,
    lakeside, cauliflower, go-kart, brain coral, binoculars, stopwatch, brass,
    comic book, thatch, seashore), under the most plausible real Tiny-ImageNet
    wnid. Its images are different random 64x64 crops of that photo. When more
    classes are asked than photos exist, further classes reuse the photos with
    a distinct hue rotation (or colourisation of grey photos) plus an oriented
    stripe texture, under the next unused wnids of the 200, so every class
    stays visually distinguishable.

    Args:
        out_dir: folder to write into (created if missing). Receives
            ``Tiny-ImageNet-C/<corruption>/<severity>/<wnid>/<name>.JPEG`` and,
            with ``with_clean``, ``tiny-imagenet-200/``
        num_classes (10): int in 1..200
        images_per_class (4): source images per class, int in 1..250
            (``num_classes * images_per_class`` <= 50,000)
        corruptions (None): list of corruption names (see
            :func:`datadiver_fo.io.corruptions.list_corruptions`); ``None`` = all 19
        severities (None): list of ints in 1..5; ``None`` = all five
        seed (51): int; the same arguments and seed give byte-identical files
        with_clean (True): also write ``tiny-imagenet-200`` with ``wnids.txt``,
            ``words.txt``, ``images_per_class`` train images per class (with
            ``<wnid>_boxes.txt``), ``images_per_class`` val images per class
            (other crops than the C images, as in the real data) with
            ``val_annotations.txt``, and a few unlabelled test images
        progress (None): whether to render a progress bar (True/False), use
            the default value ``fiftyone.config.show_progress_bars`` (None),
            or a progress callback function that receives a
            ``fiftyone.core.utils.ProgressBar`` (see ``fo.report_progress``)
        workers (1): processes that corrupt the images (``None`` = one per
            CPU core, see :func:`datadiver_fo.io.corruptions.corrupt_many`);
            the files are the same for any value

    Returns:
        a :class:`MiniatureInfo` (``.root``, ``.clean_root``, ``.wnids``,
        ``.class_names``, ``.source_ids``, ``.num_files``, ...)

    Raises:
        ValueError: on a bad count, unknown corruption or severity

    Re-running into an existing folder rewrites no identical file and never
    fails; files of other runs (other seeds or sizes) are left alone.

    Example::

        info = make_miniature("/tmp/mini", num_classes=6, images_per_class=3,
                              corruptions=["fog", "gaussian_noise"])
    """
    if not isinstance(out_dir, (str, os.PathLike)) or not str(out_dir):
        raise ValueError(f"out_dir must be a folder path, got {out_dir!r}")
    out_dir = os.path.abspath(os.fspath(out_dir))
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise ValueError(f"out_dir {out_dir} exists and is not a folder")
    num_classes = _check_int(num_classes, "num_classes", 1, len(_tiny_wnids()))
    images_per_class = _check_int(images_per_class, "images_per_class", 1, 250)
    if num_classes * images_per_class > _MAX_SOURCE_NUMBER:
        raise ValueError("num_classes * images_per_class must be <= 50000")
    all_corruptions = _corr.list_corruptions()
    corruptions = _check_list(corruptions, all_corruptions, "corruptions")
    severities = [int(s) for s in _check_list(severities, [1, 2, 3, 4, 5], "severities")]
    seed = _check_int(seed, "seed", 0, 2**63 - 1)
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers must be a positive int or None, got {workers!r}")

    classes = _classes(num_classes)
    photos = _photos()
    wnids = [c[0] for c in classes]
    names_rng = np.random.default_rng([seed, _P_NAMES])
    numbers = names_rng.permutation(_MAX_SOURCE_NUMBER)[: num_classes * images_per_class] + 1

    n_test = max(2, min(10, num_classes))
    n_c = num_classes * images_per_class * len(corruptions) * len(severities)
    n_clean = (2 * num_classes * images_per_class + n_test) if with_clean else 0
    root = os.path.join(out_dir, _C_DIR)
    clean_root = os.path.join(out_dir, _CLEAN_DIR) if with_clean else None
    written = 0
    source_ids, source_wnids = [], {}

    with Progress(progress, n_c + n_clean, desc="miniature") as prog:
        crops = []
        for k, (wnid, j, variant, _desc) in enumerate(classes):
            rng = np.random.default_rng([seed, k, _P_C])
            crops.append(_crops(photos[j][3], variant, rng, images_per_class))
            for i in range(images_per_class):
                sid = "ILSVRC2012_val_%08d" % numbers[k * images_per_class + i]
                source_ids.append(sid)
                source_wnids[sid] = wnid

        # one job per (corruption, severity, class), with its own stream: a
        # class's images depend neither on how many classes were asked for
        # nor on `workers`; jobs go to the workers in groups of ~2048 images
        tasks = [(corruption, sev, k) for corruption in corruptions for sev in severities
                 for k in range(len(classes))]
        group = max(1, 2048 // images_per_class)
        for g in range(0, len(tasks), group):
            part = tasks[g:g + group]
            jobs = [(crops[k], c, sev, np.random.default_rng([seed, 1000 + all_corruptions.index(c), sev, k]))
                    for c, sev, k in part]
            outs = _corr.corrupt_many(jobs, workers=workers)
            for (corruption, sev, k), out in zip(part, outs):
                folder = os.path.join(root, corruption, str(sev), classes[k][0])
                for i in range(images_per_class):
                    sid = source_ids[k * images_per_class + i]
                    written += _write_if_changed(os.path.join(folder, sid + ".JPEG"), _jpeg_bytes(out[i]))
                    prog.update(1, label=f"{corruption} {sev}")

        if with_clean:
            written += _write_clean(clean_root, classes, photos, images_per_class, n_test, seed, prog)

    return MiniatureInfo(
        root=root,
        clean_root=clean_root,
        wnids=wnids,
        class_names=[_class_name(w) for w in wnids],
        source_ids=source_ids,
        corruptions=list(corruptions),
        severities=list(severities),
        num_files=n_c + n_clean,
        num_written=int(written),
        source_wnids=source_wnids,
        sources={c[0]: c[3] for c in classes},
        out_dir=out_dir,
        seed=seed,
    )


def _write_clean(clean_root, classes, photos, ipc, n_test, seed, prog):
    written = 0
    wnids = [c[0] for c in classes]
    lemmas = _lemmas()
    written += _write_if_changed(os.path.join(clean_root, "wnids.txt"), "".join(w + "\n" for w in wnids).encode())
    words = "".join(f"{w}\t{lemmas.get(w, _class_name(w))}\n" for w in wnids)
    written += _write_if_changed(os.path.join(clean_root, "words.txt"), words.encode("utf-8"))

    # train: <wnid>/images/<wnid>_<n>.JPEG + <wnid>_boxes.txt
    for k, (wnid, j, variant, _d) in enumerate(classes):
        imgs = _crops(photos[j][3], variant, np.random.default_rng([seed, k, _P_TRAIN]), ipc)
        boxes = []
        for i in range(ipc):
            name = f"{wnid}_{i}.JPEG"
            path = os.path.join(clean_root, "train", wnid, "images", name)
            written += _write_if_changed(path, _jpeg_bytes(imgs[i]))
            boxes.append(f"{name}\t0\t0\t{_SIZE - 1}\t{_SIZE - 1}\n")
            prog.update(1, label="clean train")
        written += _write_if_changed(
            os.path.join(clean_root, "train", wnid, f"{wnid}_boxes.txt"), "".join(boxes).encode()
        )

    # val: shuffled across classes like the real val set; other crops than C
    order = np.random.default_rng([seed, _P_VAL, 0]).permutation(len(classes) * ipc)
    annotations = [None] * len(order)
    for k, (wnid, j, variant, _d) in enumerate(classes):
        imgs = _crops(photos[j][3], variant, np.random.default_rng([seed, k, _P_VAL]), ipc)
        for i in range(ipc):
            n = int(order[k * ipc + i])
            name = f"val_{n}.JPEG"
            written += _write_if_changed(os.path.join(clean_root, "val", "images", name), _jpeg_bytes(imgs[i]))
            annotations[n] = f"{name}\t{wnid}\t0\t0\t{_SIZE - 1}\t{_SIZE - 1}\n"
            prog.update(1, label="clean val")
    written += _write_if_changed(
        os.path.join(clean_root, "val", "val_annotations.txt"), "".join(annotations).encode()
    )

    # test: a few unlabelled images
    for t in range(n_test):
        k = t % len(classes)
        _wnid, j, variant, _d = classes[k]
        img = _crops(photos[j][3], variant, np.random.default_rng([seed, k, _P_TEST, t]), 1)[0]
        written += _write_if_changed(os.path.join(clean_root, "test", "images", f"test_{t}.JPEG"), _jpeg_bytes(img))
        prog.update(1, label="clean test")
    return written


# ---------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------
def main(argv=None):
    """``python -m datadiver_fo.io.miniature OUT [--classes N] [--images N] ...``"""
    parser = argparse.ArgumentParser(
        prog="python -m datadiver_fo.io.miniature",
        description="Write a miniature Tiny-ImageNet-C (+ tiny-imagenet-200) from bundled real photos.",
    )
    parser.add_argument("out", help="output folder")
    parser.add_argument("--classes", type=int, default=10, help="number of classes (1..200)")
    parser.add_argument("--images", type=int, default=4, help="source images per class")
    parser.add_argument("--corruptions", default=None, help="comma-separated corruption names (default: all 19)")
    parser.add_argument("--severities", default=None, help="comma-separated severities (default: 1,2,3,4,5)")
    parser.add_argument("--seed", type=int, default=51)
    parser.add_argument("--no-clean", action="store_true", help="do not write tiny-imagenet-200")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: one per CPU core)")
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--quiet", action="store_true", help="print nothing but errors")
    out.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)
    corruptions = args.corruptions.split(",") if args.corruptions else None
    try:
        severities = [int(s) for s in args.severities.split(",")] if args.severities else None
    except ValueError:
        parser.error(f"--severities must be integers, got {args.severities!r}")
    t0 = time.perf_counter()
    try:
        info = make_miniature(
            args.out,
            num_classes=args.classes,
            images_per_class=args.images,
            corruptions=corruptions,
            severities=severities,
            seed=args.seed,
            with_clean=not args.no_clean,
            # a bar on a terminal only, and never in the scripted modes
            progress=sys.stderr.isatty() and not (args.quiet or args.json),
            workers=args.workers,
        )
    except ValueError as e:
        parser.error(str(e))
    dt = time.perf_counter() - t0
    if args.json:
        import json

        print(json.dumps({
            "root": info.root, "clean_root": info.clean_root, "classes": len(info.wnids),
            "images_per_class": args.images, "corruptions": list(info.corruptions),
            "severities": list(info.severities), "num_files": info.num_files,
            "num_written": info.num_written, "seconds": round(dt, 2)}))
        return 0
    if args.quiet:
        return 0
    print(f"Tiny-ImageNet-C miniature: {info.root}")
    if info.clean_root:
        print(f"tiny-imagenet-200:         {info.clean_root}")
    print(
        f"{len(info.wnids)} classes x {args.images} images x {len(info.corruptions)} corruptions "
        f"x {len(info.severities)} severities; {info.num_files} files ({info.num_written} written) in {dt:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

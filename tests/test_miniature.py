"""The miniature Tiny-ImageNet-C generator: real layout and naming, JPEG
quality 85, determinism by seed, idempotent re-runs, the clean tree, the CLI."""
import io
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from datadiver_fo.io import miniature as M
from datadiver_fo.io import wordnet
from datadiver_fo.internal.schema import CORRUPTION_FAMILIES

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARGS = dict(
    num_classes=3,
    images_per_class=2,
    corruptions=["gaussian_noise", "jpeg_compression", "saturate"],
    severities=[1, 3],
    seed=5,
)
NAME_RE = re.compile(r"^ILSVRC2012_val_\d{8}\.JPEG$")


def _files(root):
    out = {}
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            p = os.path.join(dirpath, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, root)] = fh.read()
    return out


def _quant_tables(quality):
    buf = io.BytesIO()
    Image.fromarray(np.full((64, 64, 3), 128, np.uint8)).save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).quantization


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    out = tmp_path_factory.mktemp("mini")
    info = M.make_miniature(str(out), **ARGS)
    return out, info


def test_layout_is_exactly_the_real_one(tree):
    out, info = tree
    assert info.root == os.path.join(str(out), "Tiny-ImageNet-C")
    assert sorted(os.listdir(out)) == ["Tiny-ImageNet-C", "tiny-imagenet-200"]
    assert sorted(os.listdir(info.root)) == sorted(ARGS["corruptions"])
    names_per_folder = []
    for corruption in ARGS["corruptions"]:
        assert sorted(os.listdir(os.path.join(info.root, corruption))) == ["1", "3"]
        for sev in ("1", "3"):
            sev_dir = os.path.join(info.root, corruption, sev)
            assert sorted(os.listdir(sev_dir)) == sorted(info.wnids)
            names = set()
            for wnid in info.wnids:
                files = os.listdir(os.path.join(sev_dir, wnid))
                assert len(files) == ARGS["images_per_class"]
                assert all(NAME_RE.match(f) for f in files), files
                assert {info.source_wnids[f[:-5]] for f in files} == {wnid}
                names |= set(files)
            names_per_folder.append(names)
    # the same source names repeat across every corruption and severity
    assert all(n == names_per_folder[0] for n in names_per_folder)
    assert {n[:-5] for n in names_per_folder[0]} == set(info.source_ids)
    assert len(set(info.source_ids)) == 3 * 2
    assert all(1 <= int(s[-8:]) <= 50000 for s in info.source_ids)


def test_images_are_64px_rgb_jpeg_quality_85(tree):
    _out, info = tree
    q85 = _quant_tables(85)
    assert q85 != _quant_tables(75)
    folder = os.path.join(info.root, "saturate", "3", info.wnids[0])
    for f in os.listdir(folder):
        with Image.open(os.path.join(folder, f)) as im:
            assert im.format == "JPEG" and im.mode == "RGB" and im.size == (64, 64)
            assert im.quantization == q85
    clean_val = os.path.join(info.clean_root, "val", "images")
    with Image.open(os.path.join(clean_val, os.listdir(clean_val)[0])) as im:
        assert im.size == (64, 64) and im.quantization == q85


def test_info_describes_real_tiny_classes(tree):
    out, info = tree
    tiny = set(wordnet.class_wnids())
    assert len(info.wnids) == 3 and set(info.wnids) <= tiny
    assert info.wnids[0] == "n02123045"  # chelsea -> tabby cat
    assert info.class_names == [wordnet.class_name(w) for w in info.wnids]
    assert info.corruptions == ARGS["corruptions"] and info.severities == [1, 3]
    n_images = sum(1 for p in _files(str(out)) if p.endswith(".JPEG"))
    assert info.num_files == n_images == 3 * 2 * 3 * 2 + 2 * 3 * 2 + 3
    assert set(info.sources) == set(info.wnids)


def test_clean_tree_files(tree):
    _out, info = tree
    clean = info.clean_root
    with open(os.path.join(clean, "wnids.txt")) as f:
        assert f.read().split() == info.wnids
    lemmas = M._lemmas()
    with open(os.path.join(clean, "words.txt"), encoding="utf-8") as f:
        lines = [ln.rstrip("\n").split("\t") for ln in f]
    assert [ln[0] for ln in lines] == info.wnids
    assert all(len(ln) == 2 and ln[1] == lemmas[ln[0]] for ln in lines)
    assert lines[0][1].startswith("tabby")
    for wnid in info.wnids:
        imgs = sorted(os.listdir(os.path.join(clean, "train", wnid, "images")))
        assert imgs == [f"{wnid}_0.JPEG", f"{wnid}_1.JPEG"]
        with open(os.path.join(clean, "train", wnid, f"{wnid}_boxes.txt")) as f:
            boxes = [ln.split("\t") for ln in f.read().splitlines()]
        assert [b[0] for b in boxes] == imgs and all(b[1:] == ["0", "0", "63", "63"] for b in boxes)
    with open(os.path.join(clean, "val", "val_annotations.txt")) as f:
        ann = [ln.split("\t") for ln in f.read().splitlines()]
    files = sorted(os.listdir(os.path.join(clean, "val", "images")))
    assert sorted(a[0] for a in ann) == files == sorted(f"val_{i}.JPEG" for i in range(6))
    assert all(a[2:] == ["0", "0", "63", "63"] and a[1] in info.wnids for a in ann)
    assert sorted(a[1] for a in ann) == sorted(info.wnids * 2)
    assert sorted(os.listdir(os.path.join(clean, "test", "images"))) == [f"test_{i}.JPEG" for i in range(3)]


def _load(path):
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), dtype=np.float64)


def test_clean_val_images_are_other_crops_than_the_c_images(tree):
    _out, info = tree
    clean = info.clean_root
    with open(os.path.join(clean, "val", "val_annotations.txt")) as f:
        ann = [ln.split("\t") for ln in f.read().splitlines()]
    # jpeg_compression severity 1 (quality 65) is within a few levels of its source crop
    c_imgs = {
        sid: _load(os.path.join(info.root, "jpeg_compression", "1", info.source_wnids[sid], sid + ".JPEG"))
        for sid in info.source_ids
    }
    c_sev3 = {
        sid: _load(os.path.join(info.root, "jpeg_compression", "3", info.source_wnids[sid], sid + ".JPEG"))
        for sid in info.source_ids
    }
    same_source = min(np.abs(c_imgs[s] - c_sev3[s]).mean() for s in info.source_ids)
    nearest = min(
        np.abs(_load(os.path.join(clean, "val", "images", a[0])) - c).mean()
        for a in ann
        for c in c_imgs.values()
    )
    assert same_source < 5 < nearest, (same_source, nearest)


def test_same_seed_gives_byte_identical_trees_other_seed_differs(tree, tmp_path):
    out, _info = tree
    again = M.make_miniature(str(tmp_path / "again"), **ARGS)
    assert _files(str(out)) == _files(str(tmp_path / "again"))
    assert again.source_ids == _info.source_ids
    other = M.make_miniature(str(tmp_path / "other"), **{**ARGS, "seed": 6})
    assert other.wnids == _info.wnids  # classes do not depend on the seed
    assert other.source_ids != _info.source_ids
    a = _files(str(out / "tiny-imagenet-200" / "train"))
    b = _files(str(tmp_path / "other" / "tiny-imagenet-200" / "train"))
    assert a.keys() == b.keys() and all(a[k] != b[k] for k in a if k.endswith(".JPEG"))


def test_rerun_rewrites_nothing_identical_and_repairs_damage(tmp_path):
    args = {**ARGS, "corruptions": ["fog"], "severities": [2]}
    first = M.make_miniature(str(tmp_path), **args)
    assert first.num_written == first.num_files + 2 + 3 + 1  # + wnids, words, 3 boxes, val ann
    before = {p: os.stat(os.path.join(tmp_path, p)).st_mtime_ns for p in _files(str(tmp_path))}
    second = M.make_miniature(str(tmp_path), **args)
    assert second.num_written == 0
    after = {p: os.stat(os.path.join(tmp_path, p)).st_mtime_ns for p in _files(str(tmp_path))}
    assert after == before
    # a truncated file is restored, the rest untouched; foreign files are kept
    victim = os.path.join(first.root, "fog", "2", first.wnids[1], first.source_ids[2] + ".JPEG")
    good = open(victim, "rb").read()
    with open(victim, "wb") as f:
        f.write(good[:100])
    foreign = os.path.join(first.root, "fog", "2", first.wnids[0], "mine.JPEG")
    open(foreign, "wb").write(b"x")
    third = M.make_miniature(str(tmp_path), **args)
    assert third.num_written == 1
    assert open(victim, "rb").read() == good
    assert os.path.exists(foreign)


def test_class_images_do_not_depend_on_how_many_classes(tmp_path):
    small = M.make_miniature(str(tmp_path / "s"), 2, 2, corruptions=["snow"], severities=[4], with_clean=False)
    big = M.make_miniature(str(tmp_path / "b"), 4, 2, corruptions=["snow"], severities=[4], with_clean=False)
    assert big.wnids[:2] == small.wnids and small.clean_root is None
    assert not os.path.exists(tmp_path / "s" / "tiny-imagenet-200")
    w = small.wnids[1]
    a = _files(str(tmp_path / "s" / "Tiny-ImageNet-C" / "snow" / "4" / w))
    b = _files(str(tmp_path / "b" / "Tiny-ImageNet-C" / "snow" / "4" / w))
    assert sorted(a.values()) == sorted(b.values())


def test_workers_write_the_same_files(tmp_path):
    args = dict(num_classes=4, images_per_class=16, corruptions=["glass_blur", "frost"], severities=[2],
                with_clean=False)
    one = M.make_miniature(str(tmp_path / "one"), **args)
    two = M.make_miniature(str(tmp_path / "two"), workers=2, **args)
    a, b = _files(one.root), _files(two.root)
    assert len(a) == 4 * 16 * 2 and a == b  # 128 images: enough for 2 processes
    with pytest.raises(ValueError, match="workers must be a positive int or None, got 0"):
        M.make_miniature(str(tmp_path / "bad"), workers=0, **args)


def test_more_classes_than_photos_stay_distinct(tmp_path):
    n_photos = len(M._photos())
    assert n_photos >= 10  # enough real photographs load offline for the default
    n = n_photos + 3
    info = M.make_miniature(str(tmp_path), n, 1, corruptions=["contrast"], severities=[1], with_clean=False)
    assert len(set(info.wnids)) == n and set(info.wnids) <= set(wordnet.class_wnids())
    assert "derived from" in info.sources[info.wnids[-1]]
    imgs = {
        w: _load(os.path.join(info.root, "contrast", "1", w, os.listdir(os.path.join(info.root, "contrast", "1", w))[0]))
        for w in info.wnids
    }
    # a derived class has other colours than the class whose photo it reuses
    for k in range(n_photos, n):
        base, derived = imgs[info.wnids[k - n_photos]], imgs[info.wnids[k]]
        assert np.abs(base.mean((0, 1)) - derived.mean((0, 1))).max() > 3 or np.abs(base - derived).mean() > 10


def test_all_19_corruptions_by_default_and_progress(tmp_path):
    calls = []
    info = M.make_miniature(
        str(tmp_path), 1, 1, severities=[5], with_clean=False, progress=lambda f, label: calls.append((f, label))
    )
    assert info.corruptions == list(CORRUPTION_FAMILIES)
    assert sorted(os.listdir(info.root)) == sorted(CORRUPTION_FAMILIES)
    assert info.num_files == 19
    fracs = [c[0] for c in calls]
    assert fracs and fracs[-1] == 1.0 and fracs == sorted(fracs)
    assert all(isinstance(c[1], str) for c in calls)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(num_classes=0), "num_classes must be in 1..200"),
        (dict(num_classes=201), "num_classes must be in 1..200"),
        (dict(num_classes="3"), "num_classes must be an int"),
        (dict(images_per_class=0), "images_per_class must be in"),
        (dict(corruptions=["rain"]), r"unknown corruptions \['rain'\]"),
        (dict(corruptions=[]), "corruptions is empty"),
        (dict(severities=[0, 1]), r"unknown severities \[0\]"),
        (dict(severities=[6]), r"unknown severities \[6\]"),
        (dict(seed=-1), "seed must be in"),
    ],
)
def test_bad_arguments_raise_value_error(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        M.make_miniature(str(tmp_path / "x"), **kwargs)
    assert not os.path.exists(tmp_path / "x")


def test_out_dir_that_is_a_file_raises(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(ValueError, match="is not a folder"):
        M.make_miniature(str(f))


def test_cli(tmp_path):
    env = {**os.environ, "PYTHONPATH": REPO}
    cmd = [sys.executable, "-m", "datadiver_fo.io.miniature", str(tmp_path / "cli"), "--classes", "2", "--images", "1"]
    res = subprocess.run(cmd + ["--corruptions", "fog,snow", "--severities", "1,5"], env=env, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert "2 classes" in res.stdout and "Tiny-ImageNet-C" in res.stdout
    assert sorted(os.listdir(tmp_path / "cli" / "Tiny-ImageNet-C")) == ["fog", "snow"]
    assert sorted(os.listdir(tmp_path / "cli" / "Tiny-ImageNet-C" / "snow")) == ["1", "5"]
    bad = subprocess.run(cmd + ["--corruptions", "rain"], env=env, capture_output=True, text=True)
    assert bad.returncode == 2 and "unknown corruptions ['rain']" in bad.stderr

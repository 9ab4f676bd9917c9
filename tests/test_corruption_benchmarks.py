"""The -C family in one loader: CIFAR-10-C, CIFAR-100-C and ImageNet-C built
here at small size with the real layout and naming, Tiny-ImageNet-C from the
session miniature; detection, schema, resumable CIFAR conversion, broken and
missing pieces reported, and the operator."""
import os

import fiftyone as fo
import numpy as np
import pytest
from PIL import Image

import datadiver_fo as ddf
from datadiver_fo.internal import schema as S
from datadiver_fo.io import cifar_c
from datadiver_fo.io import wordnet as wn

N_PER_SEV = 20  # images per severity (the real arrays hold 10,000)


def _cifar(tmp_path, title="CIFAR-10-C", corruptions=("gaussian_noise", "fog"), n_classes=10,
           seed=0):
    """``<title>/<corruption>.npy`` (5 x N_PER_SEV uint8 32x32x3, stacked by
    severity) and ``labels.npy`` (the test labels repeated 5 times)."""
    root = tmp_path / title
    root.mkdir()
    rng = np.random.default_rng(seed)
    test_labels = np.arange(N_PER_SEV) % n_classes
    if n_classes > 10:
        test_labels = (np.arange(N_PER_SEV) * 7) % n_classes
    np.save(root / "labels.npy", np.tile(test_labels, 5).astype(np.int64))
    arrays = {}
    for c in corruptions:
        arr = rng.integers(0, 256, (5 * N_PER_SEV, 32, 32, 3), dtype=np.uint8)
        np.save(root / f"{c}.npy", arr)
        arrays[c] = arr
    return root, arrays, test_labels


def _reasons(rep):
    return {os.path.basename(p): r for p, r in rep["skipped_files"]}


def test_cifar10c_loads_with_the_schema_and_exact_pixels(tmp_path, unique_name):
    root, arrays, test_labels = _cifar(tmp_path)
    media = tmp_path / "media"
    found = ddf.detect_corruption_benchmark(str(root))
    assert found["kind"] == "cifar-10-c" and found["root"] == str(root)
    ds = ddf.load_corruption_benchmark(str(root), name=unique_name, media_dir=str(media))
    try:
        assert len(ds) == 2 * 5 * N_PER_SEV
        assert ds.info["datadiver_benchmark"] == "cifar-10-c"
        assert set(ds.distinct(S.CORRUPTION)) == {"gaussian_noise", "fog"}
        assert ds.distinct(S.SEVERITY) == [1, 2, 3, 4, 5]
        assert ds.default_classes == list(cifar_c.CIFAR10_CLASSES)
        assert len(ds.match_tags("cifar-10-c")) == len(ds)
        s = ds.match((fo.ViewField(S.CORRUPTION) == "fog") & (fo.ViewField(S.SEVERITY) == 3)
                     & (fo.ViewField(S.SOURCE_ID) == "7")).first()
        assert s.ground_truth.label == cifar_c.CIFAR10_CLASSES[test_labels[7]]
        assert s.corruption_family == "weather"
        assert s.wnid is None and s.hypernyms == []
        assert s.filepath == str(media / "fog" / "3" / s.ground_truth.label / "7.png")
        assert s.metadata.width == 32 and s.metadata.mime_type == "image/png"
        # lossless: the file holds exactly row (3 - 1) * N + 7 of the array
        assert np.array_equal(np.asarray(Image.open(s.filepath)), arrays["fog"][2 * N_PER_SEV + 7])
        # every variant of test image 7 shares its source_id
        assert len(ds.match(fo.ViewField(S.SOURCE_ID) == "7")) == 2 * 5
        rep = ddf.import_report(ds)
        assert rep["skipped"] == {}  # the owner manifest is ours, not a skipped file
        assert "snow" in rep["missing_corruptions"] and "fog" not in rep["missing_corruptions"]
    finally:
        fo.delete_dataset(unique_name)


def test_cifar_conversion_is_resumable_and_writes_only_what_is_missing(tmp_path, unique_name):
    root, arrays, _ = _cifar(tmp_path)
    media = tmp_path / "media"
    ds = ddf.load_corruption_benchmark(str(root), name=unique_name, media_dir=str(media),
                                       corruptions=["fog"], severities=[1, 2])
    try:
        assert len(ds) == 2 * N_PER_SEV
        # an interrupted run: one file lost, a temporary file left behind
        victim = ds.first().filepath
        other = ds.last().filepath
        mtime_other = os.stat(other).st_mtime_ns
        os.remove(victim)
        ds.delete_samples(ds.first())
        tmp_left = os.path.join(os.path.dirname(victim), ".3.png.tmp")
        open(tmp_left, "wb").close()
        ds = ddf.load_corruption_benchmark(str(root), name=unique_name, media_dir=str(media),
                                           corruptions=["fog"], severities=[1, 2])
        rep = ddf.import_report(ds)
        assert rep["added"] == 1 and rep["already_present"] == 2 * N_PER_SEV - 1
        assert any("1 new, " in n for n in rep["notes"]), rep["notes"]
        assert os.path.isfile(victim) and not os.path.exists(tmp_left)
        assert os.stat(other).st_mtime_ns == mtime_other  # not rewritten
        # all severities now: only the three missing ones are written
        ds = ddf.load_corruption_benchmark(str(root), name=unique_name, media_dir=str(media),
                                           corruptions=["fog"])
        assert len(ds) == 5 * N_PER_SEV
        assert any(f"{3 * N_PER_SEV} new, {2 * N_PER_SEV} already" in n
                   for n in ddf.import_report(ds)["notes"])
    finally:
        fo.delete_dataset(unique_name)


def test_cifar_broken_pieces_are_reported_the_rest_loads(tmp_path, unique_name):
    root, arrays, _ = _cifar(tmp_path, corruptions=("fog", "snow", "contrast", "frost"))
    # truncated array, wrong shape, pickled objects, a FIFO named like an array
    with open(root / "snow.npy", "r+b") as f:
        f.truncate(os.path.getsize(root / "snow.npy") // 2)
    np.save(root / "contrast.npy", np.zeros((5 * N_PER_SEV, 64, 64, 3), np.uint8))
    np.save(root / "frost.npy", np.array([{"a": 1}] * 5, dtype=object), allow_pickle=True)
    os.mkfifo(root / "zoom_blur.npy")
    # labels outside the class list: those images load without a class
    labels = np.load(root / "labels.npy")
    labels[:2] = [10, -1]
    np.save(root / "labels.npy", labels)
    media = tmp_path / "media"
    ds = ddf.load_corruption_benchmark(str(root), kind="cifar-10-c", name=unique_name,
                                       media_dir=str(media))
    try:
        rep = ddf.import_report(ds)
        reasons = _reasons(rep)
        assert reasons["snow.npy"] == "truncated"
        assert reasons["contrast.npy"].startswith("not uint8 (N, 32, 32, 3)")
        assert reasons["frost.npy"] == "holds pickled objects (allow_pickle=False)"
        assert reasons["zoom_blur.npy"] == "not a regular file"
        assert set(ds.distinct(S.CORRUPTION)) == {"fog"}
        assert len(ds) == 5 * N_PER_SEV
        unlabelled = ds.match_tags(S.TAG_MISSING_LABEL)
        assert len(unlabelled) == 2 and set(unlabelled.values(S.SEVERITY)) == {1}
        assert any("2 labels outside 0..9" in n for n in rep["notes"])
    finally:
        fo.delete_dataset(unique_name)


def test_cifar_media_dir_rules(tmp_path, unique_name):
    root, _, _ = _cifar(tmp_path, corruptions=("fog",))
    with pytest.raises(ValueError, match="pass media_dir="):
        ddf.load_corruption_benchmark(str(root), name=unique_name)
    foreign = tmp_path / "someone"
    foreign.mkdir()
    (foreign / "holiday.png").write_bytes(b"x")
    with pytest.raises(ValueError, match="not written by DataDiver"):
        ddf.load_corruption_benchmark(str(root), name=unique_name, media_dir=str(foreign))
    assert sorted(os.listdir(foreign)) == ["holiday.png"]  # nothing written, nothing removed
    with pytest.raises(ValueError, match="inside the CIFAR-C folder"):
        ddf.load_corruption_benchmark(str(root), name=unique_name, media_dir=str(root / "m"))
    # a media folder written from another source is refused
    (tmp_path / "x").mkdir()
    other, _, _ = _cifar(tmp_path / "x", corruptions=("fog",))
    media = tmp_path / "media"
    ddf.load_corruption_benchmark(str(root), name=unique_name, media_dir=str(media))
    try:
        with pytest.raises(ValueError, match="holds images DataDiver wrote from"):
            ddf.load_corruption_benchmark(str(other), name=unique_name + "b", media_dir=str(media))
    finally:
        fo.delete_dataset(unique_name)
    assert not fo.dataset_exists(unique_name + "b")


def test_cifar100c_is_told_by_its_labels(tmp_path, unique_name):
    root, _, test_labels = _cifar(tmp_path, title="arrays", corruptions=("fog",), n_classes=100)
    assert ddf.detect_corruption_benchmark(str(tmp_path / "arrays"))["kind"] == "cifar-100-c"
    ds = ddf.load_corruption_benchmark(str(root), name=unique_name, media_dir=str(tmp_path / "m"))
    try:
        assert ds.info["datadiver_benchmark"] == "cifar-100-c"
        s = ds.match(fo.ViewField(S.SOURCE_ID) == "3").first()
        assert s.ground_truth.label == cifar_c.CIFAR100_CLASSES[test_labels[3]] == "chimpanzee"
        assert len(ds.default_classes) == 100
    finally:
        fo.delete_dataset(unique_name)
    # 20 labels all below 10 in a folder whose name says nothing: cannot be told
    (tmp_path / "y").mkdir()
    small, _, _ = _cifar(tmp_path / "y", title="arrays", corruptions=("fog",))
    with pytest.raises(ValueError, match="cannot be told .*kind='cifar-10-c'"):
        ddf.detect_corruption_benchmark(str(small))


def _jpeg(size, seed):
    rng = np.random.default_rng(seed)
    img = Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8))
    import io

    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=85)
    return buf.getvalue()


IN_WNIDS = ["n01440764", "n02012849", "n03126707"]  # tench, and the two ImageNet "crane"s


def _imagenet_c(parent, name="ImageNet-C"):
    """``<name>/<corruption>/<severity>/<wnid>/ILSVRC2012_val_*.JPEG``: 3
    wnids x 2 corruptions x 5 severities x 2 images, 224 px."""
    root = parent / name
    k = 0
    for c in ("gaussian_noise", "fog"):
        for sev in range(1, 6):
            for i, w in enumerate(IN_WNIDS):
                d = root / c / str(sev) / w
                d.mkdir(parents=True)
                for j in range(2):
                    (d / f"ILSVRC2012_val_{i * 2 + j + 1:08d}.JPEG").write_bytes(_jpeg(224, k))
                    k += 1
    return root


def test_imagenet_c_loads_with_1000_class_names(tmp_path, unique_name):
    root = _imagenet_c(tmp_path)
    # broken pieces: a truncated image, an unknown wnid folder, a stray file
    leaf = root / "fog" / "2" / IN_WNIDS[0]
    (leaf / "ILSVRC2012_val_00000099.JPEG").write_bytes(_jpeg(224, 99)[:500])
    (root / "fog" / "2" / "n99999999").mkdir()
    (root / "fog" / "2" / "n99999999" / "ILSVRC2012_val_00000100.JPEG").write_bytes(_jpeg(224, 1))
    (root / "fog" / "notes.txt").write_text("stray")
    assert ddf.detect_corruption_benchmark(str(tmp_path))["kind"] == "imagenet-c"
    ds = ddf.load_corruption_benchmark(str(tmp_path), name=unique_name)
    try:
        assert ds.info["datadiver_benchmark"] == "imagenet-c"
        assert len(ds.match_tags("imagenet-c")) == len(ds) == 2 * 5 * 3 * 2 + 1
        s = ds.match(fo.ViewField(S.WNID) == "n02012849").first()
        assert s.ground_truth.label == wn.imagenet1k_class_name("n02012849") == "crane (wading bird)"
        assert s.hypernyms == wn.imagenet1k_hypernym_names("n02012849")
        assert "bird" in s.hypernyms
        assert s.metadata.width == 224
        assert s.source_id.startswith("ILSVRC2012_val_")
        assert len(ds.match(fo.ViewField(S.SOURCE_ID) == s.source_id)) == 2 * 5
        assert len(ds.default_classes) == 1000
        rep = ddf.import_report(ds)
        reasons = _reasons(rep)
        assert reasons["ILSVRC2012_val_00000099.JPEG"] == "truncated"
        assert reasons["notes.txt"] == "file outside a severity folder"
        assert rep["extra_wnids"] == ["n99999999"]
        assert len(ds.match_tags(S.TAG_MISSING_LABEL)) == 1
        assert "missing_label" not in s.tags
    finally:
        fo.delete_dataset(unique_name)


def test_tree_kind_is_told_by_image_size(tmp_path, mini, unique_name):
    neutral = _imagenet_c(tmp_path, name="my-corrupted-set")
    found = ddf.detect_corruption_benchmark(str(neutral))
    assert found["kind"] == "imagenet-c" and found["reason"] == "224x224 images"
    assert ddf.detect_corruption_benchmark(mini.root)["kind"] == "tiny-imagenet-c"
    ds = ddf.load_corruption_benchmark(mini.root, name=unique_name, corruptions=["fog"])
    try:
        assert ds.info["datadiver_benchmark"] == "tiny-imagenet-c"
        assert len(ds.match_tags(S.TAG_C)) == len(ds) > 0
        assert set(ds.distinct(S.WNID)) <= set(wn.class_wnids())
    finally:
        fo.delete_dataset(unique_name)
    odd = tmp_path / "odd" / "fog" / "1" / "n01440764"
    odd.mkdir(parents=True)
    (odd / "a.JPEG").write_bytes(_jpeg(100, 0))
    with pytest.raises(ValueError, match="100x100 images.*pass kind="):
        ddf.detect_corruption_benchmark(str(tmp_path / "odd"))
    with pytest.raises(ValueError, match="kind must be 'auto' or one of"):
        ddf.load_corruption_benchmark(str(neutral), kind="imagenet-r")
    with pytest.raises(ValueError, match="clean_root is for Tiny-ImageNet-C only"):
        ddf.load_corruption_benchmark(str(neutral), clean_root=mini.clean_root)


def test_operator_loads_a_cifar_benchmark(tmp_path, unique_name, run_operator):
    root, _, _ = _cifar(tmp_path, corruptions=("fog",))
    res = run_operator("load_corruption_benchmark",
                       params={"root": str(root), "media_dir": str(tmp_path / "m"),
                               "name": unique_name})
    try:
        assert res.error is None, res.error
        assert res.result["kind"] == "cifar-10-c"
        assert res.result["num_samples"] == 5 * N_PER_SEV
    finally:
        if fo.dataset_exists(unique_name):
            fo.delete_dataset(unique_name)

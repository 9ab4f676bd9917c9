"""A -C copy of any dataset: layout, link to the source, determinism across
worker counts, resuming, refusals, odd sources, and the operator."""
import hashlib
import os

import fiftyone as fo
import numpy as np
import pytest
from PIL import Image

import datadiver_fo as ddf
from datadiver_fo.internal import schema as S

F = fo.ViewField


@pytest.fixture
def clean_view(mini_dataset):
    """The miniature's clean val images (64 px, with wnid and label)."""
    return mini_dataset.match_tags("val").match(F(S.CORRUPTION) == "clean")


def _digest(root):
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            if not f.startswith("."):
                p = os.path.join(d, f)
                out[os.path.relpath(p, root)] = hashlib.sha1(open(p, "rb").read()).hexdigest()
    return out


def test_copy_layout_schema_and_link_to_source(clean_view, tmp_path, unique_name):
    out = tmp_path / "c"
    n = len(clean_view)
    ds = ddf.corrupt_dataset(clean_view, str(out), corruptions=["gaussian_noise", "fog"],
                             severities=[1, 3], name=unique_name, workers=1)
    try:
        assert len(ds) == n * 2 * 2
        assert len(ds.match_tags("corrupted")) == len(ds)
        src = clean_view.first()
        variants = ds.match(F(S.SOURCE_ID) == src.id)
        assert len(variants) == 4
        v = variants.match((F(S.CORRUPTION) == "fog") & (F(S.SEVERITY) == 3)).first()
        assert v.filepath == str(out / "fog" / "3" / src.wnid / os.path.basename(src.filepath))
        assert v.ground_truth.label == src.ground_truth.label
        assert v.wnid == src.wnid and v.hypernyms == src.hypernyms
        assert v.corruption_family == "weather"
        assert v.metadata.width == 64 and v.metadata.mime_type == "image/jpeg"
        # the corruption changed the picture
        a = np.asarray(Image.open(v.filepath), dtype=np.float32)
        b = np.asarray(Image.open(src.filepath).convert("RGB"), dtype=np.float32)
        assert np.abs(a - b).mean() > 2
        info = ds.info["datadiver_corrupt"]
        assert info["written"] == len(ds) and info["failed"] == []
        assert set(clean_view.select(ds.distinct(S.SOURCE_ID)).values("id")) == set(
            clean_view.values("id"))
        # the copy of a Tiny-ImageNet view is a Tiny-ImageNet-C tree
        again = ddf.load_tiny_imagenet_c(str(out), name=unique_name + "-tree")
        assert len(again) == len(ds)
        assert set(again.values("ground_truth.label")) == set(ds.values("ground_truth.label"))
        fo.delete_dataset(unique_name + "-tree")
    finally:
        fo.delete_dataset(unique_name)


def test_same_bytes_with_one_or_two_workers_and_resume_writes_only_the_missing(
        clean_view, tmp_path, unique_name):
    kw = dict(corruptions=["shot_noise", "pixelate"], severities=[2, 5], image_format="png",
              seed=7)
    one = ddf.corrupt_dataset(clean_view, str(tmp_path / "one"), name=unique_name, workers=1, **kw)
    two = ddf.corrupt_dataset(clean_view, str(tmp_path / "two"), name=unique_name + "-2",
                              workers=2, **kw)
    try:
        assert _digest(tmp_path / "one") == _digest(tmp_path / "two")
        assert len(one) == len(two) == len(clean_view) * 4
        # an interrupted run: one file missing, one temporary file left
        victim = two.first()
        keep = two.last().filepath
        mtime = os.stat(keep).st_mtime_ns
        os.remove(victim.filepath)
        two.delete_samples(victim)
        tmp = os.path.join(os.path.dirname(keep), ".x.png.tmp-dd")
        open(tmp, "wb").close()
        foreign = tmp_path / "two" / "notes.txt"
        foreign.write_text("the user's own file")
        with pytest.raises(ValueError, match="written with seed=7, not 8"):
            ddf.corrupt_dataset(clean_view, str(tmp_path / "two"), name=unique_name + "-2",
                                workers=2, **dict(kw, seed=8))
        two = ddf.corrupt_dataset(clean_view, str(tmp_path / "two"), name=unique_name + "-2",
                                  workers=2, **kw)
        info = two.info["datadiver_corrupt"]
        assert info["written"] == 1 and info["added"] == 1
        assert info["already_present"] == len(clean_view) * 4 - 1
        assert os.stat(keep).st_mtime_ns == mtime and not os.path.exists(tmp)
        assert foreign.read_text() == "the user's own file"
        foreign.unlink()
        assert _digest(tmp_path / "one") == _digest(tmp_path / "two")
    finally:
        fo.delete_dataset(unique_name)
        fo.delete_dataset(unique_name + "-2")


def test_refusals(clean_view, mini, tmp_path, unique_name):
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "photo.jpg").write_bytes(b"x")
    with pytest.raises(ValueError, match="not empty and holds no DataDiver -C copy"):
        ddf.corrupt_dataset(clean_view, str(foreign), corruptions=["fog"], name=unique_name)
    # the miniature's clean folder holds the source dataset's media
    with pytest.raises(ValueError, match="holds media of dataset 'dd-test-mini'"):
        ddf.corrupt_dataset(clean_view, mini.clean_root, corruptions=["fog"], name=unique_name)
    with pytest.raises(ValueError, match="unknown corruptions \\['rain'\\]"):
        ddf.corrupt_dataset(clean_view, str(tmp_path / "x"), corruptions=["rain"])
    with pytest.raises(ValueError, match="severities must be integers in 1..5"):
        ddf.corrupt_dataset(clean_view, str(tmp_path / "x"), severities=[0])
    with pytest.raises(ValueError, match="resolution must be 'auto' or one of"):
        ddf.corrupt_dataset(clean_view, str(tmp_path / "x"), resolution=48)
    taken = fo.Dataset(unique_name)
    try:
        with pytest.raises(ValueError, match="is not a -C copy written to"):
            ddf.corrupt_dataset(clean_view, str(tmp_path / "x"), corruptions=["fog"],
                                name=unique_name)
    finally:
        taken.delete()
    assert sorted(os.listdir(foreign)) == ["photo.jpg"]
    assert not os.path.exists(tmp_path / "x")
    # a copy of another source dataset (or of one rebuilt under the same name) is not resumed
    other = clean_view._dataset.clone(unique_name + "-other")
    try:
        ddf.corrupt_dataset(other.match_tags("val").limit(1), str(tmp_path / "y"),
                            corruptions=["fog"], severities=[1], name=unique_name, workers=1)
        with pytest.raises(ValueError, match="holds a -C copy of another dataset"):
            ddf.corrupt_dataset(clean_view, str(tmp_path / "y"), corruptions=["fog"],
                                severities=[1], name=unique_name, workers=1)
    finally:
        other.delete()
        fo.delete_dataset(unique_name)


def test_any_dataset_odd_labels_sizes_and_unreadable_sources(tmp_path, unique_name):
    src_dir = tmp_path / "src"
    src_dir.mkdir()
    rng = np.random.default_rng(0)
    samples = []
    for i, (label, size) in enumerate([("cat/dog", 32), ("cat/dog", 100), (None, 40),
                                       ("..", 70)]):
        p = src_dir / f"img{i}.png"
        Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(p)
        s = fo.Sample(filepath=str(p))
        if label:
            s["ground_truth"] = fo.Classification(label=label)
        samples.append(s)
    broken = src_dir / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n")
    samples.append(fo.Sample(filepath=str(broken), ground_truth=fo.Classification(label="x")))
    source = fo.Dataset(unique_name + "-src")
    source.add_samples(samples)
    try:
        ds = ddf.corrupt_dataset(source, str(tmp_path / "c"), corruptions=["contrast"],
                                 severities=[4], name=unique_name, workers=1)
        info = ds.info["datadiver_corrupt"]
        assert len(ds) == 4 and info["num_failed"] == 1
        assert info["failed"][0][0] == str(broken)
        assert info["failed"][0][1].startswith("source not readable")
        folders = sorted(os.listdir(tmp_path / "c" / "contrast" / "4"))
        # unsafe labels get a safe folder with a hash; the unlabelled image lies in <severity>/
        assert "img2.JPEG" in folders
        assert not any(f in ("..", "cat") for f in folders)
        assert sum(f.startswith("cat_dog-") for f in folders) == 1
        assert len(ds.match(F("ground_truth.label") == "cat/dog")) == 2
        assert len(ds.match_tags(S.TAG_MISSING_LABEL)) == 1
        assert sorted(ds.values("metadata.width")) == [32, 40, 70, 100]
        assert ds.first().wnid is None
    finally:
        source.delete()
        if fo.dataset_exists(unique_name):
            fo.delete_dataset(unique_name)


def test_operator_writes_a_copy_of_the_view(clean_view, tmp_path, unique_name, run_operator):
    res = run_operator("corrupt_dataset", clean_view._dataset, view=clean_view,
                       params={"out_dir": str(tmp_path / "op"), "corruptions": ["brightness"],
                               "severities": [5], "name": unique_name, "workers": 1,
                               "view_target": "CURRENT_VIEW"})
    try:
        assert res.error is None, res.error
        assert res.result["num_samples"] == len(clean_view)
        assert res.result["written"] == len(clean_view)
    finally:
        if fo.dataset_exists(unique_name):
            fo.delete_dataset(unique_name)


def test_workers_from_a_script_without_a_main_guard(tmp_path, unique_name):
    """Worker processes must not re-run the caller's script (multiprocessing's
    spawn does, and then fails without an ``if __name__ == "__main__"``)."""
    import subprocess
    import sys
    import textwrap

    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(f"""
        import numpy as np, fiftyone as fo
        from PIL import Image
        import datadiver_fo as ddf
        paths = []
        for i in range(12):  # two chunks of 8 images: two workers
            p = {str(tmp_path)!r} + f"/s{{i}}.png"
            Image.fromarray(np.full((64, 64, 3), 20 * i, np.uint8)).save(p)
            paths.append(p)
        src = fo.Dataset({unique_name + "-src"!r})
        src.add_samples([fo.Sample(filepath=p, ground_truth=fo.Classification(label="a"))
                         for p in paths])
        ds = ddf.corrupt_dataset(src, {str(tmp_path / "c")!r}, corruptions=["fog", "snow"],
                                 severities=[1, 2], name={unique_name!r}, workers=2)
        print("SAMPLES", len(ds))
    """))
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                             env=env, timeout=300)
        assert out.returncode == 0, out.stderr[-2000:]
        assert "SAMPLES 48" in out.stdout
        assert out.stdout.count("SAMPLES") == 1  # the script ran once
    finally:
        for n in (unique_name, unique_name + "-src"):
            if fo.dataset_exists(n):
                fo.delete_dataset(n)

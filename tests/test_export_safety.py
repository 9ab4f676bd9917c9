"""Export never destroys what it did not write: folders holding media are
refused (directly, through links, for this and other datasets), overwrite
removes only the files of the previous export's owner manifest, manifest
entries cannot reach outside the folder, labels that cannot be folder names
get safe folders and come back, and an export killed half-way can be re-run.
Real files, real datasets, a real killed process."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import fiftyone as fo
import pytest

import datadiver_fo as ddf
from datadiver_fo.io import export as dde
F = fo.ViewField
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _files(root):
    """Relative paths of every file (and link) under root."""
    out = set()
    for here, dirs, files in os.walk(root):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(here, d))]:
            out.add(os.path.relpath(os.path.join(here, name), root).replace(os.sep, "/"))
    return out


def _owned(root):
    with open(os.path.join(root, dde.OWNER)) as f:
        return json.load(f)


def _fog1(ds):
    return ds.select(ddf.select(ds, corruptions="fog", severities=[1]).values("id"))


def _export_and_load(ds, out, name):
    """Exports fog/1 + clean val of ds to ``out`` and loads it back as a dataset."""
    view = ds.select(
        ddf.select(ds, corruptions="fog", severities=[1]).values("id")
        + ddf.select(ds, corruptions="clean", tags="val").values("id")
    )
    rep = ddf.export_view(view, out)
    back = ddf.load_tiny_imagenet_c(
        os.path.join(out, dde.C_DIR), name=name, clean_root=os.path.join(out, dde.CLEAN_DIR)
    )
    return rep, back


# -----------------------------------------------------------------------------
# folders that hold media
# -----------------------------------------------------------------------------


def test_export_into_own_media_is_refused_and_nothing_is_lost(fresh_dataset, tmp_path, unique_name):
    """The reported bug: export to E, load E, export that dataset into E."""
    out = str(tmp_path / "E")
    rep, back = _export_and_load(fresh_dataset, out, unique_name + "-back")
    try:
        assert rep.num_exported == len(back) > 0
        media = back.values("filepath")
        before = {p: os.path.getsize(p) for p in media}
        for overwrite in (True, False):
            with pytest.raises(ValueError, match=rf"holds media of dataset '{re.escape(back.name)}' .*Choose another folder"):
                ddf.export_view(back.match(F("corruption") == "fog"), out, overwrite=overwrite)
        assert {p: os.path.getsize(p) for p in media if os.path.isfile(p)} == before
        assert len(back.exists("filepath")) == len(media)
    finally:
        back.delete()


def test_export_into_another_datasets_media_is_refused(fresh_dataset, tmp_path, unique_name):
    # E is a DataDiver export (so overwrite would be allowed) holding the media of another dataset
    out = str(tmp_path / "E")
    _, other = _export_and_load(fresh_dataset, out, unique_name + "-other")
    # and a plain folder of images some other dataset uses
    plain = tmp_path / "photos"
    plain.mkdir()
    src = fresh_dataset.first().filepath
    shutil.copy(src, plain / "p.JPEG")
    third = fo.Dataset(unique_name + "-third")
    third.add_sample(fo.Sample(filepath=str(plain / "p.JPEG")))
    try:
        view = ddf.select(fresh_dataset, classes="tabby", corruptions="fog", severities=[2])
        before = _files(out)
        with pytest.raises(ValueError, match=rf"holds media of dataset '{re.escape(other.name)}'"):
            ddf.export_view(view, out, overwrite=True)
        assert _files(out) == before
        with pytest.raises(ValueError, match=rf"holds media of dataset '{re.escape(third.name)}' \(e\.g\. '.*p\.JPEG'\)"):
            ddf.export_view(view, plain, overwrite=True)
        assert (plain / "p.JPEG").is_file()
        # a parent of the media folder holds it too
        names = "|".join(re.escape(d.name) for d in (other, third))
        with pytest.raises(ValueError, match=rf"holds media of dataset '({names})'"):
            ddf.export_view(view, tmp_path, overwrite=True)
        # a folder inside a media folder is fine: nothing there is anyone's media
        rep = ddf.export_view(view, plain / "sub")
        assert rep.num_exported == len(view) and (plain / "p.JPEG").is_file()
    finally:
        other.delete()
        third.delete()


def test_symlink_tricks_are_refused(fresh_dataset, mini, tmp_path, unique_name):
    out = tmp_path / "E"
    _, back = _export_and_load(fresh_dataset, str(out), unique_name + "-back")
    linked = fo.Dataset(unique_name + "-linked")
    try:
        view = back.match(F("corruption") == "fog")
        # export_dir is a link to the folder holding the dataset's media
        link = tmp_path / "link-to-E"
        link.symlink_to(out, target_is_directory=True)
        with pytest.raises(ValueError, match=r"\(really '.*E'\) holds media of dataset"):
            ddf.export_view(view, link, overwrite=True)
        # a link to a folder of the (read-only) miniature, which the exported dataset uses
        link2 = tmp_path / "link-to-mini"
        link2.symlink_to(os.path.join(mini.root, "fog"), target_is_directory=True)
        with pytest.raises(ValueError, match=rf"holds media of dataset '{re.escape(fresh_dataset.name)}'"):
            ddf.export_view(_fog1(fresh_dataset), link2, overwrite=True)
        # media stored through a link: the stored paths never start with E
        alias = tmp_path / "alias"
        alias.symlink_to(out, target_is_directory=True)
        rels = sorted(p for p in _files(out) if p.endswith(".JPEG"))[:3]
        linked.add_samples([fo.Sample(filepath=str(alias / r)) for r in rels])
        with pytest.raises(ValueError, match=rf"holds media of dataset '{re.escape(linked.name)}'"):
            ddf.export_view(linked, out, overwrite=True)
        # a media file that is itself a link into E
        lf = fo.Dataset(unique_name + "-linkfile")
        try:
            os.symlink(out / rels[0], tmp_path / "one.JPEG")
            lf.add_sample(fo.Sample(filepath=str(tmp_path / "one.JPEG")))
            with pytest.raises(ValueError, match=rf"holds media of dataset '{re.escape(lf.name)}'"):
                ddf.export_view(lf, out, overwrite=True)
        finally:
            lf.delete()
        assert all(os.path.isfile(p) for p in back.values("filepath"))
    finally:
        back.delete()
        linked.delete()


# -----------------------------------------------------------------------------
# ownership
# -----------------------------------------------------------------------------


def test_overwrite_removes_only_files_of_its_own_manifest(fresh_dataset, tmp_path):
    ds = fresh_dataset
    out = tmp_path / "E"
    first = ddf.select(ds, classes=["tabby", "espresso"], corruptions="fog")
    ddf.export_view(first, out)
    owned = _owned(out)
    assert owned["complete"] and not (out / dde.JOURNAL).exists()
    assert set(owned["files"]) == _files(out) - {dde.OWNER, dde.MARKER}
    assert all(isinstance(v, int) and v > 0 for v in owned["files"].values())
    mine = sorted(p for p in owned["files"] if p.endswith(".JPEG"))
    tabby, espresso = "n02123045", "n07920052"
    # a user's files: at the top, inside a folder the export created (that the
    # next export does not use), and one exported file replaced by other content
    (out / "notes.txt").write_text("mine")
    user_img = out / dde.C_DIR / "fog" / "3" / espresso / "user.JPEG"
    assert user_img.parent.is_dir()
    user_img.write_bytes(b"user image")
    changed_rel = next(p for p in mine if p.startswith(f"Tiny-ImageNet-C/fog/1/{tabby}/"))
    changed = out / changed_rel
    changed.write_bytes(b"edited by a person")
    second = ddf.select(ds, classes="tabby", corruptions="fog", severities=[1, 2])
    rep = ddf.export_view(second, out, overwrite=True)
    assert (out / "notes.txt").read_text() == "mine"
    assert user_img.read_bytes() == b"user image"
    assert changed.read_bytes() == b"edited by a person"
    assert set(rep.kept_files) == {"notes.txt", f"Tiny-ImageNet-C/fog/3/{espresso}/user.JPEG", changed_rel}
    assert any("left in place" in n for n in rep.notes)
    assert rep.removed_files == len(owned["files"]) - 1  # all but the changed file
    # the changed file sits where the new export wants to write: skipped, said so
    clash = [s for s in rep.skipped if "already exists" in s["reason"]]
    assert len(clash) == 1 and changed_rel in clash[0]["reason"]
    assert rep.num_exported == len(second) - 1
    new = _owned(out)
    assert _files(out) == set(new["files"]) | {dde.OWNER, dde.MARKER} | set(rep.kept_files)
    # a folder of the first export that holds a user's file stays, with only that file;
    # the first export's other folders are gone
    assert sorted(os.listdir(user_img.parent)) == ["user.JPEG"]
    assert not (out / dde.C_DIR / "fog" / "3" / tabby).exists()
    assert not (out / dde.C_DIR / "fog" / "4").exists()


@pytest.mark.parametrize("mode", ["symlink", "hardlink"])
def test_overwrite_of_linked_export_keeps_the_media(fresh_dataset, tmp_path, mode):
    view = _fog1(fresh_dataset)
    media = {p: open(p, "rb").read() for p in view.values("filepath")}
    out = tmp_path / mode
    ddf.export_view(view, out, mode=mode)
    first = _owned(out)["files"]
    assert ("link" in set(first.values())) == (mode == "symlink")
    rep = ddf.export_view(view.limit(2), out, mode=mode, overwrite=True)
    assert rep.removed_files == len(first) == len(view) + 1  # the images and words.txt
    assert {p: open(p, "rb").read() for p in media} == media  # the images the links pointed to
    assert rep.num_exported == 2 and rep.kept_files == []


def test_manifest_entries_cannot_reach_outside(fresh_dataset, tmp_path):
    out = tmp_path / "E"
    ddf.export_view(_fog1(fresh_dataset), out)
    victims = tmp_path / "victims"
    victims.mkdir()
    (victims / "v.txt").write_text("keep me")
    (tmp_path / "up.txt").write_text("keep me")
    (out / "linkdir").symlink_to(victims, target_is_directory=True)
    owned = _owned(out)
    size = len("keep me")
    owned["files"].update({
        "../up.txt": size,
        "Tiny-ImageNet-C/../../up.txt": size,
        str(tmp_path / "up.txt"): size,
        "linkdir/v.txt": size,
    })
    owned["folders"] += ["linkdir", "../victims", str(victims)]
    (out / dde.OWNER).write_text(json.dumps(owned))
    rep = ddf.export_view(_fog1(fresh_dataset), out, overwrite=True)
    assert (victims / "v.txt").read_text() == "keep me"
    assert (tmp_path / "up.txt").read_text() == "keep me"
    assert (out / "linkdir").is_symlink()
    assert "linkdir" in rep.kept_files
    assert any("point outside export_dir" in n for n in rep.notes)
    assert rep.num_exported == len(_fog1(fresh_dataset))


def test_folders_that_are_not_a_datadiver_export(fresh_dataset, tmp_path):
    view = _fog1(fresh_dataset)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine")
    for overwrite in (False, True):
        with pytest.raises(ValueError, match=r"holds no DataDiver export .*refusing.*'keep\.txt' is not DataDiver's"):
            ddf.export_view(view, foreign, overwrite=overwrite)
    assert _files(foreign) == {"keep.txt"}
    # an export by a version that kept no owner manifest
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / dde.MARKER).write_text("{}")
    (legacy / "img.JPEG").write_bytes(b"x")
    with pytest.raises(ValueError, match=r"older DataDiver that did not record which files it wrote"):
        ddf.export_view(view, legacy, overwrite=True)
    assert _files(legacy) == {dde.MARKER, "img.JPEG"}
    # a previous export needs overwrite=True
    out = tmp_path / "E"
    ddf.export_view(view, out)
    with pytest.raises(ValueError, match=r"previous DataDiver export.*overwrite=True"):
        ddf.export_view(view, out)
    # a folder the fiftyone format would replace, not written by DataDiver
    (out / "dataset").mkdir()
    (out / "dataset" / "mine.json").write_text("{}")
    before = _files(out)
    with pytest.raises(ValueError, match=r"holds 'dataset', which DataDiver did not write"):
        ddf.export_view(view, out, format="fiftyone", overwrite=True)
    assert _files(out) == before  # refused before the previous export was touched
    assert (out / "dataset" / "mine.json").read_text() == "{}"
    # the fiftyone format records its files like the others, and replaces itself
    out2 = tmp_path / "fo"
    ddf.export_view(view, out2, format="fiftyone")
    files = _owned(out2)["files"]
    assert files and all(p.startswith("dataset/") for p in files)
    assert set(files) == _files(out2) - {dde.OWNER, dde.MARKER}
    (out2 / "extra.txt").write_text("mine")
    rep = ddf.export_view(view, out2, format="fiftyone", overwrite=True)
    assert rep.removed_files == len(files) and rep.kept_files == ["extra.txt"]
    assert not any(p.startswith(dde._PARTIAL) for p in os.listdir(out2))


# -----------------------------------------------------------------------------
# labels that cannot be folder names
# -----------------------------------------------------------------------------


def _key(view):
    """(corruption, severity, source_id) -> (label, missing_label tag)."""
    c, s, src, lab, tags = view.values(["corruption", "severity", "source_id", "ground_truth.label", "tags"])
    return {(c[i], s[i], src[i]): (lab[i], "missing_label" in tags[i]) for i in range(len(c))}


def _set_labels(ds):
    """fog/1 + clean val samples with hostile labels; returns (view, {class: label})."""
    new = {"tabby": "cat/dog", "cauliflower": "..", "projectile": "a, b\tc\n"}
    for cls, label in new.items():
        ddf.relabel_samples(ds, ddf.select(ds, classes=cls, corruptions=["fog", "clean"]), label, allow_new=True)
    # set directly: these keep their wnid, which now names another class
    espresso = ddf.select(ds, classes="espresso", corruptions="fog", severities=[1])
    espresso.set_values("ground_truth.label", [""] * len(espresso))
    lakeside = ddf.select(ds, classes="lakeside", corruptions="fog", severities=[1])
    lakeside.set_values("ground_truth.label", [None] * len(lakeside))
    ids = (_fog1(ds).values("id") + ds.match(F("corruption") == "clean").match_tags("val").values("id"))
    return ds.select(ids)


def test_unsafe_labels_tiny_layout_round_trip(fresh_dataset, tmp_path, unique_name):
    ds = fresh_dataset
    view = _set_labels(ds)
    out = tmp_path / "E"
    rep = ddf.export_view(view, out)
    assert rep.num_exported == len(view) and not rep.skipped
    folders = {p.split("/")[3] for p in _files(out) if p.startswith("Tiny-ImageNet-C/") and p.count("/") == 4}
    assert folders and all(re.fullmatch(r"n\d{8}", f) for f in folders)
    assert "None" not in {part for p in _files(out) for part in p.split("/")}
    assert set(rep.renamed_labels) == {"cat/dog", "..", "a, b\tc\n"}
    assert all(re.fullmatch(r"n9\d{7}", f) for f in rep.renamed_labels.values())
    assert len(set(rep.renamed_labels.values())) == 3
    notes = " | ".join(rep.notes)
    assert "label 'cat/dog' has no WordNet id" in notes and "reads it back as 'a; b c'" in notes
    assert re.search(r"samples without a label .*blank label: 3\) were written without a class folder", notes)
    # deterministic: the same view gives the same folders
    assert ddf.export_view(view, tmp_path / "again").renamed_labels == rep.renamed_labels
    back = ddf.load_tiny_imagenet_c(
        str(out), name=unique_name + "-back", clean_root=str(out / "tiny-imagenet-200"),
        words_txt=str(out / "words.txt"),
    )
    try:
        got, want = _key(back), _key(view)
        assert set(got) == set(want)
        for k, (label, missing) in want.items():
            if missing or label is None or not label.strip():
                assert got[k] == (None, True), k  # documented: blank and None come back unlabeled
            elif label == "a, b\tc\n":
                assert got[k] == ("a; b c", False), k  # documented in the note
            else:
                assert got[k] == (label, False), k
        assert back.count_values("ground_truth.label")["cat/dog"] == len(view.match(F("ground_truth.label") == "cat/dog"))
        assert back.match(F("ground_truth.label") == "cat/dog").match_tags("val").count() > 0
    finally:
        back.delete()


def test_unsafe_labels_tree_layout(fresh_dataset, tmp_path):
    ds = fresh_dataset
    long = "x" * 150
    new = {"tabby": "cat/dog", "cauliflower": "..", "projectile": dde.UNLABELED_DIR, "espresso": long}
    view = _fog1(ds)
    for cls, label in new.items():
        ddf.relabel_samples(ds, ddf.select(ds, classes=cls, corruptions="fog", severities=[1]), label,
                            allow_new=True)
    lakeside = ddf.select(ds, classes="lakeside", corruptions="fog", severities=[1])
    lakeside.set_values("ground_truth.label", [""] * len(lakeside))
    rep = ddf.export_view(view, tmp_path / "tree", format="image-classification-tree")
    assert rep.num_exported == len(view)
    assert set(rep.renamed_labels) == {"cat/dog", "..", dde.UNLABELED_DIR, long}
    for label, folder in rep.renamed_labels.items():
        assert re.fullmatch(r"[A-Za-z0-9_]+-[0-9a-f]{8}", folder), folder
        assert any(f"label {label!r}" in n and folder in n for n in rep.notes)
    back = fo.Dataset.from_dir(dataset_dir=str(tmp_path / "tree"), dataset_type=fo.types.ImageClassificationDirectoryTree)
    try:
        want = {}
        for label, n in view.count_values("ground_truth.label").items():
            key = None if label in ("", None) else rep.renamed_labels.get(label, label)
            want[key] = want.get(key, 0) + n
        assert back.count_values("ground_truth.label") == want
    finally:
        back.delete()


def test_tree_folder_names_are_safe_and_distinct():
    labels = ["cat/dog", "cat_dog", "Cat", "cat", "..", ".", ".hidden", "a\\b", "\x07bell", "CON", "y" * 300,
              "ok name", "_unlabeled"]
    folders, why = dde._tree_folders(labels)
    assert folders["ok name"] == "ok name" and folders["cat_dog"] == "cat_dog" and folders["Cat"] == "Cat"
    assert set(why) == set(labels) - {"ok name", "cat_dog", "Cat"}
    assert "case-insensitive" in why["cat"]
    names = [f.casefold() for f in folders.values()]
    assert len(set(names)) == len(labels)
    for f in folders.values():
        assert dde._folder_problem(f) is None, f
    assert dde._tree_folders(list(reversed(labels)))[0] == folders


# -----------------------------------------------------------------------------
# an export killed half-way
# -----------------------------------------------------------------------------

_KILL_AFTER = textwrap.dedent(
    """
    import os, signal, sys, time
    import fiftyone as fo
    import datadiver_fo as ddf
    name, out, after = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ds = fo.load_dataset(name)
    calls = [0]
    def progress(frac, label):
        calls[0] += 1
        if calls[0] >= after:
            os.kill(os.getpid(), signal.SIGKILL)  # a real kill: no cleanup runs
        time.sleep(0.3)  # > the 0.25 s progress throttle: one call per file
    ddf.export_view(ds.match(fo.ViewField("corruption") == "fog"), out, progress=progress)
    """
)


def test_interrupted_export_rerun(fresh_dataset, tmp_path):
    ds = fresh_dataset
    out = tmp_path / "E"
    proc = subprocess.run(
        [sys.executable, "-c", _KILL_AFTER, ds.name, str(out), "6"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    assert (out / dde.JOURNAL).is_file() and not (out / dde.MARKER).exists()
    assert _owned(out)["complete"] is False
    half = _files(out) - {dde.OWNER, dde.JOURNAL}
    assert 3 <= len([p for p in half if p.endswith(".JPEG")]) <= 6
    with pytest.raises(ValueError, match=r"previous DataDiver export \(finished or interrupted\).*overwrite=True"):
        ddf.export_view(ds, out)
    (out / "Tiny-ImageNet-C" / "user.txt").write_text("mine")
    view = ds.match(F("corruption") == "fog")
    rep = ddf.export_view(view, out, overwrite=True)
    assert rep.removed_files == len(half)
    assert rep.num_exported == len(view) and not rep.skipped
    assert rep.kept_files == ["Tiny-ImageNet-C/user.txt"]
    assert (out / "Tiny-ImageNet-C" / "user.txt").read_text() == "mine"
    owned = _owned(out)
    assert owned["complete"] and not (out / dde.JOURNAL).exists()
    assert _files(out) == set(owned["files"]) | {dde.OWNER, dde.MARKER, "Tiny-ImageNet-C/user.txt"}


_KILL_FIFTYONE = textwrap.dedent(
    """
    import sys
    import fiftyone as fo
    import datadiver_fo as ddf
    ds = fo.load_dataset(sys.argv[1])
    ddf.export_view(ds, sys.argv[2], format="fiftyone")
    """
)


def test_interrupted_fiftyone_export_rerun(fresh_dataset, tmp_path):
    """Killed while FiftyOne's exporter writes: its folder is removed on re-run."""
    out = tmp_path / "fo"
    proc = subprocess.Popen([sys.executable, "-c", _KILL_FIFTYONE, fresh_dataset.name, str(out)], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 240
    while time.time() < deadline and proc.poll() is None:
        partial = [p for p in (os.listdir(out) if out.is_dir() else []) if p.startswith(dde._PARTIAL)]
        if partial and len(_files(out / partial[0])) >= 5:
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.005)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the export finished before it could be killed"
    assert any(p.startswith(dde._PARTIAL) for p in os.listdir(out))
    rep = ddf.export_view(fresh_dataset, out, format="fiftyone", overwrite=True)
    assert rep.num_exported == len(fresh_dataset) and rep.kept_files == []
    assert not any(p.startswith(dde._PARTIAL) for p in os.listdir(out))
    assert _files(out) == set(_owned(out)["files"]) | {dde.OWNER, dde.MARKER}


def test_reimport_of_an_export_reads_its_own_words_txt(fresh_dataset, tmp_path, unique_name):
    """A C-only re-import, with neither words_txt nor clean_root, still gets the
    renamed labels back from the export's own words.txt (and says so)."""
    ds = fresh_dataset
    view = _fog1(ds)
    ddf.relabel_samples(ds, ddf.select(ds, classes="tabby", corruptions="fog", severities=[1]), "cat/dog",
                        allow_new=True)
    out = tmp_path / "E"
    rep = ddf.export_view(view, out)
    assert "cat/dog" in rep.renamed_labels
    back = ddf.load_tiny_imagenet_c(str(out / "Tiny-ImageNet-C"), name=unique_name + "-back")
    try:
        assert back.count_values("ground_truth.label")["cat/dog"] == len(
            view.match(F("ground_truth.label") == "cat/dog"))
        assert any("words.txt" in n and "DataDiver export" in n for n in ddf.import_report(back)["notes"])
    finally:
        back.delete()

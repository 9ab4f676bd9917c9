"""The Tiny-ImageNet-C loader: schema, messy real-world trees, errors, resume,
and the operator (immediate and delegated)."""
import os
import shutil
import subprocess
import sys
import textwrap

import fiftyone as fo
import pytest

import datadiver_fo as ddf
from datadiver_fo.internal import schema as S
from datadiver_fo.io import wordnet as wn
def _count_files(root):
    n = 0
    for _, _, files in os.walk(root, followlinks=True):
        n += sum(1 for f in files if f.upper().endswith(".JPEG"))
    return n


def test_schema_and_values(mini, mini_dataset):
    ds = mini_dataset
    n_c = _count_files(mini.root)
    assert len(ds.match_tags(S.TAG_C)) == n_c
    assert len(ds.match_tags("val")) > 0 and len(ds.match_tags("train")) > 0

    schema = ds.get_field_schema()
    for f in (S.GROUND_TRUTH, S.WNID, S.HYPERNYMS, S.CORRUPTION, S.CORRUPTION_FAMILY,
              S.SEVERITY, S.SOURCE_ID):
        assert f in schema, f
    assert isinstance(schema[S.SEVERITY], fo.IntField)
    assert schema[S.GROUND_TRUTH].document_type is fo.Classification

    sample = ds.match_tags(S.TAG_C).first()
    assert sample.ground_truth.label == wn.class_name(sample.wnid)
    assert sample.corruption_family == S.corruption_family(sample.corruption)
    assert 1 <= sample.severity <= 5
    assert sample.metadata.width == 64 and sample.metadata.height == 64
    assert sample.metadata.mime_type == "image/jpeg"
    assert sample.metadata.size_bytes == os.path.getsize(sample.filepath)
    assert sample.source_id == os.path.splitext(os.path.basename(sample.filepath))[0]
    assert sample.hypernyms == wn.hypernym_names(sample.wnid)

    # every variant of one picture shares the source id
    corrs = ds.match_tags(S.TAG_C).distinct(S.CORRUPTION)
    sevs = ds.match_tags(S.TAG_C).distinct(S.SEVERITY)
    variants = ds.match(fo.ViewField(S.SOURCE_ID) == sample.source_id)
    assert len(variants) == len(corrs) * len(sevs)

    clean = ds.match(fo.ViewField(S.CORRUPTION) == "clean")
    assert set(clean.distinct(S.SEVERITY)) == {0}
    assert set(clean.distinct(S.CORRUPTION_FAMILY)) == {"clean"}

    assert len(ds.default_classes) == 200
    assert len(set(ds.default_classes)) == 200
    assert ds.info["wnid_to_name"]["n02085620"] == wn.class_name("n02085620")
    assert ds.persistent
    group_names = [g.name for g in ds.app_config.sidebar_groups]
    assert "datadiver" in group_names
    rep = ddf.import_report(ds)
    assert rep["added"] == len(ds)
    assert "summary" not in rep
    text = ddf.summarize(ds)
    assert "gaussian_noise" in text and "clean" in text


def test_filters_and_rerun_adds_only_new(mini, unique_name):
    ds = ddf.load_tiny_imagenet_c(mini.root, name=unique_name, corruptions=["fog"], severities=[1, 2])
    try:
        assert ds.distinct(S.CORRUPTION) == ["fog"]
        assert ds.distinct(S.SEVERITY) == [1, 2]
        n = len(ds)
        again = ddf.load_tiny_imagenet_c(mini.root, name=unique_name, corruptions=["fog"], severities=[1, 2])
        assert len(again) == n
        assert ddf.import_report(again)["added"] == 0
        assert ddf.import_report(again)["already_present"] == n
        more = ddf.load_tiny_imagenet_c(mini.root, name=unique_name, corruptions=["fog"], severities=[1, 2, 3])
        assert ddf.import_report(more)["added"] == n // 2
        assert len(more) == n + n // 2
        assert len(set(more.values("filepath"))) == len(more)
    finally:
        fo.delete_dataset(unique_name)


def _messy_tree(mini, tmp_path):
    root = tmp_path / "Tiny-ImageNet-C"
    for corr in ("gaussian_noise", "fog"):
        shutil.copytree(os.path.join(mini.root, corr), root / corr)
    shutil.rmtree(root / "fog" / "5")  # a missing severity folder
    wnid = sorted(os.listdir(root / "fog" / "1"))[0]
    good = root / "fog" / "1" / wnid
    jpg = sorted(good.iterdir())[0]
    data = jpg.read_bytes()
    # broken files next to good ones
    (good / "empty.JPEG").write_bytes(b"")
    (good / "truncated.JPEG").write_bytes(data[: len(data) // 2])
    (good / "notes.JPEG").write_text("this is not an image")
    (good / f"{wnid}_boxes.txt").write_text("x 0 0 1 1\n")
    (good / "lower.jpeg").write_bytes(data)
    os.symlink(jpg, good / "linked.JPEG")
    os.symlink(good / "missing-target.JPEG", good / "dangling.JPEG")
    # images directly under a severity folder
    (root / "fog" / "2" / "loose_0001.JPEG").write_bytes(data)
    # class folders outside the 200: one named by words.txt, one unknown
    (root / "fog" / "3" / "n03000134").mkdir()
    (root / "fog" / "3" / "n03000134" / "chain_1.JPEG").write_bytes(data)
    (root / "fog" / "3" / "n99999999").mkdir()
    (root / "fog" / "3" / "n99999999" / "mystery_1.JPEG").write_bytes(data)
    # a symlinked severity folder
    shutil.rmtree(root / "gaussian_noise" / "5")
    os.symlink(root / "gaussian_noise" / "1", root / "gaussian_noise" / "5")
    words = tmp_path / "words.txt"
    words.write_text("n03000134\tchainlink fence\nn02085620\tChihuahua\n")
    return root, words, data


def test_messy_tree_loads_what_is_there(mini, tmp_path, unique_name):
    root, words, _ = _messy_tree(mini, tmp_path)
    ds = ddf.load_tiny_imagenet_c(str(root), name=unique_name, words_txt=str(words))
    try:
        rep = ddf.import_report(ds)
        assert rep["skipped"]["empty"] == 1
        assert rep["skipped"]["truncated"] == 1
        assert rep["skipped"]["not an image"] == 1
        assert rep["skipped"]["not an image file"] >= 1
        assert rep["skipped"]["broken link"] == 1
        reasons = {os.path.basename(p): r for p, r in rep["skipped_files"]}
        assert reasons["truncated.JPEG"] == "truncated"
        assert rep["missing_severities"]["fog"] == [5]
        assert "n99999999" in rep["extra_wnids"]

        names = set(ds.values("filepath"))
        assert any(p.endswith("lower.jpeg") for p in names)
        assert any(p.endswith("linked.JPEG") for p in names)
        gn = ds.match(fo.ViewField(S.CORRUPTION) == "gaussian_noise")
        assert len(gn.match(fo.ViewField(S.SEVERITY) == 5)) == len(gn.match(fo.ViewField(S.SEVERITY) == 1)) > 0

        loose = ds.match(fo.ViewField("filepath").ends_with("loose_0001.JPEG")).first()
        assert loose.ground_truth is None and S.TAG_MISSING_LABEL in loose.tags
        named = ds.match(fo.ViewField(S.WNID) == "n03000134").first()
        assert named.ground_truth.label == "chainlink fence"
        unknown = ds.match(fo.ViewField(S.WNID) == "n99999999").first()
        assert unknown.ground_truth is None and S.TAG_MISSING_LABEL in unknown.tags
        assert unknown.corruption == "fog" and unknown.severity == 3

        # nothing good was lost
        expected = _count_files(root) - 3 - 1  # 3 bad .JPEG files, 1 dangling link
        assert len(ds) == expected
    finally:
        fo.delete_dataset(unique_name)


def test_zenodo_frost_with_1000_classes(mini, tmp_path, unique_name):
    root = tmp_path / "Tiny-ImageNet-C"
    src = next(p for p in (os.path.join(mini.root, "fog", "1", w) for w in mini.wnids))
    jpg = os.path.join(src, sorted(os.listdir(src))[0])
    tiny = wn.class_wnids()
    extras = [f"n0{i:07d}" for i in range(1000, 1000 + 250)]
    for w in tiny + extras:
        d = root / "frost" / "1" / w
        d.mkdir(parents=True)
        shutil.copy(jpg, d / "ILSVRC2012_val_00000001.JPEG")
    ds = ddf.load_tiny_imagenet_c(str(root), name=unique_name)
    try:
        rep = ddf.import_report(ds)
        assert len(ds) == 200
        assert rep["skipped_wnid_folders"] == 250
        assert any("frost/1" in n for n in rep["notes"])
        assert len(ds.distinct("ground_truth.label")) == 200
    finally:
        fo.delete_dataset(unique_name)


@pytest.mark.parametrize("case", ["missing", "empty", "file", "clean_set", "blank"])
def test_bad_roots_get_clear_errors(tmp_path, mini, case, unique_name):
    if case == "missing":
        root, match = tmp_path / "nope", "does not exist"
    elif case == "empty":
        root, match = tmp_path / "empty", "is empty"
        root.mkdir()
    elif case == "file":
        root, match = tmp_path / "f.txt", "is a file"
        root.write_text("x")
    elif case == "clean_set":
        root, match = mini.clean_root, "tiny-imagenet-200"
    else:
        root, match = "", "root is empty"
    with pytest.raises(ValueError, match=match):
        ddf.load_tiny_imagenet_c(str(root), name=unique_name)
    assert unique_name not in fo.list_datasets()


def test_bad_arguments_keep_existing_data(mini, unique_name):
    ds = ddf.load_tiny_imagenet_c(mini.root, name=unique_name, corruptions=["fog"], severities=[1])
    n = len(ds)
    try:
        with pytest.raises(ValueError, match="none of the requested corruptions"):
            ddf.load_tiny_imagenet_c(mini.root, name=unique_name, corruptions=["fogg"], overwrite=True)
        with pytest.raises(ValueError, match="severities"):
            ddf.load_tiny_imagenet_c(mini.root, name=unique_name, severities=[0, 7], overwrite=True)
        assert len(fo.load_dataset(unique_name)) == n
    finally:
        fo.delete_dataset(unique_name)


def test_interrupted_import_resumes_without_duplicates(mini, unique_name, tmp_path):
    # A real interruption: a child process dies hard in the middle of the import.
    script = tmp_path / "killme.py"
    script.write_text(textwrap.dedent(f"""
        import os, datadiver_fo as ddf
        def progress(frac, label):
            if frac > 0.3:
                os._exit(9)
        ddf.load_tiny_imagenet_c({mini.root!r}, name={unique_name!r}, batch_size=20,
                                 progress=progress)
    """))
    proc = subprocess.run([sys.executable, str(script)], env=os.environ.copy(), timeout=300)
    assert proc.returncode == 9
    partial = fo.load_dataset(unique_name)
    n_partial = len(partial)
    total = _count_files(mini.root)
    assert 0 < n_partial < total
    try:
        ds = ddf.load_tiny_imagenet_c(mini.root, name=unique_name)
        assert len(ds) == total
        assert len(set(ds.values("filepath"))) == total
        assert ddf.import_report(ds)["already_present"] == n_partial
    finally:
        fo.delete_dataset(unique_name)


def test_operator_immediate_and_delegated(mini, run_operator, unique_name):
    from fiftyone.operators.delegated import DelegatedOperationService

    res = run_operator("load_tiny_imagenet_c", params=dict(
        root=mini.root, name=unique_name, corruptions=["fog"], severities=[1, 2]))
    assert res.result["num_samples"] == len(fo.load_dataset(unique_name))
    fo.delete_dataset(unique_name)

    # queued like the App does with "delegate", then run by FiftyOne's own
    # delegated-operation service (what `fiftyone delegated launch` runs)
    name2 = unique_name + "-d"
    run_operator("load_tiny_imagenet_c", params=dict(
        root=mini.root, name=name2, corruptions=["spatter"], severities=[3]), delegated=True)
    assert name2 not in fo.list_datasets()
    svc = DelegatedOperationService()
    uri = "@datadiver/datadiver/load_tiny_imagenet_c"
    queued = svc.list_operations(operator=uri, run_state="queued")
    assert len(queued) == 1
    svc.execute_queued_operations(operator=uri)
    done = svc.get(queued[0].id)
    assert done.run_state == "completed", done.run_state
    try:
        ds = fo.load_dataset(name2)
        assert ds.distinct(S.CORRUPTION) == ["spatter"]
        assert len(ds) == len(mini.wnids) * len(os.listdir(os.path.join(mini.root, "spatter", "3", mini.wnids[0])))
    finally:
        fo.delete_dataset(name2)


def test_operator_form_discovers_folders(mini):
    import fiftyone.operators as foo
    from fiftyone.operators.executor import ExecutionContext

    op = foo.get_operator("@datadiver/datadiver/load_tiny_imagenet_c")
    ctx = ExecutionContext(request_params={"params": {"root": mini.root}})
    form = op.resolve_input(ctx).to_json()
    props = form["type"]["properties"]
    assert props["corruptions"]["default"] == sorted(os.listdir(mini.root))
    assert props["severities"]["default"] == [1, 2, 3, 4, 5]
    ctx = ExecutionContext(request_params={"params": {"root": "/no/such/folder"}})
    form = op.resolve_input(ctx).to_json()
    assert "root_error" in form["type"]["properties"]


def test_plugin_is_listed():
    import fiftyone.plugins as fop

    names = [p.name for p in fop.list_plugins()]
    assert "@datadiver/datadiver" in names
    ops = [o.uri for o in __import__("fiftyone.operators", fromlist=["x"]).list_operators()]
    assert "@datadiver/datadiver/load_tiny_imagenet_c" in ops

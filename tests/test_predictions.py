"""Out-of-sample predictions: grouped folds, the probe ensemble, runs, a timm
member mapped onto wnids, the operator."""
import os

import numpy as np
import pytest

import fiftyone as fo

from datadiver_fo.enrich import predictions as ddp
from datadiver_fo.internal import runs as ddr
from datadiver_fo.internal import store
def make_dataset(name, X, labels, groups=None, field="emb", filepaths=None):
    """A real FiftyOne dataset with one sample per row of X."""
    ds = fo.Dataset(name)
    n = len(X)
    paths = filepaths or ["/tmp/dd-h4/%s/%05d.jpg" % (name, i) for i in range(n)]
    samples = []
    for i in range(n):
        s = fo.Sample(filepath=paths[i])
        if labels[i] is not None:
            s["ground_truth"] = fo.Classification(label=str(labels[i]))
        if groups is not None:
            s["source_id"] = groups[i]
        samples.append(s)
    ds.add_samples(samples)
    ds.set_values(field, [np.asarray(x, dtype=np.float32) for x in X])
    return ds


@pytest.fixture
def cleanup():
    made = []
    yield made
    for ds in made:
        if ds.name in fo.list_datasets():
            ds.delete()


def blobs(n_per_class, num_classes, dim=16, sep=4.0, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(num_classes, dim)) * sep
    y = np.repeat(np.arange(num_classes), n_per_class)
    X = centers[y] + rng.normal(size=(len(y), dim))
    return X.astype(np.float32), y


def test_grouped_folds_keep_every_group_in_one_fold():
    rng = np.random.default_rng(3)
    groups = np.repeat(np.arange(60), 4)  # 60 pictures x 4 variants
    labels = np.repeat(rng.integers(0, 5, 60), 4)
    labels[::7] = -1  # some variants unlabelled
    groups_obj = [str(g) for g in groups]
    groups_obj[-4:] = ["lonely"] * 4
    labels[-4:] = -1  # a picture with no labelled variant at all
    folds = ddp.grouped_folds(labels, groups_obj, num_folds=5, seed=1)
    for g in set(groups_obj):
        f = set(folds[[i for i, x in enumerate(groups_obj) if x == g]])
        assert len(f) == 1, "group %s spans folds %s" % (g, f)
    assert set(folds[-4:]) == {-1}
    assert set(folds[:-4]) == {0, 1, 2, 3, 4}
    # stratified: each class present in at least 3 of the 5 folds
    for c in range(5):
        assert len(set(folds[labels == c])) >= 3
    with pytest.raises(ValueError, match="num_folds"):
        ddp.grouped_folds(labels[:8], groups_obj[:8], num_folds=5)


def test_grouped_cv_does_not_leak_variants(cleanup, unique_name):
    """Variants of a picture share (almost) one embedding and a random label:
    only memorising variants can predict them. Grouped folds must stay at
    chance level; ungrouped folds leak and look accurate."""
    rng = np.random.default_rng(0)
    num_groups, variants, K = 80, 5, 4
    base = rng.normal(size=(num_groups, 24))
    X = np.repeat(base, variants, axis=0) + 0.01 * rng.normal(size=(num_groups * variants, 24))
    y = np.repeat(rng.integers(0, K, num_groups), variants)
    groups = ["pic%03d" % g for g in np.repeat(np.arange(num_groups), variants)]
    ds = make_dataset(unique_name, X, [str(v) for v in y], groups)
    cleanup.append(ds)
    grouped = ddp.compute_predictions(ds, members=[("emb", "knn")], seed=1)
    leaky = ddp.compute_predictions(ds, members=[("emb", "knn")], group_field=None,
                                    pred_field="leaky", seed=1)
    assert grouped.grouped and not leaky.grouped
    assert leaky.accuracy > 0.95
    assert grouped.accuracy < 0.5


def test_ensemble_writes_predictions_members_and_run(cleanup, unique_name):
    X, y = blobs(30, 3, seed=1)
    labels = [str(v) for v in y]
    labels[5] = None  # unlabelled: predicted, never trained on
    labels[40] = None
    ds = make_dataset(unique_name, X, labels, ["g%d" % i for i in range(len(y))])
    cleanup.append(ds)
    ds.set_values("emb2", [np.asarray(x[:8]) for x in X])
    calls = []
    rep = ddp.compute_predictions(
        ds, members=["emb", ("emb", "knn"), {"embeddings": "emb2", "classifier": "mlp",
                                             "params": {"steps": 50}}],
        progress=lambda f, label: calls.append(f),
    )
    assert rep.num_unlabelled == 2 and rep.num_labelled == len(y) - 2
    assert rep.accuracy > 0.9
    assert set(rep.member_accuracy) == {"logreg_emb", "knn_emb", "mlp_emb2"}
    assert calls and calls[-1] == 1.0
    preds = ds.values("predictions")
    assert all(p is not None and p.label in {"0", "1", "2"} for p in preds)
    assert preds[5].label == "0" and preds[40].label == "1"  # unlabelled, still predicted
    p0 = np.exp(preds[0].logits)
    assert abs(p0.sum() - 1) < 1e-3 and abs(p0.max() - preds[0].confidence) < 1e-4
    for f in rep.member_fields:
        assert ds.count(f) == len(ds)
    # the run is listed, its config reloads, the probabilities reload
    assert rep.run_key in ddr.list_datadiver_runs(ds)
    cfg = ddr.get_run_config(ds, rep.run_key)
    assert cfg["num_folds"] == 5 and cfg["group_field"] == "source_id"
    assert [m["name"] for m in cfg["members"]] == ["logreg_emb", "knn_emb", "mlp_emb2"]
    data = ddp.load_probabilities(ds)
    assert data["probs"].shape == (len(ds), 3) and data["member_probs"].shape == (3, len(ds), 3)
    np.testing.assert_allclose(data["probs"][0], p0, atol=1e-3)
    # on a view, rows follow the view's order
    view = ds.skip(10).limit(5)
    sub = ddp.load_probabilities(view)
    np.testing.assert_allclose(sub["probs"], data["probs"][10:15])
    # re-running is idempotent: one run, same fields
    n_fields = len(ds.get_field_schema())
    ddp.compute_predictions(ds, members=["emb", ("emb", "knn"), {
        "embeddings": "emb2", "classifier": "mlp", "params": {"steps": 50}}])
    assert len(ds.get_field_schema()) == n_fields
    assert ddr.list_datadiver_runs(ds).count(rep.run_key) == 1


def test_bad_inputs_raise_value_errors(cleanup, unique_name):
    X, y = blobs(10, 2, seed=2)
    ds = make_dataset(unique_name, X, [str(v) for v in y])
    cleanup.append(ds)
    with pytest.raises(ValueError, match="nope"):
        ddp.compute_predictions(ds, embeddings="nope")
    with pytest.raises(ValueError, match="Unknown classifier"):
        ddp.compute_predictions(ds, members=[("emb", "svm")])
    with pytest.raises(ValueError, match="No ensemble member"):
        ddp.compute_predictions(ds)
    with pytest.raises(ValueError, match="Label field"):
        ddp.compute_predictions(ds, embeddings="emb", label_field="labels")
    with pytest.raises(ValueError, match="No predictions run"):
        ddp.load_probabilities(ds)
    ds.set_values("partial", [None] + [np.ones(3)] * (len(ds) - 1))
    with pytest.raises(ValueError, match="no embedding"):
        ddp.compute_predictions(ds, embeddings="partial")


def test_timm_member_maps_imagenet_outputs_onto_wnids(cleanup, unique_name, run_dir):
    """A random-weight timm ImageNet-1k classifier saved to a file is an
    ensemble member: its 1000 outputs are cut down to the dataset's wnids."""
    import timm
    import torch
    from PIL import Image

    wnids = ddp.imagenet_wnids()
    assert len(wnids) == 1000 and wnids[0] == "n01440764"
    names = {"n01443537": "goldfish", "n01629819": "European fire salamander",
             "n02085620": "Chihuahua"}
    ckpt = os.path.join(run_dir, "resnet10t-random.pth")
    torch.manual_seed(0)
    torch.save(timm.create_model("resnet10t", pretrained=False).state_dict(), ckpt)
    img_dir = os.path.join(run_dir, unique_name)
    os.makedirs(img_dir)
    rng = np.random.default_rng(0)
    X, y = blobs(5, 3, seed=3)
    paths = []
    for i in range(len(y)):
        p = os.path.join(img_dir, "%02d.png" % i)
        Image.fromarray(rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)).save(p)
        paths.append(p)
    wn = list(names)
    ds = make_dataset(unique_name, X, [names[wn[v]] for v in y],
                      ["s%d" % i for i in range(len(y))], filepaths=paths)
    cleanup.append(ds)
    ds.info["wnid_to_name"] = names
    ds.save()
    rep = ddp.compute_predictions(
        ds, num_folds=3,
        members=["emb", {"timm": "resnet10t", "checkpoint": ckpt, "name": "rn",
                         "params": {"image_size": 32, "batch_size": 8}}],
    )
    assert [m["name"] for m in rep.members] == ["logreg_emb", "rn"]
    rn = ds.values("predictions_rn")
    assert all(p.label in names.values() for p in rn)
    assert rep.members[1]["params"]["mapped_classes"] == 3
    data = ddp.load_probabilities(ds)
    np.testing.assert_allclose(data["member_probs"][1].sum(1), 1.0, atol=1e-2)
    ds.info["wnid_to_name"] = {}
    ds.save()
    with pytest.raises(ValueError, match="ImageNet-1k wnid"):
        ddp.compute_predictions(ds, num_folds=3, members=[
            {"timm": "resnet10t", "checkpoint": ckpt, "params": {"image_size": 32}}])


def _fake_hf_cache(root, repo, state):
    """Writes ``state`` where the Hugging Face hub cache keeps ``repo``'s
    model.safetensors (refs/main -> snapshots/<rev>/), as a download would."""
    from safetensors.torch import save_file

    base = root / "hub" / ("models--" + repo.replace("/", "--"))
    rev = "0" * 40
    (base / "refs").mkdir(parents=True)
    (base / "refs" / "main").write_text(rev)
    snap = base / "snapshots" / rev
    snap.mkdir(parents=True)
    save_file({k: v.contiguous() for k, v in state.items()}, str(snap / "model.safetensors"))


def test_timm_auto_member_uses_cached_weights_and_says_which(cleanup, unique_name, run_dir,
                                                             tmp_path, monkeypatch, run_operator):
    """``{"timm": "auto"}`` is the cached timm ImageNet-1k classifier (weights
    written here into a temporary cache, never downloaded), mapped onto the
    dataset's wnids; the run records which model and why. With nothing
    cached it is an error, not random weights."""
    import timm
    import timm.data
    import torch
    from PIL import Image

    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    names = {"n01443537": "goldfish", "n01629819": "European fire salamander",
             "n02085620": "Chihuahua"}
    img_dir = os.path.join(run_dir, unique_name)
    os.makedirs(img_dir)
    rng = np.random.default_rng(1)
    X, y = blobs(5, 3, seed=5)
    paths = []
    for i in range(len(y)):
        p = os.path.join(img_dir, "%02d.png" % i)
        Image.fromarray(rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)).save(p)
        paths.append(p)
    wn = list(names)
    ds = make_dataset(unique_name, X, [names[wn[v]] for v in y],
                      ["s%d" % i for i in range(len(y))], filepaths=paths)
    cleanup.append(ds)
    ds.info["wnid_to_name"] = names
    ds.save()
    auto = {"timm": "auto", "params": {"image_size": 32, "batch_size": 8}}

    with pytest.raises(ValueError, match="timm member 'auto': no timm ImageNet-1k weights"):
        ddp.compute_predictions(ds, num_folds=3, members=["emb", auto])
    # a named model without a checkpoint is never built with random weights
    with pytest.raises(ValueError, match="no pretrained weights for 'resnet18'"):
        ddp.compute_predictions(ds, num_folds=3, members=["emb", {"timm": "resnet18"}])

    torch.manual_seed(5)
    src = timm.create_model("resnet18", pretrained=False, num_classes=1000).eval()
    _fake_hf_cache(tmp_path / "hf", "timm/resnet18.a1_in1k", src.state_dict())
    rep = ddp.compute_predictions(ds, num_folds=3, members=["emb", auto])
    m = rep.members[1]
    assert m["name"] == "timm_resnet18_a1_in1k" and m["model"] == "resnet18.a1_in1k"
    assert m["params"]["auto"] is True and "found in the local cache" in m["params"]["model_reason"]
    assert m["params"]["weights"].endswith("model.safetensors") and m["params"]["mapped_classes"] == 3
    # the run keeps the same record
    assert "resnet18.a1_in1k" in str(ddr.get_run_config(ds, rep.run_key))

    # the member's probabilities are the cached weights' outputs on the three wnids
    index = {w: i for i, w in enumerate(ddp.imagenet_wnids())}
    classes = list(rep.classes)
    to_name = {v: k for k, v in names.items()}
    cols = [index[to_name[c]] for c in classes]
    cfg = timm.data.resolve_data_config({}, model=src)
    cfg["input_size"], cfg["crop_pct"] = (3, 32, 32), 1.0
    tf = timm.data.create_transform(**cfg)
    with torch.no_grad():
        x = torch.stack([tf(Image.open(p).convert("RGB")) for p in ds.values("filepath")])
        ref = torch.softmax(src(x)[:, cols], dim=1).numpy()
    ref = (1 - 1e-3) * ref + 1e-3 / len(classes)
    got = ddp.load_probabilities(ds)["member_probs"][1]
    np.testing.assert_allclose(got, ref, atol=1e-3)  # stored as float16
    assert (got.argmax(1) == ref.argmax(1)).all()
    # the short form names the same member; the operator's checkbox adds it
    assert ddp.parse_members(ds, members=["timm:auto"])[0].model == "resnet18.a1_in1k"
    res = run_operator("compute_predictions", ds, params={
        "embeddings": ["emb"], "classifiers": ["logreg"], "num_folds": 3, "timm_auto": True,
        "pred_field": "pred_op"})
    assert res.error is None, res.error
    assert "pred_op_timm_resnet18_a1_in1k" in res.result["member_fields"]
    assert ds.count("pred_op_timm_resnet18_a1_in1k") == len(ds)


def test_operator_compute_predictions(cleanup, unique_name, run_operator):
    X, y = blobs(12, 2, seed=4)
    ds = make_dataset(unique_name, X, [str(v) for v in y])
    cleanup.append(ds)
    res = run_operator("compute_predictions", ds, params={
        "embeddings": ["emb"], "classifiers": ["logreg", "knn"], "num_folds": 3})
    assert res.error is None, res.error
    assert res.result["run_key"] == ddp.predictions_run_key("predictions")
    assert res.result["accuracy"] > 0.9
    assert ds.count("predictions_knn_emb") == len(ds)


def test_fast_vector_read_and_bulk_writes(cleanup, unique_name):
    """Vectors decoded from raw bytes equal FiftyOne's own decoding; the
    member fields carry no logits unless asked; several fields are written in
    one bulk update and read back through FiftyOne."""
    X, y = blobs(8, 3, dim=5, seed=6)
    ds = make_dataset(unique_name, X, [str(v) for v in y])
    cleanup.append(ds)
    np.testing.assert_array_equal(ddp._read_embeddings(ds, "emb"),
                                  np.stack(ds.values("emb")))
    ds.set_values("as_list", [list(map(float, x)) for x in X])  # not binary
    np.testing.assert_allclose(ddp._read_embeddings(ds, "as_list"), X, rtol=1e-6)
    rep = ddp.compute_predictions(ds, members=["emb", ("emb", "knn")], num_folds=3)
    assert ds.first()["predictions"].logits.shape == (3,)
    assert all(ds.first()[f].logits is None for f in rep.member_fields)
    ddp.compute_predictions(ds, members=["emb", ("emb", "knn")], num_folds=3,
                            member_logits=True, logits=False)
    assert ds.first()["predictions"].logits is None
    assert ds.first()[rep.member_fields[0]].logits.shape == (3,)
    ids = ds.values("id")
    store.write_fields(ds, ids, {"a": [float(i) for i in range(len(ids))],
                               "b": ["x"] * len(ids)},
                     types={"b": fo.StringField})
    assert ds.values("a") == [float(i) for i in range(len(ids))]
    assert isinstance(ds.get_field("b"), fo.StringField) and ds.count_values("b") == {"x": len(ids)}


def test_probe_folds_are_never_copied_whole():
    """A fold's rows are gathered per minibatch and per chunk of test rows:
    training a probe on 80% of 200k x 128-d embeddings (102 MB) allocates
    well under the embeddings' size. The code before copied the fold and
    standardised it into two more arrays (255 MB, 2.6x the embeddings here; now about 41 MB).
    The column statistics are those of the whole fold."""
    import tracemalloc

    rng = np.random.default_rng(0)
    n, d, K = 200_000, 128, 10
    y = rng.integers(0, K, n)
    X = (rng.normal(size=(K, d))[y] * 2 + rng.normal(size=(n, d))).astype(np.float32)
    tr = np.flatnonzero(np.arange(n) % 5 != 0)
    te = np.flatnonzero(np.arange(n) % 5 == 0)
    member = ddp.Member("emb", embeddings="emb", classifier="logreg")
    ddp._fit_predict(member, X, tr[:50], y[tr[:50]], [te[:5]], K, seed=1)  # imports torch first
    tracemalloc.start()
    try:
        (P,) = ddp._fit_predict(member, X, tr, y[tr], [te], K, seed=1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 0.6 * X.nbytes, f"peak {peak / 2**20:.0f} MB for {X.nbytes / 2**20:.0f} MB of embeddings"
    assert P.shape == (len(te), K) and np.allclose(P.sum(1), 1, atol=1e-5)
    assert (P.argmax(1) == y[te]).mean() > 0.9
    mu, sd = ddp._column_stats(X, tr)
    exact = X[tr].astype(np.float64)  # float64 accumulation: the exact statistics
    assert np.allclose(mu, exact.mean(0), atol=1e-6) and np.allclose(sd, exact.std(0), rtol=1e-6)

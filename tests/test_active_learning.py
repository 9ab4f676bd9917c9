"""Active learning: k-means cold start, margin uncertainty, labels from App
tags or an annotate callback, loop state that resumes."""
import numpy as np
import pytest

import datadiver_fo.curation.active_learning as ddal


def _class_embeddings(ds, rng, dims=16, noise=0.6):
    centers = {}
    out = []
    for label in ds.values("ground_truth.label"):
        if label not in centers:
            centers[label] = rng.normal(size=dims) * 2
        out.append(centers[label] + noise * rng.normal(size=dims))
    return np.asarray(out)


def test_kmeans_start_picks_typical_samples_of_each_mode():
    rng = np.random.default_rng(0)
    a = rng.normal([5, 0], 0.3, size=(40, 2))
    b = rng.normal([0, 5], 0.3, size=(40, 2))
    X = np.vstack([a, b])
    picked = ddal.kmeans_typical(X, 2, seed=0)
    assert sorted(i // 40 for i in picked) == [0, 1]  # one per blob
    # the pick is typical: closer to its blob's mean direction than most
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    for i in picked:
        blob = Xn[(i // 40) * 40 : (i // 40 + 1) * 40]
        d = np.linalg.norm(blob - blob.mean(0), axis=1)
        assert np.linalg.norm(Xn[i] - blob.mean(0)) <= np.percentile(d, 25)
    assert set(ddal.kmeans_typical(X, 3, exclude=picked)).isdisjoint(picked)


def test_margin_round_picks_boundary_samples():
    X = np.array([[1.0, 0.05 * i] for i in range(-20, 21)])  # angles around 0
    X = np.vstack([X, [[0.0, 1.0]], [[0.0, -1.0]]])
    labeled = [41, 42]
    idx, strategy, m = ddal.select_batch(X, labeled, ["up", "down"], 1)
    assert strategy == "margin"
    assert idx == [20]  # the point exactly between the two labelled ones
    assert np.isnan(m[41]) and m[20] == pytest.approx(np.nanmin(m))


def test_loop_with_app_tags_resumes(fresh_dataset):
    ds = fresh_dataset.match_tags("tiny-imagenet-c")
    X = _class_embeddings(ds, np.random.default_rng(1))
    ds._dataset.set_values("emb", {i: x.tolist() for i, x in zip(ds.values("id"), X)}, key_field="id")

    r1 = ddal.propose_labels(ds, "emb", batch_size=6, label_field="al_label")
    assert r1["strategy"] == "kmeans" and r1["round"] == 1 and r1["num_labeled"] == 0
    assert len(set(r1["proposed"])) == 6
    assert sorted(ds.match_tags("to_label").values("id")) == sorted(r1["proposed"])

    # a teammate labels the batch in the App with label:<class> tags
    truth = dict(zip(ds.values("id"), ds.values("ground_truth.label")))
    for sid in r1["proposed"]:
        s = ds._dataset[sid]
        s.tags.append("label:" + truth[sid])
        s.save()

    r2 = ddal.propose_labels(ds, "emb", batch_size=5, label_field="al_label")
    assert r2["round"] == 2 and r2["num_labeled"] == 6
    assert ds.count_sample_tags().get("label:" + truth[r1["proposed"][0]]) is None  # harvested
    labeled = ds.exists("al_label")
    assert sorted(labeled.values("id")) == sorted(r1["proposed"])
    assert all(s.al_label.label == truth[s.id] for s in labeled)
    # the k-means cold start spans the class clusters, so round 2 has a model
    assert len(r2["classes"]) >= 2, r2["classes"]
    assert r2["strategy"] == "margin"
    assert ds.count("al_margin") == len(ds) - 6
    assert set(r2["proposed"]).isdisjoint(r1["proposed"])

    state = ddal.get_state(ds, "default")
    assert [r["strategy"] for r in state["rounds"]] == ["kmeans", r2["strategy"]]
    assert sorted(state["labeled"]) == sorted(r1["proposed"])
    cfg = ds._dataset.get_run_info("datadiver_active_learning_default").config
    assert cfg.label_field == "al_label"


def test_loop_with_annotate_callback_learns(fresh_dataset):
    ds = fresh_dataset.match_tags("tiny-imagenet-c")
    X = _class_embeddings(ds, np.random.default_rng(2))
    truth = dict(zip(ds.values("id"), ds.values("ground_truth.label")))
    seen = []

    def annotate(ids):
        seen.extend(ids)
        return [truth[i] for i in ids]

    calls = []
    res = ddal.propose_labels(
        ds, X, batch_size=3, cold_start_size=6, annotate=annotate, rounds=4,
        label_field="al_label", name="cb", progress=lambda f, l: calls.append(f),
    )
    assert res["round"] == 4 and res["num_labeled"] == 6 + 3 * 3
    assert len(seen) == len(set(seen)) == 15  # never asks twice
    assert [h["strategy"] for h in res["history"]][0] == "kmeans"
    assert res["history"][-1]["strategy"] == "margin"
    assert calls[-1] == pytest.approx(1.0)
    assert res["pending"] == [] and ds.match_tags("to_label").count() == 0
    # the probe trained on those 15 labels classifies the rest well
    lab = list(ds.exists("al_label").values("id"))
    pos = {s: i for i, s in enumerate(ds.values("id"))}
    probe = ddal.fit_probe(X[[pos[s] for s in lab]], [truth[s] for s in lab])
    pred = probe.predict(ddal._normalize(X))
    assert np.mean(pred == np.array([truth[s] for s in ds.values("id")])) > 0.9
    # resuming continues the same loop
    res2 = ddal.propose_labels(ds, X, batch_size=3, annotate=annotate, label_field="al_label", name="cb")
    assert res2["round"] == 5 and res2["num_labeled"] == 18
    ddal.reset(ds, "cb")
    assert ddal.get_state(ds, "cb") is None


def test_active_learning_bad_input(fresh_dataset):
    ds = fresh_dataset
    X = np.zeros((len(ds), 4))
    with pytest.raises(ValueError, match="batch_size"):
        ddal.propose_labels(ds, X, batch_size=0)
    with pytest.raises(ValueError, match="annotate"):
        ddal.propose_labels(ds, X, annotate="yes")
    with pytest.raises(ValueError, match="Classification"):
        ddal.propose_labels(ds, X, label_field="corruption")
    with pytest.raises(ValueError, match="num_samples x dims"):
        ddal.propose_labels(ds, X[:3])
    with pytest.raises(ValueError, match="2 ids"):
        ddal.propose_labels(ds.limit(8), X[:8] + np.eye(8, 4), batch_size=2,
                            label_field="al_label", annotate=lambda ids: ["x"])


def test_propose_labels_operator(fresh_dataset, run_operator):
    ds = fresh_dataset
    X = _class_embeddings(ds, np.random.default_rng(3))
    ds.set_values("emb", [x.tolist() for x in X])
    res = run_operator(
        "propose_labels", ds,
        params={"embeddings": "emb", "batch_size": 4, "label_field": "al_label"},
    )
    assert res.error is None, res.error
    assert res.result["strategy"] == "kmeans" and len(res.result["proposed"]) == 4
    assert ds.match_tags("to_label").count() == 4

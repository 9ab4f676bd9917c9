"""Runs, fiftyone-brain's way: a typed config per method, status with the
results, ``delete_run`` removes the run's fields, a re-run updates the run in
place, and runs recorded by older versions still load and list."""
import time

import numpy as np
import pytest

import fiftyone as fo
import fiftyone.core.odm as foo

import datadiver_fo.enrich.embeddings as dde
from datadiver_fo.enrich import models as ddm
from datadiver_fo.enrich import label_issues as ddl
from datadiver_fo.enrich import ood as ddo
from datadiver_fo.enrich import predictions as ddp
from datadiver_fo.enrich import similarity as dds
from datadiver_fo.internal import runs as ddr
from datadiver_fo.internal import store


def _run_docs(ds, key):
    """The stored run documents of ``key`` on ``ds`` (FiftyOne's runs collection)."""
    return list(foo.get_db_conn().runs.find({"_dataset_id": ds._doc.id, "key": key}))


@pytest.fixture
def scored(unique_name):
    """60 samples, 3 classes, an ``emb`` vector field, predictions, OoD
    scores and label issues; yields the dataset and the two run keys."""
    rng = np.random.default_rng(7)
    ds = fo.Dataset(unique_name + "-scored")  # fresh_dataset takes unique_name
    ds.add_samples([
        fo.Sample(filepath=f"/tmp/dd-runs/{i}.jpg", source_id=f"s{i // 2}",
                  ground_truth=fo.Classification(label=f"c{i % 3}"))
        for i in range(60)
    ])
    ds.set_values("emb", [rng.normal(size=8).astype(np.float32) + 2 * (i % 3) for i in range(60)])
    ddp.compute_predictions(ds, members=["emb"], num_folds=3, progress=False)
    ddo.compute_ood(ds, knn_embeddings="emb", view_name=None, progress=False)
    ddl.find_label_issues(ds, mistakenness=False, hardness=False, view_name=None, progress=False)
    yield ds, ddr.run_key("ood", "ood_score"), ddr.run_key("label_issues", "label_issue")
    ds.delete()


def test_embeddings_config_is_typed_and_round_trips(fresh_dataset):
    view = fresh_dataset.match_tags("tiny-imagenet-c").limit(16)
    rep = dde.compute_embeddings(view, model="weightless", batch_size=8, progress=False)
    fresh_dataset.reload()

    cfg = fresh_dataset.get_run_info(rep["run_key"]).config
    assert isinstance(cfg, ddr.EmbeddingsRunConfig)
    assert (cfg.type, cfg.method) == ("run", "embeddings")
    assert cfg.model == "weightless" and cfg.field == "embeddings" and cfg.dim == rep["dim"]
    assert cfg.fingerprint == rep["fingerprint"] and cfg.batch_size == 8
    assert not hasattr(cfg, "status")  # the state lives with the results
    assert isinstance(cfg.build(), ddr.EmbeddingsRun)

    res = fresh_dataset.load_run_results(rep["run_key"])
    assert isinstance(res, ddr.DataDiverRunResults) and res.status == "complete"
    assert ddr.get_run_status(fresh_dataset, rep["run_key"]) == "complete"
    assert dde.get_embeddings_info(fresh_dataset)["status"] == "complete"
    assert ddr.get_run_results(fresh_dataset, rep["run_key"])["embedded"] == 16
    assert fresh_dataset.list_runs(method="embeddings") == [rep["run_key"]]


def test_ood_and_label_issues_configs_are_typed(scored):
    ds, ood_key, issues_key = scored
    cfg = ds.get_run_info(ood_key).config
    assert isinstance(cfg, ddr.OodRunConfig)
    assert cfg.score_field == "ood_score" and cfg.knn["field"] == "emb"
    assert cfg.build().get_fields(ds, ood_key) == ["ood_score", "ood_knn", "ood_band",
                                                   "ood_member_entropy"]
    cfg = ds.get_run_info(issues_key).config
    assert isinstance(cfg, ddr.LabelIssuesRunConfig) and cfg.quality_method == "self_confidence"
    # per-source fields too: the fixture's samples have a source_id
    assert cfg.build().get_fields(ds, issues_key) == ["label_issue", "label_quality",
                                                      "suggested_label", "source_label_issue",
                                                      "source_label_quality"]


def test_delete_run_removes_the_runs_fields(scored, fresh_dataset):
    ds, ood_key, issues_key = scored
    ds.delete_run(ood_key)
    for f in ("ood_score", "ood_knn", "ood_band", "ood_member_entropy"):
        assert not ds.has_sample_field(f), f
    assert ds.has_sample_field("label_issue") and ds.has_sample_field("predictions")

    ds.delete_run(issues_key)
    for f in ("label_issue", "label_quality", "suggested_label"):
        assert not ds.has_sample_field(f), f
    assert ds.has_sample_field("predictions") and ds.has_sample_field("emb")
    assert ood_key not in ddr.list_datadiver_runs(ds)

    rep = dde.compute_embeddings(fresh_dataset.limit(8), model="weightless", progress=False)
    fresh_dataset.delete_run(rep["run_key"])
    assert not fresh_dataset.has_sample_field("embeddings")
    assert dde.get_embeddings_info(fresh_dataset) is None


def test_rerun_updates_the_run_in_place(scored):
    ds, _, _ = scored
    first = dds.write_neighbors(ds, embeddings="emb", k=3, field="nb", progress=False)
    key = first["run_key"]
    (doc,) = _run_docs(ds, key)
    time.sleep(0.01)
    dds.write_neighbors(ds.limit(40), embeddings="emb", k=5, field="nb", progress=False)
    (again,) = _run_docs(ds, key)  # still one document, the same one
    assert again["_id"] == doc["_id"]
    assert again["timestamp"] > doc["timestamp"]
    assert again.get("view_stages") and not doc.get("view_stages")  # now records the view
    assert ds.get_run_info(key).config.k == 5
    assert ds.has_sample_field("nb")  # updating never runs the cleanup

    # on an untested FiftyOne (public API only) the run is replaced instead
    with store.public_api():
        dds.write_neighbors(ds, embeddings="emb", k=4, field="nb", progress=False)
    (replaced,) = _run_docs(ds, key)
    assert replaced["timestamp"] >= again["timestamp"] and not replaced.get("view_stages")
    assert ds.get_run_info(key).config.k == 4 and ds.has_sample_field("nb")


def test_embeddings_record_once_running_then_complete(fresh_dataset):
    ds = fresh_dataset
    key = dde.embeddings_run_key("peek")
    seen = []

    def model(batch):  # a real model that looks at the run while it embeds
        seen.append((ddr.get_run_status(ds, key), _run_docs(ds, key)[0]["_id"]))
        return batch.reshape(len(batch), -1)[:, :8].astype(np.float32)

    ddm.register_model("dd-peek", model, version="1")
    dde.compute_embeddings(ds.limit(16), model="dd-peek", field="peek", batch_size=8,
                           progress=False)
    (doc,) = _run_docs(ds, key)
    assert [status for status, _ in seen] == ["running", "running"]
    assert {doc_id for _, doc_id in seen} == {doc["_id"]}
    assert ddr.get_run_status(ds, key) == "complete" and doc["config"]["dim"] == 8
    assert doc["config"]["cls"].endswith("EmbeddingsRunConfig") and "status" not in doc["config"]


def test_running_status_until_finished(scored):
    ds, _, _ = scored
    key = ddr.run_key("neighbors", "pending")
    ddr.record_run(ds, key, "neighbors", status="running", field="pending")
    assert ddr.get_run_status(ds, key) == "running"
    assert ddr.get_run_results(ds, key) == {"cls": "datadiver_fo.internal.runs.DataDiverRunResults"}
    ddr.finish_run(ds, key, results={"n": 3}, k=4)
    assert ddr.get_run_status(ds, key) == "complete"
    assert ddr.get_run_results(ds, key)["n"] == 3 and ds.get_run_info(key).config.k == 4
    with pytest.raises(ValueError, match="already exists"):
        ddr.record_run(ds, key, "neighbors", overwrite=False, field="pending")


def test_runs_of_older_versions_still_load_and_list(scored):
    ds, _, _ = scored
    # what earlier versions recorded: a generic RunConfig with method= and the
    # status in the config, plain RunResults
    key = dde.embeddings_run_key("emb")
    ds.register_run(key, ds.init_run(method="embeddings", model="old", field="emb",
                                     fingerprint={"v": 1}, status="running"))
    ds.save_run_results(key, ds.init_run_results(key, embedded=60))
    ds.reload()

    assert key in ddr.list_datadiver_runs(ds)
    assert ds.list_runs(method="embeddings") == [key]
    info = dde.get_embeddings_info(ds, "emb")
    assert info["method"] == "embeddings" and info["model"] == "old"
    assert info["status"] == "running"
    assert ddr.get_run_results(ds, key)["embedded"] == 60

    # recording the method again replaces it with a typed run and keeps the field
    ddr.record_run(ds, key, "embeddings", model="new", field="emb")
    assert isinstance(ds.get_run_info(key).config, ddr.EmbeddingsRunConfig)
    assert len(_run_docs(ds, key)) == 1
    assert ds.has_sample_field("emb") and ddr.get_run_status(ds, key) == "complete"
    assert ddr.get_run_results(ds, key) is None

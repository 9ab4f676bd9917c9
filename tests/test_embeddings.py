"""compute_embeddings: real timm / open_clip models loaded from files the test
writes (the path a user's checkpoint takes), the weightless embedder, resume
after an interruption, skip_existing, unreadable files, runs and the operator."""
import json
import shutil

import numpy as np
import pytest
from PIL import Image

import fiftyone as fo

import datadiver_fo.enrich.embeddings as dde
from datadiver_fo.enrich import models as ddm
def _small_view(ds, n=48):
    # a fixed, small slice over several classes / corruptions
    return ds.match_tags("tiny-imagenet-c").sort_by("filepath").limit(n)


def _image(path):
    return np.asarray(Image.open(path).convert("RGB"))


def test_weightless_shapes_runs_skip_existing_and_determinism(fresh_dataset):
    view = _small_view(fresh_dataset)
    rep = dde.compute_embeddings(view, model="auto", batch_size=16)
    assert rep["model"] == "weightless" and rep["field"] == "embeddings"
    assert rep["embedded"] == 48 and rep["skipped"] == 0 and rep["num_failed"] == 0
    X = np.stack(view.values("embeddings"))
    assert X.shape == (48, rep["dim"]) and rep["dim"] > 100
    assert np.allclose(np.linalg.norm(X, axis=1), 1.0, atol=1e-5)
    # outside the view nothing was written
    assert fresh_dataset.exists("embeddings").count() == 48

    info = dde.get_embeddings_info(fresh_dataset, "embeddings")
    assert info["status"] == "complete" and info["model"] == "weightless"
    assert info["fingerprint"]["image_size"] == 64
    assert rep["run_key"] in fresh_dataset.list_runs()

    again = dde.compute_embeddings(view, model="weightless", batch_size=16)
    assert again["embedded"] == 0 and again["skipped"] == 48

    redo = dde.compute_embeddings(view, model="weightless", batch_size=7, skip_existing=False)
    assert redo["embedded"] == 48
    assert np.allclose(np.stack(view.values("embeddings")), X, atol=1e-5)  # deterministic


def test_weightless_groups_variants_of_one_source(fresh_dataset):
    # a corrupted image's nearest neighbour is usually another variant of its source
    view = fresh_dataset.match_tags("tiny-imagenet-c").match({"severity": {"$lte": 2}})
    dde.compute_embeddings(view, model="weightless", field="wl", batch_size=64)
    ids, X = dde.get_embeddings(view, "wl")
    src = np.asarray(view.values("source_id"))
    S = X @ X.T
    np.fill_diagonal(S, -np.inf)
    nn = S.argmax(1)
    assert (src[nn] == src).mean() > 0.9


def test_timm_checkpoint_file(fresh_dataset, tmp_path):
    import timm
    import torch

    torch.manual_seed(0)
    net = timm.create_model("resnet18", pretrained=False, num_classes=10)  # head is dropped on load
    ckpt = str(tmp_path / "resnet18.pth")
    torch.save(net.state_dict(), ckpt)
    view = _small_view(fresh_dataset, 20)
    spec = f"timm:resnet18@{ckpt}"
    rep = dde.compute_embeddings(view, model=spec, field="r18", batch_size=8, image_size=64)
    assert rep["dim"] == 512 and rep["embedded"] == 20
    info = dde.get_embeddings_info(fresh_dataset, "r18")
    assert len(info["fingerprint"]["checkpoint_sha256"]) == 64

    # the stored vector is the pooled feature of the saved weights
    net.reset_classifier(0)
    net.eval()
    s = view.first()
    x = torch.from_numpy(_image(s.filepath)).permute(2, 0, 1).float()[None] / 255.0
    mean = torch.tensor((0.485, 0.456, 0.406)).view(1, 3, 1, 1)
    std = torch.tensor((0.229, 0.224, 0.225)).view(1, 3, 1, 1)
    with torch.no_grad():
        ref = net((x - mean) / std)[0].numpy()
    assert np.allclose(s["r18"], ref, atol=1e-4)

    # same config again: nothing to do; another field, same result
    assert dde.compute_embeddings(view, model=spec, field="r18", image_size=64)["embedded"] == 0

    # a checkpoint of another architecture is refused with a reason
    other = str(tmp_path / "mobilenet.pth")
    torch.save(timm.create_model("resnet10t", pretrained=False).state_dict(), other)
    with pytest.raises(ValueError, match="missing keys"):
        ddm.load_model(f"timm:resnet18@{other}")
    with pytest.raises(ValueError, match="not found"):
        ddm.load_model(f"timm:resnet18@{tmp_path}/nope.pth")


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory):
    """A small randomly initialised open_clip model saved to a file."""
    import open_clip
    import torch

    d = tmp_path_factory.mktemp("clip")
    cfg = {
        "embed_dim": 32,
        "vision_cfg": {"image_size": 32, "layers": 1, "width": 32, "patch_size": 8, "head_width": 16},
        "text_cfg": {"context_length": 16, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1},
    }
    cfg_path = str(d / "dd_tiny_clip.json")
    json.dump(cfg, open(cfg_path, "w"))
    open_clip.add_model_config(cfg_path)
    torch.manual_seed(0)
    model = open_clip.create_model("dd_tiny_clip")
    ckpt = str(d / "tiny_clip.pt")
    torch.save(model.state_dict(), ckpt)
    return dict(spec=f"open_clip:{cfg_path}:{ckpt}", model=model.eval(), arch="dd_tiny_clip")


def test_open_clip_image_and_text_towers(fresh_dataset, tiny_clip):
    import open_clip
    import torch

    import datadiver_fo.enrich.similarity as dds

    view = _small_view(fresh_dataset, 24)
    rep = dde.compute_embeddings(view, model=tiny_clip["spec"], field="clip", batch_size=8)
    assert rep["dim"] == 32 and rep["embedded"] == 24
    ids, X = dde.get_embeddings(view, "clip")
    assert np.allclose(np.linalg.norm(X, axis=1), 1.0, atol=1e-4)
    assert dde.get_embeddings_info(fresh_dataset, "clip")["has_text"] is True

    # text query: the run's model string rebuilds the text tower
    dds.compute_similarity(view, embeddings="clip", brain_key="clip_sim")
    res = dds.sort_by_similarity(view, "a photo of a dog", k=5, brain_key="clip_sim",
                                 dist_field="text_dist")
    got = res.values("id")
    dists = res.values("text_dist")
    assert len(got) == 5 and dists == sorted(dists)

    tok = open_clip.get_tokenizer(tiny_clip["arch"])
    with torch.no_grad():
        t = tiny_clip["model"].encode_text(tok(["a photo of a dog"]), normalize=True)[0].numpy()
    expected = [ids[i] for i in np.argsort(-(X @ t), kind="stable")[:5]]
    assert got[:3] == expected[:3]


def test_resume_after_interruption(fresh_dataset):
    view = _small_view(fresh_dataset, 40)
    calls = {"n": 0}

    def flaky(batch):
        calls["n"] += 1
        if calls["n"] > 3:
            raise RuntimeError("killed")
        return batch.reshape(len(batch), -1)[:, :16].astype(np.float32)

    ddm.register_model("dd-flaky", flaky, version="1")
    with pytest.raises(RuntimeError, match="killed"):
        dde.compute_embeddings(view, model="dd-flaky", field="fl", batch_size=8, write_every=1)
    assert fresh_dataset.exists("fl").count() == 24  # 3 batches were written
    assert dde.get_embeddings_info(fresh_dataset, "fl")["status"] == "running"

    calls["n"] = -100  # "fixed": same weights, same version
    rep = dde.compute_embeddings(view, model="dd-flaky", field="fl", batch_size=8)
    assert rep["skipped"] == 24 and rep["embedded"] == 16
    assert fresh_dataset.exists("fl").count() == 40
    assert dde.get_embeddings_info(fresh_dataset, "fl")["status"] == "complete"

    # a different config in the same field is refused, then replaced on request
    ddm.register_model("dd-other", lambda b: np.ones((len(b), 4), np.float32))
    with pytest.raises(ValueError, match="holds embeddings from"):
        dde.compute_embeddings(view, model="dd-other", field="fl")
    rep = dde.compute_embeddings(view, model="dd-other", field="fl", overwrite=True)
    assert rep["embedded"] == 40 and len(view.first()["fl"]) == 4


def test_unreadable_file_is_reported(mini, tmp_path, unique_name):
    import glob

    files = sorted(glob.glob(f"{mini.root}/fog/1/*/*.JPEG"))[:5]
    paths = []
    for i, f in enumerate(files):
        p = str(tmp_path / f"img{i}.JPEG")
        shutil.copy(f, p)
        paths.append(p)
    with open(paths[2], "wb") as fh:
        fh.write(b"\xff\xd8 this is not a jpeg")
    missing = str(tmp_path / "gone.JPEG")
    ds = fo.Dataset(unique_name)
    try:
        ds.add_samples([fo.Sample(filepath=p) for p in paths + [missing]])
        rep = dde.compute_embeddings(ds, model="weightless", batch_size=4)
        assert rep["embedded"] == 4 and rep["num_failed"] == 2
        bad = {f["filepath"]: f["error"] for f in rep["failed"]}
        assert set(bad) == {paths[2], missing}
        assert all(bad.values())
        assert ds.exists("embeddings", False).count() == 2
        stored = fo.load_dataset(unique_name).load_run_results(rep["run_key"])
        assert len(stored.failed) == 2
    finally:
        ds.delete()


def test_bad_input_raises(fresh_dataset):
    view = _small_view(fresh_dataset, 4)
    with pytest.raises(ValueError, match="batch_size"):
        dde.compute_embeddings(view, batch_size=0)
    with pytest.raises(ValueError, match="Unknown model"):
        dde.compute_embeddings(view, model="resnet-9000")
    with pytest.raises(ValueError, match="field"):
        dde.compute_embeddings(view, field="not a field")
    with pytest.raises(ValueError, match="not a vector field"):
        dde.compute_embeddings(view, field="wnid")
    with pytest.raises(ValueError, match="samples"):
        dde.compute_embeddings([1, 2, 3])
    with pytest.raises(ValueError, match="no text"):
        ddm.load_model("weightless").embed_texts(["dog"])


def test_operator_computes_embeddings(fresh_dataset, run_operator):
    view = _small_view(fresh_dataset, 12)
    res = run_operator("compute_embeddings", fresh_dataset, view=view,
                       params={"model_choice": "weightless", "field": "op_emb", "batch_size": 8,
                               "view_target": "CURRENT_VIEW"})
    assert res.error is None, res.error
    assert res.result["embedded"] == 12 and res.result["model"] == "weightless"
    assert fresh_dataset.exists("op_emb").count() == 12

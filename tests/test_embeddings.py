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
    assert dde.get_embeddings_info(fresh_dataset)["batch_size"] == 16
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
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        dde.compute_embeddings(view, batch_size=0)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        dde.compute_embeddings(view, batch_size=True)
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


# --------------------------------------------------------------------------- #
# Hardware by default, the best model available offline
# --------------------------------------------------------------------------- #


def _resnet_at_64():
    import timm
    import torch

    torch.manual_seed(0)
    return timm.create_model("resnet18", pretrained=False, num_classes=0).eval()


def _fixed_batch(mini, n=16, seed=0):
    import glob

    files = sorted(glob.glob(f"{mini.root}/*/*/*/*.JPEG"))
    rng = np.random.default_rng(seed)
    return np.stack([_image(files[i]) for i in rng.choice(len(files), n, replace=False)])


def _cos(a, b):
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a * b).sum(1)


def test_device_auto_and_precision_arguments():
    import torch

    want = "cuda" if torch.cuda.is_available() else (
        "mps" if torch.backends.mps.is_available() else "cpu")
    assert ddm.resolve_device("auto") == want
    assert ddm.resolve_precision("auto", "cpu") == "fp32"  # autocast is for GPUs by default
    assert ddm.resolve_precision("fp32", "cuda") == "fp32"  # the opt-out
    with pytest.raises(ValueError, match="precision must be one of"):
        ddm.resolve_precision("fp8", "cpu")
    with pytest.raises(ValueError, match="Invalid device"):
        ddm.resolve_device("warp-drive")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            ddm.resolve_device("cuda")


def test_bf16_channels_last_agrees_with_fp32(mini):
    # the mixed-precision path (autocast + channels_last) on a fixed batch of real
    # files, at the 64 px the files have and upsampled on the device to 112 px
    batch = _fixed_batch(mini)
    for size in (64, 112):
        name = ddm.register_model(f"r18-prec-{size}", _resnet_at_64(), image_size=size)
        fp32 = ddm.load_model(name, device="cpu", precision="fp32")
        bf16 = ddm.load_model(name, device="cpu", precision="bf16")
        assert (fp32.precision, bf16.precision) == ("fp32", "bf16")
        a, b = fp32.embed_batch(batch), bf16.embed_batch(batch)
        assert a.shape == b.shape == (16, 512)
        cos = _cos(a, b)
        assert cos.min() >= 0.999, cos.min()
        assert not np.array_equal(a, b)  # bf16 really ran
        ddm.unregister_model(name)


def test_resize_on_device_matches_pil(mini):
    # files decoded at 64 px and resized on the model's device give the vectors of
    # files resized by PIL first (up to 96 px and down to 40 px)
    from PIL import Image

    batch = _fixed_batch(mini, seed=1)
    for size in (96, 40):
        name = ddm.register_model(f"r18-resize-{size}", _resnet_at_64(), image_size=size)
        m = ddm.load_model(name, device="cpu", precision="fp32")
        assert m.resizes
        pil = np.stack([np.asarray(Image.fromarray(a).resize((size, size), Image.BILINEAR))
                        for a in batch])
        cos = _cos(m.embed_batch(batch), m.embed_batch(pil))
        assert cos.min() >= 0.995, (size, cos.min())
        ddm.unregister_model(name)


def test_process_loader_equals_thread_loader_and_run_records_hardware(fresh_dataset):
    view = _small_view(fresh_dataset, n=40)
    name = ddm.register_model("r18-loader", _resnet_at_64(), image_size=64)
    a = dde.compute_embeddings(view, model=name, field="e_threads", batch_size=16,
                               loader="threads", device="auto")
    b = dde.compute_embeddings(view, model=name, field="e_procs", batch_size=16,
                               loader="processes", num_workers=2)
    assert a["loader"] == "threads" and b["loader"] == "processes"
    assert a["embedded"] == b["embedded"] == 40
    ids_a, A = dde.get_embeddings(view, "e_threads")
    ids_b, B = dde.get_embeddings(view, "e_procs")
    assert ids_a == ids_b and np.allclose(A, B, atol=1e-4)
    info = dde.get_embeddings_info(fresh_dataset, "e_procs")
    assert info["device"] == ddm.resolve_device("auto") and info["precision"] in ("fp32", "bf16")
    assert info["loader"] == "processes" and info["num_workers"] == 2
    # batch_size=None: 256 on a GPU, 64 on CPU, recorded as used
    c = dde.compute_embeddings(view.limit(4), model=name, field="e_default", device="cpu")
    assert c["embedded"] == 4
    assert dde.get_embeddings_info(fresh_dataset, "e_default")["batch_size"] == 64
    with pytest.raises(ValueError, match="loader must be one of"):
        dde.compute_embeddings(view, model=name, field="e_x", loader="fibers")
    ddm.unregister_model(name)


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


def test_model_auto_picks_cached_timm_weights_offline(fresh_dataset, tmp_path, monkeypatch):
    import timm
    import torch

    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    # nothing cached: the weightless embedder, and it says why
    spec, why = ddm.resolve_auto()
    assert spec == "weightless" and "no open_clip or timm weights" in why

    # a timm ImageNet classifier in the cache (weights made here, never downloaded)
    torch.manual_seed(3)
    src = timm.create_model("resnet18", pretrained=False, num_classes=1000).eval()
    _fake_hf_cache(tmp_path / "hf", "timm/resnet18.a1_in1k", src.state_dict())
    spec, why = ddm.resolve_auto()
    assert spec == "timm:resnet18.a1_in1k" and "found in the local cache" in why
    m = ddm.load_model("auto", device="cpu", image_size=64, precision="fp32")
    assert m.spec == "timm:resnet18.a1_in1k"
    batch = _fixed_batch_from(fresh_dataset)
    src.reset_classifier(0)
    with torch.inference_mode():
        x = torch.from_numpy(batch).permute(0, 3, 1, 2).float() / 255.0
        mean = torch.tensor(ddm._IMAGENET_MEAN).view(1, 3, 1, 1)
        std = torch.tensor(ddm._IMAGENET_STD).view(1, 3, 1, 1)
        ref = src((x - mean) / std).numpy()
    assert np.allclose(m.embed_batch(batch), ref, atol=1e-3)  # the cached weights, not random ones

    # compute_embeddings records the choice and the reason
    view = _small_view(fresh_dataset, n=8)
    rep = dde.compute_embeddings(view, field="e_auto", image_size=64, batch_size=8)
    assert rep["model"] == "timm:resnet18.a1_in1k" and "local cache" in rep["model_reason"]
    info = dde.get_embeddings_info(fresh_dataset, "e_auto")
    assert info["model"] == "timm:resnet18.a1_in1k" and "local cache" in info["model_reason"]
    ddm.clear_cache()


def _fixed_batch_from(ds, n=4):
    return np.stack([_image(p) for p in _small_view(ds, n=n).values("filepath")])


def test_model_auto_keeps_the_model_that_filled_the_field(fresh_dataset):
    view = _small_view(fresh_dataset, n=12)
    dde.compute_embeddings(view.limit(6), model="pixels", field="e_keep")
    rep = dde.compute_embeddings(view, field="e_keep")  # "auto": finish with the same model
    assert rep["model"] == "pixels" and rep["embedded"] == 6 and rep["skipped"] == 6
    assert "already holds embeddings from 'pixels'" in rep["model_reason"]


def test_two_shards_in_two_processes_equal_one_run(fresh_dataset, tmp_path):
    # two worker processes share the database and each embeds one shard of one job
    import os
    import subprocess
    import sys

    import fiftyone as fo

    view = _small_view(fresh_dataset, n=30)
    single = dde.compute_embeddings(view, model="weightless", field="e_single", batch_size=8)
    assert single["complete"] and single["shard"] is None
    script = tmp_path / "shard.py"
    script.write_text(
        "import sys, fiftyone as fo\n"
        "import datadiver_fo.enrich.embeddings as dde\n"
        "ds = fo.load_dataset(sys.argv[1])\n"
        "view = ds.match_tags('tiny-imagenet-c').sort_by('filepath').limit(30)\n"
        "rep = dde.compute_embeddings(view, model='weightless', field='e_shard', batch_size=8,\n"
        "                             shard=(int(sys.argv[2]), 2), progress=False)\n"
        "print('EMBEDDED', rep['embedded'], rep['complete'])\n")
    env = dict(os.environ, FIFTYONE_DATABASE_URI=fo.config.database_uri,
               PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    procs = [subprocess.Popen([sys.executable, str(script), fresh_dataset.name, str(i)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for i in (0, 1)]
    outs = [p.communicate(timeout=600) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-2000:] for o in outs]
    counts = [int(o[0].split("EMBEDDED")[1].split()[0]) for o in outs]
    assert sum(counts) == 30 and min(counts) > 0  # the shards split the work
    fresh_dataset.reload()  # the workers added the field
    ids_a, A = dde.get_embeddings(view, "e_single")
    ids_b, B = dde.get_embeddings(view, "e_shard")
    assert ids_a == ids_b and np.allclose(A, B, atol=1e-5)
    assert dde.get_embeddings_info(fresh_dataset, "e_shard")["status"] == "complete"
    # a shard that finds its part done embeds nothing and leaves the run complete
    again = dde.compute_embeddings(view, model="weightless", field="e_shard", shard=(1, 2))
    assert again["embedded"] == 0 and again["complete"]
    with pytest.raises(ValueError, match="shard must be"):
        dde.compute_embeddings(view, model="weightless", field="e_shard", shard=(2, 2))

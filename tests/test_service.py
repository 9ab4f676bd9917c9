"""The similarity service over real HTTP on 127.0.0.1 (uvicorn in a thread)."""
import io
import os
import socket
import threading
import time

import httpx
import numpy as np
import pytest
from service_proc import wait_for_health
from PIL import Image
from fiftyone import ViewField as F


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Server:
    def __init__(self, app):
        import uvicorn

        self.port = _free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.started:
            if time.time() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(autouse=True)
def _no_service_token(monkeypatch):
    """These tests exercise the open (loopback, no token) service, whatever
    the shell running pytest exports; tests/test_service_safety.py covers the
    token."""
    monkeypatch.delenv("DATADIVER_SERVICE_TOKEN", raising=False)


@pytest.fixture(scope="module")
def indexed(mini_dataset, tmp_path_factory, tiny_clip):
    """A clone of the mini dataset (fog + clean) with tiny-CLIP embeddings
    indexed by sklearn and by LanceDB, and raw-pixel embeddings (no text
    tower) indexed by sklearn."""
    import uuid

    import datadiver_fo as ddf

    spec = tiny_clip(str(tmp_path_factory.mktemp("clip")))

    name = "dd-test-service-" + uuid.uuid4().hex[:8]
    ds = mini_dataset.match(F("corruption").is_in(["fog", "clean"])).clone(name, persistent=True)
    ddf.compute_embeddings(ds, model=spec, field="clip")
    ddf.compute_similarity(ds, embeddings="clip", brain_key="sim_clip")
    ddf.compute_embeddings(ds, model="pixels", field="pix")
    ddf.compute_similarity(ds, embeddings="pix", brain_key="sim_pix")
    lance_dir = str(tmp_path_factory.mktemp("lancedb"))
    ddf.compute_similarity(ds, embeddings="clip", brain_key="sim_lance", backend="lancedb", uri=lance_dir)
    yield ds
    ds.delete()


def test_similar_by_id_upload_and_text(indexed):
    import datadiver_fo.curation.service as svc

    ds = indexed
    app = svc.create_app(ds.name, brain_key="sim_clip", max_upload_bytes=50_000)
    with _Server(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        h = http.get("/health").json()
        assert h["brain_key"] == "sim_clip" and h["text_search"] is True
        assert h["num_indexed"] == len(ds)

        sample = ds.match(F("corruption") == "fog").first()
        r = http.get("/similar", params={"id": sample.id, "k": 5})
        assert r.status_code == 200, r.text
        res = r.json()["results"]
        assert len(res) == 5 and sample.id not in [x["id"] for x in res]
        d = [x["distance"] for x in res]
        assert d == sorted(d)
        # distances are the index's: recompute one cosine distance by hand
        X = {s.id: np.asarray(s.clip) for s in ds.select([sample.id, res[0]["id"]])}
        a, b = X[sample.id], X[res[0]["id"]]
        assert d[0] == pytest.approx(1 - a @ b / np.linalg.norm(a) / np.linalg.norm(b), abs=1e-4)
        assert {"filepath", "label", "corruption", "severity"} <= set(res[0])

        # uploading a sample's own file finds that sample first
        with open(sample.filepath, "rb") as f:
            r = http.post("/similar", files={"file": ("q.jpg", f, "image/jpeg")}, data={"k": "3"})
        assert r.status_code == 200, r.text
        assert r.json()["results"][0]["id"] == sample.id
        assert r.json()["results"][0]["distance"] == pytest.approx(0.0, abs=1e-4)

        r = http.get("/search", params={"text": "a photo of a tabby cat", "k": 4})
        assert r.status_code == 200, r.text
        assert len(r.json()["results"]) == 4

        # bad inputs
        bad = http.post("/similar", files={"file": ("x.jpg", b"not an image at all", "image/jpeg")})
        assert bad.status_code == 400 and "not a readable image" in bad.json()["detail"]
        big = np.random.default_rng(0).integers(0, 255, (300, 300, 3), dtype=np.uint8)
        buf = io.BytesIO()
        Image.fromarray(big).save(buf, format="PNG")
        assert buf.tell() > 50_000
        r = http.post("/similar", files={"file": ("big.png", buf.getvalue(), "image/png")})
        assert r.status_code == 413
        assert http.get("/similar", params={"id": "f" * 24}).status_code == 404
        assert http.get("/similar", params={"id": "nope"}).status_code == 400
        assert http.get("/similar", params={"id": sample.id, "k": 0}).status_code == 400
        assert http.get("/search", params={"text": "  "}).status_code == 400

        spec = http.get("/openapi.json").json()
        assert {"/similar", "/search", "/health"} <= set(spec["paths"])
        assert {"get", "post"} <= set(spec["paths"]["/similar"])
        assert http.get("/docs").status_code == 200


def test_text_search_needs_a_text_tower(indexed):
    import datadiver_fo.curation.service as svc

    app = svc.create_app(indexed.name, brain_key="sim_pix")
    with _Server(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        assert http.get("/health").json()["text_search"] is False
        r = http.get("/search", params={"text": "a dog"})
        assert r.status_code == 400 and "text tower" in r.json()["detail"]
        # image queries still work with the pixels model
        s = indexed.first()
        with open(s.filepath, "rb") as f:
            r = http.post("/similar", files={"file": ("q.jpg", f, "image/jpeg")})
        assert r.status_code == 200 and r.json()["results"][0]["id"] == s.id


def test_create_app_bad_input(indexed):
    import datadiver_fo.curation.service as svc

    with pytest.raises(ValueError, match="does not exist"):
        svc.create_app("no-such-dataset-xyz")
    with pytest.raises(ValueError, match="Several similarity indexes"):
        svc.create_app(indexed.name)
    with pytest.raises(ValueError, match="max_upload_bytes"):
        svc.create_app(indexed.name, brain_key="sim_clip", max_upload_bytes=0)


def test_lancedb_index_answers_like_the_exact_search(indexed):
    import datadiver_fo.curation.service as svc

    sample = indexed.match(F("corruption") == "clean").first()
    answers = {}
    for key in ("sim_clip", "sim_lance"):
        app = svc.create_app(indexed.name, brain_key=key)
        with _Server(app) as url, httpx.Client(base_url=url, timeout=30) as http:
            assert http.get("/health").json()["backend"] == key.replace("sim_clip", "sklearn").replace("sim_lance", "lancedb")
            r = http.get("/similar", params={"id": sample.id, "k": 5})
            assert r.status_code == 200, r.text
            answers[key] = r.json()["results"]
    assert [x["id"] for x in answers["sim_lance"]] == [x["id"] for x in answers["sim_clip"]]


def test_serve_command_in_a_subprocess(indexed):
    import subprocess
    import sys

    port = _free_port()
    env = dict(os.environ)
    env.pop("DATADIVER_SERVICE_TOKEN", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "datadiver_fo.curation.service", indexed.name, "--brain-key", "sim_pix",
         "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        r = wait_for_health(proc, port, 60)
        assert r.json()["brain_key"] == "sim_pix" and r.json()["num_indexed"] == len(indexed)
    finally:
        proc.terminate()
        proc.wait(timeout=20)

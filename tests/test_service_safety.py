"""The similarity service's safety limits over real HTTP on 127.0.0.1 (uvicorn
in a thread, as in tests/test_service.py): decompression bombs, work off the
event loop, the concurrency limit, the bearer token, and serve()'s refusal
to bind a public address without one."""
import io
import os
import resource
import secrets
import struct
import subprocess
import sys
import threading
import time
import warnings
import zlib

import httpx
import pytest
from service_proc import wait_for_health
from PIL import Image
from fiftyone import ViewField as F

from test_service import _free_port, _Server

TOKEN_ENV = "DATADIVER_SERVICE_TOKEN"
SLOW_SIDE = 9000  # 81 MP: under PIL's own 89 MP limit; decoding takes ~0.7 s on a free core


@pytest.fixture(autouse=True)
def _no_token_from_the_shell(monkeypatch):
    monkeypatch.delenv(TOKEN_ENV, raising=False)


@pytest.fixture(scope="module")
def pix(mini_dataset):
    """A clone of the mini dataset (fog + clean) with raw-pixel embeddings
    indexed by sklearn as ``sim_pix`` (cheap: no model weights)."""
    import uuid

    import datadiver_fo as ddf

    ds = mini_dataset.match(F("corruption").is_in(["fog", "clean"])).clone(
        "dd-test-service-safety-" + uuid.uuid4().hex[:8], persistent=True)
    ddf.compute_embeddings(ds, model="pixels", field="pix")
    ddf.compute_similarity(ds, embeddings="pix", brain_key="sim_pix")
    yield ds
    ds.delete()


def _png(width, height, value=0):
    """A real 8-bit grayscale PNG of one colour. The rows go through zlib one
    by one, so even 13000 x 13000 (169 MP, ~164 KB once compressed) never sits
    in memory here."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    z = zlib.compressobj(9)
    row = b"\x00" + bytes([value]) * width  # filter byte 0 (None), then the pixels
    idat = b"".join(z.compress(row) for _ in range(height)) + z.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _upload(http, data, name="q.png", **kw):
    return http.post("/similar", files={"file": (name, data, "image/png")}, **kw)


def _upload_in_background(url, data, headers=None):
    """Posts ``data`` to /similar from another thread; returns (thread, out)
    where ``out["response"]`` is set once it is answered."""
    out = {}

    def run():
        with httpx.Client(base_url=url, timeout=120, headers=headers) as c:
            out["response"] = _upload(c, data, "slow.png")

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, out


def _wait_until(http, thread, key, headers=None, deadline_s=60):
    """Polls /health until its ``key`` (``busy`` / ``waiting``) is >= 1 while
    ``thread`` runs; False when the thread ended first."""
    deadline = time.time() + deadline_s
    while thread.is_alive() and time.time() < deadline:
        if http.get("/health", headers=headers).json()[key] >= 1:
            return True
        time.sleep(0.01)
    return False


def _warm(http, ds):
    """One small query first, so that loading the model is not what is timed."""
    with open(ds.first().filepath, "rb") as f:
        r = _upload(http, f.read(), "warm.jpg")
    assert r.status_code == 200, r.text


def test_bomb_upload_is_refused_before_decoding(pix):
    import datadiver_fo.curation.service as svc

    bomb = _png(13000, 13000)
    assert len(bomb) < 300_000  # small on the wire: only the header tells
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(bomb)) as im:
            assert im.size == (13000, 13000)
    app = svc.create_app(pix.name, brain_key="sim_pix")  # default limits
    with _Server(app) as url, httpx.Client(base_url=url, timeout=60) as http:
        _warm(http, pix)
        peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
        t = time.perf_counter()
        r = _upload(http, bomb, "bomb.png")
        seconds = time.perf_counter() - t
        peak_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        assert r.status_code == 413, r.text
        detail = r.json()["detail"]
        assert "13000x13000" in detail and "pixel limit" in detail and "max_pixels" in detail
        assert seconds < 2.0
        # decoding it would take 169 MB (mode L) + 507 MB (RGB) in this process
        assert (peak_after - peak_before) * 1024 < 100e6
        assert http.get("/health").status_code == 200


def test_pixel_limit_boundary_and_pil_bomb_checks(pix, monkeypatch):
    import PIL.Image

    import datadiver_fo.curation.service as svc

    app = svc.create_app(pix.name, brain_key="sim_pix", max_pixels=64 * 64)
    with _Server(app) as url, httpx.Client(base_url=url, timeout=60) as http:
        assert _upload(http, _png(64, 64, 128)).status_code == 200
        r = _upload(http, _png(65, 64, 128))
        assert r.status_code == 413 and "4,096-pixel limit" in r.json()["detail"]

    # PIL's own limits: over MAX_IMAGE_PIXELS it warns (refused here as if it
    # were an error), over twice that Image.open raises DecompressionBombError
    monkeypatch.setattr(PIL.Image, "MAX_IMAGE_PIXELS", 1000)
    app = svc.create_app(pix.name, brain_key="sim_pix", max_pixels=10**6)
    with _Server(app) as url, httpx.Client(base_url=url, timeout=60) as http:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PIL.Image.DecompressionBombWarning)
            r = _upload(http, _png(40, 40))  # 1600 px: PIL warns
        assert r.status_code == 413
        assert "1,000-pixel limit (PIL's Image.MAX_IMAGE_PIXELS)" in r.json()["detail"]
        r = _upload(http, _png(64, 64))  # 4096 px > 2 x 1000: PIL raises
        assert r.status_code == 413 and "decompression-bomb" in r.json()["detail"]
        assert _upload(http, _png(30, 30)).status_code == 200


def test_create_app_refuses_bad_limits(pix):
    import datadiver_fo.curation.service as svc

    for kw, match in [({"max_pixels": 0}, "max_pixels must be a positive int"),
                      ({"max_pixels": 2.5e6}, "max_pixels must be a positive int"),
                      ({"max_concurrency": 0}, "max_concurrency must be a positive int"),
                      ({"max_concurrency": 33}, "max_concurrency must be at most 32"),
                      ({"queue_timeout": -1}, "queue_timeout must be a number of seconds >= 0"),
                      ({"queue_timeout": float("nan")}, "queue_timeout must be a number")]:
        with pytest.raises(ValueError, match=match):
            svc.create_app(pix.name, brain_key="sim_pix", **kw)


def test_health_answers_while_a_slow_upload_is_decoded(pix):
    import datadiver_fo.curation.service as svc

    slow = _png(SLOW_SIDE, SLOW_SIDE)
    app = svc.create_app(pix.name, brain_key="sim_pix", max_pixels=SLOW_SIDE**2)
    with _Server(app) as url, httpx.Client(base_url=url, timeout=60) as http:
        _warm(http, pix)
        started = time.perf_counter()
        thread, out = _upload_in_background(url, slow)
        latencies, busy = [], []
        while thread.is_alive():
            t = time.perf_counter()
            h = http.get("/health").json()
            latencies.append(time.perf_counter() - t)
            busy.append(h["busy"])
            time.sleep(0.02)
        thread.join()
        duration = time.perf_counter() - started
        assert out["response"].status_code == 200, out["response"].text
        # the server itself says the upload was being worked on meanwhile
        assert max(busy) == 1, busy
        # Decoding on the event loop would stall one /health call for most of
        # the upload; on 2 busy cores a thread switch can still cost ~0.5 s.
        assert max(latencies) < max(1.0, duration / 3), (duration, latencies)
        assert sorted(latencies)[len(latencies) // 2] < 0.1, latencies


def test_concurrency_limit_refuses_or_queues(pix):
    import datadiver_fo.curation.service as svc

    slow = _png(SLOW_SIDE, SLOW_SIDE)
    sid = pix.first().id
    # queue_timeout=0: a query arriving while the only slot is taken gets 503
    app = svc.create_app(pix.name, brain_key="sim_pix", max_pixels=SLOW_SIDE**2, max_concurrency=1,
                         queue_timeout=0)
    with _Server(app) as url, httpx.Client(base_url=url, timeout=60) as http:
        _warm(http, pix)
        assert http.get("/health").json()["max_concurrency"] == 1
        for _ in range(3):  # retried only if the slow upload ended before the probe arrived
            thread, out = _upload_in_background(url, slow)
            seen = _wait_until(http, thread, "busy")
            r = http.get("/similar", params={"id": sid, "k": 3})
            thread.join()
            assert out["response"].status_code == 200
            if seen and r.status_code == 503:
                break
        assert r.status_code == 503, r.text
        assert r.headers["retry-after"] == "1" and "busy" in r.json()["detail"]
        assert http.get("/similar", params={"id": sid, "k": 3}).status_code == 200
        assert http.get("/health").json()["busy"] == 0

    # a queue_timeout: the same query waits for the slot and is answered
    app = svc.create_app(pix.name, brain_key="sim_pix", max_pixels=SLOW_SIDE**2, max_concurrency=1,
                         queue_timeout=60)
    with _Server(app) as url, httpx.Client(base_url=url, timeout=60) as http:
        _warm(http, pix)
        for _ in range(3):  # retried only if the slow upload ended before the probe arrived
            thread, out = _upload_in_background(url, slow)
            busy = _wait_until(http, thread, "busy")
            answers = {}
            probe = threading.Thread(target=lambda: answers.setdefault(
                "r", httpx.get(f"{url}/similar", params={"id": sid, "k": 3}, timeout=60)))
            probe.start()
            # /health sees the probe waiting for the slot, and it is answered later
            queued = busy and _wait_until(http, probe, "waiting")
            probe.join()
            thread.join()
            assert out["response"].status_code == 200 and answers["r"].status_code == 200
            if queued:
                break
        assert queued
        h = http.get("/health").json()
        assert h["busy"] == 0 and h["waiting"] == 0


def test_token_required_when_set(pix, monkeypatch):
    import datadiver_fo.curation.service as svc

    token = secrets.token_urlsafe(32)
    sid = pix.first().id
    app = svc.create_app(pix.name, brain_key="sim_pix", token=token, max_upload_bytes=50_000)
    good = {"Authorization": f"Bearer {token}"}
    with _Server(app) as url, httpx.Client(base_url=url, timeout=60) as http:
        wrong = [None, {"Authorization": f"Bearer {token[:-1]}{'A' if token[-1] != 'A' else 'B'}"},
                 {"Authorization": f"Basic {token}"}, {"Authorization": "Bearer"},
                 {"Authorization": f"Bearer {token}x"}]
        for headers in wrong:
            r = http.get("/similar", params={"id": sid, "k": 3}, headers=headers)
            assert r.status_code == 401, (headers, r.text)
            assert r.headers["www-authenticate"].startswith("Bearer") and token not in r.text
        for path in ("/openapi.json", "/docs", "/search?text=dog", "/no-such-path"):
            assert http.get(path).status_code == 401, path
        # checked before the body: no token and too big is 401, not 413
        big = os.urandom(60_000)
        assert _upload(http, big).status_code == 401
        assert _upload(http, big, headers=good).status_code == 413

        r = http.get("/similar", params={"id": sid, "k": 3}, headers=good)
        assert r.status_code == 200 and len(r.json()["results"]) == 3
        assert http.get("/openapi.json", headers=good).status_code == 200
        with open(pix.first().filepath, "rb") as f:
            assert _upload(http, f.read(), headers=good).status_code == 200
        # /health: liveness for anyone, the dataset's details only with the token
        assert http.get("/health").json() == {"status": "ok"}
        full = http.get("/health", headers=good).json()
        assert full["dataset"] == pix.name and full["status"] == "ok"

    # from the environment
    env_token = secrets.token_urlsafe(24)
    monkeypatch.setenv(TOKEN_ENV, env_token)
    app = svc.create_app(pix.name, brain_key="sim_pix")
    with _Server(app) as url, httpx.Client(base_url=url, timeout=60) as http:
        assert http.get("/similar", params={"id": sid}).status_code == 401
        r = http.get("/similar", params={"id": sid}, headers={"Authorization": f"bearer {env_token}"})
        assert r.status_code == 200

    # unusable tokens are refused without echoing them
    for bad in ("short-secret", "a token with spaces in it", "x" * 15 + "\u00e9"):
        with pytest.raises(ValueError, match="token must be a string of at least 16") as e:
            svc.create_app(pix.name, brain_key="sim_pix", token=bad)
        assert bad not in str(e.value)
    monkeypatch.setenv(TOKEN_ENV, "tooshort")
    with pytest.raises(ValueError, match=r"\$DATADIVER_SERVICE_TOKEN must be") as e:
        svc.create_app(pix.name, brain_key="sim_pix")
    assert "tooshort" not in str(e.value)


def test_serve_refuses_a_public_host_without_a_token(monkeypatch, capsys):
    import datadiver_fo.cli as cli
    import datadiver_fo.curation.service as svc

    for host in ("0.0.0.0", "::", "192.168.1.7", "example.com", ""):
        with pytest.raises(ValueError, match=r"without a token.*export DATADIVER_SERVICE_TOKEN="):
            svc.serve("no-such-dataset", host=host)
    for host in ("127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "LOCALHOST"):
        assert svc._is_loopback(host), host
    for host in ("0.0.0.0", "::", "10.0.0.1", "::ffff:10.0.0.1", "localhost.example.com", None):
        assert not svc._is_loopback(host), host
    # with a token the host is allowed: serve() goes on to load the dataset
    # (and stops there, before binding anything)
    with pytest.raises(ValueError, match="does not exist"):
        svc.serve("no-such-dataset", host="0.0.0.0", token=secrets.token_urlsafe(32))
    monkeypatch.setenv(TOKEN_ENV, secrets.token_urlsafe(32))
    with pytest.raises(ValueError, match="does not exist"):
        svc.serve("no-such-dataset", host="0.0.0.0")
    monkeypatch.delenv(TOKEN_ENV)

    # the command line: exit status 2 and the fix on stderr
    with pytest.raises(SystemExit, match="2"):
        cli.main(["serve", "some-dataset", "--host", "0.0.0.0"])
    assert "export DATADIVER_SERVICE_TOKEN=" in capsys.readouterr().err


def test_cli_serve_reads_the_token_from_the_environment(pix):
    token = secrets.token_urlsafe(32)
    port = _free_port()
    env = dict(os.environ, **{TOKEN_ENV: token})
    proc = subprocess.Popen(
        [sys.executable, "-m", "datadiver_fo.cli", "serve", pix.name, "--brain-key", "sim_pix",
         "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        r = wait_for_health(proc, port, 90)
        assert r.json() == {"status": "ok"}
        url = f"http://127.0.0.1:{port}/similar"
        sid = pix.first().id
        assert httpx.get(url, params={"id": sid}, timeout=30).status_code == 401
        r = httpx.get(url, params={"id": sid}, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert r.status_code == 200 and len(r.json()["results"]) == 10
    finally:
        proc.terminate()
        proc.wait(timeout=20)

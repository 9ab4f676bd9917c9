"""A small HTTP service over a dataset's similarity index, for teammates who
do not run FiftyOne.

Endpoints (OpenAPI docs at ``/docs``, schema at ``/openapi.json``):

-   ``GET /health``: ``status``, dataset, brain key, backend, model, whether
    text search works, number of indexed samples, ``busy`` / ``waiting``
    (queries being answered / waiting for a slot) and ``max_concurrency``.
    With a token set, a caller without it gets only ``{"status": "ok"}`` (a
    liveness probe needs no secret, the dataset's details do);
-   ``GET /similar?id=<sample id>&k=10``: the ``k`` nearest samples to a sample
    of the dataset (the query sample itself excluded);
-   ``POST /similar`` (multipart, field ``file``, optional form ``k``): the
    nearest samples to an uploaded image, embedded with the same model that
    computed the index's embeddings (rebuilt from the recorded embeddings
    run);
-   ``GET /search?text=...&k=10``: text search, when that model has a text
    tower (open_clip); otherwise 400 with the reason.

Safety limits (all :func:`create_app` / :func:`serve` arguments):

-   Size: a request whose declared ``Content-Length`` is over
    ``max_upload_bytes`` gets 413 before its body is read (and the bytes
    received are checked again); a body without ``Content-Length`` (chunked)
    gets 411, so the limit cannot be dodged.
-   Decompression bombs: an upload's width x height is read from its header
    (PIL's lazy ``Image.open``, which does not decode) and anything over
    ``max_pixels`` (default 4096 x 4096), or over PIL's own
    ``Image.MAX_IMAGE_PIXELS`` (its ``DecompressionBombWarning`` threshold,
    treated as an error), gets 413 without being decoded; PIL's
    ``DecompressionBombError`` is answered 413 too. Bytes that do not decode as
    an image get 400.
-   The event loop only routes: decoding, embedding and index queries run in a
    worker thread, so ``/health`` answers while an upload is being embedded.
-   Concurrency: at most ``max_concurrency`` (default 4) queries (``/similar``,
    ``/search``) are decoded / embedded / searched at once; a further one waits
    up to ``queue_timeout`` seconds (default 10) for a slot, then gets 503 with
    ``Retry-After: 1``. :func:`serve` also caps open connections at 64 (uvicorn
    answers 503 beyond), which bounds the memory held by waiting uploads.
-   Authentication: with a token (``token=`` or env
    ``DATADIVER_SERVICE_TOKEN``), every request except ``/health`` (including
    ``/docs`` and ``/openapi.json``) needs ``Authorization: Bearer <token>``,
    else 401; the check runs before the body is read and compares in constant
    time. :func:`serve` refuses to bind anything but loopback (127.0.0.0/8,
    ``::1``, ``localhost``) without a token.

The index is any fiftyone-brain similarity index (sklearn, LanceDB, Qdrant...)
built by :func:`datadiver_fo.compute_similarity`: the service queries it
through the brain's common interface, so the backend is the index's choice.
"""
import hmac
import io
import ipaddress
import os
import re
import threading

import numpy as np

_DEFAULT_MAX_UPLOAD = 2 * 1024 * 1024  # 2 MiB: far above a 64x64 JPEG (~2 KB)
# 16.8 MP: a 12 MP phone photo passes; decoding costs 4-7 bytes per pixel
# (the decoded image + its RGB copy), so one upload stays under ~120 MB
_DEFAULT_MAX_PIXELS = 4096 * 4096
_DEFAULT_MAX_CONCURRENCY = 4
_MAX_CONCURRENCY = 32
_DEFAULT_QUEUE_TIMEOUT = 10.0
_MAX_CONNECTIONS = 64  # uvicorn's limit_concurrency in serve(): 503 beyond
_MAX_K = 1000
TOKEN_ENV = "DATADIVER_SERVICE_TOKEN"
_MIN_TOKEN_CHARS = 16
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9\-._~+/]+=*")  # RFC 6750 b64token
_MAKE_TOKEN = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"


class _ImageTooLarge(ValueError):
    """An upload whose header declares more pixels than allowed (HTTP 413)."""


def _decode_image(data, max_pixels):
    """Decodes uploaded bytes into an RGB PIL image, refusing bombs first.

    Args:
        data: the uploaded bytes
        max_pixels: the largest width x height that is decoded

    Returns:
        an RGB ``PIL.Image.Image``

    Raises:
        _ImageTooLarge: the header declares more than ``max_pixels`` (or
            more than PIL's ``Image.MAX_IMAGE_PIXELS``)
        ValueError: the bytes are not a readable image
    """
    from PIL import Image, UnidentifiedImageError

    limit, which = max_pixels, "max_pixels"
    if Image.MAX_IMAGE_PIXELS and Image.MAX_IMAGE_PIXELS < limit:
        # PIL's bomb-warning threshold counts as a refusal
        limit, which = int(Image.MAX_IMAGE_PIXELS), "PIL's Image.MAX_IMAGE_PIXELS"
    try:
        with Image.open(io.BytesIO(data)) as im:  # parses the header; no pixel is decoded yet
            w, h = im.size
            if w * h > limit:
                raise _ImageTooLarge(
                    f"The image is {w}x{h} = {w * h:,} pixels, over the {limit:,}-pixel limit "
                    f"({which}): downscale it before uploading"
                )
            im.load()
            return im.convert("RGB")
    except _ImageTooLarge:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        # PIL raises these from Image.open itself (the warning only under -W error)
        raise _ImageTooLarge(f"The image is over PIL's decompression-bomb limit: {e}") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as e:
        raise ValueError(f"The upload is not a readable image: {type(e).__name__}") from e


def _is_loopback(host):
    """True for ``localhost``, 127.0.0.0/8 and ``::1`` (brackets allowed)."""
    h = str(host or "").strip().lower()
    if h.startswith("[") and h.endswith("]"):
        h = h[1:-1]
    if h == "localhost":
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:  # another host name: it may resolve to anything
        return False


def _resolve_token(token):
    """The bearer token to require: ``token``, else env ``DATADIVER_SERVICE_TOKEN``
    (empty = unset), else None. Raises ValueError (never echoing the value)
    when it is too short or has characters a bearer token cannot carry."""
    where = "token"
    if token is None:
        token = (os.environ.get(TOKEN_ENV) or "").strip() or None
        where = f"${TOKEN_ENV}"
    if token is None:
        return None
    if not isinstance(token, str) or len(token) < _MIN_TOKEN_CHARS or not _TOKEN_CHARS.fullmatch(token):
        raise ValueError(
            f"{where} must be a string of at least {_MIN_TOKEN_CHARS} characters from "
            f"A-Z a-z 0-9 - . _ ~ + / (make one with: {_MAKE_TOKEN})"
        )
    return token


def _token_ok(header, token):
    """Whether an ``Authorization`` header value (str or bytes) carries ``token``."""
    if not header:
        return False
    if isinstance(header, bytes):
        header = header.decode("latin-1")  # how HTTP header bytes map to str
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(value.strip().encode("latin-1", "replace"), token.encode("ascii"))


class _Guard:
    """ASGI middleware run before routing and before any body is read:
    the bearer token (when set), then the declared request size."""

    def __init__(self, app, token, max_upload_bytes):
        self.app = app
        self.token = token
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope, receive, send):
        from starlette.responses import JSONResponse

        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        reply = None
        if self.token is not None and scope.get("path") != "/health" \
                and not _token_ok(headers.get(b"authorization"), self.token):
            reply = JSONResponse(
                {"detail": "Missing or wrong bearer token: send 'Authorization: Bearer <token>'"},
                status_code=401, headers={"WWW-Authenticate": 'Bearer realm="datadiver"'},
            )
        elif b"content-length" in headers:
            try:
                too_big = int(headers[b"content-length"]) > self.max_upload_bytes
            except ValueError:
                reply = JSONResponse({"detail": "Invalid Content-Length"}, status_code=400)
            else:
                if too_big:
                    reply = JSONResponse(
                        {"detail": f"Request body over the {self.max_upload_bytes}-byte limit"},
                        status_code=413,
                    )
        elif b"transfer-encoding" in headers:
            # a chunked body has no declared size to check up front
            reply = JSONResponse({"detail": "Send a Content-Length (no chunked bodies)"}, status_code=411)
        if reply is not None:
            return await reply(scope, receive, send)
        return await self.app(scope, receive, send)


class _Slots:
    """At most ``limit`` heavy requests at once; a further one waits up to
    ``timeout`` seconds for a slot, then is refused (503)."""

    def __init__(self, limit, timeout):
        self.limit = limit
        self.timeout = timeout
        self.busy = 0  # read by /health from a worker thread: plain ints are enough
        self.waiting = 0
        self._sem = None
        self._loop = None

    def hold(self):
        import contextlib

        import anyio
        from fastapi import HTTPException

        @contextlib.asynccontextmanager
        async def _held():
            import asyncio

            loop = asyncio.get_running_loop()
            if self._loop is not loop:  # a semaphore belongs to one event loop
                self._loop, self._sem = loop, anyio.Semaphore(self.limit)
            got = False
            if self.timeout > 0:
                self.waiting += 1
                try:
                    with anyio.move_on_after(self.timeout):
                        await self._sem.acquire()
                        got = True
                finally:
                    self.waiting -= 1
            else:
                try:
                    self._sem.acquire_nowait()
                    got = True
                except anyio.WouldBlock:
                    pass
            if not got:
                raise HTTPException(
                    503,
                    f"The service is busy ({self.limit} queries in progress); retry shortly",
                    headers={"Retry-After": "1"},
                )
            self.busy += 1
            try:
                yield
            finally:
                self.busy -= 1
                self._sem.release()

        return _held()


class _Backend:
    """Holds the dataset, the index and the (lazily loaded) model."""

    def __init__(self, dataset_name, brain_key, device):
        import fiftyone as fo

        from datadiver_fo.enrich import similarity as dsim
        if not fo.dataset_exists(dataset_name):
            raise ValueError(f"Dataset '{dataset_name}' does not exist")
        self.dataset = fo.load_dataset(dataset_name)
        self.index = dsim.resolve_index(self.dataset, brain_key)
        self.brain_key = self.index.key
        self.field = self.index.config.embeddings_field
        self.device = device
        self._model = None
        self._model_error = None
        self._matrix = None
        self._ids = None
        self._lock = threading.RLock()

    def model(self):
        from datadiver_fo.enrich.embeddings import get_embeddings_info, load_embeddings_model

        with self._lock:
            if self._model is None and self._model_error is None:
                if get_embeddings_info(self.dataset, self.field) is None:
                    self._model_error = (
                        f"No embeddings run recorded field '{self.field}': the service "
                        "cannot embed uploads or text with the index's model"
                    )
                else:
                    try:
                        self._model = load_embeddings_model(self.dataset, self.field, self.device)
                    except ValueError as e:
                        self._model_error = str(e)
            return self._model, self._model_error

    def model_spec(self):
        from datadiver_fo.enrich.embeddings import get_embeddings_info

        info = get_embeddings_info(self.dataset, self.field)
        return None if info is None else info.get("model")

    def vector_of(self, sample_id):
        """The index's stored vector of one sample (``None`` if not indexed)."""
        E, ids, _ = self.index.get_embeddings(sample_ids=[sample_id], allow_missing=True)
        return None if len(ids) == 0 else np.asarray(E[0], dtype=np.float32)

    def _exact(self):
        # fiftyone-brain's sklearn backend centres the index (subtracts the
        # mean embedding) but not the query vectors, so vector and text
        # queries through it rank against shifted vectors. For that backend
        # the service searches the index's own stored vectors exactly.
        if self._matrix is None:
            E, ids, _ = self.index.get_embeddings()
            E = np.asarray(E, dtype=np.float32)
            if self.index.config.metric == "cosine":
                E = E / np.maximum(np.linalg.norm(E, axis=1, keepdims=True), 1e-12)
            self._matrix, self._ids = E, list(ids)
        return self._matrix, self._ids

    def neighbors(self, vector, k, exclude=None):
        """The ``k`` nearest indexed samples to ``vector`` as result rows."""
        vector = np.asarray(vector, dtype=np.float32).ravel()
        kk = k + (1 if exclude else 0)
        with self._lock:  # brain results objects are not thread-safe
            if self.index.config.method == "sklearn":
                E, ids = self._exact()
                if vector.shape[0] != E.shape[1]:
                    raise ValueError(f"query has {vector.shape[0]} dims, the index has {E.shape[1]}")
                if self.index.config.metric == "cosine":
                    q = vector / max(float(np.linalg.norm(vector)), 1e-12)
                    d = 1.0 - E @ q
                else:
                    d = np.linalg.norm(E - vector[None, :], axis=1)
                order = np.argsort(d, kind="stable")[:kk]
                pairs = [(ids[i], float(max(d[i], 0.0))) for i in order]
            else:
                out = self.index._kneighbors(vector, k=kk, return_dists=True)
                # the brain's backends answer (sample_ids, label_ids, dists)
                nids, dists = (out[0], out[-1]) if len(out) == 3 else out
                pairs = [(str(i), float(d)) for i, d in zip(nids, dists)]
        pairs = [(i, d) for i, d in pairs if i != exclude][:k]
        return self.describe(pairs)

    def describe(self, pairs):
        from datadiver_fo.internal import schema as dds
        ids = [i for i, _ in pairs]
        if not ids:
            return []
        view = self.dataset.select(ids, ordered=True)
        fields = ["id", "filepath"]
        optional = [
            (dds.GROUND_TRUTH + ".label", "label"),
            (dds.CORRUPTION, "corruption"),
            (dds.SEVERITY, "severity"),
            (dds.SOURCE_ID, "source_id"),
        ]
        present = [(p, n) for p, n in optional if self.dataset.get_field(p.split(".")[0]) is not None]
        values = view.values(fields + [p for p, _ in present])
        rows = {}
        for k, sid in enumerate(values[0]):
            row = {"id": sid, "filepath": values[1][k]}
            for j, (_, name) in enumerate(present):
                row[name] = values[2 + j][k]
            rows[sid] = row
        return [dict(rows[i], distance=d) for i, d in pairs if i in rows]

    def embed_image(self, data, max_pixels=_DEFAULT_MAX_PIXELS):
        """Embeds uploaded image bytes (runs in a worker thread).

        Raises:
            _ImageTooLarge: over ``max_pixels`` (checked before decoding)
            ValueError: not a readable image
            RuntimeError: no model to embed with
        """
        from PIL import Image

        from datadiver_fo.internal.images import stack_images

        model, err = self.model()
        if model is None:
            raise RuntimeError(err)
        im = _decode_image(data, max_pixels)
        size = model.image_size
        if size and im.size != (size, size):
            im = im.resize((size, size), Image.BILINEAR)
        item = model.preprocess(im) if model.preprocess is not None else np.asarray(im, np.uint8)
        return model.embed_batch(stack_images([item]))[0]

    def embed_text(self, text):
        model, err = self.model()
        if model is None:
            raise RuntimeError(err)
        if not model.has_text:
            raise RuntimeError(
                f"The index's model '{model.spec}' has no text tower: text search needs e.g. "
                "an open_clip model"
            )
        v = model.embed_texts([text])[0]
        return v / (np.linalg.norm(v) + 1e-12)


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")


def create_app(dataset_name, brain_key=None, max_upload_bytes=_DEFAULT_MAX_UPLOAD, device="auto", *,
               max_pixels=_DEFAULT_MAX_PIXELS, max_concurrency=_DEFAULT_MAX_CONCURRENCY,
               queue_timeout=_DEFAULT_QUEUE_TIMEOUT, token=None):
    """Builds the FastAPI app over one dataset's similarity index.

    Args:
        dataset_name: the name of a FiftyOne dataset
        brain_key (None): the similarity index; ``None`` picks the default
            DataDiver index or the only one present
        max_upload_bytes (2 MiB): larger requests are answered 413
        device ("auto"): torch device for embedding uploads and text (CUDA, then MPS, then CPU)
        max_pixels (4096 * 4096): uploads whose header declares more pixels
            (width x height) are answered 413 without being decoded
        max_concurrency (4): queries decoded / embedded / searched at once
            (1 to 32)
        queue_timeout (10.0): seconds a further query waits for a slot
            before a 503 with ``Retry-After: 1`` (0 = refuse at once)
        token (None): bearer token required on every endpoint but
            ``/health``; ``None`` reads env ``DATADIVER_SERVICE_TOKEN`` (no
            token when unset or empty). At least 16 characters from
            ``A-Z a-z 0-9 - . _ ~ + /``

    Returns:
        a ``fastapi.FastAPI`` application (serve it with uvicorn, see
        :func:`serve`)

    Raises:
        ValueError: unknown dataset, no / ambiguous similarity index, a
            non-positive ``max_upload_bytes`` / ``max_pixels`` /
            ``max_concurrency``, a negative ``queue_timeout`` or an invalid
            token (the message never contains it)
    """
    from fastapi import FastAPI, File, Form, HTTPException, Query, Request, UploadFile
    from starlette.concurrency import run_in_threadpool

    _positive_int("max_upload_bytes", max_upload_bytes)
    _positive_int("max_pixels", max_pixels)
    _positive_int("max_concurrency", max_concurrency)
    if max_concurrency > _MAX_CONCURRENCY:
        # the queries share anyio's 40 worker threads with /health
        raise ValueError(f"max_concurrency must be at most {_MAX_CONCURRENCY}, got {max_concurrency}")
    if isinstance(queue_timeout, bool) or not isinstance(queue_timeout, (int, float)) or not queue_timeout >= 0:
        raise ValueError(f"queue_timeout must be a number of seconds >= 0, got {queue_timeout!r}")
    token = _resolve_token(token)
    backend = _Backend(dataset_name, brain_key, device)
    slots = _Slots(max_concurrency, float(queue_timeout))
    app = FastAPI(
        title="DataDiver similarity service",
        description=f"Nearest neighbours in dataset '{dataset_name}' "
        f"(index '{backend.brain_key}', embeddings '{backend.field}').",
        version="1",
    )
    app.state.backend = backend
    app.add_middleware(_Guard, token=token, max_upload_bytes=max_upload_bytes)

    def _k(k):
        if k < 1 or k > _MAX_K:
            raise HTTPException(400, f"k must be in [1, {_MAX_K}], got {k}")
        return k

    @app.get("/health", summary="Service and index status")
    def health(request: Request):
        if token is not None and not _token_ok(request.headers.get("authorization"), token):
            return {"status": "ok"}
        model, err = backend.model()
        return {
            "status": "ok",
            "dataset": dataset_name,
            "brain_key": backend.brain_key,
            "backend": backend.index.config.method,
            "embeddings_field": backend.field,
            "model": backend.model_spec(),
            "text_search": bool(model is not None and model.has_text),
            "num_indexed": int(backend.index.total_index_size),
            "busy": slots.busy,
            "waiting": slots.waiting,
            "max_concurrency": max_concurrency,
        }

    def _by_id(id, k):
        if backend.dataset.select([id]).count() == 0:
            raise HTTPException(404, f"No sample with id '{id}' in the dataset")
        vec = backend.vector_of(id)
        if vec is None:
            raise HTTPException(404, f"Sample '{id}' is not in the index")
        return backend.neighbors(vec, k, exclude=id)

    @app.get("/similar", summary="Nearest samples to a sample of the dataset")
    async def similar_by_id(
        id: str = Query(..., description="a sample id of the dataset"),
        k: int = Query(10, description="number of neighbours"),
    ):
        _k(k)
        if not _looks_like_id(id):
            raise HTTPException(400, f"'{id}' is not a sample id (24 hex characters)")
        async with slots.hold():
            results = await run_in_threadpool(_by_id, id, k)
        return {"query": {"id": id}, "k": k, "results": results}

    def _by_image(data, k):
        try:
            vec = backend.embed_image(data, max_pixels)
        except _ImageTooLarge as e:
            raise HTTPException(413, str(e))
        except (ValueError, RuntimeError) as e:
            raise HTTPException(400, str(e))
        return backend.neighbors(vec, k)

    @app.post("/similar", summary="Nearest samples to an uploaded image")
    async def similar_by_image(
        file: UploadFile = File(..., description="an image file (JPEG, PNG...)"),
        k: int = Form(10),
    ):
        _k(k)
        data = await file.read(max_upload_bytes + 1)
        if len(data) > max_upload_bytes:
            raise HTTPException(413, f"Upload over the {max_upload_bytes}-byte limit")
        if not data:
            raise HTTPException(400, "The upload is empty")
        async with slots.hold():
            results = await run_in_threadpool(_by_image, data, k)
        return {"query": {"filename": file.filename, "bytes": len(data)}, "k": k, "results": results}

    def _by_text(text, k):
        try:
            vec = backend.embed_text(text)
        except RuntimeError as e:
            raise HTTPException(400, str(e))
        return backend.neighbors(vec, k)

    @app.get("/search", summary="Text search (models with a text tower)")
    async def search(
        text: str = Query(..., description="a text prompt, e.g. 'a photo of a dog'"),
        k: int = Query(10),
    ):
        _k(k)
        if not text.strip():
            raise HTTPException(400, "text is empty")
        async with slots.hold():
            results = await run_in_threadpool(_by_text, text.strip(), k)
        return {"query": {"text": text}, "k": k, "results": results}

    return app


def _looks_like_id(value):
    return bool(re.fullmatch(r"[0-9a-f]{24}", value or ""))


def serve(dataset_name, brain_key=None, host="127.0.0.1", port=8000, max_upload_bytes=_DEFAULT_MAX_UPLOAD,
          device="auto", *, max_pixels=_DEFAULT_MAX_PIXELS, max_concurrency=_DEFAULT_MAX_CONCURRENCY,
          queue_timeout=_DEFAULT_QUEUE_TIMEOUT, token=None):
    """Serves :func:`create_app` with uvicorn (blocks until stopped).

    Args:
        dataset_name: the FiftyOne dataset
        brain_key (None): the similarity index (see :func:`create_app`)
        host ("127.0.0.1"): interface to bind; anything but loopback
            (127.0.0.0/8, ``::1``, ``localhost``), e.g. ``"0.0.0.0"``, needs a
            token
        port (8000): TCP port
        max_upload_bytes (2 MiB): request size limit (413 beyond)
        device ("auto"): torch device for uploads and text (CUDA, then MPS, then CPU)
        max_pixels, max_concurrency, queue_timeout: see :func:`create_app`
        token (None): bearer token; ``None`` reads env
            ``DATADIVER_SERVICE_TOKEN``

    Returns:
        None, when the server stops

    Raises:
        ValueError: ``host`` is not loopback and no token is set (the message
            says how to set one), or any :func:`create_app` error
    """
    token = _resolve_token(token)
    if token is None and not _is_loopback(host):
        raise ValueError(
            f"Refusing to serve on {host!r} without a token: anyone who can reach that address could "
            f"query the dataset. Set one with `export {TOKEN_ENV}=$({_MAKE_TOKEN})` (or pass token=...) "
            "and send it as 'Authorization: Bearer <token>', or bind to 127.0.0.1"
        )
    import uvicorn

    app = create_app(
        dataset_name, brain_key=brain_key, max_upload_bytes=max_upload_bytes, device=device,
        max_pixels=max_pixels, max_concurrency=max_concurrency, queue_timeout=queue_timeout, token=token,
    )
    uvicorn.run(app, host=host, port=int(port), log_level="warning", limit_concurrency=_MAX_CONNECTIONS)


def main(argv=None):
    """``python -m datadiver_fo.curation.service <dataset> [--brain-key K] [--host H]
    [--port P] [--max-pixels N] [--max-concurrency N] [--queue-timeout S]``:
    the command-line entry of :func:`serve`. The token comes only from env
    ``DATADIVER_SERVICE_TOKEN`` (a command-line argument would show in ``ps``
    and shell history). Bad settings exit with status 2 and the reason."""
    import argparse

    parser = argparse.ArgumentParser(
        description="Serve a dataset's similarity index over HTTP",
        epilog=f"Binding anything but loopback needs a bearer token in ${TOKEN_ENV}.",
    )
    parser.add_argument("dataset")
    parser.add_argument("--brain-key", default=None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--max-upload-bytes", type=int, default=_DEFAULT_MAX_UPLOAD)
    parser.add_argument("--max-pixels", type=int, default=_DEFAULT_MAX_PIXELS)
    parser.add_argument("--max-concurrency", type=int, default=_DEFAULT_MAX_CONCURRENCY)
    parser.add_argument("--queue-timeout", type=float, default=_DEFAULT_QUEUE_TIMEOUT)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args(argv)
    try:
        serve(args.dataset, args.brain_key, args.host, args.port, args.max_upload_bytes, args.device,
              max_pixels=args.max_pixels, max_concurrency=args.max_concurrency,
              queue_timeout=args.queue_timeout)
    except ValueError as e:
        parser.error(str(e))


if __name__ == "__main__":
    main()

"""A small HTTP service over a dataset's similarity index, for teammates who
do not run FiftyOne.

Endpoints (OpenAPI docs at ``/docs``, schema at ``/openapi.json``):

-   ``GET /health``: dataset, brain key, backend, model, whether text search
    works, number of indexed samples;
-   ``GET /similar?id=<sample id>&k=10``: the ``k`` nearest samples to a sample
    of the dataset (the query sample itself excluded);
-   ``POST /similar`` (multipart, field ``file``, optional form ``k``): the
    nearest samples to an uploaded image, embedded with the same model that
    computed the index's embeddings (rebuilt from the recorded embeddings
    run);
-   ``GET /search?text=...&k=10``: text search, when that model has a text
    tower (open_clip); otherwise 400 with the reason.

Requests larger than ``max_upload_bytes`` get 413 (checked on the declared
``Content-Length`` before the body is read, and again on the bytes received);
bytes that do not decode as an image get 400.

The index is any fiftyone-brain similarity index (sklearn, LanceDB, Qdrant...)
built by :func:`datadiver_fo.compute_similarity`: the service queries it
through the brain's common interface, so the backend is the index's choice.
"""
import io
import threading

import numpy as np

_DEFAULT_MAX_UPLOAD = 2 * 1024 * 1024  # 2 MiB: far above a 64x64 JPEG (~2 KB)
_MAX_K = 1000


class _Backend:
    """Holds the dataset, the index and the (lazily loaded) model."""

    def __init__(self, dataset_name, brain_key, device):
        import fiftyone as fo

        from . import similarity as dsim

        if not fo.dataset_exists(dataset_name):
            raise ValueError(f"Dataset '{dataset_name}' does not exist")
        self.dataset = fo.load_dataset(dataset_name)
        self.index = dsim._resolve_index(self.dataset, brain_key)
        self.brain_key = self.index.key
        self.field = self.index.config.embeddings_field
        self.device = device
        self._model = None
        self._model_error = None
        self._matrix = None
        self._ids = None
        self._lock = threading.RLock()

    def model(self):
        from .embeddings import get_embeddings_info, load_embeddings_model

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
        from .embeddings import get_embeddings_info

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
        from . import schema as dds

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

    def embed_image(self, data):
        from PIL import Image, UnidentifiedImageError

        from .embeddings import _stack

        model, err = self.model()
        if model is None:
            raise RuntimeError(err)
        try:
            with Image.open(io.BytesIO(data)) as im:
                im.load()
                im = im.convert("RGB")
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as e:
            raise ValueError(f"The upload is not a readable image: {type(e).__name__}") from e
        size = model.image_size
        if size and im.size != (size, size):
            im = im.resize((size, size), Image.BILINEAR)
        item = model.preprocess(im) if model.preprocess is not None else np.asarray(im, np.uint8)
        return model.embed_batch(_stack([item]))[0]

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


def create_app(dataset_name, brain_key=None, max_upload_bytes=_DEFAULT_MAX_UPLOAD, device="cpu"):
    """Builds the FastAPI app over one dataset's similarity index.

    Args:
        dataset_name: the name of a FiftyOne dataset
        brain_key (None): the similarity index; ``None`` picks the default
            DataDiver index or the only one present
        max_upload_bytes (2 MiB): larger requests are answered 413
        device ("cpu"): torch device for embedding uploads and text

    Returns:
        a ``fastapi.FastAPI`` application (serve it with uvicorn, see
        :func:`serve`)

    Raises:
        ValueError: unknown dataset, no / ambiguous similarity index, or a
            non-positive ``max_upload_bytes``
    """
    from fastapi import FastAPI, File, Form, HTTPException, Query, Request, UploadFile
    from fastapi.responses import JSONResponse

    if not isinstance(max_upload_bytes, int) or max_upload_bytes < 1:
        raise ValueError(f"max_upload_bytes must be a positive int, got {max_upload_bytes!r}")
    backend = _Backend(dataset_name, brain_key, device)
    app = FastAPI(
        title="DataDiver similarity service",
        description=f"Nearest neighbours in dataset '{dataset_name}' "
        f"(index '{backend.brain_key}', embeddings '{backend.field}').",
        version="1",
    )
    app.state.backend = backend

    @app.middleware("http")
    async def _limit_size(request: Request, call_next):
        length = request.headers.get("content-length")
        if length is not None:
            try:
                too_big = int(length) > max_upload_bytes
            except ValueError:
                return JSONResponse({"detail": "Invalid Content-Length"}, status_code=400)
            if too_big:
                return JSONResponse(
                    {"detail": f"Request body over the {max_upload_bytes}-byte limit"},
                    status_code=413,
                )
        return await call_next(request)

    def _k(k):
        if k < 1 or k > _MAX_K:
            raise HTTPException(400, f"k must be in [1, {_MAX_K}], got {k}")
        return k

    @app.get("/health", summary="Service and index status")
    def health():
        model, err = backend.model()
        return {
            "dataset": dataset_name,
            "brain_key": backend.brain_key,
            "backend": backend.index.config.method,
            "embeddings_field": backend.field,
            "model": backend.model_spec(),
            "text_search": bool(model is not None and model.has_text),
            "num_indexed": int(backend.index.total_index_size),
        }

    @app.get("/similar", summary="Nearest samples to a sample of the dataset")
    def similar_by_id(
        id: str = Query(..., description="a sample id of the dataset"),
        k: int = Query(10, description="number of neighbours"),
    ):
        _k(k)
        if not _looks_like_id(id):
            raise HTTPException(400, f"'{id}' is not a sample id (24 hex characters)")
        if backend.dataset.select([id]).count() == 0:
            raise HTTPException(404, f"No sample with id '{id}' in the dataset")
        vec = backend.vector_of(id)
        if vec is None:
            raise HTTPException(404, f"Sample '{id}' is not in the index")
        return {"query": {"id": id}, "k": k, "results": backend.neighbors(vec, k, exclude=id)}

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
        try:
            vec = backend.embed_image(data)
        except ValueError as e:
            raise HTTPException(400, str(e))
        except RuntimeError as e:
            raise HTTPException(400, str(e))
        return {
            "query": {"filename": file.filename, "bytes": len(data)},
            "k": k,
            "results": backend.neighbors(vec, k),
        }

    @app.get("/search", summary="Text search (models with a text tower)")
    def search(
        text: str = Query(..., description="a text prompt, e.g. 'a photo of a dog'"),
        k: int = Query(10),
    ):
        _k(k)
        if not text.strip():
            raise HTTPException(400, "text is empty")
        try:
            vec = backend.embed_text(text.strip())
        except RuntimeError as e:
            raise HTTPException(400, str(e))
        return {"query": {"text": text}, "k": k, "results": backend.neighbors(vec, k)}

    return app


def _looks_like_id(value):
    import re

    return bool(re.fullmatch(r"[0-9a-f]{24}", value or ""))


def serve(dataset_name, brain_key=None, host="127.0.0.1", port=8000, max_upload_bytes=_DEFAULT_MAX_UPLOAD,
          device="cpu"):
    """Serves :func:`create_app` with uvicorn (blocks until stopped).

    Args:
        dataset_name: the FiftyOne dataset
        brain_key (None): the similarity index (see :func:`create_app`)
        host ("127.0.0.1"): interface to bind; ``"0.0.0.0"`` shares it on the
            network
        port (8000): TCP port
        max_upload_bytes (2 MiB): request size limit (413 beyond)
        device ("cpu"): torch device for uploads and text

    Returns:
        None, when the server stops
    """
    import uvicorn

    app = create_app(dataset_name, brain_key=brain_key, max_upload_bytes=max_upload_bytes, device=device)
    uvicorn.run(app, host=host, port=int(port), log_level="warning")


def main(argv=None):
    """``python -m datadiver_fo.service <dataset> [--brain-key K] [--host H]
    [--port P]``: the command-line entry of :func:`serve`."""
    import argparse

    parser = argparse.ArgumentParser(description="Serve a dataset's similarity index over HTTP")
    parser.add_argument("dataset")
    parser.add_argument("--brain-key", default=None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--max-upload-bytes", type=int, default=_DEFAULT_MAX_UPLOAD)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    serve(args.dataset, args.brain_key, args.host, args.port, args.max_upload_bytes, args.device)


if __name__ == "__main__":
    main()

"""Embeddings computed once and shared by every feature.

:func:`compute_embeddings` embeds every image of a dataset or view with one
model (see :mod:`datadiver_fo.enrich.models` for the model strings) and stores the
vectors in one field. Similarity, 2D maps, OoD scores, duplicates and the
relationship explorer all read that field, so one model feeds every method.

How it runs (why it is fast and resumable):

-   images are decoded at the files' own size (64 px for Tiny-ImageNet-C)
    and resized to the model's input size on the model's device, one batch
    at a time; on CPU a thread pool decodes one batch ahead of the model, on
    a GPU a torch ``DataLoader`` with worker processes (one per core, up to
    16) and pinned memory keeps the GPU fed (decoding is GIL-bound in
    threads); one forward per batch;
-   ``device="auto"`` runs on CUDA, then MPS, then CPU; on CUDA the forward
    runs under bf16 autocast with channels_last (``precision="fp32"`` opts
    out); ``model="auto"`` takes the best model whose weights are already
    cached (:func:`datadiver_fo.enrich.models.resolve_auto`), or the model
    that already filled the field; the run records the device, the precision,
    the decoder and why the model was chosen;
-   vectors are written in bulk (one unordered bulk update per few batches,
    on a writer thread, in FiftyOne's stored form without its per-vector
    zlib level-6 compression: :func:`datadiver_fo.internal.store.write_vectors`),
    never with per-sample ``save()``;
-   the model's fingerprint (model string, checkpoint hash, input size) is
    recorded as a run (``datadiver_embeddings_<field>``) *before* the first
    write, so a run that is killed half-way leaves vectors that a re-run
    recognises: with ``skip_existing=True`` it embeds only the rest;
-   unreadable files are reported (id, path, reason) instead of stopping
    the job; their field stays ``None``.
"""
import functools
import hashlib
import logging
import os
import time

import numpy as np

from datadiver_fo.internal import runs as ddr
from datadiver_fo.internal import store
from datadiver_fo.internal.report import Report
from datadiver_fo.enrich.models import (  # noqa: F401  (re-exported: the public face lists them here)
    EmbeddingModel,
    WeightlessEmbedder,
    clear_cache,
    list_models,
    load_model,
    register_model,
    unregister_model,
)
from datadiver_fo.enrich.models import resolve_auto, resolve_device, resolve_spec
from datadiver_fo.internal.batches import WriteBehind, iter_batches
from datadiver_fo.internal.images import decode_image
from datadiver_fo.internal.progress import Progress
from datadiver_fo.internal.vectors import read_embeddings

logger = logging.getLogger(__name__)

EMBEDDINGS = "embeddings"  # the default (shared) embeddings field
_METHOD = "embeddings"
_MAX_REPORTED_FAILURES = 1000
_LOADERS = ("auto", "threads", "processes")


def _shard_of(sample_id, count):
    """The shard (0..count-1) of a sample id: a hash, so shards are even
    whatever the ids' own pattern, and fixed whatever is already done."""
    digest = hashlib.blake2b(sample_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count


def embeddings_run_key(field=EMBEDDINGS):
    """Returns the run key that records how ``field`` was computed."""
    return ddr.run_key(_METHOD, field)


def get_embeddings_info(samples, field=EMBEDDINGS):
    """Returns how the embeddings in ``field`` were computed.

    Args:
        samples: a FiftyOne dataset or view
        field ("embeddings"): the embeddings field

    Returns:
        a dict with at least ``model`` (the model string), ``fingerprint``,
        ``field`` (the run config's parameters) and ``status``
        (``"running"`` while a job is in progress or was killed,
        ``"complete"`` after it finished; kept with the run's results), or
        ``None`` if no DataDiver run recorded this field
    """
    key = embeddings_run_key(field)
    info = ddr.get_run_config(samples, key)
    if info is not None:
        info["status"] = ddr.get_run_status(samples, key)
    return info


def load_embeddings_model(samples, field=EMBEDDINGS, device="auto"):
    """Rebuilds the model that computed ``field`` (e.g. to embed a text query).

    Args:
        samples: a FiftyOne dataset or view
        field ("embeddings"): an embeddings field written by
            :func:`compute_embeddings`
        device ("auto"): torch device (``"auto"``: CUDA, then MPS, then CPU)

    Returns:
        an :class:`datadiver_fo.enrich.models.EmbeddingModel`

    Raises:
        ValueError: if no run recorded the field
    """
    info = get_embeddings_info(samples, field)
    if info is None:
        raise ValueError(f"No DataDiver embeddings run recorded field '{field}'")
    return load_model(info["model"], device=device, image_size=info.get("image_size"))


def get_embeddings(samples, field=EMBEDDINGS, missing="raise"):
    """Reads embeddings as one array.

    Args:
        samples: a FiftyOne dataset or view
        field ("embeddings"): the embeddings field
        missing ("raise"): what to do with samples lacking a vector:
            ``"raise"`` (ValueError) or ``"drop"``

    Returns:
        a tuple ``(ids, X)``: a list of sample ids and an ``N x D`` float32
        array (``0 x 0`` when no sample has a vector); see
        :func:`datadiver_fo.internal.vectors.read_embeddings`
    """
    if missing not in ("raise", "drop"):
        raise ValueError(f"missing must be 'raise' or 'drop', got {missing!r}")
    if not samples.has_field(field):
        raise ValueError(f"Field '{field}' does not exist; run compute_embeddings first")
    return read_embeddings(samples, field, dtype=np.float32, missing=missing)


def resolve_embeddings_model(samples, model="auto", field=None):
    """What ``model`` means for ``field`` of ``samples`` here and now.

    ``"auto"`` is the model that already filled ``field`` (one model per
    field: a re-run finishes what is there), else the best model whose weights
    are in this machine's cache (:func:`datadiver_fo.enrich.models.resolve_auto`).
    Sharded jobs resolve it once, where they are queued, so that workers on
    machines with other caches cannot pick different models for one field.

    Args:
        samples: a FiftyOne dataset or view
        model ("auto"): a model string or a model object
        field (None): the embeddings field (``None``: ``"embeddings"``)

    Returns:
        a tuple ``(model, reason)``: ``model`` unchanged and ``reason`` None
        unless ``model`` is ``"auto"``
    """
    if not (isinstance(model, str) and resolve_spec(model) == "auto"):
        return model, None
    field = field or EMBEDDINGS
    dataset = samples._dataset
    prev = ddr.get_run_config(dataset, embeddings_run_key(field))
    if prev is not None and prev.get("model") and dataset.has_sample_field(field) \
            and dataset.exists(field).limit(1).count() > 0:
        model = prev["model"]
        reason = f"field '{field}' already holds embeddings from '{model}'"
    else:
        model, reason = resolve_auto()
    logger.info("compute_embeddings: model='auto' -> %s (%s)", model, reason)
    return model, reason


# --------------------------------------------------------------------------- #
# Main entry point
# --------------------------------------------------------------------------- #


def compute_embeddings(
    samples,
    model="auto",
    field=None,
    batch_size=None,
    device="auto",
    skip_existing=True,
    num_workers=0,
    progress=None,
    image_size=None,
    overwrite=False,
    write_every=8,
    optimize=True,
    prefetch=True,
    precision="auto",
    loader="auto",
    shard=None,
):
    """Embeds every image of ``samples`` with one model and stores the vectors.

    Args:
        samples: a FiftyOne dataset or view of image samples
        model ("auto"): a model string (``"auto"``: the model that already
            filled ``field`` if a run recorded one, else the best model whose
            weights are in the local cache -- open_clip ViT-B-32, then a timm
            ImageNet model, then ``"weightless"``; see
            :func:`datadiver_fo.enrich.models.resolve_auto`; never a download; ``"timm:<name>[@<checkpoint>]"``,
            ``"open_clip:<arch>:<weights>"``, ``"pixels"``, a name given to
            :func:`register_model`), or an unregistered torch module / callable
        field (None): the ``VectorField`` to write; ``None`` means
            ``"embeddings"``, the field every other DataDiver method reads by
            default
        batch_size (None): images per forward pass (>= 1); ``None`` = 256 when
            the model runs on a GPU (CUDA/MPS), 64 on CPU. On an H200 with
            resnet50, batches of 64 kept the GPU busy 61% of the time (7.7k
            img/s end to end), batches of 256 80% (11.5k img/s); see
            ``benchmarks/bench_embeddings_gpu.py``
        device ("auto"): torch device string (``"cpu"``, ``"cuda"``, ``"cuda:1"``,
            ``"mps"``); ``"auto"`` = CUDA, then MPS, then CPU
        skip_existing (True): leave samples that already hold a vector from
            the *same* model config alone (a re-run after a kill finishes the
            rest only); ``False`` re-embeds every sample of ``samples``
        num_workers (0): image decoders (threads, or DataLoader processes);
            ``0`` picks ``min(4, free cores)`` threads, or
            ``min(16, cpu_count - 1)`` processes
        progress (None): whether to render a progress bar (True/False), use
            the default value ``fiftyone.config.show_progress_bars`` (None),
            or a progress callback function that receives a
            ``fiftyone.core.utils.ProgressBar`` (see ``fo.report_progress``)
        image_size (None): square input size; ``None`` = the model's default
            (weightless: 64; timm/open_clip: their configured size)
        overwrite (False): if ``field`` holds vectors from a *different* model
            config, clear the field on the whole dataset and start again;
            otherwise that case raises ``ValueError`` (mixing two models in one
            field would silently corrupt every later score)
        write_every (8): write to the database every this many batches, on
            a writer thread that overlaps the next forward passes; with worker
            processes (a GPU) two writes may be in flight at once (measured on
            an H200 with resnet50: 8.7k img/s instead of 7.3k). A kill loses at
            most twice this many batches (three times with two writes in flight)
        optimize (True): on CPU, run timm models as a traced, frozen graph
            (same float32 results to ~1e-6, forward 1.5-2x faster; see
            :func:`datadiver_fo.enrich.models.load_model`); ``False`` keeps eager
            PyTorch
        prefetch (True): decode the next batch on a background thread while
            the model runs on this one; ``False`` decodes in turn (can be
            faster when decoding and the model fight over very few cores)
        precision ("auto"): ``"auto"`` (bf16 autocast + channels_last on
            CUDA, float32 elsewhere), ``"fp32"`` (opt out) or ``"bf16"``
            (force autocast, also on CPU). Vectors agree with float32 to
            cosine >= 0.999 (tested), so precision is recorded but is not part
            of the fingerprint ``skip_existing`` compares
        loader ("auto"): how files are decoded: ``"threads"`` (a thread pool,
            one batch ahead), ``"processes"`` (a torch ``DataLoader`` with
            ``num_workers`` processes, pinned memory on CUDA) or ``"auto"``
            (processes when the model runs on a GPU, threads on CPU)
        shard (None): ``(index, count)`` to embed only the samples whose id
            falls in shard ``index`` of ``count`` (by a hash of the id, so the
            split does not depend on order or on what is already done):
            ``count`` workers, on one machine or several sharing the MongoDB
            database, each run one shard of one job; the run is marked
            complete by whichever finishes last (when no sample of ``samples``
            lacks a vector), and a killed shard resumes like any run. Give
            every shard the same ``samples``, settings and a named ``model``
            (``"auto"`` may differ between machines' caches; see
            :func:`resolve_embeddings_model`)

    Returns:
        a read-only :class:`datadiver_fo.internal.report.Report`: ``model``
        (model string), ``model_reason`` (why ``"auto"`` chose it; ``None``
        for a named model), ``device``, ``precision``, ``loader``, ``field``, ``run_key``,
        ``fingerprint``, ``num_samples`` (in ``samples``), ``embedded`` (this
        call), ``skipped`` (already embedded), ``failed`` (list of dicts
        ``{"id", "filepath", "error"}``), ``num_failed``, ``dim``,
        ``seconds``, ``images_per_second``, ``shard`` (as given) and
        ``complete`` (whether the run was marked complete: always without
        ``shard``; with it, once no sample of ``samples`` lacks a vector --
        unreadable files keep a sharded run "running" until a call without
        ``shard`` finishes it)

    Raises:
        ValueError: bad arguments, an unknown model, or a field computed with
            another model config (see ``overwrite``)
    """
    import fiftyone.core.collections as foc
    import fiftyone.core.fields as fof

    if not isinstance(samples, foc.SampleCollection):
        raise ValueError(f"samples must be a FiftyOne dataset or view, got {type(samples)}")
    if batch_size is not None and (not isinstance(batch_size, int) or isinstance(batch_size, bool)
                                   or batch_size < 1):
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    if not isinstance(write_every, int) or write_every < 1:
        raise ValueError(f"write_every must be a positive integer, got {write_every!r}")
    if not isinstance(num_workers, int) or num_workers < 0:
        raise ValueError(f"num_workers must be an integer >= 0, got {num_workers!r}")
    field = field or EMBEDDINGS
    if not isinstance(field, str) or not field.isidentifier():
        raise ValueError(f"field must be a valid field name, got {field!r}")
    if samples.media_type != "image":
        raise ValueError(f"compute_embeddings needs image samples, got media type {samples.media_type!r}")

    if shard is not None:
        if not (isinstance(shard, (tuple, list)) and len(shard) == 2
                and all(isinstance(v, int) and not isinstance(v, bool) for v in shard)
                and shard[1] >= 1 and 0 <= shard[0] < shard[1]):
            raise ValueError(f"shard must be (index, count) with 0 <= index < count, got {shard!r}")
        shard = (int(shard[0]), int(shard[1]))
    if loader not in _LOADERS:
        raise ValueError(f"loader must be one of {_LOADERS}, got {loader!r}")
    dataset = samples._dataset
    key = embeddings_run_key(field)
    prev = ddr.get_run_config(dataset, key)
    model, reason = resolve_embeddings_model(samples, model, field)
    device = resolve_device(device)
    if batch_size is None:  # a GPU needs bigger batches to stay busy (measured, see docstring)
        batch_size = 256 if device.split(":")[0] in ("cuda", "mps") else 64
    emb_model = load_model(model, device=device, image_size=image_size, optimize=optimize,
                           precision=precision)
    fingerprint = emb_model.fingerprint
    if dataset.has_sample_field(field):
        ftype = dataset.get_field(field)
        if not isinstance(ftype, (fof.VectorField, fof.ArrayField)):
            raise ValueError(f"Field '{field}' exists and is a {type(ftype).__name__}, not a vector field")
        same = prev is not None and prev.get("fingerprint") == fingerprint
        has_values = dataset.exists(field).limit(1).count() > 0
        if not same and has_values:
            if not overwrite:
                was = prev.get("model") if prev else "an unrecorded model"
                raise ValueError(
                    f"Field '{field}' holds embeddings from {was}, not '{emb_model.spec}' with this "
                    "config; pass another field= or overwrite=True to clear it"
                )
            dataset.clear_sample_field(field)
    else:
        dataset.add_sample_field(field, fof.VectorField)

    on_gpu = device.split(":")[0] in ("cuda", "mps")
    use_procs = loader == "processes" or (loader == "auto" and on_gpu)
    if num_workers:
        workers = num_workers
    elif use_procs:  # one decoding process per core, the main one feeds the GPU
        workers = max(1, min(16, (os.cpu_count() or 1) - 1))
    else:  # decode threads: the cores torch's forward pass leaves free (>= 1)
        import torch

        busy = torch.get_num_threads() if device.startswith("cpu") else 0
        workers = max(1, min(4, (os.cpu_count() or 1) - busy))
    run_config = dict(
        model=emb_model.spec,
        model_reason=reason,
        field=field,
        fingerprint=fingerprint,
        image_size=emb_model.image_size,
        batch_size=batch_size,
        device=device,
        precision=emb_model.precision,
        loader="processes" if use_procs else "threads",
        num_workers=workers,
        has_text=emb_model.has_text,
    )
    # Recorded before the first write, so a killed job leaves a resumable state.
    ddr.record_run(samples, key, _METHOD, status="running", **run_config)

    todo = samples.exists(field, False) if skip_existing else samples
    num_samples = samples.count()
    ids, paths = todo.values(["id", "filepath"])
    skipped = num_samples - len(ids)
    if shard is not None:
        index, count = shard
        mine = [k for k, sid in enumerate(ids) if _shard_of(sid, count) == index]
        ids, paths = [ids[k] for k in mine], [paths[k] for k in mine]

    t0 = time.perf_counter()
    failed = []
    embedded = 0
    dim = None
    vanished = []  # ids deleted from the dataset before their vector was written

    def write(wids, X):
        vanished.extend(store.write_vectors(dataset, field, wids, X))

    # two writes in flight feed MongoDB from two threads when a GPU outruns one
    in_flight = 2 if use_procs else 1

    size = emb_model.image_size
    pre = emb_model.preprocess
    native = emb_model.resizes  # decode at the file's size, resize on the device

    # a partial (not a closure) so DataLoader workers can receive it under spawn
    decode_one = functools.partial(decode_image, size=size, preprocess=pre, resize=not native)

    def process(start, decoded):
        nonlocal embedded, dim
        ok, batch, errors = decoded
        bids = ids[start:start + batch_size]
        for i, err in errors:
            failed.append({"id": bids[i], "filepath": paths[start + i], "error": err})
        if ok:
            vecs = emb_model.embed_batch(batch)
            if vecs.shape[0] != len(ok):
                raise ValueError(
                    f"Model '{emb_model.spec}' returned {vecs.shape[0]} vectors for "
                    f"{len(ok)} images"
                )
            dim = vecs.shape[1]
            writer.add([bids[i] for i in ok], vecs)
            embedded += len(ok)
        return len(bids)

    # the writer's exit writes what is left and waits, also after an error:
    # whatever was computed is kept, so a re-run resumes after it
    with Progress(progress, len(ids), desc="embeddings") as prog, \
            WriteBehind(write, in_flight) as writer:
        batches = iter_batches(paths, batch_size, decode_one, size, workers, processes=use_procs,
                               pin=device.startswith("cuda"), prefetch=prefetch)
        try:
            for bi, (start, decoded) in enumerate(batches):
                n = process(start, decoded)
                if (bi + 1) % write_every == 0:
                    writer.flush()  # one bulk write, behind the next batches
                prog.update(n)
        finally:
            batches.close()  # stops the decoders (threads or worker processes)

    seconds = time.perf_counter() - t0
    if vanished:  # deleted while embedding: reported, not counted as embedded
        where = {sid: k for k, sid in enumerate(ids)}
        for sid in vanished:
            failed.append({"id": sid, "filepath": paths[where[sid]],
                           "error": "sample was deleted from the dataset before its vector "
                                    "was written; nothing stored"})
        embedded -= len(vanished)
    if dim is None and num_samples:
        first = samples.exists(field).first() if samples.exists(field).count() else None
        if first is not None:
            dim = int(len(first[field]))
    report = dict(
        model=emb_model.spec,
        model_reason=reason,
        device=device,
        precision=emb_model.precision,
        loader=run_config["loader"],
        field=field,
        run_key=key,
        fingerprint=fingerprint,
        num_samples=num_samples,
        embedded=embedded,
        skipped=skipped,
        failed=failed,
        num_failed=len(failed),
        dim=dim,
        seconds=round(seconds, 3),
        images_per_second=round(embedded / seconds, 1) if seconds > 0 and embedded else 0.0,
    )
    complete = shard is None or samples.exists(field, False).limit(1).count() == 0
    report["shard"] = list(shard) if shard else None
    report["complete"] = bool(complete)
    results = {k: v for k, v in report.items() if k not in ("failed", "fingerprint", "run_key")}
    results["failed"] = failed[:_MAX_REPORTED_FAILURES]
    if complete:  # a shard leaves the run "running" until the last shard is done
        if shard is not None:
            # another shard may have registered the run after this process
            # read the dataset: mark the run the dataset points to now
            dataset.reload()
        ddr.finish_run(samples, key, results=results, dim=dim)
    if failed:
        logger.warning("compute_embeddings: %d unreadable files (see report['failed'])", len(failed))
    return Report(report, title="compute_embeddings")

"""Exact and near duplicates, told apart from variants of one source image,
and leaks between the train and val splits.

In Tiny-ImageNet-C every source picture appears once per corruption and
severity under the same file name (``source_id``): those copies are *meant*
to be alike. A duplicate report that lists them drowns the real problem, two
different source pictures that are the same image. So every pair found is
classified:

-   ``duplicates``: the two samples have different ``source_id`` (or none):
    true duplicates, worth a look;
-   ``same_source``: the two samples share a ``source_id``: variants of one
    picture, reported apart.

Exact duplicates hash the decoded pixels (``method="pixels"``, catches the
same picture stored twice even under two names / formats) or the file bytes
(``method="bytes"``). Near duplicates are pairs whose embeddings are within a
cosine distance ``threshold``: exact blockwise search up to 50,000 samples,
above it candidates from an approximate (Annoy) index checked with their exact
distance (:func:`datadiver_fo.internal.knn.close_pairs`). True duplicates are
grouped into ``clusters`` (connected components of the pairs). Leaks between
splits use fiftyone-brain's ``compute_leaky_splits`` on the samples tagged
``train`` or ``val``, when both tags are present.
"""
import hashlib
import logging
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from PIL import Image

import fiftyone.core.fields as fof

from datadiver_fo.internal import knn
from datadiver_fo.internal import runs as ddr
from datadiver_fo.internal import store
from datadiver_fo.internal.report import Report
from datadiver_fo.internal import schema as dds
from datadiver_fo.internal.vectors import embeddings_matrix, group_codes
from datadiver_fo.internal.progress import Progress, as_fiftyone, bars_only

CONTENT_HASH = "content_hash"  # str, hash of pixels or bytes
DUPLICATE_GROUP = "duplicate_group"  # int, component of true duplicates; None if unique
DUPLICATE_OF = "duplicate_of"  # str, id of the first sample of its group; None otherwise
LEAK_TAG = "leak"

logger = logging.getLogger(__name__)

_METHODS = ("pixels", "bytes")


def content_hash(filepath, method="pixels"):
    """Hashes one image.

    Args:
        filepath: path of an image file
        method ("pixels"): ``"pixels"`` hashes the decoded RGB pixels and the
            size, ``"bytes"`` hashes the file's bytes

    Returns:
        a hex string (BLAKE2b, 16 bytes)
    """
    if method not in _METHODS:
        raise ValueError(f"Unknown hash method '{method}'; expected one of {_METHODS}")
    h = hashlib.blake2b(digest_size=16)
    if method == "bytes":
        with open(filepath, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    else:
        with Image.open(filepath) as img:
            rgb = np.asarray(img.convert("RGB"))
        h.update(np.asarray(rgb.shape, dtype=np.int64).tobytes())
        h.update(np.ascontiguousarray(rgb).tobytes())
    return h.hexdigest()


def _try_hash(path, method):
    try:
        return content_hash(path, method)
    except Exception:  # a broken file is not a duplicate of anything
        return None


def find_exact_duplicates(samples, method="pixels", progress=None):
    """Groups samples whose content hash is identical.

    Args:
        samples: a FiftyOne dataset or view of images
        method ("pixels"): see :func:`content_hash`
        progress (None): whether to render a progress bar (True/False), use
            the default value ``fiftyone.config.show_progress_bars`` (None),
            or a progress callback function that receives a
            ``fiftyone.core.utils.ProgressBar`` (see ``fo.report_progress``)

    Returns:
        a tuple ``(hashes, groups)``: ``hashes`` is the list of hashes in the
        order of ``samples`` (``None`` for unreadable files) and ``groups`` a
        list of lists of sample ids sharing a hash (only groups of 2 or more)
    """
    if method not in _METHODS:
        raise ValueError(f"Unknown hash method '{method}'; expected one of {_METHODS}")
    ids, paths = samples.values(["id", "filepath"])
    hashes = []
    # decoding and hashing release the GIL: one thread per core, a batch of
    # files at a time (a single thread kept one core busy at 950k files)
    workers = max(1, min(4, os.cpu_count() or 1))
    with Progress(progress, len(ids), desc="hashing") as prog, ThreadPoolExecutor(workers) as pool:
        for s in range(0, len(paths), 1024):
            batch = paths[s:s + 1024]
            hashes.extend(pool.map(lambda p: _try_hash(p, method), batch))
            prog.update(len(batch))
    by_hash = {}
    for sid, h in zip(ids, hashes):
        if h is not None:
            by_hash.setdefault(h, []).append(sid)
    groups = [g for g in by_hash.values() if len(g) > 1]
    return hashes, groups


def find_near_duplicates(samples, embeddings, threshold=0.1, max_memory_mb=256,
                         near_method="auto"):
    """Finds pairs of samples whose embeddings are close.

    Up to 50,000 samples (``near_method="auto"``), exact search over the
    upper triangle of the similarity matrix in blocks sized to
    ``max_memory_mb`` (O(N^2 D) time; memory: one block plus the pairs
    found). Above, candidates from an approximate (Annoy) index, each checked
    with its exact distance (see :func:`datadiver_fo.internal.knn.close_pairs`:
    it can miss a pair, recall >= 0.95 against exact search is tested, it
    never reports a pair beyond ``threshold``). Which search ran is logged.

    Args:
        samples: a FiftyOne dataset or view
        embeddings: the name of a vector field, or a ``num_samples x dims``
            array in the order of ``samples``
        threshold (0.1): maximum cosine distance (``1 - cos``, in ``[0, 2]``)
            for a pair to count
        max_memory_mb (256): bound on each similarity block
        near_method ("auto"): ``"exact"``, ``"approx"`` or ``"auto"`` (exact
            up to 50,000 samples)

    Returns:
        a list of ``(id_a, id_b, distance)`` with ``id_a`` before ``id_b`` in
        ``samples``, sorted by distance
    """
    if not 0 <= threshold <= 2:
        raise ValueError(f"threshold is a cosine distance in [0, 2]; got {threshold}")
    if near_method not in ("auto", "exact", "approx"):
        raise ValueError(f"near_method must be 'auto', 'exact' or 'approx', got {near_method!r}")
    X = _unit_embeddings(samples, embeddings)
    ids = samples.values("id")
    if len(ids) < 2:
        return []
    info = {}
    i, j, d, _, _ = knn.close_pairs(X, threshold, max_memory_mb=max_memory_mb,
                                    method=near_method, info=info, normalized=True)
    logger.info("near duplicates: %s", info)
    return [(ids[a], ids[b], float(x)) for a, b, x in zip(i.tolist(), j.tolist(), d.tolist())]


def _unit_embeddings(samples, embeddings):
    """The embeddings as float32 rows of unit norm: a field read from the
    database is normalised in place (one N x D array in memory, not two); a
    caller's array is copied first, never changed."""
    X = embeddings_matrix(samples, embeddings, dtype=np.float32)
    if not isinstance(embeddings, str) or not X.flags.writeable or not X.flags.c_contiguous:
        X = np.array(X, dtype=np.float32, order="C")
    return knn.unit_rows(X)


def calibrate_threshold(X, groups, sample=5000, cap=0.1, seed=0, normalized=False):
    """A near-duplicate threshold derived from the embeddings themselves.

    Rule: for a random sample of samples, take the cosine distance to the
    nearest sample of *another* group (another source picture), ``b``; the
    threshold is ``exp(median(log b) - 4 * 1.4826 * MAD(log b))``, i.e. 4
    robust standard deviations below the typical nearest other-source
    distance on a log scale, and at most ``cap``. Pairs below it are outliers
    of closeness, not the tail of ordinary similarity (e.g. two different
    pictures both flattened by heavy fog). The within-group (same source)
    nearest distances are returned for context.

    Args:
        X: an ``N x D`` array of embeddings
        groups: an int array of ``N`` group codes (see
            :func:`datadiver_fo.internal.vectors.group_codes`)
        sample (5000): samples measured (cost ``sample x N``)
        cap (0.1): the largest threshold returned
        seed (0): the sample's random seed
        normalized (False): the rows of ``X`` already have unit norm (see
            :func:`datadiver_fo.internal.knn.unit_rows`; no copy is made)

    Returns:
        a dict: ``threshold``, ``rule`` (the rule in words), ``between_median``
        and ``within_median`` (median nearest distances to another / the same
        group; ``None`` when undefined), ``sample``
    """
    between, within = knn.nearest_other_group(X, groups, sample=sample, seed=seed,
                                              normalized=normalized)
    b = between[np.isfinite(between)]
    w = within[np.isfinite(within)]
    if not len(b):
        t = float(cap)
    else:
        lb = np.log(np.maximum(b, 1e-6))
        med = float(np.median(lb))
        mad = float(np.median(np.abs(lb - med))) * 1.4826
        t = float(min(cap, np.exp(med - 4.0 * mad)))
    return {
        "threshold": t,
        "rule": ("cosine distance < exp(median(log b) - 4 * 1.4826 * MAD(log b)), at most "
                 f"{cap:g}, where b = each of {len(between)} sampled images' distance to its "
                 "nearest image of another source"),
        "between_median": float(np.median(b)) if len(b) else None,
        "within_median": float(np.median(w)) if len(w) else None,
        "sample": int(len(between)),
    }


def find_leaks(samples, embeddings, threshold=0.1, tag=LEAK_TAG, progress=None):
    """Finds train/val leaks with fiftyone-brain's ``compute_leaky_splits``.

    Args:
        samples: a FiftyOne dataset or view; only samples tagged ``train`` or
            ``val`` take part
        embeddings: a vector field name or a ``num_samples x dims`` array in
            the order of ``samples``
        threshold (0.1): the brain's similarity distance threshold
        tag ("leak"): tag applied to the leaking samples (the tag is first
            removed from ``samples`` so a re-run does not accumulate); ``None``
            to tag nothing
        progress (None): whether to render a progress bar (True/False), use
            the default value ``fiftyone.config.show_progress_bars`` (None),
            or a progress callback function that receives a
            ``fiftyone.core.utils.ProgressBar`` (see ``fo.report_progress``)

    Returns:
        the list of leaking sample ids, or ``None`` when ``samples`` lacks one
        of the two split tags
    """
    import fiftyone.brain as fob

    counts = samples.count_sample_tags()
    if not counts.get(dds.TAG_TRAIN) or not counts.get(dds.TAG_VAL):
        return None
    split = samples.match_tags([dds.TAG_TRAIN, dds.TAG_VAL])
    # The split's own vectors are passed as an array: given a field name the
    # brain indexes the whole dataset's vectors, not just the two splits.
    if isinstance(embeddings, str):
        emb = embeddings_matrix(split, embeddings)
    else:
        X = embeddings_matrix(samples, embeddings)
        pos = {sid: i for i, sid in enumerate(samples.values("id"))}
        emb = X[[pos[sid] for sid in split.values("id")]]
    index = fob.compute_leaky_splits(
        split, splits=[dds.TAG_TRAIN, dds.TAG_VAL], embeddings=emb, threshold=threshold,
        progress=as_fiftyone(progress),
    )
    leak_ids = list(dict.fromkeys(index.leak_ids or []))
    if tag:
        samples.untag_samples(tag)
        if leak_ids:
            samples.select(leak_ids).tag_samples(tag)
    return leak_ids


class _UnionFind:
    def __init__(self):
        self.parent = {}

    def find(self, x):
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def find_duplicates(
    samples,
    embeddings=None,
    threshold=0.1,
    exact=True,
    method="pixels",
    leaks=True,
    leak_threshold=None,
    save_views=True,
    progress=None,
    max_memory_mb=256,
    max_same_source=1000,
    near_method="auto",
):
    """Finds exact and near duplicates and train/val leaks; writes fields.

    Args:
        samples: a FiftyOne dataset or view of images
        embeddings (None): a vector field name or ``num_samples x dims`` array
            for near duplicates and leaks; ``None`` for exact duplicates only
        threshold (0.1): cosine distance for near duplicates, or ``"auto"``:
            calibrated on the embeddings by :func:`calibrate_threshold` (4
            robust standard deviations below the typical distance to the
            nearest image of another source; the rule and the numbers are in
            the report's ``calibration``)
        exact (True): hash contents to find exact duplicates
        method ("pixels"): ``"pixels"`` or ``"bytes"``, see :func:`content_hash`
        leaks (True): look for train/val leaks (needs both split tags): the
            exact / near pairs that cross the splits, plus fiftyone-brain's
            ``compute_leaky_splits`` when ``embeddings`` are given
        leak_threshold (None): distance threshold for leaks; default
            ``threshold``
        save_views (True): save ``datadiver/duplicates`` (and
            ``datadiver/leaks``) through
            :func:`datadiver_fo.customize.saved_views.save_generated_view`:
            our own view is replaced, a user's view of that name is left
            untouched and ours goes to ``<name>-2`` (``-3``, ...)
        progress (None): whether to render a progress bar (True/False), use
            the default value ``fiftyone.config.show_progress_bars`` (None),
            or a progress callback function that receives a
            ``fiftyone.core.utils.ProgressBar`` (see ``fo.report_progress``)
        max_memory_mb (256): bound on each block of the near-duplicate
            search (its peak memory does not grow as N^2)
        max_same_source (1000): same-source pairs listed (closest first);
            all found are counted in ``num_same_source``
        near_method ("auto"): the near-duplicate search: ``"exact"``
            (blockwise, O(N^2 D) time), ``"approx"`` (Annoy candidates, each
            verified with its exact distance; it may miss a pair, recall >=
            0.95 against exact search is tested, and rows with more close
            neighbours than the index was asked for are searched exactly) or
            ``"auto"`` (exact up to 50,000 samples); what ran is in the
            report's ``near_search``

    Writes ``content_hash`` (when ``exact``), ``duplicate_group`` (int id of a
    connected group of true duplicates, else ``None``) and ``duplicate_of``
    (the id of the group's first sample, ``None`` for that first sample and
    for unique ones); tags leaks with ``leak``.

    Returns:
        a read-only :class:`datadiver_fo.internal.report.Report` with
        ``exact_groups`` (lists of ids with identical content),
        ``duplicates`` and ``same_source`` (lists of dicts ``{a, b, kind,
        distance}`` with ``kind`` ``"exact"`` or ``"near"``; ``same_source``
        holds the closest ``max_same_source``), ``num_duplicate_pairs``,
        ``num_same_source``, ``clusters`` (lists of ids of true duplicates
        connected by the pairs, largest first), ``source_clusters`` (the
        same, one level up: lists of ``source_id`` values -- the sample id
        for a sample without one -- whose pictures are true duplicates of
        each other under some corruption, largest first: the list to review
        on Tiny-ImageNet-C, where one pair of look-alike pictures shows up
        once per corruption setting), ``threshold`` (the
        distance used), ``near_search`` (``None`` without embeddings, else
        ``method`` ``"exact"`` or ``"approx"`` and, for ``"approx"``, the
        index parameters, ``rows_widened``, ``rows_exact`` and
        ``cap_reached``, see :func:`datadiver_fo.internal.knn.close_pairs`), ``calibration`` (``None`` unless
        ``threshold="auto"``), ``num_groups``,
        ``cross_split_pairs`` (the pairs above whose samples are one in
        ``train`` and one in ``val``), ``leaks`` (ids: the brain's leaky
        splits plus the cross-split pairs; ``None`` without both split tags),
        ``views`` (names the views were saved under), ``renamed_views``
        (``{wanted name: name used}`` where a user's view held the name) and
        ``run_key``
    """
    if len(samples) == 0:
        raise ValueError("find_duplicates needs a non-empty collection")
    if not exact and embeddings is None:
        raise ValueError("Nothing to do: exact=False and no embeddings given")
    if threshold != "auto" and not (isinstance(threshold, (int, float)) and 0 <= threshold <= 2):
        raise ValueError(f"threshold must be a cosine distance in [0, 2] or 'auto', got {threshold!r}")
    if threshold == "auto" and embeddings is None:
        raise ValueError("threshold='auto' is calibrated on embeddings: pass embeddings=")
    if near_method not in ("auto", "exact", "approx"):
        raise ValueError(f"near_method must be 'auto', 'exact' or 'approx', got {near_method!r}")
    ids = samples.values("id")
    has_source = samples.get_field(dds.SOURCE_ID) is not None
    sources = samples.values(dds.SOURCE_ID) if has_source else [None] * len(ids)
    src = dict(zip(ids, sources))
    order = {sid: i for i, sid in enumerate(ids)}

    # one bar: hashing advances it file by file, near duplicates in one block
    # of the same weight
    n_ids = len(ids)
    total = (n_ids if exact else 0) + (n_ids if embeddings is not None else 0)
    pairs = {}
    exact_groups = []
    calibration = None
    num_same_near = 0
    same_near = []
    near_search = None
    with Progress(progress, total, "duplicates") as prog:
        if exact:
            hashes, exact_groups = find_exact_duplicates(samples, method, progress=prog.span(n_ids))
            store.write_fields(samples, ids, {CONTENT_HASH: hashes},
                               types={CONTENT_HASH: fof.StringField})
            for g in exact_groups:
                for i, a in enumerate(g):
                    for b in g[i + 1 :]:
                        pairs[(a, b)] = ("exact", 0.0)
        if embeddings is not None:
            X = _unit_embeddings(samples, embeddings)
            codes = group_codes(sources, n_ids)
            if threshold == "auto":
                calibration = calibrate_threshold(X, codes, normalized=True)
                threshold = calibration["threshold"]
            if n_ids >= 2:
                near_search = {}
                i, j, d, num_same_near, (si, sj, sd) = knn.close_pairs(
                    X, threshold, groups=codes, max_memory_mb=max_memory_mb,
                    keep_same=max_same_source, method=near_method, info=near_search,
                    normalized=True)
                del X
                for a, b, x in zip(i.tolist(), j.tolist(), d.tolist()):
                    pairs.setdefault((ids[a], ids[b]), ("near", x))
                same_near = [(ids[a], ids[b], x) for a, b, x in
                             zip(si.tolist(), sj.tolist(), sd.tolist())]
            prog.update(n_ids, "near duplicates")

    dups, same = [], []
    uf = _UnionFind()
    for (a, b), (kind, d) in sorted(pairs.items(), key=lambda kv: kv[1][1]):
        row = {"a": a, "b": b, "kind": kind, "distance": d}
        if src[a] is not None and src[a] == src[b]:
            same.append(row)
        else:
            dups.append(row)
            uf.union(a, b)
    num_same = len(same) + num_same_near
    seen = {(r["a"], r["b"]) for r in same}
    for a, b, x in same_near:
        if (a, b) not in seen:
            same.append({"a": a, "b": b, "kind": "near", "distance": x})
    same.sort(key=lambda r: r["distance"])
    same = same[:max_same_source]

    comps = {}
    for sid in uf.parent:
        comps.setdefault(uf.find(sid), []).append(sid)
    group_of, dup_of = {}, {}
    for gi, members in enumerate(sorted(comps.values(), key=lambda m: min(order[s] for s in m))):
        members.sort(key=order.get)
        for s in members:
            group_of[s] = gi
            dup_of[s] = None if s == members[0] else members[0]
    clusters = sorted((sorted(m, key=order.get) for m in comps.values()),
                      key=lambda m: (-len(m), order[m[0]]))
    suf = _UnionFind()  # the same components over source pictures
    for r in dups:
        suf.union(src[r["a"]] or r["a"], src[r["b"]] or r["b"])
    scomps = {}
    for s_ in suf.parent:
        scomps.setdefault(suf.find(s_), []).append(s_)
    source_clusters = sorted((sorted(m) for m in scomps.values()), key=lambda m: (-len(m), m[0]))
    # both fields in one bulk update (two set_values passes over every sample before)
    store.write_fields(samples, ids, {DUPLICATE_GROUP: [group_of.get(s) for s in ids],
                                      DUPLICATE_OF: [dup_of.get(s) for s in ids]},
                       types={DUPLICATE_GROUP: fof.IntField, DUPLICATE_OF: fof.StringField})

    leak_ids = None
    cross = []
    if leaks:
        # pairs found above whose two samples sit in different splits are
        # leaks by our own distance; the brain's leaky-splits adds its own
        tags = dict(zip(ids, samples.values("tags")))
        split_of = {}
        for sid, t in tags.items():
            in_splits = [x for x in (dds.TAG_TRAIN, dds.TAG_VAL) if x in (t or [])]
            split_of[sid] = in_splits[0] if len(in_splits) == 1 else None
        for row in dups + same:
            sa, sb = split_of[row["a"]], split_of[row["b"]]
            if sa and sb and sa != sb:
                cross.append(row)
        if embeddings is not None:
            lt = threshold if leak_threshold is None else leak_threshold
            leak_ids = find_leaks(samples, embeddings, threshold=lt, tag=None,
                                  progress=bars_only(progress))
        counts = samples.count_sample_tags()
        if counts.get(dds.TAG_TRAIN) and counts.get(dds.TAG_VAL):
            leak_ids = list(
                dict.fromkeys((leak_ids or []) + [x for r in cross for x in (r["a"], r["b"])])
            )
            samples.untag_samples(LEAK_TAG)
            if leak_ids:
                samples.select(leak_ids).tag_samples(LEAK_TAG)

    views, renamed = [], {}
    if save_views:
        from datadiver_fo.customize.saved_views import save_generated_view

        wanted = [(dds.VIEW_PREFIX + "duplicates", samples.exists(DUPLICATE_GROUP).sort_by(DUPLICATE_GROUP),
                   "true duplicates")]
        if leak_ids is not None:
            wanted.append((dds.VIEW_PREFIX + "leaks", samples.match_tags(LEAK_TAG), "train/val leaks"))
        for name, view, what in wanted:
            used = save_generated_view(samples, name, view, what, "duplicates")
            views.append(used)
            if used != name:
                renamed[name] = used

    key = ddr.run_key("duplicates")
    ddr.record_run(
        samples,
        key,
        "duplicates",
        results={
            "num_exact_groups": len(exact_groups),
            "num_duplicate_pairs": len(dups),
            "num_same_source_pairs": num_same,
            "num_clusters": len(comps),
            "num_source_clusters": len(source_clusters),
            "num_leaks": None if leak_ids is None else len(leak_ids),
            "num_cross_split_pairs": len(cross),
        },
        embeddings=embeddings if isinstance(embeddings, str) else None,
        threshold=float(threshold),
        calibration=calibration,
        near_search=near_search,
        exact=bool(exact),
        hash_method=method,
        leak_threshold=None if leak_threshold is None else float(leak_threshold),
        fields=([CONTENT_HASH] if exact else []) + [DUPLICATE_GROUP, DUPLICATE_OF],
    )
    return Report({
        "exact_groups": exact_groups,
        "duplicates": dups,
        "same_source": same,
        "num_duplicate_pairs": len(dups),
        "num_same_source": num_same,
        "clusters": clusters,
        "source_clusters": source_clusters,
        "threshold": float(threshold) if embeddings is not None else None,
        "calibration": calibration,
        "near_search": near_search,
        "num_groups": len(comps),
        "leaks": leak_ids,
        "cross_split_pairs": cross,
        "views": views,
        "renamed_views": renamed,
        "run_key": key,
    }, title="find_duplicates")

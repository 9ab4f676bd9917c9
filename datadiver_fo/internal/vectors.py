"""Embedding vectors shared by every method: one reader of an embeddings field
and the small array helpers several scores use.

- :func:`read_embeddings` is the one way to read a vector field: the same
  result as stacking ``samples.values(field)``, through the fast raw path of
  :func:`datadiver_fo.internal.store.read_vectors`, with one policy for
  samples that have no vector.
- :func:`l2_normalize` and :func:`group_codes` are the row normalisation and
  the group -> integer coding of the probes, OoD and folds.
"""
import numpy as np

from datadiver_fo.internal import store

_MISSING = ("raise", "drop", "nan")


def read_embeddings(samples, field, dtype=np.float32, missing="raise", finite=False):
    """Reads an embeddings field as one array.

    Args:
        samples: a FiftyOne dataset or view (only its samples are read, in
            its order)
        field: the name of a top-level vector field (``fo.VectorField`` or a
            list of numbers per sample)
        dtype (np.float32): the dtype of the returned array
        missing ("raise"): what to do with samples that have no vector:
            ``"raise"`` a ValueError, ``"drop"`` them (from the ids and the
            rows), or give them a row of ``nan`` (``"nan"``: every sample
            keeps its row)
        finite (False): if True, a NaN or inf inside a stored vector raises a
            ValueError

    Returns:
        a tuple ``(ids, X)``: ``ids`` a list of sample ids (str), ``X`` an
        ``len(ids) x D`` array of ``dtype`` whose row ``i`` is the vector of
        ``ids[i]`` flattened. When no sample has a vector, ``X`` is
        ``len(ids) x 0`` (``"nan"``) or ``0 x 0``

    Raises:
        ValueError: ``field`` does not exist, a bad ``missing``, samples
            without a vector with ``missing="raise"`` (the message counts
            them), vectors of different lengths, or non-finite values with
            ``finite=True``

    Example::

        ids, X = read_embeddings(dataset.match_tags("val"), "embeddings", missing="drop")
    """
    if missing not in _MISSING:
        raise ValueError(f"missing must be one of {_MISSING}, got {missing!r}")
    if samples.get_field(field) is None:
        raise ValueError(f"Embeddings field '{field}' does not exist; run compute_embeddings first")
    ids, present, X = store.read_vectors(samples, field)
    n_missing = len(ids) - int(present.sum())
    if n_missing and missing == "raise":
        raise ValueError(
            f"{n_missing} of {len(ids)} samples have no embedding in field '{field}': "
            "compute embeddings for the whole collection first"
        )
    X = X.astype(dtype, copy=False)
    if finite and not np.isfinite(X).all():
        raise ValueError(f"Embeddings in field '{field}' contain NaN or inf")
    if not n_missing:
        return ids, X
    if missing == "drop":
        return [i for i, p in zip(ids, present.tolist()) if p], X
    out = np.full((len(ids), X.shape[1]), np.nan, dtype=dtype)
    out[present] = X
    return ids, out


def embeddings_matrix(samples, embeddings, dtype=np.float64):
    """The embeddings of ``samples`` as an array, from either form a public
    function accepts.

    Args:
        samples: a FiftyOne dataset or view
        embeddings: the name of a vector field (read with
            :func:`read_embeddings`, missing vectors raise), or an array-like
            of ``len(samples)`` rows in the order of ``samples``
        dtype (np.float64): the dtype returned

    Returns:
        a ``num_samples x dims`` array

    Raises:
        ValueError: if an array is not ``len(samples)`` rows of vectors
    """
    if isinstance(embeddings, str):
        return read_embeddings(samples, embeddings, dtype=dtype)[1]
    X = np.asarray(embeddings, dtype=dtype)
    if X.ndim != 2 or X.shape[0] != len(samples):
        raise ValueError(
            f"embeddings must be a num_samples x dims array ({len(samples)} rows); "
            f"got shape {X.shape}"
        )
    return X


def l2_normalize(X):
    """Scales each row of ``X`` (an ``N x D`` float array) to unit L2 norm;
    all-zero rows stay zero. Returns a new array of ``X``'s dtype."""
    return X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)


def group_codes(groups, n):
    """Codes group keys as integers.

    Args:
        groups: None, or a sequence of ``n`` hashable keys (``None`` = the
            sample is its own group); keys compare by ``str``
        n: the number of samples

    Returns:
        an int64 array of length ``n``: equal keys share a code; ``None`` keys
        (and every sample when ``groups`` is None) get a code of their own
    """
    if groups is None:
        return np.arange(n, dtype=np.int64)
    keys = ["\x00%d" % i if g is None else str(g) for i, g in enumerate(groups)]
    _, codes = np.unique(np.asarray(keys, dtype=object), return_inverse=True)
    return codes.astype(np.int64)


__all__ = ["read_embeddings", "embeddings_matrix", "l2_normalize", "group_codes"]

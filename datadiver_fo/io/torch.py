"""A PyTorch dataset over a FiftyOne view: train on the customised subset.

::

    import datadiver_fo as ddf
    from datadiver_fo.io.torch import make_dataset, make_loader

    view = ddf.select(ds, groups="dog", severities=[1, 2])
    data = make_dataset(view)              # (image tensor, class index)
    loader = make_loader(data, batch_size=64, num_workers=2, shuffle=True)
    for images, targets in loader:
        ...
    print(data.skipped, loader.unreadable)

Class index: stable. By default it is the position of the label in the
dataset's ``default_classes`` (the loader sets the 200 Tiny-ImageNet classes
sorted by wnid), so the same class gets the same index in every view and every
run; pass ``classes=`` to fix your own list. ``data.classes`` holds the list.

Unreadable files are reported, never raised inside the loader:

-   at construction (``check_files="header"`` by default, ``"full"`` decodes
    every image) a missing or unreadable file is left out and recorded in
    ``data.skipped`` (``{"id", "filepath", "reason"}``), as are samples
    without a label (unless ``unlabeled="keep"``: index -1), labels outside
    ``classes`` and samples marked ``excluded``;
-   at iteration, a file that fails to decode makes ``__getitem__`` return
    ``(Unreadable(...), -1)`` instead of raising; :func:`collate_drop_unreadable`
    drops such items from the batch, and :class:`ViewLoader` (from
    :func:`make_loader`) records them in ``loader.unreadable`` in the main
    process, also when they happened in a worker.

The dataset holds only plain lists (paths, targets), so it pickles cheaply to
``DataLoader`` workers; no database connection is needed in a worker.
"""
import logging

import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from torch.utils.data._utils.collate import default_collate

import fiftyone as fo

from datadiver_fo.internal import schema as sch
logger = logging.getLogger(__name__)


class Unreadable:
    """Stands in for an image that could not be read at iteration time.

    Attributes:
        index: the dataset index
        sample_id: the FiftyOne sample id
        filepath: the file
        reason: the error text
    """

    __slots__ = ("index", "sample_id", "filepath", "reason")

    def __init__(self, index, sample_id, filepath, reason):
        self.index, self.sample_id, self.filepath, self.reason = index, sample_id, filepath, reason

    def to_dict(self):
        return {"index": self.index, "id": self.sample_id, "filepath": self.filepath, "reason": self.reason}

    def __repr__(self):
        return f"Unreadable({self.filepath!r}: {self.reason})"


def _to_tensor(img):
    """PIL image -> float32 tensor C x H x W in [0, 1]."""
    arr = np.asarray(img, dtype=np.uint8)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    return torch.from_numpy(arr.copy()).permute(2, 0, 1).float().div_(255.0)


def _check_file(path, full):
    try:
        with Image.open(path) as img:
            if full:
                img.convert("RGB").load()
            else:
                img.verify()
        return None
    except FileNotFoundError:
        return "file not found"
    except Exception as e:  # PIL raises many types for broken files
        return f"unreadable image: {type(e).__name__}: {e}"


def default_classes(samples, label_field=sch.GROUND_TRUTH):
    """The stable class list of a dataset: ``default_classes`` if set, else
    ``dataset.classes[label_field]``, else the sorted distinct labels of the
    whole dataset (not of the view, so every view indexes alike)."""
    dataset = samples._dataset
    if dataset.default_classes:
        return list(dataset.default_classes)
    if dataset.classes.get(label_field):
        return list(dataset.classes[label_field])
    return sorted(c for c in dataset.distinct(label_field + ".label") if c is not None)


class ViewDataset(Dataset):
    """A map-style PyTorch dataset over a FiftyOne dataset or view.

    Args:
        samples: a FiftyOne dataset or view; its samples are read once, at
            construction (later edits to the view are not seen)
        transform (None): a callable applied to the RGB ``PIL.Image``; its
            result is returned (a PIL result is converted to a tensor).
            Default: a float32 tensor C x H x W in [0, 1]
        classes (None): list of class names fixing the index; default
            :func:`default_classes`
        label_field ("ground_truth"): a ``fo.Classification`` field
        unlabeled ("skip"): samples without a label or tagged
            ``missing_label``: ``"skip"`` (recorded in ``skipped``) or
            ``"keep"`` (class index -1)
        check_files ("header"): ``"header"`` opens each file, ``"full"``
            decodes it, ``False`` trusts the paths
        honor_exclusions (True): leave out samples marked ``excluded``

    Attributes:
        classes, class_to_idx, sample_ids, filepaths, targets (list of int),
        skipped (list of ``{"id", "filepath", "reason"}``)

    Items: ``(image, class_index)``; an unreadable file gives
    ``(Unreadable, -1)`` (see the module doc).
    """

    def __init__(
        self,
        samples,
        transform=None,
        classes=None,
        label_field=sch.GROUND_TRUTH,
        unlabeled="skip",
        check_files="header",
        honor_exclusions=True,
    ):
        if not isinstance(samples, fo.core.collections.SampleCollection):
            raise ValueError(f"samples must be a FiftyOne Dataset or DatasetView, got {type(samples).__name__}")
        if unlabeled not in ("skip", "keep"):
            raise ValueError(f"unlabeled must be 'skip' or 'keep', got {unlabeled!r}")
        if check_files not in ("header", "full", False, None):
            raise ValueError(f"check_files must be 'header', 'full' or False, got {check_files!r}")
        if transform is not None and not callable(transform):
            raise ValueError("transform must be callable")
        schema = samples.get_field_schema()
        if label_field not in schema:
            raise ValueError(f"dataset '{samples._dataset.name}' has no field '{label_field}'")
        self.classes = list(classes) if classes is not None else default_classes(samples, label_field)
        if not self.classes:
            raise ValueError("No classes: pass classes=[...] or label the dataset")
        if len(set(self.classes)) != len(self.classes):
            raise ValueError("classes contains duplicates")
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}
        self.transform = transform
        self.label_field = label_field
        self.skipped = []

        excluded_ok = honor_exclusions and sch.EXCLUDED in schema
        fields = ["id", "filepath", label_field + ".label", "tags"] + ([sch.EXCLUDED] if excluded_ok else [])
        cols = samples.values(fields)
        ids, paths, labels, tags = cols[:4]
        excluded = cols[4] if excluded_ok else [None] * len(ids)
        self.sample_ids, self.filepaths, self.targets = [], [], []
        for sid, path, label, tg, ex in zip(ids, paths, labels, tags, excluded):
            if ex:
                self.skipped.append({"id": sid, "filepath": path, "reason": "excluded"})
                continue
            missing = label is None or sch.TAG_MISSING_LABEL in (tg or [])
            if missing:
                if unlabeled == "skip":
                    self.skipped.append({"id": sid, "filepath": path, "reason": "no label"})
                    continue
                target = -1
            elif label not in self.class_to_idx:
                self.skipped.append({"id": sid, "filepath": path, "reason": f"label {label!r} not in classes"})
                continue
            else:
                target = self.class_to_idx[label]
            if check_files:
                reason = _check_file(path, check_files == "full")
                if reason:
                    self.skipped.append({"id": sid, "filepath": path, "reason": reason})
                    continue
            self.sample_ids.append(sid)
            self.filepaths.append(path)
            self.targets.append(target)
        if self.skipped:
            logger.info("ViewDataset: %d sample(s) left out, see .skipped", len(self.skipped))

    def __len__(self):
        return len(self.filepaths)

    def __getitem__(self, index):
        path = self.filepaths[index]
        try:
            with Image.open(path) as img:
                img = img.convert("RGB")
                img.load()
        except Exception as e:  # report, never crash a worker
            logger.warning("unreadable image %s: %s", path, e)
            return Unreadable(index, self.sample_ids[index], path, f"{type(e).__name__}: {e}"), -1
        out = self.transform(img) if self.transform is not None else _to_tensor(img)
        if isinstance(out, Image.Image):
            out = _to_tensor(out)
        return out, self.targets[index]


def make_dataset(view, transform=None, classes=None, **kwargs):
    """Builds a :class:`ViewDataset` over ``view``.

    Args:
        view: a FiftyOne dataset or view
        transform (None): callable on a PIL image (see :class:`ViewDataset`)
        classes (None): class list fixing the index (default: the dataset's
            ``default_classes``)
        **kwargs: ``label_field``, ``unlabeled``, ``check_files``,
            ``honor_exclusions`` (see :class:`ViewDataset`)

    Returns:
        a :class:`ViewDataset` yielding ``(image tensor, class index)``
    """
    return ViewDataset(view, transform=transform, classes=classes, **kwargs)


def _split(batch):
    good, bad = [], []
    for item in batch:
        (bad if isinstance(item[0], Unreadable) else good).append(item)
    return good, bad


def _collate(good):
    if not good:
        return torch.empty(0), torch.empty(0, dtype=torch.long)
    images, targets = default_collate(good)
    return images, targets


def collate_drop_unreadable(batch):
    """A ``collate_fn`` for a plain ``DataLoader`` over a :class:`ViewDataset`:
    drops items whose image is :class:`Unreadable` (logged as a warning where
    they were read) and collates the rest.

    Returns:
        ``(images, targets)``; both empty when every item was unreadable
    """
    good, _ = _split(batch)
    return _collate(good)


def _collate_report(batch):
    good, bad = _split(batch)
    images, targets = _collate(good)
    return images, targets, [b[0].to_dict() for b in bad]


class ViewLoader:
    """A ``DataLoader`` wrapper that yields ``(images, targets)`` and keeps
    the unreadable items it dropped in :attr:`unreadable` (a list of dicts
    ``{"index", "id", "filepath", "reason"}``), gathered in the main process
    whatever the number of workers. Batches emptied entirely are skipped.

    Attributes:
        loader: the underlying ``torch.utils.data.DataLoader``
        dataset: the :class:`ViewDataset`
        unreadable: items dropped so far
    """

    def __init__(self, dataset, **kwargs):
        if "collate_fn" in kwargs:
            raise ValueError("ViewLoader sets collate_fn itself; use DataLoader + collate_drop_unreadable instead")
        self.dataset = dataset
        self.loader = DataLoader(dataset, collate_fn=_collate_report, **kwargs)
        self.unreadable = []

    def __iter__(self):
        for images, targets, bad in self.loader:
            self.unreadable.extend(bad)
            if len(targets) == 0:
                continue
            yield images, targets

    def __len__(self):
        return len(self.loader)


def make_loader(dataset, batch_size=64, num_workers=0, shuffle=False, **kwargs):
    """A loader over a :class:`ViewDataset` (or a FiftyOne view, wrapped with
    :func:`make_dataset` first).

    Args:
        dataset: a :class:`ViewDataset`, or a FiftyOne dataset/view
        batch_size (64): samples per batch
        num_workers (0): worker processes
        shuffle (False): reshuffle every epoch
        **kwargs: passed to ``torch.utils.data.DataLoader`` (``pin_memory``,
            ``persistent_workers``, ``generator``...)

    Returns:
        a :class:`ViewLoader` yielding ``(images, targets)`` tensors; dropped
        unreadable items are in ``loader.unreadable``
    """
    if isinstance(dataset, fo.core.collections.SampleCollection):
        dataset = make_dataset(dataset)
    if not isinstance(dataset, Dataset):
        raise ValueError(f"dataset must be a ViewDataset or a FiftyOne view, got {type(dataset).__name__}")
    return ViewLoader(dataset, batch_size=batch_size, num_workers=num_workers, shuffle=shuffle, **kwargs)

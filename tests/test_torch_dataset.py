"""datadiver_fo.io.torch: (image tensor, class index) with a stable index,
iterated by a DataLoader with 2 workers; unreadable files reported, never
crashing the loader."""
import shutil

import pytest
import torch

import datadiver_fo as ddf
from datadiver_fo.io.torch import ViewLoader, collate_drop_unreadable, make_dataset, make_loader


def test_items_and_stable_class_index(mini_dataset):
    view = ddf.select(mini_dataset, classes=["tabby", "lakeside"], corruptions="fog", severities=[2])
    data = make_dataset(view)
    assert len(data) == 6 and data.skipped == []
    assert data.classes == list(mini_dataset.default_classes) and len(data.classes) == 200
    image, target = data[0]
    assert image.shape == (3, 64, 64) and image.dtype == torch.float32 and 0 <= image.min() <= image.max() <= 1
    assert data.classes[target] == ddf.select(mini_dataset).select([data.sample_ids[0]]).first().ground_truth.label
    # another view of the same dataset indexes the same class alike
    other = make_dataset(ddf.select(mini_dataset, classes="lakeside", corruptions="clean"))
    assert set(other.targets) == {data.class_to_idx["lakeside"]}
    # own class list and transform
    mine = make_dataset(view, classes=["lakeside", "tabby"], transform=lambda im: im.resize((32, 32)))
    assert set(mine.targets) == {0, 1} and mine[0][0].shape == (3, 32, 32)
    with pytest.raises(ValueError, match="duplicates"):
        make_dataset(view, classes=["tabby", "tabby"])


def test_dataloader_with_two_workers(mini_dataset):
    view = ddf.select(mini_dataset, classes=["espresso", "cauliflower", "tabby"], severities=[1, 2])
    data = make_dataset(view)
    loader = make_loader(data, batch_size=8, num_workers=2, shuffle=True)
    seen, n = set(), 0
    for images, targets in loader:
        assert images.shape[1:] == (3, 64, 64) and images.shape[0] == targets.shape[0]
        seen.update(targets.tolist())
        n += len(targets)
    assert n == len(data) == 3 * 3 * 5 * 2
    assert seen == {data.class_to_idx[c] for c in ["espresso", "cauliflower", "tabby"]}
    assert loader.unreadable == []


def test_unreadable_files_reported_not_raised(fresh_dataset, tmp_path):
    ds = fresh_dataset
    view = ddf.select(ds, classes="projectile", corruptions="jpeg_compression", severities=[3])
    # point two samples at private copies, then damage them
    broken = []
    for i, s in enumerate(view.limit(2)):
        dst = tmp_path / f"copy{i}.JPEG"
        shutil.copy(s.filepath, dst)
        s.filepath = str(dst)
        s.save()
        broken.append((s.id, dst))
    ok = make_dataset(view)
    assert len(ok) == 3
    broken[0][1].write_bytes(b"not a jpeg at all")
    broken[1][1].unlink()
    checked = make_dataset(view)  # found at construction
    assert len(checked) == 1
    assert {s["id"] for s in checked.skipped} == {b[0] for b in broken}
    assert any("not found" in s["reason"] for s in checked.skipped)
    # files that break after construction: reported by the loader
    loader = make_loader(ok, batch_size=2, num_workers=2)
    batches = list(loader)
    assert sum(len(t) for _, t in batches) == 1
    assert {u["id"] for u in loader.unreadable} == {b[0] for b in broken}
    # a plain DataLoader with the dropping collate works too
    plain = torch.utils.data.DataLoader(ok, batch_size=3, collate_fn=collate_drop_unreadable)
    (images, targets), = list(plain)
    assert images.shape[0] == 1


def test_unlabeled_and_excluded(fresh_dataset):
    ds = fresh_dataset
    view = ds.select(ddf.select(ds, classes="lakeside", corruptions="fog", severities=[4]).values("id"))
    ids = view.values("id")
    ddf.mark_missing_label(ds, ids[:1])
    ddf.exclude_samples(ds, ids[1:2])
    data = make_dataset(view)
    assert len(data) == 1
    assert sorted(s["reason"] for s in data.skipped) == ["excluded", "no label"]
    keep = make_dataset(view, unlabeled="keep", honor_exclusions=False)
    assert len(keep) == 3 and keep.targets.count(-1) == 1
    assert isinstance(make_loader(view, batch_size=2), ViewLoader)

"""The fine-grained edit log under concurrency, at scale, and its migration.

Real processes (the ``run_concurrently`` fixture) edit one persistent dataset
on the test run's MongoDB at the same instant; nothing may be lost, every
edit must be undoable in reverse order back to the original samples.
"""
import time

import fiftyone as fo
import pytest

import datadiver_fo as ddf
from datadiver_fo.customize import edits as ddc
from datadiver_fo.customize import edit_log
from datadiver_fo.internal import store
from datadiver_fo.io import wordnet as wn
CLASSES = ["tabby", "espresso", "lakeside"]
KEYS = {"id", "op", "time", "user", "num_samples", "num_changed", "params", "undone", "undone_time",
        "undone_by", "complete"}


def _make(name, n=120):
    """A persistent dataset of ``n`` samples with DataDiver's label fields."""
    ds = fo.Dataset(name, persistent=True)
    wnids = {c: wn.wnid_for(c) for c in CLASSES}
    ds.default_classes = sorted(CLASSES)
    ds.info = {"wnid_to_name": {w: c for c, w in wnids.items()}}
    ds.save()
    samples = []
    for i in range(n):
        c = CLASSES[i % len(CLASSES)]
        samples.append(
            fo.Sample(
                filepath=f"/nonexistent/{name}/{i:04d}.JPEG",
                ground_truth=fo.Classification(label=c),
                wnid=wnids[c],
                hypernyms=list(wn.hypernym_names(wnids[c])),
                tags=["val"],
            )
        )
    ds.add_samples(samples)
    return ds


def _state(ds):
    """id -> (label, wnid, hypernyms, excluded, missing_label tag, history length)."""
    ds.reload()
    has_excl = ds.has_sample_field("excluded")
    has_hist = ds.has_sample_field("label_history")
    out = {}
    for s in ds.iter_samples():
        out[s.id] = (
            s.ground_truth.label if s.ground_truth else None,
            s.wnid,
            tuple(s.hypernyms or []),
            bool(s["excluded"]) if has_excl else False,
            "missing_label" in s.tags,
            len(s["label_history"] or []) if has_hist else 0,
        )
    return out


@pytest.fixture
def dataset(unique_name):
    ds = _make(unique_name)
    yield ds
    if ds.name in fo.list_datasets():
        ds.delete()


EDITS = """
ds = fo.load_dataset(ARG["name"])
ids = ARG["ids"]
out = []
for i in range(ARG["n"]):
    # Overlapping windows: both processes touch many of the same samples.
    start = (i * 3 + ARG["k"] * 5) % (len(ids) - 4)
    pick = ids[start:start + 4]
    if i % 2 == 0:
        e = ddf.exclude_samples(ds, pick, reason=f"p{ARG['k']}-{i}", user=f"p{ARG['k']}")
    else:
        e = ddf.relabel_samples(ds, pick, ARG["classes"][(i // 2 + ARG["k"]) % 3], user=f"p{ARG['k']}")
    out.append(e["id"])
print(json.dumps(out))
"""

WARMUP = """
from datadiver_fo.customize import edits as _e
from datadiver_fo.customize import edit_log as _l
_l._edits(); _l._ids(); _l._counters()
"""


def _check_well_formed(entries):
    for e in entries:
        assert isinstance(e, dict) and set(e) == KEYS, e
        assert e["op"] in edit_log.OPS and isinstance(e["id"], str) and e["id"].startswith("edit-")
        assert isinstance(e["num_samples"], int) and 0 <= e["num_changed"] <= e["num_samples"]
        assert e["complete"] is True and isinstance(e["params"], dict) and e["user"]
        assert e["undone"] is (e["undone_time"] is not None)


def test_two_processes_edit_at_once_nothing_lost_and_all_undo(dataset, run_concurrently):
    ds = dataset
    ids = ds.values("id")
    original = _state(ds)
    args = [{"name": ds.name, "ids": ids, "n": 30, "k": k, "classes": CLASSES} for k in (0, 1)]
    t0 = time.perf_counter()
    results = run_concurrently(EDITS, args, timeout=240, warmup=WARMUP)
    print(f"2 processes x 30 edits: {time.perf_counter() - t0:.1f} s (incl. ~16 s start-up)")
    returned = [i for r in results for i in r]
    entries = ddc.list_edits(ds)
    assert len(entries) == 60 and len(returned) == 60
    assert len({e["id"] for e in entries}) == 60
    assert {e["id"] for e in entries} == set(returned)
    _check_well_formed(entries)
    # Each process's own edits appear in the order it made them.
    order = [e["id"] for e in entries]
    for r in results:
        assert sorted(r, key=order.index) == r

    # A third run on the same log still works.
    args = [{"name": ds.name, "ids": ids, "n": 5, "k": k, "classes": CLASSES} for k in (2, 3)]
    run_concurrently(EDITS, args, timeout=240, warmup=WARMUP)
    entries = ddc.list_edits(ds)
    assert len(entries) == 70 and len({e["id"] for e in entries}) == 70
    _check_well_formed(entries)

    # No relabel history was lost: every sample has one history entry per
    # relabel edit that changed it.
    relabels = [e["id"] for e in entries if e["op"] == "relabel"]
    expected = {}
    for eid in relabels:
        for sid in edit_log.changed_ids(ds, eid):
            expected[sid] = expected.get(sid, 0) + 1
    state = _state(ds)
    assert sum(expected.values()) > 0
    for sid, v in state.items():
        assert v[5] == expected.get(sid, 0), sid

    # Every edit undoes in reverse order, and the samples are the originals.
    for e in reversed(entries):
        assert ddf.undo_edit(ds, e["id"], user="undoer")["undone"] is True
    assert _state(ds) == original
    assert all(e["undone"] and e["undone_by"] == "undoer" for e in ddc.list_edits(ds))
    with pytest.raises(ValueError, match="Nothing to undo"):
        ddf.undo_edit(ds)


UNDO = """
ds = fo.load_dataset(ARG["name"])
try:
    e = ddf.undo_edit(ds, ARG["edit_id"], user=ARG["who"])
    print(json.dumps({"ok": True, "by": e["undone_by"]}))
except ValueError as err:
    print(json.dumps({"ok": False, "error": str(err)}))
"""


def test_two_processes_undo_the_same_edit(dataset, run_concurrently):
    ds = dataset
    ids = ds.values("id")[:6]
    before = _state(ds)
    edit = ddf.relabel_samples(ds, ids, "espresso")
    args = [{"name": ds.name, "edit_id": edit["id"], "who": w} for w in ("alice", "bob")]
    results = run_concurrently(UNDO, args, timeout=180, warmup=WARMUP)
    winners = [r for r in results if r["ok"]]
    losers = [r for r in results if not r["ok"]]
    assert len(winners) == 1 and len(losers) == 1
    assert "already undone" in losers[0]["error"]
    assert _state(ds) == before
    (entry,) = ddc.list_edits(ds)
    assert entry["undone"] and entry["undone_by"] == winners[0]["by"]
    # The atomic claim itself: a second claim of the same edit gets nothing.
    other = ddf.exclude_samples(ds, ids[:2])
    assert edit_log.mark_undone(ds, other["id"], "x") is not None
    assert edit_log.mark_undone(ds, other["id"], "y") is None
    with pytest.raises(ValueError, match="already undone"):
        ddf.undo_edit(ds, edit["id"])
    with pytest.raises(ValueError, match="Unknown edit id 'edit-9999-nope'"):
        ddf.undo_edit(ds, "edit-9999-nope")


def _old_format_log(ds):
    """Writes what the old code left: samples edited and a log in
    ``dataset.info["datadiver_edits"]``, with a ``null`` entry (the damage
    the old read-modify-write log could leave)."""
    ids = ds.values("id")
    excl = ids[:3]
    ds.add_sample_field("excluded", fo.BooleanField)
    ds.select(excl).set_values("excluded", [True] * 3)
    ds.add_sample_field("label_history", fo.ListField, subfield=fo.DictField)
    relab = [i for i in ids[3:20] if ds[i].ground_truth.label == "tabby"][:2]
    espresso = wn.wnid_for("espresso")
    for sid in relab:
        s = ds[sid]
        s["label_history"] = [{"label": "tabby", "wnid": s.wnid, "hypernyms": list(s.hypernyms),
                               "missing_label": False, "time": "2024-01-01T00:00:00+00:00",
                               "user": "old", "edit_id": "edit-0002-bbbbbb"}]
        s.ground_truth.label = "espresso"
        s.wnid = espresso
        s.hypernyms = list(wn.hypernym_names(espresso))
        s.save()
    info = ds.info
    info["datadiver_edits"] = [
        {"id": "edit-0001-aaaaaa", "op": "exclude", "time": "2024-01-01T00:00:00+00:00", "user": "old",
         "num_samples": 3, "changed_ids": excl, "params": {"reason": "old"}, "undone": False,
         "undone_time": None},
        None,
        {"id": "edit-0002-bbbbbb", "op": "relabel", "time": "2024-01-01T00:00:01+00:00", "user": "old",
         "num_samples": 2, "changed_ids": relab, "params": {"label": "espresso", "wnid": espresso},
         "undone": False, "undone_time": None},
    ]
    info["keep_me"] = 1
    ds.info = info
    ds.save()
    return excl, relab


MIGRATE = """
ds = fo.load_dataset(ARG["name"])
print(json.dumps([e["id"] for e in ddf.list_edits(ds)]))
"""


def test_migration_from_info_log_concurrent_and_undoable(dataset, run_concurrently):
    ds = dataset
    original = _state(ds)
    excl, relab = _old_format_log(ds)
    # Two processes hit the old log at once: both see the same two edits.
    results = run_concurrently(MIGRATE, [{"name": ds.name}] * 2, timeout=180, warmup=WARMUP)
    assert results == [["edit-0001-aaaaaa", "edit-0002-bbbbbb"]] * 2
    ds.reload()
    assert "datadiver_edits" not in ds.info and ds.info["keep_me"] == 1
    entries = ddc.list_edits(ds)
    assert [(e["id"], e["op"], e["num_changed"]) for e in entries] == [
        ("edit-0001-aaaaaa", "exclude", 3), ("edit-0002-bbbbbb", "relabel", 2)]
    _check_well_formed(entries)
    assert edit_log._edits().count_documents({"dataset_id": store.dataset_id(ds)}) == 2
    assert edit_log.migrate(ds) is None  # idempotent: nothing left to move
    # New edits follow the migrated ones; everything undoes in reverse order.
    new = ddf.include_samples(ds, excl[:1])
    assert new["id"].startswith("edit-0003-")
    with pytest.raises(ValueError, match="undo that one first"):
        ddf.undo_edit(ds, "edit-0001-aaaaaa")
    assert ddf.undo_edit(ds)["id"] == new["id"]
    assert ddf.undo_edit(ds, "edit-0002-bbbbbb")["undone"]
    assert ddf.undo_edit(ds, "edit-0001-aaaaaa")["undone"]
    after = _state(ds)
    assert after == original


def test_batches_and_chunks_with_small_sizes(dataset, monkeypatch):
    """The batched / chunked paths (taken at 50k ids) on a small dataset."""
    monkeypatch.setattr(edit_log, "CHUNK", 7)
    monkeypatch.setattr(ddc, "_BATCH", 5)
    ds = dataset
    original = _state(ds)
    ids = ds.values("id")[:40]
    a = ddf.exclude_samples(ds, ids)
    b = ddf.relabel_samples(ds, ids, "lakeside")
    c = ddf.mark_missing_label(ds, ids[::2])
    assert (a["num_changed"], c["num_changed"]) == (40, 20)
    assert b["num_changed"] == len([i for i in ids if original[i][0] != "lakeside"])
    assert edit_log._ids().count_documents({"dataset_id": store.dataset_id(ds), "edit_id": a["id"]}) == 6
    assert edit_log.changed_ids(ds, a["id"]) == ids
    with pytest.raises(ValueError, match="undo that one first"):
        ddf.undo_edit(ds, b["id"])
    for e in (c, b, a):
        ddf.undo_edit(ds, e["id"])
    assert _state(ds) == original


def test_log_belongs_to_the_dataset_id(unique_name):
    ds = _make(unique_name, n=6)
    ddf.exclude_samples(ds, ds.values("id")[:2])
    clone = ds.clone(unique_name + "-clone")
    try:
        assert ddc.list_edits(clone) == []  # clones start with an empty log
        with pytest.raises(ValueError, match="Nothing to undo"):
            ddf.undo_edit(clone)
    finally:
        clone.delete()
    old_id = store.dataset_id(ds)
    ds.delete()
    again = _make(unique_name, n=6)
    try:
        assert ddc.list_edits(again) == []  # same name, new id: no old log
        assert edit_log.purge(old_id) >= 2  # the deleted dataset's documents
    finally:
        again.delete()


def test_edit_of_950k_ids_lists_fast(dataset):
    ds = dataset
    ids = [f"{i:024x}" for i in range(950_000)]  # synthetic, well-formed ids
    t0 = time.perf_counter()
    edit_log.append(ds, "exclude", ids, num_samples=950_000, params={"reason": "bulk"}, user="bench")
    t_append = time.perf_counter() - t0
    ddf.exclude_samples(ds, ds.values("id")[:1])
    t0 = time.perf_counter()
    entries = ddc.list_edits(ds)
    t_list = time.perf_counter() - t0
    print(f"950k ids: append {t_append:.2f} s, list_edits {t_list:.3f} s")
    assert [e["num_changed"] for e in entries] == [950_000, 1]
    assert t_list < 2.0
    # No stored document is anywhere near MongoDB's 16 MB.
    sizes = list(edit_log._ids().aggregate([
        {"$match": {"dataset_id": store.dataset_id(ds)}},
        {"$group": {"_id": None, "n": {"$sum": 1}, "max": {"$max": {"$bsonSize": "$$ROOT"}}}},
    ]))
    assert sizes[0]["n"] == 20 and sizes[0]["max"] < 4 * 1024 * 1024
    t0 = time.perf_counter()
    assert edit_log.changed_ids(ds, entries[0]["id"]) == ids
    print(f"950k ids: read back {time.perf_counter() - t0:.2f} s")
    # Undo of a 950k edit (ids of samples that no longer exist) is batched.
    t0 = time.perf_counter()
    assert ddf.undo_edit(ds, entries[0]["id"])["undone"]
    print(f"950k ids: undo {time.perf_counter() - t0:.2f} s")

"""Saved views are data, never code: hostile saved-views files and hostile
views stored straight in the database are refused before FiftyOne builds
anything (no command runs, no other collection is written), a bad file saves
nothing, and every cap (file size, views per file, bytes per view, stages,
depth, provenance size) holds."""
import base64
import json
import os
import uuid
import zlib

import pytest
from bson import ObjectId, json_util

import datadiver_fo as ddf
from datadiver_fo.customize import saved_views as ddsv
from datadiver_fo.customize import stage_guard as sg
from datadiver_fo.customize import summary as dds
STAGES = "fiftyone.core.stages."


def _stage(cls, **kwargs):
    return {"_cls": cls if "." in cls else STAGES + cls, "kwargs": [[k, v] for k, v in kwargs.items()]}


def _good(name, corruption="fog"):
    return {
        "name": name, "description": "a plain view", "color": None,
        "stages": [_stage("Match", filter={"corruption": corruption}), _stage("Limit", limit=3)],
        "spec": None, "provenance": None,
    }


def _write(path, views, **top):
    doc = {"format": ddsv.FORMAT, "version": 1, "exported_at": None, "source_dataset": "elsewhere", "views": views}
    doc.update(top)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f)
    return str(path)


def _db():
    import fiftyone.core.odm as foo

    return foo.get_db_conn()


@pytest.fixture
def marker(tmp_path):
    path = tmp_path / f"pwned-{uuid.uuid4().hex[:6]}"
    yield path
    assert not path.exists(), "a command from a saved view ran"


@pytest.fixture
def target():
    """A collection a hostile pipeline would write into; must stay empty."""
    name = "stolen-" + uuid.uuid4().hex[:8]
    yield name
    assert _db()[name].count_documents({}) == 0, "a saved view wrote into another collection"
    _db().drop_collection(name)


def test_os_system_cls_in_a_file_runs_nothing_and_saves_nothing(fresh_dataset, tmp_path, marker):
    ds = fresh_dataset
    evil = {"name": "evil", "stages": [_stage("os.system", command=f"touch {marker}")]}
    path = _write(tmp_path / "v.json", [_good("fine"), evil])
    with pytest.raises(ValueError, match=r"Saved view 'evil': stage 1 \(os\.system\) is not an allowed read-only"):
        ddf.import_saved_views(ds, path)
    assert ds.list_saved_views() == []


def test_mongo_merge_in_a_file_writes_nothing(fresh_dataset, tmp_path, target):
    ds = fresh_dataset
    evil = {"name": "merge", "stages": [_stage("Mongo", pipeline=[{"$merge": {"into": target}}])]}
    path = _write(tmp_path / "v.json", [evil])
    with pytest.raises(ValueError, match=r"'merge': stage 1 \(fiftyone\.core\.stages\.Mongo\) is a raw MongoDB pipeline"):
        ddf.import_saved_views(ds, path)
    assert ds.list_saved_views() == []


_HOSTILE = {
    "out": (_stage("Mongo", pipeline=[{"$out": "stolen"}]), r"raw MongoDB pipeline"),
    "function": (
        _stage("Match", filter={"$expr": {"$function": {"body": "function() {return true}", "args": [], "lang": "js"}}}),
        r"filter\.\$expr uses \$function",
    ),
    "where": (_stage("Match", filter={"$where": "sleep(100000) || true"}), r"filter uses \$where"),
    "accumulator": (
        _stage("SortBy", field_or_expr={"$accumulator": {"init": "function() {}", "lang": "js"}}),
        r"field_or_expr uses \$accumulator",
    ),
    "lookup": (
        _stage("Match", filter={"$expr": {"$gt": [{"$size": {"$lookup": {"from": "datasets"}}}, 0]}}),
        r"uses \$lookup",
    ),
    "unionWith": (_stage("Mongo", pipeline=[{"$unionWith": "datasets"}]), r"raw MongoDB pipeline"),
    "nested_in_expr_list": (
        _stage("Match", filter={"$and": [{"corruption": "fog"},
                                         {"$expr": {"$and": [True, [{"$where": "x"}]]}}]}),
        r"uses \$where",
    ),
    "graphLookup_in_filter_labels": (
        _stage("FilterLabels", field="ground_truth", filter={"$graphLookup": {"from": "views"}}),
        r"filter uses \$graphLookup",
    ),
    # bson decodes {"$code": ...} into a JavaScript Code value (a str subclass)
    "code_marker": (_stage("Match", filter={"$expr": {"$code": "function() {}"}}), r"holds a Code"),
    "code_in_sort": (_stage("SortBy", field_or_expr={"$code": "function() {}"}), r"holds a Code"),
    "unknown_kwarg": (
        {"_cls": STAGES + "Limit", "kwargs": [["limit", 3], ["__class__", "os.system"]]},
        r"unknown parameter '__class__' for Limit",
    ),
    "outside_stages_module": (_stage("fiftyone.core.view.DatasetView"), r"not an allowed read-only FiftyOne stage"),
    "set_field": (_stage("SetField", field="ground_truth", expr=None), r"not an allowed read-only FiftyOne stage"),
    "extra_stage_key": (dict(_stage("Limit", limit=1), _cls_module="os"), r"unknown keys \['_cls_module'\]"),
    "wrong_type": (_stage("Limit", limit="3; drop"), r"limit must be an integer"),
    "missing_required": (_stage("Match"), r"missing required parameter\(s\) \['filter'\]"),
    "dist_field_writes": (_stage("SortBySimilarity", query="a dog", dist_field="ground_truth"), r"write distances"),
    "user_roles": (_stage("Match", filter={"$expr": {"$in": ["admin", "$$USER_ROLES.role"]}}), r"server variable"),
}


@pytest.mark.parametrize("case", sorted(_HOSTILE))
def test_hostile_stage_in_a_file_refuses_the_whole_file(fresh_dataset, tmp_path, case, target):
    ds = fresh_dataset
    stage, reason = _HOSTILE[case]
    if case == "out":
        stage = _stage("Mongo", pipeline=[{"$out": target}])
    path = _write(tmp_path / "v.json", [_good("good one"), {"name": case, "stages": [stage]}, _good("good two")])
    with pytest.raises(ValueError, match=rf"nothing was imported: Saved view '{case}': stage 1 .*{reason}"):
        ddf.import_saved_views(ds, path, overwrite=True)
    assert ds.list_saved_views() == []


def test_two_good_views_and_one_bad_save_nothing(fresh_dataset, tmp_path, marker):
    ds = fresh_dataset
    bad = {"name": "bad", "stages": [_stage("Match", filter={"corruption": "fog"}),
                                     _stage("subprocess.call", args=["touch", str(marker)])]}
    path = _write(tmp_path / "v.json", [_good("first"), bad, _good("second", "spatter")])
    with pytest.raises(ValueError, match=r"nothing was imported: Saved view 'bad': stage 2 \(subprocess\.call\)"):
        ddf.import_saved_views(ds, path)
    assert ds.list_saved_views() == [] and ddf.check_saved_views(ds)["orphan_records"] == []
    # the same file without the bad entry imports both
    path = _write(tmp_path / "ok.json", [_good("first"), _good("second", "spatter")])
    assert ddf.import_saved_views(ds, path)["imported"] == ["first", "second"]
    assert len(sg.load_saved_view(ds, "second")) == 3


def test_every_bad_entry_is_listed(fresh_dataset, tmp_path):
    views = [
        {"name": 42, "stages": []},
        {"name": "x" * 201},
        {"name": "desc", "description": {"$where": "1"}},
        {"name": "col", "color": "javascript:alert(1)"},
        {"name": "extra", "stages": [], "run": "rm -rf /"},
        _good("dup"), _good("DUP"),
    ]
    path = _write(tmp_path / "v.json", views)
    with pytest.raises(ValueError, match=r"views\[0\]: A saved view name must be a non-empty string, got 42") as e:
        ddf.import_saved_views(fresh_dataset, path)
    msg = str(e.value)
    assert "views[1]: Saved view name" in msg and "at most 200" in msg
    assert "'desc': description must be a string" in msg and "'col': color 'javascript:alert(1)'" in msg
    assert "'extra': unknown keys ['run']" in msg and "'DUP': same name or slug as the entry 'dup'" in msg
    assert fresh_dataset.list_saved_views() == []


def test_size_caps(fresh_dataset, tmp_path):
    ds = fresh_dataset
    # more views than a file may hold
    path = _write(tmp_path / "many.json", [_good(f"v{i}") for i in range(ddsv.MAX_VIEWS + 1)])
    with pytest.raises(ValueError, match=rf"holds {ddsv.MAX_VIEWS + 1} views; at most {ddsv.MAX_VIEWS}"):
        ddf.import_saved_views(ds, path)
    # a huge provenance record
    big = dict(_good("prov"), provenance={"prompt": "fog", "notes": "x" * (ddf_record_cap() + 10)})
    with pytest.raises(ValueError, match=r"'prov': its provenance is \d+ bytes, more than the 65536 allowed"):
        ddf.import_saved_views(ds, _write(tmp_path / "prov.json", [big]))
    # a view whose stages are too many bytes (200k sample ids)
    ids = [str(ObjectId()) for _ in range(200_000)]
    huge = {"name": "huge", "stages": [_stage("Select", sample_ids=ids)]}
    with pytest.raises(ValueError, match=r"'huge': its stages are \d+ bytes of JSON, more than the \d+ allowed"):
        ddf.import_saved_views(ds, _write(tmp_path / "huge.json", [huge]))
    # too many stages
    long = {"name": "long", "stages": [_stage("Limit", limit=5)] * (sg.MAX_STAGES + 1)}
    with pytest.raises(ValueError, match=rf"'long': {sg.MAX_STAGES + 1} stages, more than the {sg.MAX_STAGES}"):
        ddf.import_saved_views(ds, _write(tmp_path / "long.json", [long]))
    # nested deeper than the cap
    deep = {"corruption": "fog"}
    for _ in range(sg.MAX_DEPTH + 5):
        deep = {"$and": [deep]}
    nested = {"name": "deep", "stages": [_stage("Match", filter=deep)]}
    with pytest.raises(ValueError, match=rf"'deep': stage 1 .* nested more than {sg.MAX_DEPTH} levels"):
        ddf.import_saved_views(ds, _write(tmp_path / "deep.json", [nested]))
    # a file larger than the cap is refused before it is parsed
    path = tmp_path / "big.json"
    with open(path, "w") as f:
        f.write('{"format": "datadiver-saved-views", "version": 1, "views": []}')
        f.write(" " * (ddsv.MAX_FILE_BYTES + 1))
    with pytest.raises(ValueError, match=rf"is {os.path.getsize(path)} bytes; a saved-views file may have at most"):
        ddf.import_saved_views(ds, str(path))
    # an unknown version
    with pytest.raises(ValueError, match=r"has version 99; this library reads versions \[1\]"):
        ddf.import_saved_views(ds, _write(tmp_path / "v99.json", [], version=99))
    assert ds.list_saved_views() == []


def ddf_record_cap():
    from datadiver_fo.customize.view_records import MAX_RECORD_BYTES

    return MAX_RECORD_BYTES


def _plant(ds, name, stage_dicts):
    """Writes a view into the database behind FiftyOne's back, the way another
    process or a hand-edited database would."""
    ds.save_view(name, ds.limit(1))
    res = _db().views.update_one(
        {"_dataset_id": ds._doc.id, "name": name},
        {"$set": {"view_stages": [json_util.dumps(s) for s in stage_dicts]}},
    )
    assert res.modified_count == 1
    ds.reload()


def test_hostile_view_in_the_database_is_refused_by_every_loader(fresh_dataset, tmp_path, marker, target):
    ds = fresh_dataset
    _plant(ds, "innocent", [_stage("os.system", command=f"touch {marker}")])
    _plant(ds, "merger", [_stage("Match", filter={"corruption": "fog"}),
                          _stage("Mongo", pipeline=[{"$merge": {"into": target}}])])
    _plant(ds, "js", [_stage("Match", filter={"$expr": {"$function": {"body": "f", "args": [], "lang": "js"}}})])
    ds.save_view("fine", ds.match({"corruption": "fog"}))
    with pytest.raises(ValueError, match=r"Saved view 'innocent': stage 1 \(os\.system\) is not an allowed"):
        sg.load_saved_view(ds, "innocent")
    with pytest.raises(ValueError, match=r"Saved view 'merger': stage 2 \(fiftyone\.core\.stages\.Mongo\)"):
        sg.load_saved_view(ds, "merger")
    with pytest.raises(ValueError, match=r"Saved view 'js': .*uses \$function"):
        sg.load_saved_view(ds, "js")
    report = ddf.check_saved_views(ds)
    broken = {b["name"]: b["reason"] for b in report["broken"]}
    assert report["ok"] == ["fine"] and set(broken) == {"innocent", "merger", "js"}
    assert all(r.startswith("refused, not loaded: Saved view") for r in broken.values())
    assert "os.system" in broken["innocent"] and "Mongo" in broken["merger"]
    single = dds.check_saved_view(ds, "merger")
    assert single["ok"] is False and "Mongo" in single["error"]
    with pytest.raises(ValueError, match=r"Saved view 'innocent'.*Nothing was exported"):
        ddf.export_saved_views(ds, str(tmp_path / "out.json"))
    assert ddf.export_saved_views(ds, str(tmp_path / "out.json"), names=["fine"]) == ["fine"]
    assert len(sg.load_saved_view(ds, "fine")) == len(ds.match({"corruption": "fog"}))


def test_similarity_state_is_dropped_and_vector_bombs_refused():
    planted = _stage("SortBySimilarity", query="a dog", k=5, reverse=False, dist_field=None, brain_key="sim",
                     _state={"pipeline": [{"$merge": {"into": "x"}}]})
    cleaned = sg.validate_stage_dicts([planted], "sim")
    assert dict(cleaned[0]["kwargs"])["_state"] is None and dict(cleaned[0]["kwargs"])["query"] == "a dog"
    bomb = base64.b64encode(zlib.compress(b"\0" * (sg.MAX_VECTOR_BYTES + 1024))).decode("ascii")
    with pytest.raises(ValueError, match=r"'bomb': stage 1 .*query decompresses to more than"):
        sg.validate_stage_dicts([_stage("SortBySimilarity", query=bomb)], "bomb")
    # create_index would write an index on load: cleaned to False
    sort = sg.validate_stage_dicts([_stage("SortBy", field_or_expr="x", reverse=True, create_index=True)], "s")
    assert dict(sort[0]["kwargs"])["create_index"] is False
    with pytest.raises(ValueError, match=r"Saved view 'n': its stages must be a list, got dict"):
        sg.validate_stage_dicts({"_cls": STAGES + "Limit"}, "n")


def test_save_view_refuses_what_the_loader_would_refuse(fresh_dataset):
    ds = fresh_dataset
    with pytest.raises(ValueError, match=r"Saved view 'raw': stage 1 \(fiftyone\.core\.stages\.Mongo\)"):
        ddsv.save_view(ds, "raw", ds.mongo([{"$match": {"corruption": "fog"}}]))
    with pytest.raises(ValueError, match=r"provenance record of view 'fat' is \d+ bytes"):
        ddsv.save_view(ds, "fat", ds.limit(2), record={"notes": "x" * (ddf_record_cap() + 1)})
    with pytest.raises(ValueError, match=r"needs at least one letter or digit"):
        ddsv.save_view(ds, "!!!", ds.limit(2))
    assert ds.list_saved_views() == []
    assert ddsv.save_view(ds, "ok", ds.limit(2), record={"prompt": None}) == "ok"
    assert ddf.check_saved_views(ds)["ok"] == ["ok"]

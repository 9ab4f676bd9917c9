"""The view spec: validation against the dataset's vocabulary, compilation
to read-only stages, plain-English description."""
import re
import json
import uuid

import fiftyone as fo
from bson import json_util
import pytest

import datadiver_fo as ddf
from datadiver_fo.customize import viewspec as vs
import prompt_eval_set as pe


@pytest.fixture(scope="module")
def eval_ds():
    ds = pe.build_eval_dataset("dd-test-viewspec-" + uuid.uuid4().hex[:6], sources_per_class=1)
    yield ds
    ds.delete()


@pytest.fixture(scope="module")
def records(eval_ds):
    return pe.sample_records(eval_ds)


def _ids(records, pred):
    return {i for i, s in records.items() if pred(s)}


def test_normalize_fills_defaults_matches_spelling_and_is_idempotent(eval_ds):
    spec = vs.normalize_spec(
        eval_ds,
        {"include": {"classes": ["GOLDEN RETRIEVER"], "corruptions": ["Gaussian Noise"], "severities": [{"min": 4}]}},
    )
    assert spec["include"]["classes"] == ["golden retriever"]
    assert spec["include"]["corruptions"] == ["gaussian_noise"]
    assert spec["include"]["severities"] == [4, 5]
    assert spec["exclude"]["classes"] == [] and spec["limit"] is None and spec["version"] == 2
    assert spec["clauses"] == []
    assert vs.normalize_spec(eval_ds, spec) == spec


@pytest.mark.parametrize(
    "sev,expected",
    [("2-4", [2, 3, 4]), ({"max": 2}, [1, 2]), ({"min": 2, "max": 3}, [2, 3]), ([5, "3"], [5, 3])],
)
def test_severity_forms_are_expanded_to_lists(eval_ds, sev, expected):
    spec = vs.normalize_spec(eval_ds, {"include": {"severities": sev}})
    assert spec["include"]["severities"] == expected


@pytest.mark.parametrize(
    "spec,needle",
    [
        ({"include": {"classes": ["golden retreiver"]}}, "golden retriever"),
        ({"include": {"groups": ["dgo"]}}, "dog"),
        ({"include": {"corruptions": ["fogg"]}}, "fog"),
        ({"filters": [{"field": "ood_scor", "op": ">=", "value": 0.5}]}, "ood_score"),
        ({"sort": {"field": "uniquenes", "reverse": True}}, "uniqueness"),
        ({"include": {"colours": ["red"]}}, "colours"),
        ({"includ": {"classes": ["bee"]}}, "include"),
        ({"include": {"severities": [7]}}, "severity 7"),
        ({"filters": [{"field": "ood_score", "op": "~", "value": 1}]}, "op"),
        ({"filters": [{"field": "ood_score", "op": ">", "value": "high"}]}, "number"),
        ({"filters": [{"field": "label_issue", "op": ">", "value": True}]}, "boolean"),
        ({"limit": 0, "include": {"classes": ["bee"]}}, "limit"),
        ({"take": {"n": -3}}, "take.n"),
        ({"version": 3, "include": {"classes": ["bee"]}}, "version"),
        ({"clauses": [{"classes": ["beee"]}]}, "clauses[0]"),
        ({"clauses": [{"filters": [{"field": "ood_score", "min": 0.6, "max": 0.4}]}]}, "empty range"),
        ({"filters": [{"field": "ood_score"}]}, "must be a number"),
        ({"filters": [{"field": "ood_score", "min": None, "max": None}]}, "needs 'min', 'max'"),
        ({"filters": [{"field": "label_issue", "min": 0.2}]}, "numeric"),
        ({"filters": [{"field": "ood_score", "min": 0.2, "op": ">"}]}, "unknown key"),
        ({"similar_to": {"text": "a dog"}}, "similarity index"),
    ],
)
def test_invalid_specs_name_the_bad_piece(eval_ds, spec, needle):
    with pytest.raises(ValueError, match=re.escape(needle)):
        vs.normalize_spec(eval_ds, spec)


def test_empty_spec_selects_everything_only_when_asked(eval_ds):
    with pytest.raises(ValueError, match="whole dataset"):
        vs.compile_spec(eval_ds, {})
    with pytest.raises(ValueError, match="whole dataset"):
        vs.compile_spec(eval_ds, vs.empty_spec())
    assert len(vs.compile_spec(eval_ds, {}, allow_all=True)) == len(eval_ds)


def test_compile_class_set_is_ored_and_keys_are_anded(eval_ds, records):
    spec = {
        "include": {"classes": ["pizza"], "groups": ["dog"], "corruptions": ["fog", "snow"], "severities": [4, 5]},
        "exclude": {"classes": ["Chihuahua"], "severities": [5]},
    }
    view = vs.compile_spec(eval_ds, spec)
    expected = _ids(
        records,
        lambda s: (s["label"] == "pizza" or "dog" in s["hypernyms"])
        and s["corruption"] in ("fog", "snow")
        and s["severity"] == 4
        and s["label"] != "Chihuahua",
    )
    assert expected and set(view.values("id")) == expected


def test_exclude_removes_samples_matching_any_entry(eval_ds, records):
    view = vs.compile_spec(eval_ds, {"include": {"groups": ["animal"]}, "exclude": {"families": ["noise"], "corruptions": ["clean"]}})
    expected = _ids(records, lambda s: "animal" in s["hypernyms"] and s["family"] != "noise" and s["corruption"] != "clean")
    assert set(view.values("id")) == expected


def test_filters_sort_limit_and_take(eval_ds, records):
    view = vs.compile_spec(
        eval_ds,
        {"filters": [{"field": "ood_score", "op": ">=", "value": 0.7}, {"field": "label_issue", "op": "==", "value": False}],
         "sort": {"field": "ood_score", "reverse": True}, "limit": 7},
    )
    scores = view.values("ood_score")
    pool = sorted((s["ood_score"] for s in records.values() if s["ood_score"] >= 0.7 and s["label_issue"] is False), reverse=True)
    assert scores == pool[:7]
    t1 = vs.compile_spec(eval_ds, {"include": {"groups": ["dog"]}, "take": {"n": 5, "seed": 3}}).values("id")
    t2 = vs.compile_spec(eval_ds, {"include": {"groups": ["dog"]}, "take": {"n": 5, "seed": 3}}).values("id")
    t3 = vs.compile_spec(eval_ds, {"include": {"groups": ["dog"]}, "take": {"n": 5, "seed": 4}}).values("id")
    assert t1 == t2 and len(t1) == 5 and set(t1) != set(t3)
    assert set(t1) <= _ids(records, lambda s: "dog" in s["hypernyms"])


def test_exists_and_not_equal_leave_missing_values_out(eval_ds):
    ds = eval_ds.clone()
    try:
        first = ds.first()
        first["ood_score"] = None
        first.save()
        n_missing = len(vs.compile_spec(ds, {"filters": [{"field": "ood_score", "op": "exists", "value": False}]}))
        assert n_missing == 1
        ne = vs.compile_spec(ds, {"filters": [{"field": "ood_score", "op": "!=", "value": 0.123456}]})
        assert first.id not in set(ne.values("id"))
    finally:
        ds.delete()


def test_missing_labels_and_honor_exclusions(eval_ds, records):
    only = vs.compile_spec(eval_ds, {"missing_labels": "only"})
    assert set(only.values("id")) == _ids(records, lambda s: "missing_label" in s["tags"])
    assert len(only) > 0
    excl = vs.compile_spec(eval_ds, {"include": {"corruptions": ["fog"]}, "missing_labels": "exclude"})
    assert set(excl.values("id")) == _ids(records, lambda s: s["corruption"] == "fog" and "missing_label" not in s["tags"])

    ds = eval_ds.clone()
    try:
        fog = ds.match({"corruption": "fog"})
        marked = fog.limit(3).values("id")
        ds.add_sample_field("excluded", fo.BooleanField)
        ds.select(marked).set_values("excluded", [True] * 3)
        kept = vs.compile_spec(ds, {"include": {"corruptions": ["fog"]}})
        assert len(kept) == len(fog) - 3 and not set(marked) & set(kept.values("id"))
        assert len(vs.compile_spec(ds, {"include": {"corruptions": ["fog"]}, "honor_exclusions": False})) == len(fog)
    finally:
        ds.delete()


def test_compiled_views_use_only_read_only_stages(eval_ds):
    view = vs.compile_spec(
        eval_ds,
        {"include": {"groups": ["dog"]}, "take": {"n": 20}, "sort": {"field": "uniqueness", "reverse": False}, "limit": 5},
    )
    kinds = {type(s).__name__ for s in view._stages}
    assert kinds <= {"Match", "Take", "SortBy", "SortBySimilarity", "Limit"}
    assert kinds == {"Match", "Take", "SortBy", "Limit"}


def test_compile_on_a_view_narrows_that_view(eval_ds):
    base = eval_ds.match({"corruption": "fog"})
    view = vs.compile_spec(base, {"include": {"groups": ["dog"]}})
    assert set(view.values("corruption")) == {"fog"}
    assert all("dog" in h for h in view.values("hypernyms"))


def test_vocabulary_is_cached_and_refreshed_on_change(eval_ds):
    ds = eval_ds.clone()
    try:
        v1 = vs.vocabulary(ds)
        assert vs.vocabulary(ds) is v1
        with pytest.raises(ValueError, match="Unknown tag in include.tags: 'reviewed'"):
            vs.normalize_spec(ds, {"include": {"tags": ["reviewed"]}})
        ds.limit(2).tag_samples("reviewed")
        assert "reviewed" in vs.vocabulary(ds).tags
        assert len(vs.compile_spec(ds, {"include": {"tags": ["reviewed"]}})) == 2
    finally:
        ds.delete()


def test_describe_spec_reads_as_english(eval_ds):
    spec = vs.normalize_spec(
        eval_ds,
        {"include": {"groups": ["dog"], "corruptions": ["fog", "snow"], "severities": [3, 4, 5]},
         "exclude": {"corruptions": ["clean"]}, "sort": {"field": "ood_score", "reverse": True}, "limit": 50},
    )
    text = vs.describe_spec(spec)
    assert "any kind of dog" in text and "fog or snow" in text and "severity 3 to 5" in text
    assert "excluding" in text and "clean" in text and "highest first" in text and "50" in text


def test_sdk_exports(eval_ds):
    assert ddf.normalize_spec is vs.normalize_spec
    assert ddf.compile_spec is vs.compile_spec
    assert ddf.describe_spec is vs.describe_spec


def test_similar_to_sample_uses_the_similarity_index(eval_ds):
    import numpy as np
    import fiftyone.brain as fob

    from datadiver_fo.customize import prompt_parser as pp
    ds = eval_ds.match({"corruption": "fog"}).clone()
    try:
        emb = np.random.default_rng(0).normal(size=(len(ds), 8)).astype("float32")
        fob.compute_similarity(ds, embeddings=emb, brain_key="sim", backend="sklearn")
        query = ds.first().id
        view = vs.compile_spec(ds, {"similar_to": {"sample_ids": [query], "k": 5}})
        assert len(view) == 5 and view.first().id == query
        assert vs.normalize_spec(ds, {"similar_to": {"sample_ids": [query]}})["similar_to"]["brain_key"] == "sim"
        with pytest.raises(ValueError, match="text prompts"):
            vs.normalize_spec(ds, {"similar_to": {"text": "a dog"}})
        with pytest.raises(ValueError, match="brain_key"):
            vs.normalize_spec(ds, {"similar_to": {"sample_ids": [query], "brain_key": "nope"}})
        parsed = pp.parse_prompt(ds, f"dogs similar to sample {query}")
        assert parsed.spec["similar_to"]["sample_ids"] == [query]
        assert parsed.spec["include"]["groups"] == ["dog"]
    finally:
        ds.delete()


# --- spec version 2: unions, ranges, exclusions, migration, stage guard -----------------------

V1_SPEC = {  # as saved views' provenance records and exported files of version 1 hold it
    "version": 1,
    "include": {"classes": [], "wnids": [], "groups": ["dog"], "corruptions": ["fog", "snow"],
                "families": [], "severities": [4, 5], "tags": []},
    "exclude": {"classes": ["Chihuahua"], "wnids": [], "groups": [], "corruptions": [], "families": [],
                "severities": [], "tags": []},
    "filters": [{"field": "ood_score", "op": ">=", "value": 0.5}, {"field": "label_issue", "op": "==", "value": False}],
    "missing_labels": "include",
    "honor_exclusions": True,
    "sort": {"field": "ood_score", "reverse": True},
    "similar_to": None,
    "limit": 20,
    "take": None,
}


def test_version_1_specs_are_migrated_on_read(eval_ds, records):
    spec = vs.normalize_spec(eval_ds, V1_SPEC)
    assert spec["version"] == 2 and spec["clauses"] == []
    assert spec["include"]["groups"] == ["dog"] and spec["exclude"]["classes"] == ["Chihuahua"]
    assert spec["filters"] == [
        {"field": "ood_score", "min": 0.5, "max": None, "min_inclusive": True, "max_inclusive": True},
        {"field": "label_issue", "op": "==", "value": False},
    ]
    assert vs.normalize_spec(eval_ds, spec) == spec
    assert vs.migrate_spec(V1_SPEC)["version"] == 2 and V1_SPEC["version"] == 1  # input untouched
    view = vs.compile_spec(eval_ds, V1_SPEC)
    pool = [s for s in records.values() if "dog" in s["hypernyms"] and s["corruption"] in ("fog", "snow")
            and s["severity"] in (4, 5) and s["label"] != "Chihuahua" and s["ood_score"] >= 0.5
            and s["label_issue"] is False]
    expected = sorted((s["ood_score"] for s in pool), reverse=True)[:20]
    assert view.values("ood_score") == expected
    with pytest.raises(ValueError, match="version"):
        vs.migrate_spec({"version": "1"})


def test_clauses_are_a_union_inside_what_include_shares(eval_ds, records):
    spec = {
        "include": {"groups": ["dog"]},
        "clauses": [{"corruptions": ["fog"], "severities": [5]}, {"corruptions": ["snow"], "severities": [1]}],
    }
    view = vs.compile_spec(eval_ds, spec)
    expected = _ids(records, lambda s: "dog" in s["hypernyms"] and (
        (s["corruption"] == "fog" and s["severity"] == 5) or (s["corruption"] == "snow" and s["severity"] == 1)))
    assert expected and set(view.values("id")) == expected
    # one Match stage, with one $or over the clause queries
    stages = view._serialize(include_uuids=False)
    assert [st["_cls"].rsplit(".", 1)[-1] for st in stages] == ["Match"]
    assert '"$or"' in json.dumps(stages)


def test_clause_filters_and_ranges(eval_ds, records):
    spec = {"clauses": [
        {"filters": [{"field": "label_quality", "max": 0.2, "max_inclusive": False}]},
        {"filters": [{"field": "label_quality", "op": ">", "value": 0.9}]},
    ]}
    view = vs.compile_spec(eval_ds, spec)
    assert set(view.values("id")) == _ids(records, lambda s: s["label_quality"] < 0.2 or s["label_quality"] > 0.9)
    ranged = vs.compile_spec(eval_ds, {"filters": [{"field": "ood_score", "min": 0.4, "max": 0.6}]})
    assert set(ranged.values("id")) == _ids(records, lambda s: 0.4 <= s["ood_score"] <= 0.6)
    open_lo = vs.compile_spec(eval_ds, {"filters": [{"field": "ood_score", "min": 0.4, "min_inclusive": False,
                                                      "max": 0.6, "max_inclusive": False}]})
    assert set(open_lo.values("id")) == _ids(records, lambda s: 0.4 < s["ood_score"] < 0.6)


def test_clauses_canonical_form(eval_ds):
    # shared parts move to include; a clause that restricts nothing makes the union vacuous
    spec = vs.normalize_spec(eval_ds, {"clauses": [
        {"groups": ["dog"], "corruptions": ["fog"]}, {"groups": ["dog"], "corruptions": ["snow"], "severities": [5]}]})
    assert spec["include"]["groups"] == ["dog"]
    assert [c["corruptions"] for c in spec["clauses"]] == [["fog"], ["snow"]]
    assert vs.normalize_spec(eval_ds, spec) == spec
    spec = vs.normalize_spec(eval_ds, {"clauses": [{"corruptions": ["fog"]}, {"corruptions": ["fog"], "severities": [5]}]})
    assert spec["include"]["corruptions"] == ["fog"] and spec["clauses"] == []
    # a single clause with no key in common with include is include
    spec = vs.normalize_spec(eval_ds, {"include": {"groups": ["cat"]}, "clauses": [{"corruptions": ["frost"]}]})
    assert spec["include"]["corruptions"] == ["frost"] and spec["clauses"] == []
    assert not vs.selects_everything(spec)


@pytest.mark.parametrize(
    "exclude,pred",
    [
        ({"families": ["noise"]}, lambda s: s["family"] != "noise"),
        ({"families": ["weather"], "groups": ["cat"]},
         lambda s: s["family"] != "weather" and "cat" not in s["hypernyms"]),
    ],
)
def test_exclusions_by_family_and_group_apply_to_every_clause(eval_ds, records, exclude, pred):
    spec = {"clauses": [{"groups": ["dog"], "severities": [1]}, {"corruptions": ["fog", "snow"]}], "exclude": exclude}
    view = vs.compile_spec(eval_ds, spec)
    expected = _ids(records, lambda s: pred(s) and (
        ("dog" in s["hypernyms"] and s["severity"] == 1) or s["corruption"] in ("fog", "snow")))
    assert expected and set(view.values("id")) == expected
    # an exclusion alone is a restriction, not "everything"
    assert len(vs.compile_spec(eval_ds, {"exclude": exclude})) == len(_ids(records, pred))


@pytest.mark.parametrize(
    "spec",
    [
        V1_SPEC,
        {"clauses": [{"groups": ["dog"], "filters": [{"field": "ood_score", "min": 0.2, "max": 0.4}]},
                     {"classes": ["pizza"], "severities": [5]}],
         "exclude": {"families": ["noise"]}, "take": {"n": 30, "seed": 3}, "sort": {"field": "uniqueness"},
         "limit": 5},
        {"filters": [{"field": "label_issue", "op": "exists", "value": True}], "missing_labels": "only"},
    ],
)
def test_compiled_stages_pass_the_stage_guard(eval_ds, spec):
    from datadiver_fo.customize import stage_guard

    view = vs.compile_spec(eval_ds, spec)
    stages = view._serialize(include_uuids=False)
    cleaned = stage_guard.validate_stage_dicts(json.loads(json_util.dumps(stages)), "v2")
    assert len(cleaned) == len(stages)
    assert {st["_cls"].rsplit(".", 1)[-1] for st in stages} <= {"Match", "Take", "SortBy", "Limit"}


def test_describe_spec_explains_unions_ranges_exclusions_top_k_and_severity_words(eval_ds):
    spec = vs.normalize_spec(eval_ds, {
        "include": {"groups": ["dog"]},
        "clauses": [{"corruptions": ["fog"], "severities": [5]}, {"corruptions": ["snow"], "severities": [1, 2]}],
        "exclude": {"families": ["noise"], "groups": ["cat"]},
        "filters": [{"field": "ood_score", "min": 0.4, "max": 0.6}],
        "sort": {"field": "ood_score", "reverse": False}, "limit": 5,
    })
    text = vs.describe_spec(spec)
    assert "either (corruption fog and severity 5 (worst)) or (corruption snow and severity 1 or 2 (mild))" in text
    assert "excluding any with any kind of cat or with corruption family noise" in text
    assert "ood_score is between 0.4 and 0.6" in text
    assert "The 5 with the lowest ood_score" in text
    assert "severity 4 or 5 (heavy)" in vs.describe_spec({"include": {"severities": [4, 5]}})
    assert "below 0.2" in vs.describe_spec(vs.normalize_spec(eval_ds, {"filters": [
        {"field": "ood_score", "op": "<", "value": 0.2}]}))


def test_severity_word_table_is_the_documented_one():
    words = vs.SEVERITY_WORDS
    assert words["mildest"] == (1,) and words["worst"] == (5,) and words["highest severity"] == (5,)
    assert words["max severity"] == (5,) and words["light"] == words["mild"] == (1, 2)
    assert words["moderate"] == (3,) and words["heavy"] == words["severe"] == (4, 5)
    assert "mildest" in vs.__doc__ and "heavy, severe" in vs.__doc__


def test_vocabulary_values_equal_fiftyones_distinct(fresh_dataset):
    """The vocabulary's values (indexed fields from their index, the others
    from one $addToSet pass, list fields unwound) equal FiftyOne's own
    distinct() of each field, including a list field and a sample whose
    hypernyms and tags are edited by hand."""
    ds = fresh_dataset
    s = ds.first()
    s["hypernyms"] = ["a hand-made group"]
    s.tags.append("hand-tag")
    s.save()
    voc = vs.Vocabulary(ds)
    assert voc.groups == ds.distinct("hypernyms") and "a hand-made group" in voc.groups
    assert voc.tags == ds.distinct("tags") and "hand-tag" in voc.tags
    assert voc.wnids == ds.distinct("wnid") and voc.corruptions == ds.distinct("corruption")
    assert voc.families == ds.distinct("corruption_family")
    assert voc.severities == sorted(ds.distinct("severity"))
    assert set(voc.classes) >= set(ds.distinct("ground_truth.label"))

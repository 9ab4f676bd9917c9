"""The view spec: validation against the dataset's vocabulary, compilation
to read-only stages, plain-English description."""
import uuid

import fiftyone as fo
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
    assert spec["exclude"]["classes"] == [] and spec["limit"] is None and spec["version"] == 1
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
        ({"version": 2, "include": {"classes": ["bee"]}}, "version"),
        ({"similar_to": {"text": "a dog"}}, "similarity index"),
    ],
)
def test_invalid_specs_name_the_bad_piece(eval_ds, spec, needle):
    with pytest.raises(ValueError) as e:
        vs.normalize_spec(eval_ds, spec)
    assert needle in str(e.value)


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
        with pytest.raises(ValueError):
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

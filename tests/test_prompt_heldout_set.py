"""The held-out prompt set HELDOUT_V2 is well formed.

This checks the set, never the parser: the parser's accuracy on it is what
``benchmarks/bench_prompts_heldout.py`` reports.
"""
import collections
import uuid

import heldout_checks as hc
import prompt_eval_set as pe
import prompt_heldout_set as ph
import pytest


@pytest.fixture(scope="module")
def records():
    ds = ph.build_heldout_dataset("dd-test-heldout-" + uuid.uuid4().hex[:8])
    try:
        yield ph.sample_records(ds)
    finally:
        ds.delete()


def test_docstring_says_held_out():
    doc = ph.__doc__
    assert "2026-11-30" in doc and "never be used for" in doc and "prompt_eval_set.py" in doc


def test_size_forms_and_refusals():
    hc.check_size_and_forms(ph.HELDOUT_V2)
    hc.check_refusals_are_exactly_the_error_cases(ph.HELDOUT_V2)


def test_no_duplicates_and_no_overlap_with_the_tuning_set():
    hc.check_no_duplicates(ph.HELDOUT_V2)
    # Only UNSEEN counts as held out; the ISSUE_TEXT prompts were quoted in the
    # issue the parser was rewritten from, so tuning on them was allowed.
    assert ph.ISSUE_TEXT <= {p for p, _, _ in ph.HELDOUT_V2}
    unseen = {hc.norm(p) for p, _, _ in ph.UNSEEN}
    tuned = {hc.norm(p) for p, _ in pe.CASES + pe.HELDOUT} | {hc.norm(p) for p in pe.MUST_FAIL}
    overlap = sorted(unseen & tuned)
    assert not overlap, overlap
    counts = collections.Counter(form for _, form, _ in ph.UNSEEN)
    assert min(counts[f] for f in ph.FORMS) >= 10, counts


def test_wordnet_groups_come_from_the_data_file():
    # every class of the dataset is one of the 200 classes of the file
    assert set(ph.HELDOUT_CLASS_NAMES) <= set(ph.CLASS_WNID)
    assert len(set(ph.HELDOUT_CLASS_NAMES)) == len(ph.HELDOUT_CLASS_NAMES)
    # "automobiles" is the car synset, never the railway car
    fc, sc = ph.CLASS_WNID["freight car"], ph.CLASS_WNID["sports car"]
    assert ph.AUTOMOBILE in ph.ANCESTORS[sc] and ph.AUTOMOBILE not in ph.ANCESTORS[fc]
    assert ph.RAILWAY_CAR in ph.ANCESTORS[fc] and ph.RAILWAY_CAR not in ph.ANCESTORS[sc]
    rec = lambda name: {"wnid": ph.CLASS_WNID[name]}
    assert ph.DOGS(rec("Yorkshire terrier")) and not ph.DOGS(rec("tabby"))
    assert ph.VEHICLES(rec("school bus")) and ph.VEHICLES(rec("freight car"))
    assert ph.FOODS(rec("guacamole")) and not ph.FOODS(rec("teapot"))
    assert not ph.ANIMALS({"wnid": None})


def test_dataset_covers_what_the_prompts_need(records):
    rows = list(records.values())
    corruptions = {s["corruption"] for s in rows}
    assert len(corruptions - {"clean"}) == 19
    assert {s["severity"] for s in rows if s["corruption"] != "clean"} == {1, 2, 3, 4, 5}
    assert any("train" in s["tags"] for s in rows) and any("val" in s["tags"] for s in rows)
    assert sum(s["wnid"] is None for s in rows) >= 20
    assert {s["wnid"] for s in rows} - {None} == {ph.CLASS_WNID[n] for n in ph.HELDOUT_CLASS_NAMES}


def test_every_expectation_is_non_trivial(records):
    hc.check_non_trivial(ph.HELDOUT_V2, records, ph.expected)


def test_ambiguous_readings_really_differ(records):
    hc.check_ambiguous_readings_differ(ph.HELDOUT_V2, records, ph.expected)

"""The blind held-out prompt set HELDOUT_V4 is well formed.

The overlap with the tuning sets and the earlier held-out sets (HELDOUT_V2,
HELDOUT_V3, both used for tuning now) is computed here in code, so the author
of HELDOUT_V4 never had to read those lists.

This checks the set, never the parser: the parser's accuracy on it is what
``benchmarks/bench_prompts_heldout.py --set v4`` reports (run once, by the
lead, after the parser is final).
"""
import collections
import re
import uuid

import prompt_eval_set as pe
import prompt_heldout_set as ph
import prompt_heldout_v3 as v3
import prompt_heldout_v4 as v4
import pytest

MIN_CASES = 130
MIN_PER_FORM = 10


def _norm(prompt):
    return re.sub(r"\s+", " ", prompt.strip().lower())


@pytest.fixture(scope="module")
def records():
    ds = v4.build_heldout_dataset("dd-test-heldout-v4-" + uuid.uuid4().hex[:8])
    try:
        yield v4.sample_records(ds)
    finally:
        ds.delete()


def test_docstring_says_blind_and_held_out():
    doc = v4.__doc__
    assert "2026-11-30" in doc and "never be used for tuning" in doc
    assert "prompt_parser.py" in doc and "prompt_eval_set.py" in doc
    assert "HELDOUT_V2" in doc and "HELDOUT_V3" in doc


def test_size_and_forms():
    assert len(v4.HELDOUT_V4) >= MIN_CASES
    for case in v4.HELDOUT_V4:
        assert len(case) == 3, case
        prompt, form, _ = case
        assert isinstance(prompt, str) and prompt.strip(), case
        assert form in ph.FORMS, case
    counts = collections.Counter(form for _, form, _ in v4.HELDOUT_V4)
    for form in ph.FORMS:
        assert counts[form] >= MIN_PER_FORM, (form, counts[form])


def test_refusals_are_exactly_the_error_cases():
    for prompt, form, exp in v4.HELDOUT_V4:
        assert (form == "refuse") == (exp == "error"), prompt


def test_expectations_have_a_known_shape():
    for prompt, _, exp in v4.HELDOUT_V4:
        if isinstance(exp, str):
            assert exp == "error", prompt
        elif isinstance(exp, tuple):
            assert exp[0] in ("top", "any_of"), prompt
            if exp[0] == "top":
                _, pred, field, n, high = exp
                assert callable(pred) and field in ("ood_score", "label_quality", "uniqueness")
                assert isinstance(n, int) and n > 0 and isinstance(high, bool), prompt
            else:
                assert len(exp[1]) >= 2 and all(callable(e) for e in exp[1]), prompt
        else:
            assert callable(exp), prompt


def test_no_duplicates():
    prompts = [_norm(p) for p, _, _ in v4.HELDOUT_V4]
    dup = [p for p, c in collections.Counter(prompts).items() if c > 1]
    assert not dup, dup


def test_no_overlap_with_tuning_sets_or_earlier_heldout_sets():
    # HELDOUT_V2 and HELDOUT_V3 are used for tuning now, so they count as tuning sets here.
    mine = {_norm(p) for p, _, _ in v4.HELDOUT_V4}
    tuned = ({_norm(p) for p, _ in pe.CASES + pe.HELDOUT} | {_norm(p) for p in pe.MUST_FAIL}
             | {_norm(p) for p, _, _ in ph.HELDOUT_V2} | {_norm(p) for p in ph.ISSUE_TEXT}
             | {_norm(p) for p, _, _ in v3.HELDOUT_V3})
    overlap = sorted(mine & tuned)
    assert not overlap, overlap


def test_every_expectation_is_non_trivial(records):
    total = len(records)
    bad = []
    for prompt, _, exp in v4.HELDOUT_V4:
        readings = v4.expected(records, exp)
        if exp == "error":
            assert readings == []
            continue
        assert readings, prompt
        for kind, ids, n in readings:
            if kind == "top":
                _, pred, field, _, _ = exp
                pool = [s for s in records.values() if pred(s) and s[field] is not None]
                if not (0 < n < total and len(pool) >= n and len(ids) == n):
                    bad.append((prompt, "top", n, len(pool)))
            elif not (0 < len(ids) < total):
                bad.append((prompt, kind, len(ids), total))
    assert not bad, bad


def test_ambiguous_readings_really_differ(records):
    for prompt, _, exp in v4.HELDOUT_V4:
        if isinstance(exp, tuple) and exp[0] == "any_of":
            sets = [frozenset(ids) for _, ids, _ in v4.expected(records, exp)]
            assert len(set(sets)) == len(sets), prompt

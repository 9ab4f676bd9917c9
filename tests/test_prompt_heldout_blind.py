"""The blind held-out prompt sets HELDOUT_V3, HELDOUT_V4, HELDOUT_V5, HELDOUT_V6, HELDOUT_V7,
HELDOUT_V8, HELDOUT_V9 and HELDOUT_V10 are well formed.

Their overlap with the tuning sets and the earlier held-out sets (each used
for tuning once measured) is computed here in code, so the authors of the
blind sets never had to read those lists.

This checks the sets, never the parser: the parser's accuracy on them is what
``benchmarks/bench_prompts_heldout.py --set v3|v4|v5|v6|v7|v8|v9|v10`` reports (run once each,
after the parser round it measures).
"""
import uuid

import heldout_checks as hc
import prompt_eval_set as pe
import prompt_heldout_set as ph
import prompt_heldout_v3 as v3
import prompt_heldout_v4 as v4
import prompt_heldout_v5 as v5
import prompt_heldout_v6 as v6
import prompt_heldout_v7 as v7
import prompt_heldout_v8 as v8
import prompt_heldout_v9 as v9
import prompt_heldout_v10 as v10
import pytest

# name -> (module, cases, earlier held-out sets that count as tuning data)
SETS = {
    "v3": (v3, v3.HELDOUT_V3, [ph.HELDOUT_V2]),
    "v4": (v4, v4.HELDOUT_V4, [ph.HELDOUT_V2, v3.HELDOUT_V3]),
    "v5": (v5, v5.HELDOUT_V5, [ph.HELDOUT_V2, v3.HELDOUT_V3, v4.HELDOUT_V4]),
    "v6": (v6, v6.HELDOUT_V6, [ph.HELDOUT_V2, v3.HELDOUT_V3, v4.HELDOUT_V4, v5.HELDOUT_V5]),
    "v7": (v7, v7.HELDOUT_V7, [ph.HELDOUT_V2, v3.HELDOUT_V3, v4.HELDOUT_V4, v5.HELDOUT_V5,
                               v6.HELDOUT_V6]),
    "v8": (v8, v8.HELDOUT_V8, [ph.HELDOUT_V2, v3.HELDOUT_V3, v4.HELDOUT_V4, v5.HELDOUT_V5,
                               v6.HELDOUT_V6, v7.HELDOUT_V7]),
    "v9": (v9, v9.HELDOUT_V9, [ph.HELDOUT_V2, v3.HELDOUT_V3, v4.HELDOUT_V4, v5.HELDOUT_V5,
                               v6.HELDOUT_V6, v7.HELDOUT_V7, v8.HELDOUT_V8]),
    "v10": (v10, v10.HELDOUT_V10, [ph.HELDOUT_V2, v3.HELDOUT_V3, v4.HELDOUT_V4, v5.HELDOUT_V5,
                                   v6.HELDOUT_V6, v7.HELDOUT_V7, v8.HELDOUT_V8, v9.HELDOUT_V9]),
}


@pytest.fixture(scope="module")
def records():
    # V3 to V10 are written for the same dataset as V2
    assert (v3.build_heldout_dataset is v4.build_heldout_dataset is v5.build_heldout_dataset
            is v6.build_heldout_dataset is v7.build_heldout_dataset is v8.build_heldout_dataset
            is v9.build_heldout_dataset is v10.build_heldout_dataset is ph.build_heldout_dataset)
    ds = ph.build_heldout_dataset("dd-test-heldout-blind-" + uuid.uuid4().hex[:8])
    try:
        yield ph.sample_records(ds)
    finally:
        ds.delete()


def test_docstrings_say_blind_and_held_out():
    for mod, earlier in ((v3, ["HELDOUT_V2"]), (v4, ["HELDOUT_V2", "HELDOUT_V3"]),
                         (v5, ["HELDOUT_V2", "HELDOUT_V3", "HELDOUT_V4"]),
                         (v6, ["HELDOUT_V2", "HELDOUT_V3", "HELDOUT_V4", "HELDOUT_V5"]),
                         (v7, ["HELDOUT_V2", "HELDOUT_V3", "HELDOUT_V4", "HELDOUT_V5",
                               "HELDOUT_V6"]),
                         (v8, ["HELDOUT_V2", "HELDOUT_V3", "HELDOUT_V4", "HELDOUT_V5",
                               "HELDOUT_V6", "HELDOUT_V7"]),
                         (v9, ["HELDOUT_V2", "HELDOUT_V3", "HELDOUT_V4", "HELDOUT_V5",
                               "HELDOUT_V6", "HELDOUT_V7", "HELDOUT_V8"]),
                         (v10, ["HELDOUT_V2", "HELDOUT_V3", "HELDOUT_V4", "HELDOUT_V5",
                                "HELDOUT_V6", "HELDOUT_V7", "HELDOUT_V8", "HELDOUT_V9"])):
        doc = mod.__doc__
        assert "2026-11-30" in doc and "never be used for tuning" in doc
        assert "prompt_parser.py" in doc and "prompt_eval_set.py" in doc
        assert all(name in doc for name in earlier), mod.__name__


@pytest.mark.parametrize("name", sorted(SETS))
def test_size_forms_refusals_and_duplicates(name):
    _, cases, _ = SETS[name]
    hc.check_size_and_forms(cases)
    hc.check_refusals_are_exactly_the_error_cases(cases)
    hc.check_no_duplicates(cases)


@pytest.mark.parametrize("name", sorted(SETS))
def test_expectations_have_a_known_shape(name):
    _, cases, _ = SETS[name]
    for prompt, _, exp in cases:
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


@pytest.mark.parametrize("name", sorted(SETS))
def test_no_overlap_with_tuning_sets_or_earlier_heldout_sets(name):
    _, cases, earlier = SETS[name]
    mine = {hc.norm(p) for p, _, _ in cases}
    tuned = ({hc.norm(p) for p, _ in pe.CASES + pe.HELDOUT} | {hc.norm(p) for p in pe.MUST_FAIL}
             | {hc.norm(p) for p in ph.ISSUE_TEXT}
             | {hc.norm(p) for prior in earlier for p, _, _ in prior})
    overlap = sorted(mine & tuned)
    assert not overlap, overlap


@pytest.mark.parametrize("name", sorted(SETS))
def test_every_expectation_is_non_trivial(name, records):
    mod, cases, _ = SETS[name]
    hc.check_non_trivial(cases, records, mod.expected)


@pytest.mark.parametrize("name", sorted(SETS))
def test_ambiguous_readings_really_differ(name, records):
    mod, cases, _ = SETS[name]
    hc.check_ambiguous_readings_differ(cases, records, mod.expected)

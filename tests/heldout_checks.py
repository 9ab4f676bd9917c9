"""Well-formedness checks shared by the tests of every held-out prompt set
(HELDOUT_V2, V3, V4): they check a set, never the parser."""
import collections
import re

import prompt_heldout_set as ph

MIN_CASES = 130
MIN_PER_FORM = 10


def norm(prompt):
    """A prompt case- and space-normalised, for duplicate and overlap checks."""
    return re.sub(r"\s+", " ", prompt.strip().lower())


def check_size_and_forms(cases):
    assert len(cases) >= MIN_CASES
    for case in cases:
        assert len(case) == 3, case
        prompt, form, _ = case
        assert isinstance(prompt, str) and prompt.strip(), case
        assert form in ph.FORMS, case
    counts = collections.Counter(form for _, form, _ in cases)
    for form in ph.FORMS:
        assert counts[form] >= MIN_PER_FORM, (form, counts[form])


def check_refusals_are_exactly_the_error_cases(cases):
    for prompt, form, exp in cases:
        assert (form == "refuse") == (exp == "error"), prompt


def check_no_duplicates(cases):
    prompts = [norm(p) for p, _, _ in cases]
    dup = [p for p, c in collections.Counter(prompts).items() if c > 1]
    assert not dup, dup


def check_non_trivial(cases, records, expected):
    """Every expected set is non-empty and not all samples; every top-k pool
    holds at least n samples."""
    total = len(records)
    bad = []
    for prompt, _, exp in cases:
        readings = expected(records, exp)
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


def check_ambiguous_readings_differ(cases, records, expected):
    # an any_of must list distinct readings, or it hides nothing
    for prompt, _, exp in cases:
        if isinstance(exp, tuple) and exp[0] == "any_of":
            sets = [frozenset(ids) for _, ids, _ in expected(records, exp)]
            assert len(set(sets)) == len(sets), prompt

"""The public face: every name `datadiver_fo` exports resolves to a documented
function or class in the module the table names."""
import inspect

import datadiver_fo as ddf


def test_every_export_resolves_and_is_documented():
    missing, undocumented = [], []
    for name in ddf.__all__:
        if name == "__version__":
            continue
        try:
            obj = getattr(ddf, name)
        except AttributeError:
            missing.append(name)
            continue
        doc = inspect.getdoc(obj) or ""
        if len(doc) < 40:
            undocumented.append(name)
    assert missing == [], f"exported but not defined: {missing}"
    assert undocumented == [], f"public names without a real docstring: {undocumented}"


def test_unknown_name_is_a_clear_attribute_error():
    try:
        ddf.no_such_function
    except AttributeError as e:
        assert "no_such_function" in str(e)
    else:
        raise AssertionError("expected AttributeError")


def test_signatures_stay_compatible():
    """Every public function keeps the parameters recorded in
    public_api_signatures.json, in the same order, with the same defaults; a
    new parameter may only be added after them, with a default. (Regenerate
    the file only for a deliberate, documented break.)"""
    import json
    import os

    with open(os.path.join(os.path.dirname(__file__), "public_api_signatures.json")) as f:
        recorded = json.load(f)
    problems = []
    for name, sig_text in recorded.items():
        obj = getattr(ddf, name, None)
        if obj is None:
            problems.append(f"{name}: no longer exported")
            continue
        if sig_text is None:
            continue
        now = inspect.signature(obj)
        old_params = _params_from_text(sig_text.replace("<factory>", "factory"))
        new_params = list(now.parameters.values())
        for i, (pname, default_text) in enumerate(old_params):
            if i >= len(new_params) or new_params[i].name != pname:
                problems.append(f"{name}: parameter {i} was {pname!r}, now {new_params[i].name if i < len(new_params) else None!r}")
                break
            got = new_params[i].default
            got_text = None if got is inspect.Parameter.empty else repr(got)
            if default_text != got_text and not (default_text or "").startswith("<"):
                problems.append(f"{name}: default of {pname!r} was {default_text}, now {got_text}")
        for p in new_params[len(old_params):]:
            if p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                problems.append(f"{name}: new parameter {p.name!r} has no default")
    assert problems == [], problems


def _params_from_text(sig_text):
    """(name, repr of default or None) pairs from a signature's text, read
    with the ast module (the recorded file is data, never executed)."""
    import ast

    body = sig_text.split(") ->")[0] + ")" if ") ->" in sig_text else sig_text
    tree = ast.parse(f"def f{body}: pass")
    args = tree.body[0].args
    out = []
    positional = args.posonlyargs + args.args
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    for a, d in zip(positional, defaults):
        out.append((a.arg, None if d is None else _literal_repr(d)))
    if args.vararg:
        out.append(("*" + args.vararg.arg, None))
    for a, d in zip(args.kwonlyargs, args.kw_defaults):
        out.append((a.arg, None if d is None else _literal_repr(d)))
    return [(n.lstrip("*"), d) for n, d in out]


def _literal_repr(node):
    import ast

    try:
        return repr(ast.literal_eval(node))
    except ValueError:
        return "<" + ast.unparse(node) + ">"

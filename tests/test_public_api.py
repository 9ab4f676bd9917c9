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

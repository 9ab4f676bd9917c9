"""Layout rules that keep the sub-packages apart, checked by parsing every
module of ``datadiver_fo/`` and ``plugins/`` with ``ast`` (nothing is imported):

- no module uses another module's ``_private`` name, neither with
  ``from X import _name`` nor as ``X._name`` (what two modules share lives in
  ``datadiver_fo/internal/`` under a public name);
- FiftyOne's private storage (raw sample collections, bulk writes, the
  database connection, dataset documents, raw value reads) is reached only
  from ``datadiver_fo/internal/store.py``, which checks the FiftyOne version.
"""
import ast
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGES = ("datadiver_fo", "plugins")
STORE = os.path.join("datadiver_fo", "internal", "store.py")

# FiftyOne internals only internal/store.py may touch (attribute names and
# the `_raw=` keyword of `values`)
FIFTYONE_INTERNALS = {
    "_sample_collection", "_sample_collection_name", "_bulk_write", "_doc",
    "_ObjectId__id", "get_db_conn", "DatasetDocument", "_get_saved_view_doc",
    "_update_last_loaded_at", "_get_run_doc",
}


def _modules():
    """(relative path, dotted module name or None for plugin files) of every
    .py file under the checked packages."""
    out = []
    for pkg in PACKAGES:
        for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, pkg)):
            dirnames[:] = [d for d in dirnames if not d.startswith((".", "__pycache__"))]
            for f in sorted(filenames):
                if f.endswith(".py"):
                    rel = os.path.relpath(os.path.join(dirpath, f), ROOT)
                    out.append(rel)
    return sorted(out)


def _dotted(rel):
    """'datadiver_fo/enrich/ood.py' -> 'datadiver_fo.enrich.ood' (packages
    without the '.__init__')."""
    mod = rel[:-3].replace(os.sep, ".")
    return mod[: -len(".__init__")] if mod.endswith(".__init__") else mod


def _is_package(rel):
    return rel.endswith("__init__.py")


def _resolve(rel, node):
    """The absolute dotted module a ``from ... import`` names (relative
    imports resolved against the file ``rel``)."""
    if not node.level:
        return node.module or ""
    base = _dotted(rel).split(".")
    if not _is_package(rel):
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _ours(module):
    return module == "datadiver_fo" or module.startswith(("datadiver_fo.", "plugins.", "datadiver."))


def _is_module(dotted, root):
    """Whether ``dotted`` names a module or package file under ``root``."""
    parts = dotted.split(".")
    if parts[0] == "datadiver":  # the plugin, as FiftyOne imports it
        parts = ["plugins"] + parts
    path = os.path.join(root, *parts)
    return os.path.isfile(path + ".py") or os.path.isfile(os.path.join(path, "__init__.py"))


def _private(name):
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _violations(rel, root=ROOT):
    with open(os.path.join(root, rel), encoding="utf-8") as f:
        tree = ast.parse(f.read(), filename=rel)
    me = _dotted(rel)
    aliases = {}  # local name -> one of our modules (other than this one)
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if _ours(a.name) and a.name != me:
                    # `import a.b.c` binds `a`; `import a.b.c as x` binds x to a.b.c
                    aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            src = _resolve(rel, node)
            if not _ours(src) and not (node.level and src.startswith("plugins")):
                continue
            for a in node.names:
                full = f"{src}.{a.name}" if src else a.name
                if _is_module(full, root):  # a (sub)module, e.g. `from . import _common`
                    if full != me:
                        aliases[a.asname or a.name] = full
                    continue
                if _private(a.name) and src != me:
                    bad.append(f"{rel}:{node.lineno}: from {src} import {a.name}")
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and _private(node.attr)
                and isinstance(node.value, ast.Name) and node.value.id in aliases):
            bad.append(f"{rel}:{node.lineno}: {node.value.id}.{node.attr} "
                       f"({aliases[node.value.id]})")
    return bad


def _internals(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        tree = ast.parse(f.read(), filename=rel)
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in FIFTYONE_INTERNALS:
            bad.append(f"{rel}:{node.lineno}: .{node.attr}")
        elif isinstance(node, (ast.ImportFrom,)) and any(
                a.name in FIFTYONE_INTERNALS for a in node.names):
            bad.append(f"{rel}:{node.lineno}: import of {[a.name for a in node.names]}")
        elif isinstance(node, ast.Call) and any(k.arg == "_raw" for k in node.keywords):
            bad.append(f"{rel}:{node.lineno}: _raw= keyword")
    return bad


def test_checked_tree_is_found():
    mods = _modules()
    assert STORE in mods
    assert os.path.join("plugins", "datadiver", "__init__.py") in mods
    assert len(mods) > 40


def test_no_module_imports_another_modules_private_names():
    bad = [v for rel in _modules() for v in _violations(rel)]
    assert not bad, "private names used across modules:\n" + "\n".join(bad)


def test_only_store_touches_fiftyone_internals():
    bad = [v for rel in _modules() if rel != STORE for v in _internals(rel)]
    assert not bad, "FiftyOne internals outside internal/store.py:\n" + "\n".join(bad)


@pytest.mark.parametrize("source, expected", [
    ("from datadiver_fo.enrich.predictions import _l2norm\n", "from datadiver_fo.enrich.predictions import _l2norm"),
    ("from datadiver_fo.enrich import predictions as ddp\nddp._l2norm(1)\n", "ddp._l2norm"),
    ("import datadiver_fo.enrich.predictions as ddp\nddp._x\n", "ddp._x"),
    ("from ..enrich import predictions\npredictions._x\n", "predictions._x"),
])
def test_the_checker_catches_each_form(tmp_path, source, expected):
    """The checker itself flags every import form (a file written into a
    temporary tree laid out like ours)."""
    pkg = tmp_path / "datadiver_fo" / "curation"
    pkg.mkdir(parents=True)
    (tmp_path / "datadiver_fo" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    enrich = tmp_path / "datadiver_fo" / "enrich"
    enrich.mkdir()
    (enrich / "__init__.py").write_text("")
    (enrich / "predictions.py").write_text("def _l2norm(x):\n    return x\n")
    (pkg / "probe.py").write_text(source)
    bad = _violations(os.path.join("datadiver_fo", "curation", "probe.py"), root=str(tmp_path))
    assert len(bad) == 1 and expected in bad[0], bad

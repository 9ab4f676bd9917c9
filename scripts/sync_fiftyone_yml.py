"""Rewrites the `operators:` and `panels:` lists of fiftyone.yml from what the
plugin modules register (FiftyOne only registers names listed there).

Usage: .venv/bin/python scripts/sync_fiftyone_yml.py [--check]
"""
import importlib.util
import os
import re
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
YML = os.path.join(REPO, "fiftyone.yml")


def registered_names():
    """Returns (operator names, panel names) the plugin's register() adds."""
    import fiftyone.operators as foo

    path = os.path.join(REPO, "plugins", "datadiver", "__init__.py")
    spec = importlib.util.spec_from_file_location("datadiver_plugin_scan", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    if module.IMPORT_ERRORS:
        raise SystemExit(f"plugin modules failed to import: {module.IMPORT_ERRORS}")

    classes = []

    class _Collector:
        def register(self, cls):
            classes.append(cls)

    module.register(_Collector())
    ops, panels = [], []
    for cls in classes:
        name = cls(_builtin=False).config.name
        (panels if issubclass(cls, foo.Panel) else ops).append(name)
    return ops, panels


def render(text, ops, panels):
    def block(key, names):
        return f"{key}:\n" + "".join(f"  - {n}\n" for n in names) if names else f"{key}: []\n"

    text = re.sub(r"(?ms)^operators:.*?(?=^\S|\Z)", block("operators", ops), text)
    text = re.sub(r"(?ms)^panels:.*?(?=^\S|\Z)", block("panels", panels), text)
    return text


def main():
    ops, panels = registered_names()
    old = open(YML).read()
    new = render(old, ops, panels)
    if "--check" in sys.argv:
        if old != new:
            raise SystemExit("fiftyone.yml is out of date: run scripts/sync_fiftyone_yml.py")
        return
    with open(YML, "w") as f:
        f.write(new)
    print(f"fiftyone.yml: {len(ops)} operators, {len(panels)} panels")


if __name__ == "__main__":
    main()

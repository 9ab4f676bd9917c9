"""The plugin bundle as FiftyOne sees it: fiftyone.yml in sync with what the
modules register, every module importable, the CLI listing the bundle."""
import os
import subprocess
import sys

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_yml_lists_exactly_the_registered_operators():
    sys.path.insert(0, os.path.join(REPO, "scripts"))
    import sync_fiftyone_yml as sync

    ops, panels = sync.registered_names()
    meta = yaml.safe_load(open(os.path.join(REPO, "fiftyone.yml")))
    assert meta["name"] == "@datadiver/datadiver"
    assert sorted(meta["operators"]) == sorted(ops)
    assert sorted(meta.get("panels") or []) == sorted(panels)
    assert len(set(ops)) == len(ops)
    assert {"OPENAI_API_KEY", "OPENAI_BASE_URL"} <= set(meta["secrets"])


def test_every_operator_is_registered_in_fiftyone():
    import fiftyone.operators as foo

    meta = yaml.safe_load(open(os.path.join(REPO, "fiftyone.yml")))
    uris = {o.uri for o in foo.list_operators()}
    for name in meta["operators"] + (meta.get("panels") or []):
        assert f"@datadiver/datadiver/{name}" in uris, name


def test_cli_lists_the_bundle():
    env = dict(os.environ)
    cli = os.path.join(os.path.dirname(sys.executable), "fiftyone")
    out = subprocess.run([cli, "plugins", "list"], capture_output=True, text=True, env=env, timeout=300)
    assert "@datadiver/datadiver" in out.stdout, out.stderr[-2000:]
    ops = subprocess.run([cli, "operators", "list"], capture_output=True, text=True, env=env, timeout=300)
    assert "@datadiver/datadiver/load_tiny_imagenet_c" in ops.stdout

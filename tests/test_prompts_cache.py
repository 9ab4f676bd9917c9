"""The prompt preview cache (datadiver_fo.preview_prompt): preview then save
asks the LLM once, from Python, through the prompt_to_view operator and
through the panel; a changed prompt, setting, view or dataset asks again.
Against the real OpenAI-compatible HTTP server of tests/llm_server.py,
whose recorded requests are the LLM calls counted here."""
import uuid

import pytest
import fiftyone.operators as foo

import datadiver_fo as ddf
from datadiver_fo.customize import prompts as ddp
from datadiver_fo.customize.llm import LLMError
from datadiver_fo.customize.view_records import get_view_records

from llm_server import ScriptedServer
from test_llm import _spec

KEY = "sk-cache-" + uuid.uuid4().hex
HEAVY_FOG = _spec(include={"corruptions": ["fog"], "severities": [4, 5]})
TEXT = "heavy fog"


@pytest.fixture(scope="module")
def server():
    s = ScriptedServer()
    yield s
    s.close()


@pytest.fixture(autouse=True)
def _clean(monkeypatch):
    # each test starts with an empty store and no LLM settings in the environment
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "DATADIVER_LLM_MODEL"):
        monkeypatch.delenv(name, raising=False)
    ddp.forget_previews()
    yield
    ddp.forget_previews()


def _llm(server, **kw):
    return dict(llm="openai", base_url=server.url, api_key=KEY, model="test-model", timeout=5, **kw)


def _heavy_fog_ids(ds):
    return set(ds.match({"corruption": "fog", "severity": {"$in": [4, 5]}}).values("id"))


def test_preview_then_save_calls_the_llm_once(fresh_dataset, server):
    ds = fresh_dataset
    server.reset(("content", HEAVY_FOG))
    res = ddf.preview_prompt(ds, TEXT, **_llm(server))
    assert res.source == "openai" and res.llm_calls == 1 and len(server.requests) == 1
    assert set(res.view.values("id")) == _heavy_fog_ids(ds) != set()
    # the same preview again, then the save: no new request
    assert ddf.preview_prompt(ds, TEXT, **_llm(server)) is res
    name = ddf.save_prompt_view(ds, TEXT, name="fog llm", **_llm(server))
    assert len(server.requests) == 1
    assert set(ds.load_saved_view(name).values("id")) == _heavy_fog_ids(ds)
    rec = get_view_records(ds)[name]
    assert rec["source"] == "openai" and rec["model"] == "test-model" and rec["llm_calls"] == 1


def test_save_without_preview_calls_once_and_is_reused(fresh_dataset, server):
    ds = fresh_dataset
    server.reset(("content", HEAVY_FOG))
    ddf.save_prompt_view(ds, TEXT, name="a", **_llm(server))
    ddf.save_prompt_view(ds, TEXT, name="b", **_llm(server))
    assert len(server.requests) == 1
    assert set(ds.load_saved_view("b").values("id")) == _heavy_fog_ids(ds)


def test_a_change_of_prompt_settings_view_or_data_asks_again(fresh_dataset, server):
    ds = fresh_dataset
    server.reset(*[("content", HEAVY_FOG)] * 6)
    first = ddf.preview_prompt(ds, TEXT, **_llm(server))
    ddf.preview_prompt(ds, TEXT + "!", **_llm(server))  # another prompt
    assert len(server.requests) == 2
    other = dict(_llm(server), model="other-model")
    assert ddf.preview_prompt(ds, TEXT, **other).model == "other-model"  # another model
    assert server.requests[-1]["body"]["model"] == "other-model" and len(server.requests) == 3
    view = ds.match({"severity": 5})
    res = ddf.preview_prompt(view, TEXT, **_llm(server))  # another collection
    assert len(server.requests) == 4 and set(res.view.distinct("severity")) == {5}
    ds.take(1, seed=1).tag_samples("seen")  # the dataset changed
    assert ddf.preview_prompt(ds, TEXT, **_llm(server)) is not first
    assert len(server.requests) == 5
    ddf.preview_prompt(ds, TEXT, max_age=0, **_llm(server))  # too old
    assert len(server.requests) == 6
    # a changed key is not a changed setting: only whether one is set counts
    ddf.preview_prompt(ds, TEXT, **dict(_llm(server), api_key=KEY + "2"))
    assert len(server.requests) == 6


def test_failures_are_not_stored(fresh_dataset, server):
    ds = fresh_dataset
    server.reset(("status", 500, "boom"), ("content", HEAVY_FOG))
    with pytest.raises(LLMError, match="HTTP 500"):
        ddf.preview_prompt(ds, TEXT, max_retries=0, **_llm(server))
    res = ddf.preview_prompt(ds, TEXT, max_retries=0, **_llm(server))
    assert len(server.requests) == 2 and res.llm_calls == 1
    with pytest.raises(ValueError, match="The prompt is empty"):
        ddf.preview_prompt(ds, "  ", llm="offline")
    with pytest.raises(ValueError, match="llm must be one of"):
        ddf.preview_prompt(ds, TEXT, llm="gpt")


def test_offline_previews_are_stored_too_and_forgotten_per_dataset(fresh_dataset, mini_dataset, server):
    ds = fresh_dataset
    server.reset()
    res = ddf.preview_prompt(ds, "fog at least 4", llm="offline")
    assert res.source == "offline" and ddf.preview_prompt(ds, "fog at least 4", llm="offline") is res
    other = ddf.preview_prompt(mini_dataset, "fog at least 4", llm="offline")
    assert other is not res and server.requests == []
    assert ddp.forget_previews(ds) == 1
    assert ddf.preview_prompt(ds, "fog at least 4", llm="offline") is not res
    assert ddf.preview_prompt(mini_dataset, "fog at least 4", llm="offline") is other
    assert ddp.forget_previews() == 2


def test_prompt_engine(monkeypatch):
    assert ddp.prompt_engine("offline", api_key=KEY) == "offline"
    assert ddp.prompt_engine("openai") == "openai"
    assert ddp.prompt_engine("auto") == "offline"
    assert ddp.prompt_engine("auto", api_key=KEY) == "openai"
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    assert ddp.prompt_engine("auto") == "openai"
    with pytest.raises(ValueError, match="llm must be one of"):
        ddp.prompt_engine("claude")


def test_operator_preview_then_save_calls_the_llm_once(fresh_dataset, server, run_operator, monkeypatch):
    # the App path: the key comes from the plugin's secrets (env-backed in
    # open-source FiftyOne); the form previews, a later run saves
    ds = fresh_dataset
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    server.reset(("content", HEAVY_FOG))
    params = {"text": TEXT, "engine": "openai", "base_url": server.url, "model": "m", "preview": True}
    res = run_operator("prompt_to_view", ds, params=params)
    assert res.error is None, res.error
    assert res.result["llm_calls"] == 1 and res.result["saved_name"] is None
    res = run_operator("prompt_to_view", ds, params=dict(params, save=True, name="op fog"))
    assert res.error is None, res.error
    assert len(server.requests) == 1 and res.result["saved_name"] == "op fog"
    assert set(ds.load_saved_view("op fog").values("id")) == _heavy_fog_ids(ds)
    assert get_view_records(ds)["op fog"]["model"] == "m"


def test_panel_preview_then_save_calls_the_llm_once(fresh_dataset, server, monkeypatch):
    ds = fresh_dataset
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", server.url)
    monkeypatch.setenv("DATADIVER_LLM_MODEL", "panel-model")
    server.reset(("content", HEAVY_FOG))

    def panel(method, state):
        result = foo.execute_operator(
            "@datadiver/datadiver/datadiver_panel", dataset=ds,
            params={"panel_id": "p", "__method__": method, "panel_state": state},
        )
        result.raise_exceptions()
        return [r.to_json() for r in result.executor._requests]

    reqs = panel("on_preview", {"prompt": TEXT})
    preview = [r["params"]["state"]["preview"] for r in reqs if "preview" in (r["params"].get("state") or {})][0]
    assert preview["error"] is None and preview["count"] == len(_heavy_fog_ids(ds))
    # the Save-as box is "save_name_<n>" (a new box after each save empties it)
    panel("on_save", {"prompt": TEXT, "save_name_0": "panel fog"})
    assert len(server.requests) == 1 and server.requests[0]["body"]["model"] == "panel-model"
    assert set(ds.load_saved_view("panel fog").values("id")) == _heavy_fog_ids(ds)

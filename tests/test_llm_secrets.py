"""Secrets on the LLM path, against a real OpenAI-compatible HTTP server on
127.0.0.1 (tests/llm_server.py; no mocked client): the API key and a
password in the base URL never reach a log line (every logger involved at
DEBUG, stderr too), an exception (its whole chain), a request they were not
meant for, or the database (saved views and their provenance)."""
import json
import logging
import traceback
import uuid

import pytest

import datadiver_fo as ddf
from datadiver_fo.customize import llm as ddl
from datadiver_fo.customize import viewspec as vs
from datadiver_fo.customize.view_records import get_view_records

import prompt_eval_set as pe
from llm_server import ScriptedServer
from test_llm import DOGS_FOG, _spec

KEY = "sk-secret-" + uuid.uuid4().hex
PASSWORD = "pw-" + uuid.uuid4().hex
# the loggers of this package, the OpenAI client and its HTTP stack (openai
# >= 3 ships its own httpx2 / httpcore2)
LOGGERS = ("datadiver_fo", "openai", "httpx", "httpcore", "httpx2", "httpcore2")


@pytest.fixture(scope="module")
def server():
    s = ScriptedServer()
    yield s
    s.close()


@pytest.fixture(scope="module")
def eval_ds():
    ds = pe.build_eval_dataset("dd-test-llm-secrets-" + uuid.uuid4().hex[:6], sources_per_class=1,
                               classes=["Chihuahua", "golden retriever", "tabby", "pizza"])
    yield ds
    ds.delete()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "DATADIVER_LLM_MODEL"):
        monkeypatch.delenv(name, raising=False)


class _Lines(logging.Handler):
    """Every record formatted with its traceback, as a log file would hold it."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def logs(caplog):
    """All of LOGGERS at DEBUG, captured by caplog (through the root logger)
    and by a handler of our own on each (in case one stops propagating)."""
    caplog.set_level(logging.DEBUG)
    handler = _Lines()
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
        logging.getLogger(name).addHandler(handler)
    yield lambda: handler.lines + [caplog.text] + [r.getMessage() for r in caplog.records]
    for name in LOGGERS:
        logging.getLogger(name).removeHandler(handler)


def _chain(e):
    """The text of an exception and of everything chained to it."""
    out, seen, todo = ["".join(traceback.format_exception(e))], set(), [e]
    while todo:
        x = todo.pop()
        if x is None or id(x) in seen:
            continue
        seen.add(id(x))
        out += [str(x), repr(x), repr(getattr(x, "args", ""))]
        todo += [x.__cause__, x.__context__]
    return "\n".join(out)


def _database_text(ds):
    """Every document of the database but other datasets' samples, as text."""
    import fiftyone.core.odm as foo

    db = foo.get_db_conn()
    own = ds._sample_collection_name
    chunks = []
    for name in db.list_collection_names():
        if name.startswith(("samples.", "frames.")) and name != own:
            continue
        chunks += [str(doc) for doc in db[name].find({})]
    return "\n".join(chunks)


def _assert_clean(secrets, *texts):
    for secret in secrets:
        for text in texts:
            assert secret not in str(text)


def _llm(ds, server, text="dogs in heavy fog", **kw):
    kw.setdefault("timeout", 5)
    kw.setdefault("api_key", KEY)
    kw.setdefault("base_url", server.url)
    return ddl.llm_spec(ds, text, model="test-model", **kw)


def test_credentials_in_the_base_url_are_refused_before_any_request(eval_ds, server, logs, capfd,
                                                                       monkeypatch):
    host = server.url.split("://")[1].split("/")[0]
    bad = {
        f"http://user:{PASSWORD}@{host}/v1": "carries credentials",
        f"http://{PASSWORD}@{host}/v1": "carries credentials",
        f"http://:{PASSWORD}@{host}/v1": "carries credentials",
        f"http://{host}/v1?api_key={PASSWORD}": "query string",
        f"http://{host}/v1#{PASSWORD}": "query string or fragment",
        f"ftp://{host}/{PASSWORD}": "must be an http",
        f"http://{host}:{PASSWORD}/v1": "not a valid URL",
        f"http://[{PASSWORD}/v1": "not a valid URL",
    }
    errors = []
    for url, why in bad.items():
        server.reset(("content", DOGS_FOG))
        with pytest.raises(ValueError, match=why) as e:
            _llm(eval_ds, server, base_url=url)
        errors.append(_chain(e.value))
        assert server.requests == []
    assert f"use http://{host}/v1" in errors[0]  # the message shows where to point instead
    with pytest.raises(ValueError, match="base_url carries credentials") as e:
        ddl.resolve_settings(base_url=f"https://user:{PASSWORD}@api.example.com/v1")
    errors.append(_chain(e.value))

    # from the environment, through the public functions
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://user:{PASSWORD}@{host}/v1")
    with pytest.raises(ValueError, match="OPENAI_BASE_URL carries credentials") as e:
        ddf.text_to_view(eval_ds, "dogs in heavy fog", llm="auto", api_key=KEY)
    errors.append(_chain(e.value))
    with pytest.raises(ValueError, match="OPENAI_BASE_URL carries credentials") as e:
        ddf.save_prompt_view(eval_ds, "dogs in heavy fog", name="pw dogs", llm="openai", api_key=KEY)
    errors.append(_chain(e.value))
    assert server.requests == [] and not eval_ds.has_saved_view("pw dogs")
    assert "pw dogs" not in get_view_records(eval_ds)

    out, err = capfd.readouterr()
    _assert_clean([PASSWORD, KEY], *errors, *logs(), out, err, _database_text(eval_ds))


def test_no_log_line_error_or_record_carries_the_key(eval_ds, server, logs, capfd):
    errors = []
    # the happy path, saved with provenance
    server.reset(("content", DOGS_FOG))
    name = ddf.save_prompt_view(eval_ds, "dogs in heavy fog", name="key dogs", llm="openai",
                                base_url=server.url, api_key=KEY, model="m", timeout=5)
    assert server.requests[0]["auth"] == f"Bearer {KEY}"  # the key does go where it belongs
    record = get_view_records(eval_ds)[name]
    assert record["endpoint"] == server.url.split("://")[1].split("/")[0]
    description = eval_ds.get_saved_view_info(name)["description"]

    # a garbage reply quoting the key: repaired, and the repair does not send it back
    server.reset(("content", f"I am not JSON, {KEY}"), ("content", DOGS_FOG))
    spec, info = _llm(eval_ds, server)
    assert info["repaired"] and info["llm_calls"] == 2
    _assert_clean([KEY], json.dumps(server.requests[1]["body"]["messages"]))

    # retries, then the endpoint keeps failing / refuses / echoes the key / is too slow
    server.reset(("status", 429, f"slow down {KEY}", {"retry-after": "0.05"}), ("content", DOGS_FOG))
    assert _llm(eval_ds, server)[1]["llm_calls"] == 2
    server.reset(*[("status", 500, f"boom {KEY}")] * 2)
    with pytest.raises(ddl.LLMError, match="failed after 2 attempt") as e:
        _llm(eval_ds, server, max_retries=1)
    errors.append(_chain(e.value))
    server.reset(("status", 401, f"Incorrect API key provided: {KEY}"))
    with pytest.raises(ddl.LLMError, match=r"HTTP 401: .*Incorrect API key provided: \*\*\*") as e:
        _llm(eval_ds, server)
    errors.append(_chain(e.value))
    server.reset(("content", json.dumps({"include": KEY})), ("content", f"[\"{KEY}\"]"))
    with pytest.raises(ValueError, match="after one repair") as e:
        _llm(eval_ds, server)
    errors.append(_chain(e.value))
    assert "***" in str(e.value)
    server.reset(("sleep", 1.0, DOGS_FOG))
    with pytest.raises(ddl.LLMError, match="APITimeoutError") as e:
        _llm(eval_ds, server, timeout=0.3, max_retries=0)
    errors.append(_chain(e.value))

    lines = logs()
    # the capture works: the HTTP stack's own INFO / DEBUG lines are in it
    assert any("HTTP Request: POST" in line for line in lines)
    assert any("httpcore" in line and "send_request_headers" in line for line in lines)
    out, err = capfd.readouterr()
    _assert_clean([KEY], *errors, *lines, out, err, json.dumps(record), description,
                  _database_text(eval_ds))


def test_errors_have_no_chained_client_exception(eval_ds, server):
    server.reset(("status", 401, "no"))
    with pytest.raises(ddl.LLMError, match="HTTP 401") as e:
        _llm(eval_ds, server)
    assert e.value.__cause__ is None and e.value.__context__ is None
    server.reset(("content", "nope"), ("content", "still nope"))
    with pytest.raises(ValueError, match="after one repair") as e:
        _llm(eval_ds, server)
    assert e.value.__cause__ is None and e.value.__context__ is None


def test_a_reply_or_prompt_with_the_key_is_never_saved(eval_ds, server, logs, capfd):
    field = next(f for f, k in sorted(vs.vocabulary(eval_ds).fields.items()) if k == "string")
    echo = _spec(include={"classes": ["pizza"]}, filters=[{"field": field, "op": "!=", "value": KEY}])
    server.reset(("content", echo), ("content", echo))
    with pytest.raises(ValueError, match="the reply contains the API key") as e:
        ddf.save_prompt_view(eval_ds, "pizza", name="echo", llm="openai", base_url=server.url,
                             api_key=KEY, timeout=5)
    assert len(server.requests) == 2  # one repair, then refused
    errors = [_chain(e.value)]
    # a key pasted into the prompt: refused before any request
    server.reset(("content", DOGS_FOG))
    with pytest.raises(ValueError, match="The prompt contains the API key") as e:
        ddf.save_prompt_view(eval_ds, f"dogs {KEY}", name="pasted", llm="openai", base_url=server.url,
                             api_key=KEY, timeout=5)
    errors.append(_chain(e.value))
    assert server.requests == []
    assert not eval_ds.has_saved_view("echo") and not eval_ds.has_saved_view("pasted")
    assert {"echo", "pasted"}.isdisjoint(get_view_records(eval_ds))
    out, err = capfd.readouterr()
    _assert_clean([KEY], *errors, *logs(), out, err, _database_text(eval_ds))


def test_keys_a_header_cannot_carry_are_refused_unechoed(eval_ds, server, logs, capfd, monkeypatch):
    # surrounding whitespace (a key read from a file) is dropped
    server.reset(("content", DOGS_FOG))
    _llm(eval_ds, server, api_key=f"  {KEY}\n")
    assert server.requests[0]["auth"] == f"Bearer {KEY}"
    monkeypatch.setenv("OPENAI_API_KEY", f"{KEY}\r\n")
    server.reset(("content", DOGS_FOG))
    _llm(eval_ds, server, api_key=None)
    assert server.requests[0]["auth"] == f"Bearer {KEY}"

    # inside the key, the HTTP stack would quote it in its error and debug log
    half = len(KEY) // 2
    errors = []
    for bad in (KEY[:half] + "\n" + KEY[half:], KEY[:half] + " " + KEY[half:], KEY + "\u00e9"):
        server.reset(("content", DOGS_FOG))
        with pytest.raises(ValueError, match="api_key contains spaces, control or non-ASCII") as e:
            _llm(eval_ds, server, api_key=bad)
        errors.append(_chain(e.value))
        assert server.requests == []
    monkeypatch.setenv("OPENAI_API_KEY", KEY[:half] + "\n" + KEY[half:])
    with pytest.raises(ValueError, match="OPENAI_API_KEY contains spaces") as e:
        _llm(eval_ds, server, api_key=None)
    errors.append(_chain(e.value))
    out, err = capfd.readouterr()
    _assert_clean([KEY[:half], KEY[half:]], *errors, *logs(), out, err)


def test_placeholder_keys_of_local_servers_are_not_redacted_everywhere(eval_ds, server):
    # "x"-style keys are not secrets: messages keep their letters
    server.reset(("status", 400, "bad model name"))
    with pytest.raises(ddl.LLMError, match="bad model name"):
        _llm(eval_ds, server, api_key="a")
    assert ddl._redact("a banana", "a") == "a banana"
    assert ddl._redact(f"x {KEY} y", KEY) == "x *** y"
    assert ddl._redact("k" * 600 + KEY, KEY, limit=603) == "k" * 600 + "***"

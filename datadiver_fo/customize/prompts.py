"""Plain-language prompt -> FiftyOne view, and saved prompt views.

Two engines produce the same :mod:`datadiver_fo.customize.viewspec` spec: the offline
deterministic parser (:mod:`datadiver_fo.customize.prompt_parser`) and one call to an
OpenAI-compatible LLM (:mod:`datadiver_fo.customize.llm`). The spec is then compiled to
read-only stages and explained in plain English, so the user sees exactly
what was understood before saving anything. :func:`preview_prompt` keeps
that preview, so saving it (:func:`save_prompt_view`) does not ask the LLM
again.

Saved prompt views carry their provenance in two places:

-   the saved view's description (explanation, prompt, engine/model, user,
    time), visible in the App's saved-view list;
-   a provenance record
    (:func:`datadiver_fo.customize.view_records.get_view_records`): ``prompt``, ``spec``,
    ``explanation``, ``source`` (``"offline"``/``"openai"``), ``model``,
    ``endpoint`` (host of the base URL), ``user`` (env ``USER``),
    ``created_at`` (UTC ISO), ``llm_calls``, ``warnings``.
    :mod:`datadiver_fo.customize.saved_views` exports, imports and re-checks views
    with it.

Records are stored by :mod:`datadiver_fo.customize.view_records` (a side
collection, one document per view).
"""
import collections
import datetime
import re
import threading
import time

from datadiver_fo.internal import schema as sch
from datadiver_fo.internal import store
from datadiver_fo.internal.provenance import user_name
from datadiver_fo.customize import viewspec as vs
from datadiver_fo.customize.llm import choose_engine, llm_spec, resolve_settings
from datadiver_fo.customize.saved_views import check_view_name, save_view
# Record storage moved to view_records (it was here); kept importable from
# this module for callers of earlier versions.
from datadiver_fo.customize.view_records import (
    INFO_KEY as INFO_KEY,
    MAX_RECORD_BYTES as MAX_RECORD_BYTES,
    RECORDS_KIND as RECORDS_KIND,
    get_view_records as get_view_records,
    record_json as record_json,
    set_view_record as set_view_record,
)



class PromptResult:
    """What a prompt turned into.

    Attributes:
        text: the prompt
        view: the FiftyOne view (read-only stages)
        spec: the normalised view spec (JSON-serialisable dict)
        explanation: plain-English description of the spec
        warnings: list of strings: notes on how words were read (a typo, a
            WordNet or slang word read as a class or group, a repaired LLM
            reply); never dropped meaning (a word that is not understood is
            an error)
        llm_calls: HTTP calls made to an LLM (0 offline, 1 on the happy path)
        source: ``"offline"`` or ``"openai"``
        model: the LLM model name, or None offline
        base_url: the LLM endpoint, or None
        seconds: wall time of the translation and compilation
    """

    def __init__(self, text, view, spec, explanation, warnings, llm_calls, source, model=None,
                 base_url=None, seconds=None):
        self.text = text
        self.view = view
        self.spec = spec
        self.explanation = explanation
        self.warnings = list(warnings)
        self.llm_calls = llm_calls
        self.source = source
        self.model = model
        self.base_url = base_url
        self.seconds = seconds

    def to_dict(self):
        """The result without the view, JSON-serialisable."""
        return {
            "text": self.text,
            "spec": self.spec,
            "explanation": self.explanation,
            "warnings": self.warnings,
            "llm_calls": self.llm_calls,
            "source": self.source,
            "model": self.model,
        }

    def __repr__(self):
        return f"PromptResult(source={self.source!r}, explanation={self.explanation!r}, warnings={self.warnings!r})"


def text_to_view(
    dataset,
    text,
    llm="auto",
    model=None,
    base_url=None,
    api_key=None,
    timeout=20,
    max_retries=2,
    allow_all=False,
):
    """Turns a plain-language prompt into a FiftyOne view.

    Args:
        dataset: a FiftyOne dataset or view; the result is a view of it
        text: the prompt, e.g. ``"dogs and cats under heavy fog or snow, but
            no clean images"``
        llm ("auto"): ``"offline"`` (deterministic parser, no network),
            ``"openai"`` (one call to an OpenAI-compatible endpoint) or
            ``"auto"`` (the LLM when an API key is given or env
            ``OPENAI_API_KEY`` is set, else offline)
        model (None): LLM model; default env ``DATADIVER_LLM_MODEL`` or
            ``gpt-4o-mini``
        base_url (None): OpenAI-compatible endpoint (Ollama, vLLM...);
            default env ``OPENAI_BASE_URL``
        api_key (None): default env ``OPENAI_API_KEY``; never logged or stored
        timeout (20): seconds per LLM HTTP request
        max_retries (2): LLM retries on 429 / 5xx / timeouts
        allow_all (False): accept a prompt that selects the whole dataset

    Returns:
        a :class:`PromptResult` (``.view``, ``.spec``, ``.explanation``,
        ``.warnings``, ``.llm_calls``, ``.source``)

    Raises:
        ValueError: empty prompt, a word the offline parser does not
            understand or an unknown class / field / value (quoted, with
            suggestions), a prompt that selects nothing recognisable, an
            invalid LLM reply after one repair, or a bad ``llm`` choice
        datadiver_fo.customize.llm.LLMError: the LLM endpoint kept failing
    """
    settings = resolve_settings(model, base_url, api_key, llm=llm, timeout=timeout, max_retries=max_retries)
    return _run_prompt(dataset, text, settings, allow_all)


def _run_prompt(dataset, text, settings, allow_all):
    """:func:`text_to_view` with its LLM arguments resolved once into an
    :class:`datadiver_fo.customize.llm.LLMSettings`."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("The prompt is empty; describe the samples you want, e.g. 'dogs in heavy fog'")
    start = time.perf_counter()
    source = settings.engine
    warnings = []
    model_used, base_used, calls = None, None, 0
    if source == "offline":
        from datadiver_fo.customize.prompt_parser import parse_prompt

        parsed = parse_prompt(dataset, text, allow_all=allow_all)
        spec, warnings = parsed.spec, parsed.warnings
    else:
        spec, info = llm_spec(dataset, text, allow_all=allow_all, settings=settings)
        calls, model_used, base_used = info["llm_calls"], info["model"], info["base_url"]
        if info["repaired"]:
            warnings.append("the first LLM reply was invalid and was repaired once")
    view = vs.compile_spec(dataset, spec, allow_all=True)
    return PromptResult(
        text, view, spec, vs.describe_spec(spec), warnings, calls, source, model=model_used,
        base_url=base_used, seconds=time.perf_counter() - start,
    )


# --- preview cache ------------------------------------------------------------------
# A prompt is previewed (App form, panel, notebook) before it is run or saved.
# The preview is kept in this process so that the LLM is called once per
# prompt: a later preview_prompt / save_prompt_view with the same prompt,
# collection, dataset state and LLM settings returns the stored result.
PREVIEW_TTL = 600.0  # seconds a stored preview stays reusable
PREVIEW_MAX = 64  # previews kept; the oldest stored goes first
_PREVIEWS = collections.OrderedDict()  # key -> (monotonic time, vocabulary state, PromptResult)
_PREVIEWS_LOCK = threading.Lock()


def prompt_engine(llm="auto", api_key=None):
    """The engine :func:`text_to_view` sends a prompt to.

    Args:
        llm ("auto"): ``"auto"``, ``"openai"`` or ``"offline"``
        api_key (None): the key that would be passed (str or None); with
            ``"auto"`` the environment's ``OPENAI_API_KEY`` counts too

    Returns:
        ``"openai"`` for ``llm="openai"``, or ``"auto"`` with a key given or
        set in the environment; else ``"offline"``

    Raises:
        ValueError: ``llm`` is not one of the three choices
    """
    return choose_engine(llm, api_key)


def _preview_key(samples, text, settings, allow_all):
    from bson import json_util
    from fiftyone.core.view import DatasetView

    # a view's stages are part of the key: the spec is compiled on that view
    stages = json_util.dumps(samples._serialize(include_uuids=False)) if isinstance(samples, DatasetView) else None
    # identity(): whether a key is set, never the key itself
    return (store.dataset_id(samples), stages, text, bool(allow_all)) + settings.identity()


def _vocabulary_state(vocab):
    """A vocabulary's public values as one comparable tuple. A spec depends on
    them only (edits that leave them alone, such as saving a view, keep a
    preview valid; a new tag, class or field does not)."""
    out = []
    for name, value in sorted(vars(vocab).items()):
        if name.startswith("_"):  # lookups derived from the public values
            continue
        if isinstance(value, dict):
            value = tuple(sorted(value.items(), key=repr))
        elif isinstance(value, (list, set)):
            value = tuple(value)
        out.append((name, value))
    return tuple(out)


def preview_prompt(
    dataset,
    text,
    llm="auto",
    model=None,
    base_url=None,
    api_key=None,
    timeout=20,
    max_retries=2,
    allow_all=False,
    max_age=PREVIEW_TTL,
):
    """:func:`text_to_view`, reusing the result of an earlier identical call.

    A result is reused when the prompt text, the collection (dataset id and,
    for a view, its stages), the dataset's vocabulary (everything a spec may
    name: classes, WordNet groups, corruptions, severities, tags, fields,
    similarity indexes; see :func:`datadiver_fo.customize.viewspec.vocabulary`),
    ``allow_all`` and the LLM settings (engine,
    model, endpoint, whether a key is set; never the key itself) are the same,
    and it is at most ``max_age`` seconds old. Previews live in this process
    only (at most :data:`PREVIEW_MAX`). :func:`save_prompt_view` reads the
    same store, so preview then save calls the LLM once.

    Args:
        dataset: a FiftyOne dataset or view; the result is a view of it
        text: the prompt (str)
        llm, model, base_url, api_key, timeout, max_retries, allow_all: see
            :func:`text_to_view`
        max_age (600): seconds a stored preview may be reused; 0 always
            computes anew (and stores the new result)

    Returns:
        a :class:`PromptResult`: the stored object itself when reused (its
        ``llm_calls`` counts the calls made when it was computed)

    Raises:
        ValueError, datadiver_fo.customize.llm.LLMError: as
        :func:`text_to_view`; a failure is not stored, the next call tries
        again
    """
    settings = resolve_settings(model, base_url, api_key, llm=llm, timeout=timeout, max_retries=max_retries)
    return _preview(dataset, text, settings, allow_all, max_age)


def _preview(dataset, text, settings, allow_all, max_age):
    """:func:`preview_prompt` with its LLM arguments resolved once
    (:func:`datadiver_fo.customize.llm.resolve_settings`)."""
    key = _preview_key(dataset, text, settings, allow_all)
    state = _vocabulary_state(vs.vocabulary(dataset))
    now = time.monotonic()
    with _PREVIEWS_LOCK:
        hit = _PREVIEWS.get(key)
        if hit is not None and now - hit[0] < max_age and hit[1] == state:
            return hit[2]
    result = _run_prompt(dataset, text, settings, allow_all)
    with _PREVIEWS_LOCK:
        _PREVIEWS.pop(key, None)
        _PREVIEWS[key] = (now, state, result)
        while len(_PREVIEWS) > PREVIEW_MAX:
            _PREVIEWS.popitem(last=False)
    return result


def forget_previews(dataset=None):
    """Drops stored previews (see :func:`preview_prompt`).

    Args:
        dataset (None): a FiftyOne dataset or view: only its dataset's
            previews are dropped; None drops all

    Returns:
        the number of previews dropped
    """
    did = None if dataset is None else store.dataset_id(dataset)
    with _PREVIEWS_LOCK:
        keys = [k for k in _PREVIEWS if did is None or k[0] == did]
        for k in keys:
            del _PREVIEWS[k]
    return len(keys)


def slugify(text, max_len=48):
    """A short lower-case slug of a prompt: ``"Dogs in fog!"`` -> ``"dogs-in-fog"``."""
    slug = re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")
    slug = slug[:max_len].rstrip("-")
    return slug or "view"


def default_view_name(text):
    """The default saved-view name of a prompt: ``datadiver/<slug>``."""
    return sch.VIEW_PREFIX + slugify(text)


def _host(url):
    if not url:
        return None
    m = re.match(r"^[a-z]+://([^/@]+@)?([^/]+)", url)
    return m.group(2) if m else None  # never keep credentials embedded in a URL


def provenance_description(record):
    """The saved view's description text built from a provenance record."""
    engine = record.get("source") or "?"
    if record.get("model"):
        engine += f"/{record['model']}"
    desc = (
        f"{record.get('explanation', '')}\n"
        f"Prompt: {record.get('prompt', '')!r} ({engine}; by {record.get('user') or 'unknown'}, "
        f"{record.get('created_at', '')})"
    )
    return desc[:1000]


def save_prompt_view(
    dataset,
    text,
    name=None,
    overwrite=False,
    llm="auto",
    model=None,
    base_url=None,
    api_key=None,
    timeout=20,
    max_retries=2,
    result=None,
    color=None,
):
    """Turns a prompt into a view and saves it on the dataset with provenance.

    Args:
        dataset: the FiftyOne dataset to save on (a view's dataset is used)
        text: the prompt
        name (None): saved-view name; default ``datadiver/<slug of the prompt>``
        overwrite (False): replace an existing saved view of that name;
            without it an existing name is an error
        llm, model, base_url, api_key, timeout, max_retries: see
            :func:`text_to_view`
        result (None): a :class:`PromptResult` already computed for ``text``
            (e.g. the preview the user saw): saved as is, no second LLM call.
            Without it, a result stored by :func:`preview_prompt` for the
            same prompt, dataset state and settings is reused, else one is
            computed (and stored)
        color (None): optional App colour ``"#RRGGBB"``

    Returns:
        the saved view's name. Load it with
        ``datadiver_fo.customize.stage_guard.load_saved_view(dataset, name)``; its
        provenance is ``get_view_records(dataset)[name]``

    Raises:
        ValueError: if the name exists and ``overwrite`` is False (also when
            another process saved it first), if it shares its slug with a
            saved view of another name, or if the prompt is invalid (see
            :func:`text_to_view`)
    """
    ds = dataset._root_dataset
    name = check_view_name(name or default_view_name(text))
    # Early answer before any LLM call; save_view checks again under its lock.
    if ds.has_saved_view(name) and not overwrite:
        raise ValueError(f"A saved view named {name!r} already exists; pass overwrite=True to replace it")
    if result is None:  # a preview of the same prompt and settings is reused
        settings = resolve_settings(model, base_url, api_key, llm=llm, timeout=timeout, max_retries=max_retries)
        result = _preview(ds, text, settings, False, PREVIEW_TTL)
    elif result.text != text:
        raise ValueError("result was computed for another prompt")
    record = {
        "prompt": text,
        "spec": result.spec,
        "explanation": result.explanation,
        "source": result.source,
        "model": result.model,
        "endpoint": _host(result.base_url),
        "user": user_name(),
        "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "llm_calls": result.llm_calls,
        "warnings": result.warnings,
    }
    view = vs.compile_spec(ds, result.spec, allow_all=True)
    return save_view(
        ds, name, view, description=provenance_description(record), color=color, overwrite=overwrite,
        record=record,
    )

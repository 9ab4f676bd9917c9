"""Plain-language prompt -> FiftyOne view, and saved prompt views.

Two engines produce the same :mod:`datadiver_fo.viewspec` spec: the offline
deterministic parser (:mod:`datadiver_fo.prompt_parser`) and one call to an
OpenAI-compatible LLM (:mod:`datadiver_fo.llm`). The spec is then compiled to
read-only stages and explained in plain English, so the user sees exactly
what was understood before saving anything.

Saved prompt views carry their provenance in two places:

-   the saved view's description (explanation, prompt, engine/model, user,
    time), visible in the App's saved-view list;
-   a record in ``dataset.info["datadiver_views"][name]``: ``prompt``,
    ``spec``, ``explanation``, ``source`` (``"offline"``/``"openai"``),
    ``model``, ``base_url`` host, ``user`` (env ``USER``), ``created_at``
    (UTC ISO), ``llm_calls``. :mod:`datadiver_fo.saved_views` exports,
    imports and re-checks views with it.
"""
import datetime
import getpass
import os
import re
import time

from . import schema as sch
from . import viewspec as vs

INFO_KEY = "datadiver_views"
_LLM_CHOICES = ("auto", "openai", "offline")


class PromptResult:
    """What a prompt turned into.

    Attributes:
        text: the prompt
        view: the FiftyOne view (read-only stages)
        spec: the normalised view spec (JSON-serialisable dict)
        explanation: plain-English description of the spec
        warnings: list of strings (ignored words, approximations)
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
        ValueError: empty prompt, unknown class / field / value (with
            suggestions), a prompt that selects nothing recognisable, an
            invalid LLM reply after one repair, or a bad ``llm`` choice
        datadiver_fo.llm.LLMError: the LLM endpoint kept failing
    """
    if llm not in _LLM_CHOICES:
        raise ValueError(f"llm must be one of {list(_LLM_CHOICES)}, got {llm!r}")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("The prompt is empty; describe the samples you want, e.g. 'dogs in heavy fog'")
    start = time.perf_counter()
    source = llm
    if llm == "auto":
        key = api_key or os.environ.get("OPENAI_API_KEY")
        source = "openai" if key else "offline"
    warnings = []
    model_used, base_used, calls = None, None, 0
    if source == "offline":
        from .prompt_parser import parse_prompt

        parsed = parse_prompt(dataset, text, allow_all=allow_all)
        spec, warnings = parsed.spec, parsed.warnings
    else:
        from .llm import llm_spec

        spec, info = llm_spec(
            dataset, text, model=model, base_url=base_url, api_key=api_key, timeout=timeout,
            max_retries=max_retries, allow_all=allow_all,
        )
        calls, model_used, base_used = info["llm_calls"], info["model"], info["base_url"]
        if info["repaired"]:
            warnings.append("the first LLM reply was invalid and was repaired once")
    view = vs.compile_spec(dataset, spec, allow_all=True)
    return PromptResult(
        text, view, spec, vs.describe_spec(spec), warnings, calls, source, model=model_used,
        base_url=base_used, seconds=time.perf_counter() - start,
    )


def slugify(text, max_len=48):
    """A short lower-case slug of a prompt: ``"Dogs in fog!"`` -> ``"dogs-in-fog"``."""
    slug = re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")
    slug = slug[:max_len].rstrip("-")
    return slug or "view"


def default_view_name(text):
    """The default saved-view name of a prompt: ``datadiver/<slug>``."""
    return sch.VIEW_PREFIX + slugify(text)


def _user():
    try:
        return os.environ.get("USER") or getpass.getuser()
    except Exception:
        return None


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


def get_view_records(dataset):
    """Returns the provenance records ``{view name: record}`` of a dataset."""
    return dict((dataset._root_dataset.info or {}).get(INFO_KEY, {}) or {})


def set_view_record(dataset, name, record):
    """Stores (``record`` dict) or removes (``None``) a view's provenance."""
    ds = dataset._root_dataset
    ds.reload()
    info = dict(ds.info or {})
    records = dict(info.get(INFO_KEY, {}) or {})
    if record is None:
        records.pop(name, None)
    else:
        records[name] = record
    info[INFO_KEY] = records
    ds.info = info
    ds.save()


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
            (e.g. the preview the user saw): saved as is, no second LLM call
        color (None): optional App colour ``"#RRGGBB"``

    Returns:
        the saved view's name. Load it with ``dataset.load_saved_view(name)``;
        its provenance is in ``dataset.info["datadiver_views"][name]``

    Raises:
        ValueError: if the name exists and ``overwrite`` is False, or the
            prompt is invalid (see :func:`text_to_view`)
    """
    ds = dataset._root_dataset
    name = name or default_view_name(text)
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"The view name must be a non-empty string, got {name!r}")
    if ds.has_saved_view(name) and not overwrite:
        raise ValueError(f"A saved view named {name!r} already exists; pass overwrite=True to replace it")
    if result is None:
        result = text_to_view(
            ds, text, llm=llm, model=model, base_url=base_url, api_key=api_key, timeout=timeout,
            max_retries=max_retries,
        )
    elif result.text != text:
        raise ValueError("result was computed for another prompt")
    record = {
        "prompt": text,
        "spec": result.spec,
        "explanation": result.explanation,
        "source": result.source,
        "model": result.model,
        "endpoint": _host(result.base_url),
        "user": _user(),
        "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "llm_calls": result.llm_calls,
        "warnings": result.warnings,
    }
    view = vs.compile_spec(ds, result.spec, allow_all=True)
    ds.save_view(name, view, description=provenance_description(record), color=color, overwrite=overwrite)
    set_view_record(ds, name, record)
    return name

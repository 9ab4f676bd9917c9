"""Plain-language prompt -> FiftyOne view, and saved prompt views.

Two engines produce the same :mod:`datadiver_fo.customize.viewspec` spec: the offline
deterministic parser (:mod:`datadiver_fo.customize.prompt_parser`) and one call to an
OpenAI-compatible LLM (:mod:`datadiver_fo.customize.llm`). The spec is then compiled to
read-only stages and explained in plain English, so the user sees exactly
what was understood before saving anything.

Saved prompt views carry their provenance in two places:

-   the saved view's description (explanation, prompt, engine/model, user,
    time), visible in the App's saved-view list;
-   a provenance record (:func:`get_view_records`): ``prompt``, ``spec``,
    ``explanation``, ``source`` (``"offline"``/``"openai"``), ``model``,
    ``endpoint`` (host of the base URL), ``user`` (env ``USER``),
    ``created_at`` (UTC ISO), ``llm_calls``, ``warnings``.
    :mod:`datadiver_fo.customize.saved_views` exports, imports and re-checks views
    with it.

Records live in the side collection ``datadiver.view_records`` (see
:mod:`datadiver_fo.internal.store`), one document per (dataset id, view name), each
written by one atomic upsert: concurrent writers of different views never
overwrite each other. Records kept by older versions in
``dataset.info["datadiver_views"]`` are moved there on first access.
"""
import datetime
import json
import logging
import os
import re
import time

from datadiver_fo.internal import schema as sch
from datadiver_fo.internal import store
from datadiver_fo.internal.provenance import user_name
from datadiver_fo.customize import viewspec as vs
logger = logging.getLogger(__name__)

INFO_KEY = "datadiver_views"  # where older versions kept records in dataset.info
RECORDS_KIND = "view_records"  # side collection datadiver.view_records
MAX_RECORD_BYTES = 64 * 1024  # JSON of one provenance record
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
        datadiver_fo.customize.llm.LLMError: the LLM endpoint kept failing
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
        from datadiver_fo.customize.prompt_parser import parse_prompt

        parsed = parse_prompt(dataset, text, allow_all=allow_all)
        spec, warnings = parsed.spec, parsed.warnings
    else:
        from datadiver_fo.customize.llm import llm_spec

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


def _records():
    return store.collection(
        RECORDS_KIND, indexes=[([("dataset_id", 1), ("name", 1)], {"unique": True})]
    )


def record_json(name, record):
    """The JSON text stored for one provenance record.

    Args:
        name: the saved view's name (for messages)
        record: a dict of JSON values

    Returns:
        the compact JSON string (at most :data:`MAX_RECORD_BYTES` bytes)

    Raises:
        ValueError: if ``record`` is not a dict, is not JSON-serialisable or
            is larger than :data:`MAX_RECORD_BYTES`
    """
    if not isinstance(record, dict):
        raise ValueError(f"The provenance record of view {name!r} must be a dict, got {type(record).__name__}")
    try:
        text = json.dumps(record, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError) as e:
        raise ValueError(f"The provenance record of view {name!r} is not JSON-serialisable: {e}") from None
    size = len(text.encode("utf-8"))
    if size > MAX_RECORD_BYTES:
        raise ValueError(
            f"The provenance record of view {name!r} is {size} bytes, more than the "
            f"{MAX_RECORD_BYTES} allowed; drop large entries (long warnings, sample id lists)"
        )
    return text


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


def _migrate_info_records(ds):
    """Moves ``dataset.info["datadiver_views"]`` (older versions) into the
    side collection once, then removes the info key."""
    import fiftyone.core.odm as foo

    datasets = foo.get_db_conn().datasets
    key = f"info.{INFO_KEY}"
    query = {"_id": ds._doc.id, key: {"$exists": True}}
    # Read from the database, not ds.info: another process may have migrated.
    if datasets.count_documents(query, limit=1) == 0:
        return
    did = store.dataset_id(ds)
    coll = _records()
    with store.lock(ds, "view-records"):
        doc = datasets.find_one(query, {key: 1})
        if doc is not None:
            old = (doc.get("info") or {}).get(INFO_KEY)
            # A marker makes the move happen once: an info key written back
            # later by a stale in-memory dataset must not resurrect records
            # deleted since.
            done = coll.count_documents({"dataset_id": did, "name": None, "migrated_info": True}, limit=1)
            if not done and isinstance(old, dict):
                for name, rec in old.items():
                    try:
                        text = record_json(name, rec)
                    except ValueError as e:
                        logger.warning("Dropping the old provenance record of view %r: %s", name, e)
                        continue
                    # $setOnInsert: a record already written here is newer
                    coll.update_one(
                        {"dataset_id": did, "name": name},
                        {"$setOnInsert": {"record": text, "updated_at": _now()}},
                        upsert=True,
                    )
            coll.update_one(
                {"dataset_id": did, "name": None},
                {"$set": {"migrated_info": True, "updated_at": _now()}},
                upsert=True,
            )
            # $unset of our key alone: the rest of info is left untouched
            datasets.update_one({"_id": ds._doc.id}, {"$unset": {key: ""}})
    ds._doc.reload("info")


def get_view_records(dataset):
    """Returns the provenance records of a dataset's saved views.

    Args:
        dataset: a FiftyOne dataset or view (its root dataset is read)

    Returns:
        a dict ``{view name: record dict}``; records are written by
        :func:`save_prompt_view`, ``datadiver_fo.customize.selection.save_selection``
        and ``datadiver_fo.customize.saved_views.import_saved_views``. A record whose
        view was deleted stays until :func:`set_view_record` removes it
        (``check_saved_views`` lists them as orphans)
    """
    ds = dataset._root_dataset
    _migrate_info_records(ds)
    out = {}
    for doc in _records().find({"dataset_id": store.dataset_id(ds), "name": {"$type": "string"}}):
        try:
            rec = json.loads(doc.get("record") or "null")
        except (ValueError, RecursionError):
            rec = None
        if isinstance(rec, dict):
            out[doc["name"]] = rec
        else:
            logger.warning("Ignoring the unreadable provenance record of view %r", doc["name"])
    return out


def set_view_record(dataset, name, record):
    """Stores or removes the provenance record of one saved view.

    One atomic upsert of one document: writers of other views are never
    overwritten.

    Args:
        dataset: a FiftyOne dataset or view (its root dataset is written)
        name: the saved view's name
        record: a dict of JSON values (at most :data:`MAX_RECORD_BYTES`
            bytes of JSON) to store, or None to remove the record

    Raises:
        ValueError: if ``name`` is not a non-empty string, or ``record`` is
            not a JSON dict or is too large (see :func:`record_json`)
    """
    from pymongo.errors import DuplicateKeyError

    if not isinstance(name, str) or not name:
        raise ValueError(f"A view name must be a non-empty string, got {name!r}")
    ds = dataset._root_dataset
    _migrate_info_records(ds)
    key = {"dataset_id": store.dataset_id(ds), "name": name}
    if record is None:
        _records().delete_one(key)
        return
    update = {"$set": {"record": record_json(name, record), "updated_at": _now()}}
    try:
        _records().update_one(key, update, upsert=True)
    except DuplicateKeyError:  # two first upserts raced; the document now exists
        _records().update_one(key, update, upsert=True)


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
        the saved view's name. Load it with
        ``datadiver_fo.customize.stage_guard.load_saved_view(dataset, name)``; its
        provenance is ``get_view_records(dataset)[name]``

    Raises:
        ValueError: if the name exists and ``overwrite`` is False (also when
            another process saved it first), if it shares its slug with a
            saved view of another name, or if the prompt is invalid (see
            :func:`text_to_view`)
    """
    from datadiver_fo.customize.saved_views import check_view_name, save_view

    ds = dataset._root_dataset
    name = check_view_name(name or default_view_name(text))
    # Early answer before any LLM call; save_view checks again under its lock.
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

"""Small helpers shared by the operator modules (form pieces, progress)."""
import re


def path_param(value):
    """A folder/file parameter as a path string, or None when blank: the App's
    file explorer sends ``{"absolute_path": ...}``, the SDK sends a str."""
    if isinstance(value, dict):
        value = value.get("absolute_path")
    return (value or "").strip() or None


_PROGRESS_DT = 1.0  # seconds between App updates (each is a database write when delegated)


def progress_callback(ctx):
    """Returns a FiftyOne progress callback (``fo.report_progress``) that
    forwards the progress of a library call to the App: at most every
    ``_PROGRESS_DT`` seconds and once at completion, it calls
    ``ctx.set_progress(progress=pb.progress, label=pb.label)`` (the label
    DataDiver's bars carry; ``None`` for FiftyOne's and brain's bars). Pass
    it as the ``progress`` argument of any library function."""
    import fiftyone as fo

    def _set(pb):
        if pb.progress is not None:  # a bar without a total has no fraction
            ctx.set_progress(progress=pb.progress, label=getattr(pb, "label", None))

    return fo.report_progress(_set, dt=_PROGRESS_DT)


def target_view_input(ctx, inputs):
    """Adds FiftyOne's standard dataset / current view / selection choice."""
    return inputs.view_target(ctx)


def delegation_config(name, label, description=None, **kwargs):
    """Operator config for heavy work: may run delegated, delegated by default."""
    import fiftyone.operators as foo

    return foo.OperatorConfig(
        name=name,
        label=label,
        description=description,
        allow_delegated_execution=True,
        allow_immediate_execution=True,
        default_choice_to_delegated=True,
        dynamic=True,
        **kwargs,
    )


def vector_fields(ctx):
    """Names of the dataset's embedding-like fields (vector, array, or list of
    floats), for the forms' field pickers."""
    import fiftyone.core.fields as fof

    if ctx.dataset is None:
        return []
    schema = ctx.dataset.get_field_schema(flat=True)
    return sorted(
        name
        for name, field in schema.items()
        if isinstance(field, (fof.VectorField, fof.ArrayField))
        or (isinstance(field, fof.ListField) and isinstance(field.field, fof.FloatField))
    )


# --- form pieces -------------------------------------------------------------------


def int_param(ctx, name, default):
    """``ctx.params[name]`` as an int, or ``default`` when missing or None."""
    value = ctx.params.get(name)
    return default if value is None else int(value)


def float_param(ctx, name, default):
    """``ctx.params[name]`` as a float, or ``default`` when missing or None."""
    value = ctx.params.get(name)
    return default if value is None else float(value)


def field_dropdown(inputs, name, fields, label, description=None, default=None, required=True):
    """Adds an enum property ``name`` choosing one of ``fields`` (a list of
    field names) from a dropdown; returns the property."""
    import fiftyone.operators.types as types

    choices = types.DropdownView()
    for f in fields:
        choices.add_choice(f, label=f)
    return inputs.enum(name, list(fields), required=required, label=label, description=description,
                       default=default, view=choices)


def form_error(inputs, name, label, description=None, warning=False):
    """Adds a notice ``name`` (an error, or a warning when ``warning``) that
    marks the form invalid (the App disables Execute); returns the property."""
    import fiftyone.operators.types as types

    kind = types.Warning if warning else types.Error
    prop = inputs.view(name, kind(label=label, description=description))
    prop.invalid = True
    return prop


# --- LLM settings and secrets: the one place the App layer reads them -----------------

def secret(ctx, key):
    """The plugin secret ``key`` (one fiftyone.yml lists under ``secrets``) as
    a non-empty str, or None when it is unset or the secrets cannot be read."""
    try:
        value = ctx.secrets.get(key)
    except Exception:  # unreadable secrets count as unset: the offline parser still works
        value = None
    return value or None


def llm_settings(ctx, engine=None, model=None, base_url=None):
    """The LLM keyword arguments of ``datadiver_fo.customize.prompts``'s
    ``text_to_view`` / ``preview_prompt`` / ``save_prompt_view``.

    Args:
        ctx: the operator or panel execution context (its ``secrets``)
        engine (None): ``"auto"``, ``"openai"`` or ``"offline"``; None or ""
            means ``"auto"`` (the LLM when a key is set, else offline)
        model (None): a model typed in a form; blank falls back to the
            ``DATADIVER_LLM_MODEL`` secret
        base_url (None): an endpoint typed in a form; blank falls back to the
            ``OPENAI_BASE_URL`` secret

    Returns:
        a dict with ``llm``, ``model``, ``base_url`` and ``api_key`` (the
        ``OPENAI_API_KEY`` secret); values may be None. The key is passed to
        the library as an argument only: never logged, stored or copied into
        ``os.environ``
    """
    return dict(
        llm=engine or "auto",
        model=(model or "").strip() or secret(ctx, "DATADIVER_LLM_MODEL"),
        base_url=(base_url or "").strip() or secret(ctx, "OPENAI_BASE_URL"),
        api_key=secret(ctx, "OPENAI_API_KEY"),
    )


# --- App wording and prerequisites ---------------------------------------------------

PLUGIN = "@datadiver/datadiver"

# what to do in the App where the library's message names a Python argument
_APP_WORDS = {
    "overwrite": "choose another name, or tick the form's Overwrite / 'Replace ...' checkbox",
    "allow_all": "use 'Reset view' to see the whole dataset, or name what to keep",
    "allow_new": "pick a class from the list",
    "brain_key": "choose the index in the form",
    "names": "leave that view out of the list",
}
_PASS_ARG = re.compile(r"(\()?\bpass (?:another \w+= or )?(\w+)=[^;()]*(\))?")


def app_message(text, **words):
    """A library message in App words: each "pass overwrite=True ..." clause
    becomes what to do in a form (a checkbox, a button); ``words`` overrides
    the wording per argument name (e.g. ``overwrite="type another name"``)."""
    table = dict(_APP_WORDS, **words)

    def _sub(m):
        if m.group(2) not in table:
            return m.group(0)
        said = table[m.group(2)]
        return f"({said})" if m.group(1) and m.group(3) else said

    return _PASS_ARG.sub(_sub, str(text)).rstrip()


def require_field(ctx, inputs, field, run_first, button_label):
    """Prerequisite check for ``resolve_input``: when the dataset has no
    sample field ``field``, adds an error naming the operator to run first
    (``run_first``, e.g. ``"compute_predictions"``) and a button opening it,
    marks the form invalid (Execute disabled) and returns False."""
    if ctx.dataset is not None and ctx.dataset.has_sample_field(field):
        return True
    form_error(
        inputs, "missing_" + field.replace(".", "_"),
        f"No '{field}' field yet: run '{button_label}' first",
        f"Click the button below (or the '{button_label}' button of the DataDiver panel, "
        f"operator {PLUGIN}/{run_first}), then open this form again.",
    )
    import fiftyone.operators.types as types

    inputs.view("run_" + run_first, types.Button(
        label=f"Open '{button_label}'", operator=f"{PLUGIN}/{run_first}", prompt=True))
    return False


# --- sharded delegated jobs ---------------------------------------------------------

MAX_SHARDS = 256


def shard_params(ctx):
    """``(shards, shard_index)`` of an operator that can be split: ``shards``
    (>= 1, the form's count) and ``shard_index`` (None for the job the user
    asked for; ``0..shards-1`` for one of the delegated operations that
    :func:`queue_shards` queued). Raises ValueError on bad values."""
    shards = ctx.params.get("shards")
    shards = 1 if shards is None else shards
    if isinstance(shards, bool) or not isinstance(shards, (int, float)) or int(shards) != shards \
            or not 1 <= shards <= MAX_SHARDS:
        raise ValueError(f"shards must be an integer from 1 to {MAX_SHARDS}, got {shards!r}")
    index = ctx.params.get("shard_index")
    if index is not None and (isinstance(index, bool) or not isinstance(index, (int, float))
                              or int(index) != index or not 0 <= index < shards):
        raise ValueError(f"shard_index must be an integer from 0 to {int(shards) - 1}, got {index!r}")
    return int(shards), None if index is None else int(index)


def queue_shards(ctx, operator_uri, shards, label, params=None):
    """Queues ``shards`` delegated operations of ``operator_uri``, one per
    shard: each gets this execution's request (dataset, view, view target,
    selection) and parameters, plus ``params`` and ``shard_index`` = 0..N-1.
    Any ``fiftyone delegated launch`` worker connected to the same database
    (this machine or another) claims one queued operation at a time --
    FiftyOne claims with an atomic QUEUED -> RUNNING update, so no two
    workers run the same shard.

    Returns:
        the list of the queued operations' ids (str), in shard order
    """
    import copy

    from fiftyone.operators.delegated import DelegatedOperationService

    svc = DelegatedOperationService()
    base = copy.deepcopy(ctx.request_params)
    for k in ("run_doc", "results", "target", "panel_state"):  # this execution's, not the shards'
        base.pop(k, None)
    base["delegated"] = True
    base["request_delegation"] = True
    ids = []
    for i in range(shards):
        rp = copy.deepcopy(base)
        rp["params"] = dict(copy.deepcopy(ctx.params), **(params or {}), shards=shards, shard_index=i)
        op = svc.queue_operation(
            operator=operator_uri,
            label=f"{label} (shard {i + 1}/{shards})",
            context={"request_params": rp},
            metadata={"inputs_schema": None, "outputs_schema": None},
            rerunnable=True,
        )
        ids.append(str(op.id))
    return ids

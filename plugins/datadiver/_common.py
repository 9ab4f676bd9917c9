"""Small helpers shared by the operator modules (form pieces, progress)."""


def path_param(value):
    """A folder/file parameter as a path string, or None when blank: the App's
    file explorer sends ``{"absolute_path": ...}``, the SDK sends a str."""
    if isinstance(value, dict):
        value = value.get("absolute_path")
    return (value or "").strip() or None


def progress_callback(ctx):
    """Returns a ``progress(fraction, label)`` callable that forwards library
    progress to the App (``ctx.set_progress``)."""

    def _cb(fraction, label=None):
        ctx.set_progress(progress=float(fraction), label=label)

    return _cb


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

"""Operators: prompt -> view (with preview), and sharing saved views.

-   ``prompt_to_view``: a text box; the form previews the spec, the plain
    English explanation and the sample count before anything is saved; on
    execute the App shows the view and, if asked, it is saved with provenance.
-   ``export_saved_views`` / ``import_saved_views``: portable JSON files.
-   ``check_saved_views``: re-checks every saved view and lists broken ones.

The LLM key comes from ``ctx.secrets`` (``OPENAI_API_KEY``, ``OPENAI_BASE_URL``,
``DATADIVER_LLM_MODEL``, read by ``_common.llm_settings``), is passed to the
library as an argument and is never logged, stored or copied into
``os.environ``. The preview is kept by ``datadiver_fo.preview_prompt``.
"""
import fiftyone.operators as foo
import fiftyone.operators.types as types

from datadiver_fo.customize import prompts as ddp
from datadiver_fo.customize import saved_views as ddsv
from ._common import form_error, llm_settings, path_param

_ENGINES = (("auto", "Auto (LLM if a key is set, else offline)"), ("offline", "Offline parser"),
            ("openai", "OpenAI-compatible LLM"))


def _settings(ctx):
    p = ctx.params
    return llm_settings(ctx, engine=p.get("engine"), model=p.get("model"), base_url=p.get("base_url"))


def _result(ctx, text):
    # The form's preview and the execution run in the same server process:
    # preview_prompt keeps the previewed result, so the LLM is called once.
    return ddp.preview_prompt(ctx.dataset, text, **_settings(ctx))


def _uses_llm(ctx):
    s = _settings(ctx)
    return ddp.prompt_engine(s["llm"], s["api_key"]) == "openai"


class PromptToView(foo.Operator):
    @property
    def config(self):
        return foo.OperatorConfig(
            name="prompt_to_view",
            label="DataDiver: prompt to view",
            description="Describe the samples you want in plain English; preview, show and save the view",
            dynamic=True,
        )

    def resolve_input(self, ctx):
        inputs = types.Object()
        inputs.str(
            "text",
            required=True,
            label="Prompt",
            description="e.g. 'dogs and cats under heavy fog or snow, but no clean images'",
        )
        inputs.enum(
            "engine",
            [k for k, _ in _ENGINES],
            default="auto",
            label="Engine",
            view=types.DropdownView(choices=[types.Choice(k, label=l) for k, l in _ENGINES]),
        )
        if ctx.params.get("engine") in ("openai", "auto"):
            inputs.str("model", required=False, label="Model (optional)")
            inputs.str("base_url", required=False, label="Endpoint base URL (optional)",
                       description="OpenAI-compatible, e.g. http://localhost:11434/v1 for Ollama")
        text = (ctx.params.get("text") or "").strip()
        if not text:
            return types.Property(inputs, view=types.View(label="Prompt to view"))
        try:
            uses_llm = _uses_llm(ctx)
            if uses_llm and not ctx.params.get("preview", False):
                # an LLM call per keystroke would be wasteful: preview on request
                inputs.bool("preview", default=False, label="Preview with the LLM",
                            description="Calls the LLM once; the preview is reused when you run")
                return types.Property(inputs, view=types.View(label="Prompt to view"))
            if uses_llm:
                inputs.bool("preview", default=True, label="Preview with the LLM")
            res = _result(ctx, text)
        except Exception as e:  # ValueError (bad prompt or engine) or LLMError (endpoint)
            form_error(inputs, "error", "Cannot turn this prompt into a view", str(e))
            return types.Property(inputs, view=types.View(label="Prompt to view"))
        count = res.view.count()
        inputs.view("explanation", types.Notice(
            label=f"{count} samples",
            description=res.explanation + (f" ({res.source}" + (f", {res.llm_calls} LLM call" if res.llm_calls else "") + ")"),
        ))
        for i, w in enumerate(res.warnings):
            inputs.view(f"warning_{i}", types.Warning(label="Note", description=w))
        inputs.obj("spec_preview", default=res.spec, label="View spec", view=types.JSONView())
        inputs.bool("save", default=False, label="Save as a view")
        if ctx.params.get("save", False):
            default_name = ddp.default_view_name(text)
            inputs.str("name", default=default_name, required=True, label="View name")
            inputs.bool("overwrite", default=False, label="Replace a saved view of that name")
            name = ctx.params.get("name") or default_name
            if ctx.dataset.has_saved_view(name) and not ctx.params.get("overwrite", False):
                form_error(inputs, "name_taken", "Name taken",
                           f"A saved view named {name!r} exists; tick 'replace' or pick another name")
        return types.Property(inputs, view=types.View(label="Prompt to view"))

    def execute(self, ctx):
        text = (ctx.params.get("text") or "").strip()
        res = _result(ctx, text)
        saved = None
        if ctx.params.get("save", False):
            saved = ddp.save_prompt_view(
                ctx.dataset, text, name=ctx.params.get("name") or None,
                overwrite=bool(ctx.params.get("overwrite", False)), result=res,
            )
        ctx.ops.set_view(view=res.view)
        return {
            "count": res.view.count(),
            "explanation": res.explanation,
            "spec": res.spec,
            "warnings": res.warnings,
            "source": res.source,
            "llm_calls": res.llm_calls,
            "saved_name": saved,
        }

    def resolve_output(self, ctx):
        outputs = types.Object()
        outputs.str("explanation", label="Understood")
        outputs.int("count", label="Samples")
        outputs.str("saved_name", label="Saved as")
        return types.Property(outputs)


class ExportSavedViews(foo.Operator):
    @property
    def config(self):
        return foo.OperatorConfig(
            name="export_saved_views",
            label="DataDiver: export saved views",
            description="Write saved views (with prompt provenance) to a portable JSON file",
            dynamic=True,
        )

    def resolve_input(self, ctx):
        inputs = types.Object()
        inputs.str("path", required=True, label="JSON file to write")
        names = ctx.dataset.list_saved_views()
        inputs.list("names", types.String(), required=False, label="Views (empty = all)",
                    view=types.AutocompleteView(choices=[types.Choice(n, label=n) for n in names]))
        return types.Property(inputs, view=types.View(label="Export saved views"))

    def execute(self, ctx):
        names = ctx.params.get("names") or None
        exported = ddsv.export_saved_views(ctx.dataset, path_param(ctx.params.get("path")), names=names)
        return {"exported": exported, "path": path_param(ctx.params.get("path"))}


class ImportSavedViews(foo.Operator):
    @property
    def config(self):
        return foo.OperatorConfig(
            name="import_saved_views",
            label="DataDiver: import saved views",
            description="Import views from a DataDiver JSON file, validated against this dataset",
        )

    def resolve_input(self, ctx):
        inputs = types.Object()
        inputs.str("path", required=True, label="JSON file to read")
        inputs.bool("overwrite", default=False, label="Replace saved views with the same name")
        return types.Property(inputs, view=types.View(label="Import saved views"))

    def execute(self, ctx):
        report = ddsv.import_saved_views(
            ctx.dataset, path_param(ctx.params.get("path")), overwrite=bool(ctx.params.get("overwrite", False))
        )
        if report["imported"]:
            ctx.trigger("reload_dataset")
        return report


class CheckSavedViews(foo.Operator):
    @property
    def config(self):
        return foo.OperatorConfig(
            name="check_saved_views",
            label="DataDiver: check saved views",
            description="Re-load every saved view and list the broken ones (deleted or renamed fields, classes)",
        )

    def execute(self, ctx):
        return ddsv.check_saved_views(ctx.dataset)

    def resolve_output(self, ctx):
        outputs = types.Object()
        outputs.list("ok", types.String(), label="Working views")
        outputs.list("broken", types.Object(), label="Broken views", view=types.JSONView())
        return types.Property(outputs)


def register(p):
    p.register(PromptToView)
    p.register(ExportSavedViews)
    p.register(ImportSavedViews)
    p.register(CheckSavedViews)

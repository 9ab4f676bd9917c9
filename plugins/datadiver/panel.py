"""The DataDiver panel: one App panel for the whole bundle.

-   overview of the App's current view (corruption x severity heatmap, per-class
    table with empty cells flagged, score histograms) from
    ``datadiver_fo.customize.summary``; clicking a cell, a class or a bar sets the view;
-   the prompt box (preview, apply, save) over ``datadiver_fo.preview_prompt``
    and ``datadiver_fo.save_prompt_view`` (preview then save asks an LLM once);
-   saved views with provenance: load, export, check;
-   buttons opening the bundle's other operators, shown only when registered.

The panel is thin: every number it shows comes from a library function a
notebook can call.
"""
import logging
import urllib.parse

import fiftyone.operators as foo
import fiftyone.operators.types as types

from datadiver_fo.internal import schema as sch
from datadiver_fo.customize import prompts as ddp
from datadiver_fo.customize import relations as ddr
from datadiver_fo.customize import summary as dds
from datadiver_fo.customize.stage_guard import load_saved_view

from ._common import app_message, llm_settings

logger = logging.getLogger(__name__)

PLUGIN = "@datadiver/datadiver"
PANEL_NAME = "datadiver_panel"

# (operator name, button label, icon): shown when the operator is registered.
_OPERATOR_BUTTONS = (
    ("compute_embeddings", "Embeddings", "scatter_plot"),
    ("compute_predictions", "Predictions", "model_training"),
    ("compute_ood", "OoD score", "travel_explore"),
    ("find_label_issues", "Label issues", "report"),
    ("compute_quality", "Image quality", "tune"),
    ("find_duplicates", "Duplicates", "content_copy"),
    ("customize", "Customise", "edit"),
    ("export_view", "Export", "download"),
    ("prompt_to_view", "Prompt (form)", "chat"),
    ("check_saved_views", "Check saved views", "fact_check"),
    ("import_saved_views", "Import saved views", "upload"),
)
# Saved-view export: the first registered of these operators receives the view
_EXPORT_OPERATORS = ("export_saved_views", "export_view")

_HEATMAP_HEIGHT = 60  # px per row, plus margins
_MAX_HISTOGRAMS = 8
_BUTTONS_PER_ROW = 3  # fits a 400 px pane
# plotly's edge drag handles stick ~20 px out of the plot area: a smaller
# right margin makes the pane scroll sideways
_PLOT_RIGHT = 24


def _operator_exists(name):
    try:
        return foo.registry.operator_exists(f"{PLUGIN}/{name}")
    except Exception:
        return False


def _heatmap_traces(matrix, filtered=()):
    """Plotly heatmap of ``matrix``; a cell with no sample reads "filtered"
    when it is in ``filtered`` (the dataset has samples there, the view does
    not), else "empty" (the dataset itself has none)."""
    z, text = [], []
    empty, filtered = set(matrix["empty"]), set(filtered)

    def _label(c, s, n):
        if n:
            return str(n)
        if (c, s) in filtered:
            return "filtered"
        return "empty" if (c, s) in empty else ""

    for c, row in zip(matrix["corruptions"], matrix["counts"]):
        z.append(row)
        text.append([_label(c, s, n) for s, n in zip(matrix["severities"], row)])
    return [
        {
            "type": "heatmap",
            "name": "count",
            "x": [str(s) for s in matrix["severities"]],
            "y": matrix["corruptions"],
            "z": z,
            "text": text,
            "texttemplate": "%{text}",
            "hoverongaps": False,
            "colorscale": "Blues",
            "reversescale": True,  # plotly's Blues runs dark -> light
            "zmin": 0,
            "showscale": False,
            "hovertemplate": "%{y} severity %{x}: %{z}<extra></extra>",
        }
    ]


def _histogram_traces(field, hist):
    edges = hist["edges"]
    centers = [(a + b) / 2 for a, b in zip(edges[:-1], edges[1:])]
    widths = [b - a for a, b in zip(edges[:-1], edges[1:])]
    return [
        {
            "type": "bar",
            "name": field,
            "x": centers,
            "y": hist["counts"],
            "width": widths,
            "hovertemplate": field + " %{x:.3f}: %{y}<extra></extra>",
        }
    ]


def _class_rows(table):
    rows = []
    for r in table["rows"]:
        if r["empty"]:
            flag = "⚠ no samples"
        elif r["empty_cells"]:
            flag = "⚠ none in: " + ", ".join(r["empty_cells"])
        else:
            flag = ""
        rows.append({"class": r["class"], "count": r["count"], "flags": flag})
    # classes needing attention first, then by name
    rows.sort(key=lambda r: (r["flags"] == "", r["class"]))
    return rows


def _open_saved(ctx, name, view):
    """Shows saved view ``name`` in the App with its name in the saved-view
    selector (not "Unsaved view").

    The App checks ``set_view(name=...)`` against the saved-view list it
    loaded with the page, so a view saved since (here, in a notebook, by an
    operator) is refused. So: refresh that list (reload_dataset), show the
    view by its stages now, and by its name on the view change that follows
    (``on_change_view``), when the list is fresh."""
    ctx.ops.reload_dataset()
    ctx.panel.state.set("pending_saved", name)
    ctx.ops.set_view(view=view)


def _save_key(state):
    """State key of the Save-as box; a new key after each save empties it."""
    return f"save_name_{int(state.get('save_gen') or 0)}"


class DataDiverPanel(foo.Panel):
    @property
    def config(self):
        return foo.PanelConfig(
            name=PANEL_NAME,
            label="DataDiver",
            icon="scuba_diving",
            help_markdown=(
                "Overview of the current view, prompt to view, saved views "
                "and the DataDiver operators."
            ),
            surfaces="grid",
        )

    # --- events --------------------------------------------------------------

    def on_load(self, ctx):
        self._refresh(ctx)

    def on_change_view(self, ctx):
        pending = ctx.panel.state.get("pending_saved")
        if pending:
            ctx.panel.state.set("pending_saved", None)
            if ctx.dataset.has_saved_view(pending):
                ctx.ops.set_view(name=pending)
        self._refresh(ctx, saved=False)

    def on_change_dataset(self, ctx):
        ctx.panel.state.set({"preview": None, "message": None})
        self._refresh(ctx)

    def on_refresh(self, ctx):
        self._refresh(ctx)

    def on_change_selected(self, ctx):
        self._refresh_sample(ctx)

    def on_variant_click(self, ctx):
        """A click on the variants grid opens that variant in the App's modal."""
        sample = ctx.panel.state.get("sample") or {}
        cells = sample.get("cells") or {}
        x, y = ctx.params.get("x"), ctx.params.get("y")
        if x is None or y is None:
            return
        vid = cells.get(f"{int(round(y))},{int(round(x))}")
        if vid:
            # the modal opens samples of the current view: show the variants first
            ctx.ops.set_view(view=ddr.variants(ctx.dataset, vid))
            ctx.ops.open_sample(id=vid)

    def on_reset_view(self, ctx):
        ctx.ops.clear_view()

    def on_heatmap_click(self, ctx):
        corruption = ctx.params.get("y")
        severity = ctx.params.get("x")
        if corruption is None:
            return
        try:
            view = dds.cell_view(ctx.view, corruption, severity)
        except ValueError as e:
            ctx.ops.notify(str(e), variant="error")
            return
        ctx.ops.set_view(view)

    def on_class_click(self, ctx):
        row = ctx.params.get("row")
        names = ctx.panel.state.get("class_rows") or []
        if row is None or not 0 <= int(row) < len(names):
            return
        try:
            view = dds.class_view(ctx.view, names[int(row)])
        except ValueError as e:
            ctx.ops.notify(str(e), variant="error")
            return
        ctx.ops.set_view(view)

    def on_histogram_click(self, ctx):
        # the plot's path is "hist_<field>"; range = [left, right] of the bar
        path = ctx.params.get("path") or ""
        field = path.split(".")[-1][len("hist_"):] if "hist_" in path else None
        rng = ctx.params.get("range")
        if not field or not rng or len(rng) != 2:
            return
        x = ctx.params.get("x")
        lo, hi = rng
        if x is not None and lo == x:  # bar clicks report [x, x + width]
            width = hi - lo
            lo, hi = x - width / 2, x + width / 2
        try:
            view = dds.range_view(ctx.view, field, lo, hi)
        except ValueError as e:
            ctx.ops.notify(str(e), variant="error")
            return
        ctx.ops.set_view(view)

    # --- prompt box ------------------------------------------------------------

    def _prompt_text(self, ctx):
        text = (ctx.panel.state.get("prompt") or "").strip()
        if not text:
            self._show_error(ctx, None, "Type a prompt first.")
        return text

    def _show_error(self, ctx, text, error, **words):
        """An error under the prompt box, in App words; the lines of an
        earlier action ("Saved view ...", an older preview) are cleared."""
        ctx.panel.state.set("message", None)
        ctx.panel.state.set("preview", {"prompt": text, "error": app_message(error, **words)})

    def _show_result(self, ctx, text, result):
        """The preview lines for ``text`` (the prompt now in the box)."""
        ctx.panel.state.set(
            "preview",
            {
                "prompt": text,
                "explanation": str(getattr(result, "explanation", "") or ""),
                "count": result.view.count(),
                "warnings": [app_message(w) for w in (getattr(result, "warnings", None) or [])],
                "error": None,
            },
        )

    def _prompt_result(self, ctx):
        """(text, preview_prompt result) for the prompt now in the box, or
        (text, None) after showing why not. The LLM settings are the plugin's
        secrets; ``llm="auto"`` falls back to the offline parser when no key
        is set."""
        text = self._prompt_text(ctx)
        if not text:
            return text, None
        try:
            return text, ddp.preview_prompt(ctx.dataset, text, **llm_settings(ctx))
        except ValueError as e:
            self._show_error(ctx, text, str(e))
            return text, None

    def on_preview(self, ctx):
        text, result = self._prompt_result(ctx)
        if result is None:
            return
        ctx.panel.state.set("message", None)
        self._show_result(ctx, text, result)

    def on_apply(self, ctx):
        # Apply reads the box now (no earlier Preview needed) and shows what it applied
        text, result = self._prompt_result(ctx)
        if result is None:
            return
        ctx.panel.state.set("message", None)
        self._show_result(ctx, text, result)
        ctx.ops.set_view(result.view)

    def on_save(self, ctx):
        text, result = self._prompt_result(ctx)
        if result is None:
            return
        name = (ctx.panel.state.get(_save_key(ctx.panel.state)) or "").strip() or None
        try:
            # reuses the Preview's result: the LLM is not asked again
            saved = ddp.save_prompt_view(ctx.dataset, text, name=name, result=result, **llm_settings(ctx))
        except ValueError as e:
            self._show_error(ctx, text, str(e), overwrite="type another name in 'Save as'")
            return
        self._show_result(ctx, text, result)
        ctx.panel.state.set("message", f"Saved view '{saved}'")
        # used: the next save starts blank (a new input; the App keeps a
        # typed value in the old one whatever the state says)
        ctx.panel.state.set(_save_key(ctx.panel.state), None)
        ctx.panel.state.set("save_gen", int(ctx.panel.state.get("save_gen") or 0) + 1)
        ctx.ops.notify(f"Saved view '{saved}'", variant="success")
        self._refresh_saved(ctx)
        _open_saved(ctx, saved, result.view)

    # --- saved views -------------------------------------------------------------

    def _saved_name(self, ctx):
        row = ctx.params.get("row")
        names = ctx.panel.state.get("saved_names") or []
        if row is None or not 0 <= int(row) < len(names):
            return None
        return names[int(row)]

    def on_saved_load(self, ctx):
        name = self._saved_name(ctx)
        if name:
            try:
                view = load_saved_view(ctx.dataset, name)  # the stage guard checks it first
            except ValueError as e:  # refused by the stage guard, or gone
                ctx.ops.notify(str(e), variant="error")
                return
            _open_saved(ctx, name, view)

    def on_saved_check(self, ctx):
        name = self._saved_name(ctx)
        if not name:
            return
        try:
            res = dds.check_saved_view(ctx.dataset, name)
        except ValueError as e:
            ctx.ops.notify(str(e), variant="error")
            return
        if res["ok"]:
            msg = f"'{name}' loads: {res['count']} samples"
        else:
            msg = f"'{name}' is broken: {res['error']}"
        ctx.panel.state.set("message", msg)
        ctx.ops.notify(msg, variant="success" if res["ok"] else "error")

    def on_saved_export(self, ctx):
        name = self._saved_name(ctx)
        if not name:
            return
        for op in _EXPORT_OPERATORS:
            if _operator_exists(op):
                if op == "export_view":
                    # exports the App's current view: load the saved one first
                    ctx.ops.set_view(name=name)
                    ctx.prompt(f"{PLUGIN}/{op}")
                else:
                    ctx.prompt(f"{PLUGIN}/{op}", params={"names": [name]})
                return
        ctx.ops.notify("No export operator is installed", variant="warning")

    # --- the selected sample: its variants, WordNet path, neighbours ----------------

    def _refresh_sample(self, ctx):
        """One selected sample: its picture under every corruption x severity
        (a grid of thumbnails, click one to open it), its WordNet path and its
        stored neighbours. Any other selection hides the viewer."""
        selected = list(ctx.selected or [])
        if len(selected) != 1 or not ctx.dataset.has_sample_field(sch.SOURCE_ID):
            ctx.panel.state.set("sample", None)
            return
        sid = selected[0]
        try:
            sample = ctx.dataset[sid]
            variants = ddr.variants(ctx.dataset, sid)
        except (KeyError, ValueError) as e:
            ctx.panel.state.set("sample", {"id": sid, "error": str(e)})
            return
        ids, corrs, sevs, paths = variants.values(["id", sch.CORRUPTION, sch.SEVERITY, "filepath"])
        rows = list(dict.fromkeys(c or "?" for c in corrs))  # variants() orders clean first, then family order
        cols = sorted({s if s is not None else 0 for s in sevs})
        cells, images, z = {}, [], [[None] * len(cols) for _ in rows]
        for vid, c, sev, path in zip(ids, corrs, sevs, paths):
            i, j = rows.index(c or "?"), cols.index(sev if sev is not None else 0)
            cells[f"{i},{j}"] = vid
            z[i][j] = 2 if vid == sid else 1
            images.append({
                "source": "/media?filepath=" + urllib.parse.quote(path, safe=""),
                "xref": "x", "yref": "y", "x": j, "y": i, "sizex": 0.9, "sizey": 0.9,
                "xanchor": "center", "yanchor": "middle", "layer": "above",
            })
        gt = sample.get_field(sch.GROUND_TRUTH) if ctx.dataset.has_sample_field(sch.GROUND_TRUTH) else None
        hypernyms = sample.get_field(sch.HYPERNYMS) if ctx.dataset.has_sample_field(sch.HYPERNYMS) else None
        neighbors = sample.get_field("neighbors") if ctx.dataset.has_sample_field("neighbors") else None
        ctx.panel.data.set("variants", [{
            "type": "heatmap", "z": z, "x": list(range(len(cols))), "y": list(range(len(rows))),
            "colorscale": [[0, "#333333"], [1, "#ff6d04"]], "zmin": 1, "zmax": 2, "showscale": False,
            "hoverongaps": False, "hovertemplate": "click to open<extra></extra>",
        }])
        ctx.panel.state.set("sample", {
            "id": sid,
            "label": getattr(gt, "label", None),
            "path": list(hypernyms or []),
            "corruption": sample.get_field(sch.CORRUPTION) if ctx.dataset.has_sample_field(sch.CORRUPTION) else None,
            "severity": sample.get_field(sch.SEVERITY) if ctx.dataset.has_sample_field(sch.SEVERITY) else None,
            "rows": rows, "cols": cols, "cells": cells, "images": images,
            "num_neighbors": len(neighbors or []),
        })

    def _render_sample(self, ctx, panel, sample):
        panel.md("##### Selected sample (click a picture to open it)", name="sample_title")
        if sample.get("error"):
            panel.view("sample_error", types.Error(label=sample["error"]))
            return
        where = f"{sample.get('corruption')} {sample.get('severity')}"
        path = " › ".join(reversed(sample.get("path") or [])) or "(no WordNet path)"
        panel.md(
            f"**{sample.get('label') or '(no label)'}** · {where} · {len(sample.get('cells') or {})} variants"
            f"\n\nWordNet: {path} › **{sample.get('label') or '?'}**",
            name="sample_md",
        )
        rows, cols = sample.get("rows") or [], sample.get("cols") or []
        panel.plot(
            "variants",
            layout={
                "height": 60 + 48 * len(rows),
                "xaxis": {"tickvals": list(range(len(cols))), "ticktext": [str(c) for c in cols],
                          "title": {"text": "severity"}, "range": [-0.5, len(cols) - 0.5]},
                "yaxis": {"tickvals": list(range(len(rows))), "ticktext": rows, "autorange": "reversed"},
                "images": sample.get("images") or [],
                "margin": {"l": 120, "t": 10, "b": 40, "r": _PLOT_RIGHT},
            },
            on_click=self.on_variant_click,
        )
        acts = panel.h_stack("sample_actions", align_x="left", gap=1)
        params = {"sample_id": sample["id"]}
        acts.btn("sample_variants", label="Show variants", icon="grid_view",
                 on_click=f"{PLUGIN}/show_variants", params=params, variant="outlined")
        acts.btn("sample_siblings", label="Sibling classes", icon="account_tree",
                 on_click=f"{PLUGIN}/show_siblings", params=params, prompt=True, variant="outlined")
        if sample.get("num_neighbors"):
            acts.btn("sample_neighbors", label=f"Neighbours ({sample['num_neighbors']})", icon="hub",
                     on_click=f"{PLUGIN}/show_neighbors", params=params, prompt=True, variant="outlined")

    # --- data ------------------------------------------------------------------

    def _refresh(self, ctx, saved=True):
        # every summary below is cached until the dataset changes (see
        # datadiver_fo.customize.summary): a refresh of an unchanged dataset
        # reads a few index entries, not the samples
        view = ctx.view
        state = {"dataset": ctx.dataset.name, "notes": []}
        schema = view.get_field_schema()

        if sch.CORRUPTION in schema and sch.SEVERITY in schema:
            matrix = dds.corruption_severity_matrix(view)
            state["total"] = matrix["total"]
            filtered = []
            if matrix["empty"]:
                full = dds.corruption_severity_matrix(ctx.dataset)
                if full["total"] != matrix["total"]:
                    # a cell the view filtered out is not a gap of the dataset
                    gaps = set(full["empty"])
                    filtered = [cell for cell in matrix["empty"] if cell not in gaps]
            ctx.panel.data.set("heatmap", _heatmap_traces(matrix, filtered))
            state["heatmap_rows"] = len(matrix["corruptions"])
            state["empty_cells"] = len(matrix["empty"]) - len(filtered)
            state["filtered_cells"] = len(filtered)
        else:
            state["total"] = view.count()
            state["heatmap_rows"] = 0
            state["notes"].append("no corruption / severity fields: heatmap hidden")

        if sch.GROUND_TRUTH in schema:
            by = sch.CORRUPTION if sch.CORRUPTION in schema else None
            table = dds.class_table(view, by=by)
            rows = _class_rows(table)
            ctx.panel.data.set("classes", rows)
            state["class_rows"] = [r["class"] for r in rows]
            state["empty_classes"] = len(table["empty_classes"])
        else:
            state["class_rows"] = []

        fields = dds.score_fields(view)[:_MAX_HISTOGRAMS]
        hists = dds.score_distributions(view, fields=fields) if fields else {}
        for field, hist in hists.items():
            ctx.panel.data.set("hist_" + field, _histogram_traces(field, hist))
        state["score_fields"] = [f for f in fields if hists[f]["count"]]
        state["operators"] = [n for n, _, _ in _OPERATOR_BUTTONS if _operator_exists(n)]
        ctx.panel.state.set(state)
        if saved:
            self._refresh_saved(ctx)

    def _refresh_saved(self, ctx):
        rows = dds.saved_views_table(ctx.dataset)
        ctx.panel.data.set(
            "saved",
            [
                {
                    "name": r["name"],
                    "prompt": r["prompt"] or r["description"],
                    "author": r["author"] or "",
                    "created": (r["created_at"] or "")[:16].replace("T", " "),
                }
                for r in rows
            ],
        )
        ctx.panel.state.set("saved_names", [r["name"] for r in rows])

    # --- layout ------------------------------------------------------------------

    def render(self, ctx):
        st = ctx.panel.state
        panel = types.Object()
        total = st.get("total")
        header = "#### DataDiver"
        if total is not None:
            header += f"\n**{total}** samples in the current view of `{st.get('dataset')}`"
            if st.get("empty_cells"):
                header += f" · {st.get('empty_cells')} empty corruption x severity cells"
            if st.get("filtered_cells"):
                header += f" · {st.get('filtered_cells')} cells filtered out by the view"
            if st.get("empty_classes"):
                header += f" · {st.get('empty_classes')} classes without samples"
        panel.md(header, name="header")
        top = panel.h_stack("top_actions", align_x="left", gap=1)
        top.btn("refresh", label="Refresh", icon="refresh", on_click=self.on_refresh)
        top.btn("reset", label="Reset view", icon="restart_alt", on_click=self.on_reset_view)

        # prompt box
        panel.md("##### Prompt to view", name="prompt_title")
        panel.str(
            "prompt",
            label="Describe the samples you want",
            description='e.g. "dogs and cats under heavy fog, no clean images"',
        )
        row = panel.h_stack("prompt_actions", align_x="left", gap=1)
        row.btn("preview_btn", label="Preview", icon="visibility", on_click=self.on_preview, variant="outlined")
        row.btn("apply_btn", label="Apply to App", icon="filter_alt", on_click=self.on_apply, variant="outlined")
        panel.str(_save_key(st), label="Save as (optional name)")
        panel.btn("save_btn", label="Save view", icon="save", on_click=self.on_save, variant="contained")
        preview = st.get("preview")
        if preview:
            if preview.get("error"):
                panel.view("preview_error", types.Error(label=preview["error"]))
            else:
                lines = [
                    f"**Prompt:** {preview.get('prompt')}",
                    f"**Understood:** {preview.get('explanation') or '(nothing)'}",
                    f"**Matches:** {preview.get('count')} samples",
                ]
                lines += [f"⚠ {w}" for w in preview.get("warnings") or []]
                panel.md("\n\n".join(lines), name="preview_md")
        if st.get("message"):
            panel.md(str(st.get("message")), name="message_md")

        if st.get("sample"):
            self._render_sample(ctx, panel, st.get("sample"))

        # overview
        if st.get("heatmap_rows"):
            panel.md("##### Corruption x severity (click a cell to view it)", name="heatmap_title")
            panel.plot(
                "heatmap",
                layout={
                    "height": 80 + _HEATMAP_HEIGHT // 2 * st.get("heatmap_rows"),
                    "xaxis": {"title": {"text": "severity"}, "type": "category"},
                    "yaxis": {"type": "category", "autorange": "reversed"},
                    "margin": {"l": 120, "t": 10, "b": 40, "r": _PLOT_RIGHT},
                },
                on_click=self.on_heatmap_click,
            )
        if st.get("class_rows"):
            panel.md("##### Classes (flagged: empty cells)", name="classes_title")
            table = types.TableView()
            table.add_column("class", label="Class")
            table.add_column("count", label="Count")
            table.add_column("flags", label="Flags")
            table.add_row_action("show_class", self.on_class_click, label="Show", icon="visibility")
            panel.list("classes", types.Object(), view=table)
        for field in st.get("score_fields") or []:
            panel.md(f"##### {field}", name=f"title_{field}")
            panel.plot(
                "hist_" + field,
                layout={"height": 180, "bargap": 0.05, "margin": {"l": 40, "t": 10, "b": 30, "r": _PLOT_RIGHT}},
                on_click=self.on_histogram_click,
            )

        # saved views
        panel.md("##### Saved views", name="saved_title")
        if st.get("saved_names"):
            saved = types.TableView()
            saved.add_column("name", label="Name")
            saved.add_column("prompt", label="Prompt / description")
            saved.add_column("author", label="Who")
            saved.add_column("created", label="When")
            saved.add_row_action("load", self.on_saved_load, label="Load", icon="open_in_browser")
            saved.add_row_action("export", self.on_saved_export, label="Export", icon="download")
            saved.add_row_action("check", self.on_saved_check, label="Check", icon="fact_check")
            panel.list("saved", types.Object(), view=saved)
        else:
            panel.md("*No saved views yet.*", name="saved_none")

        # operators of the bundle
        ops = st.get("operators") or []
        if ops:
            panel.md("##### Operators", name="ops_title")
            # rows of _BUTTONS_PER_ROW: one row of 11 buttons is ~1,050 px wide
            shown = [b for b in _OPERATOR_BUTTONS if b[0] in ops]
            for i in range(0, len(shown), _BUTTONS_PER_ROW):
                row_ = panel.h_stack(f"operators_row_{i // _BUTTONS_PER_ROW}", align_x="left", gap=1)
                for name, label, icon in shown[i:i + _BUTTONS_PER_ROW]:
                    row_.btn(
                        "op_" + name,
                        label=label,
                        icon=icon,
                        on_click=f"{PLUGIN}/{name}",
                        prompt=True,
                        variant="outlined",
                    )
        # no pad=: the App pads a width-100% box, which then scrolls sideways by the padding
        return types.Property(panel, view=types.GridView(orientation="vertical", align_x="left"))


def register(p):
    p.register(DataDiverPanel)

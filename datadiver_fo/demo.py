"""The main job: generate a miniature Tiny-ImageNet-C, load it, enrich it,
customise it, and report what each step produced.

Run ``python -m datadiver_fo.demo --help`` (or ``bash scripts/demo.sh``);
``--small`` is a quick run (about a minute on 2 cores; tests/test_cli.py runs it).

Output: one line per step (its figures, its time, what was saved where), a
few indented detail lines where they are the point (the load table, the
prompts), and a final summary table. A progress bar is drawn on a terminal's
stderr only and erased when its step ends. ``--quiet`` prints the summary
table only; ``--json`` prints one JSON document (steps, figures, times) and
nothing else on stdout.

Every step is a function ``step(ctx, progress) -> Step`` run by
:class:`Runner`: to add a step, write such a function and add one
``runner.run(...)`` line in :func:`main`.
"""
import argparse
import json
import logging
import os
import sys
import time
import warnings

_DEFAULT_OUT = os.path.join(os.path.expanduser("~"), ".datadiver", "demo")
# --small: every step still has something to show (weather + blur for the
# medium selection, noise and digital for the rest), in about a minute on 2 cores
_SMALL = {"classes": 4, "images": 2,
          "corruptions": ["gaussian_noise", "defocus_blur", "motion_blur", "fog", "snow", "jpeg_compression"]}
# third-party loggers whose INFO lines ("Computing uniqueness...", index
# conversions, numba's compiler) are not part of the report
_QUIET_LOGGERS = ("fiftyone", "eta", "umap", "numba", "pynndescent", "PIL")
_W = 27  # width of a step title in the report


class Step(object):
    """What a step reports.

    Args:
        line: the one-line result (figures, what was saved where)
        figures (None): a dict of JSON values (the same figures, for --json)
        details (()): extra lines printed under the step line (text mode)
        short (None): the step's key figure for the summary table
    """

    def __init__(self, line, figures=None, details=(), short=None):
        self.line = line
        self.figures = dict(figures or {})
        self.details = list(details)
        self.short = short if short is not None else line


class _Bar(object):
    """A one-line progress bar on a terminal's stderr, erased by :meth:`clear`:
    a FiftyOne-style ``progress(pb)`` callable."""

    def __init__(self, title, stream):
        self.title = title
        self.stream = stream
        self._last = 0.0
        self.drawn = False

    def __call__(self, pb):
        frac = pb.progress
        now = time.monotonic()
        if frac is None or (now - self._last < 0.1 and not pb.complete):
            return
        self._last = now
        label = (getattr(pb, "label", None) or "")[:40]
        self.stream.write(f"\r\x1b[K  {self.title}: {100 * frac:3.0f}% {label}")
        self.stream.flush()
        self.drawn = True

    def clear(self):
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


class Runner(object):
    """Runs the demo's steps and reports each one.

    Args:
        mode ("text"): ``"text"`` (a line per step + summary table),
            ``"quiet"`` (summary table only) or ``"json"`` (one JSON document
            at the end, nothing else on stdout)
        out (sys.stdout): where the report goes
        bars (None): draw progress bars on stderr (default: in text mode when
            stderr is a terminal)
    """

    def __init__(self, mode="text", out=None, bars=None):
        self.mode = mode
        self.out = out or sys.stdout
        self.bars = (mode == "text" and sys.stderr.isatty()) if bars is None else bars
        self.steps = []
        self.t0 = time.perf_counter()

    def say(self, text=""):
        if self.mode == "text":
            print(text, file=self.out, flush=True)

    def run(self, key, title, fn, *args):
        """Runs ``fn(*args, progress)`` (which returns a :class:`Step`),
        times it and reports it; an exception is recorded and re-raised."""
        n = len(self.steps) + 1
        bar = _Bar(f"[{n}] {title}", sys.stderr) if self.bars else None
        t = time.perf_counter()
        rec = {"step": n, "key": key, "title": title}
        self.steps.append(rec)
        try:
            res = fn(*args, bar if bar is not None else False)
        except BaseException as e:
            rec.update(seconds=round(time.perf_counter() - t, 2), ok=False,
                       error=f"{type(e).__name__}: {e}")
            if bar is not None:
                bar.clear()
            self.say(f"[{n:>2}] {title:<{_W}} FAILED after {rec['seconds']:.1f} s: {rec['error']}")
            raise
        if bar is not None:
            bar.clear()
        dt = time.perf_counter() - t
        rec.update(seconds=round(dt, 2), ok=True, summary=res.line, short=res.short,
                   figures=res.figures)
        self.say(f"[{n:>2}] {title:<{_W}} {res.line} ({dt:.1f} s)")
        for d in res.details:
            self.say(f"{'':7}{d}")
        return res

    def summary(self):
        """The summary table: one row per step (seconds, key figure) and the total."""
        total = time.perf_counter() - self.t0
        w = max([len(s["title"]) for s in self.steps] + [5])
        lines = [f"{'step':<{w + 4}} {'seconds':>8}  result",
                 f"{'-' * (w + 4)} {'-' * 8}  {'-' * 40}"]
        for s in self.steps:
            res = s.get("short") if s.get("ok") else "FAILED: " + s.get("error", "")
            lines.append(f"{s['step']:>2}. {s['title']:<{w}} {s['seconds']:>8.1f}  {res}")
        lines.append(f"{'total':<{w + 4}} {total:>8.1f}")
        return lines

    def document(self, **extra):
        """The --json document: ``ok``, ``seconds``, ``steps`` (step, key,
        title, seconds, ok, summary, short, figures / error), plus ``extra``."""
        return {"ok": all(s.get("ok") for s in self.steps),
                "seconds": round(time.perf_counter() - self.t0, 2),
                "steps": self.steps, **extra}


def quiet_third_party():
    """Silences third-party INFO logs, FiftyOne's own progress bars (each step
    reports through the runner's bar) and UMAP's seed/parallelism notice."""
    import fiftyone as fo

    fo.config.show_progress_bars = False
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message=r".*overridden to 1 by setting random_state")


# --------------------------------------------------------------------------- #
# steps: each takes what it needs and `progress`, returns a Step
# --------------------------------------------------------------------------- #


def _miniature(ctx, progress):
    import datadiver_fo as ddf

    info = ddf.make_miniature(ctx.args.out, num_classes=ctx.classes,
                              images_per_class=ctx.images, corruptions=ctx.corruptions,
                              seed=ctx.args.seed, progress=progress)
    ctx.info = info
    return Step(f"{info.num_files} files -> {info.root}",
                {"num_files": info.num_files, "num_written": info.num_written,
                 "root": info.root, "clean_root": info.clean_root,
                 "classes": len(info.wnids), "corruptions": len(info.corruptions)},
                short=f"{info.num_files} files")


def _load(ctx, progress):
    import datadiver_fo as ddf

    ds = ddf.load_tiny_imagenet_c(ctx.info.root, name=ctx.args.name,
                                  clean_root=ctx.info.clean_root,
                                  overwrite=ctx.args.fresh, progress=progress)
    ctx.ds = ds
    nsrc = len(ds.distinct("source_id"))
    ncls = len(ds.distinct("ground_truth.label"))
    table = ddf.summarize(ds).splitlines()[1:]
    return Step(f"{len(ds)} samples, {ncls} classes, {nsrc} source pictures -> dataset "
                f"{ds.name!r}",
                {"dataset": ds.name, "num_samples": len(ds), "classes": ncls,
                 "sources": nsrc},
                details=table, short=f"{len(ds)} samples")


def _embeddings(ctx, progress):
    import datadiver_fo as ddf

    # model="auto": cached open_clip / timm weights if any (never a download),
    # else the weightless embedder; the report says which and why
    rep = ddf.compute_embeddings(ctx.ds, model="auto", progress=progress)
    done = (f"{rep.embedded} x {rep.dim}-d" if rep.embedded or not rep.skipped
            else f"{rep.skipped} already embedded ({rep.dim}-d)")
    return Step(f"{done}, model {rep.model!r} ({rep.model_reason}), "
                f"{rep.device} {rep.precision} -> field {rep.field!r}",
                {"model": rep.model, "model_reason": rep.model_reason, "device": rep.device,
                 "precision": rep.precision, "field": rep.field, "dim": rep.dim,
                 "embedded": rep.embedded, "skipped": rep.skipped,
                 "failed": rep.num_failed},
                # a re-run keeps the vectors already there: say so, not "0 x 850-d"
                short=(f"{rep.embedded} x {rep.dim}-d" if rep.embedded or not rep.skipped
                       else f"{rep.skipped} kept, {rep.dim}-d"))


def _map(ctx, progress):
    import datadiver_fo as ddf

    ds = ctx.ds
    ddf.compute_projection(ds, embeddings="embeddings", method="umap", seed=51,
                           progress=progress)
    ddf.compute_similarity(ds, embeddings="embeddings", metric="cosine", progress=progress)
    nb = ddf.write_neighbors(ds, embeddings="embeddings", k=10, progress=progress)
    ddf.compute_uniqueness(ds, embeddings="embeddings", progress=progress)
    runs = ds.list_brain_runs()
    return Step(f"UMAP map, cosine index, {nb.k} neighbours per sample, uniqueness -> "
                f"brain runs {', '.join(runs)}",
                {"brain_runs": runs, "neighbors_field": nb.field, "k": nb.k},
                short=f"{len(runs)} brain runs")


def _predictions(ctx, progress):
    import datadiver_fo as ddf

    rep = ddf.compute_predictions(ctx.ds, embeddings="embeddings", progress=progress)
    members = ", ".join(m["name"] for m in rep.members)
    return Step(f"{len(rep.members)} probes ({members}), grouped 5-fold, out-of-sample "
                f"accuracy {rep.accuracy:.3f} -> field {rep.pred_field!r}",
                {"members": [m["name"] for m in rep.members], "accuracy": rep.accuracy,
                 "member_accuracy": rep.member_accuracy, "field": rep.pred_field},
                short=f"accuracy {rep.accuracy:.3f}")


def _ood(ctx, progress):
    import datadiver_fo as ddf

    rep = ddf.compute_ood(ctx.ds, knn_embeddings="embeddings", progress=progress)
    b = rep.band_counts
    k = rep.knn["k"] if rep.knn else None
    return Step(f"mean ood_score {rep.mean_score:.2f}, bands low {b['low']} / mid "
                f"{b['mid']} / high {b['high']}, ood_knn k={k} -> view {rep.view!r}",
                {"mean_score": rep.mean_score, "band_counts": dict(b), "knn_k": k,
                 "view": rep.view},
                short=f"{b['high']} high")


def _label_issues(ctx, progress):
    import datadiver_fo as ddf

    rep = ddf.find_label_issues(ctx.ds, progress=progress)
    grp = ""
    if rep.group_field:
        grp = f" ({rep.num_group_issues} of {rep.num_groups} source pictures)"
    return Step(f"{rep.num_issues} of {rep.num_checked} labels flagged{grp} -> fields "
                f"label_issue, label_quality, view {rep.view!r}",
                {"num_checked": rep.num_checked, "num_issues": rep.num_issues,
                 "num_groups": rep.num_groups, "num_group_issues": rep.num_group_issues,
                 "issues_per_class": dict(rep.issues_per_class), "view": rep.view},
                short=f"{rep.num_issues} flagged{grp}")


def _quality(ctx, progress):
    import datadiver_fo as ddf

    rep = ddf.compute_quality(ctx.ds, progress=progress)
    fails = len(rep.failures)
    scores = [f for f in rep.fields if not f.endswith("_z")]
    return Step(f"{len(rep.fields)} fields ({', '.join(scores)}, each with a _z score), "
                f"{len(rep.views)} views, {fails} undecodable",
                {"fields": list(rep.fields), "views": list(rep.views), "failures": fails},
                short=f"{len(rep.fields)} fields")


def _duplicates(ctx, progress):
    import datadiver_fo as ddf

    # threshold="auto": calibrated on the embeddings, so the report is a short list
    rep = ddf.find_duplicates(ctx.ds, embeddings="embeddings", threshold="auto", progress=progress)
    leaks = None if rep.leaks is None else len(rep.leaks)
    return Step(f"{len(rep.exact_groups)} exact groups, {len(rep.duplicates)} near pairs "
                f"across pictures, {len(rep.same_source)} within one picture, "
                f"{'no split tags' if leaks is None else f'{leaks} leaks'} -> "
                f"{len(rep.views)} views",
                {"exact_groups": len(rep.exact_groups), "near_pairs": len(rep.duplicates),
                 "same_source_pairs": len(rep.same_source), "leaks": leaks,
                 "views": list(rep.views)},
                short=f"{len(rep.duplicates)} near pairs")


_PROMPTS = (
    "cats under heavy fog or snow, but no clean images",
    "blurry images at least severity 3",
    "top 50 most out-of-distribution",
    "likely mislabeled",
)


def _prompts(ctx, progress):
    import datadiver_fo as ddf

    details, saved, refused = [], {}, {}
    for text in _PROMPTS:
        try:
            res = ddf.text_to_view(ctx.ds, text, llm="offline")
        except ValueError as e:  # e.g. a class the miniature does not have
            refused[text] = str(e)
            details.append(f"{text!r}: refused: {e}")
            continue
        name = ddf.save_prompt_view(ctx.ds, text, llm="offline", result=res, overwrite=True)
        saved[text] = {"view": name, "num_samples": len(res.view)}
        details.append(f"{text!r} -> {len(res.view)} samples, view {name!r}")
        details.append(f"    understood: {res.explanation}")
    return Step(f"{len(saved)} of {len(_PROMPTS)} prompts saved as views (offline parser)",
                {"saved": saved, "refused": refused}, details=details,
                short=f"{len(saved)} views")


def _customise(ctx, progress):
    import datadiver_fo as ddf
    from datadiver_fo.io.torch import make_dataset, make_loader

    ds = ctx.ds
    kw = dict(families=["weather", "blur"], severities=[1, 2, 3], missing_labels="exclude")
    before = len(ddf.select(ds, **kw))
    # The same two samples every run (chosen ignoring earlier exclusions), so
    # re-running the demo leaves the dataset as it was.
    drop = ddf.select(ds, honor_exclusions=False, **kw).take(2, seed=51)
    ddf.exclude_samples(ds, drop, reason="demo: fine-grained exclusion")
    view = ddf.select(ds, **kw)
    ddf.save_selection(ds, "datadiver/demo-weather-blur",
                       ddf.select(ds, return_spec=True, **kw)[1], overwrite=True)
    nvar = len(ddf.variants(ds, view.first()))
    export_dir = os.path.join(ctx.args.out, "export-weather-blur")
    rep = ddf.export_view(view, export_dir, format="tiny-imagenet-c", overwrite=True,
                          progress=progress)
    images, labels = next(iter(make_loader(make_dataset(view), batch_size=32,
                                           num_workers=0)))
    return Step(f"weather+blur sev 1-3: {before} -> {len(view)} after excluding 2 (undoable), "
                f"exported {rep.num_exported} -> {export_dir}",
                {"selected": before, "after_exclusion": len(view), "variants": nvar,
                 "exported": rep.num_exported, "export_dir": export_dir,
                 "selection": "datadiver/demo-weather-blur",
                 "torch_batch": list(images.shape)},
                details=[f"selection saved as 'datadiver/demo-weather-blur'; one picture has "
                         f"{nvar} variants; torch batch: images {tuple(images.shape)}, "
                         f"labels {labels[:8].tolist()}"],
                short=f"{rep.num_exported} exported")


class _Context(object):
    pass


def _write_report(runner, args, app):
    doc = runner.document(dataset=args.name, out=args.out, app=app)
    if args.json:
        print(json.dumps(doc), flush=True)
    if args.report:
        with open(args.report, "w") as f:
            json.dump(doc, f, indent=1)


def _corrupt_copy(ctx, progress):
    """A -C copy of the clean miniature (corrupt_dataset): 2 corruptions x 2
    severities of the clean val images, linked to them by source_id."""
    import fiftyone as fo

    import datadiver_fo as ddf
    from datadiver_fo.internal import store

    ds = ctx.ds
    clean = ds.match_tags("val").match(fo.ViewField("corruption") == "clean")
    # one folder per build of the source dataset: a --fresh rebuild has new sample ids
    out = os.path.join(ctx.args.out, "clean-c-" + store.dataset_id(ds))
    name = ds.name + "-c"
    if fo.dataset_exists(name) and (fo.load_dataset(name).info.get("datadiver_corrupt") or {}).get(
            "out_dir") != out:
        fo.delete_dataset(name)  # the demo's own copy of an earlier build
    copy = ddf.corrupt_dataset(clean, out, corruptions=["gaussian_noise", "fog"],
                               severities=[1, 5], name=name, progress=progress)
    info = copy.info["datadiver_corrupt"]
    return Step(f"{len(clean)} clean images -> {len(copy)} samples in {copy.name!r} under {out} "
                f"({info['written']} written, {info['already_present']} already there)",
                {"source": len(clean), "samples": len(copy), "dataset": copy.name, "out_dir": out,
                 "written": info["written"], "already_present": info["already_present"]},
                short=f"{len(copy)} samples")


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="datadiver-demo",
        description="Generate a miniature Tiny-ImageNet-C, load it into FiftyOne, "
        "enrich and customise it.",
    )
    ap.add_argument("--out", default=_DEFAULT_OUT, help="where the miniature is written")
    ap.add_argument("--name", default="datadiver-demo", help="dataset name")
    ap.add_argument("--classes", type=int, default=None, help="number of classes (default 10)")
    ap.add_argument("--images", type=int, default=None, help="source images per class (default 4)")
    ap.add_argument("--corruptions", default=None,
                    help="comma-separated corruption names (default: all 19)")
    ap.add_argument("--small", action="store_true",
                    help=f"a quick run: {_SMALL['classes']} classes x {_SMALL['images']} images, "
                    f"corruptions {','.join(_SMALL['corruptions'])} (unless given explicitly)")
    ap.add_argument("--seed", type=int, default=51)
    ap.add_argument("--fresh", action="store_true", help="delete and rebuild the dataset")
    ap.add_argument("--launch", action="store_true", help="open the FiftyOne App at the end")
    ap.add_argument("--port", type=int, default=5151)
    out = ap.add_mutually_exclusive_group()
    out.add_argument("--quiet", action="store_true", help="print the summary table only")
    out.add_argument("--json", action="store_true",
                     help="print one JSON document (steps, figures, times) and nothing else")
    ap.add_argument("--report", default=None, metavar="FILE",
                    help="also write that JSON document to FILE")
    args = ap.parse_args(argv)
    if args.launch and args.json:
        ap.error("--launch and --json do not go together")
    defaults = _SMALL if args.small else {"classes": 10, "images": 4, "corruptions": None}
    ctx = _Context()
    ctx.args = args
    ctx.classes = args.classes if args.classes is not None else defaults["classes"]
    ctx.images = args.images if args.images is not None else defaults["images"]
    ctx.corruptions = args.corruptions.split(",") if args.corruptions else defaults["corruptions"]

    os.environ.setdefault("FIFTYONE_DATABASE_VALIDATION", "false")
    mode = "json" if args.json else "quiet" if args.quiet else "text"
    runner = Runner(mode)
    quiet_third_party()
    app = {"command": f"python -c \"import fiftyone as fo; s = fo.launch_app("
                      f"fo.load_dataset('{args.name}'), port={args.port}); s.wait()\"",
           "url": f"http://localhost:{args.port}/datasets/{args.name}"}
    runner.say(f"DataDiver demo: dataset {args.name!r}, files under {args.out}")
    try:
        runner.run("miniature", "generate a miniature", _miniature, ctx)
        runner.run("load", "load into FiftyOne", _load, ctx)
        runner.run("embeddings", "embeddings", _embeddings, ctx)
        runner.run("map", "map, similarity, neighbours", _map, ctx)
        runner.run("predictions", "out-of-sample predictions", _predictions, ctx)
        runner.run("ood", "OoD scores", _ood, ctx)
        runner.run("label_issues", "label issues", _label_issues, ctx)
        runner.run("quality", "image quality", _quality, ctx)
        runner.run("duplicates", "duplicates and leaks", _duplicates, ctx)
        runner.run("prompts", "prompts to saved views", _prompts, ctx)
        runner.run("customise", "edits, export, torch", _customise, ctx)
        runner.run("corrupt_copy", "a -C copy of the clean images", _corrupt_copy, ctx)
    except Exception:
        _write_report(runner, args, app)
        if mode == "json":
            import traceback

            traceback.print_exc()  # to stderr: stdout holds the document only
            return 1
        for line in runner.summary():
            print(line, file=sys.stderr)
        raise

    _write_report(runner, args, app)
    if mode == "json":
        return 0
    ds = ctx.ds
    if mode == "text":
        print("\nsummary", flush=True)
    for line in runner.summary():
        print(line, flush=True)
    print(f"dataset {ds.name!r}: {len(ds)} samples, {len(ds.list_saved_views())} saved views, "
          f"{len(ds.list_brain_runs())} brain runs; open it: {app['command']}")
    print(f"then {app['url']} and open the DataDiver panel")
    if args.launch:
        import fiftyone as fo

        session = fo.launch_app(ds, port=args.port, address="0.0.0.0")
        print(f"App running at {session.url} (Ctrl-C to stop)")
        session.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())

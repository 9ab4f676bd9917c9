"""The main job: generate a miniature Tiny-ImageNet-C, load it, enrich it,
customise it, and print what each step produced.

Run ``python -m datadiver_fo.demo --help`` (or ``bash scripts/demo.sh``);
``--small`` is a quick run (about a minute on 2 cores; tests/test_cli.py runs it).
"""
import argparse
import os
import sys
import time

_DEFAULT_OUT = os.path.join(os.path.expanduser("~"), ".datadiver", "demo")
# --small: every step still has something to show (weather + blur for the
# medium selection, noise and digital for the rest), in about a minute on 2 cores
_SMALL = {"classes": 4, "images": 2,
          "corruptions": ["gaussian_noise", "defocus_blur", "motion_blur", "fog", "snow", "jpeg_compression"]}


def _brief(report, limit=6):
    """One line per report: scalars as they are, long lists and dicts by size."""
    if isinstance(report, dict):
        pass
    elif callable(getattr(report, "to_dict", None)):
        report = report.to_dict()
    elif hasattr(report, "__dataclass_fields__"):
        import dataclasses

        report = dataclasses.asdict(report)
    if not isinstance(report, dict):
        return str(report)
    parts = []
    for k, v in report.items():
        if isinstance(v, (list, tuple, set)):
            v = f"[{len(v)}]" if len(v) > limit else list(v)
        elif isinstance(v, dict):
            v = f"{{{len(v)}}}" if len(v) > limit else v
        elif isinstance(v, float):
            v = round(v, 3)
        parts.append(f"{k}={v}")
    return ", ".join(parts)


def _step(title):
    print(f"\n=== {title} ===", flush=True)
    return time.perf_counter()


def _done(t0):
    print(f"    ({time.perf_counter() - t0:.1f} s)", flush=True)


def _embeddings(ds):
    import datadiver_fo as ddf

    t = _step("3. embeddings, 2D map, similarity index, neighbours")
    # model="auto": cached open_clip / timm weights if any (never a download), else the
    # weightless embedder; the report says which and why.
    rep = ddf.compute_embeddings(ds, model="auto", progress=True)
    print(f"    model: {rep['model']} ({rep['model_reason']}); device {rep['device']}, "
          f"{rep['precision']}")
    print(f"    embeddings: {_brief(rep)}")
    ddf.compute_projection(ds, embeddings="embeddings", method="umap", seed=51)
    ddf.compute_similarity(ds, embeddings="embeddings", metric="cosine")
    ddf.write_neighbors(ds, embeddings="embeddings", k=10)
    ddf.compute_uniqueness(ds, embeddings="embeddings")
    print(f"    runs: {', '.join(ds.list_brain_runs())}")
    _done(t)


def _scores(ds):
    import datadiver_fo as ddf

    t = _step("4. out-of-sample predictions, OoD scores, label issues")
    ddf.compute_predictions(ds, embeddings="embeddings", progress=True)
    ood = ddf.compute_ood(ds, knn_embeddings="embeddings", progress=True)
    issues = ddf.find_label_issues(ds, progress=True)
    print(f"    OoD: {_brief(ood)}")
    print(f"    label issues: {_brief(issues)}")
    _done(t)


def _curation(ds):
    import datadiver_fo as ddf

    t = _step("5. image quality and duplicates")
    ddf.compute_quality(ds, progress=True)
    # threshold="auto": calibrated on the embeddings, so the report is a short list
    dup = ddf.find_duplicates(ds, embeddings="embeddings", threshold="auto", progress=True)
    print(f"    duplicates: {_brief(dup)}")
    _done(t)


def _prompts(ds):
    import datadiver_fo as ddf

    t = _step("6. plain-language prompts become saved views (offline parser)")
    for text in (
        "cats under heavy fog or snow, but no clean images",
        "blurry images at least severity 3",
        "top 50 most out-of-distribution",
        "likely mislabeled",
    ):
        try:
            res = ddf.text_to_view(ds, text, llm="offline")
        except ValueError as e:  # e.g. a class the miniature does not have
            print(f"    {text!r}: refused: {e}")
            continue
        name = ddf.save_prompt_view(ds, text, llm="offline", result=res, overwrite=True)
        print(f"    {text!r} -> {len(res.view)} samples, saved as {name!r}")
        print(f"        understood: {res.explanation}")
    _done(t)


def _customise(ds, out_dir):
    import os

    import datadiver_fo as ddf
    from datadiver_fo.io.torch import make_dataset, make_loader

    t = _step("7. medium and fine edits, relations, export, a torch loader")
    view = ddf.select(ds, families=["weather", "blur"], severities=[1, 2, 3],
                      missing_labels="exclude")
    print(f"    select(weather + blur, severity 1-3): {len(view)} samples")
    # The same two samples every run (chosen ignoring earlier exclusions), so
    # re-running the demo leaves the dataset as it was.
    drop = ddf.select(ds, families=["weather", "blur"], severities=[1, 2, 3],
                      missing_labels="exclude", honor_exclusions=False).take(2, seed=51)
    ddf.exclude_samples(ds, drop, reason="demo: fine-grained exclusion")
    view = ddf.select(ds, families=["weather", "blur"], severities=[1, 2, 3],
                      missing_labels="exclude")
    print(f"    after excluding 2 samples (fine edit, undoable): {len(view)} samples")
    ddf.save_selection(ds, "datadiver/demo-weather-blur", ddf.select(
        ds, families=["weather", "blur"], severities=[1, 2, 3], missing_labels="exclude",
        return_spec=True)[1], overwrite=True)
    sample = view.first()
    print(f"    variants of {sample.source_id}: {len(ddf.variants(ds, sample))}")
    export_dir = os.path.join(out_dir, "export-weather-blur")
    rep = ddf.export_view(view, export_dir, format="tiny-imagenet-c", overwrite=True)
    print(f"    exported: {_brief(rep)}")
    loader = make_loader(make_dataset(view), batch_size=32, num_workers=0)
    images, labels = next(iter(loader))
    print(f"    torch batch: images {tuple(images.shape)}, labels {labels[:8].tolist()}")
    _done(t)


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
    args = ap.parse_args(argv)
    defaults = _SMALL if args.small else {"classes": 10, "images": 4, "corruptions": None}
    classes = args.classes if args.classes is not None else defaults["classes"]
    images = args.images if args.images is not None else defaults["images"]
    corruptions = args.corruptions.split(",") if args.corruptions else defaults["corruptions"]

    os.environ.setdefault("FIFTYONE_DATABASE_VALIDATION", "false")
    import fiftyone as fo

    import datadiver_fo as ddf

    t = _step("1. generate a miniature Tiny-ImageNet-C from real photos")
    info = ddf.make_miniature(args.out, num_classes=classes, images_per_class=images,
                              corruptions=corruptions, seed=args.seed)
    print(f"    {info.num_files} files under {info.root}")
    print(f"    clean set: {info.clean_root}")
    _done(t)

    t = _step("2. load it into FiftyOne")
    ds = ddf.load_tiny_imagenet_c(info.root, name=args.name, clean_root=info.clean_root,
                                  overwrite=args.fresh, progress=True)
    print(ddf.summarize(ds))
    _done(t)

    _embeddings(ds)
    _scores(ds)
    _curation(ds)
    _prompts(ds)
    _customise(ds, args.out)

    print("\n=== open it in the App ===")
    print(f"    python -c \"import fiftyone as fo; s = fo.launch_app(fo.load_dataset('{ds.name}'), "
          f"port={args.port}); s.wait()\"")
    print(f"    then http://localhost:{args.port}/datasets/{ds.name} and open the DataDiver panel")
    if args.launch:
        session = fo.launch_app(ds, port=args.port, address="0.0.0.0")
        print(f"    App running at {session.url} (Ctrl-C to stop)")
        session.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The ``datadiver`` command.

::

    datadiver demo [--small] [--launch]       # the main job (see datadiver_fo/demo.py);
                                              # --small: about a minute on 2 cores
    datadiver miniature OUT [--classes 10]    # write a miniature Tiny-ImageNet-C
    datadiver load ROOT [--name N] [--clean-root DIR]
                                              # demo, miniature and load take --quiet
                                              # (summary / nothing) or --json (one
                                              # JSON document on stdout) for scripts
    datadiver serve DATASET [--brain-key K] [--host H] [--port P]
                                              # the similarity service (FastAPI); a host other
                                              # than loopback needs $DATADIVER_SERVICE_TOKEN
"""
import argparse
import sys


def _load(argv):
    ap = argparse.ArgumentParser(prog="datadiver load", description="Load a Tiny-ImageNet-C folder")
    ap.add_argument("root")
    ap.add_argument("--name", default="tiny-imagenet-c")
    ap.add_argument("--clean-root", default=None)
    ap.add_argument("--corruptions", default=None, help="comma-separated")
    ap.add_argument("--severities", default=None, help="comma-separated, e.g. 1,5")
    ap.add_argument("--overwrite", action="store_true")
    out = ap.add_mutually_exclusive_group()
    out.add_argument("--quiet", action="store_true", help="print one summary line")
    out.add_argument("--json", action="store_true", help="print one JSON document")
    args = ap.parse_args(argv)
    import time

    import datadiver_fo as ddf

    t0 = time.perf_counter()
    scripted = args.quiet or args.json
    if scripted:
        import logging

        logging.getLogger("fiftyone").setLevel(logging.WARNING)  # index notices
    ds = ddf.load_tiny_imagenet_c(
        args.root,
        name=args.name,
        clean_root=args.clean_root,
        corruptions=args.corruptions.split(",") if args.corruptions else None,
        severities=[int(s) for s in args.severities.split(",")] if args.severities else None,
        overwrite=args.overwrite,
        progress=not scripted,
    )
    dt = time.perf_counter() - t0
    rep = ddf.import_report(ds) or {}
    if args.json:
        import json

        print(json.dumps({
            "dataset": ds.name, "num_samples": len(ds),
            "classes": len(ds.distinct("ground_truth.label")),
            "sources": len(ds.distinct("source_id")),
            "found": rep.get("found"), "added": rep.get("added"),
            "skipped": dict(rep.get("skipped") or {}),
            "missing_corruptions": list(rep.get("missing_corruptions") or []),
            "seconds": round(dt, 2)}, default=str))
    elif args.quiet:
        print(f"{ds.name}: {len(ds)} samples ({rep.get('added')} added) in {dt:.1f} s")
    else:
        print(ddf.summarize(ds))
    return 0


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = {
        "demo": lambda a: __import__("datadiver_fo.demo", fromlist=["main"]).main(a),
        "miniature": lambda a: __import__("datadiver_fo.io.miniature", fromlist=["main"]).main(a),
        "load": _load,
        "serve": lambda a: __import__("datadiver_fo.curation.service", fromlist=["main"]).main(a),
    }
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in commands:
        print(__doc__.strip())
        return 0 if not argv or argv[0] in ("-h", "--help") else 2
    return commands[argv[0]](argv[1:]) or 0


if __name__ == "__main__":
    sys.exit(main())

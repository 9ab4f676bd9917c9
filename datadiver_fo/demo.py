"""The main job: generate a miniature Tiny-ImageNet-C, load it, enrich it,
customise it, and print what each step produced.

Run ``python -m datadiver_fo.demo --help`` (or ``bash scripts/demo.sh``).
"""
import argparse
import os
import sys
import time

_DEFAULT_OUT = os.path.join(os.path.expanduser("~"), ".datadiver", "demo")


def _step(title):
    print(f"\n=== {title} ===", flush=True)
    return time.perf_counter()


def _done(t0):
    print(f"    ({time.perf_counter() - t0:.1f} s)", flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="datadiver-demo",
        description="Generate a miniature Tiny-ImageNet-C, load it into FiftyOne, "
        "enrich and customise it.",
    )
    ap.add_argument("--out", default=_DEFAULT_OUT, help="where the miniature is written")
    ap.add_argument("--name", default="datadiver-demo", help="dataset name")
    ap.add_argument("--classes", type=int, default=10, help="number of classes")
    ap.add_argument("--images", type=int, default=4, help="source images per class")
    ap.add_argument("--seed", type=int, default=51)
    ap.add_argument("--fresh", action="store_true", help="delete and rebuild the dataset")
    ap.add_argument("--launch", action="store_true", help="open the FiftyOne App at the end")
    ap.add_argument("--port", type=int, default=5151)
    args = ap.parse_args(argv)

    os.environ.setdefault("FIFTYONE_DATABASE_VALIDATION", "false")
    import fiftyone as fo

    import datadiver_fo as ddf

    t = _step("1. generate a miniature Tiny-ImageNet-C from real photos")
    info = ddf.make_miniature(args.out, num_classes=args.classes,
                              images_per_class=args.images, seed=args.seed)
    print(f"    {info.num_files} files under {info.root}")
    print(f"    clean set: {info.clean_root}")
    _done(t)

    t = _step("2. load it into FiftyOne")
    ds = ddf.load_tiny_imagenet_c(info.root, name=args.name, clean_root=info.clean_root,
                                  overwrite=args.fresh, progress=True)
    print(ddf.summarize(ds))
    _done(t)

    for step in _ENRICH_STEPS:
        step(ds)

    print("\n=== open it in the App ===")
    print(f"    python -c \"import fiftyone as fo; s = fo.launch_app(fo.load_dataset('{ds.name}'), "
          f"port={args.port}); s.wait()\"")
    print(f"    then http://localhost:{args.port}/datasets/{ds.name} and open the DataDiver panel")
    if args.launch:
        session = fo.launch_app(ds, port=args.port, address="0.0.0.0")
        print(f"    App running at {session.url} (Ctrl-C to stop)")
        session.wait()
    return 0


# Later features append their demo steps here: each takes the dataset.
_ENRICH_STEPS = []


if __name__ == "__main__":
    sys.exit(main())

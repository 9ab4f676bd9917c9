"""Builds ``datadiver_fo/data/tiny_imagenet_wordnet.json`` from WordNet 3.0.

Run once (the output is committed); re-running on the same WordNet gives a
byte-identical file::

    apt-get install -y wordnet-base          # Debian's WordNet 3.0
    .venv/bin/python scripts/build_wordnet_table.py [--wordnet-dir DIR] [--check]
    .venv/bin/python scripts/build_wordnet_table.py --classes imagenet1k [--check]

``--classes imagenet1k`` builds ``datadiver_fo/data/imagenet1k_wordnet.json``
the same way for the 1000 ImageNet-1k wnids of
``datadiver_fo/data/imagenet1k_wnids.txt`` (class-index order, copied from
timm's ``timm/data/_info/imagenet_synsets.txt``), without the ``hyponyms``
section (ImageNet-C samples need class names and hypernyms only).

Input:
    ``<wordnet-dir>/data.noun`` (WordNet's noun database),
    ``<wordnet-dir>/index.noun`` (senses of each lemma, most frequent first)
    and ``<wordnet-dir>/noun.exc`` (irregular plurals), default
    ``/usr/share/wordnet``; the 200 wnids of
    ``datadiver_fo/data/tiny_imagenet_wnids.txt``.

How it reads WordNet:
    a wnid ``nXXXXXXXX`` is the byte offset ``XXXXXXXX`` of its line in
    ``data.noun``. A line is ``offset lex_filenum ss_type w_cnt (word lex_id)*
    p_cnt (symbol offset pos source/target)* | gloss``; the pointers ``@``
    (hypernym) and ``@i`` (instance hypernym) are the parents. Following them
    up to ``entity`` gives every ancestor; 8 Tiny classes have two parents
    somewhere on the way, so every path is kept (the hierarchy is a DAG).

Names:
    -   a synset's name is its first lemma with underscores turned into
        spaces (``domestic_dog`` -> ``domestic dog``);
    -   class names must be unique across the 200 (case-insensitively). When
        several classes share a first lemma, each of them becomes
        ``"<lemma> (<direct parent's name>)"``; if that still collides the
        wnid is used instead of the parent's name. Only colliding classes are
        renamed, so the rule is deterministic and stable;
    -   ancestor (group) names are not made unique: two synsets may share a
        name ("food" is both ``food, nutrient`` and ``food, solid food``) and a
        group name then means the union of both, which is what matching the
        ``hypernyms`` field of a sample by name does too.

Output (JSON, sorted keys, 1-space indent):
    ``classes``: list in wnids.txt order of ``{wnid, name, lemmas,
    definition, parents, ancestors, paths}`` where ``ancestors`` are ancestor
    wnids nearest first (breadth-first, deduplicated) and ``paths`` every
    path from the direct parent up to ``entity``.
    ``synsets``: every ancestor synset ``wnid -> {name, lemmas, definition,
    parents}``.
    ``plurals``: irregular plurals (from noun.exc) of every lemma in the
    table, ``plural -> lemma``.
    ``multi_parent``: the Tiny wnids with more than one direct hypernym (8).
    ``multi_path``: the Tiny wnids with more than one path to ``entity``
    (they or an ancestor have several hypernyms).
    ``renamed``: class wnid -> why its name differs from its first lemma.
    ``hyponyms``: synsets below the table that a prompt may name, ``wnid ->
    {lemmas, of, relation}``: every descendant of a class (``relation``
    ``"kind"``: a honeybee is a kind of bee, so "honeybees" means the class
    bee), and every life-stage or sex synset (below ``young, offspring``,
    ``male`` or ``female`` animal) with a class or ancestor synset among its
    direct hypernyms (``relation`` ``"young"``/``"male"``/``"female"``:
    puppy is a young dog, so "puppies" means the group dog). ``of`` lists the
    class or ancestor wnids it falls under. Only lemmas whose most frequent
    noun sense (first in WordNet's ``index.noun``) is that synset are kept:
    "puppy" (first sense: young dog) stays, "drill" (first sense: the tool,
    not the baboon) and "tank" do not. Other synsets below a group
    (pug under dog, apple under edible fruit) are left out on purpose: they
    are not on the dataset, and reading them as the group would widen the
    selection.

``--check`` rebuilds in memory and exits 1 if the committed file differs.
"""
import argparse
import json
import os
import sys
from collections import OrderedDict, deque

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(REPO, "datadiver_fo", "data")
WNIDS_TXT = os.path.join(DATA, "tiny_imagenet_wnids.txt")
OUT_JSON = os.path.join(DATA, "tiny_imagenet_wordnet.json")
# ImageNet-1k (ImageNet-C): the 1000 wnids in class-index order, copied from
# timm's wheel (timm/data/_info/imagenet_synsets.txt, Apache-2.0).
IN1K_WNIDS_TXT = os.path.join(DATA, "imagenet1k_wnids.txt")
IN1K_OUT_JSON = os.path.join(DATA, "imagenet1k_wordnet.json")
SETS = {"tiny": (WNIDS_TXT, OUT_JSON, True), "imagenet1k": (IN1K_WNIDS_TXT, IN1K_OUT_JSON, False)}
_HYPERNYM_POINTERS = ("@", "@i")


def parse_data_noun(path):
    """Parses WordNet's ``data.noun``.

    Args:
        path: path to ``data.noun``

    Returns:
        dict ``offset (8-digit str) -> {"lemmas": [str], "parents": [offset],
        "definition": str}``; lemmas keep WordNet's spelling (underscores).
    """
    synsets = {}
    with open(path, "r", encoding="utf-8") as f:
        for line in f:
            if line.startswith(" "):  # the licence header lines start with spaces
                continue
            data, _, gloss = line.partition(" | ")
            fields = data.split()
            offset = fields[0]
            w_cnt = int(fields[3], 16)
            lemmas = [fields[4 + 2 * i] for i in range(w_cnt)]
            i = 4 + 2 * w_cnt
            p_cnt = int(fields[i])
            parents = []
            for k in range(p_cnt):
                symbol, target, pos = fields[i + 1 + 4 * k : i + 4 + 4 * k]
                if symbol in _HYPERNYM_POINTERS and pos == "n":
                    parents.append(target)
            synsets[offset] = {
                "lemmas": lemmas,
                "parents": parents,
                "definition": gloss.strip(),
            }
    return synsets


def parse_noun_exc(path):
    """Parses WordNet's ``noun.exc`` (irregular plural -> base forms)."""
    exc = {}
    with open(path, "r", encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2:
                exc[parts[0]] = parts[1:]
    return exc


def parse_index_noun(path):
    """Parses WordNet's ``index.noun``: lemma (underscores) -> synset offsets,
    most frequent sense first."""
    first = {}
    with open(path, "r", encoding="utf-8") as f:
        for line in f:
            if line.startswith(" "):
                continue
            fields = line.split()
            synset_cnt = int(fields[2])
            first[fields[0]] = fields[len(fields) - synset_cnt :]
    return first


def _wnid(offset):
    return "n" + offset


def _name(lemmas):
    return lemmas[0].replace("_", " ")


def _lemma(lemma):
    return lemma.replace("_", " ")


def _paths(offset, synsets):
    """Every path from ``offset``'s parents up to the root (nearest first)."""
    parents = synsets[offset]["parents"]
    if not parents:
        return [[]]
    out = []
    for p in parents:
        for tail in _paths(p, synsets):
            out.append([p] + tail)
    return out


def _ancestors(offset, synsets):
    """Ancestors nearest first (breadth-first), deduplicated."""
    seen, order = set(), []
    queue = deque(synsets[offset]["parents"])
    while queue:
        a = queue.popleft()
        if a in seen:
            continue
        seen.add(a)
        order.append(a)
        queue.extend(synsets[a]["parents"])
    return order


def build(wordnet_dir, wnids_txt=WNIDS_TXT, with_hyponyms=True):
    """Builds the table.

    Args:
        wordnet_dir: folder holding WordNet 3.0's ``data.noun`` and ``noun.exc``
        wnids_txt: the class wnids, one a line (default the 200 Tiny ones)
        with_hyponyms (True): whether to build the ``hyponyms`` section (the
            prompt vocabulary of the Tiny table; the ImageNet-1k table, used
            for class names and hypernyms only, leaves it out)

    Returns:
        the table as a JSON-serialisable dict (see the module docstring)

    Raises:
        ValueError: if a Tiny wnid is malformed or absent from ``data.noun``
    """
    data_noun = os.path.join(wordnet_dir, "data.noun")
    if not os.path.isfile(data_noun):
        raise ValueError(
            "WordNet's data.noun not found in %r; install Debian's "
            "wordnet-base or pass --wordnet-dir" % wordnet_dir
        )
    synsets = parse_data_noun(data_noun)
    exc_path = os.path.join(wordnet_dir, "noun.exc")
    exc = parse_noun_exc(exc_path) if os.path.isfile(exc_path) else {}

    with open(wnids_txt, "r", encoding="utf-8") as f:
        wnids = [w.strip() for w in f if w.strip()]
    if len(wnids) != len(set(wnids)):
        raise ValueError("duplicate wnids in %s" % wnids_txt)
    missing = [w for w in wnids if len(w) != 9 or w[1:] not in synsets]
    if missing:
        raise ValueError("wnids not found in WordNet 3.0 data.noun: %s" % missing)

    classes = []
    ancestor_offsets = set()
    for wnid in wnids:
        off = wnid[1:]
        s = synsets[off]
        paths = _paths(off, synsets)
        ancestors = _ancestors(off, synsets)
        ancestor_offsets.update(ancestors)
        classes.append(
            OrderedDict(
                wnid=wnid,
                name=_name(s["lemmas"]),
                lemmas=[_lemma(l) for l in s["lemmas"]],
                definition=s["definition"],
                parents=[_wnid(p) for p in s["parents"]],
                ancestors=[_wnid(a) for a in ancestors],
                paths=[[_wnid(p) for p in path] for path in paths],
            )
        )

    # Unique class names: rename every member of a (case-insensitive) collision.
    table_synsets = {
        _wnid(a): {
            "name": _name(synsets[a]["lemmas"]),
            "lemmas": [_lemma(l) for l in synsets[a]["lemmas"]],
            "definition": synsets[a]["definition"],
            "parents": [_wnid(p) for p in synsets[a]["parents"]],
        }
        for a in sorted(ancestor_offsets)
    }
    renamed = {}
    by_name = {}
    for c in classes:
        by_name.setdefault(c["name"].lower(), []).append(c)
    for group in by_name.values():
        if len(group) < 2:
            continue
        for c in group:
            parent = table_synsets[c["parents"][0]]["name"]
            c["name"] = "%s (%s)" % (c["name"], parent)
        if len({c["name"].lower() for c in group}) < len(group):
            for c in group:
                c["name"] = "%s (%s)" % (c["lemmas"][0], c["wnid"])
        for c in group:
            renamed[c["wnid"]] = "first lemma %r is shared by %s" % (
                c["lemmas"][0],
                ", ".join(sorted(g["wnid"] for g in group)),
            )
    names = [c["name"].lower() for c in classes]
    if len(set(names)) != len(names):
        raise AssertionError("class names are not unique")

    # Irregular plurals for every lemma we know (single words and phrases'
    # last word: "fishes" -> "fish"; "geese" -> "goose").
    all_lemmas = set()
    for c in classes:
        all_lemmas.update(l.lower() for l in c["lemmas"])
    for s in table_synsets.values():
        all_lemmas.update(l.lower() for l in s["lemmas"])
    plurals = {}
    for plural, bases in sorted(exc.items()):
        for base in bases:
            if base.replace("_", " ") in all_lemmas:
                plurals[plural.replace("_", " ")] = base.replace("_", " ")
                break

    index_path = os.path.join(wordnet_dir, "index.noun")
    senses = parse_index_noun(index_path) if os.path.isfile(index_path) else {}
    hyponyms = (_hyponyms(synsets, senses, [w[1:] for w in wnids], set(ancestor_offsets))
                if with_hyponyms else OrderedDict())

    multi_parent = [c["wnid"] for c in classes if len(c["parents"]) > 1]
    multi_path = [c["wnid"] for c in classes if len(c["paths"]) > 1]
    return OrderedDict(
        source="WordNet 3.0 (Princeton University), data.noun from Debian's "
        "wordnet-base; licence in WORDNET_LICENSE",
        generator="scripts/build_wordnet_table.py",
        naming="class name = first lemma (underscores -> spaces); classes whose "
        "first lemmas collide (case-insensitively) are renamed "
        "'<lemma> (<first direct parent's name>)'",
        classes=classes,
        synsets=table_synsets,
        plurals=plurals,
        multi_parent=multi_parent,
        multi_path=multi_path,
        renamed=renamed,
        hyponyms=hyponyms,
    )


# Roots of cross-cutting animal categories: a synset below one of them that
# also has a table synset as a direct hypernym is that synset at a life stage
# (puppy: pup + dog) or of one sex (bullock: cattle + male).
_CROSS_ROOTS = {"01321579": "young", "01321230": "male", "01320872": "female"}


def _hyponyms(synsets, senses, class_offsets, ancestor_offsets):
    """The ``hyponyms`` section (see the module docstring); ``senses`` is
    :func:`parse_index_noun`'s output."""
    table = set(class_offsets) | set(ancestor_offsets)
    children = {}
    for off in sorted(synsets):
        for p in synsets[off]["parents"]:
            children.setdefault(p, []).append(off)
    out = {}

    def add(off, of, relation):
        # a lemma whose usual sense is another synset ("drill": the tool) is left out
        lemmas = [_lemma(l) for l in synsets[off]["lemmas"] if (senses.get(l.lower()) or [off])[0] == off]
        if not lemmas:
            return
        rec = out.setdefault(_wnid(off), {"lemmas": lemmas, "of": [], "relation": relation})
        if _wnid(of) not in rec["of"]:
            rec["of"].append(_wnid(of))

    for cls in class_offsets:  # every descendant of a class, any depth
        stack = list(children.get(cls, []))
        seen = set()
        while stack:
            off = stack.pop(0)
            if off in seen or off in table:
                continue
            seen.add(off)
            add(off, cls, "kind")
            stack.extend(children.get(off, []))
    for root, relation in sorted(_CROSS_ROOTS.items()):
        stack, seen = list(children.get(root, [])), set()
        while stack:
            off = stack.pop(0)
            if off in seen:
                continue
            seen.add(off)
            stack.extend(children.get(off, []))
            if off in table or _wnid(off) in out:
                continue
            for p in synsets[off]["parents"]:
                if p in table:
                    add(off, p, relation)
    for rec in out.values():
        rec["of"].sort()
    return OrderedDict(sorted(out.items()))


def dumps(table):
    return json.dumps(table, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wordnet-dir", default="/usr/share/wordnet")
    parser.add_argument("--classes", choices=sorted(SETS), default="tiny",
                        help="tiny: the 200 Tiny-ImageNet wnids; imagenet1k: the 1000 "
                        "ImageNet-1k wnids (ImageNet-C)")
    parser.add_argument("--out", default=None)
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if --out is not up to date"
    )
    args = parser.parse_args(argv)
    wnids_txt, default_out, with_hyponyms = SETS[args.classes]
    args.out = args.out or default_out
    table = build(args.wordnet_dir, wnids_txt, with_hyponyms)
    text = dumps(table)
    if args.check:
        with open(args.out, "r", encoding="utf-8") as f:
            same = f.read() == text
        print("up to date" if same else "OUT OF DATE: %s" % args.out)
        return 0 if same else 1
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(text)
    classes = table["classes"]
    print("wrote %s" % args.out)
    print(
        "%d classes, %d ancestor synsets, %d irregular plurals"
        % (len(classes), len(table["synsets"]), len(table["plurals"]))
    )
    print(
        "%d classes have several paths to 'entity'" % len(table["multi_path"])
    )
    print("multi-parent (%d):" % len(table["multi_parent"]))
    by_wnid = {c["wnid"]: c for c in classes}
    for w in table["multi_parent"]:
        c = by_wnid[w]
        print(
            "  %s %-20s %d paths, parents: %s"
            % (
                w,
                c["name"],
                len(c["paths"]),
                "; ".join(table["synsets"][p]["name"] for p in c["parents"]),
            )
        )
    print("renamed (%d):" % len(table["renamed"]))
    for w, why in table["renamed"].items():
        print("  %s -> %r (%s)" % (w, by_wnid[w]["name"], why))
    return 0


if __name__ == "__main__":
    sys.exit(main())

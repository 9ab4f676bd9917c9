"""Class names and the WordNet hierarchy of the 200 Tiny-ImageNet classes, offline.

Everything here reads ``datadiver_fo/data/tiny_imagenet_wordnet.json``, which
``scripts/build_wordnet_table.py`` generates once from WordNet 3.0 (licence in
``datadiver_fo/data/WORDNET_LICENSE``). No network, no NLTK.

Vocabulary:

-   a *wnid* is a WordNet noun id, ``"n"`` + the 8-digit offset
    (``"n02085620"``);
-   a *class* is one of the 200 Tiny-ImageNet wnids; its *name* is its first
    WordNet lemma with underscores turned into spaces (``"Chihuahua"``),
    unique across the 200;
-   a *group* is an ancestor synset of at least one class (``"dog"``,
    ``"vehicle"``, ``"animal"``). Its name is its first lemma; its other
    lemmas are accepted as aliases (``"domestic dog"``). Two synsets may share
    a name (``"food"`` is both *food, nutrient* and *food, solid food*): a
    group name then means both, exactly as matching a sample's ``hypernyms``
    field by that name does.

Lookups (:func:`wnid_for`, :func:`classes_in_group`) ignore case, ``_``/``-``
versus spaces, and plurals (regular ones and WordNet's irregular ones:
``"geese"``). A few colloquial words that WordNet names differently
(``"clothes"``, ``"bugs"``, ``"instruments"``...) go through the small
:data:`GROUP_ALIASES` table first. Unknown words raise a ``ValueError`` that
lists the closest known names.

Example::

    import datadiver_fo.io.wordnet as ddw

    ddw.class_name("n02085620")          # 'Chihuahua'
    ddw.wnid_for("chihuahuas")           # 'n02085620'
    ddw.classes_in_group("dogs")         # ['n02106662', 'n02099712', ...] (6)
    ddw.hypernym_names("n02085620")[:3]  # ['toy dog', 'dog', 'canine']
    ddw.all_groups()["animal"]           # 59
"""
import difflib
import functools
import json
import os
import re
from collections import OrderedDict

_DATA_JSON = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "tiny_imagenet_wordnet.json"
)
_WNID_RE = re.compile(r"^n\d{8}$")

# Colloquial words -> the WordNet group(s) they mean (group names or wnids; a
# list means the union). Consulted before WordNet's own names, so each entry is
# a deliberate choice:
#   - words WordNet does not use for a group of our classes ("clothes",
#     "bugs", "electronics", "pets", "toys", "sports"...);
#   - WordNet names whose synset is not what people mean: WordNet's "vehicle"
#     leaves out buses and trains (they are "public transport"; both are
#     "conveyance"), its "instrument" is "a device that requires skill"
#     (syringe, stopwatch...) while people asking for "instruments" mean
#     musical ones, and its "car" names two synsets (automobile, railcar).
#   Because of these overrides, classes_in_group("vehicle") (15 classes) is
#   wider than matching "vehicle" in a sample's ``hypernyms`` field (12):
#   expand group words with classes_in_group().
# Keys are singular, lower case; plurals are handled by the lookup.
GROUP_ALIASES = {
    "clothes": "clothing",
    "apparel": "clothing",
    "outfit": "clothing",
    "bug": "insect",
    # WordNet's "building" holds only the barn; shops, dwellings and towers
    # are other kinds of "structure" (which also has bridges and fences).
    "building": ["building", "establishment", "housing", "tower"],
    "instrument": "musical instrument",
    "vehicle": "conveyance",  # + buses and trains (WordNet: public transport)
    "car": "n02958343",  # car, auto, automobile (not railway cars)
    "automobile": "n02958343",
    "ship": "n04530566",  # vessel, watercraft
    "beast": "animal",
    "creature": "animal",
    "pet": "domestic animal",
    "electronics": "electronic equipment",
    "gadget": "electronic equipment",
    "appliance": "home appliance",
    "tool": "implement",
    "drink": "beverage",
    "meal": "dish",
    "toy": "plaything",  # not "toy dog"
    "sport": ["sports equipment", "game equipment"],
}

# Regular English plural endings, tried on the last word after an exact match
# failed (irregular plurals come from WordNet's noun.exc, in the data file).
_PLURAL_RULES = (
    ("ies", "y"),
    ("ves", "f"),
    ("ves", "fe"),
    ("men", "man"),
    ("ches", "ch"),
    ("shes", "sh"),
    ("sses", "ss"),
    ("xes", "x"),
    ("oes", "o"),
    ("es", "e"),
    ("s", ""),
)


@functools.lru_cache(maxsize=1)
def _table():
    with open(_DATA_JSON, "r", encoding="utf-8") as f:
        raw = json.load(f)

    classes = OrderedDict((c["wnid"], c) for c in raw["classes"])
    synsets = dict(raw["synsets"])
    # One record per wnid (classes and ancestors) with name/lemmas/parents.
    records = dict(synsets)
    for w, c in classes.items():
        records[w] = {
            "name": c["name"],
            "lemmas": c["lemmas"],
            "definition": c["definition"],
            "parents": c["parents"],
        }

    # Tiny classes under each synset (itself included for classes), file order.
    members = {w: [] for w in records}
    for w, c in classes.items():
        members[w].append(w)
        for a in c["ancestors"]:
            members[a].append(w)

    names, lemmas = {}, {}
    for w, r in records.items():
        names.setdefault(_key(r["name"]), []).append(w)
        for l in r["lemmas"]:
            lemmas.setdefault(_key(l), []).append(w)
    plurals = {_key(p): _key(b) for p, b in raw["plurals"].items()}

    return {
        "classes": classes,
        "records": records,
        "members": members,
        "names": names,
        "lemmas": lemmas,
        "plurals": plurals,
        "multi_parent": list(raw["multi_parent"]),
    }


def _key(text):
    """Normalised lookup key: lower case, ``_``/``-`` as spaces, no dots or
    apostrophes, single spaces."""
    text = str(text).lower().replace("_", " ").replace("-", " ")
    text = text.replace("'", "").replace(".", "")
    return " ".join(text.split())


def _forms(key):
    """The key itself, then singular forms of its last word."""
    out = [key]
    plurals = _table()["plurals"]
    head, _, last = key.rpartition(" ")
    prefix = head + " " if head else ""
    if key in plurals:
        out.append(plurals[key])
    if last in plurals:
        out.append(prefix + plurals[last])
    for end, repl in _PLURAL_RULES:
        if last.endswith(end) and len(last) > len(end) + 1:
            out.append(prefix + last[: -len(end)] + repl)
    seen = set()
    return [f for f in out if not (f in seen or seen.add(f))]


def _check_text(text, what):
    if not isinstance(text, str) or not text.strip():
        raise ValueError("%s must be a non-empty string, got %r" % (what, text))


def _resolve(text, aliases=True):
    """Resolves text to the list of wnids it denotes (possibly several).

    Order: a wnid of the table; the colloquial alias table (whose targets
    are WordNet names, resolved without aliases); then, for the text and each
    singular form of it, exact names before other lemmas.
    Returns ``None`` when nothing matches.
    """
    t = _table()
    raw = text.strip()
    if _WNID_RE.match(raw.lower()):
        return [raw.lower()] if raw.lower() in t["records"] else None
    forms = _forms(_key(raw))
    for form in forms if aliases else ():
        if form in GROUP_ALIASES:
            targets = GROUP_ALIASES[form]
            if isinstance(targets, str):
                targets = [targets]
            out = []
            for target in targets:
                for w in _resolve(target, aliases=False) or ():
                    if w not in out:
                        out.append(w)
            return out or None
    for form in forms:
        if form in t["names"]:
            return list(t["names"][form])
        if form in t["lemmas"]:
            return list(t["lemmas"][form])
    return None


def _suggestions(text, n=5):
    t = _table()
    display = {}
    for w, r in t["records"].items():
        display.setdefault(_key(r["name"]), r["name"])
        for l in r["lemmas"]:
            display.setdefault(_key(l), l)
    for a in GROUP_ALIASES:
        display.setdefault(a, a)
    # Score every known key against the text and its singular forms, so that
    # a misspelt plural ("dgos") still finds its singular ("dog").
    scores = {}
    for form in _forms(_key(text)):
        for c in difflib.get_close_matches(form, list(display), n=n, cutoff=0.6):
            r = difflib.SequenceMatcher(None, form, c).ratio()
            scores[c] = max(scores.get(c, 0.0), r)
    close = sorted(scores, key=lambda c: (-scores[c], c))[:n]
    return [display[c] for c in close]


def _unknown(text, what):
    sugg = _suggestions(text)
    msg = "unknown %s %r" % (what, text)
    if sugg:
        msg += "; did you mean: %s?" % ", ".join(repr(s) for s in sugg)
    else:
        msg += " (not a Tiny-ImageNet class, WordNet group or wnid we know)"
    return ValueError(msg)


def _as_wnid(wnid_or_name):
    """A wnid of the table for a wnid, class name, group name or lemma."""
    _check_text(wnid_or_name, "wnid")
    w = wnid_or_name.strip().lower()
    if _WNID_RE.match(w):
        if w not in _table()["records"]:
            raise ValueError(
                "wnid %r is neither one of the 200 Tiny-ImageNet classes nor "
                "one of their WordNet ancestors" % wnid_or_name
            )
        return w
    return wnid_for(wnid_or_name)


def _as_class(wnid_or_name):
    w = _as_wnid(wnid_or_name)
    if w not in _table()["classes"]:
        raise ValueError(
            "%r (%s, %s) is a WordNet group, not one of the 200 Tiny-ImageNet "
            "classes" % (wnid_or_name, w, _table()["records"][w]["name"])
        )
    return w


# --- public API ---------------------------------------------------------------


def class_wnids():
    """The 200 Tiny-ImageNet class wnids.

    Returns:
        list of 200 wnid strings, in the order of
        ``datadiver_fo/data/tiny_imagenet_wnids.txt`` (the order of
        ``tiny-imagenet-200/wnids.txt``)
    """
    return list(_table()["classes"])


def class_names():
    """The 200 readable class names, in :func:`class_wnids` order.

    Returns:
        list of 200 unique strings (first WordNet lemma, underscores as
        spaces; unique case-insensitively)
    """
    return [c["name"] for c in _table()["classes"].values()]


def is_tiny_wnid(wnid):
    """Whether ``wnid`` is one of the 200 Tiny-ImageNet classes.

    Args:
        wnid: any value; a wnid string such as ``"n02085620"``

    Returns:
        bool (``False`` for anything that is not one of the 200 wnids)
    """
    return isinstance(wnid, str) and wnid.strip().lower() in _table()["classes"]


def class_name(wnid):
    """The readable name of a wnid.

    Args:
        wnid: a Tiny-ImageNet class wnid, or the wnid of one of their WordNet
            ancestors (``"n02084071"`` -> ``"dog"``)

    Returns:
        the name: for classes the unique class name used as
        ``ground_truth.label``; for ancestors their first lemma

    Raises:
        ValueError: if the wnid is malformed or not in the shipped table
            (use :func:`read_words_txt` for other ImageNet wnids)
    """
    _check_text(wnid, "wnid")
    w = wnid.strip().lower()
    if not _WNID_RE.match(w):
        raise ValueError("%r is not a wnid (expected 'n' + 8 digits)" % wnid)
    rec = _table()["records"].get(w)
    if rec is None:
        raise ValueError(
            "wnid %r is neither one of the 200 Tiny-ImageNet classes nor one "
            "of their WordNet ancestors; read its name from words.txt with "
            "read_words_txt()" % wnid
        )
    return rec["name"]


def wnid_for(name, classes_only=False):
    """The wnid a class name, lemma, group name or wnid refers to.

    Case, ``_``/``-`` and plurals do not matter (``"chihuahuas"``,
    ``"German_Shepherd"``); class names win over ancestors, names over other
    lemmas.

    Args:
        name: a class name (``"Chihuahua"``), another WordNet lemma of a class
            (``"trolley coach"``), a group name or lemma (``"domestic dog"``),
            or a wnid
        classes_only: if True, only the 200 classes are accepted

    Returns:
        the wnid string

    Raises:
        ValueError: if the name is unknown (the message lists the closest
            known names), ambiguous (several groups share it, e.g.
            ``"food"``: pass a wnid), or names a group when
            ``classes_only`` is True
    """
    _check_text(name, "name")
    t = _table()
    hits = _resolve(name)
    if not hits and _WNID_RE.match(name.strip().lower()):
        raise ValueError(
            "wnid %r is neither one of the 200 Tiny-ImageNet classes nor one "
            "of their WordNet ancestors" % name
        )
    if not hits:
        raise _unknown(name, "name")
    tiny = [w for w in hits if w in t["classes"]]
    if len(tiny) == 1:
        return tiny[0]
    if classes_only and not tiny:
        raise ValueError(
            "%r names the WordNet group %s, not a Tiny-ImageNet class; use "
            "classes_in_group() for its classes"
            % (name, ", ".join("%s (%s)" % (w, t["records"][w]["name"]) for w in hits))
        )
    cands = tiny or hits
    if len(cands) > 1:
        raise ValueError(
            "%r is ambiguous: %s; pass the wnid"
            % (
                name,
                "; ".join(
                    "%s = %s" % (w, ", ".join(t["records"][w]["lemmas"]))
                    for w in cands
                ),
            )
        )
    return cands[0]


def definition(wnid):
    """WordNet's gloss of a class or group.

    Args:
        wnid: a class or ancestor wnid (or a name :func:`wnid_for` resolves)

    Returns:
        the definition string
    """
    return _table()["records"][_as_wnid(wnid)]["definition"]


def lemmas(wnid):
    """All WordNet lemmas (synonyms) of a class or group, underscores as spaces.

    Args:
        wnid: a class or ancestor wnid (or a name :func:`wnid_for` resolves)

    Returns:
        list of strings, WordNet's order (the first is the WordNet name)
    """
    return list(_table()["records"][_as_wnid(wnid)]["lemmas"])


def parents(wnid):
    """Direct hypernyms of a class or group.

    Args:
        wnid: a class or ancestor wnid (or a name :func:`wnid_for` resolves)

    Returns:
        list of parent wnids (two for the 8 classes with several hypernyms,
        see :func:`multi_parent_wnids`; empty for ``entity``)
    """
    return list(_table()["records"][_as_wnid(wnid)]["parents"])


def hypernym_wnids(wnid):
    """All ancestors of a class or group, nearest first.

    Args:
        wnid: a class or ancestor wnid (or a name :func:`wnid_for` resolves)

    Returns:
        list of ancestor wnids, breadth-first from the direct parents up to
        ``entity`` (n00001740), each once, the wnid itself excluded; every
        branch of the DAG is included
    """
    t = _table()
    w = _as_wnid(wnid)
    if w in t["classes"]:
        return list(t["classes"][w]["ancestors"])
    seen, order, queue = set(), [], list(t["records"][w]["parents"])
    while queue:
        a = queue.pop(0)
        if a not in seen:
            seen.add(a)
            order.append(a)
            queue.extend(t["records"][a]["parents"])
    return order


def hypernym_names(wnid):
    """Names of all ancestors of a class or group, nearest first.

    This is what the loader writes to the ``hypernyms`` sample field, so that
    "all dogs" is ``F("hypernyms").contains("dog")``.

    Args:
        wnid: a class or ancestor wnid (or a name :func:`wnid_for` resolves)

    Returns:
        list of names of :func:`hypernym_wnids`, deduplicated (two synsets
        sharing a name appear once), the class itself excluded, e.g.
        ``["toy dog", "dog", "canine", "domestic animal", "carnivore", ...,
        "entity"]`` for the Chihuahua
    """
    recs = _table()["records"]
    out, seen = [], set()
    for a in hypernym_wnids(wnid):
        n = recs[a]["name"]
        if n not in seen:
            seen.add(n)
            out.append(n)
    return out


def hypernym_paths(wnid):
    """Every path from a class up to ``entity`` (the hierarchy is a DAG).

    Args:
        wnid: a Tiny-ImageNet class wnid or name

    Returns:
        list of paths; each path is a list of wnids from the direct parent to
        ``entity``. One path for most classes, 2 or 3 for the 54 classes that
        have (or whose ancestors have) several hypernyms
    """
    return [list(p) for p in _table()["classes"][_as_class(wnid)]["paths"]]


def multi_parent_wnids():
    """The Tiny-ImageNet classes with more than one direct hypernym.

    Returns:
        list of 8 wnids (basketball, organ, computer keyboard, triumphal arch,
        wooden spoon, sewing machine, scoreboard, meat loaf)
    """
    return list(_table()["multi_parent"])


def siblings(wnid):
    """Other Tiny-ImageNet classes closest to a class in the hierarchy.

    Args:
        wnid: a Tiny-ImageNet class wnid or name

    Returns:
        list of class wnids (file order, the class itself excluded): the
        classes that share a direct parent with it; if none does, the classes
        under its grandparents, and so on up: the first ancestor level (by
        shortest distance) under which other Tiny classes exist. Every branch
        of the DAG counts at each level. Never empty (``entity`` covers all)
    """
    t = _table()
    w = _as_class(wnid)
    level = list(t["records"][w]["parents"])
    seen = set(level)
    while level:
        under = set()
        for a in level:
            under.update(t["members"][a])
        under.discard(w)
        if under:
            return [c for c in t["classes"] if c in under]
        nxt = []
        for a in level:
            for p in t["records"][a]["parents"]:
                if p not in seen:
                    seen.add(p)
                    nxt.append(p)
        level = nxt
    return []


def group_wnids(group):
    """The WordNet synsets a group word refers to.

    Args:
        group: a group or class name, lemma, plural, colloquial alias (see
            :data:`GROUP_ALIASES`) or wnid

    Returns:
        list of wnids (several when synsets share the name, e.g. ``"food"``)

    Raises:
        ValueError: if the word is unknown (with the closest known names)
    """
    _check_text(group, "group")
    hits = _resolve(group)
    if not hits and _WNID_RE.match(group.strip().lower()):
        raise ValueError(
            "wnid %r is neither one of the 200 Tiny-ImageNet classes nor one "
            "of their WordNet ancestors" % group
        )
    if not hits:
        raise _unknown(group, "group")
    return hits


def group_names(group):
    """The WordNet names to match in a sample's ``hypernyms`` field for a word.

    Turns a colloquial or plural word into the exact names the loader wrote:
    ``"vehicles"`` -> ``["conveyance"]``, ``"bugs"`` -> ``["insect"]``,
    ``"dogs"`` -> ``["dog"]``.

    Args:
        group: anything :func:`group_wnids` accepts

    Returns:
        list of distinct names of :func:`group_wnids`. A name shared by two
        synsets matches both in the field (``"car"``: automobiles and
        railcars). A class name is returned as is; classes are not in their
        own ``hypernyms``, so match ``ground_truth.label`` for those

    Raises:
        ValueError: if the word is unknown (with the closest known names)
    """
    recs = _table()["records"]
    out = []
    for w in group_wnids(group):
        if recs[w]["name"] not in out:
            out.append(recs[w]["name"])
    return out


def classes_in_group(group):
    """The Tiny-ImageNet classes under a WordNet group.

    Args:
        group: a group name (``"dog"``, ``"vehicle"``), another lemma of it
            (``"domestic dog"``), a plural (``"dogs"``), a colloquial word of
            :data:`GROUP_ALIASES` (``"clothes"``, ``"bugs"``), a wnid, or a
            class name (a class counts as a member of its own group)

    Returns:
        list of class wnids in :func:`class_wnids` order: every class that is,
        or has among its ancestors, any synset the word refers to (see
        :func:`group_wnids`)

    Raises:
        ValueError: if the word is unknown (the message lists the closest
            known names)
    """
    t = _table()
    under = set()
    for w in group_wnids(group):
        under.update(t["members"][w])
    return [c for c in t["classes"] if c in under]


@functools.lru_cache(maxsize=1)
def hyponyms():
    """WordNet synsets below the table that a prompt may name.

    Returns:
        dict ``wnid -> {"lemmas": [str], "of": [wnid], "relation": str}``
        (read-only; do not modify): ``relation`` is ``"kind"`` for a
        descendant of a class ("honeybee" under the class bee, so it means
        that class), ``"young"``, ``"male"`` or ``"female"`` for an animal at a
        life stage or of one sex whose other direct hypernym is a class or
        group ("puppy" = young dog, so it means the group dog). ``of`` are the
        class or group wnids it falls under. Only lemmas whose most frequent
        noun sense is that synset are listed ("drill" is not a baboon here).
        Synsets beside the classes (pug beside the dog breeds) are absent:
        they are not on the dataset. Built by
        ``scripts/build_wordnet_table.py``; empty for an older data file.
    """
    with open(_DATA_JSON, "r", encoding="utf-8") as f:
        return dict(json.load(f).get("hyponyms", {}))


def all_groups(min_classes=2):
    """Every group name and how many of the 200 classes fall under it.

    Args:
        min_classes: only groups covering at least this many classes

    Returns:
        dict ``name -> number of classes``, largest first, ties by name; a name
        shared by several synsets counts the union of their classes
    """
    if not isinstance(min_classes, int) or min_classes < 0:
        raise ValueError("min_classes must be an int >= 0, got %r" % (min_classes,))
    t = _table()
    by_name = {}
    for w, r in t["records"].items():
        if w in t["classes"]:
            continue
        by_name.setdefault(r["name"], set()).update(t["members"][w])
    items = [(n, len(s)) for n, s in by_name.items() if len(s) >= min_classes]
    items.sort(key=lambda x: (-x[1], x[0].lower()))
    return OrderedDict(items)


def group_tree(root="entity", min_classes=1, collapse=False, include_classes=True):
    """The hierarchy as a nested dict, for a browsable tree with counts.

    Args:
        root: group at the top (name or wnid), default ``entity``
        min_classes: drop groups covering fewer classes
        collapse: if True, skip a group whose only child group covers the same
            classes (e.g. ``physical entity -> object -> whole``), keeping the
            lower one
        include_classes: if True, classes appear as leaves

    Returns:
        node dict ``{"wnid", "name", "count", "is_class", "children": [node]}``;
        children are sorted by count (descending) then name. A synset with
        several parents appears under each of them (the hierarchy is a DAG)
    """
    t = _table()
    hits = group_wnids(root)
    if len(hits) != 1:
        raise ValueError("root %r is ambiguous (%s): pass a wnid" % (root, hits))
    children = {}
    for w, r in t["records"].items():
        for p in r["parents"]:
            children.setdefault(p, []).append(w)

    def node(w):
        is_class = w in t["classes"]
        kids = []
        for c in children.get(w, []):
            if c in t["classes"] and not include_classes:
                continue
            if c not in t["classes"] and len(t["members"][c]) < min_classes:
                continue
            kids.append(node(c))
        kids.sort(key=lambda n: (-n["count"], n["name"].lower()))
        n = {
            "wnid": w,
            "name": t["records"][w]["name"],
            "count": len(t["members"][w]),
            "is_class": is_class,
            "children": kids,
        }
        if collapse and not is_class:
            groups = [k for k in kids if not k["is_class"]]
            if len(kids) == 1 and groups and groups[0]["count"] == n["count"]:
                return groups[0]
        return n

    return node(hits[0])


def read_words_txt(path):
    """Reads a tiny-imagenet-200 (or ImageNet) ``words.txt``.

    Args:
        path: path to a text file of lines ``wnid<TAB>name, other name, ...``
            (the real file lists all 82,115 ImageNet synsets)

    Returns:
        dict ``wnid -> first comma-separated name``, stripped, in file order

    Raises:
        ValueError: if the file does not exist, or a non-blank line does not
            start with a wnid followed by a name (the message gives the line
            number)
    """
    if not os.path.isfile(path):
        raise ValueError("words.txt not found: %r" % (path,))
    out = OrderedDict()
    line_re = re.compile(r"^(n\d{8})\s+(\S.*)$")
    with open(path, "r", encoding="utf-8", errors="replace") as f:
        for i, line in enumerate(f, 1):
            line = line.strip("\r\n")
            if not line.strip():
                continue
            m = line_re.match(line.strip())
            if not m:
                raise ValueError(
                    "%s line %d is not 'wnid<TAB>names': %r" % (path, i, line[:80])
                )
            name = m.group(2).split(",")[0].strip()
            if not name:
                raise ValueError("%s line %d has an empty name" % (path, i))
            out[m.group(1)] = name
    return out


# --- ImageNet-1k (ImageNet-C) ------------------------------------------------------
# A second table, built the same way for the 1000 ImageNet-1k wnids
# (``scripts/build_wordnet_table.py --classes imagenet1k``). Names are unique
# across the 1000, so a few differ from the Tiny table's (e.g. the two
# ImageNet "crane"s): an ImageNet-C dataset uses these.
_IN1K_JSON = os.path.join(os.path.dirname(_DATA_JSON), "imagenet1k_wordnet.json")


@functools.lru_cache(maxsize=1)
def _in1k_table():
    with open(_IN1K_JSON, "r", encoding="utf-8") as f:
        raw = json.load(f)
    classes = OrderedDict((c["wnid"], c) for c in raw["classes"])
    return {"classes": classes, "synsets": dict(raw["synsets"])}


def imagenet1k_wnids():
    """The 1000 ImageNet-1k class wnids, in class-index order (index ``i`` is
    the label ``i`` of ImageNet-1k models).

    Returns:
        list of 1000 wnid strings (from ``datadiver_fo/data/imagenet1k_wnids.txt``,
        copied from timm's ``imagenet_synsets.txt``)
    """
    return list(_in1k_table()["classes"])


def imagenet1k_class_name(wnid):
    """The readable, unique name of an ImageNet-1k class.

    Args:
        wnid: one of :func:`imagenet1k_wnids`

    Returns:
        its first WordNet lemma (underscores as spaces); classes whose first
        lemmas collide are named ``"<lemma> (<parent's name>)"``

    Raises:
        ValueError: if ``wnid`` is not an ImageNet-1k class
    """
    rec = _in1k_table()["classes"].get(wnid)
    if rec is None:
        raise ValueError("%r is not one of the 1000 ImageNet-1k wnids" % (wnid,))
    return rec["name"]


def imagenet1k_hypernym_names(wnid):
    """Names of all WordNet ancestors of an ImageNet-1k class, nearest first,
    deduplicated (what the loader writes to ``hypernyms`` for ImageNet-C).

    Args:
        wnid: one of :func:`imagenet1k_wnids`

    Returns:
        list of str, ending with ``"entity"``

    Raises:
        ValueError: if ``wnid`` is not an ImageNet-1k class
    """
    t = _in1k_table()
    rec = t["classes"].get(wnid)
    if rec is None:
        raise ValueError("%r is not one of the 1000 ImageNet-1k wnids" % (wnid,))
    out, seen = [], set()
    for a in rec["ancestors"]:
        n = t["synsets"][a]["name"]
        if n not in seen:
            seen.add(n)
            out.append(n)
    return out

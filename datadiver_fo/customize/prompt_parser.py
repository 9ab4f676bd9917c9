"""Offline, deterministic prompt parser: plain English -> view spec.

No model, no network: the prompt is matched against the dataset's own
vocabulary (built once per dataset and cached, see :func:`phrase_index`):

-   classes by name and by every WordNet lemma (``"Chihuahua"``,
    ``"trolley coach"``), plurals (``"golden retrievers"``, ``"geese"``);
-   WordNet groups present in the ``hypernyms`` field by name, lemma, plural
    or colloquial alias (``"dogs"``, ``"animals"``, ``"vehicles"``,
    ``"food"``, ``"bugs"``);
-   corruptions (``"gaussian noise"``, ``"fog"``), families (``"weather"``,
    ``"digital"``) and loose words: ``noisy``/``grainy`` = every ``*_noise``
    corruption, ``blurry``/``blurred`` = every ``*_blur`` corruption,
    ``foggy``/``hazy``, ``snowy``, ``frosty``, ``pixelated``, ``jpeg
    artifacts``/``compressed``, ``low contrast``, ``oversaturated``,
    ``splattered``...; ``clean``/``uncorrupted``/``original`` = corruption
    ``clean``; ``corrupted``/``distorted`` = everything but ``clean``;
-   severities: ``severity 3``, ``levels 2-4``, ``severity 2 to 4``,
    ``at least 3``, ``severity above 2``, ``3+``, ``at most 2``;
    ``mild``/``light``/``slight`` = 1-2, ``moderate``/``medium`` = 3,
    ``severe``/``heavy``/``strong`` = 4-5, ``extreme``/``worst`` = 5;
-   negation: ``except``, ``excluding``, ``without``, ``not``, ``no``,
    ``other than``, ``apart from``, ``minus``: what follows, up to the next
    comma / ``but`` / ``with`` / ``only``, goes to ``exclude``;
-   scores: ``top 50 most out-of-distribution`` (sort by ``ood_score``,
    highest first, limit 50), ``out-of-distribution``/``OOD``/``outliers`` =
    ``ood_score >= 0.6`` (the high band), ``in-distribution`` =
    ``ood_score < 0.4``, ``<field> above 0.5`` for any numeric field,
    ``sorted by <field>``, ``top 20 by uniqueness``, ``most unique``;
    ``likely mislabeled``/``label issues`` = ``label_issue == true``,
    ``missing labels``/``unlabeled`` = the ``missing_label`` tag;
-   ``random 100`` / ``100 random`` / ``a sample of 100`` (take, seed 51 or
    ``seed N``), ``first 20`` / ``20 images`` (limit);
-   ``training``/``train split`` and ``validation``/``val`` tags (a bare
    ``train`` is the WordNet group of trains).

Inside one kind, values are OR'd ("dogs and cats" = dogs or cats); different
kinds are AND'd ("dogs in fog"). A word that looks like a class but is not on
the dataset (a WordNet class or group missing here, a near-miss of a
vocabulary name, an unknown plural noun) is an error with suggestions; a
prompt from which nothing is understood is an error, never "everything".
"""
import difflib
import re
import threading

from datadiver_fo.internal import schema as sch
from datadiver_fo.customize import viewspec as vs
# --------------------------------------------------------------------------
# Fixed keyword vocabulary
# --------------------------------------------------------------------------

# Loose corruption words -> a rule giving corruption names from the dataset's
# own list (so a word only means corruptions that exist here).
_CORRUPTION_WORDS = {
    "noise": "*noise",
    "noisy": "*noise",
    "grainy": "*noise",
    "grain": "*noise",
    "blur": "*blur",
    "blurry": "*blur",
    "blurred": "*blur",
    "blurriness": "*blur",
    "fuzzy": "*blur",
    "foggy": "fog",
    "fog": "fog",
    "haze": "fog",
    "hazy": "fog",
    "mist": "fog",
    "misty": "fog",
    "snow": "snow",
    "snowy": "snow",
    "snowing": "snow",
    "snowfall": "snow",
    "frost": "frost",
    "frosty": "frost",
    "frosted": "frost",
    "icy": "frost",
    "brightness": "brightness",
    "brightened": "brightness",
    "overexposed": "brightness",
    "too bright": "brightness",
    "contrast": "contrast",
    "low contrast": "contrast",
    "washed out": "contrast",
    "elastic": "elastic_transform",
    "elastic transform": "elastic_transform",
    "elastic transformation": "elastic_transform",
    "elastic distortion": "elastic_transform",
    "warped": "elastic_transform",
    "pixelate": "pixelate",
    "pixelated": "pixelate",
    "pixelation": "pixelate",
    "pixellated": "pixelate",
    "pixelized": "pixelate",
    "blocky": "pixelate",
    "jpeg": "jpeg_compression",
    "jpeg compression": "jpeg_compression",
    "jpeg artifact": "jpeg_compression",
    "jpeg artifacts": "jpeg_compression",
    "compression artifact": "jpeg_compression",
    "compression artifacts": "jpeg_compression",
    "compressed": "jpeg_compression",
    "compression": "jpeg_compression",
    "gaussian noise": "gaussian_noise",
    "shot noise": "shot_noise",
    "poisson noise": "shot_noise",
    "impulse noise": "impulse_noise",
    "salt and pepper": "impulse_noise",
    "salt and pepper noise": "impulse_noise",
    "speckle": "speckle_noise",
    "speckled": "speckle_noise",
    "speckle noise": "speckle_noise",
    "defocus": "defocus_blur",
    "defocused": "defocus_blur",
    "out of focus": "defocus_blur",
    "defocus blur": "defocus_blur",
    "glass blur": "glass_blur",
    "frosted glass": "glass_blur",
    "motion blur": "motion_blur",
    "motion blurred": "motion_blur",
    "motion": "motion_blur",
    "zoom blur": "zoom_blur",
    "zoom": "zoom_blur",
    "zoomed": "zoom_blur",
    "gaussian blur": "gaussian_blur",
    "spatter": "spatter",
    "splatter": "spatter",
    "spattered": "spatter",
    "splattered": "spatter",
    "splashed": "spatter",
    "mud": "spatter",
    "muddy": "spatter",
    "saturate": "saturate",
    "saturated": "saturate",
    "saturation": "saturate",
    "oversaturated": "saturate",
    "over saturated": "saturate",
}
_FAMILY_WORDS = {
    "weather": "weather",
    "weather effects": "weather",
    "weather corruptions": "weather",
    "digital": "digital",
    "digital corruptions": "digital",
    "noise family": "noise",
    "blur family": "blur",
    "extra corruptions": "extra",
    "extra": "extra",
    "held out corruptions": "extra",
}
_CLEAN_WORDS = ("clean", "uncorrupted", "original", "pristine", "unmodified", "unaltered", "undistorted", "non corrupted")
_CORRUPTED_WORDS = ("corrupted", "corruption", "corruptions", "distorted", "degraded", "perturbed", "any corruption")
_SEVERITY_WORDS = {
    "mild": (1, 2), "mildly": (1, 2), "light": (1, 2), "lightly": (1, 2), "slight": (1, 2),
    "slightly": (1, 2), "weak": (1, 2), "low severity": (1, 2), "subtle": (1, 2), "faint": (1, 2),
    "moderate": (3,), "moderately": (3,), "medium": (3,), "medium severity": (3,),
    "severe": (4, 5), "severely": (4, 5), "heavy": (4, 5), "heavily": (4, 5), "strong": (4, 5),
    "strongly": (4, 5), "high severity": (4, 5), "intense": (4, 5), "harsh": (4, 5), "thick": (4, 5),
    "dense": (4, 5), "very": None,
    "extreme": (5,), "extremely": (5,), "worst": (5,), "maximum severity": (5,), "max severity": (5,),
    "most severe": (5,), "highest severity": (5,),
}
_TAG_WORDS = {
    "training": "train", "train split": "train", "train set": "train", "training set": "train",
    "training split": "train", "validation": "val", "val": "val", "val split": "val",
    "validation set": "val", "validation split": "val", "val set": "val",
}
_NEGATORS = ("except", "except for", "excluding", "exclude", "without", "not", "no", "but not",
             "but no", "other than", "apart from", "minus", "but without", "and no", "and not",
             "leave out", "leaving out", "drop", "remove", "ignore", "ignoring", "skip", "never",
             "nothing", "none", "non", "neither", "nor", "but exclude", "but excluding", "save for",
             "aside from", "outside of", "isn't", "aren't", "arent", "isnt")
_RESETS = (",", ";", ".", "but", "with", "only", "just", "and only", "while", "where", "plus", "also", "then")
_FILLERS = set("""
a an the of in on at under with from by for to as is are be being been was were that which who whose
those these this there their them they it its all any every each some show me find get give list
display select want need see look looking please images image pictures picture photos photo pics pic
samples sample examples example ones one things thing items item shots frames frame instances data
dataset subset view kind kinds type types sort class classes category categories variants variant
versions version copies copy where have has having and or also both either just only i we us my our
can could would like you your labeled labelled labels label containing contain contains showing shows
anything something condition conditions setting settings scene scenes environment effect effects
show featuring feature depicting depict including include includes affected hit applied under over
level levels severity severities corruption corruptions set so very quite really bit little more most
than then appear appears appearing look looks seen visible taken shown here now please thanks
""".split())
_OOD_WORDS = r"(?:ood(?: score)?|out of distribution|anomalous|anomalies|anomaly|unusual|atypical|outliers?|strangest|weirdest|novel)"
_NUM = r"(\d+(?:\.\d+)?)"
_SEVKW = r"(?:severity levels?|severity|severities|sev|levels?|intensity|strength)"
_OPWORDS = [
    (r"(?:at least|>=|no less than|not less than|minimum(?: of)?|min)", ">="),
    (r"(?:above|over|greater than|more than|higher than|bigger than|larger than|exceeding|>)", ">"),
    (r"(?:at most|<=|no more than|not more than|up to|maximum(?: of)?|max)", "<="),
    (r"(?:below|under|less than|lower than|smaller than|beneath|<)", "<"),
    (r"(?:equal to|equals|==|=)", "=="),
]
_FIELD_ALIASES = {
    "ood score": sch.OOD_SCORE, "ood": sch.OOD_SCORE, "out of distribution score": sch.OOD_SCORE,
    "label quality": sch.LABEL_QUALITY, "label quality score": sch.LABEL_QUALITY,
    "uniqueness": "uniqueness", "representativeness": "representativeness",
    "confidence": sch.PREDICTIONS + ".confidence", "prediction confidence": sch.PREDICTIONS + ".confidence",
}
_IRREGULAR = {"geese": "goose", "mice": "mouse", "children": "child", "people": "person", "men": "man",
              "women": "woman", "teeth": "tooth", "feet": "foot", "oxen": "ox", "lice": "louse",
              "fishes": "fish", "knives": "knife", "leaves": "leaf", "wolves": "wolf", "loaves": "loaf"}
_SCOPE_PREPS = ("in", "under", "at", "on", "during", "through")
_OOD_THRESHOLD_HIGH = 0.6  # OoDAnalyzer's display bands: high >= 0.6, low < 0.4
_OOD_THRESHOLD_LOW = 0.4


class ParsedPrompt:
    """What the offline parser understood.

    Attributes:
        spec: the normalised view spec (see :mod:`datadiver_fo.customize.viewspec`)
        warnings: list of strings (ignored words, approximations)
        understood: list of ``(phrase, meaning)`` pairs, in prompt order
    """

    def __init__(self, spec, warnings, understood):
        self.spec = spec
        self.warnings = warnings
        self.understood = understood

    def __repr__(self):
        return f"ParsedPrompt(spec={self.spec!r}, warnings={self.warnings!r})"


# --------------------------------------------------------------------------
# Tokens and plural forms
# --------------------------------------------------------------------------


def _normalize_text(text):
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("out-of-distribution", "out of distribution")
    text = re.sub(r"(?<=[a-z])'s\b", "", text)  # possessive: "dog's" -> "dog"
    text = text.replace("'", "")
    text = re.sub(r"(?<=[a-z])[-_/]|[-_/](?=[a-z])", " ", text)
    text = re.sub(r"(?<=\d)\s*[\u2013\u2014-]\s*(?=\d)", " - ", text)  # 2-4 -> 2 - 4
    text = re.sub(r"[\"()\[\]{}!?]", " ", text)
    return " ".join(text.split())


def _key_tokens(phrase):
    t = str(phrase).lower().replace("_", " ").replace("-", " ").replace("'", "").replace(".", "")
    return tuple(t.split())


def _singulars(word):
    out = {word}
    if word in _IRREGULAR:
        out.add(_IRREGULAR[word])
    for end, repl in (("ies", "y"), ("ves", "f"), ("ves", "fe"), ("men", "man"), ("ches", "ch"),
                      ("shes", "sh"), ("sses", "ss"), ("xes", "x"), ("oes", "o"), ("ses", "s"),
                      ("zes", "z"), ("es", "e"), ("s", "")):
        if word.endswith(end) and len(word) > len(end) + 1:
            out.add(word[: -len(end)] + repl)
    return out


# --------------------------------------------------------------------------
# Phrase index (per dataset, cached with its vocabulary)
# --------------------------------------------------------------------------


class _Index:
    def __init__(self, dataset, vocab):
        self.vocab = vocab
        self.keywords = {}  # tokens -> list of entries (exact tokens only)
        self.names = {}  # tokens -> list of entries (plurals allowed)
        self.display = {}  # lowercase phrase -> display string, for suggestions
        self._build(dataset, vocab)
        self.first = {}
        for table, plural in ((self.keywords, False), (self.names, True)):
            for toks in table:
                self.first.setdefault(toks[0], set()).add(len(toks))
        self.max_len = max((len(t) for t in list(self.keywords) + list(self.names)), default=1)

    def _kw(self, phrase, entry):
        toks = (phrase,) if phrase in (",", ";", ".") else _key_tokens(phrase)
        if toks:
            self.keywords.setdefault(toks, []).append(entry)

    def _name(self, phrase, entry, primary=False):
        # primary: the phrase is the entry's own name (not just a lemma);
        # names beat lemmas ("cats" = the group "cat", not "big cat, cat")
        toks = _key_tokens(phrase)
        if not toks:
            return
        d = self.names.setdefault(toks, {})
        d[entry] = d.get(entry, False) or primary
        self.display.setdefault(" ".join(toks), str(phrase))

    def _build(self, dataset, vocab):
        corrs = vocab.corruptions
        for word, rule in _CORRUPTION_WORDS.items():
            if rule.startswith("*"):
                names = [c for c in corrs if c.endswith(rule[1:]) and c != sch.CLEAN]
            else:
                names = [rule] if rule in corrs else []
            # a known corruption missing from this dataset is reported, not ignored
            self._kw(word, ("corruption", tuple(names), rule))
        for c in corrs:
            if c != sch.CLEAN:
                self._kw(c, ("corruption", (c,), c))
        for word, fam in _FAMILY_WORDS.items():
            self._kw(word, ("family", fam))
        for w in _CLEAN_WORDS:
            self._kw(w, ("clean",))
        for w in _CORRUPTED_WORDS:
            self._kw(w, ("corrupted",))
        for w, sev in _SEVERITY_WORDS.items():
            if sev is not None:
                self._kw(w, ("sev", tuple(sev)))
        for w, tag in _TAG_WORDS.items():
            if tag in vocab.tags:
                self._kw(w, ("tag", tag))
        for t in vocab.tags:
            if t not in (sch.TAG_MISSING_LABEL, "train", "val"):
                self._kw(t, ("tag", t))
        for w in _NEGATORS:
            self._kw(w, ("neg",))
        for w in _RESETS:
            self._kw(w, ("reset",))

        # classes: their name and every WordNet lemma
        from datadiver_fo.io import wordnet as ddw
        label_of = {}
        wnid_to_name = vocab.wnid_to_name
        for wnid in vocab.wnids:
            label = wnid_to_name.get(wnid)
            if label is None:
                try:
                    label = ddw.class_name(wnid)
                except ValueError:
                    label = None
            if label in vocab.classes:
                label_of[wnid] = label
        for c in vocab.classes:
            self._name(c, ("class", c), primary=True)
        group_set = set(vocab.groups)
        seen_groups = set()
        for wnid, label in label_of.items():
            try:
                for lemma in ddw.lemmas(wnid):
                    self._name(lemma, ("class", label))
                ancestors = ddw.hypernym_wnids(wnid)
            except ValueError:
                continue
            for a in ancestors:
                if a in seen_groups:
                    continue
                seen_groups.add(a)
                gname = ddw.class_name(a)
                if gname not in group_set:
                    continue
                for lemma in ddw.lemmas(a):
                    self._name(lemma, ("group", gname))
        for g in vocab.groups:
            self._name(g, ("group", g), primary=True)
        for alias in getattr(ddw, "GROUP_ALIASES", {}):
            try:
                wnids = ddw.group_wnids(alias)
            except ValueError:
                continue
            for w in wnids:
                n = ddw.class_name(w)
                if n in group_set:
                    self._name(alias, ("group", n), primary=True)
                elif n in vocab.classes:
                    self._name(alias, ("class", n), primary=True)
        # generic filler words are never a class or group ("being" = organism)
        for toks in list(self.names):
            if len(toks) == 1 and toks[0] in _FILLERS:
                del self.names[toks]
        # a keyword beats a WordNet lemma spelled the same ("light", "zoom")
        for toks in list(self.names):
            if toks in self.keywords:
                del self.names[toks]
        self.fields = {}
        for path, kind in vocab.fields.items():
            # structural fields have their own words (severity, classes...)
            if path in (sch.SEVERITY, sch.WNID, sch.CORRUPTION, sch.CORRUPTION_FAMILY, sch.SOURCE_ID,
                        sch.GROUND_TRUTH + ".label") or path.startswith("metadata."):
                continue
            self.fields[" ".join(_key_tokens(path.replace(".", " ")))] = path
        for alias, path in _FIELD_ALIASES.items():
            self.fields.setdefault(alias, path)

    def match_at(self, tokens, i):
        """Longest phrase starting at token i: (length, entries) or (0, None)."""
        head = tokens[i]
        cands = _singulars(head) if head.isalpha() else {head}
        lengths = set()
        for c in cands:
            lengths |= self.first.get(c, set())
        for n in sorted(lengths, reverse=True):
            if i + n > len(tokens):
                continue
            span = tuple(tokens[i : i + n])
            if span in self.keywords:
                return n, self.keywords[span]
            entries = self._match_names(span)
            if entries:
                return n, entries
        return 0, None

    def _match_names(self, span):
        # every token may be a plural ("golden retrievers", "sports cars")
        options = [sorted(_singulars(t)) if t.isalpha() else [t] for t in span]
        keys = [()]
        for opts in options:
            keys = [k + (o,) for k in keys for o in opts]
            if len(keys) > 64:
                return None
        found = {}
        for k in keys:
            for e, primary in self.names.get(k, {}).items():
                found[e] = found.get(e, False) or primary
        if not found:
            return None
        if any(found.values()):
            return [e for e, p in found.items() if p]
        return list(found)


_INDEX_CACHE = {}
_INDEX_LOCK = threading.Lock()


def phrase_index(dataset):
    """Returns the cached phrase index of a dataset (rebuilt when the
    dataset's vocabulary changes, see :func:`datadiver_fo.customize.viewspec.vocabulary`)."""
    ds = dataset._root_dataset
    vocab = vs.vocabulary(ds)
    with _INDEX_LOCK:
        hit = _INDEX_CACHE.get(ds._doc.id)
        if hit is not None and hit[0] is vocab:
            return hit[1]
    idx = _Index(ds, vocab)
    with _INDEX_LOCK:
        _INDEX_CACHE[ds._doc.id] = (vocab, idx)
    return idx


# --------------------------------------------------------------------------
# Structured patterns (numbers): replaced by marker tokens before matching
# --------------------------------------------------------------------------


def _num(s):
    f = float(s)
    return int(f) if f.is_integer() else f


def _sev_range(lo, hi):
    return ("sevrange", lo, hi)


def _structured(text, idx, items):
    """Replaces number-bearing phrases by ``@k`` markers; items[k] holds
    the meaning. Order matters: specific patterns first."""

    def mark(item):
        items.append(item)
        return f" @{len(items) - 1} "

    def sub(pattern, fn):
        nonlocal text
        text = re.sub(pattern, lambda m: mark(fn(m)), text)

    # seed for random picks
    seed = re.search(r"\b(?:with )?seed (\d+)\b", text)
    if seed:
        items.append(("seed", int(seed.group(1))))
        text = text[: seed.start()] + f" @{len(items) - 1} " + text[seed.end():]

    # labels
    sub(r"\b(?:likely |possibly |probably |potentially |suspected |suspicious )?"
        r"(?:mis ?labell?ed|mislabels?|wrongly labell?ed|incorrectly labell?ed|"
        r"(?:with )?(?:label (?:issues?|errors?|problems?|mistakes?)|wrong labels?|bad labels?|noisy labels?|"
        r"incorrect labels?)|labell?ing (?:errors?|mistakes?|issues?))\b", lambda m: ("label_issue", True))
    sub(r"\b(?:correctly labell?ed|(?:with )?(?:correct|good|clean) labels?|no label issues?)\b",
        lambda m: ("label_issue", False))
    sub(r"\b(?:(?:that are |are )?missing (?:a |their |the )?(?:ground truth |class )?labels?|"
        r"(?:with )?(?:no|without) (?:a |ground truth |class )?labels?|unlabell?ed|"
        r"labels? (?:is |are )?missing|missing_label)\b", lambda m: ("missing", "only"))

    ops = "|".join(f"(?:{p})" for p, _ in _OPWORDS)

    def op_of(word):
        for p, op in _OPWORDS:
            if re.fullmatch(p, word):
                return op
        return None

    # "top 20 by uniqueness", "sorted by label quality (ascending)"
    fields_alt = "|".join(sorted((re.escape(f) for f in idx.fields), key=len, reverse=True))
    if fields_alt:
        sub(rf"\b(?:the )?(?:top|first|best) {_NUM} (?:\w+ )?(?:by|with the highest|with highest|ranked by|sorted by) ({fields_alt})\b",
            lambda m: ("topfield", int(float(m.group(1))), idx.fields[m.group(2)], True))
        sub(rf"\b(?:the )?(?:bottom|last|worst) {_NUM} (?:\w+ )?(?:by|with the lowest|with lowest|ranked by) ({fields_alt})\b",
            lambda m: ("topfield", int(float(m.group(1))), idx.fields[m.group(2)], False))
        sub(rf"\b(?:sort(?:ed)?|order(?:ed)?|rank(?:ed)?) by ({fields_alt})(?: (asc|ascending|desc|descending|"
            r"highest first|lowest first|high to low|low to high|increasing|decreasing))?\b",
            lambda m: ("sort", idx.fields[m.group(1)],
                       (m.group(2) or "desc") in ("desc", "descending", "highest first", "high to low", "decreasing")))
        sub(rf"\b(?:with |where |whose |having )?(?:the |an |a )?({fields_alt})(?: is| of| score)? ({ops}) {_NUM}",
            lambda m: ("filter", idx.fields[m.group(1)], op_of(m.group(2)), _num(m.group(3))))
        sub(rf"\b(?:with |having )?(?:the )?(?:highest|largest|most) ({fields_alt})\b",
            lambda m: ("sort", idx.fields[m.group(1)], True))
        sub(rf"\b(?:with |having )?(?:the )?(?:lowest|smallest|least) ({fields_alt})\b",
            lambda m: ("sort", idx.fields[m.group(1)], False))

    # out-of-distribution rankings and bands
    sub(rf"\b(?:the )?(?:top|first) {_NUM} (?:most )?{_OOD_WORDS}",
        lambda m: ("topfield", int(float(m.group(1))), sch.OOD_SCORE, True))
    sub(rf"\b{_NUM} (?:most )?{_OOD_WORDS}", lambda m: ("topfield", int(float(m.group(1))), sch.OOD_SCORE, True))
    sub(rf"\b(?:the )?(?:most|highest) {_OOD_WORDS}", lambda m: ("sort", sch.OOD_SCORE, True))
    sub(rf"\b(?:the )?(?:least|lowest) {_OOD_WORDS}|\bmost (?:typical|in distribution)\b",
        lambda m: ("sort", sch.OOD_SCORE, False))
    sub(r"\bin distribution\b", lambda m: ("filter", sch.OOD_SCORE, "<", _OOD_THRESHOLD_LOW))
    sub(rf"\b{_OOD_WORDS}\b", lambda m: ("filter", sch.OOD_SCORE, ">=", _OOD_THRESHOLD_HIGH))

    # random picks and limits
    sub(rf"\b(?:a )?random(?:ly)? (?:sample of |selection of |subset of |pick of |set of )?{_NUM}\b",
        lambda m: ("take", int(float(m.group(1)))))
    sub(rf"\b{_NUM} (?:random(?:ly)?(?: chosen| selected| picked)?|randomly (?:chosen|selected|picked))\b",
        lambda m: ("take", int(float(m.group(1)))))
    sub(rf"\b(?:a )?(?:random )?sample of {_NUM}\b", lambda m: ("take", int(float(m.group(1)))))

    # severities
    sub(rf"\b{_SEVKW} (?:of |is |=|==)?(?:between |from )?{_NUM} ?(?:-|to|through|thru|and|\.\.) ?{_NUM}\b",
        lambda m: _sev_range(int(float(m.group(1))), int(float(m.group(2)))))
    sub(rf"\bbetween {_SEVKW} {_NUM} and {_NUM}\b", lambda m: _sev_range(int(float(m.group(1))), int(float(m.group(2)))))
    sub(rf"\b{_SEVKW} (?:of |is )?({ops}) {_NUM}\b",
        lambda m: _sev_cmp(op_of(m.group(1)), int(float(m.group(2)))))
    sub(rf"\b({ops}) (?:a )?{_SEVKW} (?:of )?{_NUM}\b",
        lambda m: _sev_cmp(op_of(m.group(1)), int(float(m.group(2)))))
    sub(rf"\b{_SEVKW} (?:of |is |=)?{_NUM} ?(?:\+|or (?:more|higher|above|greater|worse)|and (?:up|above|higher|worse))",
        lambda m: _sev_range(int(float(m.group(1))), None))
    sub(rf"\b{_SEVKW} (?:of |is |=)?{_NUM} (?:or (?:less|lower|below)|and (?:below|lower|under))\b",
        lambda m: _sev_range(None, int(float(m.group(1)))))
    sub(rf"\b{_SEVKW} (?:of |is |=)?(\d(?:(?:, ?| or | and |, and |, or | ?& ?)\d)*)\b",
        lambda m: ("sevlist", tuple(int(x) for x in re.findall(r"\d", m.group(1)))))
    sub(r"\b(?:sev|s|level|l)(\d)\b", lambda m: ("sevlist", (int(m.group(1)),)))
    # bare "at least 3" / "3 or more": a severity when nothing else is compared
    sub(r"\b(at least|at most|above|below|more than|less than|greater than) (\d)\b(?!\.\d)",
        lambda m: _sev_cmp(op_of(m.group(1)), int(m.group(2))))
    sub(r"\b(\d) ?(?:\+|or (?:more|higher|above|worse)|and (?:up|above|higher))", lambda m: _sev_range(int(m.group(1)), None))

    # limits last: any remaining "first 20", "20 images"
    sub(rf"\b(?:the )?(?:first|top|limit(?: to)?|at most|up to|only|just|show(?: me)?|give me|max(?:imum)?(?: of)?) {_NUM} ?"
        r"(?:images?|samples?|pictures?|photos?|examples?|results?)?\b",
        lambda m: ("limit", int(float(m.group(1)))))
    sub(rf"\b{_NUM} (?:images?|samples?|pictures?|photos?|examples?|results?)\b", lambda m: ("limit", int(float(m.group(1)))))
    sub(r"\b(?:the )?(\d+) (?=[a-z])", lambda m: ("limit", int(m.group(1))))
    return text


_SIMILAR_RE = re.compile(
    r"\b(?:most )?(?:similar to|looking like|that look like|resembling|like)\s+"
    r"(?:(?:the )?(?:sample|image|picture)s?\s+)?"
    r"(?:(?P<ids>[0-9a-f]{24}(?:\s*(?:,|and)\s*[0-9a-f]{24})*)|[\"\u201c'](?P<text>[^\"\u201d']+)[\"\u201d'])",
    re.IGNORECASE,
)


def _similarity_phrase(text):
    """'similar to "a red car"' / 'similar to sample <id>' (on the raw text,
    so the quoted query keeps its case). Returns (rest of text, query)."""
    m = _SIMILAR_RE.search(text)
    if not m:
        return text, None
    rest = text[: m.start()] + " " + text[m.end():]
    if m.group("ids"):
        return rest, {"sample_ids": re.findall(r"[0-9a-fA-F]{24}", m.group("ids"))}
    return rest, {"text": m.group("text").strip()}


def _sev_cmp(op, n):
    if op == ">=":
        return _sev_range(n, None)
    if op == ">":
        return _sev_range(n + 1, None)
    if op == "<=":
        return _sev_range(None, n)
    if op == "<":
        return _sev_range(None, n - 1)
    return ("sevlist", (n,))


# --------------------------------------------------------------------------
# The parser
# --------------------------------------------------------------------------


def _looks_plural_noun(word):
    return (
        word.isalpha()
        and len(word) > 3
        and word.endswith("s")
        and not word.endswith(("ss", "us", "is", "ous"))
    )


def parse_prompt(dataset, text, allow_all=False):
    """Parses an English prompt into a view spec, offline and deterministically.

    Args:
        dataset: a FiftyOne dataset or view; its vocabulary (classes, WordNet
            groups, corruptions, severities, tags, numeric fields) defines
            what the prompt may name
        text: the prompt, e.g. ``"dogs and cats under heavy fog or snow, but
            no clean images"``
        allow_all (False): accept a prompt that restricts nothing (``"all
            images"``); otherwise that is an error

    Returns:
        a :class:`ParsedPrompt` with the normalised ``spec``, ``warnings``
        and what was ``understood``

    Raises:
        ValueError: for an empty prompt, a word that looks like a class but is
            not on this dataset (with suggestions), a score the dataset lacks
            (``"mislabeled"`` without ``label_issue``), or a prompt from which
            nothing could be understood
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("The prompt is empty; describe the samples you want, e.g. 'dogs in heavy fog'")
    if len(text) > 2000:
        raise ValueError(f"The prompt is too long ({len(text)} characters; at most 2000)")
    idx = phrase_index(dataset)
    vocab = idx.vocab
    items = []
    text_rest, similar = _similarity_phrase(text)
    if similar is not None:
        items.append(("similar", similar))
        text_rest = text_rest + f" @{len(items) - 1} "
    norm = _normalize_text(text_rest)
    norm = _structured(norm, idx, items)
    tokens = re.findall(r"@\d+|\d+(?:\.\d+)?|[a-z0-9]+|[,;.]", norm)

    spec = vs.empty_spec()
    warnings, understood, unknown = [], [], []
    neg = neg_used = tight = False
    everything = False
    seed = None
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.startswith("@"):
            item = items[int(tok[1:])]
            if item[0] == "seed":
                seed = item[1]
            else:
                _apply_item(spec, item, neg, vocab, understood)
            i += 1
            continue
        if neg and neg_used and tok in _SCOPE_PREPS:
            # "insects other than ladybugs in fog": the negation covered
            # "ladybugs"; a new prepositional phrase starts a positive part
            neg = False
        n, entries = idx.match_at(tokens, i)
        if n == 0:
            n, entries = _distributive(idx, tokens, i)
        if n == 0:
            if tok in ("everything", "all", "entire", "whole") and _all_request(tokens, i):
                everything = True
            elif tok not in _FILLERS and not tok.replace(".", "").isdigit():
                unknown.append((i, tok))
            elif tok.replace(".", "").isdigit():
                warnings.append(f"ignored the number {tok!r} (no severity, count or score goes with it)")
            i += 1
            continue
        phrase = " ".join(tokens[i : i + n])
        kinds = {e[0] for e in entries}
        if "neg" in kinds:
            neg, neg_used = True, False
            tight = phrase == "non"  # "non-clean dogs": only the next word is negated
        elif "reset" in kinds:
            # "but not"/"but no" are negators (longer match); a bare reset ends the scope
            neg = False
        else:
            _apply_entries(spec, entries, neg, phrase, vocab, understood)
            neg_used = neg_used or neg
            if tight:
                neg = tight = False
        i += n

    if seed is not None:
        if spec["take"] is None:
            warnings.append(f"'seed {seed}' ignored: no random pick was asked for")
        else:
            spec["take"]["seed"] = seed

    _check_unknown(unknown, tokens, idx, spec, warnings)
    _resolve_conflicts(spec, warnings)
    has_any = not vs.selects_everything(_complete(spec))
    if not has_any and not (everything and allow_all):
        if everything:
            raise ValueError("The prompt asks for the whole dataset; pass allow_all=True to accept that")
        raise ValueError(
            f"Could not find anything to select in {text!r}: no class, group, corruption, "
            "severity, tag or score was recognised"
        )
    normalized = vs.normalize_spec(dataset, spec, allow_all=allow_all or everything)
    return ParsedPrompt(normalized, warnings, understood)


def _distributive(idx, tokens, i):
    """"persian and egyptian cats": a modifier sharing the head of the next
    phrase. Returns (1, entries) when ``tokens[i]`` + that head is a name."""
    if i + 2 >= len(tokens) or tokens[i + 1] not in ("and", "or", ","):
        return 0, None
    j = i + 2
    if j < len(tokens) and tokens[j] in ("and", "or"):
        j += 1
    if j >= len(tokens):
        return 0, None
    n, entries = idx.match_at(tokens, j)
    if n < 2 or not entries or not all(e[0] in ("class", "group") for e in entries):
        return 0, None
    span = (tokens[i],) + tuple(tokens[j + 1 : j + n])
    found = idx._match_names(span)
    if not found:
        return 0, None
    return 1, found


def _resolve_conflicts(spec, warnings):
    """Readings whose AND would be empty, turned into what was meant."""
    inc, exc = spec["include"], spec["exclude"]
    # "clean or mildly corrupted": the corrupted word excluded clean, which
    # the prompt also asked for: keep clean
    if sch.CLEAN in inc["corruptions"] and sch.CLEAN in exc["corruptions"]:
        exc["corruptions"].remove(sch.CLEAN)
    # "clean ... severity 1-2": clean images have severity 0, so an AND is
    # empty; the prompt means clean OR those severities
    if inc["corruptions"] == [sch.CLEAN] and inc["severities"] and 0 not in inc["severities"]:
        inc["corruptions"] = []
        inc["severities"] = [0] + inc["severities"]
        warnings.append("read 'clean' together with severities as severity 0 (clean) or those severities")


def _all_request(tokens, i):
    rest = [t for t in tokens[i + 1 :] if t not in _FILLERS]
    return tokens[i] == "everything" or not rest


def _complete(spec):
    out = vs.empty_spec()
    out.update(spec)
    return out


def _check_unknown(unknown, tokens, idx, spec, warnings):
    from datadiver_fo.io import wordnet as ddw
    vocab = idx.vocab
    # consecutive unknown words form one phrase ("golden retreivers")
    runs = []
    for i, word in unknown:
        if runs and runs[-1][-1][0] == i - 1:
            runs[-1].append((i, word))
        else:
            runs.append([(i, word)])
    for run in runs:
        words = [w for _, w in run]
        phrase = " ".join(words)
        for cand in ([phrase] if len(words) > 1 else []) + words:
            # a class or group WordNet knows, but not on this dataset
            try:
                wnids = ddw.group_wnids(cand)
            except ValueError:
                wnids = None
            sugg = _suggest(idx, cand)
            if wnids:
                names = sorted({ddw.class_name(w) for w in wnids})
                raise ValueError(
                    f"{cand!r} ({', '.join(names)}) is not a class or group on this dataset"
                    + (f"; did you mean {', '.join(repr(s) for s in sugg)}?" if sugg else "")
                )
            if sugg:
                raise ValueError(
                    f"Unknown word {cand!r} in the prompt; did you mean {', '.join(repr(s) for s in sugg)}?"
                )
        for word in words:
            if _looks_plural_noun(word):
                raise ValueError(
                    f"{word!r} is not a class, WordNet group, corruption or tag on this dataset "
                    f"(it has {len(vocab.classes)} classes, e.g. {', '.join(repr(c) for c in vocab.classes[:5])})"
                )
            warnings.append(f"ignored the word {word!r}")


def _suggest(idx, word, n=3):
    pool = {}
    for toks in list(idx.names) + list(idx.keywords):
        key = " ".join(toks)
        if key not in _FILLERS and key not in (",", ";", "."):
            pool.setdefault(key, key)
    for k, v in idx.display.items():
        pool[k] = v
    names = {k for k, v in pool.items() if len(k) > 2}
    forms = sorted(_singulars(word)) if " " not in word else [word, " ".join(list(word.split()[:-1]) + [sorted(_singulars(word.split()[-1]), key=len)[0]])]
    loose = [k for k in names if abs(len(k) - len(word)) <= 2] if len(word) <= 5 else []
    for cutoff, keys in ((0.8, list(pool)), (0.6, loose)):
        cands = set()
        for form in forms:
            cands.update(difflib.get_close_matches(form, keys, n=n, cutoff=cutoff))
        if cands:
            return sorted(pool[c] for c in cands)[:n]
    return []


def _add(spec, block, key, values):
    lst = spec[block][key]
    for v in values:
        if v not in lst:
            lst.append(v)


def _apply_entries(spec, entries, neg, phrase, vocab, understood):
    block = "exclude" if neg else "include"
    for e in entries:
        kind = e[0]
        if kind == "class":
            _add(spec, block, "classes", [e[1]])
            understood.append((phrase, f"{'not ' if neg else ''}class {e[1]}"))
        elif kind == "group":
            _add(spec, block, "groups", [e[1]])
            understood.append((phrase, f"{'not ' if neg else ''}any {e[1]}"))
        elif kind == "corruption":
            names, rule = e[1], e[2]
            if not names:
                raise ValueError(
                    f"{phrase!r} means corruption {rule.replace('*', 'any *_')!s}, which is not on this "
                    f"dataset (it has: {', '.join(c for c in vocab.corruptions)})"
                )
            _add(spec, block, "corruptions", list(names))
            understood.append((phrase, f"{'not ' if neg else ''}corruption {' or '.join(names)}"))
        elif kind == "family":
            if e[1] not in vocab.families:
                raise ValueError(
                    f"{phrase!r} means corruption family {e[1]!r}, which is not on this dataset "
                    f"(it has: {', '.join(vocab.families)})"
                )
            _add(spec, block, "families", [e[1]])
            understood.append((phrase, f"{'not ' if neg else ''}family {e[1]}"))
        elif kind == "clean":
            if sch.CLEAN not in vocab.corruptions:
                raise ValueError(f"{phrase!r}: this dataset has no clean (uncorrupted) images")
            _add(spec, block, "corruptions", [sch.CLEAN])
            understood.append((phrase, f"{'not ' if neg else ''}clean"))
        elif kind == "corrupted":
            other = "include" if neg else "exclude"
            if sch.CLEAN in vocab.corruptions:
                _add(spec, other, "corruptions", [sch.CLEAN])
            understood.append((phrase, "clean images" if neg else "any corruption (not clean)"))
        elif kind == "sev":
            sevs = [s for s in e[1] if s in vocab.severities]
            if not sevs:
                raise ValueError(f"{phrase!r} means severity {list(e[1])}, none of which is on this dataset")
            _add(spec, block, "severities", sevs)
            understood.append((phrase, f"{'not ' if neg else ''}severity {sevs}"))
        elif kind == "tag":
            _add(spec, block, "tags", [e[1]])
            understood.append((phrase, f"{'not ' if neg else ''}tag {e[1]}"))


def _need_field(vocab, field, why):
    if field not in vocab.fields:
        raise ValueError(
            f"{why} needs the field {field!r}, which this dataset does not have "
            "(compute the score first)"
        )


_NEG_OP = {">=": "<", ">": "<=", "<=": ">", "<": ">=", "==": "!=", "!=": "=="}


def _apply_item(spec, item, neg, vocab, understood):
    kind = item[0]
    block = "exclude" if neg else "include"
    if kind == "label_issue":
        _need_field(vocab, sch.LABEL_ISSUE, "'mislabeled'")
        value = item[1] if not neg else not item[1]
        spec["filters"].append({"field": sch.LABEL_ISSUE, "op": "==", "value": value})
        understood.append(("label issue", f"label_issue is {str(value).lower()}"))
    elif kind == "missing":
        spec["missing_labels"] = "exclude" if neg else item[1]
        understood.append(("missing labels", f"missing labels: {spec['missing_labels']}"))
    elif kind == "filter":
        _, field, op, value = item
        _need_field(vocab, field, f"'{field}'")
        if neg:
            op = _NEG_OP[op]
        spec["filters"].append({"field": field, "op": op, "value": value})
        understood.append((field, f"{field} {op} {value}"))
    elif kind == "sort":
        _need_field(vocab, item[1], f"sorting by {item[1]!r}")
        spec["sort"] = {"field": item[1], "reverse": bool(item[2])}
        understood.append(("sort", f"sorted by {item[1]}"))
    elif kind == "topfield":
        _, n, field, reverse = item
        _need_field(vocab, field, f"ranking by {field!r}")
        spec["sort"] = {"field": field, "reverse": reverse}
        spec["limit"] = n
        understood.append(("top", f"top {n} by {field}"))
    elif kind == "similar":
        if neg:
            raise ValueError("'not similar to' cannot be expressed; ask for similar samples instead")
        if not vocab.similarity_keys:
            raise ValueError(
                "'similar to' needs a similarity index on the dataset (fiftyone.brain.compute_similarity); none found"
            )
        spec["similar_to"] = dict(item[1], k=spec.get("limit") or vs.DEFAULT_SIMILAR_K)
        understood.append(("similar to", f"similar to {item[1]}"))
    elif kind == "take":
        spec["take"] = {"n": item[1], "seed": vs.DEFAULT_TAKE_SEED}
        understood.append(("random", f"random {item[1]}"))
    elif kind == "limit":
        spec["limit"] = item[1]
        understood.append(("limit", f"at most {item[1]}"))
    elif kind in ("sevrange", "sevlist"):
        if kind == "sevlist":
            sevs = list(item[1])
        else:
            lo = item[1] if item[1] is not None else min(vocab.severities or [0])
            hi = item[2] if item[2] is not None else max(vocab.severities or [0])
            # a severity range never reaches clean images (severity 0) unless asked
            lo = max(lo, 1) if item[1] is None else lo
            sevs = [s for s in vocab.severities if lo <= s <= hi]
        bad = [s for s in sevs if s not in vocab.severities]
        if bad or not sevs:
            raise ValueError(
                f"severity {bad or sevs or '(empty range)'} is not on this dataset (it has {vocab.severities})"
            )
        _add(spec, block, "severities", sevs)
        understood.append(("severity", f"{'not ' if neg else ''}severity {sevs}"))

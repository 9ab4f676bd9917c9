"""Offline, deterministic prompt parser: plain English -> view spec (version 2).

No model, no network: the prompt is matched against the dataset's own
vocabulary (built once per dataset and cached, see :func:`phrase_index`).

Nothing is ignored silently. Every word of a prompt is either understood (a
meaning word below) or one of the documented filler words
(:data:`FILLER_WORDS`: "show me", "the", "images", "pictures", "samples",
"all", "with", "of", ...); any other word makes :func:`parse_prompt` raise a
``ValueError`` that quotes it and suggests what it may mean. There is no
partial result for a partially understood prompt. Warnings are notes about
readings ("read 'gausian' as 'gaussian'"), never dropped meaning.

Meaning words:

-   classes by name and by every WordNet lemma (``"Chihuahua"``,
    ``"trolley coach"``), with plurals (``"golden retrievers"``,
    ``"geese"``) and hyphen/space/joined variants (``"sports car"``,
    ``"sports-car"``, ``"sportscar"``);
-   WordNet groups present in the ``hypernyms`` field by name, lemma, plural
    or colloquial alias (``"dogs"``, ``"animals"``, ``"vehicles"``,
    ``"food"``, ``"bugs"``). A lemma of one sense of a shared group name
    means that sense only: ``"automobiles"`` (and ``"cars"``, pinned by
    :data:`datadiver_fo.io.wordnet.GROUP_ALIASES`) are the classes below
    the car synset n02958343, not railway cars;
-   WordNet words below the classes, from the shipped table
    (:func:`datadiver_fo.io.wordnet.hyponyms`): kinds of a class
    (``"honeybees"`` = class bee) and animals at a life stage or of one sex
    (``"puppies"`` = young dogs = group dog, ``"lioness"`` = lion). The
    reading is reported in the warnings. Kinds beside the classes ("pug"
    next to the dog breeds) are not on the dataset and stay errors;
-   a small slang table (:data:`SLANG`: ``doggo``/``pooch`` -> dog,
    ``kitty``/``kitten`` -> cat, ``pup`` -> dog ...), reported as well;
-   a class named "<Proper> <one of its groups>" by the proper modifier
    alone when no other class starts with it (``"Labradors"``), single-word
    names written apart (``"trolley buses"``), a misspelled word inside a
    multi-word name within 2 edits (``"german shepard"``), spelling
    variants (:data:`SPELLING_VARIANTS`); all reported. Very broad WordNet
    groups (:func:`_abstract_wnids`) only by their own name, reported; their
    other lemmas (``"good"`` = commodity) are refused;
-   typos: a word of 5 to 8 letters one edit (insert, delete, substitute,
    swap) from exactly one known word, or of 9+ letters two edits from
    exactly one, is read as that word (``"gausian noise"``), reported in the
    warnings; shorter words and ties are errors with suggestions;
-   corruptions (``"gaussian noise"``, ``"fog"``), families (``"weather"``,
    ``"digital"``) and loose words: ``noisy``/``grainy`` = every ``*_noise``
    corruption, ``blurry``/``blurred`` = every ``*_blur`` corruption,
    ``foggy``/``hazy``, ``snowy``, ``frosty``, ``pixelated``, ``jpeg
    artifacts``/``compressed``, ``low contrast``, ``oversaturated``,
    ``splattered``...; ``clean``/``uncorrupted``/``original`` = corruption
    ``clean``; ``corrupted``/``distorted`` = everything but ``clean``;
-   severities: ``severity 3``, ``level two``, ``levels 2-4``, ``severity 2
    to 4``, ``at least 3``, ``severity above 2``, ``3+``, ``at most 2``, and
    the severity words of
    :data:`datadiver_fo.customize.viewspec.SEVERITY_WORDS` (one table):
    ``mildest`` = 1, ``mild``/``light`` = 1-2, ``moderate`` = 3,
    ``heavy``/``severe`` = 4-5, ``worst``/``extreme``/``highest severity`` =
    5;
-   negation: ``except``, ``excluding``, ``without``, ``not``, ``no``,
    ``other than``, ``apart from``, ``minus``, ``everything but``, ``all
    but``: what follows, up to the next comma / ``but`` / ``with`` /
    ``only`` (or a new ``in``/``at``/``on`` phrase), is excluded from every
    clause. An exclusion may name classes, groups, corruptions, families,
    severities or tags (``"everything but noise"``, ``"no weather"``,
    ``"no animals"``); a negated score condition is flipped (``"not out of
    distribution"`` = ``ood_score < 0.6``). An adjectival ``not`` covers
    only its modifier (``"not blurry dogs"`` = dogs that are not blurry);
    any other negation of two different kinds side by side (``"except
    blurry dogs"``, ``"except heavy fog"``) would be a combination, which an
    exclusion cannot say, and is refused;
-   scores: ``top 50 most out-of-distribution``, ``5 least
    out-of-distribution`` (sort by ``ood_score`` and keep N),
    ``out-of-distribution``/``OOD``/``outliers`` = ``ood_score >= 0.6`` (the
    high band), ``in-distribution`` = ``ood_score < 0.4``; for any numeric
    field (``ood score``, ``label quality``, ``uniqueness``...): ``above
    0.5``, ``at least``, ``under``, ``between 0.4 and 0.6``, ``from 0.2 to
    0.3``, ``under 0.2 and above 0.9`` (two clauses), ``sorted by``, ``top 20
    by``, ``lowest label quality first``, ``the 15 ... with the lowest label
    quality``; ``likely mislabeled``/``label issues`` = ``label_issue ==
    true``; ``missing labels``/``unlabeled`` = the ``missing_label`` tag;
-   counts: ``random 100`` / ``100 random`` / ``a sample of 100`` (take,
    seed 51 or ``seed N``), ``first 20`` / ``20 images`` / ``25 of them``
    (limit), number words up to ``hundred`` and ``a dozen``;
-   ``training``/``train split`` and ``validation``/``val`` tags (a bare
    ``train`` is the WordNet group of trains).

How the pieces combine. Inside one kind, values are OR'd ("dogs and cats" =
dogs or cats; "fog or snow"); different kinds are AND'd ("dogs in fog"). A
prompt may be a UNION of clauses (spec ``clauses``): a kind already set in
the current clause, met again after another kind, starts a new clause ("fog
at severity 5 and snow at severity 1" = two clauses; "dogs in fog or cats in
snow"), and so does ``or`` before a different kind ("fog or mild snow"). A new
clause repeats what came before the part that changes ("dogs in heavy fog or
mild snow": dogs in both), and a part that follows the last clause's full
parallel pattern is shared by all ("fog at severity 5 or snow at severity 1 on
dogs"). Two conditions on one score that cannot both hold ("under 0.2 and
above 0.9") are two clauses; ones that can ("above 0.4 and below 0.6") are
one range. A prompt meaning "everything" alone ("all images") is an error
unless ``allow_all``.
"""
import difflib
import itertools
import re
import threading

from datadiver_fo.internal import schema as sch
from datadiver_fo.internal import store
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
# "the weather family", "the digital families"
for _fam in set(_FAMILY_WORDS.values()):
    if _fam not in _CORRUPTION_WORDS:  # "blur corruptions" stays every *_blur
        _FAMILY_WORDS.setdefault(f"{_fam} corruption", _fam)
        _FAMILY_WORDS.setdefault(f"{_fam} corruptions", _fam)
    _FAMILY_WORDS.setdefault(f"{_fam} family", _fam)
    _FAMILY_WORDS.setdefault(f"{_fam} families", _fam)
del _fam
# Weather and light words for corruptions this benchmark does not have: a
# prompt naming one is refused with the corruptions it does have (never read
# as a typo of a corruption word: "rainy" is not "grainy")
_NOT_CORRUPTION_WORDS = (
    "rain", "rainy", "raining", "rained", "rainfall", "drizzle", "drizzly", "storm", "stormy", "thunderstorm",
    "wind", "windy", "cloud", "cloudy", "overcast", "sleet", "hail", "lightning", "sunny", "sunshine",
    "glare", "lens flare", "flare", "dusk", "night", "nighttime", "dark", "darkness", "low light",
    "underexposed", "dust", "dusty", "sandstorm", "smoke", "smoky", "smog", "smoggy", "shadow", "shadows",
)
_CLEAN_WORDS = ("clean", "uncorrupted", "original", "pristine", "unmodified", "unaltered", "undistorted", "non corrupted")
_CORRUPTED_WORDS = ("corrupted", "corruption", "corruptions", "distorted", "degraded", "perturbed", "any corruption")
_TAG_WORDS = {
    "training": "train", "train split": "train", "train set": "train", "training set": "train",
    "training split": "train", "validation": "val", "val": "val", "val split": "val",
    "validation set": "val", "validation split": "val", "val set": "val",
}
_NEGATORS = ("except", "except for", "excluding", "exclude", "without", "not", "no", "but not",
             "but no", "other than", "apart from", "minus", "but without", "and no", "and not",
             "leave out", "leaving out", "drop", "remove", "ignore", "ignoring", "skip", "never",
             "nothing", "none", "non", "neither", "nor", "but exclude", "but excluding", "save for",
             "aside from", "outside of", "isn't", "aren't", "arent", "isnt", "besides", "but never")
# "everything but X": the whole dataset minus X
_ALL_BUT = ("everything but", "everything except", "everything except for", "anything but",
            "anything except", "all but", "all except", "all except for", "everything other than",
            "anything other than", "everything apart from", "everything besides", "everything without",
            "all images but", "all images except", "all samples except", "all samples but",
            "all pictures except", "all pictures but", "everything aside from", "everything minus")
_RESETS = (",", ";", ".", "but", "with", "only", "just", "and only", "while", "where", "plus", "also", "then")
# Connectors between atoms: "or" may start a new clause of a union, the rest
# join (see the module docstring).
_CONNECTORS = {"and": "and", "or": "or", ",": "and", ";": "and", "plus": "and", "also": "and",
               "as well as": "and", "and also": "and", "along with": "and", "together with": "and",
               "or else": "or", "and or": "or", "either": None}

# Words that carry no meaning of their own in a prompt ("show me the images
# of ..."). Any other word must be understood, or the prompt is refused.
FILLER_WORDS = frozenset("""
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
than then appear appears appearing look looks seen visible taken shown here now thanks thank
among amongst within across around about into onto inside during through throughout per via
whatever stuff lot lots bunch pull fetch grab return returns returned bring up out off
pls plz thx gimme lemme imgs img
am will let do does would color colors colour colours u ur ya
""".split())
_FILLERS = FILLER_WORDS  # name used before version 2

# Slang and informal words WordNet does not tie to the class or group people
# mean (WordNet's "kitten" is a young mammal, not a young cat). Each maps to
# a class or group NAME; it is used only when that name is on the dataset,
# and the reading is reported.
SLANG = {
    "doggo": "dog", "doggy": "dog", "doggie": "dog", "pooch": "dog", "pupper": "dog", "pup": "dog",
    "kitty": "cat", "kitten": "cat", "kitteh": "cat", "pussycat": "cat", "kitty cat": "cat",
    "birdie": "bird", "bunny": "rabbit", "froggy": "frog", "piggy": "hog",
    "yorkie": "Yorkshire terrier",
}

_OOD_WORDS = r"(?:ood(?: scores?)?|out of distribution(?: scores?)?|anomalous|anomalies|anomaly|unusual|atypical|outliers?|strangest|weirdest|novel)"
_NUM = r"(\d+(?:\.\d+)?)"
_SEVKW = r"(?:severity levels?|severity|severities|sev|levels?|lvls?|lv|intensity|strength)"
_OPWORDS = [
    (r"(?:(?:greater|more|higher|bigger|larger) than or equal to|(?:greater|more|higher) or equal to|"
     r"at least|>=|no (?:less|lower|smaller) than|not (?:less|lower|smaller) than|minimum(?: of)?|min)", ">="),
    (r"(?:above|over|greater than|more than|higher than|bigger than|larger than|exceeding|>)", ">"),
    (r"(?:(?:less|lower|smaller) than or equal to|(?:less|lower) or equal to|at most|<=|no (?:more|higher|greater|bigger|larger) than|not (?:more|higher|greater|bigger|larger) than|up to|maximum(?: of)?|max)", "<="),
    (r"(?:below|under|less than|lower than|smaller than|beneath|<)", "<"),
    (r"(?:equal to|equals|==|=)", "=="),
]
_FIELD_ALIASES = {
    "ood score": sch.OOD_SCORE, "ood": sch.OOD_SCORE, "out of distribution score": sch.OOD_SCORE,
    "label quality": sch.LABEL_QUALITY, "label quality score": sch.LABEL_QUALITY,
    "uniqueness": "uniqueness", "representativeness": "representativeness",
    "confidence": sch.PREDICTIONS + ".confidence", "prediction confidence": sch.PREDICTIONS + ".confidence",
    # adjectives of the scores ("most unique", "least confident")
    "unique": "uniqueness", "representative": "representativeness", "confident": sch.PREDICTIONS + ".confidence",
    # plurals and the everyday abbreviation "qual"
    "ood scores": sch.OOD_SCORE, "out of distribution scores": sch.OOD_SCORE,
    "label quality scores": sch.LABEL_QUALITY, "label qualities": sch.LABEL_QUALITY,
    "label qual": sch.LABEL_QUALITY, "lq": sch.LABEL_QUALITY, "label qual score": sch.LABEL_QUALITY, "label qual scores": sch.LABEL_QUALITY,
    "uniqueness scores": "uniqueness", "uniqueness score": "uniqueness",
    "confidences": sch.PREDICTIONS + ".confidence", "confidence score": sch.PREDICTIONS + ".confidence",
    "confidence scores": sch.PREDICTIONS + ".confidence",
}
# scores where a higher value is better ("best label quality")
_HIGHER_IS_BETTER = {sch.LABEL_QUALITY, sch.PREDICTIONS + ".confidence"}
_IRREGULAR = {"geese": "goose", "mice": "mouse", "children": "child", "people": "person", "men": "man",
              "women": "woman", "teeth": "tooth", "feet": "foot", "oxen": "ox", "lice": "louse",
              "fishes": "fish", "knives": "knife", "leaves": "leaf", "wolves": "wolf", "loaves": "loaf"}
_SCOPE_PREPS = ("in", "under", "at", "on", "during", "through")
_OOD_THRESHOLD_HIGH = 0.6  # OoDAnalyzer's display bands: high >= 0.6, low < 0.4
_OOD_THRESHOLD_LOW = 0.4

# Words the number-bearing patterns read (so the typo pass leaves them alone)
_PATTERN_WORDS = set("""
top first last bottom best worst random randomly chosen selected picked sample selection subset pick seed
sorted sort order ordered rank ranked ascending descending asc desc increasing decreasing highest lowest
largest smallest least most high low first between from to through thru and or plus up higher lower above
below greater less more fewer exceeding equal equals minimum maximum min max limit results result them
those these mislabeled mislabelled mislabel mislabels wrongly incorrectly labeled labelled errors error
issues issue problems problem mistakes mistake wrong bad noisy incorrect correct correctly good labeling
labelling missing unlabeled unlabelled ground truth likely possibly probably potentially suspected
suspicious typical distribution ood score scores similar looking resembling like
""".split())

# Number words (normalised to digits before anything else)
_UNITS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
          "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
          "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
# "one" is a number ("one dog", "level one") except after these words ("the one with fog")
_ONE_NOT_AFTER = {"the", "this", "that", "which", "each", "every", "any", "no", "some", "another", "other"}


class ParsedPrompt:
    """What the offline parser understood.

    Attributes:
        spec: the normalised version-2 view spec (see
            :mod:`datadiver_fo.customize.viewspec`)
        warnings: list of strings: notes on readings (a typo read as a
            word, a WordNet or slang word read as a class or group, clean
            read together with severities); never dropped meaning
        understood: list of ``(phrase, meaning)`` pairs, in prompt order
    """

    def __init__(self, spec, warnings, understood):
        self.spec = spec
        self.warnings = warnings
        self.understood = understood

    def __repr__(self):
        return f"ParsedPrompt(spec={self.spec!r}, warnings={self.warnings!r})"


# --------------------------------------------------------------------------
# Tokens, plural forms, number words, edit distance
# --------------------------------------------------------------------------


def _number_words(text):
    """Number words -> digits: "twenty five" -> 25, "a dozen" -> 12,
    "hundred" -> 100; "one" unless it follows "the", "each", "any"...
    ("the one with fog" stays words)."""
    text = re.sub(r"\bhalf a dozen\b", "6", text)
    text = re.sub(r"\b(?:a |one )?dozen\b", "12", text)
    text = re.sub(r"\b(?:a |one )?hundred\b", "100", text)
    tens = "|".join(_TENS)
    units = "|".join(u for u in _UNITS if u != "zero")
    text = re.sub(rf"\b({tens}) ({units})\b",
                  lambda m: str(_TENS[m.group(1)] + _UNITS[m.group(2)]) if _UNITS[m.group(2)] < 10 else m.group(0),
                  text)
    text = re.sub(rf"\b({tens})\b", lambda m: str(_TENS[m.group(1)]), text)

    def unit(m):
        word = m.group(1)
        if word != "one":
            return str(_UNITS[word])
        before = text[: m.start()].split()[-1:] or [""]
        return word if before[0] in _ONE_NOT_AFTER else "1"

    return re.sub(rf"\b({'|'.join(_UNITS)})\b", unit, text)


# British (and other) spellings read as the one the vocabulary uses, in the
# prompt and in every name of the index alike
SPELLING_VARIANTS = {
    "artefact": "artifact", "artefacts": "artifacts", "colour": "color", "colours": "colors",
    "coloured": "colored", "grey": "gray", "greys": "grays", "centre": "center", "theatre": "theater",
    "aeroplane": "airplane", "aeroplanes": "airplanes", "jewellery": "jewelry", "moustache": "mustache",
    "tyre": "tire", "tyres": "tires", "pyjama": "pajama", "pyjamas": "pajamas", "doughnut": "donut",
    "doughnuts": "donuts", "pixellated": "pixelated", "favourite": "favorite",
    "jpg": "jpeg", "xmas": "christmas",
}


def _spell(word):
    return SPELLING_VARIANTS.get(word, word)


def _normalize_text(text):
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("\u2265", " >= ").replace("\u2264", " <= ")
    # comparison symbols as words of their own; ".98" is 0.98
    text = re.sub(r"\s*(>=|<=|=>|=<|==|!=|>|<|=)\s*", lambda m: " " + {"=>": ">=", "=<": "<="}.get(m.group(1), m.group(1)) + " ", text)
    text = re.sub(r"(?<![\w.])\.(\d)", r"0.\1", text)
    text = text.replace("out-of-distribution", "out of distribution")
    # everyday shorthand: "w/o" = without, "w/" = with, "dogs + cats" = dogs and cats
    text = re.sub(r"\bw/o\b", " without ", text)
    text = re.sub(r"\bw/(?=\s|[a-z])", " with ", text)
    text = re.sub(r"(?<=[a-z])\s*\+\s*(?=[a-z])", " and ", text)
    text = re.sub(r"(?<=\d)\s+\+\s+(?=[a-z])", " and ", text)  # "sev 1 + contrast sev 2"
    # contractions before the apostrophe goes: "i'd like", "don't", "we're"
    text = re.sub(r"\b(can)'t\b|\b(won)'t\b", lambda m: "can not" if m.group(1) else "will not", text)
    text = re.sub(r"(?<=[a-z])n't\b", " not", text)
    text = re.sub(r"\b(i|you|we|they)'(d|m|ve|ll|re)\b",
                  lambda m: m.group(1) + " " + {"d": "would", "m": "am", "ve": "have", "ll": "will", "re": "are"}[m.group(2)],
                  text)
    text = re.sub(r"\blet's\b", "let us", text)
    # "either ... or": "either" only announces the "or" ("label quality
    # either below 0.1 or above 0.9")
    text = re.sub(r"\beither\s+(?=.*\bor\b)", "", text)
    text = re.sub(r"(?<=[a-z])'s\b", "", text)  # possessive: "dog's" -> "dog"
    # "all corruptions but the noise family": "but" after "all <noun>" is "except"
    text = re.sub(r"\b(all|every)((?: [a-z]+){1,2}) but (?!not\b|no\b|also\b|only\b|just\b|without\b)",
                  r"\1\2 except ", text)
    text = text.replace("'", "")
    text = re.sub(r"(?<=[a-z])[-_/]|[-_/](?=[a-z])", " ", text)
    text = re.sub(r"(?<=\d)\s*[\u2013\u2014-]\s*(?=\d)", " - ", text)  # 2-4 -> 2 - 4
    text = re.sub(r"[\"()\[\]{}?]|!(?!=)", " ", text)
    text = re.sub(r"(?<=[a-z])([,;])", r" \1", text)
    text = re.sub(r"\s&\s", " and ", text)
    text = re.sub(r"[a-z]+", lambda m: _spell(m.group(0)), text)
    return _number_words(" ".join(text.split()))


def _key_tokens(phrase):
    t = str(phrase).lower().replace("_", " ").replace("-", " ").replace("'", "").replace(".", "")
    return tuple(_spell(w) for w in t.split())


def _singulars(word):
    out = {word}
    if word in _IRREGULAR:
        out.add(_IRREGULAR[word])
    for end, repl in (("ies", "y"), ("ves", "f"), ("ves", "fe"), ("men", "man"), ("ches", "ch"),
                      ("shes", "sh"), ("sses", "ss"), ("sses", "s"), ("zzes", "z"), ("xes", "x"), ("oes", "o"), ("ses", "s"),
                      ("zes", "z"), ("es", "e"), ("s", "")):
        if word.endswith(end) and len(word) > len(end) + 1:
            out.add(word[: -len(end)] + repl)
    return out


def _singulars_key(toks):
    """Every reading of a token tuple with its last word singular."""
    return {toks[:-1] + (w,) for w in _singulars(toks[-1])} if toks else set()


_ABSTRACT_CACHE = []


def _abstract_wnids():
    """WordNet groups too broad to be reached by a loose word: at most 5
    levels below the root ``entity`` and above at least 5% of the 200
    Tiny-ImageNet classes (entity, object, whole, matter, artifact, living
    thing, commodity, structure, covering, instrumentality, organism, food
    ...). Only their exact name selects them, and the reading is reported."""
    if not _ABSTRACT_CACHE:
        from datadiver_fo.io import wordnet as ddw

        depth, below = {}, {}
        classes = ddw.class_wnids()
        for w in classes:
            for path in ddw.hypernym_paths(w):
                for i, a in enumerate(path):
                    depth[a] = min(depth.get(a, 99), len(path) - 1 - i)
            for a in set(ddw.hypernym_wnids(w)):
                below[a] = below.get(a, 0) + 1
        _ABSTRACT_CACHE.append(frozenset(
            a for a, n in below.items() if depth.get(a, 99) <= 5 and n >= 0.05 * len(classes)))
    return _ABSTRACT_CACHE[0]


def _typo_budget(word):
    """Edits a typo of ``word`` may have: none up to 4 letters (too many
    neighbours), 1 for 5-8 letters, 2 from 9."""
    n = len(word)
    return 0 if n <= 4 else (1 if n <= 8 else 2)


def _edit_distance(a, b, limit):
    """Optimal-string-alignment distance (insert, delete, substitute, swap
    two neighbours), or ``limit + 1`` once it exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2, prev = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        best = i
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if prev2 is not None and i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
            best = min(best, v)
        if best > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


# --------------------------------------------------------------------------
# Phrase index (per dataset, cached with its vocabulary)
# --------------------------------------------------------------------------


class _Index:
    def __init__(self, dataset, vocab):
        self.vocab = vocab
        self.keywords = {}  # tokens -> list of entries (exact tokens only)
        self.names = {}  # tokens -> list of entries (plurals allowed)
        self.extra = {}  # tokens -> (entries, note): WordNet words below the classes, slang
        self.display = {}  # lowercase phrase -> display string, for suggestions
        self._build(dataset, vocab)
        self.first = {}
        for table in (self.keywords, self.names):
            for toks in table:
                self.first.setdefault(toks[0], set()).add(len(toks))
        self.extra_first = {}
        for toks in self.extra:
            self.extra_first.setdefault(toks[0], set()).add(len(toks))
        self._build_pool()
        # multi-word names with one word left out, for typos in context
        # ("german shepard": the other words fix which name is meant)
        self.holes = {}
        for table in (self.names, self.keywords):
            for toks in table:
                if 1 < len(toks) <= 4 and all(t.isalpha() for t in toks):
                    for j in range(len(toks)):
                        self.holes.setdefault(toks[:j] + ("*",) + toks[j + 1:], set()).add(toks[j])

    def context_fix(self, words, i):
        """The word ``words[i]`` (unknown) read as the missing word of a
        multi-word name whose other words are next to it, within 2 edits
        (1 for up to 5 letters): ``(fixed, name)`` or ``(None, None)``."""
        word = words[i]
        if len(word) < 4 or not word.isalpha():
            return None, None
        budget = 1 if len(word) <= 5 else 2
        found, best = set(), budget + 1
        for n in range(2, 5):
            for j in range(n):
                lo = i - j
                if lo < 0 or lo + n > len(words):
                    continue
                span = words[lo : lo + n]
                options = [["*"] if k == j else sorted(_singulars(t)) for k, t in enumerate(span)]
                for key in itertools.product(*options):
                    for cand in self.holes.get(key, ()):
                        for form in _singulars(word):
                            d = _edit_distance(form, cand, budget)
                            if d < best:
                                best, found = d, {(cand, " ".join(key).replace("*", cand))}
                            elif d == best and d <= budget:
                                found.add((cand, " ".join(key).replace("*", cand)))
        if best <= budget and len({c for c, _ in found}) == 1:
            return min(found)
        return None, None

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
        for w in _NOT_CORRUPTION_WORDS:
            self._kw(w, ("nocorr", w))
        for w in _CLEAN_WORDS:
            self._kw(w, ("clean",))
        for w in _CORRUPTED_WORDS:
            self._kw(w, ("corrupted",))
        for w, sev in vs.SEVERITY_WORDS.items():
            self._kw(w, ("sev", tuple(sev)))
        for w, tag in _TAG_WORDS.items():
            if tag in vocab.tags:
                self._kw(w, ("tag", tag))
        for t in vocab.tags:
            if t not in (sch.TAG_MISSING_LABEL, "train", "val"):
                self._kw(t, ("tag", t))
        for w in _NEGATORS:
            self._kw(w, ("neg",))
        for w in _ALL_BUT:
            self._kw(w, ("neg", "all"))
        for w in _RESETS:
            self._kw(w, ("reset",))
        for w, conn in _CONNECTORS.items():
            if conn is not None:
                self._kw(w, ("conn", conn))

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
        self.label_of = label_of
        for c in vocab.classes:
            self._name(c, ("class", c), primary=True)
        group_set = set(vocab.groups)
        # the synsets behind each group name present (two synsets may share
        # a name: "car" is the automobile and the railway car) and the
        # classes below each synset
        ancestors = {}
        synsets_of_name, classes_below = {}, {}
        for wnid, label in label_of.items():
            try:
                ancestors[wnid] = ddw.hypernym_wnids(wnid)
            except ValueError:
                continue
            for a in ancestors[wnid]:
                classes_below.setdefault(a, []).append(label)
                name = ddw.class_name(a)
                if name in group_set:
                    synsets_of_name.setdefault(name, set()).add(a)
        self.classes_below = classes_below
        self.abstract_lemmas = {}  # tokens -> broad group name (refused, see below)
        self.abstract_names = {ddw.class_name(a) for a in _abstract_wnids()} & group_set

        def group_entry(a):
            # a group by one synset: its name when that name means only this
            # synset here, else the classes below it ("automobile")
            name = ddw.class_name(a)
            if name not in group_set:
                return None
            if len(synsets_of_name.get(name, ())) > 1:
                return ("synset", a, name, tuple(classes_below.get(a, ())))
            return ("group", name)

        seen_groups = set()
        for wnid, label in label_of.items():
            try:
                for lemma in ddw.lemmas(wnid):
                    self._name(lemma, ("class", label))
            except ValueError:
                continue
            for a in ancestors.get(wnid, ()):
                if a in seen_groups:
                    continue
                seen_groups.add(a)
                entry = group_entry(a)
                if entry is None:
                    continue
                name = ddw.class_name(a)
                if a in _abstract_wnids():
                    # a very broad group ("artifact", "commodity", "whole")
                    # only by its own name: its other lemmas ("good",
                    # "unit", "artefact") are everyday words that would
                    # select a large, unrelated share of the classes
                    for lemma in ddw.lemmas(a):
                        toks = _key_tokens(lemma)
                        if toks != _key_tokens(name):
                            self.abstract_lemmas.setdefault(toks, name)
                    self._name(name, entry)
                    continue
                # a lemma shared by all synsets of the name means the name
                shared = set.intersection(*[{_key_tokens(x) for x in ddw.lemmas(s)}
                                            for s in synsets_of_name.get(name, {a})])
                for lemma in ddw.lemmas(a):
                    toks = _key_tokens(lemma)
                    self._name(lemma, ("group", name) if toks in shared else entry)
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
                    self._name(alias, group_entry(w) or ("group", n), primary=True)
                elif n in vocab.classes:
                    self._name(alias, ("class", n), primary=True)
        # an alias pinning one sense ("car" = automobile) replaces the shared name
        for toks, entries in list(self.names.items()):
            pinned = {e[2] for e in entries if e[0] == "synset" and entries[e]}
            for e in list(entries):
                if e[0] == "group" and e[1] in pinned:
                    del entries[e]
        # generic filler words are never a class or group ("being" = organism)
        for toks in list(self.names):
            if len(toks) == 1 and toks[0] in FILLER_WORDS:
                del self.names[toks]
        # a keyword beats a WordNet lemma spelled the same ("light", "zoom")
        for toks in list(self.names):
            if toks in self.keywords:
                del self.names[toks]
        # "sports car" also as "sportscar"
        for toks, entries in list(self.names.items()):
            if len(toks) > 1:
                joined = ("".join(toks),)
                if joined not in self.names and joined not in self.keywords:
                    self.names[joined] = dict(entries)

        self._corruption_forms(corrs)

        # WordNet words below the classes, then slang: only where nothing
        # else matches, and reported as readings
        for wnid, rec in ddw.hyponyms().items():
            entries = []
            for of in rec["of"]:
                if of in label_of:
                    entries.append(("class", label_of[of]))
                else:
                    e = group_entry(of)
                    if e is not None:
                        entries.append(e)
            if not entries:
                continue
            what = {"kind": "a kind of", "young": "a young", "male": "a male", "female": "a female"}[rec["relation"]]
            target = ", ".join(e[1] if e[0] != "synset" else e[2] for e in entries)
            for lemma in rec["lemmas"]:
                toks = _key_tokens(lemma)
                if toks and toks not in self.names and toks not in self.keywords:
                    self.extra.setdefault(toks, (entries, f"WordNet: {lemma} is {what} {target}"))
        # "Labradors", "Persians": a class named "<Proper> <one of its
        # groups>" ("Labrador retriever", "Persian cat") by its proper
        # modifier alone, when no other class shares it
        short = {}
        first_words = {}
        for c in vocab.classes:
            first_words.setdefault(str(c).split()[0].lower(), []).append(c)
        for c in vocab.classes:
            words = str(c).split()
            if len(words) == 2 and words[0][:1].isupper() and words[0][1:].islower():
                wnid = next((w for w, lab in label_of.items() if lab == c), None)
                if wnid is None or words[1].lower() not in {ddw.class_name(a).lower() for a in ancestors.get(wnid, ())}:
                    continue
                short.setdefault(_key_tokens(words[0]), []).append(c)
        for toks, cs in short.items():
            if len(cs) == 1 and len(first_words.get(toks[0], ())) == 1 and toks not in self.names and toks not in self.keywords and toks not in self.extra:
                self.extra[toks] = ([("class", cs[0])], f"short for {cs[0]}")
        # "fire salamanders": a class named "<Proper> <two or more words>"
        # by those words, when no other class has them
        tails = {}
        for c in vocab.classes:
            words = str(c).split()
            if len(words) >= 3 and words[0][:1].isupper() and words[0][1:].islower():
                tails.setdefault(_key_tokens(" ".join(words[1:])), []).append(c)
        for toks, cs in tails.items():
            if len(cs) == 1 and toks not in self.names and toks not in self.keywords and toks not in self.extra:
                self.extra[toks] = ([("class", cs[0])], f"short for {cs[0]}")
        for word, target in SLANG.items():
            toks = _key_tokens(word)
            if toks in self.names or toks in self.keywords or toks in self.extra:
                continue
            entries = self._match_names(_key_tokens(target))
            if entries:
                self.extra[toks] = (entries, f"slang for {target}")

        self.fields = {}
        for path, kind in vocab.fields.items():
            # structural fields have their own words (severity, classes...)
            if path in (sch.SEVERITY, sch.WNID, sch.CORRUPTION, sch.CORRUPTION_FAMILY, sch.SOURCE_ID,
                        sch.GROUND_TRUTH + ".label") or path.startswith("metadata."):
                continue
            self.fields[" ".join(_key_tokens(path.replace(".", " ")))] = path
        for alias, path in _FIELD_ALIASES.items():
            self.fields.setdefault(alias, path)
        self.numeric_fields = {k: p for k, p in self.fields.items() if vocab.fields.get(p) == "number"}

    def _corruption_forms(self, corrs):
        """Inflected and compound forms of the corruption names, as exact
        keywords: "<prefix> <loose word of its family>" is the one
        corruption ("zoom-blurred" = zoom_blur, "gaussian noisy" =
        gaussian_noise, never the whole family), and a corruption word takes
        the usual endings ("fogged", "foggy", "snowed", "pixelates")."""
        forms = {}
        self.generated = set()
        for c in corrs:
            if c == sch.CLEAN:
                continue
            toks = _key_tokens(c)
            for word, rule in _CORRUPTION_WORDS.items():
                if rule.startswith("*") and c.endswith(rule[1:]) and len(toks) > 1:
                    wt = _key_tokens(word)
                    if len(wt) == 1:
                        forms.setdefault(toks[:-1] + wt, c)
            for wt in (toks,):  # the name itself takes the endings
                last = wt[-1]
                if last.endswith(("ness", "ion")) or not last.isalpha():
                    continue
                ends = {last + "s", last + "ed", last + "ing", last + "y", last + last[-1] + "ed",
                        last + last[-1] + "ing", last + last[-1] + "y"}
                if last.endswith("e"):
                    ends |= {last[:-1] + "ed", last[:-1] + "ing", last[:-1] + "y"}
                # the noun of the verb: "elastic transformations", "pixelation"
                stem = last[:-1] if last.endswith("e") else last
                ends |= {stem + "ation", stem + "ations"}
                for end in ends:
                    forms.setdefault(wt[:-1] + (end,), c)
        # "jpeg compression artifacts", "noise artifacts": the artifacts
        # of a corruption are that corruption (never the group artifact)
        extra = {}
        for toks, entries in self.keywords.items():
            if len(toks) <= 3 and entries and all(e[0] in ("corruption", "family") for e in entries):
                for art in ("artifact", "artifacts"):
                    if toks[-1] not in ("artifact", "artifacts"):
                        extra[toks + (art,)] = entries
        for toks, entries in list(self.keywords.items()):
            last = toks[-1]
            if (len(toks) > 1 and last.isalpha() and not last.endswith("s") and entries
                    and all(e[0] == "corruption" for e in entries)):
                extra.setdefault(toks[:-1] + (last + "s",), entries)
        for toks, entries in extra.items():
            if toks not in self.keywords:
                self.keywords[toks] = entries
                self.generated.add(toks)
        for toks, c in forms.items():
            if toks in self.keywords or toks in self.names or _singulars_key(toks) & set(self.names):
                continue
            self.keywords[toks] = [("corruption", (c,), c)]
            self.generated.add(toks)

    def _build_pool(self):
        """Every word the parser knows, for the typo pass: ``known`` (a set)
        and ``pool`` (length -> words)."""
        known = set(FILLER_WORDS) | _pattern_words() | set(_UNITS) | set(_TENS) | {"dozen", "hundred", "half"}
        singles = set(known)
        parts = set()
        for table in (self.keywords, self.names, self.extra):
            for toks in table:
                if toks not in self.generated:
                    known.update(toks)
                    (singles if len(toks) == 1 else parts).update(toks)
        for f in self.fields:
            singles.update(f.split())
        self.name_parts = parts - singles  # see _part_only
        # the generated corruption forms are known words, never typo targets
        generated = {w for toks in self.generated for w in toks} - known
        for f in self.fields:
            known.update(f.split())
        known.update({"everything", "entire", "whole", "all"})
        known = {w for w in known if w.isalpha()}
        self.known = known | generated
        self.pool = {}
        # number words are read before the typo pass: a typo is never one
        # ("severty" is severity, not seventy)
        numbers = set(_UNITS) | set(_TENS)
        for w in known - numbers:
            self.pool.setdefault(len(w), []).append(w)
        # loose one-word corruption and severity words ("grainy", "misty",
        # "light"): a typo of one keeps its first letter, so a word of
        # another meaning that rhymes with one ("rainy", "list") is not read
        # as it
        self.loose = {w for w in list(_CORRUPTION_WORDS) + list(vs.SEVERITY_WORDS)
                      if " " not in w and w not in {_key_tokens(c)[-1] for c in self.vocab.corruptions}}

    def classes_of_groups(self, groups):
        from datadiver_fo.io import wordnet as ddw

        out = set()
        for g in groups:
            try:
                for w in ddw.group_wnids(g):
                    out.update(self.classes_below.get(w, ()))
            except ValueError:
                pass
        return out

    def abstract_message(self, phrase):
        """A message for a lemma of a very broad group (see
        :func:`_abstract_wnids`), or None."""
        toks = _key_tokens(phrase)
        for key in _singulars_key(toks):
            name = self.abstract_lemmas.get(key)
            if name is not None and name in self.abstract_names:
                return (f"{phrase!r} is a WordNet name of the very broad group {name!r} "
                        f"({len(self.classes_of_groups([name]))} classes on this dataset), which only its own "
                        f"name selects; say {name!r} if you mean that group, or name the classes")
        return None

    def is_known(self, word):
        return word in self.known or any(f in self.known for f in _singulars(word))

    def correct(self, word):
        """``(word it is read as, None)`` for a typo with one nearest known
        word, ``(None, [candidates])`` for a tie, ``(None, [])`` else."""
        budget = _typo_budget(word)
        if not budget or not word.isalpha():
            return None, []
        best, found = budget + 1, set()
        for form in _singulars(word):
            for n in range(len(form) - budget, len(form) + budget + 1):
                for cand in self.pool.get(n, ()):
                    if cand[0] != form[0] and cand in self.loose:
                        continue
                    d = _edit_distance(form, cand, min(budget, best))
                    if d < best:
                        best, found = d, {cand}
                    elif d == best and d <= budget:
                        found.add(cand)
        if best > budget:
            return None, []
        # words with one meaning are one word ("pixelate"/"pixelated",
        # "blur"/"blurry", a plural and its singular)
        meanings = {self.meaning(c) for c in found}
        if len(meanings) == 1:
            return min(found, key=lambda c: (len(c), c)), None
        # a word that only occurs inside a longer name ("salamandra" of
        # "Salamandra salamandra") means nothing alone: it cannot be what a
        # lone typo meant, so it does not tie with a word that does
        alone = {c for c in found if not self._part_only(c)}
        if alone and len({self.meaning(c) for c in alone}) == 1:
            return min(alone, key=lambda c: (len(c), c)), None
        return None, sorted(found)

    def _part_only(self, word):
        """Whether ``word`` is known only as a word inside longer names."""
        if word in FILLER_WORDS or any((f,) in self.keywords or (f,) in self.extra for f in _singulars(word)):
            return False
        if self._match_names((word,)):
            return False
        return word in self.name_parts

    def meaning(self, word):
        """What one word means on its own (for comparing typo candidates)."""
        toks = (word,)
        if toks in self.keywords:
            return repr(sorted(set(map(repr, self.keywords[toks]))))
        entries = self._match_names(toks)
        if entries:
            return repr(sorted(set(map(repr, entries))))
        return min(_singulars(word) & self.known or {word}, key=len)

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
                if n == 1:
                    joined = self._joined(tokens, i)
                    if joined:
                        return 2, joined
                return n, entries
        joined = self._joined(tokens, i)
        if joined:
            return 2, joined
        return 0, None

    def _joined(self, tokens, i):
        """"trolley buses" = "trolleybuses": two words written apart that
        are one single-word class or group name."""
        if i + 1 >= len(tokens) or not (tokens[i].isalpha() and tokens[i + 1].isalpha()) or len(tokens[i]) < 3:
            return None
        return self._match_names((tokens[i] + tokens[i + 1],))

    def match_extra(self, tokens, i):
        """Longest WordNet-below-a-class or slang phrase at token i:
        ``(length, entries, note)`` or ``(0, None, None)``."""
        head = tokens[i]
        lengths = set()
        for c in (_singulars(head) if head.isalpha() else {head}):
            lengths |= self.extra_first.get(c, set())
        for n in sorted(lengths, reverse=True):
            if i + n > len(tokens):
                continue
            span = tuple(tokens[i : i + n])
            options = [sorted(_singulars(t)) if t.isalpha() else [t] for t in span]
            keys = [()]
            for opts in options:
                keys = [k + (o,) for k in keys for o in opts]
            for k in keys:
                if k in self.extra:
                    entries, note = self.extra[k]
                    return n, entries, note
        # two words written apart that are one WordNet word ("honey bees")
        if i + 1 < len(tokens) and tokens[i].isalpha() and tokens[i + 1].isalpha() and len(tokens[i]) >= 3:
            for w in _singulars(tokens[i] + tokens[i + 1]):
                if (w,) in self.extra:
                    entries, note = self.extra[(w,)]
                    return 2, entries, note
        return 0, None, None

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
        hit = _INDEX_CACHE.get(store.dataset_id(ds))
        if hit is not None and hit[0] is vocab:
            return hit[1]
    idx = _Index(ds, vocab)
    with _INDEX_LOCK:
        _INDEX_CACHE[store.dataset_id(ds)] = (vocab, idx)
    return idx


# --------------------------------------------------------------------------
# Structured patterns (numbers): replaced by marker tokens before matching
# --------------------------------------------------------------------------


# A marker stands for items[k]; its digits are private-use characters, so no
# number pattern can read them as a count.
_MARKER_RE = "@[\ue000-\ue009]+"


def _marker(k):
    return " @" + "".join(chr(0xE000 + int(c)) for c in str(k)) + " "


def _marker_index(tok):
    return int("".join(str(ord(c) - 0xE000) for c in tok[1:]))


def _num(s):
    f = float(s)
    return int(f) if f.is_integer() else f


def _int(s):
    return int(float(s))


def _sev_range(lo, hi):
    return ("sevrange", lo, hi)


_TAKES_NUMBER = {"severity", "severities", "level", "levels", "intensity", "strength", "top", "first", "bottom",
                 "last", "random", "lowest", "highest"}
_HIGH_WORDS = r"(?:most|highest|largest|biggest|greatest|top)"
_LOW_WORDS = r"(?:least|lowest|smallest|fewest)"
_COUNT_NOUNS = r"(?:images?|samples?|pictures?|photos?|examples?|results?|pics?|ones?)"


def _structured(text, idx, items):
    """Replaces number-bearing phrases by ``@k`` markers; items[k] holds
    the meaning. Order matters: specific patterns first."""

    def mark(item):
        items.append(item)
        return _marker(len(items) - 1)

    def sub(pattern, fn):
        nonlocal text
        new = re.sub(pattern, lambda m: mark(fn(m)), text)
        if new is not text:
            text = " ".join(new.split())

    # seed for random picks
    seed = re.search(r"\b(?:with )?(?:random )?seed (\d+)\b", text)
    if seed:
        items.append(("seed", int(seed.group(1))))
        text = text[: seed.start()] + _marker(len(items) - 1) + text[seed.end():]

    # labels
    sub(r"\b(?:likely |possibly |probably |potentially |suspected |suspicious )?"
        r"(?:mis ?labell?ed|mislabels?|wrongly labell?ed|incorrectly labell?ed|"
        r"(?:with )?(?:label (?:issues?|errors?|problems?|mistakes?)|"
        r"(?:wrong|bad|noisy|incorrect|wonky|dodgy|dubious|questionable|suspect|erroneous|faulty|mistaken|flipped) labels?)|"
        r"labell?ing (?:errors?|mistakes?|issues?))\b", lambda m: ("label_issue", True))
    sub(r"\b(?:correctly labell?ed|(?:with )?(?:correct|good|clean) labels?|no label issues?)\b",
        lambda m: ("label_issue", False))
    sub(r"\b(?:(?:that are |are )?missing (?:a |their |the )?(?:ground truth |class )?labels?|"
        r"(?:with )?(?:no|without) (?:a |ground truth |class )?labels?|unlabell?ed|"
        r"labels? (?:is |are )?missing|missing_label)\b", lambda m: ("missing", "only"))

    # "labelled images", "with labels only": has a ground-truth label (never
    # "labelled as ...", where the word is a filler before a class)
    sub(r"\b(?:only )?(?:labell?ed|with (?:a |their |ground truth |class )?labels?|that have (?:a )?labels?|"
        r"having (?:a )?labels?)(?= (?:images?|pictures?|samples?|photos?|pics?|ones?|data|only)\b| ?[,;.]| ?$)",
        lambda m: ("missing", "exclude"))
    ops = "|".join(f"(?:{p})" for p, _ in _OPWORDS)

    def op_of(word):
        for p, op in _OPWORDS:
            if re.fullmatch(p, word):
                return op
        return None

    # "top 20 by uniqueness", "5 lowest label quality", "sorted by label quality"
    fields_alt = "|".join(sorted((re.escape(f) for f in idx.fields), key=len, reverse=True))
    if fields_alt:
        # "ood outside 0.05 to 0.95" is "below 0.05 or above 0.95" (two clauses)
        text = re.sub(rf"\b({fields_alt})(?: is| are| scores?)? (?:outside(?: of)?(?: the range)?|not between|not in the range(?: of)?) "
                      rf"{_NUM} ?(?:and|to|-) ?{_NUM}\b",
                      lambda m: f"{m.group(1)} below {m.group(2)} or above {m.group(3)}", text)
        # "uniqueness between 0.1 and 0.2 or between 0.8 and 0.9": the second
        # range is on the field just named
        for _ in range(2):
            text = re.sub(rf"\b({fields_alt})((?: is| are| scores?)? between {_NUM} and {_NUM}) (or|and|,) ?between\b",
                          lambda m: f"{m.group(1)}{m.group(2)} {m.group(5)} {m.group(1)} between", text)
        # "bottom 8 foods by uniqueness": the word between is kept (it means
        # something: a class, a corruption), never swallowed by the pattern
        def top_by(high):
            def fn(m):
                return (m.group(2) or "") + mark(("topfield", _int(m.group(1)), idx.fields[m.group(3)], high))
            return fn
        text = " ".join(re.sub(rf"\b(?:the )?(?:top|first|best) {_NUM} ((?:[a-z]+ )?)(?:by|with the highest|with highest|"
                               rf"ranked by|sorted by) ({fields_alt})\b", top_by(True), text).split())
        text = " ".join(re.sub(rf"\b(?:the )?(?:bottom|last|worst) {_NUM} ((?:[a-z]+ )?)(?:by|with the lowest|with lowest|"
                               rf"ranked by) ({fields_alt})\b", top_by(False), text).split())
        sub(rf"\b(?:the )?(?:top |first |bottom |last )?{_NUM} ({_HIGH_WORDS}|{_LOW_WORDS}) ({fields_alt})\b",
            lambda m: ("topfield", _int(m.group(1)), idx.fields[m.group(3)],
                       re.fullmatch(_HIGH_WORDS, m.group(2)) is not None))
        sub(rf"\b(?:sort(?:ed)?|order(?:ed)?|rank(?:ed)?) by ({fields_alt})(?: (asc|ascending|desc|descending|"
            r"highest first|lowest first|high to low|low to high|increasing|decreasing))?\b",
            lambda m: ("sort", idx.fields[m.group(1)],
                       (m.group(2) or "desc") in ("desc", "descending", "highest first", "high to low", "decreasing")))
        # ranges: "ood score between 0.4 and 0.6", "label quality from 0.2 to 0.3"
        sub(rf"\b(?:with |where |whose |having )?(?:the |an |a )?({fields_alt})(?: is| of| score| scores)? "
            rf"(?:between|from|in the range(?: of)?|in range) {_NUM} ?(?:and|to|-|through|\.\.) ?{_NUM}\b",
            lambda m: _range_item(idx.fields[m.group(1)], _num(m.group(2)), _num(m.group(3))))
        # "uniqueness of 0.5 or more", "label quality 0.2 or less"
        sub(rf"\b(?:with |where |whose |having )?(?:the |an |a )?({fields_alt})(?: is| are| of| at| score| scores)? {_NUM} "
            r"(?:or|and) (more|higher|above|greater|over|bigger|larger|less|lower|below|under|smaller)\b",
            lambda m: ("filter", idx.fields[m.group(1)],
                       ">=" if m.group(3) in ("more", "higher", "above", "greater", "over", "bigger", "larger") else "<=",
                       _num(m.group(2))))
        # "lowest 10 label quality", "highest 5 uniqueness scores"
        sub(rf"\b(?:the )?({_HIGH_WORDS}|{_LOW_WORDS}) {_NUM} ({fields_alt})\b",
            lambda m: ("topfield", _int(m.group(2)), idx.fields[m.group(3)],
                       re.fullmatch(_HIGH_WORDS, m.group(1)) is not None))
        sub(rf"\b(?:with |where |whose |having )?(?:the |an |a )?({fields_alt})(?: is| are| of| score| scores| value| values)? ({ops}) {_NUM}",
            lambda m: ("filter", idx.fields[m.group(1)], op_of(m.group(2)), _num(m.group(3))))
        # "best"/"worst" on a score where higher is better ("the best label
        # quality" = highest label_quality); never on the ood score, where
        # it could mean either end
        good_alt = "|".join(sorted((re.escape(f) for f, path in idx.fields.items() if path in _HIGHER_IS_BETTER),
                                   key=len, reverse=True))
        if good_alt:
            sub(rf"\b(?:the )?(?:top |first |bottom |last )?{_NUM} (best|worst|poorest) ({good_alt})\b",
                lambda m: ("topfield", _int(m.group(1)), idx.fields[m.group(3)], m.group(2) == "best"))
            sub(rf"\b(?:the )?(best|worst|poorest) ({good_alt}) (\d+)(?![\d.])(?= ?(?:{_COUNT_NOUNS}\b|,|$))",
                lambda m: ("topfield", int(m.group(3)), idx.fields[m.group(2)], m.group(1) == "best"))
            sub(rf"\b(?:the )?(best|worst|poorest) {_NUM} ({good_alt})\b",
                lambda m: ("topfield", _int(m.group(2)), idx.fields[m.group(3)], m.group(1) == "best"))
            sub(rf"\b(?:with |having )?(?:the )?(best|worst|poorest) ({good_alt})(?: first)?\b",
                lambda m: ("sort", idx.fields[m.group(2)], m.group(1) == "best"))
        # the comparison or the count before the score: ">= 0.9 uniqueness", "least unique 25"
        sub(rf"(?<![\w.])({ops}) {_NUM} ({fields_alt})\b",
            lambda m: ("filter", idx.fields[m.group(3)], op_of(m.group(1)), _num(m.group(2))))
        sub(rf"\b(?:the )?({_HIGH_WORDS}|{_LOW_WORDS}) ({fields_alt}) (\d+)(?![\d.])(?= ?(?:{_COUNT_NOUNS}\b|,|$))",
            lambda m: ("topfield", int(m.group(3)), idx.fields[m.group(2)],
                       re.fullmatch(_HIGH_WORDS, m.group(1)) is not None))
        sub(rf"\b(?:with |having )?(?:the )?{_HIGH_WORDS} ({fields_alt})(?: first)?\b",
            lambda m: ("sort", idx.fields[m.group(1)], True))
        sub(rf"\b(?:with |having )?(?:the )?{_LOW_WORDS} ({fields_alt})(?: first)?\b",
            lambda m: ("sort", idx.fields[m.group(1)], False))

    # out-of-distribution rankings and bands
    sub(rf"\b(?:the )?(?:top|first) {_NUM} (?:most )?{_OOD_WORDS}",
        lambda m: ("topfield", _int(m.group(1)), sch.OOD_SCORE, True))
    sub(rf"\b(?:the )?(?:bottom |last )?{_NUM} (?:least|lowest) {_OOD_WORDS}",
        lambda m: ("topfield", _int(m.group(1)), sch.OOD_SCORE, False))
    sub(rf"\b(?:the )?(?:least|lowest|bottom|last) {_NUM} (?:least |lowest )?{_OOD_WORDS}",
        lambda m: ("topfield", _int(m.group(1)), sch.OOD_SCORE, False))
    sub(rf"\b(?:the )?(?:most|highest|top|first) {_NUM} (?:most |highest )?{_OOD_WORDS}",
        lambda m: ("topfield", _int(m.group(1)), sch.OOD_SCORE, True))
    sub(rf"\b(?:the )?{_NUM} (?:most |highest )?{_OOD_WORDS}",
        lambda m: ("topfield", _int(m.group(1)), sch.OOD_SCORE, True))
    sub(rf"\b(?:the )?(?:most|highest) {_OOD_WORDS}(?: first)?", lambda m: ("sort", sch.OOD_SCORE, True))
    sub(rf"\b(?:the )?(?:least|lowest) {_OOD_WORDS}(?: first)?|\bmost (?:typical|in distribution)\b",
        lambda m: ("sort", sch.OOD_SCORE, False))
    sub(r"\b(?:a )?high ood(?: score)?\b", lambda m: ("filter", sch.OOD_SCORE, ">=", _OOD_THRESHOLD_HIGH))
    sub(r"\b(?:a )?low ood(?: score)?\b|\bin distribution\b",
        lambda m: ("filter", sch.OOD_SCORE, "<", _OOD_THRESHOLD_LOW))
    sub(rf"\b{_OOD_WORDS}\b", lambda m: ("filter", sch.OOD_SCORE, ">=", _OOD_THRESHOLD_HIGH))

    # a second condition on the field just named: "under 0.2 and above 0.9"
    for _ in range(2):  # "above 0.4 and below 0.6", "under 0.2, or above 0.9"
        text = re.sub(rf"({_MARKER_RE})\s+(and|or|but|,)\s*(?:(?:the |a )?score )?({ops}) {_NUM}(?!\.\d)",
                      lambda m: _same_field(m, items, op_of), text)

    # random picks and limits
    sub(rf"\b(?:a )?random(?:ly)? (?:sample of |selection of |subset of |pick of |set of )?{_NUM}\b",
        lambda m: ("take", _int(m.group(1))))
    sub(rf"\b{_NUM} (?:random(?:ly)?(?: chosen| selected| picked)?|randomly (?:chosen|selected|picked))\b",
        lambda m: ("take", _int(m.group(1))))
    sub(rf"\b(?:a )?(?:random )?sample of {_NUM}\b", lambda m: ("take", _int(m.group(1))))

    # severities
    # "fog at 5", "snow @ 1-2": a number right after a corruption word is its severity
    corr_alt = "|".join(sorted((re.escape(" ".join(t)) for t, es in idx.keywords.items()
                                if es and all(e[0] in ("corruption", "family") for e in es) and t[0] not in (",", ";", ".")),
                               key=len, reverse=True))
    if corr_alt:
        def corr_sev(m):
            lo, hi = int(m.group(2)), int(m.group(3) or m.group(2))
            if not (1 <= lo <= 5 and 1 <= hi <= 5):
                return m.group(0)
            # "at" stays: a preposition ends a negation's scope ("except fog at 3")
            return m.group(1) + " at " + mark(_sev_range(*sorted((lo, hi))) if hi != lo else ("sevlist", (lo,)))
        text = " ".join(re.sub(rf"\b({corr_alt}) (?:at|@) (?:sev |severity |level )?(\d)(?: ?(?:-|to) ?(\d))?\b(?![\d.])"
                               r"(?! ?(?:\+|(?:or|and|,) ?(?:\d|more|higher|above|greater|worse|over|up|less|lower|below|under)\b))",
                               corr_sev, text).split())
    # "worse than severity 3", "milder than level 4"
    sub(rf"\b(?:worse|stronger|heavier|harsher|more severe|more intense) than (?:a )?{_SEVKW} (?:of )?{_NUM}\b",
        lambda m: _sev_cmp(">", _int(m.group(1))))
    sub(rf"\b(?:milder|lighter|weaker|gentler|less severe|less intense) than (?:a )?{_SEVKW} (?:of )?{_NUM}\b",
        lambda m: _sev_cmp("<", _int(m.group(1))))
    sub(rf"\b{_SEVKW} (?:of |is )?between {_NUM} and {_NUM}\b",
        lambda m: _sev_range(*sorted((_int(m.group(1)), _int(m.group(2))))))
    # "severity 2 and 4" is a list (below); "2 to 4" / "2-4" a range
    sub(rf"\b{_SEVKW} (?:of |is |== |= )?(?:from )?{_NUM} ?(?:-|to|through|thru|\.\.|up to|until) ?{_NUM}\b",
        lambda m: _sev_range(*sorted((_int(m.group(1)), _int(m.group(2))))))
    sub(rf"\bbetween {_SEVKW} {_NUM} and {_NUM}\b", lambda m: _sev_range(_int(m.group(1)), _int(m.group(2))))
    sub(rf"\b{_SEVKW} (?:of |is )?({ops}) {_NUM}\b",
        lambda m: _sev_cmp(op_of(m.group(1)), _int(m.group(2))))
    sub(rf"\b({ops}) (?:a )?{_SEVKW} (?:of )?{_NUM}\b",
        lambda m: _sev_cmp(op_of(m.group(1)), _int(m.group(2))))
    sub(rf"\b{_SEVKW} (?:of |is |= )?{_NUM} ?(?:\+|or (?:more|higher|above|greater|worse)|and (?:up|above|higher|worse))",
        lambda m: _sev_range(_int(m.group(1)), None))
    sub(rf"\b{_SEVKW} (?:of |is |= )?{_NUM} (?:or (?:less|lower|below)|and (?:below|lower|under))\b",
        lambda m: _sev_range(None, _int(m.group(1))))
    sub(rf"\b{_SEVKW} (?:of |is |= )?(\d+(?:(?:, ?| or | and |, and |, or | ?& ?)\d+)*)\b(?!\.\d)",
        lambda m: ("sevlist", tuple(int(x) for x in re.findall(r"\d+", m.group(1)))))
    sub(r"\b(?:sev|s|level|l)(\d)\b", lambda m: ("sevlist", (int(m.group(1)),)))
    # bare "at least 3" / "3 or more": a severity when nothing else is compared
    sub(r"\b(at least|at most|above|below|more than|less than|greater than) (\d)\b(?!\.\d)",
        lambda m: _sev_cmp(op_of(m.group(1)), int(m.group(2))))
    sub(r"\b(\d) ?(?:\+|or (?:more|higher|above|worse)|and (?:up|above|higher))", lambda m: _sev_range(int(m.group(1)), None))

    # limits last: any remaining "first 20", "20 images", "25 of them"
    sub(rf"\b{_NUM} of (?:them|those|these|the results|the images|the samples)\b",
        lambda m: ("limit", _int(m.group(1))))
    sub(rf"\b(?:the )?(?:first|top|limit(?: to)?|at most|up to|only|just|show(?: me)?|give me|max(?:imum)?(?: of)?) {_NUM} ?"
        rf"{_COUNT_NOUNS}?\b",
        lambda m: ("limit", _int(m.group(1))))
    sub(rf"\b{_NUM} {_COUNT_NOUNS}\b", lambda m: ("limit", _int(m.group(1))))
    sub(r"\b(?:the )?(?<![\d.])(\d+) (?=[a-z@])", lambda m: ("limit", int(m.group(1))))
    return text


_PATTERN_WORDS_CACHE = []


def _pattern_words():
    """Every word the number patterns (:func:`_structured`) and the
    similarity phrase read, taken from their regular expressions, so that
    the typo pass never rewrites them ("range" is not a typo of "orange")."""
    if not _PATTERN_WORDS_CACHE:
        texts = [_OOD_WORDS, _SEVKW, _HIGH_WORDS, _LOW_WORDS, _COUNT_NOUNS, _SIMILAR_RE.pattern]
        texts += [p for p, _ in _OPWORDS]
        stack = [_structured.__code__]
        while stack:
            code = stack.pop()
            for c in code.co_consts:
                if isinstance(c, str) and c != _structured.__doc__:
                    texts.append(c)
                elif hasattr(c, "co_consts"):
                    stack.append(c)
        words = set(_PATTERN_WORDS)
        for t in texts:
            t = re.sub(r"\\[a-zA-Z]", " ", t)  # \b, \d, \w are not words
            words.update(w for w in re.findall(r"[a-z]+", t) if len(w) > 1)
        _PATTERN_WORDS_CACHE.append(frozenset(words))
    return _PATTERN_WORDS_CACHE[0]


def _range_item(field, a, b):
    lo, hi = min(a, b), max(a, b)
    return ("range", field, lo, hi, True, True)


def _same_field(m, items, op_of):
    item = items[_marker_index(m.group(1))]
    if item[0] not in ("filter", "range"):
        return m.group(0)
    items.append(("filter", item[1], op_of(m.group(3)), _num(m.group(4))))
    return f"{m.group(1)} {m.group(2)}{_marker(len(items) - 1)}"


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


# Phrases that relate samples to other samples ("cats that look like
# dogs", "dogs classified as cats"): a prompt selects by what a sample IS,
# so these are refused rather than read as a plain list of classes.
_SCENE_WORDS = (r"(?:beside|next to|nearby|behind|in front of|on top of|underneath|alongside|holding|wearing|"
                r"carrying|riding|sitting|standing|lying|playing|eating|chasing|surrounded by)")
_RELATION_RE = re.compile(
    r"\b(?:looks?|looking|looked|seems?|seeming|appears?|appearing)\s+like\b"
    r"|\b(?:similar|closest|nearest|close|related)\s+to\b|\bresembl\w*|\bsimilar\b"
    r"|\b(?:look ?alikes?|doppelgangers?)\b"
    # what else is in the picture: an image has one class label
    r"|\b" + _SCENE_WORDS + r"\b|\bnear\b(?! ?duplicates?\b)"
    r"|\b(?:confused|confusable|mistaken|mistook|misclassified|misidentified|classified|predicted|"
    r"identified|recognized|recognised|detected|taken|passing)\s+(?:as|for|with)\b"
)
# "like" is a verb after these ("i'd like dogs"), a relation elsewhere
_LIKE_VERB_AFTER = {"i", "id", "d", "would", "we", "wed", "you", "they", "also", "really", "just"}


# comparisons between sets of samples ("dogs more out of distribution than
# cats"), never "more than 0.5"
_COMPARATIVE_RE = re.compile(
    r"\b(?:more|less|higher|lower|greater|bigger|smaller|fewer|better|worse)\b(?:\s+[a-z]+){0,4}?\s+than\s+"
    r"(?:the\s+|those\s+|that\s+|of\s+)?(?=[a-z])(?!or\b|equal\b|sev|level|lvl|lv\b|intensity|strength|half\b)"
)
# questions about the data (answered by the summary, not by a view)
_QUESTION_RE = re.compile(
    r"^(?:which|what) (?:class|classes|category|categories|corruption|corruptions|severity|severities|group|groups|"
    r"family|families|breed|breeds|kind|kinds|type|types|label|labels)\b(?! of\b)"
    r"|^how (?:many|much|often|well|bad|good)\b|^(?:why|when) |\b(?:has|have) the (?:most|fewest|least|highest|lowest)\b"
)
# where an image came from ("from my phone"): a prompt selects by what it shows
_PROVENANCE_RE = re.compile(r"\b(?:from|with|on|by|off) (?:my|our|your|his|her|their)\b")
# actions on the dataset itself
_ACTION_RE = re.compile(
    r"\b(?:remove|delete|erase|purge|wipe|drop|destroy)\b.*\bfrom (?:the |my |this |our )?(?:dataset|database|disk|db)\b"
    r"|\b(?:permanently|for good)\b"
)


def _relation_error(norm):
    """A ValueError for a prompt that relates samples to others, asks a
    question or asks for an action, or None."""
    if _ACTION_RE.search(norm):
        return ValueError(
            "A prompt selects a view; it never changes the dataset. To leave samples out of a view, say what "
            "to keep (e.g. 'everything except unlabelled images'); to exclude samples for good, use the fine "
            "edits (Exclude in the DataDiver panel, ddf.exclude_samples), which can be undone. Nothing was selected."
        )
    m = _PROVENANCE_RE.search(norm)
    if m:
        return ValueError(
            f"{m.group(0)!r} is about where the images come from, which a prompt cannot select by: a prompt "
            "selects by class, WordNet group, corruption, severity, tag and score. Nothing was selected: rephrase."
        )
    if _QUESTION_RE.search(norm):
        return ValueError(
            "This reads as a question about the data, which a prompt does not answer: a prompt selects samples. "
            "The DataDiver panel's summary and heatmap (ddf.summarize, ddf.class_grid) give counts per class, "
            "corruption and severity. Nothing was selected: ask for samples instead, e.g. 'label issues sorted by "
            "label quality'."
        )
    m = _COMPARATIVE_RE.search(norm)
    if m:
        said = re.sub(r"\s+(?:the|those|that|of)\s*$", "", m.group(0).strip())
        return ValueError(
            f"{said!r} compares one set of samples with another, which a prompt cannot select by: a "
            "prompt selects by class, WordNet group, corruption, severity, tag and score, and a score is compared "
            "with a number ('ood score above 0.6'). Nothing was selected: rephrase."
        )
    m = _RELATION_RE.search(norm)
    phrase = m.group(0) if m else None
    if phrase is None:
        toks = norm.split()
        for j, t in enumerate(toks):
            if t == "like" and (j == 0 or toks[j - 1] not in _LIKE_VERB_AFTER):
                phrase = "like"
                break
    if phrase is None:
        return None
    if re.fullmatch(_SCENE_WORDS, phrase) or phrase == "near":
        return ValueError(
            f"'{phrase}' describes what else is in the picture, which a prompt cannot select by: each image "
            "has one class label, and a prompt selects by class, WordNet group, corruption, severity, tag and "
            "score. Nothing was selected: name the class alone (e.g. 'cats'), or use a text query in quotes "
            "with a similarity index (e.g. 'similar to \"a cat beside a teapot\"')."
        )
    return ValueError(
        f"'{phrase}' relates samples to other samples, which a prompt cannot select by: a prompt "
        "selects by class, WordNet group, corruption, severity, tag and score. To find look-alikes, "
        "use Explore relations in the DataDiver panel (neighbours and confusions; in Python "
        "ddf.neighbors or ddf.confusion), or ask for a text query in quotes, e.g. 'similar to \"a dog\"' "
        "(needs a similarity index). Nothing was selected: rephrase without that phrase."
    )


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
            no clean images"`` or ``"fog at severity 5 and snow at severity
            1"``
        allow_all (False): accept a prompt that restricts nothing (``"all
            images"``); otherwise that is an error

    Returns:
        a :class:`ParsedPrompt` with the normalised version-2 ``spec``,
        ``warnings`` (notes on readings: typos, WordNet and slang words) and
        what was ``understood``

    Raises:
        ValueError: for an empty prompt; a word that is neither understood
            nor a filler word (the message quotes every such word and
            suggests what it may mean: a typo's nearest names, a WordNet
            class or group missing from this dataset); a number that goes
            with nothing; a score the dataset lacks (``"mislabeled"``
            without ``label_issue``); or a prompt from which nothing could be
            understood. Nothing is selected from a partly understood prompt
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("The prompt is empty; describe the samples you want, e.g. 'dogs in heavy fog'")
    if len(text) > 2000:
        raise ValueError(f"The prompt is too long ({len(text)} characters; at most 2000)")
    idx = phrase_index(dataset)
    vocab = idx.vocab
    items, warnings, ties = [], [], {}
    text_rest, similar = _similarity_phrase(text)
    if similar is not None:
        items.append(("similar", similar))
        text_rest = text_rest + _marker(len(items) - 1)
    norm = _normalize_text(text_rest)
    relation = _relation_error(norm)
    if relation is not None:
        raise relation
    norm = _fix_typos(norm, idx, warnings, ties)
    norm = _structured(norm, idx, items)
    tokens = re.findall(_MARKER_RE + r"|\d+(?:\.\d+)?|[a-z0-9]+|[,;.:]|\S", norm)

    state = _Walk(vocab)
    unknown, combos = [], []
    neg = neg_used = tight = False
    scope = {"word": None, "last": None, "joined": False}  # the negation being read

    def negated(kind, phrase):
        # two different kinds side by side inside one negation ("not blurry
        # dogs", "except heavy fog"): an adjectival "not" covers only the
        # modifier; anything else would exclude a combination, which a spec
        # cannot say (an exclusion removes samples matching ANY entry)
        nonlocal neg
        last, scope["last"] = scope["last"], kind
        joined, scope["joined"] = scope["joined"], False
        before, scope["phrase"] = scope.get("phrase"), phrase
        if last is None or last == kind or joined:
            return neg
        if scope["word"] in _ADJECTIVAL_NEGATORS and kind == "class" and last != "class":
            neg = False
            return False
        combos.append(f"{before} {phrase}")
        return neg

    prev_class = None  # (end token, first event, phrase) of the class words just read
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.startswith("@") and len(tok) > 1:
            item = items[_marker_index(tok)]
            item_neg = negated(_item_kind(item), _ITEM_WORDS.get(item[0], item[0])) if neg and _item_kind(item) else neg
            state.item(item, item_neg)
            neg_used = neg_used or item_neg
            i += 1
            continue
        if neg and neg_used and tok in _SCOPE_PREPS:
            # "insects other than ladybugs in fog": the negation covered
            # "ladybugs"; a new prepositional phrase starts a positive part
            neg = False
        if tok in ("entire", "whole") and _all_request(tokens, i):
            state.everything = True  # "the whole dataset" is not the WordNet group "whole"
            i += 1
            continue
        n, entries = idx.match_at(tokens, i)
        note = None
        if n == 0:
            n, entries = _distributive(idx, tokens, i)
        n_extra, extra, extra_note = idx.match_extra(tokens, i)
        if n_extra > n:  # "bear cubs": the WordNet phrase is longer than "bear"
            n, entries, note = n_extra, extra, extra_note
        if n == 0 and tok in vocab.tags and _split_context(idx, tokens, i):
            n, entries = 1, [("tag", tok)]  # "train images of dogs": the bare split name
        if n == 0:
            if tok in ("everything", "all", "entire", "whole") and _all_request(tokens, i):
                state.everything = True
            elif tok == ":":
                state.connect("and")
            elif tok not in FILLER_WORDS:
                unknown.append((i, tok))
            i += 1
            continue
        if n == 1 and tok in vocab.tags and any(e[0] in ("class", "group", "synset") for e in entries):
            # a bare tag name that is also a WordNet name ("train"): the
            # split before images/of/a class, else both readings are named
            n, entries = 1, _tag_or_group(idx, tokens, i, entries)
        phrase = " ".join(tokens[i : i + n])
        kinds = {e[0] for e in entries}
        if "neg" in kinds:
            neg, neg_used = True, False
            scope.update(word=phrase, last=None, joined=False)
            if any(e[1:] == ("all",) for e in entries):
                state.everything = True
            tight = phrase == "non"  # "non-clean dogs": only the next word is negated
        elif kinds & {"reset", "conn"}:
            if "reset" in kinds:
                # "but not"/"but no" are negators (longer match); a bare reset ends the scope
                neg = False
            for e in entries:
                if e[0] == "conn":
                    state.connect(e[1])
                    scope["joined"] = True
        else:
            if neg and kinds == {"corrupted"} and scope.get("last") == "severity":
                # "no severe corruption": the noun of the severity word, not
                # a second thing to exclude
                i += n
                continue
            entry_neg = negated(_ENTRY_KINDS.get(entries[0][0]), phrase) if neg else False
            start = len(state.events)
            state.entries(entries, entry_neg, phrase)
            if entry_neg and tight and tokens[i + n - 1] in ("corruption", "corruptions") and kinds == {"family"}:
                # "non-digital corruptions": the noun still asks for corrupted images
                state.entries([("corrupted",)], False, tokens[i + n - 1])
            if _ENTRY_KINDS.get(entries[0][0]) == "class" and not entry_neg:
                if prev_class is not None and prev_class[0] == i:
                    _narrower(idx, state, prev_class, start, phrase, warnings)
                prev_class = (i + n, start, phrase)
            else:
                prev_class = None
            broad = sorted({e[1] for e in entries if e[0] == "group" and e[1] in idx.abstract_names})
            if broad:
                warnings.append(f"read {phrase!r} as the very broad WordNet group {', '.join(broad)} "
                                f"({len(idx.classes_of_groups(broad))} classes on this dataset)")
            if note:
                warnings.append(f"read {phrase!r} as {_entries_text(entries)} ({note})")
            elif _is_synonym(phrase, entries):
                names = entries[0][1]
                warnings.append(f"read {phrase!r} as corruption {' or '.join(names)} (a synonym: "
                                "see the README's word table)")
            neg_used = neg_used or neg
            if tight:
                neg = tight = False
        i += n

    if unknown:
        raise _unknown_error(unknown, idx, ties, text)
    if combos:
        raise ValueError(
            f"Cannot exclude a combination ({', '.join(repr(c) for c in combos)}): an "
            "exclusion removes samples matching any of its parts. Say what to keep instead (e.g. 'dogs in fog "
            "at severity 1 to 3' rather than 'dogs in fog except heavy fog'), or exclude each part on its own "
            "('no fog, no severity 5'). Nothing was selected."
        )
    spec = state.spec(warnings)
    has_any = not vs.selects_everything(spec)
    if not has_any and not (state.everything and allow_all):
        if state.everything:
            raise ValueError("The prompt asks for the whole dataset; pass allow_all=True to accept that")
        raise ValueError(
            f"Could not find anything to select in {text!r}: no class, group, corruption, "
            "severity, tag or score was recognised"
        )
    normalized = vs.normalize_spec(dataset, spec, allow_all=allow_all or state.everything)
    return ParsedPrompt(normalized, warnings, state.understood)


# negators that read as an adjective ("not blurry dogs" = dogs, not blurry)
_ADJECTIVAL_NEGATORS = {"not", "non", "never", "isnt", "arent"}
_ENTRY_KINDS = {"class": "class", "group": "class", "synset": "class", "corruption": "corruption",
                "clean": "corruption", "family": "family", "sev": "severity", "tag": "tag",
                "corrupted": "corruption"}


_ITEM_WORDS = {"label_issue": "mislabeled", "sevrange": "severity", "sevlist": "severity", "filter": "score",
               "range": "score"}


def _item_kind(item):
    """The atom kind of a number-pattern item, or None for settings."""
    if item[0] in ("label_issue",):
        return ("filter", sch.LABEL_ISSUE)
    if item[0] in ("filter", "range"):
        return ("filter", item[1])
    if item[0] in ("sevrange", "sevlist"):
        return "severity"
    return None


def _entries_text(entries):
    out = []
    for e in entries:
        if e[0] == "class":
            out.append(f"class {e[1]}")
        elif e[0] == "group":
            out.append(f"group {e[1]}")
        elif e[0] == "synset":
            out.append(f"{e[2]} ({e[1]})")
    return " or ".join(out) or "?"


def _fix_typos(norm, idx, warnings, ties):
    """Reads each unknown word of 5+ letters as the one known word within
    its edit budget (see :func:`_typo_budget`); a tie is left for the error
    message (``ties``). Known words include those of the number patterns
    (:func:`_pattern_words`)."""

    from datadiver_fo.io import wordnet as ddw

    def fix(m):
        word = m.group(0)
        if idx.is_known(word):
            return word
        try:  # a real class or group name (missing here) is not a typo
            ddw.group_wnids(word)
            return word
        except ValueError:
            pass
        fixed, cands = idx.correct(word)
        if fixed is None and cands and re.match(r"\s*\d", m.string[m.end():]):
            # "severety 1": of "severely" and "severity", the one that
            # takes a number
            numeric = [c for c in cands if c in _TAKES_NUMBER]
            if len(numeric) == 1:
                fixed = numeric[0]
        if fixed is None:
            if cands:
                ties[word] = cands
            return word
        warnings.append(f"read {word!r} as {fixed!r} (typo)")
        ties.setdefault("__typos__", {})[fixed] = word
        return fixed

    # first a word inside a multi-word name ("german shepard dogs")
    words = norm.split(" ")
    changed = False
    for i, w in enumerate(words):
        if w.isalpha() and not idx.is_known(w) and idx.correct(w)[0] is None:
            fixed, name = idx.context_fix(words, i)
            if fixed is not None:
                warnings.append(f"read {w!r} as {fixed!r} (typo, in {name!r})")
                ties.setdefault("__typos__", {})[fixed] = w
                words[i] = fixed
                changed = True
    if changed:
        norm = " ".join(words)
    return re.sub(r"(?<![@\w])[a-z]+(?!\w)", fix, norm)


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
    if n < 2 or not entries or not all(e[0] in ("class", "group", "synset") for e in entries):
        return 0, None
    span = (tokens[i],) + tuple(tokens[j + 1 : j + n])
    found = idx._match_names(span)
    if not found:
        return 0, None
    return 1, found


_SPLIT_CONTEXT = {"images", "image", "pictures", "picture", "photos", "photo", "pics", "pic", "imgs", "img",
                  "samples", "sample", "examples", "data", "split", "set", "subset", "of", "only"}


def _tag_or_group(idx, tokens, i, entries):
    """A bare word that is both a tag and a WordNet name ("train"): the tag
    when the next word is "images", "of"... or a class or group ("train
    images of food", "train dogs"); otherwise a ValueError naming both."""
    tok = tokens[i]
    if _split_context(idx, tokens, i):
        return [("tag", tok)]
    raise ValueError(
        f"{tok!r} may mean the {tok!r} split (tag) or the WordNet {_entries_text(entries)}; say "
        f"'{tok} images of ...' or 'the {tok}ing split' for the split, or '{tok}s' for the "
        f"{_entries_text(entries)}. Nothing was selected: rephrase that word."
    )


def _split_context(idx, tokens, i):
    """Whether the word after ``tokens[i]`` makes it a split name: "images",
    "of", ... or a class or group ("train dogs")."""
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    if nxt is None:
        return False
    if nxt in _SPLIT_CONTEXT:
        return True
    entries = idx.match_at(tokens, i + 1)[1] or idx.match_extra(tokens, i + 1)[1] or [("",)]
    return entries[0][0] in ("class", "group", "synset")


def _class_set(idx, events):
    out = set()
    for ev in events:
        if ev[0] == "atom" and ev[1] == "class":
            out.update(ev[2].get("classes", ()))
            out.update(idx.classes_of_groups(ev[2].get("groups", ())))
    return out


def _narrower(idx, state, prev, start, phrase, warnings):
    """Two class words in a row ("invertebrate animals", "retriever dogs"):
    when one is below the other the prompt means the narrower one (never
    the union of both)."""
    _, pstart, pphrase = prev
    before, after = state.events[pstart:start], state.events[start:]
    if any(ev[0] != "atom" or ev[1] != "class" for ev in before + after):
        return
    a, b = _class_set(idx, before), _class_set(idx, after)
    if not a or not b:
        return
    if b <= a:  # the second is narrower: drop the first
        del state.events[pstart:start]
        kept = phrase
    elif a <= b:
        del state.events[start:]
        kept = pphrase
    else:
        raise ValueError(
            f"{pphrase!r} and {phrase!r} side by side: neither is a kind of the other, so it is unclear whether "
            f"you mean both ('{pphrase} and {phrase}') or only those that are both. Nothing was selected: "
            "join them with 'and' / 'or', or name one."
        )
    warnings.append(f"read {pphrase + ' ' + phrase!r} as {kept!r} (the narrower of the two)")


def _all_request(tokens, i):
    rest = [t for t in tokens[i + 1 :] if t not in FILLER_WORDS]
    return tokens[i] == "everything" or not rest


def _need_field(vocab, field, why):
    if field not in vocab.fields:
        raise ValueError(
            f"{why} needs the field {field!r}, which this dataset does not have "
            "(compute the score first)"
        )


_NEG_OP = {">=": "<", ">": "<=", "<=": ">", "<": ">=", "==": "!=", "!=": "=="}
_RANGE_OP = {">=": ("min", True), ">": ("min", False), "<=": ("max", True), "<": ("max", False)}


def _cond(field, op, value):
    """A condition in the spec's normalised shape (numeric ops as ranges)."""
    if op in _RANGE_OP:
        bound, inclusive = _RANGE_OP[op]
        cond = {"field": field, "min": None, "max": None, "min_inclusive": True, "max_inclusive": True}
        cond[bound] = value
        cond[bound + "_inclusive"] = inclusive
        return cond
    return {"field": field, "op": op, "value": value}


def _intersect(a, b):
    """Two conditions on one field as one, or None when they cannot both
    hold (then the prompt meant a union: "under 0.2 and above 0.9")."""
    if "op" in a or "op" in b:
        return None
    lo, lo_inc = a["min"], a["min_inclusive"]
    if b["min"] is not None and (lo is None or b["min"] > lo or (b["min"] == lo and not b["min_inclusive"])):
        lo, lo_inc = b["min"], b["min_inclusive"]
    hi, hi_inc = a["max"], a["max_inclusive"]
    if b["max"] is not None and (hi is None or b["max"] < hi or (b["max"] == hi and not b["max_inclusive"])):
        hi, hi_inc = b["max"], b["max_inclusive"]
    if lo is not None and hi is not None and (lo > hi or (lo == hi and not (lo_inc and hi_inc))):
        return None
    return {"field": a["field"], "min": lo, "max": hi, "min_inclusive": lo_inc, "max_inclusive": hi_inc}


def _cond_text(c):
    return vs.condition_phrase(c)


# atom kinds that are conditions on the corruption of an image: one image
# has one corruption, one family and one severity
_CONDITION_KINDS = ("corruption", "family", "severity")


def _is_synonym(phrase, entries):
    """Whether ``phrase`` is a corruption word that is not a form of the
    corruption's own name ("haze" for fog, "grainy" for the noises): such a
    reading is said in a note, never silently."""
    if len(entries) != 1 or entries[0][0] != "corruption" or phrase not in _CORRUPTION_WORDS:
        return False
    stem = _CORRUPTION_WORDS[phrase].lstrip("*")
    return bool(entries[0][1]) and not any(w.startswith(stem[:3]) for w in phrase.split())


def _slot(kind):
    """Kinds that say the same thing of an image (its corruption or the
    family of it) share a slot."""
    if kind == "missing" or kind == ("filter", sch.LABEL_ISSUE):
        return "label"  # an image's label state: missing, or (not) an issue
    return "corruption" if kind in ("corruption", "family") else kind


def _copy_parts(parts):
    return {k: (dict(v) if isinstance(k, tuple) else {kk: list(vv) for kk, vv in v.items()})
            for k, v in parts.items()}


class _Clause:
    def __init__(self, started_by_or=False):
        self.order = []  # kinds in prompt order
        self.parts = {}  # kind -> {spec key: [values]} or a condition (filters)
        self.started_by_or = started_by_or
        self.said_corrupted = False  # "corrupted" was said in this clause
        self.no_carry = False  # repeats nothing of the clause before it

    def add(self, kind, value):
        if kind not in self.parts:
            self.order.append(kind)
            self.parts[kind] = value if isinstance(kind, tuple) else {k: list(v) for k, v in value.items()}
            return
        if isinstance(kind, tuple):
            self.parts[kind] = value
            return
        block = self.parts[kind]
        for k, vals in value.items():
            lst = block.setdefault(k, [])
            lst.extend(v for v in vals if v not in lst)


class _Walk:
    """Collects atoms, connectors and global settings while the tokens are
    read, then assembles the spec (see the module docstring)."""

    def __init__(self, vocab):
        self.vocab = vocab
        self.events = []  # ("atom", kind, value) | ("conn", "and"|"or") | ("neg",)
        self.exclude = {k: [] for k in vs.SET_KEYS}
        self.neg_filters = []
        self.excludes_clean = False
        self.understood = []
        self.everything = False
        self.settings = {}
        self.seed = None

    # --- reading ---------------------------------------------------------

    def connect(self, conn):
        self.events.append(("conn", conn))

    def atom(self, kind, value, neg, phrase, meaning):
        self.understood.append((phrase, ("not " if neg else "") + meaning))
        if not neg:
            self.events.append(("atom", kind, value))
            return
        self.events.append(("neg",))
        if isinstance(kind, tuple):  # a negated condition is flipped
            self.neg_filters.append(_flip(value))
            return
        for k, vals in value.items():
            lst = self.exclude[k]
            lst.extend(v for v in vals if v not in lst)

    def entries(self, entries, neg, phrase):
        vocab = self.vocab
        for e in entries:
            kind = e[0]
            if kind == "class":
                self.atom("class", {"classes": [e[1]]}, neg, phrase, f"class {e[1]}")
            elif kind == "group":
                self.atom("class", {"groups": [e[1]]}, neg, phrase, f"any {e[1]}")
            elif kind == "synset":
                self.atom("class", {"classes": list(e[3])}, neg, phrase, f"{e[2]} ({e[1]}): {', '.join(e[3])}")
            elif kind == "corruption":
                names, rule = e[1], e[2]
                if not names:
                    raise ValueError(
                        f"{phrase!r} means corruption {rule.replace('*', 'any *_')!s}, which is not on this "
                        f"dataset (it has: {', '.join(c for c in vocab.corruptions)})"
                    )
                self.atom("corruption", {"corruptions": list(names)}, neg, phrase, f"corruption {' or '.join(names)}")
            elif kind == "family":
                if e[1] not in vocab.families:
                    raise ValueError(
                        f"{phrase!r} means corruption family {e[1]!r}, which is not on this dataset "
                        f"(it has: {', '.join(vocab.families)})"
                    )
                self.atom("family", {"families": [e[1]]}, neg, phrase, f"family {e[1]}")
            elif kind == "nocorr":
                weather = sorted((c for c in vocab.corruptions if sch.corruption_family(c) == "weather"),
                                 key=lambda c: (c == "brightness", c))
                raise ValueError(
                    f"{phrase!r} is not a corruption on this dataset (there is no {e[1]} corruption); "
                    f"its corruptions are {', '.join(c for c in vocab.corruptions if c != sch.CLEAN)}"
                    + (f"; its weather corruptions are {', '.join(weather)}: say e.g. "
                       f"{' or '.join(repr(c) for c in weather[:3])}" if weather else "")
                    + ". Nothing was selected: rephrase or remove that word."
                )
            elif kind == "clean":
                if sch.CLEAN not in vocab.corruptions:
                    raise ValueError(f"{phrase!r}: this dataset has no clean (uncorrupted) images")
                self.atom("corruption", {"corruptions": [sch.CLEAN]}, neg, phrase, "clean")
            elif kind == "corrupted":
                if neg:  # "not corrupted" = clean
                    if sch.CLEAN in vocab.corruptions:
                        self.atom("corruption", {"corruptions": [sch.CLEAN]}, False, phrase, "clean")
                else:
                    self.excludes_clean = sch.CLEAN in vocab.corruptions
                    self.understood.append((phrase, "any corruption (not clean)"))
                    self.events.append(("mark", "corrupted"))
            elif kind == "sev":
                sevs = [s for s in e[1] if s in vocab.severities]
                if not sevs:
                    raise ValueError(f"{phrase!r} means severity {list(e[1])}, none of which is on this dataset")
                self.atom("severity", {"severities": sevs}, neg, phrase, vs.severity_phrase(sevs))
            elif kind == "tag":
                self.atom("tag", {"tags": [e[1]]}, neg, phrase, f"tag {e[1]}")

    def item(self, item, neg):
        kind = item[0]
        vocab = self.vocab
        if kind == "seed":
            self.seed = item[1]
        elif kind == "label_issue":
            _need_field(vocab, sch.LABEL_ISSUE, "'mislabeled'")
            cond = _cond(sch.LABEL_ISSUE, "==", bool(item[1]))
            self.atom(("filter", sch.LABEL_ISSUE), cond, neg, "label issue", _cond_text(cond))
        elif kind == "missing":
            if item[1] == "exclude" and neg:  # "not labelled" = unlabelled
                item, neg = ("missing", "only"), False
            if neg or item[1] == "exclude":
                self.settings["missing_labels"] = "exclude"
                self.understood.append(("missing labels", "missing labels: exclude"))
            else:
                # an atom of its own, so that "label issues or missing
                # labels" is a union (see :meth:`spec`)
                self.atom("missing", {"tags": [sch.TAG_MISSING_LABEL]}, False, "missing labels",
                          f"missing labels: {item[1]}")
        elif kind in ("filter", "range"):
            field = item[1]
            _need_field(vocab, field, f"'{field}'")
            if kind == "filter":
                cond = _cond(field, item[2], item[3])
            else:
                cond = {"field": field, "min": item[2], "max": item[3], "min_inclusive": item[4],
                        "max_inclusive": item[5]}
            if vocab.fields[field] != "number" and "op" not in cond:
                raise ValueError(f"{field!r} is not a numeric field; it cannot be compared with a number")
            self.atom(("filter", field), cond, neg, field, _cond_text(cond))
        elif kind == "sort":
            _need_field(vocab, item[1], f"sorting by {item[1]!r}")
            self.settings["sort"] = {"field": item[1], "reverse": bool(item[2])}
            self.understood.append(("sort", f"sorted by {item[1]}"))
        elif kind == "topfield":
            _, n, field, reverse = item
            _need_field(vocab, field, f"ranking by {field!r}")
            self.settings["sort"] = {"field": field, "reverse": reverse}
            self.settings["limit"] = n
            self.understood.append(("top", f"{'top' if reverse else 'bottom'} {n} by {field}"))
        elif kind == "similar":
            if neg:
                raise ValueError("'not similar to' cannot be expressed; ask for similar samples instead")
            if not vocab.similarity_keys:
                raise ValueError(
                    "'similar to' needs a similarity index on the dataset (fiftyone.brain.compute_similarity); "
                    "none found"
                )
            self.settings["similar_to"] = dict(item[1])
            self.understood.append(("similar to", f"similar to {item[1]}"))
        elif kind == "take":
            self.settings["take"] = {"n": item[1], "seed": vs.DEFAULT_TAKE_SEED}
            self.understood.append(("random", f"random {item[1]}"))
        elif kind == "limit":
            self.settings["limit"] = item[1]
            self.understood.append(("limit", f"at most {item[1]}"))
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
            self.atom("severity", {"severities": sevs}, neg, "severity", vs.severity_phrase(sevs))

    # --- assembling -----------------------------------------------------

    def _contradicts(self, clause, kind, value):
        """Whether adding a ``kind`` condition to ``clause`` would ask for a
        corruption, family and severity no image has at once."""
        block = {k: [] for k in vs.SET_KEYS}
        for k in list(clause.order) + [kind]:
            if k not in _CONDITION_KINDS:
                continue
            vals = value if k == kind else clause.parts[k]
            for key, vv in vals.items():
                if k == kind and k in clause.parts:  # same kind twice: both must hold
                    have = set(clause.parts[k].get(key, ()))
                    vv = [v for v in vv if v in have] if have else list(vv)
                    block[key] = vv
                    if not vv:
                        return True
                    continue
                block[key].extend(v for v in vv if v not in block[key])
        try:
            _check_satisfiable(self.vocab, block, {k: [] for k in vs.SET_KEYS})
        except ValueError:
            return True
        return False

    def clauses(self):
        """The positive atoms grouped into clauses (a union)."""
        clauses, cur, prev, conn, nconn = [], None, None, None, 0
        # split: a ", and" between two values of one kind ("clean dogs, and
        # cats with weather corruptions") may end a clause; it does when the
        # side after it brings its own corruption or severity condition
        split = None  # (clause, order and parts before the ", and", atoms after it)
        # the values joined by the last "or" to a list of one kind: (clause,
        # kind, [values]); see "premodified" below
        or_tail = None
        pending_mark = False
        for ev in self.events:
            if ev[0] == "mark":
                if cur is None:
                    pending_mark = True
                else:
                    cur.said_corrupted = True
                continue
            if ev[0] == "conn":
                conn = "or" if "or" in (ev[1], conn) else "and"
                nconn += 1
                continue
            if ev[0] == "neg":
                prev = None
                continue
            _, kind, value = ev
            strong, nconn = nconn >= 2 and conn == "and", 0
            if split is not None and split[0] is not cur:
                split = None
            if split is not None and kind in _CONDITION_KINDS and _slot(kind) in {_slot(k) for k in split[1]}:
                cur.order, cur.parts = split[1], split[2]
                cur = _Clause()
                clauses.append(cur)
                for k, v in split[3]:
                    cur.add(k, v)
                cur.add(kind, value)
                prev, conn, split = kind, None, None
                continue
            if (or_tail is not None and or_tail[0] is cur and prev == or_tail[1] and conn != "or"
                    and not isinstance(kind, tuple) and kind != prev
                    and (_slot(kind) in {_slot(k) for k in cur.order[: cur.order.index(prev)]}
                         or (kind == "severity" and "corruption" in cur.order[: cur.order.index(prev)]
                             and cur.parts["corruption"].get("corruptions") == [sch.CLEAN]
                             and 0 not in value.get("severities", ())))
                    # an "and" list splits only where one clause would ask for
                    # two things no image is ("clean tractors plus go-karts in
                    # dense fog"): otherwise the condition is shared
                    and (or_tail[4] == "or" or self._contradicts(cur, kind, value))):
                # (or a severity after "clean ... or": "clean pizzas or pizzas at
                # severity 5", which would otherwise ask for both at once)
                # premodified: "pixelated cauliflower or mushrooms w/ jpeg" is
                # (pixelated cauliflower) or (mushrooms w/ jpeg): a list
                # whose first item has its own condition before it, followed
                # by a condition of that kind, splits at its last "or"
                tail_kind, tail = or_tail[1], or_tail[2]
                cur.parts[tail_kind] = or_tail[3]  # the list as it was before the "or"
                cur = _Clause(started_by_or=True)
                cur.no_carry = True  # the first item's modifier is its own
                clauses.append(cur)
                for v in tail:
                    cur.add(tail_kind, v)
                cur.add(kind, value)
                prev, conn, or_tail, split = kind, None, None, None
                continue
            if kind == prev and not isinstance(kind, tuple) and conn == "or":
                or_tail = (cur, kind, [value], {k2: list(v2) for k2, v2 in cur.parts[kind].items()}, "or")
            elif (kind == prev and not isinstance(kind, tuple) and conn == "and" and kind == "class"
                  and (or_tail is None or or_tail[4] == "and")):
                # the last item of an "and" list of classes (see _contradicts)
                or_tail = (cur, kind, [value], {k2: list(v2) for k2, v2 in cur.parts[kind].items()}, "and")
            elif or_tail is not None and kind == prev == or_tail[1]:
                or_tail[2].append(value)
            elif kind != prev:
                or_tail = None
            if split is not None:
                split[3].append((kind, value))
            if cur is not None and strong and kind in _CONDITION_KINDS and kind not in cur.parts \
                    and _slot(kind) in {_slot(k) for k in cur.parts}:
                # ", and weather ...": a second corruption condition after ", and"
                cur = _Clause()
                clauses.append(cur)
                cur.add(kind, value)
                prev, conn = kind, None
                continue
            if cur is not None and strong and kind == prev and not isinstance(kind, tuple) and split is None:
                split = (cur, list(cur.order), _copy_parts(cur.parts), [(kind, value)])
            if cur is None:
                cur = _Clause()
                clauses.append(cur)
                cur.add(kind, value)
            elif kind == prev:
                if kind == "corruption" and conn is None:
                    had, new = set(cur.parts[kind]["corruptions"]), set(value["corruptions"])
                    if (sch.CLEAN in had) != (sch.CLEAN in new):
                        raise ValueError(
                            "The prompt asks for clean (uncorrupted) images and corruption "
                            f"{' or '.join(sorted((had | new) - {sch.CLEAN}))} at once, which no image is. Nothing "
                            "was selected: join them with 'or' ('clean or zoom-blurred images') or ask for one."
                        )
                if isinstance(kind, tuple):
                    merged = None if conn == "or" else _intersect(cur.parts[kind], value)
                    if merged is None:
                        cur = _Clause(started_by_or=True)
                        clauses.append(cur)
                        cur.add(kind, value)
                    else:
                        cur.parts[kind] = merged
                else:
                    cur.add(kind, value)
            elif kind not in cur.parts and conn != "or":
                cur.add(kind, value)
            else:
                cur = _Clause(started_by_or=conn == "or")
                clauses.append(cur)
                cur.add(kind, value)
            prev, conn = kind, None
            if pending_mark:
                cur.said_corrupted, pending_mark = True, False
        # a new clause repeats what came before the part that changes
        for p, c in itertools.pairwise(clauses):
            if c.no_carry:
                continue
            shared = [k for k in p.order if k in c.parts]
            if shared and c.order[0] not in p.parts:
                # "mislabelled spiders, or clean snakes": the second item has
                # its own modifier before it (parallel), so the first's stays
                carry = []
            elif shared:
                carry = p.order[: p.order.index(shared[0])]
            elif c.started_by_or and len(p.order) > 1:
                carry = p.order[:-1]  # "insects, clean or mildly corrupted"
            else:
                carry = []
            slots = {_slot(k) for k in c.parts}
            carry = [k for k in carry if _slot(k) not in slots]
            if "missing" in c.parts:  # an unlabelled image has no class to carry
                carry = [k for k in carry if k != "class"]
            for k in reversed(carry):
                c.order.insert(0, k)
                v = p.parts[k]
                c.parts[k] = dict(v) if isinstance(k, tuple) else {kk: list(vv) for kk, vv in v.items()}
        # what follows the last clause's full parallel pattern is shared by all
        if len(clauses) > 1:
            first, last = clauses[0], clauses[-1]
            n = len(first.order)
            if len(last.order) > n and {_slot(k) for k in last.order[:n]} == {_slot(k) for k in first.order}:
                for k in last.order[n:]:
                    if any(k in c.parts for c in clauses[:-1]):
                        continue
                    if k in _CONDITION_KINDS and any(self._contradicts(c, k, last.parts[k]) for c in clauses[:-1]):
                        # "clean bears, and koalas pixelated at severity 4 or 5":
                        # the severity cannot be the clean bears'
                        continue
                    for c in clauses[:-1]:
                        c.order.append(k)
                        v = last.parts[k]
                        c.parts[k] = dict(v) if isinstance(k, tuple) else {kk: list(vv) for kk, vv in v.items()}
        return clauses

    def spec(self, warnings):
        spec = vs.empty_spec()
        out = []
        clauses = self.clauses()
        if len(clauses) == 1 and "missing" in clauses[0].parts:
            if "class" in clauses[0].parts:
                raise ValueError(
                    "Cannot ask for unlabelled images (missing labels) of a class: an image with a missing "
                    "label has no class. Nothing was selected: ask for the class, or for 'unlabelled images'."
                )
            # one clause: the missing-label condition is the global setting
            clauses[0].order.remove("missing")
            del clauses[0].parts["missing"]
            self.settings["missing_labels"] = "only"
            if not clauses[0].order:
                clauses = []
        for c in clauses:
            if "missing" in c.parts and sch.TAG_MISSING_LABEL not in self.vocab.tags:
                raise ValueError("No sample on this dataset has a missing label ('missing labels' in a union "
                                 "would select nothing). Nothing was selected: rephrase or remove it.")
            if "missing" in c.parts and "class" in c.parts:
                raise ValueError(
                    "Cannot ask for unlabelled images (missing labels) of a class: an image with a missing label "
                    "has no class. Nothing was selected: ask for the class, or for 'unlabelled images', "
                    "or join them with 'or'."
                )
            if "missing" in c.parts and "tag" in c.parts:
                raise ValueError(
                    "Cannot ask for missing labels and a tag in one part of a union ('or'): say them in "
                    "separate prompts. Nothing was selected."
                )
            block = {k: [] for k in vs.SET_KEYS}
            block["filters"] = []
            for kind in c.order:
                v = c.parts[kind]
                if isinstance(kind, tuple):
                    block["filters"].append(v)
                else:
                    for k, vals in v.items():
                        block[k].extend(x for x in vals if x not in block[k])
            if c.said_corrupted and block["corruptions"] == [sch.CLEAN] and not block["families"]:
                # "clean and corrupted images": both corruption states, so no
                # corruption condition at all
                block["corruptions"] = []
                self.excludes_clean = False
                self.everything = True
            _check_satisfiable(self.vocab, block, self.exclude)
            out.append(block)
        # "clean or mildly corrupted": the corrupted word excluded clean,
        # which the prompt also asked for: keep clean
        keeps_clean = any(sch.CLEAN in b["corruptions"] or 0 in b["severities"] for b in out)
        if self.excludes_clean and not keeps_clean and sch.CLEAN not in self.exclude["corruptions"]:
            self.exclude["corruptions"].append(sch.CLEAN)
        spec["exclude"] = self.exclude
        spec["filters"] = list(self.neg_filters)
        if len(out) == 1:
            block = out[0]
            spec["include"] = {k: block[k] for k in vs.SET_KEYS}
            spec["filters"] = block["filters"] + spec["filters"]
        elif out:
            spec["clauses"] = out
        for key, value in self.settings.items():
            spec[key] = value
        if spec.get("similar_to") is not None:
            spec["similar_to"]["k"] = spec.get("limit") or vs.DEFAULT_SIMILAR_K
        if self.seed is not None:
            if spec["take"] is None:
                raise ValueError(f"'seed {self.seed}' goes with a random pick ('random 100 ... seed {self.seed}'); "
                                 "none was asked for")
            spec["take"]["seed"] = self.seed
        return spec


def _check_satisfiable(vocab, block, exclude):
    """Raises a ValueError when the corruption, family and severity
    conditions of one clause exclude each other (an image has one
    corruption, of one family, at one severity; clean images have severity
    0): such a clause would silently select nothing."""
    corrs = set(vocab.corruptions)
    if block["corruptions"]:
        corrs &= set(block["corruptions"])
    if block["families"]:
        corrs = {c for c in corrs if sch.corruption_family(c) in block["families"]}
    sevs = block["severities"]
    if sevs and 0 not in sevs:
        corrs.discard(sch.CLEAN)
    if sevs and all(s == 0 for s in sevs):
        corrs &= {sch.CLEAN}
    corrs -= set(exclude["corruptions"])
    corrs = {c for c in corrs if sch.corruption_family(c) not in exclude["families"]}
    if corrs or not vocab.corruptions:
        return
    said = []
    if block["corruptions"]:
        said.append("corruption " + " or ".join(block["corruptions"]))
    if block["families"]:
        said.append("family " + " or ".join(block["families"]))
    if sevs:
        said.append(vs.severity_phrase(sevs))
    if exclude["corruptions"] or exclude["families"]:
        said.append("not " + " or ".join(exclude["corruptions"] + exclude["families"]))
    raise ValueError(
        f"The prompt asks for {' and '.join(said)} at once, which no image is (an image has one corruption, "
        "of one family, at one severity; clean images have severity 0). Nothing was selected: join the parts "
        "with 'or', or split the prompt ('clean dogs, or cats with weather corruptions')."
    )


def _flip(cond):
    if "op" in cond and cond["op"] == "==" and isinstance(cond["value"], bool):
        return {"field": cond["field"], "op": "==", "value": not cond["value"]}
    if "op" in cond:
        return {"field": cond["field"], "op": _NEG_OP[cond["op"]], "value": cond["value"]}
    if cond["min"] is not None and cond["max"] is not None:
        raise ValueError(
            f"'not between' on {cond['field']!r} cannot be one condition; say 'below {cond['min']} or above "
            f"{cond['max']}'"
        )
    if cond["min"] is not None:
        return {"field": cond["field"], "min": None, "max": cond["min"], "min_inclusive": True,
                "max_inclusive": not cond["min_inclusive"]}
    return {"field": cond["field"], "min": cond["max"], "max": None, "min_inclusive": not cond["max_inclusive"],
            "max_inclusive": True}


def _unknown_error(unknown, idx, ties, text):
    """One ValueError quoting every word that was not understood, each with
    what it may mean."""
    from datadiver_fo.io import wordnet as ddw

    typos = ties.get("__typos__", {})
    # a word read as a typo or a spelling variant that still meant nothing:
    # quote what was written
    lower = text.lower()
    respelled = {v: k for k, v in SPELLING_VARIANTS.items()
                 if re.search(rf"\b{k}\b", lower) and not re.search(rf"\b{v}\b", lower)}
    unknown = [(i, respelled.get(typos.get(w, w), typos.get(w, w))) for i, w in unknown]
    runs = []
    for i, word in unknown:
        if runs and runs[-1][-1][0] == i - 1 and not word.replace(".", "").isdigit() \
                and not runs[-1][-1][1].replace(".", "").isdigit():
            runs[-1].append((i, word))
        else:
            runs.append([(i, word)])
    msgs = []
    for run in runs:
        words = [w for _, w in run]
        phrase = " ".join(words)
        if all(w.replace(".", "").isdigit() for w in words):
            msgs.append(
                f"the number {phrase!r} goes with nothing (say e.g. 'severity 3', 'top 5', 'random 20', "
                "'25 images' or 'ood score above 0.5')"
            )
            continue
        if len(words) > 1:
            wn = idx.abstract_message(phrase) or _wordnet_message(phrase, idx, ddw)
            if wn:
                msgs.append(wn)
                continue
        for word in words:
            msgs.append(_word_message(word, idx, ties, ddw))
    body = "; ".join(msgs)
    return ValueError(body + ("" if body.endswith("?") else ".") + " Nothing was selected: rephrase or remove "
                      + ("these words." if len(msgs) > 1 else "that word."))


def _wordnet_message(cand, idx, ddw):
    """A message for a class or group WordNet knows but this dataset lacks."""
    try:
        wnids = ddw.group_wnids(cand)
    except ValueError:
        return None
    if not wnids:
        return None
    names = sorted({ddw.class_name(w) for w in wnids})
    sugg = _suggest(idx, cand)
    return (f"{cand!r} ({', '.join(names)}) is not a class or group on this dataset"
            + (f"; did you mean {', '.join(repr(s) for s in sugg)}?" if sugg else ""))


def _word_message(word, idx, ties, ddw):
    if word in ties:
        return (f"Unknown word {word!r} in the prompt; did you mean "
                f"{' or '.join(repr(t) for t in ties[word])} (equally close)?")
    if len(word) == 1 and not word.isalnum():
        return f"the symbol {word!r} means nothing here"
    broad = idx.abstract_message(word)
    if broad:
        return broad
    scores = sorted({f for f in idx.numeric_fields if word in f.split()}, key=len)
    if scores:
        f = scores[0]
        return (f"{word!r} alone says nothing to select: {f!r} is a score; say e.g. '{f} above 0.5', "
                f"'{f} >= 0.9', 'highest {f} first' or 'top 10 by {f}'")
    wn = _wordnet_message(word, idx, ddw)
    if wn:
        return wn
    sugg = _suggest(idx, word)
    if sugg:
        return f"Unknown word {word!r} in the prompt; did you mean {', '.join(repr(s) for s in sugg)}?"
    if _looks_plural_noun(word):
        vocab = idx.vocab
        return (f"{word!r} is not a class, WordNet group, corruption or tag on this dataset "
                f"(it has {len(vocab.classes)} classes, e.g. {', '.join(repr(c) for c in vocab.classes[:5])})")
    return (f"Unknown word {word!r} in the prompt (not a class, group, corruption, severity, tag, score "
            "or filler word on this dataset)")


def _suggest(idx, word, n=3):
    pool = {}
    for toks in list(idx.names) + list(idx.keywords):
        if toks in idx.generated:
            continue
        key = " ".join(toks)
        if key not in FILLER_WORDS and key not in (",", ";", "."):
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

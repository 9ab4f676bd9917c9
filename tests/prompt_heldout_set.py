"""HELDOUT_V2: a held-out set of prompts for the offline prompt parser.

Written on 2026-11-30, BEFORE the parser rewrite of issue 13 (item 4), by
someone who did not read the parser's source. It must never be used for
tuning: do not edit a prompt or an expectation because the parser gets it
wrong, and do not add cases here. New tuning cases go to
``tests/prompt_eval_set.py`` instead. ``benchmarks/bench_prompts_heldout.py``
reports accuracy and the silent-wrong rate on this set;
``tests/test_prompt_heldout_set.py`` only checks that the set is well formed.

Each case is ``(prompt, form, expectation)``; ``form`` is one of
:data:`FORMS`. An expectation is one of:

-   a predicate ``f(s) -> bool`` over a sample record: the view must hold
    exactly the samples for which it is True (order ignored);
-   ``("top", pred, field, n, highest_first)``: the n samples with the
    highest (lowest) ``field`` among those satisfying ``pred`` (ties in the
    score may come in any order; every returned sample must satisfy pred);
-   ``("any_of", [exp, exp, ...])``: a genuinely ambiguous prompt; any of
    the listed readings is accepted (used only for class negations, where
    samples whose label is missing may reasonably be kept or dropped);
-   ``"error"``: the prompt must be refused with a ``ValueError``.

Expected sets are independent of the parser, the view spec and the
compiler: predicates read the raw field values of each sample (``wnid``,
``corruption``, ``corruption_family``, ``severity``, ``tags`` and the score
fields), and WordNet membership is read straight from
``datadiver_fo/data/tiny_imagenet_wordnet.json`` (a class belongs to a group
when the group's synset is the class's synset or one of its ``ancestors``).

What the words mean here (the proposal of issue 13):

-   severities: "mildest"/"lowest" = 1; "worst"/"highest"/"max"/"extreme" =
    5; "light"/"mild"/"slight" = 1-2; "moderate"/"medium" = 3;
    "heavy"/"severe"/"strong" = 4-5. A severity condition ("severity under
    3", "at least 4") selects corrupted samples only (clean images have no
    severity; they are stored with severity 0). A negated severity ("no
    severity 5") keeps everything else, clean images included.
-   corruptions: the generic words "noise"/"noisy" mean every corruption
    whose name contains "noise" (gaussian, shot, impulse and speckle noise)
    and "blur"/"blurry" every corruption whose name contains "blur" (defocus,
    glass, motion, zoom and gaussian blur), as in ``prompt_eval_set``;
    "noise family" means the standard family only (gaussian, shot, impulse).
    "weather" = snow, frost, fog, brightness; "digital" = contrast,
    elastic_transform, pixelate, jpeg_compression; "extra" = speckle_noise,
    gaussian_blur, spatter, saturate. "corrupted" = anything but clean.
-   groups: WordNet synsets reached through their lemmas ("automobiles",
    "autos": the car/auto/automobile synset only, never the railway car;
    "railroad cars": the railway car synset; "cats": the true-cat synset;
    "food": both food synsets). "vehicles" means WordNet's vehicle synset or
    public transport (people count buses and trains as vehicles; WordNet
    files them under public transport -> conveyance). "puppies" and
    "doggos" mean dogs.
-   scores: "under"/"below"/"less than" are strict, "at least"/"at most"
    inclusive, "between a and b" inclusive at both ends; "under x and above
    y" (x < y) is a union. "most/least out of distribution" sorts by
    ``ood_score``, "most/least unique" by ``uniqueness``, "best/worst/lowest
    label quality" by ``label_quality``.
-   labels and splits: "label issues"/"mislabeled" = ``label_issue`` True;
    "no label"/"unlabeled" = no ground-truth label (the ``missing_label``
    tag); "training"/"validation" = the ``train``/``val`` tags (clean
    images only).
-   a prompt that would select every sample ("everything") must be refused,
    as the README promises, and so must words outside the vocabulary.

:func:`build_heldout_dataset` builds the dataset the cases are written for
with :func:`prompt_eval_set.build_eval_dataset`: 70 real Tiny-ImageNet
classes (6 dogs, 3 cats, 2 reptiles, 2 amphibians, 4 birds, 6 insects, 2
spiders, 12 vehicles including a freight car and four automobiles, 13 foods
and 12 other objects or animals), 2 source images per class, clean
train/val copies, all 19 corruptions at 5 severities, about 1% of corrupted
images without a label, and seeded ``ood_score``, ``label_quality``,
``label_issue`` and ``uniqueness`` (13,440 samples).
"""
import json
import os

import prompt_eval_set as pe

_HERE = os.path.dirname(os.path.abspath(__file__))
WORDNET_JSON = os.path.join(_HERE, "..", "datadiver_fo", "data", "tiny_imagenet_wordnet.json")

HELDOUT_CLASS_NAMES = [
    # dogs
    "Chihuahua", "golden retriever", "Labrador retriever", "German shepherd", "standard poodle",
    "Yorkshire terrier",
    # cats
    "Egyptian cat", "Persian cat", "tabby",
    # reptiles and amphibians
    "American alligator", "boa constrictor", "bullfrog", "European fire salamander",
    # birds
    "goose", "albatross", "king penguin", "black stork",
    # other animals
    "African elephant", "koala", "chimpanzee", "orangutan", "baboon", "brown bear", "goldfish",
    "jellyfish",
    # insects and spiders
    "bee", "ladybug", "monarch", "cockroach", "fly", "grasshopper", "tarantula", "black widow",
    # vehicles (buses and the bullet train are public transport in WordNet)
    "school bus", "trolleybus", "bullet train", "freight car", "sports car", "convertible",
    "limousine", "beach wagon", "moving van", "police van", "tractor", "go-kart",
    # food
    "pizza", "potpie", "meat loaf", "pretzel", "guacamole", "ice cream", "ice lolly", "banana",
    "lemon", "orange", "mushroom", "bell pepper", "cauliflower",
    # objects
    "teapot", "sunglasses", "umbrella", "backpack", "volleyball", "basketball", "rugby ball",
    "beer bottle", "pop bottle", "pay-phone", "bow tie", "Christmas stocking",
]

SEED = 1130
SOURCES_PER_CLASS = 2

FORMS = ("class", "group", "corruption", "severity", "combo", "union", "negation", "score",
         "topk", "labels", "refuse")

# --------------------------------------------------------------------------
# WordNet, read straight from the data file (not through the package)
# --------------------------------------------------------------------------

with open(WORDNET_JSON) as _f:
    _WN = json.load(_f)

_SYNSETS = _WN["synsets"]
CLASS_WNID = {c["name"]: c["wnid"] for c in _WN["classes"]}
ANCESTORS = {c["wnid"]: frozenset(c["ancestors"]) | {c["wnid"]} for c in _WN["classes"]}


def synsets_with_lemma(word):
    """The synset ids one of whose lemmas is ``word`` (case-insensitive)."""
    word = word.lower()
    return sorted(k for k, v in _SYNSETS.items() if word in (l.lower() for l in v["lemmas"]))


def _one(word, name):
    """The one synset with lemma ``word`` whose first lemma is ``name``."""
    hits = [k for k in synsets_with_lemma(word) if _SYNSETS[k]["lemmas"][0] == name]
    assert len(hits) == 1, (word, name, hits)
    return hits[0]


DOG = _one("dog", "dog")
CAT = _one("cat", "cat")  # cat, true cat (the big-cat synset also has lemma "cat")
DOMESTIC_CAT = _one("house cat", "domestic cat")
FELINE = _one("feline", "feline")
REPTILE = _one("reptile", "reptile")
SNAKE = _one("serpent", "snake")
AMPHIBIAN = _one("amphibian", "amphibian")
BIRD = _one("bird", "bird")
SEABIRD = _one("seabird", "seabird")
WATERFOWL = _one("waterfowl", "waterfowl")
ANIMAL = _one("creature", "animal")
MAMMAL = _one("mammal", "mammal")
PRIMATE = _one("primate", "primate")
APE = _one("ape", "ape")
INSECT = _one("insect", "insect")
BEETLE = _one("beetle", "beetle")
ARACHNID = _one("arachnid", "arachnid")
SPIDER = _one("spider", "spider")
INVERTEBRATE = _one("invertebrate", "invertebrate")
RETRIEVER = _one("retriever", "retriever")
TERRIER = _one("terrier", "terrier")
VEHICLE = _one("vehicle", "vehicle")
PUBLIC_TRANSPORT = _one("public transport", "public transport")
AUTOMOBILE = _one("automobile", "car")  # car, auto, automobile, machine, motorcar
RAILWAY_CAR = _one("railway car", "car")  # car, railcar, railway car, railroad car
BUS = _one("bus", "bus")
VAN = _one("van", "van")
TRAIN = _one("train", "train")
FOOD = synsets_with_lemma("food")  # food/nutrient and food/solid food
FRUIT = _one("fruit", "fruit")
CITRUS = _one("citrus", "citrus")
VEGETABLE = _one("veggie", "vegetable")
DESSERT = _one("sweet", "dessert")
FROZEN_DESSERT = _one("frozen dessert", "frozen dessert")
BOTTLE = _one("bottle", "bottle")
BALL = _one("ball", "ball")
BEAR = _one("bear", "bear")
assert len(FOOD) == 2, FOOD
assert RAILWAY_CAR != AUTOMOBILE

# --------------------------------------------------------------------------
# Predicates over a sample record (see sample_records)
# --------------------------------------------------------------------------


def cls(*names):
    """Samples of these classes (by wnid, from the WordNet file)."""
    wnids = {CLASS_WNID[n] for n in names}
    return lambda s: s["wnid"] in wnids


def group(*synsets):
    """Samples whose class is one of these synsets or below one of them."""
    want = set()
    for x in synsets:
        want.update([x] if isinstance(x, str) else x)
    return lambda s: s["wnid"] is not None and bool(ANCESTORS.get(s["wnid"], frozenset()) & want)


def corr(*names):
    return lambda s: s["corruption"] in names


def fam(*families):
    return lambda s: s["family"] in families


def sev(*levels):
    """Corrupted samples at these severities."""
    return lambda s: s["corruption"] != "clean" and s["severity"] in levels


def AND(*preds):
    return lambda s: all(p(s) for p in preds)


def OR(*preds):
    return lambda s: any(p(s) for p in preds)


def NOT(pred):
    return lambda s: not pred(s)


def between(field, lo=None, hi=None, lo_incl=True, hi_incl=True):
    def f(s):
        v = s[field]
        if v is None:
            return False
        if lo is not None and (v < lo if lo_incl else v <= lo):
            return False
        return not (hi is not None and (v > hi if hi_incl else v >= hi))

    return f


# score ranges on the three seeded score fields (used by the blind sets too)
def gt(lo):
    """Strictly above ``lo`` (keyword arguments of :func:`ood` / :func:`lq` / :func:`uniq`)."""
    return {"lo": lo, "lo_incl": False}


def lt(hi):
    """Strictly below ``hi``."""
    return {"hi": hi, "hi_incl": False}


def ood(lo=None, hi=None, lo_incl=True, hi_incl=True):
    return between("ood_score", lo, hi, lo_incl, hi_incl)


def lq(lo=None, hi=None, lo_incl=True, hi_incl=True):
    return between("label_quality", lo, hi, lo_incl, hi_incl)


def uniq(lo=None, hi=None, lo_incl=True, hi_incl=True):
    return between("uniqueness", lo, hi, lo_incl, hi_incl)


def not_class(pred, base=None):
    """A class negation: samples without a label may be kept or dropped."""
    base = base or (lambda s: True)
    return ("any_of", [AND(base, NOT(pred)), AND(base, LABELED, NOT(pred))])


ALL = lambda s: True
LABELED = lambda s: s["wnid"] is not None
UNLABELED = lambda s: s["wnid"] is None
CLEAN = lambda s: s["corruption"] == "clean"
CORRUPTED = lambda s: s["corruption"] != "clean"
NOISE = lambda s: "noise" in s["corruption"]
BLUR = lambda s: "blur" in s["corruption"]
ISSUE = lambda s: s["label_issue"] is True
NO_ISSUE = lambda s: s["label_issue"] is False
TRAIN_SPLIT = lambda s: "train" in s["tags"]
VAL_SPLIT = lambda s: "val" in s["tags"]
LIGHT = sev(1, 2)
MODERATE = sev(3)
HEAVY = sev(4, 5)

DOGS = group(DOG)
CATS = group(CAT)
REPTILES = group(REPTILE)
BIRDS = group(BIRD)
INSECTS = group(INSECT)
ANIMALS = group(ANIMAL)
VEHICLES = group(VEHICLE, PUBLIC_TRANSPORT)
AUTOS = group(AUTOMOBILE)
FOODS = group(FOOD)
FRUITS = group(FRUIT)
WEATHER = fam("weather")
DIGITAL = fam("digital")


def top(pred, field, n, highest_first):
    return ("top", pred, field, n, highest_first)


# --------------------------------------------------------------------------
# The cases: (prompt, form, expectation)
# --------------------------------------------------------------------------

HELDOUT_V2 = [
    # 1. single classes, plurals, hyphen/space variants, lemmas, typos
    ("school-bus pictures", "class", cls("school bus")),
    ("golden retreivers", "class", cls("golden retriever")),
    ("chihuahuas", "class", cls("Chihuahua")),
    ("german shepard dogs", "class", cls("German shepherd")),
    ("alsatians", "class", cls("German shepherd")),
    ("Labradors", "class", cls("Labrador retriever")),
    ("yorkies", "class", cls("Yorkshire terrier")),
    ("tabby cats", "class", cls("tabby")),
    ("go kart", "class", cls("go-kart")),
    ("pay phone images", "class", cls("pay-phone")),
    ("bowties", "class", cls("bow tie")),
    ("trolley buses", "class", cls("trolleybus")),
    ("station wagons", "class", cls("beach wagon")),
    ("limos", "class", cls("limousine")),
    ("sportscars", "class", cls("sports car")),
    ("popsicles", "class", cls("ice lolly")),
    ("lady beetles", "class", cls("ladybug")),
    ("rucksacks", "class", cls("backpack")),
    ("roaches", "class", cls("cockroach")),
    ("chimps", "class", cls("chimpanzee")),
    ("ice-cream", "class", cls("ice cream")),
    ("soda bottles", "class", cls("pop bottle")),
    ("oranges", "class", cls("orange")),
    ("koala bears", "class", cls("koala")),
    ("freight cars", "class", cls("freight car")),
    ("show me the convertibles", "class", cls("convertible")),
    ("beer-bottles", "class", cls("beer bottle")),
    ("christmas stockings pls", "class", cls("Christmas stocking")),
    # 2. WordNet groups, their lemmas and synonyms
    ("all the dogs", "group", DOGS),
    ("puppies", "group", DOGS),
    ("doggos", "group", DOGS),
    ("automobiles", "group", AUTOS),
    ("autos in the snow", "group", AND(AUTOS, corr("snow"))),
    ("railroad cars", "group", group(RAILWAY_CAR)),
    ("reptiles", "group", REPTILES),
    ("every vehicle", "group", VEHICLES),
    ("birds", "group", BIRDS),
    ("felines", "group", group(FELINE)),
    ("house cats", "group", group(DOMESTIC_CAT)),
    ("snakes", "group", group(SNAKE)),
    ("serpents", "group", group(SNAKE)),
    ("amphibians", "group", group(AMPHIBIAN)),
    ("primates", "group", group(PRIMATE)),
    ("apes", "group", group(APE)),
    ("mammals", "group", group(MAMMAL)),
    ("arachnids", "group", group(ARACHNID)),
    ("spiders", "group", group(SPIDER)),
    ("seabirds", "group", group(SEABIRD)),
    ("waterfowl", "group", group(WATERFOWL)),
    ("citrus fruits", "group", group(CITRUS)),
    ("veggies", "group", group(VEGETABLE)),
    ("desserts", "group", group(DESSERT)),
    ("sweets", "group", group(DESSERT)),
    ("frozen desserts", "group", group(FROZEN_DESSERT)),
    ("all kinds of fruit", "group", FRUITS),
    ("retrievers", "group", group(RETRIEVER)),
    ("terriers", "group", group(TERRIER)),
    ("buses", "group", group(BUS)),
    ("vans", "group", group(VAN)),
    ("trains", "group", group(TRAIN)),
    ("beetles", "group", group(BEETLE)),
    ("bottles", "group", group(BOTTLE)),
    ("balls", "group", group(BALL)),
    ("bears", "group", group(BEAR)),
    ("invertebrates", "group", group(INVERTEBRATE)),
    ("animals", "group", ANIMALS),
    ("food", "group", FOODS),
    ("insects and spiders", "group", OR(INSECTS, group(SPIDER))),
    # 3. corruptions and families, loose words and typos
    ("gausian noise", "corruption", corr("gaussian_noise")),
    ("motion blurred", "corruption", corr("motion_blur")),
    ("all the weather ones", "corruption", WEATHER),
    ("digital corruptions", "corruption", DIGITAL),
    ("impluse noise", "corruption", corr("impulse_noise")),
    ("shot-noise images", "corruption", corr("shot_noise")),
    ("speckle noise", "corruption", corr("speckle_noise")),
    ("defocused pics", "corruption", corr("defocus_blur")),
    ("glass blur", "corruption", corr("glass_blur")),
    ("zoom-blurred", "corruption", corr("zoom_blur")),
    ("gaussian blur only", "corruption", corr("gaussian_blur")),
    ("frosty images", "corruption", corr("frost")),
    ("snowy pictures", "corruption", corr("snow")),
    ("brightness", "corruption", corr("brightness")),
    ("contrast corruption", "corruption", corr("contrast")),
    ("elastic transfrom", "corruption", corr("elastic_transform")),
    ("pixellated", "corruption", corr("pixelate")),
    ("jpeg compresion", "corruption", corr("jpeg_compression")),
    ("jpeg artefacts", "corruption", corr("jpeg_compression")),
    ("spattered images", "corruption", corr("spatter")),
    ("saturation", "corruption", corr("saturate")),
    ("the noise family", "corruption", fam("noise")),
    ("blur family", "corruption", fam("blur")),
    ("the extra corruptions", "corruption", fam("extra")),
    ("anything noisy", "corruption", NOISE),
    ("all blurry images", "corruption", BLUR),
    ("corrupted images", "corruption", CORRUPTED),
    ("clean images only", "corruption", CLEAN),
    ("fog and frost", "corruption", corr("fog", "frost")),
    # 4. severities (see the module docstring for the words)
    ("severity 3", "severity", sev(3)),
    ("level two", "severity", sev(2)),
    ("severity at least 4", "severity", sev(4, 5)),
    ("the mildest corruptions", "severity", sev(1)),
    ("worst severity", "severity", sev(5)),
    ("heavy corruptions", "severity", HEAVY),
    ("lightly corrupted images", "severity", LIGHT),
    ("moderately corrupted", "severity", MODERATE),
    ("sev 5 only", "severity", sev(5)),
    ("lvl 1", "severity", sev(1)),
    ("severities 2-3", "severity", sev(2, 3)),
    ("severity under 3", "severity", sev(1, 2)),
    ("anything above severity 3", "severity", sev(4, 5)),
    ("max severity", "severity", sev(5)),
    ("level four or five", "severity", sev(4, 5)),
    ("severity no more than 2", "severity", sev(1, 2)),
    # 5. combinations: class/group + corruption + severity
    ("golden retrievers, gaussian noise, severity 2", "combo",
     AND(cls("golden retriever"), corr("gaussian_noise"), sev(2))),
    ("heavily fogged sports cars", "combo", AND(cls("sports car"), corr("fog"), HEAVY)),
    ("convertibles with light motion blur", "combo", AND(cls("convertible"), corr("motion_blur"), LIGHT)),
    ("lvl 3 pixelate on bananas", "combo", AND(cls("banana"), corr("pixelate"), sev(3))),
    ("tabby frost sev 5", "combo", AND(cls("tabby"), corr("frost"), sev(5))),
    ("birds with contrast at level 4 or more", "combo", AND(BIRDS, corr("contrast"), sev(4, 5))),
    ("the worst jpeg compression on vehicles", "combo", AND(VEHICLES, corr("jpeg_compression"), sev(5))),
    ("mild zoom blur on insects", "combo", AND(INSECTS, corr("zoom_blur"), LIGHT)),
    ("moderate snow on reptiles", "combo", AND(REPTILES, corr("snow"), MODERATE)),
    ("severity 1 shot noise chihuahuas", "combo", AND(cls("Chihuahua"), corr("shot_noise"), sev(1))),
    ("penguins in heavy snow", "combo", AND(cls("king penguin"), corr("snow"), HEAVY)),
    ("limos at severity three with glass blur", "combo", AND(cls("limousine"), corr("glass_blur"), sev(3))),
    ("brightness level 5 on lemons and oranges", "combo",
     AND(cls("lemon", "orange"), corr("brightness"), sev(5))),
    ("dogs with elastic transform at the highest severity", "combo",
     AND(DOGS, corr("elastic_transform"), sev(5))),
    ("foggy school buses, severity 3 or higher", "combo", AND(cls("school bus"), corr("fog"), sev(3, 4, 5))),
    ("strong speckle noise on food", "combo", AND(FOODS, corr("speckle_noise"), HEAVY)),
    # 6. unions with per-clause conditions
    ("fog at severity 5 and snow at severity 1", "union",
     OR(AND(corr("fog"), sev(5)), AND(corr("snow"), sev(1)))),
    ("dogs in fog or cats in snow", "union", OR(AND(DOGS, corr("fog")), AND(CATS, corr("snow")))),
    ("heavy frost or light contrast", "union",
     OR(AND(corr("frost"), HEAVY), AND(corr("contrast"), LIGHT))),
    ("dogs at severity 1 plus cats at severity 5", "union", OR(AND(DOGS, sev(1)), AND(CATS, sev(5)))),
    ("clean birds and foggy reptiles", "union", OR(AND(BIRDS, CLEAN), AND(REPTILES, corr("fog")))),
    ("bananas with zoom blur or lemons with glass blur", "union",
     OR(AND(cls("banana"), corr("zoom_blur")), AND(cls("lemon"), corr("glass_blur")))),
    ("gaussian noise level 5, also shot noise level 1", "union",
     OR(AND(corr("gaussian_noise"), sev(5)), AND(corr("shot_noise"), sev(1)))),
    ("school buses in snow and trolleybuses in fog", "union",
     OR(AND(cls("school bus"), corr("snow")), AND(cls("trolleybus"), corr("fog")))),
    ("severity 5 pixelate or severity 1 jpeg", "union",
     OR(AND(corr("pixelate"), sev(5)), AND(corr("jpeg_compression"), sev(1)))),
    ("insects under heavy noise or birds under light blur", "union",
     OR(AND(INSECTS, NOISE, HEAVY), AND(BIRDS, BLUR, LIGHT))),
    ("clean dogs, and cats with any weather corruption", "union",
     OR(AND(DOGS, CLEAN), AND(CATS, WEATHER))),
    ("reptiles in frost or amphibians in fog", "union",
     OR(AND(REPTILES, corr("frost")), AND(group(AMPHIBIAN), corr("fog")))),
    ("mild fog, severe snow", "union", OR(AND(corr("fog"), LIGHT), AND(corr("snow"), HEAVY))),
    # 7. negation and exclusion
    ("everything but noise", "negation", NOT(NOISE)),
    ("no weather", "negation", NOT(WEATHER)),
    ("all corruptions except blur", "negation", AND(CORRUPTED, NOT(BLUR))),
    ("not animals", "negation", not_class(ANIMALS)),
    ("dogs but not in fog", "negation", AND(DOGS, NOT(corr("fog")))),
    ("vehicles excluding buses", "negation", AND(VEHICLES, NOT(group(BUS)))),
    ("food except fruit", "negation", AND(FOODS, NOT(FRUITS))),
    ("birds other than penguins", "negation", AND(BIRDS, NOT(cls("king penguin")))),
    ("noise but not speckle", "negation", AND(NOISE, NOT(corr("speckle_noise")))),
    ("dogs except retrievers", "negation", AND(DOGS, NOT(group(RETRIEVER)))),
    ("corrupted cats, not severity 1", "negation", AND(CATS, CORRUPTED, NOT(sev(1)))),
    ("insects without the blurry ones", "negation", AND(INSECTS, NOT(BLUR))),
    ("weather corruptions, skip fog", "negation", AND(WEATHER, NOT(corr("fog")))),
    ("every corruption except the digital ones", "negation", AND(CORRUPTED, NOT(DIGITAL))),
    ("animals that aren't mammals", "negation", AND(ANIMALS, NOT(group(MAMMAL)))),
    ("anything that's not food", "negation", not_class(FOODS)),
    # 8. score conditions and ranges
    ("ood score between 0.4 and 0.6", "score", between("ood_score", 0.4, 0.6)),
    ("label quality under 0.2", "score", between("label_quality", hi=0.2, hi_incl=False)),
    ("label quality under 0.2 and above 0.9", "score",
     OR(between("label_quality", hi=0.2, hi_incl=False), between("label_quality", lo=0.9, lo_incl=False))),
    ("uniqueness over 0.95", "score", between("uniqueness", lo=0.95, lo_incl=False)),
    ("ood > 0.9", "score", between("ood_score", lo=0.9, lo_incl=False)),
    ("dogs with an ood score of at least 0.75", "score", AND(DOGS, between("ood_score", lo=0.75))),
    ("label quality less than 0.05", "score", between("label_quality", hi=0.05, hi_incl=False)),
    ("uniqueness between 0.1 and 0.2", "score", between("uniqueness", 0.1, 0.2)),
    ("corrupted images with ood score below 0.1", "score",
     AND(CORRUPTED, between("ood_score", hi=0.1, hi_incl=False))),
    ("cats where label quality is under 0.3", "score", AND(CATS, between("label_quality", hi=0.3, hi_incl=False))),
    ("ood score under 0.05 or over 0.95", "score",
     OR(between("ood_score", hi=0.05, hi_incl=False), between("ood_score", lo=0.95, lo_incl=False))),
    ("uniqueness >= .98", "score", between("uniqueness", lo=0.98)),
    ("vehicles with label quality below 0.1", "score",
     AND(VEHICLES, between("label_quality", hi=0.1, hi_incl=False))),
    # 9. top / bottom k
    ("5 least out-of-distribution samples", "topk", top(ALL, "ood_score", 5, False)),
    ("top 10 most unique", "topk", top(ALL, "uniqueness", 10, True)),
    ("lowest label quality first, 25 of them", "topk", top(ALL, "label_quality", 25, False)),
    ("the hundred most OOD images", "topk", top(ALL, "ood_score", 100, True)),
    ("twenty most unique cats", "topk", top(CATS, "uniqueness", 20, True)),
    ("bottom 15 by uniqueness", "topk", top(ALL, "uniqueness", 15, False)),
    ("3 most out-of-distribution foggy pics", "topk", top(corr("fog"), "ood_score", 3, True)),
    ("the 7 images with the best label quality", "topk", top(ALL, "label_quality", 7, True)),
    ("seven least unique birds", "topk", top(BIRDS, "uniqueness", 7, False)),
    ("top fifty ood vehicles", "topk", top(VEHICLES, "ood_score", 50, True)),
    ("a dozen most out of distribution dogs", "topk", top(DOGS, "ood_score", 12, True)),
    ("30 most unique insects", "topk", top(INSECTS, "uniqueness", 30, True)),
    ("least unique 10 clean images", "topk", top(CLEAN, "uniqueness", 10, False)),
    ("worst label quality among reptiles, top 5", "topk", top(REPTILES, "label_quality", 5, False)),
    # 10. label issues, missing labels, splits
    ("label issues among reptiles", "labels", AND(ISSUE, REPTILES)),
    ("clean images from the validation split", "labels", AND(CLEAN, VAL_SPLIT)),
    ("samples with no label", "labels", UNLABELED),
    ("unlabeled images", "labels", UNLABELED),
    ("images missing their labels under heavy noise", "labels", AND(UNLABELED, NOISE, HEAVY)),
    ("mislabelled dogs", "labels", AND(ISSUE, DOGS)),
    ("training split insects", "labels", AND(TRAIN_SPLIT, INSECTS)),
    ("validation-set birds", "labels", AND(VAL_SPLIT, BIRDS)),
    ("cats without label issues", "labels", AND(CATS, NO_ISSUE)),
    ("label errors in the weather corruptions", "labels", AND(ISSUE, WEATHER)),
    ("possibly wrong labels on severity 5 images", "labels", AND(ISSUE, sev(5))),
    ("val images of food", "labels", AND(VAL_SPLIT, FOODS)),
    ("training images of vehicles", "labels", AND(TRAIN_SPLIT, VEHICLES)),
    ("label issues", "labels", ISSUE),
    # 11. prompts that must be refused
    ("purple elephants in space", "refuse", "error"),
    ("xyzzy", "refuse", "error"),
    ("everything", "refuse", "error"),
    ("zebras in fog", "refuse", "error"),
    ("cats in the rain", "refuse", "error"),
    ("severity 9 fog", "refuse", "error"),
    ("blurry unicorns", "refuse", "error"),
    ("show me the good stuff", "refuse", "error"),
    ("airplanes", "refuse", "error"),
    ("asdf qwerty", "refuse", "error"),
    ("all images", "refuse", "error"),
    ("snow leopards", "refuse", "error"),
    ("tigers with motion blur", "refuse", "error"),
    ("photos taken at night", "refuse", "error"),
]


# Prompts that also stand in the text of issue 13, which the parser's author
# read while rewriting it (the issue quotes them as examples). They are not
# held out: the benchmark reports them apart and counts only UNSEEN.
ISSUE_TEXT = frozenset([
    "puppies", "doggos", "automobiles", "reptiles", "retrievers", "animals", "gausian noise",
    "level two", "fog at severity 5 and snow at severity 1", "dogs in fog or cats in snow",
    "everything but noise", "no weather", "ood score between 0.4 and 0.6",
    "5 least out-of-distribution samples", "lowest label quality first, 25 of them",
    "label issues among reptiles", "label issues", "everything",
    # the issue quotes "under 0.2 and above 0.9" on a score
    "label quality under 0.2 and above 0.9",
])
UNSEEN = [c for c in HELDOUT_V2 if c[0] not in ISSUE_TEXT]

# --------------------------------------------------------------------------
# Dataset, records, checking
# --------------------------------------------------------------------------


def build_heldout_dataset(name, seed=SEED):
    """Builds the dataset the cases are written for (see the module docstring).

    Args:
        name: dataset name (overwritten if it exists)
        seed (1130): seed of the synthetic scores and missing labels

    Returns:
        a persistent ``fo.Dataset``
    """
    return pe.build_eval_dataset(name, sources_per_class=SOURCES_PER_CLASS,
                                 classes=HELDOUT_CLASS_NAMES, seed=seed)


def sample_records(dataset):
    """:func:`prompt_eval_set.sample_records` plus each sample's ``wnid``."""
    records = pe.sample_records(dataset)
    for i, w in zip(*dataset.values(["id", "wnid"])):
        records[i]["wnid"] = w
    return records


def expected(records, expectation):
    """The readings of an expectation over ``records``: a list of
    ``(kind, ids, n)`` as :func:`prompt_eval_set.expected_ids` returns them
    (one per accepted reading); ``[]`` for ``"error"``."""
    if isinstance(expectation, str):
        assert expectation == "error", expectation
        return []
    if isinstance(expectation, tuple) and expectation[0] == "any_of":
        return [pe.expected_ids(records, e) for e in expectation[1]]
    return [pe.expected_ids(records, expectation)]


def check(view, records, expectation):
    """True if ``view`` holds exactly what ``expectation`` says.

    An ``"error"`` expectation is never met by a view (the prompt had to be
    refused). A ``"top"`` expectation also requires every returned sample to
    satisfy its predicate (``prompt_eval_set.check`` only compares scores).
    """
    if isinstance(expectation, str):
        return False
    if isinstance(expectation, tuple) and expectation[0] == "any_of":
        return any(check(view, records, e) for e in expectation[1])
    if not pe.check(view, records, expectation):
        return False
    if isinstance(expectation, tuple) and expectation[0] == "top":
        pred = expectation[1]
        return all(pred(records[i]) for i in view.values("id"))
    return True


# what every held-out set module re-exports (``from prompt_heldout_set import *``)
__all__ = [
    "ALL",
    "AMPHIBIAN",
    "AND",
    "ANIMALS",
    "APE",
    "ARACHNID",
    "AUTOS",
    "BALL",
    "BEAR",
    "BEETLE",
    "BIRDS",
    "BLUR",
    "BOTTLE",
    "BUS",
    "CATS",
    "CITRUS",
    "CLEAN",
    "CORRUPTED",
    "DESSERT",
    "DIGITAL",
    "DOGS",
    "DOMESTIC_CAT",
    "FELINE",
    "FOODS",
    "FORMS",
    "FROZEN_DESSERT",
    "FRUIT",
    "FRUITS",
    "HEAVY",
    "INSECTS",
    "INVERTEBRATE",
    "ISSUE",
    "LABELED",
    "LIGHT",
    "MAMMAL",
    "MODERATE",
    "NOISE",
    "NOT",
    "NO_ISSUE",
    "OR",
    "PRIMATE",
    "PUBLIC_TRANSPORT",
    "RAILWAY_CAR",
    "REPTILE",
    "REPTILES",
    "RETRIEVER",
    "SEABIRD",
    "SNAKE",
    "SPIDER",
    "TERRIER",
    "TRAIN",
    "TRAIN_SPLIT",
    "UNLABELED",
    "VAL_SPLIT",
    "VAN",
    "VEGETABLE",
    "VEHICLES",
    "WATERFOWL",
    "WEATHER",
    "between",
    "build_heldout_dataset",
    "check",
    "cls",
    "corr",
    "expected",
    "fam",
    "gt",
    "group",
    "lq",
    "lt",
    "not_class",
    "ood",
    "sample_records",
    "sev",
    "synsets_with_lemma",
    "top",
    "uniq",
]

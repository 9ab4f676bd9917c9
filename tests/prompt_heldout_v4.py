"""HELDOUT_V4: a third, blind held-out set of prompts for the offline prompt parser.

Written on 2026-11-30, AFTER the second parser tuning round, because the two
earlier held-out sets (``prompt_heldout_set.HELDOUT_V2`` and
``prompt_heldout_v3.HELDOUT_V3``) were measured and now feed tuning, so
neither counts as held out any more. The author of this set did not read the
parser (``datadiver_fo/customize/prompt_parser.py``), the view spec
(``viewspec.py``), the tuning sets (``tests/prompt_eval_set.py``,
``tests/test_prompt_parser.py``), the HELDOUT_V2 or HELDOUT_V3 prompts or any
benchmark output; only the word meanings in the docstrings of
:mod:`prompt_heldout_set` and :mod:`prompt_heldout_v3`, their helpers and the
README's "Prompt to view" section. The prompts are written in the author's own
words, as users of a Tiny-ImageNet-C explorer would type them (typos, British
spellings, abbreviations, inflections, slang and filler words included).

It must never be used for tuning: do not edit a prompt or an expectation
because the parser gets it wrong, do not add cases here, and do not copy these
prompts into a tuning set. New tuning cases go to ``tests/prompt_eval_set.py``.
``benchmarks/bench_prompts_heldout.py --set v4`` reports accuracy and the
silent-wrong rate on this set (every prompt counts as unseen);
``tests/test_prompt_heldout_v4.py`` only checks that the set is well formed.

Cases, expectations, the dataset (:func:`prompt_heldout_set.build_heldout_dataset`,
70 classes, 13,440 samples) and the checking (:func:`prompt_heldout_set.check`)
are those of :mod:`prompt_heldout_set`, and so are the meanings of the words
(see that module's docstring and :mod:`prompt_heldout_v3`'s). Expected sets are
predicates over raw sample fields and the WordNet file, never the parser's
output. A few readings this set relies on, in the same spirit:

-   "cars" are WordNet's automobile synset (README); "trucks" WordNet's truck
    (the two vans); "butterflies", "primates", "apes", "citrus",
    "vegetables", "desserts", "balls", "bottles", "seabirds", "beetles",
    "frogs", "felines", "hunting dogs", "mammals", "baked goods" are the
    WordNet synsets of those lemmas, read from the file.
-   "wonky labels", "mislabelled", "label errors" and "wrong labels" are label
    issues; "no label" / "unlabelled" is the ``missing_label`` tag (no
    ground-truth label); "no label issues" is ``label_issue`` False.
-   "OOD" is out of distribution; "qual" is quality; "limos", "chimps",
    "doggos", "yorkshire terriers", "orang-utans", "school busses" (a common
    misspelling), "pretzles" (a typo) name the classes they mean.
-   "every single image" / "all of them" mean everything and are refused,
    as are actions ("delete") and words outside the vocabulary.
"""
import prompt_heldout_set as ph
from prompt_heldout_set import *  # noqa: F401,F403 - the shared vocabulary, re-exported (its __all__)

# --------------------------------------------------------------------------
# WordNet groups this set needs beyond prompt_heldout_set's (read from the file)
# --------------------------------------------------------------------------

_one = ph._one

BUTTERFLY = _one("butterfly", "butterfly")
FROG = _one("frog", "frog")
TRUCK = _one("truck", "truck")
HUNTING_DOG = _one("hunting dog", "hunting dog")
BAKED_GOODS = _one("baked goods", "baked goods")

for _w in ("butterfly", "frog", "truck", "hunting dog", "baked goods", "citrus", "veggie",
           "dessert", "seabird", "waterfowl", "beetle", "feline", "primate", "ape"):
    assert len(synsets_with_lemma(_w)) <= 1, _w

SPIDERS = group(SPIDER)
EXTRA = fam("extra")
FOG, SNOW, FROST = corr("fog"), corr("snow"), corr("frost")


# --------------------------------------------------------------------------
# The cases: (prompt, form, expectation)
# --------------------------------------------------------------------------

HELDOUT_V4 = [
    # ---- class ----------------------------------------------------------
    ("golden retriever photos", "class", cls("golden retriever")),
    ("show me the chihuahuas pls", "class", cls("Chihuahua")),
    ("Koalas", "class", cls("koala")),
    ("orang-utans", "class", cls("orangutan")),
    ("lemons", "class", cls("lemon")),
    ("cauliflowers", "class", cls("cauliflower")),
    ("teapots plz", "class", cls("teapot")),
    ("bow ties", "class", cls("bow tie")),
    ("school busses", "class", cls("school bus")),
    ("brown bears", "class", cls("brown bear")),
    ("meatloaf", "class", cls("meat loaf")),
    ("pay phones", "class", cls("pay-phone")),
    ("German Shepherds", "class", cls("German shepherd")),
    ("yorkshire terriers", "class", cls("Yorkshire terrier")),
    ("black widows", "class", cls("black widow")),
    ("pretzles", "class", cls("pretzel")),
    # ---- group ----------------------------------------------------------
    ("show butterflies", "group", group(BUTTERFLY)),
    ("primate images", "group", group(PRIMATE)),
    ("all the apes", "group", group(APE)),
    ("just the spiders", "group", SPIDERS),
    ("citrus", "group", group(CITRUS)),
    ("vegetables please", "group", group(VEGETABLE)),
    ("dessert pictures", "group", group(DESSERT)),
    ("pictures of balls", "group", group(BALL)),
    ("bottle images", "group", group(BOTTLE)),
    ("seabird pics", "group", group(SEABIRD)),
    ("beetle", "group", group(BEETLE)),
    ("feline samples", "group", group(FELINE)),
    ("frogs", "group", group(FROG)),
    ("show me trucks", "group", group(TRUCK)),
    ("hunting-dogs", "group", group(HUNTING_DOG)),
    ("mammal photos pls", "group", group(MAMMAL)),
    ("baked goods", "group", group(BAKED_GOODS)),
    # ---- corruption -----------------------------------------------------
    ("frosted images", "corruption", FROST),
    ("pixelated", "corruption", corr("pixelate")),
    ("motion blurred pics", "corruption", corr("motion_blur")),
    ("JPEG-compressed", "corruption", corr("jpeg_compression")),
    ("elastic transformations", "corruption", corr("elastic_transform")),
    ("shot noise", "corruption", corr("shot_noise")),
    ("speckle-noise", "corruption", corr("speckle_noise")),
    ("glass-blurred images", "corruption", corr("glass_blur")),
    ("saturated images", "corruption", corr("saturate")),
    ("spattered", "corruption", corr("spatter")),
    ("snowy or foggy", "corruption", corr("snow", "fog")),
    ("all the blurry ones", "corruption", BLUR),
    ("noisy samples", "corruption", NOISE),
    ("corrupted by weather", "corruption", WEATHER),
    ("digital family", "corruption", DIGITAL),
    ("zoom blurred", "corruption", corr("zoom_blur")),
    ("gaussian-blurred", "corruption", corr("gaussian_blur")),
    ("impulse noise", "corruption", corr("impulse_noise")),
    ("defocus blurr", "corruption", corr("defocus_blur")),
    ("extra family", "corruption", EXTRA),
    ("brightness corruption", "corruption", corr("brightness")),
    # ---- severity -------------------------------------------------------
    ("severity three", "severity", sev(3)),
    ("lvl 5", "severity", sev(5)),
    ("severity >=4", "severity", sev(4, 5)),
    ("sev at most 2", "severity", sev(1, 2)),
    ("mild corruptions", "severity", LIGHT),
    ("most severe", "severity", sev(5)),
    ("moderate corruption", "severity", MODERATE),
    ("strong corruptions", "severity", HEAVY),
    ("severity 2 or 4", "severity", sev(2, 4)),
    ("severities 1 to 3", "severity", sev(1, 2, 3)),
    ("level 1", "severity", sev(1)),
    ("severity less than 3", "severity", sev(1, 2)),
    ("faint corruption", "severity", LIGHT),
    ("intense corruptions", "severity", HEAVY),
    ("sev above 1", "severity", sev(2, 3, 4, 5)),
    # ---- combo ----------------------------------------------------------
    ("ladybugs with gaussian noise", "combo", AND(cls("ladybug"), corr("gaussian_noise"))),
    ("heavily fogged buses", "combo", AND(group(BUS), FOG, HEAVY)),
    ("cats at severity 2", "combo", AND(CATS, sev(2))),
    ("clean penguins", "combo", AND(cls("king penguin"), CLEAN)),
    ("pizza w/ motion blur level 4", "combo", AND(cls("pizza"), corr("motion_blur"), sev(4))),
    ("snowy trolleybuses", "combo", AND(cls("trolleybus"), SNOW)),
    ("mildly pixelated food", "combo", AND(FOODS, corr("pixelate"), LIGHT)),
    ("reptiles with extreme blur", "combo", AND(REPTILES, BLUR, sev(5))),
    ("dogs, contrast, sev 3", "combo", AND(DOGS, corr("contrast"), sev(3))),
    ("frost on sports cars, severity 4 or 5", "combo",
     AND(cls("sports car"), FROST, sev(4, 5))),
    ("training images of insects", "combo", AND(INSECTS, TRAIN_SPLIT)),
    ("validation goldfish", "combo", AND(cls("goldfish"), VAL_SPLIT)),
    ("vehicles with a weather corruption at severity 1", "combo",
     AND(VEHICLES, WEATHER, sev(1))),
    ("jellyfish, jpeg compression, worst level", "combo",
     AND(cls("jellyfish"), corr("jpeg_compression"), sev(5))),
    ("slightly noisy umbrellas", "combo", AND(cls("umbrella"), NOISE, LIGHT)),
    ("elephants in heavy snow", "combo", AND(cls("African elephant"), SNOW, HEAVY)),
    # ---- union ----------------------------------------------------------
    ("koalas or baboons", "union", cls("koala", "baboon")),
    ("frost at level 5 or fog at level 1", "union",
     OR(AND(FROST, sev(5)), AND(FOG, sev(1)))),
    ("insects in snow or spiders in fog", "union",
     OR(AND(INSECTS, SNOW), AND(SPIDERS, FOG))),
    ("ood score below 0.05 or above 0.95", "union",
     OR(ood(hi=0.05, hi_incl=False), ood(0.95, lo_incl=False))),
    ("clean bananas, and lemons with heavy noise", "union",
     OR(AND(cls("banana"), CLEAN), AND(cls("lemon"), NOISE, HEAVY))),
    ("teapots in glass blur or umbrellas in zoom blur", "union",
     OR(AND(cls("teapot"), corr("glass_blur")), AND(cls("umbrella"), corr("zoom_blur")))),
    ("school buses, limos or tractors", "union", cls("school bus", "limousine", "tractor")),
    ("severity 1 shot noise or severity 5 impulse noise", "union",
     OR(AND(corr("shot_noise"), sev(1)), AND(corr("impulse_noise"), sev(5)))),
    ("chimps with pixelate or orangutans with elastic transform", "union",
     OR(AND(cls("chimpanzee"), corr("pixelate")),
        AND(cls("orangutan"), corr("elastic_transform")))),
    ("label quality under 0.1 or over 0.9", "union",
     OR(lq(hi=0.1, hi_incl=False), lq(0.9, lo_incl=False))),
    ("mushrooms or anything with spatter", "union", OR(cls("mushroom"), corr("spatter"))),
    ("geese in fog, or storks in frost", "union",
     OR(AND(cls("goose"), FOG), AND(cls("black stork"), FROST))),
    ("convertibles and limousines", "union", cls("convertible", "limousine")),
    # ---- negation -------------------------------------------------------
    ("all corruptions except the weather ones", "negation", AND(CORRUPTED, NOT(WEATHER))),
    ("no blur", "negation", NOT(BLUR)),
    ("doggos but not the foggy ones", "negation", AND(DOGS, NOT(FOG))),
    ("vehicles excluding cars", "negation", AND(VEHICLES, NOT(AUTOS))),
    ("animals other than birds", "negation", AND(ANIMALS, NOT(BIRDS))),
    ("food without fruit", "negation", AND(FOODS, NOT(FRUITS))),
    ("corrupted images but no noise", "negation", AND(CORRUPTED, NOT(NOISE))),
    ("not severity 5", "negation", NOT(sev(5))),
    ("insects minus ladybugs", "negation", AND(INSECTS, NOT(cls("ladybug")))),
    ("anything but clean", "negation", CORRUPTED),
    ("cats apart from tabbies", "negation", AND(CATS, NOT(cls("tabby")))),
    ("everything except spiders", "negation", not_class(SPIDERS)),
    ("no digital and no extra corruptions", "negation", NOT(OR(DIGITAL, EXTRA))),
    ("koalas, not clean", "negation", AND(cls("koala"), CORRUPTED)),
    # ---- score ----------------------------------------------------------
    ("ood score over 0.9", "score", ood(0.9, lo_incl=False)),
    ("uniqueness at least .8", "score", uniq(0.8)),
    ("label quality < 0.15", "score", lq(hi=0.15, hi_incl=False)),
    ("ood score between 0.25 and 0.3", "score", ood(0.25, 0.3)),
    ("out-of-distribution score >= 0.97", "score", ood(0.97)),
    ("uniqueness under 0.05", "score", uniq(hi=0.05, hi_incl=False)),
    ("birds with label quality at most 0.1", "score", AND(BIRDS, lq(hi=0.1))),
    ("dogs with ood score above 0.8", "score", AND(DOGS, ood(0.8, lo_incl=False))),
    ("label quality between .5 and .55", "score", lq(0.5, 0.55)),
    ("uniqueness > 0.95 at severity 5", "score", AND(uniq(0.95, lo_incl=False), sev(5))),
    ("ood scores less than 0.02", "score", ood(hi=0.02, hi_incl=False)),
    ("label qual above 0.99", "score", lq(0.99, lo_incl=False)),
    ("uniqueness <= 0.1 in fog", "score", AND(uniq(hi=0.1), FOG)),
    # ---- topk -----------------------------------------------------------
    ("top 10 most out of distribution", "topk", top(ALL, "ood_score", 10, True)),
    ("20 least unique samples", "topk", top(ALL, "uniqueness", 20, False)),
    ("the 5 with the worst label quality", "topk", top(ALL, "label_quality", 5, False)),
    ("best label quality, top 15", "topk", top(ALL, "label_quality", 15, True)),
    ("top 30 most unique cats", "topk", top(CATS, "uniqueness", 30, True)),
    ("a dozen most OOD foggy images", "topk", top(FOG, "ood_score", 12, True)),
    ("the 8 least out-of-distribution vehicles", "topk", top(VEHICLES, "ood_score", 8, False)),
    ("50 most unique", "topk", top(ALL, "uniqueness", 50, True)),
    ("top twenty most ood reptiles", "topk", top(REPTILES, "ood_score", 20, True)),
    ("3 lowest label quality dogs", "topk", top(DOGS, "label_quality", 3, False)),
    ("100 most out-of-distribution heavy corruptions", "topk",
     top(HEAVY, "ood_score", 100, True)),
    ("lowest uniqueness first, 40 of them", "topk", top(ALL, "uniqueness", 40, False)),
    ("top 7 most OOD clean images", "topk", top(CLEAN, "ood_score", 7, True)),
    # ---- labels ---------------------------------------------------------
    ("mislabelled", "labels", ISSUE),
    ("label issues in fog", "labels", AND(ISSUE, FOG)),
    ("images with no label", "labels", UNLABELED),
    ("the training split", "labels", TRAIN_SPLIT),
    ("val split cats", "labels", AND(VAL_SPLIT, CATS)),
    ("label issues among insects", "labels", AND(ISSUE, INSECTS)),
    ("no label issues", "labels", NO_ISSUE),
    ("wrong labels on vehicles", "labels", AND(ISSUE, VEHICLES)),
    ("the validation images", "labels", VAL_SPLIT),
    ("unlabelled images with noise", "labels", AND(UNLABELED, NOISE)),
    ("training dogs", "labels", AND(TRAIN_SPLIT, DOGS)),
    ("mislabeled or unlabeled", "labels", OR(ISSUE, UNLABELED)),
    ("label errors at severity 5", "labels", AND(ISSUE, sev(5))),
    ("wonky labels on food", "labels", AND(ISSUE, FOODS)),
    # ---- refuse ---------------------------------------------------------
    ("just give me every single image", "refuse", "error"),
    ("asdfgh", "refuse", "error"),
    ("night-time photos", "refuse", "error"),
    ("dogs with red collars", "refuse", "error"),
    ("images shot on an iphone", "refuse", "error"),
    ("the pictures my boss liked", "refuse", "error"),
    ("sunsets", "refuse", "error"),
    ("sharpness above 0.5", "refuse", "error"),
    ("lol", "refuse", "error"),
    ("cats that look like dogs", "refuse", "error"),
    ("unicorns", "refuse", "error"),
    ("delete the foggy ones", "refuse", "error"),
    ("qwerty blur", "refuse", "error"),
    ("all of them", "refuse", "error"),
]

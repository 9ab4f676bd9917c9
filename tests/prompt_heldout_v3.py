"""HELDOUT_V3: a second, blind held-out set of prompts for the offline prompt parser.

Written on 2026-11-30, AFTER the version-2 parser rewrite (issue 13), because
the first held-out set (``prompt_heldout_set.HELDOUT_V2``) was measured and is
now used for tuning, so it no longer counts as held out. The author of this
set did not read the parser (``datadiver_fo/customize/prompt_parser.py``),
the view spec (``viewspec.py``), the tuning sets (``tests/prompt_eval_set.py``,
``tests/test_prompt_parser.py``), the HELDOUT_V2 prompts or any benchmark
output; the prompts are written in the author's own words, as users of a
Tiny-ImageNet-C explorer would type them (typos, British spellings,
abbreviations, slang and filler words included).

It must never be used for tuning: do not edit a prompt or an expectation
because the parser gets it wrong, do not add cases here, and do not copy these
prompts into a tuning set. New tuning cases go to ``tests/prompt_eval_set.py``.
``benchmarks/bench_prompts_heldout.py --set v3`` reports accuracy and the
silent-wrong rate on this set (every prompt counts as unseen);
``tests/test_prompt_heldout_v3.py`` only checks that the set is well formed.

Cases, expectations, the dataset (:func:`prompt_heldout_set.build_heldout_dataset`,
70 classes, 13,440 samples) and the checking (:func:`prompt_heldout_set.check`)
are those of :mod:`prompt_heldout_set`, and so are the meanings of the words
(severity words, "noise"/"blur", families, WordNet groups through their
lemmas, strict "under"/"above" and inclusive "at least"/"at most"/"between",
"under x and over y" with x < y as a union, label and split words, refusing
"everything" and words outside the vocabulary); see that module's docstring.
Expected sets are predicates over raw sample fields and the WordNet file, never
the parser's output. A few readings this set adds, in the same spirit:

-   "salt and pepper noise" is impulse noise, "poisson noise" shot noise;
    "overexposed" brightness, "oversaturated" saturate, "splatter" spatter,
    "defocused" defocus blur, "uncorrupted" clean.
-   "kitties" are cats; "alsatians", "ladybirds", "estate cars", "rucksacks",
    "limos", "chimps", "roaches", "soda bottles", "ice lollies" are the WordNet
    lemmas of the classes they name.
-   "fish" is WordNet's fish (the goldfish; a jellyfish is no fish);
    "monkeys" may be read as WordNet's monkey (the baboon) or, as many people
    say it, any primate (``any_of``); "blur family" may be read as the family
    (defocus, glass, motion, zoom) or as every blur (``any_of``).
-   "wrongly labelled" / "label errors" are label issues; "w/" is "with",
    "w/o" is "without".
"""
import prompt_heldout_set as ph
from prompt_heldout_set import *  # noqa: F401,F403 - the shared vocabulary, re-exported (its __all__)

# --------------------------------------------------------------------------
# WordNet groups this set needs beyond prompt_heldout_set's (read from the file)
# --------------------------------------------------------------------------

_one = ph._one

GREAT_APE = _one("great ape", "great ape")
MONKEY = _one("monkey", "monkey")
FROG = _one("frog", "frog")
SALAMANDER = _one("salamander", "salamander")
PENGUIN = _one("penguin", "penguin")
FISH = _one("fish", "fish")
HUNTING_DOG = _one("hunting dog", "hunting dog")
DOMESTIC_ANIMAL = _one("domestic animal", "domestic animal")
TRUCK = _one("truck", "truck")
CLOTHING = _one("clothing", "clothing")

# every lemma we lean on names one synset only in the file
for _w in ("monkey", "frog", "salamander", "penguin", "fish", "truck", "clothing", "kitty",
           "hunting dog", "domestic animal", "beetle", "veggie", "waterbird", "arachnid"):
    assert len(synsets_with_lemma(_w)) <= 1, _w

FOG, SNOW, FROST = corr("fog"), corr("snow"), corr("frost")


# --------------------------------------------------------------------------
# The cases: (prompt, form, expectation)
# --------------------------------------------------------------------------

HELDOUT_V3 = [
    # ---- class -----------------------------------------------------------
    ("chihuahuas pls", "class", cls("Chihuahua")),
    ("show me the alsatians", "class", cls("German shepherd")),
    ("Persian cats", "class", cls("Persian cat")),
    ("tabbies", "class", cls("tabby")),
    ("can you pull up the king penguins?", "class", cls("king penguin")),
    ("ladybird pics", "class", cls("ladybug")),
    ("monarch butterflies only", "class", cls("monarch")),
    ("just the roaches", "class", cls("cockroach")),
    ("estate cars", "class", cls("beach wagon")),
    ("limos only", "class", cls("limousine")),
    ("Go-Karts", "class", cls("go-kart")),
    ("I want the guacamole pics", "class", cls("guacamole")),
    ("rucksack photos", "class", cls("backpack")),
    ("payphones", "class", cls("pay-phone")),
    ("lemons and oranges", "class", cls("lemon", "orange")),
    ("chimps + orangutans", "class", cls("chimpanzee", "orangutan")),
    ("golden retreiver images", "class", cls("golden retriever")),
    ("soda bottles please", "class", cls("pop bottle")),
    ("grashoppers", "class", cls("grasshopper")),
    ("ice lollies", "class", cls("ice lolly")),

    # ---- group -----------------------------------------------------------
    ("dog pics", "group", DOGS),
    ("the felines", "group", group(FELINE)),
    ("all the snakes", "group", group(SNAKE)),
    ("amphibians please", "group", group(AMPHIBIAN)),
    ("sea birds", "group", group(SEABIRD)),
    ("great apes", "group", group(GREAT_APE)),
    ("monkeys", "group", ("any_of", [group(MONKEY), group(PRIMATE)])),
    ("every mammal", "group", group(MAMMAL)),
    ("fish", "group", group(FISH)),
    ("arachnid pics", "group", group(ARACHNID)),
    ("invertebrate animals", "group", group(INVERTEBRATE)),
    ("trucks", "group", group(TRUCK)),
    ("public transport", "group", group(PUBLIC_TRANSPORT)),
    ("the veg", "group", group(VEGETABLE)),
    ("citrus fruit", "group", group(CITRUS)),
    ("dessert photos", "group", group(DESSERT)),
    ("all the balls", "group", group(BALL)),
    ("clothing", "group", group(CLOTHING)),
    ("hunting dogs", "group", group(HUNTING_DOG)),
    ("domestic animals", "group", group(DOMESTIC_ANIMAL)),
    ("gimme all the kitties", "group", CATS),
    ("any food", "group", FOODS),
    ("spiders & insects", "group", OR(group(SPIDER), INSECTS)),

    # ---- corruption ------------------------------------------------------
    ("fogged images", "corruption", FOG),
    ("snowed-in pics", "corruption", SNOW),
    ("frosty pictures", "corruption", FROST),
    ("pixellated imgs", "corruption", corr("pixelate")),
    ("jpeg compression artefacts", "corruption", corr("jpeg_compression")),
    ("motion-blurred", "corruption", corr("motion_blur")),
    ("just gaussian blur", "corruption", corr("gaussian_blur")),
    ("anything blurry", "corruption", BLUR),
    ("salt and pepper noise", "corruption", corr("impulse_noise")),
    ("elastic transform", "corruption", corr("elastic_transform")),
    ("contast", "corruption", corr("contrast")),
    ("oversaturated", "corruption", corr("saturate")),
    ("overexposed images", "corruption", corr("brightness")),
    ("splatter", "corruption", corr("spatter")),
    ("defocused", "corruption", corr("defocus_blur")),
    ("glass blur/motion blur", "corruption", corr("glass_blur", "motion_blur")),
    ("corruptions from the digital family", "corruption", DIGITAL),
    ("weather corruptions", "corruption", WEATHER),
    ("uncorrupted images", "corruption", CLEAN),
    ("shot noise & impulse noise", "corruption", corr("shot_noise", "impulse_noise")),
    ("poisson noise", "corruption", corr("shot_noise")),
    ("gaussain noise", "corruption", corr("gaussian_noise")),
    ("the blur family", "corruption", ("any_of", [fam("blur"), BLUR])),
    ("extra corruptions", "corruption", fam("extra")),

    # ---- severity --------------------------------------------------------
    ("severity 3 only", "severity", sev(3)),
    ("sev >= 4", "severity", sev(4, 5)),
    ("severity at most 2", "severity", sev(1, 2)),
    ("mildest corruption level", "severity", sev(1)),
    ("the worst corruptions", "severity", sev(5)),
    ("moderately corrupted photos", "severity", sev(3)),
    ("heavily corrupted pics", "severity", sev(4, 5)),
    ("lightly-corrupted samples", "severity", sev(1, 2)),
    ("severity level four", "severity", sev(4)),
    ("severities 2 and 3", "severity", sev(2, 3)),
    ("sev 2-4", "severity", sev(2, 3, 4)),
    ("severity above 3 pls", "severity", sev(4, 5)),
    ("maximum severity only", "severity", sev(5)),
    ("corruption lvl 1", "severity", sev(1)),
    ("less than severity three", "severity", sev(1, 2)),
    ("severty 4", "severity", sev(4)),

    # ---- combo (one clause, several conditions) ---------------------------
    ("chihuahuas in heavy snow", "combo", AND(cls("Chihuahua"), SNOW, HEAVY)),
    ("foggy buses", "combo", AND(group(BUS), FOG)),
    ("blurry birds at sev 5", "combo", AND(BIRDS, BLUR, sev(5))),
    ("pixelated food at level 2", "combo", AND(FOODS, corr("pixelate"), sev(2))),
    ("clean pictures of insects", "combo", AND(INSECTS, CLEAN)),
    ("frogs and salamanders with frost", "combo",
     AND(OR(group(FROG), group(SALAMANDER)), FROST)),
    ("mild jpeg on vehicles", "combo", AND(VEHICLES, corr("jpeg_compression"), LIGHT)),
    ("penguins w/ motion blur, severity 3", "combo",
     AND(group(PENGUIN), corr("motion_blur"), sev(3))),
    ("severe weather on the spiders", "combo", AND(group(SPIDER), WEATHER, HEAVY)),
    ("slightly noisy teapots", "combo", AND(cls("teapot"), NOISE, LIGHT)),
    ("sports cars with elastic transform", "combo",
     AND(cls("sports car"), corr("elastic_transform"))),
    ("koalas; zoom blur; sev 4 or 5", "combo", AND(cls("koala"), corr("zoom_blur"), sev(4, 5))),
    ("apes with ood above 0.7", "combo", AND(group(APE), ood(lo=0.7, lo_incl=False))),
    ("bullet trains under extreme brightness", "combo",
     AND(cls("bullet train"), corr("brightness"), sev(5))),
    ("heavily fogged German shepherds", "combo", AND(cls("German shepherd"), FOG, HEAVY)),
    ("moderate contrast on basketballs and volleyballs", "combo",
     AND(cls("basketball", "volleyball"), corr("contrast"), sev(3))),
    ("noisy dogs with uniqueness over 0.9", "combo",
     AND(DOGS, NOISE, uniq(lo=0.9, lo_incl=False))),
    ("defocused mushrooms, mildest", "combo", AND(cls("mushroom"), corr("defocus_blur"), sev(1))),

    # ---- union (several clauses) ------------------------------------------
    ("frost at level 1 plus spatter at level 5", "union",
     OR(AND(FROST, sev(1)), AND(corr("spatter"), sev(5)))),
    ("koalas in fog or elephents in frost", "union",
     OR(AND(cls("koala"), FOG), AND(cls("African elephant"), FROST))),
    ("uniqueness below 0.05 or above 0.95", "union",
     OR(uniq(hi=0.05, hi_incl=False), uniq(lo=0.95, lo_incl=False))),
    ("ood under 0.1 and over 0.95", "union",
     OR(ood(hi=0.1, hi_incl=False), ood(lo=0.95, lo_incl=False))),
    ("clean tabbies and pixelated Persians", "union",
     OR(AND(cls("tabby"), CLEAN), AND(cls("Persian cat"), corr("pixelate")))),
    ("mushrooms with zoom blur, also cauliflower with glass blur", "union",
     OR(AND(cls("mushroom"), corr("zoom_blur")), AND(cls("cauliflower"), corr("glass_blur")))),
    ("training-split cats or val-split dogs", "union",
     OR(AND(CATS, TRAIN_SPLIT), AND(DOGS, VAL_SPLIT))),
    ("severity-5 fog & severity-1 brightness", "union",
     OR(AND(FOG, sev(5)), AND(corr("brightness"), sev(1)))),
    ("school buses in snow, trolleybuses in fog", "union",
     OR(AND(cls("school bus"), SNOW), AND(cls("trolleybus"), FOG))),
    ("label issues or missing labels", "union", OR(ISSUE, UNLABELED)),
    ("pizza with jpeg compression or pretzels that are pixelated", "union",
     OR(AND(cls("pizza"), corr("jpeg_compression")), AND(cls("pretzel"), corr("pixelate")))),
    ("either heavy snow or light frost", "union", OR(AND(SNOW, HEAVY), AND(FROST, LIGHT))),
    ("dogs at severity 1 and cats at severity 5", "union",
     OR(AND(DOGS, sev(1)), AND(CATS, sev(5)))),
    ("label quality < 0.05 or > 0.97", "union",
     OR(lq(hi=0.05, hi_incl=False), lq(lo=0.97, lo_incl=False))),
    ("goldfish in motion blur or jellyfish in gaussian noise", "union",
     OR(AND(cls("goldfish"), corr("motion_blur")), AND(cls("jellyfish"), corr("gaussian_noise")))),

    # ---- negation --------------------------------------------------------
    ("all dogs except chihuahuas", "negation", AND(DOGS, NOT(cls("Chihuahua")))),
    ("no blur pls", "negation", NOT(BLUR)),
    ("everything except the weather family", "negation", NOT(WEATHER)),
    ("anything not foggy", "negation", NOT(FOG)),
    ("anything that isn't an animal", "negation", not_class(ANIMALS)),
    ("non-food items", "negation", not_class(FOODS)),
    ("vehicles but not cars", "negation", AND(VEHICLES, NOT(AUTOS))),
    ("insects minus the flies", "negation", AND(INSECTS, NOT(cls("fly")))),
    ("corrupted, excluding digital", "negation", AND(CORRUPTED, NOT(DIGITAL))),
    ("drop severity 5", "negation", NOT(sev(5))),
    ("w/o noise", "negation", NOT(NOISE)),
    ("birds that aren't seabirds", "negation", AND(BIRDS, NOT(group(SEABIRD)))),
    ("fruit excluding citrus", "negation", AND(FRUITS, NOT(group(CITRUS)))),
    ("cats, but no clean images", "negation", AND(CATS, CORRUPTED)),
    ("everything that isn't mislabeled", "negation", NO_ISSUE),
    ("mammals other than dogs", "negation", AND(group(MAMMAL), NOT(DOGS))),
    ("no pixelation and no jpeg", "negation",
     NOT(corr("pixelate", "jpeg_compression"))),

    # ---- score -----------------------------------------------------------
    ("ood>0.92", "score", ood(lo=0.92, lo_incl=False)),
    ("label quality below 0.1", "score", lq(hi=0.1, hi_incl=False)),
    ("uniqueness at least 0.97", "score", uniq(lo=0.97)),
    ("ood_score <= 0.05", "score", ood(hi=0.05)),
    ("label quality from 0.3 to 0.35", "score", lq(0.3, 0.35)),
    ("OOD score over .8", "score", ood(lo=0.8, lo_incl=False)),
    ("uniqueness no more than 0.02", "score", uniq(hi=0.02)),
    ("ood score between 0.45 and 0.5", "score", ood(0.45, 0.5)),
    ("uniqueness greater than or equal to 0.99", "score", uniq(lo=0.99)),
    ("label_quality < 0.08", "score", lq(hi=0.08, hi_incl=False)),
    ("out of distribution score above 0.97", "score", ood(lo=0.97, lo_incl=False)),
    (">= 0.9 uniqueness", "score", uniq(lo=0.9)),
    ("label-quality less than 0.03", "score", lq(hi=0.03, hi_incl=False)),
    ("uniqueness between .1 and .15", "score", uniq(0.1, 0.15)),

    # ---- top-k -----------------------------------------------------------
    ("10 most unique", "topk", top(ALL, "uniqueness", 10, True)),
    ("top 5 by ood score", "topk", top(ALL, "ood_score", 5, True)),
    ("20 worst label quality", "topk", top(ALL, "label_quality", 20, False)),
    ("the 3 least unique dogs", "topk", top(DOGS, "uniqueness", 3, False)),
    ("best label quality, 15 of them", "topk", top(ALL, "label_quality", 15, True)),
    ("8 most out-of-distribution foggy images", "topk", top(FOG, "ood_score", 8, True)),
    ("a dozen most unique vehicles", "topk", top(VEHICLES, "uniqueness", 12, True)),
    ("top thirty OOD among clean images", "topk", top(CLEAN, "ood_score", 30, True)),
    ("7 lowest ood-score cats", "topk", top(CATS, "ood_score", 7, False)),
    ("least unique 25", "topk", top(ALL, "uniqueness", 25, False)),
    ("the 100 most out of distribution pics", "topk", top(ALL, "ood_score", 100, True)),
    ("worst 10 by label quality in heavy noise", "topk",
     top(AND(NOISE, HEAVY), "label_quality", 10, False)),
    ("half a dozen most unique birds", "topk", top(BIRDS, "uniqueness", 6, True)),
    ("top 40 most ood among label issues", "topk", top(ISSUE, "ood_score", 40, True)),

    # ---- labels and splits -----------------------------------------------
    ("mislabelled images", "labels", ISSUE),
    ("possible label errors", "labels", ISSUE),
    ("images missing their label", "labels", UNLABELED),
    ("unlabelled samples pls", "labels", UNLABELED),
    ("validation images", "labels", VAL_SPLIT),
    ("training set", "labels", TRAIN_SPLIT),
    ("val split dogs", "labels", AND(VAL_SPLIT, DOGS)),
    ("mislabeled snakes", "labels", AND(ISSUE, group(SNAKE))),
    ("label issues in the blur corruptions", "labels", AND(ISSUE, BLUR)),
    ("no-label samples with fog", "labels", AND(UNLABELED, FOG)),
    ("train images of food", "labels", AND(TRAIN_SPLIT, FOODS)),
    ("label issues, sev 5", "labels", AND(ISSUE, sev(5))),
    ("the val set", "labels", VAL_SPLIT),
    ("samples w/o labels", "labels", UNLABELED),
    ("wrongly labelled birds", "labels", AND(ISSUE, BIRDS)),
    ("clean training pics of vehicles", "labels", AND(TRAIN_SPLIT, VEHICLES)),

    # ---- must be refused (ValueError) -------------------------------------
    ("everything pls", "refuse", "error"),
    ("every single sample", "refuse", "error"),
    ("sunset photos", "refuse", "error"),
    ("qwertyuiop", "refuse", "error"),
    ("pictures of unicorns", "refuse", "error"),
    ("people smiling", "refuse", "error"),
    ("delete the blurry ones", "refuse", "error"),
    ("night time photos", "refuse", "error"),
    ("rainy images", "refuse", "error"),
    ("make it pop", "refuse", "error"),
    ("sort by file size", "refuse", "error"),
    ("images from last tuesday", "refuse", "error"),
    ("\U0001F937", "refuse", "error"),
    ("dogs wearing sunglasses", "refuse", "error"),
    ("cats that look angry", "refuse", "error"),
    ("zebras crossing the road", "refuse", "error"),
]

"""HELDOUT_V8: a seventh, blind held-out set of prompts for the offline prompt parser.

Written on 2026-11-30, AFTER the sixth parser tuning round, because the six
earlier held-out sets (``prompt_heldout_set.HELDOUT_V2``,
``prompt_heldout_v3.HELDOUT_V3``, ``prompt_heldout_v4.HELDOUT_V4``,
``prompt_heldout_v5.HELDOUT_V5``, ``prompt_heldout_v6.HELDOUT_V6`` and
``prompt_heldout_v7.HELDOUT_V7``) were measured and now feed tuning, so none
of them counts as held out any more. The author of this set did not read the
parser (``datadiver_fo/customize/prompt_parser.py``), the view spec
(``datadiver_fo/customize/viewspec.py``), the tuning sets
(``tests/prompt_eval_set.py``, ``tests/test_prompt_parser.py``), the
HELDOUT_V2, HELDOUT_V3, HELDOUT_V4, HELDOUT_V5, HELDOUT_V6 or HELDOUT_V7
prompts, the README's discussion of the held-out results or any benchmark
output; only the docstrings and helpers of :mod:`prompt_heldout_set` and
:mod:`prompt_heldout_v7`, the well-formedness checks
(``tests/heldout_checks.py``, ``tests/test_prompt_heldout_blind.py``), the
WordNet data file, the README's "Prompt to view" section (up to the held-out
table) and the argument handling of ``benchmarks/bench_prompts_heldout.py``
were read. The prompts are written in the author's own words, as users of a
Tiny-ImageNet-C explorer would type them: about 60% plain everyday requests
(a class or group, a corruption, a severity, or a combination, with typos,
plurals, British spellings, abbreviations, filler words and contractions) and
about 40% harder ones (unions with per-clause conditions, exclusions of
families and groups, score ranges and thresholds, top/bottom k, severity
words, label states with other conditions, words below classes). The parser
was not run on them before they were committed; collisions with earlier sets
were found by the overlap test and reworded by hand, without the parser.

It must never be used for tuning: do not edit a prompt or an expectation
because the parser gets it wrong, do not add cases here, and do not copy these
prompts into a tuning set. New tuning cases go to ``tests/prompt_eval_set.py``.
``benchmarks/bench_prompts_heldout.py --set v8`` reports accuracy and the
silent-wrong rate on this set (every prompt counts as unseen);
``tests/test_prompt_heldout_blind.py`` only checks that the set is well formed.

Cases, expectations, the dataset (:func:`prompt_heldout_set.build_heldout_dataset`,
70 classes, 13,440 samples) and the checking (:func:`prompt_heldout_set.check`)
are those of :mod:`prompt_heldout_set`, and so are the meanings of the words
(see that module's docstring and that of :mod:`prompt_heldout_v7`; the
severity words are the README's table). Expected sets are predicates over raw
sample fields and the WordNet file, never the parser's output. A few readings
this set relies on, in the same spirit:

-   Words below a class in the data file's ``hyponyms`` table (``kind``) mean
    that class: "bumblebees" the bee, "navel oranges" the orange, "box cars"
    (boxcar written apart) the freight car, "mandrills" the baboon, "house
    flies" (housefly written apart) the fly, "vanilla ice cream" the ice cream, "bulldozers" the tractor, "pepperoni pizzas"
    the pizza, "katydids" the grasshopper.
-   Class lemmas and names: "rucksacks" = backpack, "lady beetles" and
    "ladybirds" = ladybug, "estate cars" = beach wagon, "popsicles" = ice
    lolly, "payphones" is a joined spelling of pay-phone, "orang-utans" the
    orangutan, "chimps" the chimpanzee, "limos" the limousine, "trackless
    trolleys" the trolleybus; "pretzles" and "tarantulla" are typos within
    one edit.
-   Groups are WordNet synsets read from the file: "butterflies" (the
    monarch), "beetles" (the ladybug), "primates" (chimpanzee, orangutan,
    baboon), "sea birds" = seabird (albatross, king penguin), "bottles",
    "balls", "desserts" and "frozen desserts" (ice cream, ice lolly), "citrus
    fruits" (lemon, orange), "felines" (the three cats), "bears" (the brown
    bear only: the koala is not below bear), "monkeys" (the baboon),
    "trucks" (the two vans), "motor vehicles" (cars, vans, go-kart; not the
    tractor, buses or trains), "wading birds" (the black stork), "toy dogs"
    (the Chihuahua), "sheepdogs" (the German shepherd), "vertebrates",
    "carnivores" (dogs, cats, brown bear), "penguins", "elephants";
    "vehicles", "animals", "foods", "fruit" as in :mod:`prompt_heldout_set`.
-   Corruption words: "jpg compression" is jpeg_compression; "pixelated",
    "defocused", "spattered", "speckled", "frosted", "saturated", "elastic
    transforms", "motion blurred", "zoom blurred" name one corruption each;
    "gaussian blurr" is a typo of gaussian blur; "noisy" and "blurry" are
    the generic words (every corruption whose name holds noise / blur);
    "the noise family" is the standard noise family only.
-   Severity words: "lowest severity" = 1; "mild", "faintly", "mildly" =
    1-2; "moderately" = 3; "heavy", "intense", "heavily" = 4-5; "most
    severe" = 5; "severity 4 or more", ">= 4", "above severity 3" = 4-5;
    "at most 2" = 1-2; "2 to 4" inclusive.
-   Scores: "above", "over", ">", "under", "below", "lower than", "<" are
    strict; "at least", "no more than", "<=", "from a to b", "between a and
    b" inclusive. "ood" is ``ood_score``.
-   Top k: "bottom N by uniqueness" are the N least unique; "N highest ood
    scores" the N most out of distribution; "a dozen" is 12.
-   Labels: "mislabelled", "wrong labels", "label errors" are label issues;
    "w/o label issues" and "no label issues" are ``label_issue`` False;
    "labelled" means a ground-truth label exists; "unlabelled", "missing
    labels" the samples without one; "training"/"val split" the
    ``train``/``val`` tags.
-   Unions: "<clause> or <clause>", "<clause> plus <clause>", "<clause> +
    <clause>" and "<clause>, and <clause>" where each clause brings its own
    class, corruption, severity or score condition; "label quality below x
    or above y" (x < y) is a union.
-   Negations: class and group exclusions over the whole dataset (or over a
    corruption) accept keeping or dropping unlabelled samples
    (``not_class``); corruption, family and severity exclusions keep clean
    images; "all corruptions but the noise family" and "heavy corruptions
    except snow" are corrupted images only; "no clean images" is every
    corrupted image.
-   Refused: words outside the vocabulary ("dragons", "unicorns",
    "purple", "selfies", "from my phone"), actions ("delete", "export",
    "tag", "resize", "duplicate"), relations ("look like", "similar to",
    "beside", one score against another), questions ("how many", "what is
    the most common", "which class"), whole-dataset requests ("show
    everything please", "the whole dataset", "all images, no filter"),
    corruptions the benchmark lacks ("rain streaks", "vignetting", "sepia",
    "chromatic aberration"), contradictions (clean or uncorrupted images
    with a corruption or a severity) and severities that do not exist (6, 8).
"""
import prompt_heldout_set as ph
from prompt_heldout_set import *  # noqa: F401,F403 - the shared vocabulary, re-exported (its __all__)

# --------------------------------------------------------------------------
# WordNet groups this set needs beyond prompt_heldout_set's (read from the file)
# --------------------------------------------------------------------------

_one = ph._one

BUTTERFLY = _one("butterfly", "butterfly")
MONKEY = _one("monkey", "monkey")
TRUCK = _one("truck", "truck")
MOTOR_VEHICLE = _one("motor vehicle", "motor vehicle")
WADING_BIRD = _one("wading bird", "wading bird")
TOY_DOG = _one("toy dog", "toy dog")
SHEPHERD_DOG = _one("sheepdog", "shepherd dog")
VERTEBRATE = _one("vertebrate", "vertebrate")
CARNIVORE = _one("carnivore", "carnivore")
PENGUIN = _one("penguin", "penguin")
ELEPHANT = _one("elephant", "elephant")

# every lemma we lean on names one synset only in the file
for _w in ("butterfly", "beetle", "primate", "seabird", "bottle", "ball", "dessert",
           "frozen dessert", "citrus", "feline", "bear", "monkey", "truck", "motor vehicle",
           "wading bird", "toy dog", "sheepdog", "vertebrate", "carnivore", "penguin",
           "elephant", "bus", "reptile", "insect", "bird", "animal", "dog"):
    assert len(synsets_with_lemma(_w)) == 1, _w

# the words below classes that this set uses, read from the data file's hyponyms table
_KINDS = {w.lower(): v for v in ph._WN["hyponyms"].values() for w in v["lemmas"]}
for _w, _cls in (("bumblebee", "bee"), ("navel orange", "orange"), ("boxcar", "freight car"),
                 ("mandrill", "baboon"), ("housefly", "fly"),
                 ("vanilla ice cream", "ice cream"), ("bulldozer", "tractor"),
                 ("pepperoni pizza", "pizza"), ("katydid", "grasshopper"),
                 ("soft pretzel", "pretzel")):
    assert _KINDS[_w]["relation"] == "kind" and _KINDS[_w]["of"] == [ph.CLASS_WNID[_cls]], _w

# class lemmas this set uses, read from the data file's classes
_CLASS_LEMMAS = {l.lower(): c["name"] for c in ph._WN["classes"] for l in c["lemmas"]}
for _w, _cls in (("rucksack", "backpack"), ("lady beetle", "ladybug"),
                 ("ladybird", "ladybug"), ("estate car", "beach wagon"),
                 ("popsicle", "ice lolly"), ("chimp", "chimpanzee"), ("limo", "limousine"),
                 ("trackless trolley", "trolleybus"), ("monarch butterfly", "monarch"),
                 ("soda bottle", "pop bottle")):
    assert _CLASS_LEMMAS[_w] == _cls, _w

BUTTERFLIES = group(BUTTERFLY)
PRIMATES = group(PRIMATE)
BEARS = group(BEAR)
MONKEYS = group(MONKEY)
TRUCKS = group(TRUCK)
PENGUINS = group(PENGUIN)
BUSES = group(BUS)
EXTRA = fam("extra")
NOISE_FAMILY = fam("noise")
FOG, SNOW, FROST = corr("fog"), corr("snow"), corr("frost")



# --------------------------------------------------------------------------
# The cases: (prompt, form, expectation)
# --------------------------------------------------------------------------

HELDOUT_V8 = [
    # 1. single classes: plurals, lemmas, words below a class, typos
    ("koala photos", "class", cls("koala")),
    ("show me the teapots", "class", cls("teapot")),
    ("limos pls", "class", cls("limousine")),
    ("chimps only", "class", cls("chimpanzee")),
    ("orang-utans please", "class", cls("orangutan")),
    ("the rucksacks", "class", cls("backpack")),
    ("lady beetles please", "class", cls("ladybug")),
    ("bumblebees", "class", cls("bee")),
    ("navel oranges pls", "class", cls("orange")),
    ("box cars", "class", cls("freight car")),
    ("mandrills", "class", cls("baboon")),
    ("house flies", "class", cls("fly")),
    ("vanilla ice cream pics", "class", cls("ice cream")),
    ("bulldozer pics", "class", cls("tractor")),
    ("pretzles please", "class", cls("pretzel")),
    ("estate cars only", "class", cls("beach wagon")),
    ("popsicles only", "class", cls("ice lolly")),
    ("payphones pls", "class", cls("pay-phone")),
    ("i'd like to see the tarantulla images", "class", cls("tarantula")),
    ("the trackless trolleys", "class", cls("trolleybus")),
    # 2. groups
    ("butterfly images", "group", BUTTERFLIES),
    ("beetle photos", "group", group(BEETLE)),
    ("primates please", "group", PRIMATES),
    ("sea birds please", "group", group(SEABIRD)),
    ("just bottles", "group", group(BOTTLE)),
    ("balls of any kind", "group", group(BALL)),
    ("desserts pls", "group", group(DESSERT)),
    ("citrus fruit photos", "group", group(CITRUS)),
    ("all felines", "group", group(FELINE)),
    ("the monkeys", "group", MONKEYS),
    ("trucks only", "group", TRUCKS),
    ("all motor vehicles", "group", group(MOTOR_VEHICLE)),
    ("the wading birds", "group", group(WADING_BIRD)),
    ("toy dogs please", "group", group(TOY_DOG)),
    ("sheepdogs pls", "group", group(SHEPHERD_DOG)),
    ("carnivores", "group", group(CARNIVORE)),
    # 3. corruptions
    ("motion blurred images", "corruption", corr("motion_blur")),
    ("pixelated pictures", "corruption", corr("pixelate")),
    ("jpg compression images", "corruption", corr("jpeg_compression")),
    ("impulse noise only", "corruption", corr("impulse_noise")),
    ("shot-noise samples", "corruption", corr("shot_noise")),
    ("elastic transforms please", "corruption", corr("elastic_transform")),
    ("spattered photos please", "corruption", corr("spatter")),
    ("saturated samples", "corruption", corr("saturate")),
    ("defocused images", "corruption", corr("defocus_blur")),
    ("gaussian blurr", "corruption", corr("gaussian_blur")),
    ("frosted samples", "corruption", FROST),
    ("every digital corruption", "corruption", DIGITAL),
    ("blurry pics", "corruption", BLUR),
    ("noisy photos", "corruption", NOISE),
    ("speckled images", "corruption", corr("speckle_noise")),
    ("the uncorrupted images", "corruption", CLEAN),
    # 4. severities
    ("severity 4", "severity", sev(4)),
    ("sev 2 only", "severity", sev(2)),
    ("level 5 only", "severity", sev(5)),
    ("lvl 3", "severity", sev(3)),
    ("mild corruptions only", "severity", LIGHT),
    ("heavy corruption", "severity", HEAVY),
    ("moderately corrupted images", "severity", MODERATE),
    ("the most severe corruptions", "severity", sev(5)),
    ("sev >= 4 pls", "severity", sev(4, 5)),
    ("severity at most two", "severity", sev(1, 2)),
    ("intense corruptions only", "severity", HEAVY),
    ("faintly corrupted images", "severity", LIGHT),
    ("lowest severity", "severity", sev(1)),
    ("severity from 2 to 4", "severity", sev(2, 3, 4)),
    ("above severity 3", "severity", sev(4, 5)),
    # 5. combinations
    ("dogs with fog", "combo", AND(DOGS, FOG)),
    ("foggy koalas", "combo", AND(cls("koala"), FOG)),
    ("cats with heavy snow", "combo", AND(CATS, SNOW, HEAVY)),
    ("motion blurred school buses at severity 5", "combo",
     AND(cls("school bus"), corr("motion_blur"), sev(5))),
    ("pizza with jpeg compression lvl 2", "combo",
     AND(cls("pizza"), corr("jpeg_compression"), sev(2))),
    ("sports cars with light frost", "combo", AND(cls("sports car"), FROST, LIGHT)),
    ("birds in the snow", "combo", AND(BIRDS, SNOW)),
    ("noisy insects at severity 3", "combo", AND(INSECTS, NOISE, sev(3))),
    ("pixelated primates severity 4 or more", "combo",
     AND(PRIMATES, corr("pixelate"), sev(4, 5))),
    ("clean teapot images", "combo", AND(cls("teapot"), CLEAN)),
    ("weather-corrupted fruit", "combo", AND(FRUITS, WEATHER)),
    ("umbrellas with spatter", "combo", AND(cls("umbrella"), corr("spatter"))),
    ("blurry vehicles, severity 1", "combo", AND(VEHICLES, BLUR, sev(1))),
    ("reptiles with elastic transform at level 2", "combo",
     AND(REPTILES, corr("elastic_transform"), sev(2))),
    ("zoom blurred penguins", "combo", AND(PENGUINS, corr("zoom_blur"))),
    ("desserts with saturate severity 5", "combo",
     AND(group(DESSERT), corr("saturate"), sev(5))),
    ("mildly noisy dogs", "combo", AND(DOGS, NOISE, LIGHT)),
    ("pepperoni pizzas in frost", "combo", AND(cls("pizza"), FROST)),
    ("katydids with contrast at lvl 4", "combo",
     AND(cls("grasshopper"), corr("contrast"), sev(4))),
    # 6. unions with per-clause conditions
    ("cats with frost or dogs with snow", "union", OR(AND(CATS, FROST), AND(DOGS, SNOW))),
    ("fog at level 1 or snow at level 5", "union",
     OR(AND(FOG, sev(1)), AND(SNOW, sev(5)))),
    ("teapots with glass blur or bottles with motion blur", "union",
     OR(AND(cls("teapot"), corr("glass_blur")),
        AND(group(BOTTLE), corr("motion_blur")))),
    ("severity 5 birds plus severity 1 insects", "union",
     OR(AND(BIRDS, sev(5)), AND(INSECTS, sev(1)))),
    ("clean bears, and koalas pixelated at severity 4 or 5", "union",
     OR(AND(BEARS, CLEAN), AND(cls("koala"), corr("pixelate"), sev(4, 5)))),
    ("brightness severity 2 + contrast severity 4", "union",
     OR(AND(corr("brightness"), sev(2)), AND(corr("contrast"), sev(4)))),
    ("pizzas with gaussian noise or bananas with impulse noise", "union",
     OR(AND(cls("pizza"), corr("gaussian_noise")), AND(cls("banana"), corr("impulse_noise")))),
    ("dogs with label issues or birds at severity 5", "union",
     OR(AND(DOGS, ISSUE), AND(BIRDS, sev(5)))),
    ("zoom blur at severity 3 or frost at severity 1", "union",
     OR(AND(corr("zoom_blur"), sev(3)), AND(FROST, sev(1)))),
    ("monkeys in snow, and elephants in fog", "union",
     OR(AND(MONKEYS, SNOW), AND(group(ELEPHANT), FOG))),
    ("speckle noise level 5 or spatter level 2", "union",
     OR(AND(corr("speckle_noise"), sev(5)), AND(corr("spatter"), sev(2)))),
    ("vehicles in heavy fog or animals in light fog", "union",
     OR(AND(VEHICLES, FOG, HEAVY), AND(ANIMALS, FOG, LIGHT))),
    ("training dogs or cats with defocus blur", "union",
     OR(AND(DOGS, TRAIN_SPLIT), AND(CATS, corr("defocus_blur")))),
    ("ood score over 0.9 or uniqueness under 0.05", "union",
     OR(ood(**gt(0.9)), uniq(**lt(0.05)))),
    ("label quality below 0.12 or above 0.93", "union",
     OR(lq(**lt(0.12)), lq(**gt(0.93)))),
    ("lemons with fog plus oranges with frost", "union",
     OR(AND(cls("lemon"), FOG), AND(cls("orange"), FROST))),
    # 7. negations and exclusions
    ("everything apart from dogs", "negation", not_class(DOGS)),
    ("no blur whatsoever", "negation", NOT(BLUR)),
    ("all corruptions but the noise family", "negation", AND(CORRUPTED, NOT(NOISE_FAMILY))),
    ("anything but weather", "negation", NOT(WEATHER)),
    ("fog but not dogs", "negation", not_class(DOGS, base=FOG)),
    ("vehicles except buses", "negation", AND(VEHICLES, NOT(BUSES))),
    ("any animal other than the birds", "negation", AND(ANIMALS, NOT(BIRDS))),
    ("foods excluding fruit", "negation", AND(FOODS, NOT(FRUITS))),
    ("no severity 5 at all", "negation", NOT(sev(5))),
    ("no clean images", "negation", CORRUPTED),
    ("without any digital corruption", "negation", NOT(DIGITAL)),
    ("insects minus the ladybirds", "negation", AND(INSECTS, NOT(cls("ladybug")))),
    ("cats but no persians", "negation", AND(CATS, NOT(cls("Persian cat")))),
    ("everything that isn't a vehicle", "negation", not_class(VEHICLES)),
    ("exclude the extra corruptions", "negation", NOT(EXTRA)),
    ("dogs without blur", "negation", AND(DOGS, NOT(BLUR))),
    ("heavy corruptions except snow", "negation", AND(HEAVY, NOT(SNOW))),
    ("no primates and no reptiles", "negation", not_class(OR(PRIMATES, REPTILES))),
    # 8. score conditions
    ("ood score above 0.8", "score", ood(**gt(0.8))),
    ("label quality < 0.3", "score", lq(**lt(0.3))),
    ("uniqueness at least 0.9", "score", uniq(lo=0.9)),
    ("ood between 0.2 and 0.5", "score", ood(0.2, 0.5)),
    ("label quality no more than 0.15", "score", lq(hi=0.15)),
    ("uniqueness between .3 and .35", "score", uniq(0.3, 0.35)),
    ("dogs with ood score > 0.7", "score", AND(DOGS, ood(**gt(0.7)))),
    ("out of distribution score over 0.95", "score", ood(**gt(0.95))),
    ("cats with label quality under 0.25", "score", AND(CATS, lq(**lt(0.25)))),
    ("ood score from 0.6 to 0.7", "score", ood(0.6, 0.7)),
    ("fog with ood score above 0.5", "score", AND(FOG, ood(**gt(0.5)))),
    ("uniqueness below 0.1", "score", uniq(**lt(0.1))),
    ("ood <= 0.1", "score", ood(hi=0.1)),
    ("label quality of at least 0.985", "score", lq(lo=0.985)),
    ("severity 5 images with uniqueness lower than 0.2", "score",
     AND(sev(5), uniq(**lt(0.2)))),
    # 9. top / bottom k
    ("top 11 most out of distribution", "topk", top(ALL, "ood_score", 11, True)),
    ("20 least unique images", "topk", top(ALL, "uniqueness", 20, False)),
    ("worst label quality, 15 of them", "topk", top(ALL, "label_quality", 15, False)),
    ("the 5 most unique dogs", "topk", top(DOGS, "uniqueness", 5, True)),
    ("30 best label quality", "topk", top(ALL, "label_quality", 30, True)),
    ("bottom 12 by uniqueness among vehicles", "topk", top(VEHICLES, "uniqueness", 12, False)),
    ("a dozen most out-of-distribution cats", "topk", top(CATS, "ood_score", 12, True)),
    ("top fifty by ood score", "topk", top(ALL, "ood_score", 50, True)),
    ("the seven lowest label quality birds", "topk", top(BIRDS, "label_quality", 7, False)),
    ("3 most unique severity 5 images", "topk", top(sev(5), "uniqueness", 3, True)),
    ("25 least out of distribution corrupted images", "topk",
     top(CORRUPTED, "ood_score", 25, False)),
    ("100 highest ood scores", "topk", top(ALL, "ood_score", 100, True)),
    ("10 dogs with the worst label quality", "topk", top(DOGS, "label_quality", 10, False)),
    ("6 least unique mislabeled samples", "topk", top(ISSUE, "uniqueness", 6, False)),
    ("most out of distribution foggy images, top 8", "topk", top(FOG, "ood_score", 8, True)),
    # 10. labels and splits
    ("unlabelled samples", "labels", UNLABELED),
    ("label issues in the dogs", "labels", AND(DOGS, ISSUE)),
    ("images with no label issues", "labels", NO_ISSUE),
    ("missing labels under heavy fog", "labels", AND(UNLABELED, FOG, HEAVY)),
    ("labelled images only", "labels", LABELED),
    ("wrong labels among insects", "labels", AND(INSECTS, ISSUE)),
    ("val split", "labels", VAL_SPLIT),
    ("training set koalas", "labels", AND(cls("koala"), TRAIN_SPLIT)),
    ("mislabeled samples with blur", "labels", AND(ISSUE, BLUR)),
    ("label issues at severity 4", "labels", AND(ISSUE, sev(4))),
    ("unlabeled images with noise", "labels", AND(UNLABELED, NOISE)),
    ("cats w/o label issues", "labels", AND(CATS, NO_ISSUE)),
    ("label errors or missing labels", "labels", OR(ISSUE, UNLABELED)),
    ("label issues with ood score above 0.6", "labels", AND(ISSUE, ood(**gt(0.6)))),
    ("clean training pictures of felines", "labels", AND(group(FELINE), TRAIN_SPLIT)),
    # 11. refusals
    ("dragons", "refuse", "error"),
    ("unicorns in the snow", "refuse", "error"),
    ("purple images", "refuse", "error"),
    ("selfies", "refuse", "error"),
    ("images from my phone", "refuse", "error"),
    ("delete all the fog images", "refuse", "error"),
    ("export the cats to coco", "refuse", "error"),
    ("tag these dogs as reviewed", "refuse", "error"),
    ("resize the koalas to 128 px", "refuse", "error"),
    ("duplicate the pizza samples", "refuse", "error"),
    ("dogs which look like cats", "refuse", "error"),
    ("images similar to the first one", "refuse", "error"),
    ("ood score higher than label quality", "refuse", "error"),
    ("cats sitting beside a teapot", "refuse", "error"),
    ("how many dogs are there?", "refuse", "error"),
    ("what is the most common corruption", "refuse", "error"),
    ("which class has the most label issues?", "refuse", "error"),
    ("show everything please", "refuse", "error"),
    ("the whole dataset pls", "refuse", "error"),
    ("all images, no filter", "refuse", "error"),
    ("rain streaks", "refuse", "error"),
    ("vignetting, severity 3", "refuse", "error"),
    ("sepia toned dogs", "refuse", "error"),
    ("chromatic aberration effects", "refuse", "error"),
    ("clean images with snow", "refuse", "error"),
    ("uncorrupted severity 3", "refuse", "error"),
    ("clean dogs at level 5", "refuse", "error"),
    ("severity 6", "refuse", "error"),
    ("fog at severity 8", "refuse", "error"),
]

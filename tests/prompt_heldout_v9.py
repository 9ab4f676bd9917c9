"""HELDOUT_V9: an eighth, blind held-out set of prompts for the offline prompt parser.

Written on 2026-11-30, AFTER the seventh parser tuning round, because the
seven earlier held-out sets (``prompt_heldout_set.HELDOUT_V2``,
``prompt_heldout_v3.HELDOUT_V3``, ``prompt_heldout_v4.HELDOUT_V4``,
``prompt_heldout_v5.HELDOUT_V5``, ``prompt_heldout_v6.HELDOUT_V6``,
``prompt_heldout_v7.HELDOUT_V7`` and ``prompt_heldout_v8.HELDOUT_V8``) were
measured and now feed tuning, so none of them counts as held out any more.
The author of this set did not read the parser
(``datadiver_fo/customize/prompt_parser.py``), the view spec
(``datadiver_fo/customize/viewspec.py``), ``datadiver_fo/customize/prompts.py``,
the tuning sets (``tests/prompt_eval_set.py``, ``tests/test_prompt_parser.py``),
the HELDOUT_V2, HELDOUT_V3, HELDOUT_V4, HELDOUT_V5, HELDOUT_V6, HELDOUT_V7 or
HELDOUT_V8 prompts, the README's discussion of the held-out results or any
benchmark output (one grep for field names showed about fifteen lines of
``prompt_eval_set.py``'s cases by accident; none of them is reused here). Only
the docstrings and helpers of :mod:`prompt_heldout_set` and
:mod:`prompt_heldout_v8`, the well-formedness checks
(``tests/heldout_checks.py``, ``tests/test_prompt_heldout_blind.py``), the
WordNet data file, the README's "Prompt to view" section (up to the held-out
table) and the argument handling of ``benchmarks/bench_prompts_heldout.py``
were read. The prompts are written in the author's own words, as users of a
Tiny-ImageNet-C explorer would type them: about 60% plain everyday requests
(a class or group, a corruption, a severity, or a combination, with typos
within one edit, plurals, British spellings, abbreviations, filler words,
contractions, upper and lower case and punctuation) and about 40% harder ones
(unions with per-clause conditions, exclusions of families and groups,
"everything except ...", score ranges and thresholds, top/bottom k with number
words, severity words, label states and splits with other conditions, words
below classes), plus prompts that must be refused. The parser was not run on
them before they were committed; collisions with earlier sets were found by
the overlap test and reworded by hand, without the parser.

It must never be used for tuning: do not edit a prompt or an expectation
because the parser gets it wrong, do not add cases here, and do not copy these
prompts into a tuning set. New tuning cases go to ``tests/prompt_eval_set.py``.
``benchmarks/bench_prompts_heldout.py --set v9`` reports accuracy and the
silent-wrong rate on this set (every prompt counts as unseen);
``tests/test_prompt_heldout_blind.py`` only checks that the set is well formed.

Cases, expectations, the dataset (:func:`prompt_heldout_set.build_heldout_dataset`,
70 classes, 13,440 samples) and the checking (:func:`prompt_heldout_set.check`)
are those of :mod:`prompt_heldout_set`, and so are the meanings of the words
(see that module's docstring and that of :mod:`prompt_heldout_v8`; the
severity words are the README's table). Expected sets are predicates over raw
sample fields and the WordNet file, never the parser's output. The readings
this set relies on, in the same spirit:

-   Words below a class in the data file's ``hyponyms`` table (``kind``) mean
    that class: "bonobos" the chimpanzee, "Kodiak bears" the brown bear,
    "locusts" the grasshopper, "cheese pizzas" the pizza, "tank cars" the
    freight car, "brollies" the umbrella, "Jaffa oranges" the orange,
    "goslings" and "Canada geese" the goose, "carpenter bees" the bee,
    "tsetse flies" the fly, "strawberry ice cream" the ice cream,
    "pantechnicons" the moving van, "German cockroaches" the cockroach.
-   Class lemmas and names: "alsatians" = German shepherd, "roaches" =
    cockroach, "station wagons" = beach wagon, "paddy wagons" = police van,
    "knapsacks" = backpack, "dark glasses" = sunglasses, "tabby cats" =
    tabby, "meatloaf" = meat loaf, "bow-ties" = bow tie, "koala bears" =
    koala, "mollymawks" = albatross, "go karts" = go-kart, "pay phones" =
    pay-phone, "Labradors" = Labrador retriever (the README's example);
    "umbrela", "limousene", "basketbal", "sunglases", "brightnes",
    "golden retriver", "salamandar", "elephent", "guacamolle", "cauliflowr",
    "grashopper", "volleybal", "tarantulla", "jellyfsh", "mushrom" and
    "convertable" are typos within one edit of exactly one word of the
    WordNet file; "pixellated" is the British spelling of pixelated.
-   Groups are WordNet synsets read from the file: "retrievers" and "gun
    dogs" (golden and Labrador retriever), "spiders" and "arachnids"
    (tarantula, black widow), "amphibians" (bullfrog, salamander), "great
    apes" (chimpanzee, orangutan), "mammals", "veggies"/"veg" (mushroom, bell
    pepper, cauliflower), "fish" (the goldfish), "snakes" (the boa),
    "frogs" (the bullfrog), "salamanders", "vans" (the two vans), "trains"
    (the bullet train), "public transport" (buses, bullet train),
    "waterfowl" (the goose), "storks", "marsupials" (the koala),
    "invertebrates", "canines" (the dogs), "Old World monkeys" (the baboon),
    "clothing" (bow tie, Christmas stocking), "citrus", "house cats",
    "coaches" (the bus synset: school bus, trolleybus), "crocodilians" (the
    alligator), "pachyderms" (the elephant), "motor vehicles"; "cars",
    "vehicles", "animals", "birds", "insects", "food", "fruit" as in
    :mod:`prompt_heldout_set`. "<group> and <group>" is both groups.
-   Corruption words: "foggy", "snowy", "frosted", "pixellated", "zoom
    blurred" name one corruption each; "elastic-transform" is
    elastic_transform; "jpeg compressed" is jpeg_compression; "noise"
    (without "family") and "noisy" every corruption whose name holds noise;
    "blurred"/"blurry"/"blur" (without "family") every corruption whose name
    holds blur; "weather"/"digital"/"extra" corruptions and "<x> family" the
    family.
-   Severity words (the README's table): "weakest", "least severe",
    "mildest" = 1; "subtle", "faint", "mild" = 1-2; "medium" = 3; "harsh",
    "dense", "strong", "heavily" = 4-5; "maximum severity", "highest
    severity" = 5; "level five" = 5; "severity below 3" = 1-2 (strict);
    "above severity 2" = 3-5; "severity 3 or more" = 3-5; "severity between 2
    and 3" inclusive; a severity condition selects corrupted images only.
-   Scores: "above", "over", "greater than", "higher than", ">", "below",
    "under", "lower than", "<" are strict; "at least", "at most", "no more
    than", ">=", "<=", "from a to b", "between a and b" inclusive. "ood" and
    "out-of-distribution score" are ``ood_score``; ".05" is 0.05.
-   Top k: "top N most out-of-distribution" the N highest ``ood_score``;
    "N least unique" the N lowest ``uniqueness``; "N worst/lowest label
    quality" the N lowest ``label_quality``, "best" the highest; "bottom N by
    ood score" the N lowest; number words ("three", "six", "seven", "nine",
    "fifteen", "twenty") and "a dozen" (12) count.
-   Labels: "mislabelled"/"mislabeled", "label errors", "label issues" are
    ``label_issue`` True; "no label issues" ``label_issue`` False;
    "labelled" means a ground-truth label exists, "unlabelled"/"unlabeled"
    and "without labels" the samples without one; "train split" and
    "validation" the ``train``/``val`` tags (clean images only).
-   Unions: "<clause> or <clause>", "<clause> plus <clause>", "<clause> +
    <clause>" and "<clause>, and <clause>" where each clause brings its own
    class, corruption, severity or score condition; "<score> under x or over
    y" (x < y) is a union.
-   Negations: class and group exclusions over the whole dataset (or over a
    corruption) accept keeping or dropping unlabelled samples
    (``not_class``); exclusions inside a group ("dogs but not retrievers")
    are exact; corruption, family and severity exclusions over everything
    keep clean images; "every corruption but ..." and "heavy corruptions
    except ..." are corrupted images only.
-   Refused: words outside the vocabulary ("giraffes", "sushi", "robots",
    "skateboards", "striped", "sofa", "lens flare", "watercolor",
    "sandstorm", "cartoon"), actions ("delete", "export", "tag", "rename"),
    relations ("look like", "similar to", "next to", "bigger than",
    "duplicates of", one score against another), questions ("how many",
    "which", "what's"), whole-dataset requests ("the entire dataset", "every
    single image"), corruptions the benchmark lacks ("rain", "haze", "smoke"),
    contradictions (clean or uncorrupted images with a corruption or a
    severity) and severities that do not exist (7, 9).
"""
import prompt_heldout_set as ph
from prompt_heldout_set import *  # noqa: F401,F403 - the shared vocabulary, re-exported (its __all__)

# --------------------------------------------------------------------------
# WordNet groups this set needs beyond prompt_heldout_set's (read from the file)
# --------------------------------------------------------------------------

_one = ph._one

GREAT_APE = _one("great ape", "great ape")
FISH = _one("fish", "fish")
FROG = _one("frog", "frog")
SALAMANDER = _one("salamander", "salamander")
STORK = _one("stork", "stork")
MARSUPIAL = _one("marsupial", "marsupial")
CANINE = _one("canine", "canine")
GUN_DOG = _one("gun dog", "sporting dog")
OLD_WORLD_MONKEY = _one("Old World monkey", "Old World monkey")
CLOTHING = _one("clothing", "clothing")
CROCODILIAN = _one("crocodilian", "crocodilian reptile")
PACHYDERM = _one("pachyderm", "pachyderm")
MOTOR_VEHICLE = _one("motor vehicle", "motor vehicle")
PENGUIN = _one("penguin", "penguin")

# every lemma we lean on names one synset only in the file
for _w in ("retriever", "spider", "arachnid", "amphibian", "great ape", "mammal", "vegetable",
           "veggie", "veg", "fish", "snake", "frog", "salamander", "van", "train",
           "public transport", "waterfowl", "stork", "marsupial", "invertebrate", "canine",
           "gun dog", "Old World monkey", "clothing", "citrus", "house cat", "coach",
           "crocodilian", "pachyderm", "motor vehicle", "primate", "feline", "penguin",
           "bottle", "bird", "insect", "animal", "dog", "fruit", "reptile"):
    assert len(synsets_with_lemma(_w)) == 1, _w

# the words below classes that this set uses, read from the data file's hyponyms table
_KINDS = {w.lower(): v for v in ph._WN["hyponyms"].values() for w in v["lemmas"]}
for _w, _cls in (("bonobo", "chimpanzee"), ("kodiak bear", "brown bear"),
                 ("locust", "grasshopper"), ("cheese pizza", "pizza"),
                 ("tank car", "freight car"), ("brolly", "umbrella"),
                 ("jaffa orange", "orange"), ("gosling", "goose"), ("canada goose", "goose"),
                 ("carpenter bee", "bee"), ("tsetse fly", "fly"),
                 ("strawberry ice cream", "ice cream"), ("pantechnicon", "moving van"),
                 ("german cockroach", "cockroach")):
    assert _KINDS[_w]["relation"] == "kind" and _KINDS[_w]["of"] == [ph.CLASS_WNID[_cls]], _w

# class lemmas this set uses, read from the data file's classes
_CLASS_LEMMAS = {l.lower(): c["name"] for c in ph._WN["classes"] for l in c["lemmas"]}
for _w, _cls in (("alsatian", "German shepherd"), ("roach", "cockroach"),
                 ("station wagon", "beach wagon"), ("paddy wagon", "police van"),
                 ("knapsack", "backpack"), ("dark glasses", "sunglasses"),
                 ("tabby cat", "tabby"), ("meatloaf", "meat loaf"), ("bow-tie", "bow tie"),
                 ("koala bear", "koala"), ("mollymawk", "albatross"),
                 ("ladybird beetle", "ladybug")):
    assert _CLASS_LEMMAS[_w] == _cls, _w
assert ph._WN["plurals"]["geese"] == "goose"

RETRIEVERS = group(RETRIEVER)
SPIDERS = group(SPIDER)
MAMMALS = group(MAMMAL)
VEG = group(VEGETABLE)
VANS = group(VAN)
PRIMATES = group(PRIMATE)
FELINES = group(FELINE)
PENGUINS = group(PENGUIN)
EXTRA = fam("extra")
BLUR_FAMILY = fam("blur")
NOISE_FAMILY = fam("noise")
FOG, SNOW, FROST = corr("fog"), corr("snow"), corr("frost")



# --------------------------------------------------------------------------
# The cases: (prompt, form, expectation)
# --------------------------------------------------------------------------

HELDOUT_V9 = [
    # ---- classes: lemmas, words below classes, typos, plurals, case ----
    ("bonobos", "class", cls("chimpanzee")),
    ("Kodiak bears please", "class", cls("brown bear")),
    ("show me alsatians", "class", cls("German shepherd")),
    ("roaches only", "class", cls("cockroach")),
    ("locusts", "class", cls("grasshopper")),
    ("cheese pizzas", "class", cls("pizza")),
    ("station wagons please", "class", cls("beach wagon")),
    ("paddy wagons only", "class", cls("police van")),
    ("knapsacks only", "class", cls("backpack")),
    ("pictures of dark glasses", "class", cls("sunglasses")),
    ("umbrela", "class", cls("umbrella")),
    ("GUACAMOLE", "class", cls("guacamole")),
    ("Chihuahuas, please", "class", cls("Chihuahua")),
    ("tabby cats please", "class", cls("tabby")),
    ("meatloaf images", "class", cls("meat loaf")),
    ("goslings", "class", cls("goose")),
    ("tank cars only", "class", cls("freight car")),
    ("brollies pls", "class", cls("umbrella")),
    ("Jaffa oranges please", "class", cls("orange")),
    ("bow-ties only", "class", cls("bow tie")),
    ("limousene pictures", "class", cls("limousine")),
    ("golden retrivers", "class", cls("golden retriever")),
    ("koala bears please", "class", cls("koala")),
    ("go karts pls", "class", cls("go-kart")),
    ("pay phones only", "class", cls("pay-phone")),
    ("Canada geese", "class", cls("goose")),
    ("mollymawks", "class", cls("albatross")),
    ("i'd like the carpenter bees", "class", cls("bee")),
    ("tsetse flies", "class", cls("fly")),
    ("strawberry ice cream pictures", "class", cls("ice cream")),
    ("pantechnicons please", "class", cls("moving van")),
    ("grashopper", "class", cls("grasshopper")),
    ("elephent", "class", cls("African elephant")),
    ("jellyfsh", "class", cls("jellyfish")),
    ("the salamandar", "class", cls("European fire salamander")),
    # ---- groups ----
    ("retrievers please", "group", group(RETRIEVER)),
    ("all the spiders", "group", SPIDERS),
    ("amphibians, pls", "group", group(AMPHIBIAN)),
    ("great apes please", "group", group(GREAT_APE)),
    ("all Mammals", "group", MAMMALS),
    ("veggies please", "group", VEG),
    ("arachnids only", "group", group(ARACHNID)),
    ("snakes pls", "group", group(SNAKE)),
    ("frogs please", "group", group(FROG)),
    ("vans only", "group", VANS),
    ("trains only", "group", group(TRAIN)),
    ("public transport images", "group", group(PUBLIC_TRANSPORT)),
    ("waterfowl only", "group", group(WATERFOWL)),
    ("storks only", "group", group(STORK)),
    ("marsupials only", "group", group(MARSUPIAL)),
    ("all invertebrates", "group", group(INVERTEBRATE)),
    ("all canines", "group", group(CANINE)),
    ("gun dogs only", "group", group(GUN_DOG)),
    ("old world monkeys", "group", group(OLD_WORLD_MONKEY)),
    ("all clothing", "group", group(CLOTHING)),
    ("house cats please", "group", group(DOMESTIC_CAT)),
    ("coaches, please", "group", group(BUS)),
    ("crocodilians only", "group", group(CROCODILIAN)),
    ("pachyderms please", "group", group(PACHYDERM)),
    ("fruit and veggies", "group", OR(FRUITS, VEG)),
    ("birds and reptiles", "group", OR(BIRDS, REPTILES)),
    ("salamanders", "group", group(SALAMANDER)),
    # ---- corruptions ----
    ("foggy imgs", "corruption", FOG),
    ("snowy imgs", "corruption", SNOW),
    ("frost corruption", "corruption", FROST),
    ("brightnes", "corruption", corr("brightness")),
    ("contrast-corrupted images", "corruption", corr("contrast")),
    ("elastic-transform", "corruption", corr("elastic_transform")),
    ("pixellated pictures", "corruption", corr("pixelate")),
    ("jpeg compressed images", "corruption", corr("jpeg_compression")),
    ("shot noise only", "corruption", corr("shot_noise")),
    ("images with glass blur", "corruption", corr("glass_blur")),
    ("spatter corruption", "corruption", corr("spatter")),
    ("saturate", "corruption", corr("saturate")),
    ("speckle noise pls", "corruption", corr("speckle_noise")),
    ("gaussian blurred", "corruption", corr("gaussian_blur")),
    ("blurred images", "corruption", BLUR),
    ("noise corruptions", "corruption", NOISE),
    ("weather family images", "corruption", WEATHER),
    ("images with digital corruptions", "corruption", DIGITAL),
    ("extra corruptions only", "corruption", EXTRA),
    ("SNOW", "corruption", SNOW),
    ("defocus blur", "corruption", corr("defocus_blur")),
    # ---- severities ----
    ("severity 2", "severity", sev(2)),
    ("sev 4", "severity", sev(4)),
    ("lvl 1 only", "severity", sev(1)),
    ("level five", "severity", sev(5)),
    ("weakest corruptions only", "severity", sev(1)),
    ("subtle corruptions only", "severity", LIGHT),
    ("harsh corruptions", "severity", HEAVY),
    ("corruptions at maximum severity", "severity", sev(5)),
    ("severity between 2 and 3", "severity", sev(2, 3)),
    ("corruptions with severity below 3", "severity", sev(1, 2)),
    ("severity 3 or more", "severity", sev(3, 4, 5)),
    ("least severe corruptions", "severity", sev(1)),
    ("medium-severity corruptions only", "severity", MODERATE),
    ("strong corruptions only", "severity", HEAVY),
    # ---- combinations ----
    ("dense fog", "combo", AND(FOG, HEAVY)),
    ("retrievers in the snow", "combo", AND(RETRIEVERS, SNOW)),
    ("sev 5 frost on spiders", "combo", AND(SPIDERS, FROST, sev(5))),
    ("mild motion blur on sports cars", "combo",
     AND(cls("sports car"), corr("motion_blur"), LIGHT)),
    ("koalas with shot noise", "combo", AND(cls("koala"), corr("shot_noise"))),
    ("jellyfish, glass blur, severity 3", "combo",
     AND(cls("jellyfish"), corr("glass_blur"), sev(3))),
    ("clean teapots", "combo", AND(cls("teapot"), CLEAN)),
    ("uncorrupted lemons", "combo", AND(cls("lemon"), CLEAN)),
    ("basketbal at level 4", "combo", AND(cls("basketball"), sev(4))),
    ("pizza with jpeg compression, severity 2 or 3", "combo",
     AND(cls("pizza"), corr("jpeg_compression"), sev(2, 3))),
    ("faint fog on the alligators", "combo", AND(cls("American alligator"), FOG, LIGHT)),
    ("heavily pixelated bananas", "combo", AND(cls("banana"), corr("pixelate"), HEAVY)),
    ("king penguins with brightness at lvl 1", "combo",
     AND(cls("king penguin"), corr("brightness"), sev(1))),
    ("noisy cauliflowr", "combo", AND(cls("cauliflower"), NOISE)),
    ("medium snow on the school bus", "combo", AND(cls("school bus"), SNOW, MODERATE)),
    ("insects with a weather corruption", "combo", AND(INSECTS, WEATHER)),
    ("digital family on vehicles, severity 5", "combo", AND(VEHICLES, DIGITAL, sev(5))),
    ("ladybird beetles with spatter", "combo", AND(cls("ladybug"), corr("spatter"))),
    ("elastic transform on the tarantullas at sev 2", "combo",
     AND(cls("tarantula"), corr("elastic_transform"), sev(2))),
    ("orangutans w/ zoom blur", "combo", AND(cls("orangutan"), corr("zoom_blur"))),
    ("mushrom with contrast at the highest severity", "combo",
     AND(cls("mushroom"), corr("contrast"), sev(5))),
    ("mildest gaussian noise on goldfish", "combo",
     AND(cls("goldfish"), corr("gaussian_noise"), sev(1))),
    ("cats with saturate, severity 4 or 5", "combo", AND(CATS, corr("saturate"), sev(4, 5))),
    ("black storks with defocus blur above severity 2", "combo",
     AND(cls("black stork"), corr("defocus_blur"), sev(3, 4, 5))),
    ("blurry dogs at level 3", "combo", AND(DOGS, BLUR, sev(3))),
    ("snowy Labradors", "combo", AND(cls("Labrador retriever"), SNOW)),
    ("extra family corruptions on beer bottles", "combo", AND(cls("beer bottle"), EXTRA)),
    ("sunglases in fog", "combo", AND(cls("sunglasses"), FOG)),
    ("convertable, zoom blurred", "combo", AND(cls("convertible"), corr("zoom_blur"))),
    ("guacamolle in frost", "combo", AND(cls("guacamole"), FROST)),
    ("volleybal with impulse noise", "combo", AND(cls("volleyball"), corr("impulse_noise"))),
    # ---- unions with per-clause conditions ----
    ("goldfish in fog or jellyfish in snow", "union",
     OR(AND(cls("goldfish"), FOG), AND(cls("jellyfish"), SNOW))),
    ("bees with motion blur or flies with zoom blur", "union",
     OR(AND(cls("bee"), corr("motion_blur")), AND(cls("fly"), corr("zoom_blur")))),
    ("severity 1 frost or severity 5 brightness", "union",
     OR(AND(FROST, sev(1)), AND(corr("brightness"), sev(5)))),
    ("clean tractors plus go-karts in dense fog", "union",
     OR(AND(cls("tractor"), CLEAN), AND(cls("go-kart"), FOG, HEAVY))),
    ("ood score under 0.1 or over 0.9", "union",
     OR(ood(**lt(0.1)), ood(**gt(0.9)))),
    ("uniqueness below 0.04 or above 0.96", "union",
     OR(uniq(**lt(0.04)), uniq(**gt(0.96)))),
    ("cats in pixelate + dogs in contrast", "union",
     OR(AND(CATS, corr("pixelate")), AND(DOGS, corr("contrast")))),
    ("mislabelled spiders, or clean snakes", "union",
     OR(AND(SPIDERS, ISSUE), AND(group(SNAKE), CLEAN))),
    ("lemons at sev 1 or oranges at sev 5", "union",
     OR(AND(cls("lemon"), sev(1)), AND(cls("orange"), sev(5)))),
    ("trolleybuses in snow or school buses in frost", "union",
     OR(AND(cls("trolleybus"), SNOW), AND(cls("school bus"), FROST))),
    ("bananas with gaussian blur, and mushrooms with speckle noise", "union",
     OR(AND(cls("banana"), corr("gaussian_blur")), AND(cls("mushroom"), corr("speckle_noise")))),
    ("clean umbrellas or umbrellas in heavy snow", "union",
     AND(cls("umbrella"), OR(CLEAN, AND(SNOW, HEAVY)))),
    ("pop bottles in fog or beer bottles in frost", "union",
     OR(AND(cls("pop bottle"), FOG), AND(cls("beer bottle"), FROST))),
    ("label quality either below 0.12 or above 0.88", "union",
     OR(lq(**lt(0.12)), lq(**gt(0.88)))),
    ("primates with impulse noise or felines with shot noise", "union",
     OR(AND(PRIMATES, corr("impulse_noise")), AND(FELINES, corr("shot_noise")))),
    ("vehicles at severity 5 or animals at severity 1", "union",
     OR(AND(VEHICLES, sev(5)), AND(ANIMALS, sev(1)))),
    ("the convertible in frost or the limo in fog", "union",
     OR(AND(cls("convertible"), FROST), AND(cls("limousine"), FOG))),
    ("pretzels with spatter or potpies with saturate", "union",
     OR(AND(cls("pretzel"), corr("spatter")), AND(cls("potpie"), corr("saturate")))),
    # ---- negations and exclusions ----
    ("all images but the weather family", "negation", NOT(WEATHER)),
    ("all images except the blur family", "negation", NOT(BLUR_FAMILY)),
    ("dogs, but not retrievers", "negation", AND(DOGS, NOT(RETRIEVERS))),
    ("animals except mammals", "negation", AND(ANIMALS, NOT(MAMMALS))),
    ("vehicles, but no cars", "negation", AND(VEHICLES, NOT(AUTOS))),
    ("fog without severity 5", "negation", AND(FOG, NOT(sev(5)))),
    ("no insects", "negation", not_class(INSECTS)),
    ("everything except food", "negation", not_class(FOODS)),
    ("snow, no dogs", "negation", not_class(DOGS, SNOW)),
    ("no noisy pictures", "negation", NOT(NOISE)),
    ("harsh corruptions except frost", "negation", AND(HEAVY, NOT(FROST))),
    ("exclude the digital corruptions", "negation", NOT(DIGITAL)),
    ("every corruption but the extra family", "negation", AND(CORRUPTED, NOT(EXTRA))),
    ("everything except severities 1 and 2", "negation", NOT(sev(1, 2))),
    ("birds but not penguins", "negation", AND(BIRDS, NOT(PENGUINS))),
    ("corrupted images, no blur", "negation", AND(CORRUPTED, NOT(BLUR))),
    ("any food apart from fruit", "negation", AND(FOODS, NOT(FRUITS))),
    ("motor vehicles except the vans", "negation",
     AND(group(MOTOR_VEHICLE), NOT(VANS))),
    ("don't show the noise family", "negation", NOT(NOISE_FAMILY)),
    # ---- scores ----
    ("ood score above 0.82", "score", ood(**gt(0.82))),
    ("ood_score >= 0.95", "score", ood(lo=0.95)),
    ("uniqueness at most 0.1", "score", uniq(hi=0.1)),
    ("label quality between 0.3 and 0.4", "score", lq(0.3, 0.4)),
    ("uniqueness from 0.45 to 0.55", "score", uniq(0.45, 0.55)),
    ("out-of-distribution score below .05", "score", ood(**lt(0.05))),
    ("dogs with ood score over 0.7", "score", AND(DOGS, ood(**gt(0.7)))),
    ("label quality < 0.25 on snow images", "score", AND(SNOW, lq(**lt(0.25)))),
    ("clean images with uniqueness greater than 0.9", "score", AND(CLEAN, uniq(**gt(0.9)))),
    ("label quality at least 0.97", "score", lq(lo=0.97)),
    ("ood no more than 0.02", "score", ood(hi=0.02)),
    ("cats, uniqueness <= 0.3", "score", AND(CATS, uniq(hi=0.3))),
    ("heavy fog with ood above 0.6", "score", AND(FOG, HEAVY, ood(**gt(0.6)))),
    ("label quality lower than 0.5 and ood higher than 0.5", "score",
     AND(lq(**lt(0.5)), ood(**gt(0.5)))),
    # ---- top / bottom k ----
    ("top 10 most out-of-distribution", "topk", top(ALL, "ood_score", 10, True)),
    ("the twenty least unique pictures", "topk", top(ALL, "uniqueness", 20, False)),
    ("5 worst label quality dogs", "topk", top(DOGS, "label_quality", 5, False)),
    ("fifteen best label quality cats", "topk", top(CATS, "label_quality", 15, True)),
    ("30 most unique vehicles", "topk", top(VEHICLES, "uniqueness", 30, True)),
    ("bottom 8 by ood score", "topk", top(ALL, "ood_score", 8, False)),
    ("a dozen most unique snow images", "topk", top(SNOW, "uniqueness", 12, True)),
    ("three least out-of-distribution birds", "topk", top(BIRDS, "ood_score", 3, False)),
    ("top 25 ood in dense fog", "topk", top(AND(FOG, HEAVY), "ood_score", 25, True)),
    ("the 40 lowest label quality samples", "topk", top(ALL, "label_quality", 40, False)),
    ("six most unique fruits", "topk", top(FRUITS, "uniqueness", 6, True)),
    ("50 most out of distribution clean images", "topk", top(CLEAN, "ood_score", 50, True)),
    ("the 7 least unique insects with frost", "topk",
     top(AND(INSECTS, FROST), "uniqueness", 7, False)),
    ("nine most out-of-distribution primates", "topk", top(PRIMATES, "ood_score", 9, True)),
    # ---- labels and splits ----
    ("mislabelled cat images", "labels", AND(CATS, ISSUE)),
    ("fog images with label issues", "labels", AND(FOG, ISSUE)),
    ("samples without labels", "labels", UNLABELED),
    ("unlabelled snow images", "labels", AND(SNOW, UNLABELED)),
    ("labelled images at severity 5", "labels", AND(LABELED, sev(5))),
    ("dogs with no label issues", "labels", AND(DOGS, NO_ISSUE)),
    ("validation images of bananas", "labels", AND(cls("banana"), VAL_SPLIT)),
    ("train split dogs", "labels", AND(DOGS, TRAIN_SPLIT)),
    ("citrus in the train split", "labels", AND(group(CITRUS), TRAIN_SPLIT)),
    ("label errors with gaussian noise", "labels", AND(corr("gaussian_noise"), ISSUE)),
    ("heavy blur, no label issues", "labels", AND(BLUR, HEAVY, NO_ISSUE)),
    ("mislabeled vehicles", "labels", AND(VEHICLES, ISSUE)),
    ("frost, unlabeled", "labels", AND(FROST, UNLABELED)),
    ("label issues with label quality under 0.3", "labels", AND(ISSUE, lq(**lt(0.3)))),
    # ---- must be refused ----
    ("images that look like a giraffe", "refuse", "error"),
    ("pictures similar to this one", "refuse", "error"),
    ("how many spiders are there?", "refuse", "error"),
    ("which corruption hurts accuracy the most", "refuse", "error"),
    ("delete all blurry images", "refuse", "error"),
    ("export the foggy cats", "refuse", "error"),
    ("tag mislabelled images for review", "refuse", "error"),
    ("rename the dogs", "refuse", "error"),
    ("a giraffe in snow", "refuse", "error"),
    ("sushi", "refuse", "error"),
    ("skateboards", "refuse", "error"),
    ("robots with motion blur", "refuse", "error"),
    ("rain on the school bus", "refuse", "error"),
    ("lens flare on cars", "refuse", "error"),
    ("watercolor effect", "refuse", "error"),
    ("clean images with heavy frost", "refuse", "error"),
    ("uncorrupted fog", "refuse", "error"),
    ("severity 7 snow", "refuse", "error"),
    ("noise at level 9", "refuse", "error"),
    ("show me the entire dataset", "refuse", "error"),
    ("every single image", "refuse", "error"),
    ("a dog next to a cat", "refuse", "error"),
    ("ood score greater than uniqueness", "refuse", "error"),
    ("bees that are bigger than flies", "refuse", "error"),
    ("what's the most mislabelled class?", "refuse", "error"),
    ("duplicates of the koala", "refuse", "error"),
    ("haze over the tractors", "refuse", "error"),
    ("smoke and sandstorm images", "refuse", "error"),
    ("cartoon sketches of cats", "refuse", "error"),
    ("striped umbrellas", "refuse", "error"),
    ("cats sitting on a sofa", "refuse", "error"),
]

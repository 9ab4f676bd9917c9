"""HELDOUT_V7: a sixth, blind held-out set of prompts for the offline prompt parser.

Written on 2026-11-30, AFTER the fifth parser tuning round, because the five
earlier held-out sets (``prompt_heldout_set.HELDOUT_V2``,
``prompt_heldout_v3.HELDOUT_V3``, ``prompt_heldout_v4.HELDOUT_V4``,
``prompt_heldout_v5.HELDOUT_V5`` and ``prompt_heldout_v6.HELDOUT_V6``) were
measured and now feed tuning, so none of them counts as held out any more.
The author of this set did not read the parser
(``datadiver_fo/customize/prompt_parser.py``), the view spec
(``datadiver_fo/customize/viewspec.py``), the tuning sets
(``tests/prompt_eval_set.py``, ``tests/test_prompt_parser.py``), the
HELDOUT_V2, HELDOUT_V3, HELDOUT_V4, HELDOUT_V5 or HELDOUT_V6 prompts, the
README's discussion of the held-out results or any benchmark output; only the
docstrings and helpers of :mod:`prompt_heldout_set`, :mod:`prompt_heldout_v3`,
:mod:`prompt_heldout_v4`, :mod:`prompt_heldout_v5` and
:mod:`prompt_heldout_v6`, the well-formedness checks
(``tests/heldout_checks.py``, ``tests/test_prompt_heldout_blind.py``), the
public names of ``datadiver_fo/io/wordnet.py`` (``GROUP_ALIASES``), the
WordNet data file, the README's "Prompt to view" section (up to the held-out
table) and the raw field values of the held-out dataset (score ranges, how
many samples are unlabelled) were read. The prompts are written in the
author's own words, as users of a Tiny-ImageNet-C explorer would type them
(plain everyday requests beside harder ones; typos, British spellings,
abbreviations, plurals, number words, contractions, filler words and longer
multi-part requests included). The parser was not run on them before they
were committed; collisions with earlier sets were found by the overlap test
and reworded by hand, without the parser.

It must never be used for tuning: do not edit a prompt or an expectation
because the parser gets it wrong, do not add cases here, and do not copy these
prompts into a tuning set. New tuning cases go to ``tests/prompt_eval_set.py``.
``benchmarks/bench_prompts_heldout.py --set v7`` reports accuracy and the
silent-wrong rate on this set (every prompt counts as unseen);
``tests/test_prompt_heldout_blind.py`` only checks that the set is well formed.

Cases, expectations, the dataset (:func:`prompt_heldout_set.build_heldout_dataset`,
70 classes, 13,440 samples) and the checking (:func:`prompt_heldout_set.check`)
are those of :mod:`prompt_heldout_set`, and so are the meanings of the words
(see that module's docstring and those of :mod:`prompt_heldout_v3` to
:mod:`prompt_heldout_v6`; the severity words are the README's table). Expected
sets are predicates over raw sample fields and the WordNet file, never the
parser's output. A few readings this set relies on, in the same spirit:

-   Words below a class in the data file's ``hyponyms`` table (``kind``) mean
    that class: "greylag geese" the goose, "pygmy chimpanzees" the
    chimpanzee, "horse flies" and "greenbottles" the fly, "American
    cockroaches" the cockroach, "carpenter bees" the bee, "flatcars" and
    "tank cars" the freight car, "sausage pizzas" and "cheese pizza" the
    pizza, "strawberry ice cream" the ice cream, "valencia oranges" the
    orange. "horse flies" are flies, not horses.
-   Class lemmas and names: "koala bears" = koala (a lemma of WordNet's
    koala; no bear), "German shepherd dogs" = German shepherd, "shades" =
    sunglasses, "bruins" = brown bear, "lollies" = ice lolly, "bow-ties" =
    bow tie, "sportscars" is a joined spelling of sports car, "lady bugs" a
    name written apart; "Persian kitties" is the Persian cat ("kitties" are
    cats, the Persian cat is the one cat named Persian) and "black widow
    spiders" the black widow (a class word followed by one of its groups
    means the class); "tabbies" is the plural of tabby; "yorkshire
    terriors", "convertables", "grasshopers", "guacomole", "cauliflowr",
    "limousenes", "uniquenes" and "distrubution" are typos within one edit.
-   Groups are WordNet synsets read from the file: "marsupials" (the koala),
    "pachyderms" and "elephants" (the African elephant), "crocodilians"
    (the alligator), "great apes" (chimpanzee, orangutan), "gun dogs" =
    sporting dog (the two retrievers), "working dogs" (the German
    shepherd), "poodles" (the standard poodle), "arthropods" (insects and
    spiders), "wheeled vehicles" (freight car, cars, vans, tractor,
    go-kart; not the buses or the bullet train), "storks", "telephones" (the
    pay-phone), "edible fruits", "passenger trains" (the bullet train),
    "railcars" = railway car (the freight car), "peppers" (the bell
    pepper), "vans", "canids" = canine (the six dogs), "serpents" = snake
    (the boa), "water birds" = waterfowl (the goose), "arachnids"; "meals"
    = dish and "gadgets" = electronic equipment (``wordnet.GROUP_ALIASES``);
    "buses and trains" = bus or train (the school bus, trolleybus and
    bullet train); "fruits and veggies" = fruit or vegetable.
-   Corruption words: "pixelised" is the British pixelized (pixelate);
    "speckle-noise", "glass-blurred", "defocus-blurred", "contrast
    corrupted", "jpeg compressed" name one corruption each; "frosty",
    "foggy", "snowy" the weather corruptions; "colour saturation" is
    saturate; "gaussian blur + gaussian noise" is the two corruptions.
-   Severity words: "weakest" = 1; "subtle", "light" = 1-2; "medium" = 3;
    "harshly", "severe" = 4-5; "max", "most extreme" = 5; "worse than
    severity 3" = 4-5; "severity 2 or lower", "less than three" = 1-2;
    "severities 2-4" inclusive; "=" after severity is equality.
-   Scores: "outside a to b" is below a or above b (strict); "no higher
    than", "no less than", "or higher" are inclusive; "over", "above",
    "exceeding", "lower than", "below" strict; "from a to b" inclusive.
    "label quality below x or above y" (x < y) is a union.
-   Top k: "bottom N X by uniqueness" are the N least unique; "N lowest
    label quality" the N lowest; "a dozen" is 12; ties in a score (the clean
    images share ``ood_score`` 0) may come in any order.
-   Labels: "labelled" means a ground-truth label exists; "mislabelled",
    "wrongly labeled", "label errors", "bad labels" are label issues;
    "correct labels" / "without label issues" are ``label_issue`` False;
    "unlabeled", "missing a label", "no labels" are samples without a
    ground-truth label.
-   Unions: "<clause> or <clause>", "<clause> plus <clause>", "<clause> +
    <clause>" and "<clause>, and <clause>" where each clause brings its own
    class, corruption or severity are unions; "..., all at level 3" and
    "..., both at severity 2" share the condition; a trailing "no label
    issues" applies to every clause.
-   Negations: class and group exclusions over the whole dataset (or over a
    corruption) accept keeping or dropping unlabelled samples
    (``not_class``); corruption, family and severity exclusions keep clean
    images; "non-extra corruptions" are corrupted images only; "I don't want
    any noisy images" is everything but noise.
-   Refused: words outside the vocabulary ("giraffes", "horses", "sharks",
    "blue", "playing fetch", "on a sofa", "from last week"), two class words
    side by side with neither below the other ("poodles tabbies"), actions
    ("merge", "rename", "upload", "crop", "train a classifier", "email"),
    relations between samples ("next to", "closest to", "mistaken for",
    "same source image as", one score against another), questions ("how
    many", "which corruption", "what's the average"), whole-dataset requests
    ("the entire dataset", "all the data", "every sample, clean or
    corrupted"), corruptions the benchmark lacks ("solarized", "watermarks",
    "posterised", "thunderstorm"), contradictions (clean or uncorrupted
    images with a corruption or a severity), severities that do not exist
    (7, 9) and unlabelled images of a class ("German shepherds without a
    label").
"""
import prompt_heldout_set as ph
from prompt_heldout_set import *  # noqa: F401,F403 - the shared vocabulary, re-exported (its __all__)

# --------------------------------------------------------------------------
# WordNet groups this set needs beyond prompt_heldout_set's (read from the file)
# --------------------------------------------------------------------------

_one = ph._one

MARSUPIAL = _one("marsupial", "marsupial")
PACHYDERM = _one("pachyderm", "pachyderm")
ELEPHANT = _one("elephant", "elephant")
CROCODILIAN = _one("crocodilian", "crocodilian reptile")
GREAT_APE = _one("great ape", "great ape")
SPORTING_DOG = _one("gun dog", "sporting dog")
WORKING_DOG = _one("working dog", "working dog")
POODLE = _one("poodle", "poodle")
ARTHROPOD = _one("arthropod", "arthropod")
WHEELED_VEHICLE = _one("wheeled vehicle", "wheeled vehicle")
STORK = _one("stork", "stork")
TELEPHONE = _one("telephone", "telephone")
EDIBLE_FRUIT = _one("edible fruit", "edible fruit")
PASSENGER_TRAIN = _one("passenger train", "passenger train")
PEPPER = _one("pepper", "pepper")
CANINE = _one("canid", "canine")
DISH = _one("dish", "dish")
ELECTRONIC_EQUIPMENT = _one("electronic equipment", "electronic equipment")
FROG = _one("frog", "frog")
SALAMANDER = _one("salamander", "salamander")
PENGUIN = _one("penguin", "penguin")

# every lemma we lean on names one synset only in the file
for _w in ("marsupial", "pachyderm", "elephant", "crocodilian", "great ape", "gun dog",
           "working dog", "poodle", "arthropod", "wheeled vehicle", "stork", "telephone",
           "edible fruit", "passenger train", "railcar", "pepper", "van", "canid", "serpent",
           "water bird", "dish", "electronic equipment", "bus", "train", "arachnid",
           "amphibian", "frog", "salamander", "fruit", "veggie", "retriever", "mammal",
           "penguin", "spider", "ape", "reptile", "insect", "bird", "animal"):
    assert len(synsets_with_lemma(_w)) == 1, _w

# the words below classes that this set uses, read from the data file's hyponyms table
_KINDS = {w.lower(): v for v in ph._WN["hyponyms"].values() for w in v["lemmas"]}
for _w, _cls in (("greylag goose", "goose"), ("pygmy chimpanzee", "chimpanzee"),
                 ("horse fly", "fly"), ("greenbottle", "fly"),
                 ("american cockroach", "cockroach"), ("carpenter bee", "bee"),
                 ("flatcar", "freight car"), ("tank car", "freight car"),
                 ("sausage pizza", "pizza"), ("cheese pizza", "pizza"),
                 ("strawberry ice cream", "ice cream"), ("valencia orange", "orange")):
    assert _KINDS[_w]["relation"] == "kind" and _KINDS[_w]["of"] == [ph.CLASS_WNID[_cls]], _w

# class lemmas this set uses, read from the data file's classes
_CLASS_LEMMAS = {l.lower(): c["name"] for c in ph._WN["classes"] for l in c["lemmas"]}
for _w, _cls in (("koala bear", "koala"), ("german shepherd dog", "German shepherd"),
                 ("shades", "sunglasses"), ("bruin", "brown bear"), ("lolly", "ice lolly"),
                 ("bow-tie", "bow tie"), ("station wagon", "beach wagon"),
                 ("limo", "limousine")):
    assert _CLASS_LEMMAS[_w] == _cls, _w

SPIDERS = group(SPIDER)
AMPHIBIANS = group(AMPHIBIAN)
PENGUINS = group(PENGUIN)
VEG = group(VEGETABLE)
MAMMALS = group(MAMMAL)
APES = group(APE)
EXTRA = fam("extra")
NOISE_FAMILY = fam("noise")
FOG, SNOW, FROST = corr("fog"), corr("snow"), corr("frost")



# --------------------------------------------------------------------------
# The cases: (prompt, form, expectation)
# --------------------------------------------------------------------------

HELDOUT_V7 = [
    # ---- class ----------------------------------------------------------
    ("can u show me the chihuahuas", "class", cls("Chihuahua")),
    ("german shepherd dogs", "class", cls("German shepherd")),
    ("yorkshire terriors", "class", cls("Yorkshire terrier")),
    ("persian kitties", "class", cls("Persian cat")),
    ("just the tabby cats", "class", cls("tabby")),
    ("greylag geese", "class", cls("goose")),
    ("pics of koala bears", "class", cls("koala")),
    ("pygmy chimpanzees", "class", cls("chimpanzee")),
    ("orangutans please", "class", cls("orangutan")),
    ("horse flies", "class", cls("fly")),
    ("lady bugs", "class", cls("ladybug")),
    ("American cockroaches", "class", cls("cockroach")),
    ("black widow spiders", "class", cls("black widow")),
    ("flatcars", "class", cls("freight car")),
    ("sportscars pls", "class", cls("sports car")),
    ("i'd like to see the station wagons", "class", cls("beach wagon")),
    ("sausage pizzas", "class", cls("pizza")),
    ("strawberry ice cream", "class", cls("ice cream")),
    ("valencia oranges", "class", cls("orange")),
    ("all the shades", "class", cls("sunglasses")),
    ("bow-ties", "class", cls("bow tie")),
    ("convertables", "class", cls("convertible")),
    ("grasshopers", "class", cls("grasshopper")),
    ("bruins", "class", cls("brown bear")),
    ("pictures of lollies", "class", cls("ice lolly")),
    ("the christmas stockings", "class", cls("Christmas stocking")),
    ("guacomole", "class", cls("guacamole")),
    ("tank cars", "class", cls("freight car")),
    ("carpenter bees", "class", cls("bee")),

    # ---- group ----------------------------------------------------------
    ("any marsupials", "group", group(MARSUPIAL)),
    ("pachyderms", "group", group(PACHYDERM)),
    ("show all elephants", "group", group(ELEPHANT)),
    ("crocodilian images", "group", group(CROCODILIAN)),
    ("great apes photos", "group", group(GREAT_APE)),
    ("gun dogs please", "group", group(SPORTING_DOG)),
    ("the working dogs", "group", group(WORKING_DOG)),
    ("poodles", "group", group(POODLE)),
    ("all arthropods", "group", group(ARTHROPOD)),
    ("wheeled vehicles", "group", group(WHEELED_VEHICLE)),
    ("storks", "group", group(STORK)),
    ("telephones", "group", group(TELEPHONE)),
    ("edible fruits", "group", group(EDIBLE_FRUIT)),
    ("passenger trains", "group", group(PASSENGER_TRAIN)),
    ("railcars only", "group", group(RAILWAY_CAR)),
    ("peppers", "group", group(PEPPER)),
    ("vans pls", "group", group(VAN)),
    ("canids", "group", group(CANINE)),
    ("serpent pics", "group", group(SNAKE)),
    ("water birds", "group", group(WATERFOWL)),
    ("meals", "group", group(DISH)),
    ("gadgets", "group", group(ELECTRONIC_EQUIPMENT)),
    ("insects & arachnids", "group", group(ph.INSECT, ARACHNID)),
    ("fruits and veggies", "group", OR(FRUITS, VEG)),
    ("reptiles + amphibians", "group", OR(REPTILES, AMPHIBIANS)),
    ("buses and trains", "group", group(BUS, TRAIN)),

    # ---- corruption -----------------------------------------------------
    ("impulse-noise images", "corruption", corr("impulse_noise")),
    ("shot noise plz", "corruption", corr("shot_noise")),
    ("speckle-noise pictures", "corruption", corr("speckle_noise")),
    ("glass-blurred pics", "corruption", corr("glass_blur")),
    ("zoom blur only", "corruption", corr("zoom_blur")),
    ("defocus-blurred photos", "corruption", corr("defocus_blur")),
    ("frosty imgs", "corruption", FROST),
    ("foggy pictures", "corruption", FOG),
    ("snowy photos", "corruption", SNOW),
    ("brightness-corrupted samples", "corruption", corr("brightness")),
    ("contrast corrupted images", "corruption", corr("contrast")),
    ("elastic transformation", "corruption", corr("elastic_transform")),
    ("pixelised images", "corruption", corr("pixelate")),
    ("jpeg compressed pics", "corruption", corr("jpeg_compression")),
    ("images with spatter", "corruption", corr("spatter")),
    ("colour saturation", "corruption", corr("saturate")),
    ("blurred imgs", "corruption", BLUR),
    ("noisy imgs", "corruption", NOISE),
    ("the weather family corruptions", "corruption", WEATHER),
    ("digital corruptions only", "corruption", DIGITAL),
    ("corruptions from the extra family", "corruption", EXTRA),
    ("noise family only", "corruption", NOISE_FAMILY),
    ("fog, frost or snow", "corruption", corr("fog", "frost", "snow")),
    ("gaussian blur + gaussian noise", "corruption", corr("gaussian_blur", "gaussian_noise")),
    ("only corrupted samples", "corruption", CORRUPTED),

    # ---- severity -------------------------------------------------------
    ("sev 2 imgs", "severity", sev(2)),
    ("level four", "severity", sev(4)),
    ("lvl 5 only", "severity", sev(5)),
    ("light corruption", "severity", LIGHT),
    ("severe corruptions", "severity", HEAVY),
    ("the most extreme corruption level", "severity", sev(5)),
    ("medium severity corruptions", "severity", MODERATE),
    ("corruption severity of at least 4", "severity", HEAVY),
    ("severity 2 or lower", "severity", sev(1, 2)),
    ("severities 2-4", "severity", sev(2, 3, 4)),
    ("sev >= 3", "severity", sev(3, 4, 5)),
    ("weakest corruptions", "severity", sev(1)),
    ("subtle corruptions", "severity", LIGHT),
    ("harshly corrupted images", "severity", HEAVY),
    ("max severity only", "severity", sev(5)),
    ("level 1 or level 5", "severity", sev(1, 5)),
    ("severity less than three", "severity", sev(1, 2)),
    ("severity=3", "severity", MODERATE),

    # ---- combo ----------------------------------------------------------
    ("chihuahuas in heavy fog", "combo", AND(cls("Chihuahua"), FOG, HEAVY)),
    ("cats with motion blur", "combo", AND(CATS, corr("motion_blur"))),
    ("snowy dogs at severity 5", "combo", AND(DOGS, SNOW, sev(5))),
    ("tabbies with light noise", "combo", AND(cls("tabby"), NOISE, LIGHT)),
    ("pixelated school buses, level 3", "combo",
     AND(cls("school bus"), corr("pixelate"), MODERATE)),
    ("frosted lemons and oranges", "combo", AND(cls("lemon", "orange"), FROST)),
    ("vehicles with jpeg artifacts at severity 4 or more", "combo",
     AND(VEHICLES, corr("jpeg_compression"), HEAVY)),
    ("insects in the weather family", "combo", AND(INSECTS, WEATHER)),
    ("moderately blurred birds", "combo", AND(BIRDS, BLUR, MODERATE)),
    ("training set dogs", "combo", AND(DOGS, TRAIN_SPLIT)),
    ("validation pics of the food", "combo", AND(FOODS, VAL_SPLIT)),
    ("uncorrupted koalas", "combo", AND(cls("koala"), CLEAN)),
    ("brown bears with shot noise at lvl 1", "combo",
     AND(cls("brown bear"), corr("shot_noise"), sev(1))),
    ("spiders w/ saturate at severity two", "combo", AND(SPIDERS, corr("saturate"), sev(2))),
    ("zoom-blurred sports cars and convertibles, severity 5", "combo",
     AND(cls("sports car", "convertible"), corr("zoom_blur"), sev(5))),
    ("pop bottles in the snow", "combo", AND(cls("pop bottle"), SNOW)),
    ("umbrellas with mild frost", "combo", AND(cls("umbrella"), FROST, LIGHT)),
    ("backpacks, elastic transform, level 2-3", "combo",
     AND(cls("backpack"), corr("elastic_transform"), sev(2, 3))),
    ("digital corruptions on the apes at severity 4 or 5", "combo", AND(APES, DIGITAL, HEAVY)),
    ("basketballs and volleyballs with contrast at sev 1", "combo",
     AND(cls("basketball", "volleyball"), corr("contrast"), sev(1))),
    ("bees in weather corruptions worse than severity 3", "combo",
     AND(cls("bee"), WEATHER, HEAVY)),
    ("extreme gaussian noise on the goldfish", "combo",
     AND(cls("goldfish"), corr("gaussian_noise"), sev(5))),
    ("limousenes in fog", "combo", AND(cls("limousine"), FOG)),
    ("greenbottles with defocus blur", "combo", AND(cls("fly"), corr("defocus_blur"))),
    ("cheese pizza w/ spatter", "combo", AND(cls("pizza"), corr("spatter"))),
    ("cauliflowr in frost, sev 4", "combo", AND(cls("cauliflower"), FROST, sev(4))),

    # ---- union ----------------------------------------------------------
    ("dogs in snow or cats in frost", "union", OR(AND(DOGS, SNOW), AND(CATS, FROST))),
    ("heavy fog plus light snow", "union", OR(AND(FOG, HEAVY), AND(SNOW, LIGHT))),
    ("pizza at severity 1 or ice cream at severity 5", "union",
     OR(AND(cls("pizza"), sev(1)), AND(cls("ice cream"), sev(5)))),
    ("motion blur lvl 2 and zoom blur lvl 4", "union",
     OR(AND(corr("motion_blur"), sev(2)), AND(corr("zoom_blur"), sev(4)))),
    ("uncorrupted tabbies, and persians with digital corruption", "union",
     OR(AND(cls("tabby"), CLEAN), AND(cls("Persian cat"), DIGITAL))),
    ("label quality below 0.1 or above 0.95", "union", OR(lq(**lt(0.1)), lq(**gt(0.95)))),
    ("ood under 0.05 or over 0.97", "union", OR(ood(**lt(0.05)), ood(**gt(0.97)))),
    ("frogs w/ noise + salamanders w/ blur", "union",
     OR(AND(group(FROG), NOISE), AND(group(SALAMANDER), BLUR))),
    ("school buses in snow at sev 3 or trolleybuses in fog at sev 4", "union",
     OR(AND(cls("school bus"), SNOW, sev(3)), AND(cls("trolleybus"), FOG, sev(4)))),
    ("brightness at severity 1 or contrast at severity 5", "union",
     OR(AND(corr("brightness"), sev(1)), AND(corr("contrast"), sev(5)))),
    ("jellyfish or goldfish, both at severity 2", "union",
     AND(cls("jellyfish", "goldfish"), sev(2))),
    ("severity 1 spatter or severity 5 saturate", "union",
     OR(AND(corr("spatter"), sev(1)), AND(corr("saturate"), sev(5)))),
    ("lemons in frost and bananas in fog", "union",
     OR(AND(cls("lemon"), FROST), AND(cls("banana"), FOG))),
    ("albatrosses with impulse noise or penguins with shot noise, all at level 3", "union",
     AND(MODERATE, OR(AND(cls("albatross"), corr("impulse_noise")),
                      AND(PENGUINS, corr("shot_noise"))))),
    ("uniqueness under .1 or over .9", "union", OR(uniq(**lt(0.1)), uniq(**gt(0.9)))),
    ("cockroaches in heavy snow + flies in light frost", "union",
     OR(AND(cls("cockroach"), SNOW, HEAVY), AND(cls("fly"), FROST, LIGHT))),
    ("teapots at level 5, and sunglasses at level 1", "union",
     OR(AND(cls("teapot"), sev(5)), AND(cls("sunglasses"), sev(1)))),
    ("clean limos or limos in severe fog", "union",
     AND(cls("limousine"), OR(CLEAN, AND(FOG, HEAVY)))),
    ("dogs at severity 4 or cats at severity 2, no label issues", "union",
     AND(NO_ISSUE, OR(AND(DOGS, sev(4)), AND(CATS, sev(2))))),
    ("glass blur on the chimps or pixelate on the baboons", "union",
     OR(AND(cls("chimpanzee"), corr("glass_blur")), AND(cls("baboon"), corr("pixelate")))),

    # ---- negation -------------------------------------------------------
    ("everything except dogs", "negation", not_class(DOGS)),
    ("anything but the noisy ones", "negation", NOT(NOISE)),
    ("all images except the weather family", "negation", NOT(WEATHER)),
    ("corrupted images but not blur", "negation", AND(CORRUPTED, NOT(BLUR))),
    ("everything that isn't an animal", "negation", not_class(ANIMALS)),
    ("cats, but not the tabbies", "negation", AND(CATS, NOT(cls("tabby")))),
    ("all dogs except the retrievers", "negation", AND(DOGS, NOT(group(RETRIEVER)))),
    ("vehicles, excluding the cars", "negation", AND(VEHICLES, NOT(AUTOS))),
    ("food images but no fruit", "negation", AND(FOODS, NOT(FRUITS))),
    ("anything except severity 5", "negation", NOT(sev(5))),
    ("no severe corruption", "negation", NOT(HEAVY)),
    ("w/o digital corruptions", "negation", NOT(DIGITAL)),
    ("noisy images other than gaussian noise", "negation",
     AND(NOISE, NOT(corr("gaussian_noise")))),
    ("blurry pics excluding motion and zoom blur", "negation",
     AND(BLUR, NOT(corr("motion_blur", "zoom_blur")))),
    ("insects minus bees", "negation", AND(INSECTS, NOT(cls("bee")))),
    ("anything but food", "negation", not_class(FOODS)),
    ("heavy fog, no dogs", "negation", not_class(DOGS, base=AND(FOG, HEAVY))),
    ("animals which aren't mammals", "negation", AND(ANIMALS, NOT(MAMMALS))),
    ("non-extra corruptions", "negation", AND(CORRUPTED, NOT(EXTRA))),
    ("birds, no penguins", "negation", AND(BIRDS, NOT(PENGUINS))),
    ("weather corruptions apart from fog", "negation", AND(WEATHER, NOT(FOG))),
    ("i don't want any noisy images", "negation", NOT(NOISE)),
    ("everything excluding vehicles and food", "negation", not_class(OR(VEHICLES, FOODS))),

    # ---- score ----------------------------------------------------------
    ("ood scores over 0.92", "score", ood(**gt(0.92))),
    ("label quality less than 0.15", "score", lq(**lt(0.15))),
    ("uniqueness at least 0.8", "score", uniq(0.8)),
    ("ood between 0.3 and 0.35", "score", ood(0.3, 0.35)),
    ("label qual <= .05", "score", lq(hi=0.05)),
    ("uniqueness > 0.97", "score", uniq(**gt(0.97))),
    ("out of distrubution score no higher than 0.02", "score", ood(hi=0.02)),
    ("label quality from 0.45 to 0.55", "score", lq(0.45, 0.55)),
    ("ood outside 0.1 to 0.9", "score", OR(ood(**lt(0.1)), ood(**gt(0.9)))),
    ("dogs whose ood score is above 0.83", "score", AND(DOGS, ood(**gt(0.83)))),
    ("label quality under 0.3 for the cats", "score", AND(CATS, lq(**lt(0.3)))),
    ("heavily corrupted images with uniqueness over 0.9", "score",
     AND(HEAVY, uniq(**gt(0.9)))),
    ("ood >= 0.75 and label quality < 0.25", "score", AND(ood(0.75), lq(**lt(0.25)))),
    ("label quality greater than 0.61 but less than 0.66", "score",
     lq(0.61, 0.66, lo_incl=False, hi_incl=False)),
    ("OOD scores of 0.99 or higher", "score", ood(0.99)),
    ("uniqueness between .4 and .45 in fog", "score", AND(FOG, uniq(0.4, 0.45))),
    ("ood score exceeding 0.95 among vehicles", "score", AND(VEHICLES, ood(**gt(0.95)))),
    ("label quality no less than 0.98", "score", lq(0.98)),
    ("uniquenes lower than 0.03", "score", uniq(**lt(0.03))),

    # ---- topk -----------------------------------------------------------
    ("10 most OOD images", "topk", top(ALL, "ood_score", 10, True)),
    ("the 20 least unique samples", "topk", top(ALL, "uniqueness", 20, False)),
    ("lowest label quality, top 30", "topk", top(ALL, "label_quality", 30, False)),
    ("best label quality dogs, 5 of them", "topk", top(DOGS, "label_quality", 5, True)),
    ("five most unique cats", "topk", top(CATS, "uniqueness", 5, True)),
    ("a dozen most ood vehicles", "topk", top(VEHICLES, "ood_score", 12, True)),
    ("bottom 8 foods by uniqueness", "topk", top(FOODS, "uniqueness", 8, False)),
    ("the 25 highest ood in heavy snow", "topk",
     top(AND(SNOW, HEAVY), "ood_score", 25, True)),
    ("top fifty by uniqueness", "topk", top(ALL, "uniqueness", 50, True)),
    ("3 least out-of-distribution birds", "topk", top(BIRDS, "ood_score", 3, False)),
    ("40 lowest label quality images with label issues", "topk",
     top(ISSUE, "label_quality", 40, False)),
    ("the 7 most unique noisy images", "topk", top(NOISE, "uniqueness", 7, True)),
    ("100 highest-ood samples", "topk", top(ALL, "ood_score", 100, True)),
    ("twenty lowest uniqueness pics among the insects", "topk",
     top(INSECTS, "uniqueness", 20, False)),
    ("the six reptiles that are most out of distribution", "topk",
     top(REPTILES, "ood_score", 6, True)),
    ("best 10 label quality at severity 5", "topk", top(sev(5), "label_quality", 10, True)),

    # ---- labels ---------------------------------------------------------
    ("mislabelled dogs pls", "labels", AND(DOGS, ISSUE)),
    ("images missing a label", "labels", UNLABELED),
    ("unlabelled or mislabeled", "labels", OR(UNLABELED, ISSUE)),
    ("label errors in the heavy fog images", "labels", AND(ISSUE, FOG, HEAVY)),
    ("cats that have no label issues", "labels", AND(CATS, NO_ISSUE)),
    ("unlabeled samples with severity 5", "labels", AND(UNLABELED, sev(5))),
    ("label issues among the vehicles with ood above 0.5", "labels",
     AND(ISSUE, VEHICLES, ood(**gt(0.5)))),
    ("images with no labels and noise", "labels", AND(UNLABELED, NOISE)),
    ("wrongly labeled food", "labels", AND(FOODS, ISSUE)),
    ("labelled images in the weather family", "labels", AND(LABELED, WEATHER)),
    ("bad labels among insects", "labels", AND(INSECTS, ISSUE)),
    ("label issues on uncorrupted images", "labels", AND(ISSUE, CLEAN)),
    ("unlabelled pixelated images", "labels", AND(UNLABELED, corr("pixelate"))),
    ("mislabeled or unlabeled images at light severity", "labels",
     AND(OR(ISSUE, UNLABELED), LIGHT)),
    ("labelled images with label issues", "labels", AND(LABELED, ISSUE)),
    ("birds with correct labels", "labels", AND(BIRDS, NO_ISSUE)),
    ("missing-label images, no blur", "labels", AND(UNLABELED, NOT(BLUR))),

    # ---- refuse ---------------------------------------------------------
    ("giraffes", "refuse", "error"),
    ("pictures of horses in the snow", "refuse", "error"),
    ("blue convertibles", "refuse", "error"),
    ("dogs playing fetch", "refuse", "error"),
    ("sharks with motion blur", "refuse", "error"),
    ("tabbies on a sofa", "refuse", "error"),
    ("photos from last week", "refuse", "error"),
    ("poodles tabbies", "refuse", "error"),
    ("merge the dogs and cats into one class", "refuse", "error"),
    ("rename fog to haze", "refuse", "error"),
    ("upload the frosty images", "refuse", "error"),
    ("crop the bullfrogs", "refuse", "error"),
    ("train a classifier on the clean images", "refuse", "error"),
    ("email me the mislabeled samples", "refuse", "error"),
    ("dogs next to cats", "refuse", "error"),
    ("images whose ood score is higher than their label quality", "refuse", "error"),
    ("samples closest to the king penguins", "refuse", "error"),
    ("goldfish mistaken for jellyfish", "refuse", "error"),
    ("same source image as the foggy pics", "refuse", "error"),
    ("how many dogs are mislabeled?", "refuse", "error"),
    ("which corruption has the highest ood score", "refuse", "error"),
    ("what's the average label quality of the cats", "refuse", "error"),
    ("gimme the entire dataset", "refuse", "error"),
    ("all the data please", "refuse", "error"),
    ("every sample, clean or corrupted", "refuse", "error"),
    ("solarized images", "refuse", "error"),
    ("images with watermarks", "refuse", "error"),
    ("posterised cats", "refuse", "error"),
    ("thunderstorm pics", "refuse", "error"),
    ("clean images with frost", "refuse", "error"),
    ("uncorrupted samples at severity 4", "refuse", "error"),
    ("severity 7", "refuse", "error"),
    ("level 9 noise", "refuse", "error"),
    ("german shepherds without a label", "refuse", "error"),
]

"""HELDOUT_V10: a ninth, blind held-out set of prompts for the offline prompt parser.

Written on 2026-11-30, AFTER the eighth parser tuning round, because the
eight earlier held-out sets (``prompt_heldout_set.HELDOUT_V2``,
``prompt_heldout_v3.HELDOUT_V3``, ``prompt_heldout_v4.HELDOUT_V4``,
``prompt_heldout_v5.HELDOUT_V5``, ``prompt_heldout_v6.HELDOUT_V6``,
``prompt_heldout_v7.HELDOUT_V7``, ``prompt_heldout_v8.HELDOUT_V8`` and
``prompt_heldout_v9.HELDOUT_V9``) were measured and now feed tuning, so none
of them counts as held out any more. The author of this set did not read the
parser (``datadiver_fo/customize/prompt_parser.py``), the view spec
(``datadiver_fo/customize/viewspec.py``), ``datadiver_fo/customize/prompts.py``,
the tuning sets (``tests/prompt_eval_set.py``, ``tests/test_prompt_parser.py``),
the HELDOUT_V2, HELDOUT_V3, HELDOUT_V4, HELDOUT_V5, HELDOUT_V6, HELDOUT_V7,
HELDOUT_V8 or HELDOUT_V9 prompts, the README's discussion of the held-out
results or any benchmark output. Two greps for line numbers showed lines by
accident: eight opening lines of the HELDOUT_V2 case list (none of them is
reused here) and the rows of the README's held-out results table (figures
only, no prompts). Only the docstrings and helpers of :mod:`prompt_heldout_set`
and :mod:`prompt_heldout_v9`, the well-formedness checks
(``tests/heldout_checks.py``, ``tests/test_prompt_heldout_blind.py``), the
WordNet data file, the README's "Prompt to view" section (up to the held-out
table) and the argument handling of ``benchmarks/bench_prompts_heldout.py``
were read. The prompts are written in the author's own words, as users of a
Tiny-ImageNet-C explorer would type them: about 52% plain everyday requests
(a class or group, a corruption, a severity, or a combination, with typos
within one edit, plurals, British spellings, abbreviations, filler words,
upper and lower case and punctuation), about 36% harder ones (unions with
per-clause conditions, exclusions of families and groups, "everything except
...", score ranges and thresholds, top/bottom k with number words, severity
words, label states and splits with other conditions, words below classes)
and about 11% (32) prompts that must be refused. Typos were checked against the
words of the WordNet file (each is within one edit of exactly one of them),
never against the parser. The parser was not run on them before they were
committed; collisions with earlier sets were found by the overlap test and
reworded by hand, without the parser.

It must never be used for tuning: do not edit a prompt or an expectation
because the parser gets it wrong, do not add cases here, and do not copy these
prompts into a tuning set. New tuning cases go to ``tests/prompt_eval_set.py``.
``benchmarks/bench_prompts_heldout.py --set v10`` reports accuracy and the
silent-wrong rate on this set (every prompt counts as unseen);
``tests/test_prompt_heldout_blind.py`` only checks that the set is well formed.

Cases, expectations, the dataset (:func:`prompt_heldout_set.build_heldout_dataset`,
70 classes, 13,440 samples) and the checking (:func:`prompt_heldout_set.check`)
are those of :mod:`prompt_heldout_set`, and so are the meanings of the words
(see that module's docstring and that of :mod:`prompt_heldout_v9`; the
severity words and corruption synonyms are the README's). Expected sets are
predicates over raw sample fields and the WordNet file, never the parser's
output. The readings this set relies on, in the same spirit:

-   Words below a class in the data file's ``hyponyms`` table (``kind``) mean
    that class: "navel oranges" the orange, "Syrian bears" the brown bear,
    "boxcars" the freight car, "bulldozers" the tractor, "houseflies" the
    fly, "mandrills" the baboon, "vanilla ice cream" the ice cream.
-   Class lemmas and names: "chimps" = chimpanzee, "limos" = limousine, "soda
    bottles" = pop bottle, "rucksacks" = backpack, "popsicles" = ice lolly,
    "monarch butterflies" = monarch, "lady beetles" = ladybug, "trolley
    coaches" = trolleybus, "payphones" = pay-phone (joined spelling),
    "elephants" = African elephant (the elephant synset holds only it);
    "black widow spiders" is the narrower black widow (README: two class words
    in a row); "terrior", "teapott", "koalla", "jelyfish", "bananna",
    "guacamol", "alligater", "limousne", "mushrooom", "tarantla" are typos
    within one edit of exactly one word of the WordNet file, and so are the
    corruption and severity typos "specle", "pixlate", "contrasst",
    "elastik", "severiy", "moderat", "extrem".
-   Groups are WordNet synsets read from the file (members among the 70
    classes): "butterflies" (monarch), "monkeys" (baboon), "toy dogs"
    (Chihuahua), "sheepdogs" (German shepherd), "trucks" (the two vans),
    "wheeled vehicles", "self-propelled vehicles", "baked goods" (meat loaf,
    pretzel), "carnivores", "placental mammals", "seabirds", "aquatic birds",
    "wading birds" (black stork), "cnidarians" (jellyfish), "arthropods",
    "game equipment" (the three balls), "neckwear" (bow tie), "frozen
    desserts" and "desserts" (ice cream, ice lolly), "balls", "bottles",
    "condiments" (guacamole), "cruciferous vegetables" (cauliflower),
    "beetles" (ladybug), "apes" (chimpanzee, orangutan), "kitchen utensils"
    (teapot), "terriers", "penguins", "primates", "citrus", "public
    transport", "vans"; "cars", "vehicles", "animals", "birds", "insects",
    "food", "fruit" as in :mod:`prompt_heldout_set`. "<group> and <group>"
    before an exclusion is both groups.
-   Corruption words: "motion-blurred" is motion_blur; "jpeg-compressed" is
    jpeg_compression; "saturated" saturate, "spattered" spatter; the README's
    synonyms "out of focus" = defocus_blur, "salt and pepper noise" =
    impulse_noise, "overexposed" = brightness, "washed out" = contrast, "icy"
    = frost, "misty" = fog, "blocky" = pixelate, "muddy" = spatter, "grainy" =
    every noise corruption, "fuzzy" = every blur corruption; "blur family",
    "noise family", "the digital family", "extra corruptions" the families.
-   Severity words (the README's table): "lightest", "lowest severity",
    "mildest" = 1; "weak", "slight", "mild", "faint", "light" = 1-2;
    "moderate", "medium" = 3; "intense", "dense", "strong", "heavy" = 4-5;
    "most severe", "max severity", "worst", "extreme" = 5; "lvl"/"level" are
    severity; "severity from 2 to 4" inclusive; "greater than"/"less than"
    strict; a severity condition selects corrupted images only.
-   Scores, top k, labels, splits, unions and negations read as in
    :mod:`prompt_heldout_v9` ("above"/"over"/"greater than"/"higher than"/">"
    and "below"/"under"/"less than"/"lower than"/"<" strict; "at least"/"at
    most"/"no more than"/">="/"<="/"from a to b"/"between a and b"
    inclusive; "bottom N by uniqueness" the N lowest; number words and "a
    dozen"; "missing labels"/"without labels" no ground-truth label;
    "validation"/"training" the split tags; class exclusions over everything or
    over a corruption accept keeping or dropping unlabelled samples).
-   Refused: questions ("how many", "which", "are ... than"), actions
    ("delete", "export", "tag", "rename", "compare"), relations ("similar to",
    "next to", "bigger than", "duplicates of", one score against another,
    "wearing"), words outside the vocabulary and not one edit from any word of
    it ("zebras", "helicopters", "sushi", "sepia", "vignetting", "guitars",
    "tulips", "watermarked", "tuesday", "file size", "average"), the whole
    dataset, corruptions the benchmark lacks ("rainy", "glare"),
    contradictions (clean or uncorrupted images with a corruption or a
    severity) and a severity that does not exist (8).
"""
import prompt_heldout_set as ph
from prompt_heldout_set import *  # noqa: F401,F403 - the shared vocabulary, re-exported (its __all__)

# --------------------------------------------------------------------------
# WordNet groups this set needs beyond prompt_heldout_set's (read from the file)
# --------------------------------------------------------------------------

_one = ph._one

PENGUIN = _one("penguin", "penguin")
BUTTERFLY = _one("butterfly", "butterfly")
MONKEY = _one("monkey", "monkey")
TOY_DOG = _one("toy dog", "toy dog")
SHEPHERD_DOG = _one("sheepdog", "shepherd dog")
TRUCK = _one("truck", "truck")
WHEELED_VEHICLE = _one("wheeled vehicle", "wheeled vehicle")
SELF_PROPELLED = _one("self-propelled vehicle", "self-propelled vehicle")
BAKED_GOODS = _one("baked goods", "baked goods")
CARNIVORE = _one("carnivore", "carnivore")
PLACENTAL = _one("placental mammal", "placental")
AQUATIC_BIRD = _one("aquatic bird", "aquatic bird")
WADING_BIRD = _one("wading bird", "wading bird")
CNIDARIAN = _one("cnidarian", "coelenterate")
ARTHROPOD = _one("arthropod", "arthropod")
GAME_EQUIPMENT = _one("game equipment", "game equipment")
NECKWEAR = _one("neckwear", "neckwear")
CONDIMENT = _one("condiment", "condiment")
CRUCIFEROUS = _one("cruciferous vegetable", "cruciferous vegetable")
KITCHEN_UTENSIL = _one("kitchen utensil", "kitchen utensil")

# every lemma we lean on names one synset only in the file
for _w in ("penguin", "butterfly", "monkey", "toy dog", "sheepdog", "truck", "wheeled vehicle",
           "self-propelled vehicle", "baked goods", "carnivore", "placental mammal", "seabird",
           "aquatic bird", "wading bird", "cnidarian", "arthropod", "game equipment",
           "neckwear", "frozen dessert", "dessert", "ball", "bottle", "condiment",
           "cruciferous vegetable", "beetle", "ape", "kitchen utensil", "terrier", "mammal",
           "primate", "citrus", "public transport", "van", "amphibian", "snake", "elephant",
           "bird", "insect", "animal", "dog", "fruit", "reptile", "vehicle"):
    assert len(synsets_with_lemma(_w)) == 1, _w

# the words below classes that this set uses, read from the data file's hyponyms table
_KINDS = {w.lower(): v for v in ph._WN["hyponyms"].values() for w in v["lemmas"]}
for _w, _cls in (("navel orange", "orange"), ("syrian bear", "brown bear"),
                 ("boxcar", "freight car"), ("bulldozer", "tractor"), ("housefly", "fly"),
                 ("mandrill", "baboon"), ("vanilla ice cream", "ice cream")):
    assert _KINDS[_w]["relation"] == "kind" and _KINDS[_w]["of"] == [ph.CLASS_WNID[_cls]], _w

# class lemmas this set uses, read from the data file's classes
_CLASS_LEMMAS = {l.lower(): c["name"] for c in ph._WN["classes"] for l in c["lemmas"]}
for _w, _cls in (("chimp", "chimpanzee"), ("limo", "limousine"), ("soda bottle", "pop bottle"),
                 ("rucksack", "backpack"), ("popsicle", "ice lolly"),
                 ("monarch butterfly", "monarch"), ("lady beetle", "ladybug"),
                 ("trolley coach", "trolleybus"), ("pay-phone", "pay-phone")):
    assert _CLASS_LEMMAS[_w] == _cls, _w
assert ph._WN["plurals"]["geese"] == "goose"

VANS = group(VAN)
PRIMATES = group(PRIMATE)
MAMMALS = group(MAMMAL)
TERRIERS = group(TERRIER)
PENGUINS = group(PENGUIN)
EXTRA = fam("extra")
BLUR_FAMILY = fam("blur")
NOISE_FAMILY = fam("noise")
FOG, SNOW, FROST = corr("fog"), corr("snow"), corr("frost")



# --------------------------------------------------------------------------
# The cases: (prompt, form, expectation)
# --------------------------------------------------------------------------

HELDOUT_V10 = [
    # ---- class (everyday) ----
    ("pictures of king penguins", "class", cls("king penguin")),
    ("Orangutans", "class", cls("orangutan")),
    ("yorkshire terrior", "class", cls("Yorkshire terrier")),
    ("chimp pictures", "class", cls("chimpanzee")),
    ("black widow spider images", "class", cls("black widow")),
    ("gimme limos", "class", cls("limousine")),
    ("all the potpies", "class", cls("potpie")),
    ("PRETZELS", "class", cls("pretzel")),
    ("bell peppers", "class", cls("bell pepper")),
    ("soda bottle images", "class", cls("pop bottle")),
    ("rucksack images", "class", cls("backpack")),
    ("navel orange pictures", "class", cls("orange")),
    ("Syrian bears", "class", cls("brown bear")),
    ("boxcar images", "class", cls("freight car")),
    ("all bulldozers", "class", cls("tractor")),
    ("pictures of houseflies", "class", cls("fly")),
    ("mandrill images", "class", cls("baboon")),
    ("vanilla ice cream pictures", "class", cls("ice cream")),
    ("popsicle pictures", "class", cls("ice lolly")),
    ("monarch butterfly images", "class", cls("monarch")),
    ("show me lady beetles", "class", cls("ladybug")),
    ("teapott", "class", cls("teapot")),
    ("Christmas stockings", "class", cls("Christmas stocking")),
    ("koalla images", "class", cls("koala")),
    ("jelyfish", "class", cls("jellyfish")),
    ("bananna pictures", "class", cls("banana")),
    ("guacamol", "class", cls("guacamole")),
    ("trolley coach pictures", "class", cls("trolleybus")),
    ("American alligater", "class", cls("American alligator")),
    ("payphone imgs", "class", cls("pay-phone")),
    # ---- group (everyday) ----
    ("butterfly pictures", "group", group(BUTTERFLY)),
    ("all the monkeys", "group", group(MONKEY)),
    ("toy dog images", "group", group(TOY_DOG)),
    ("sheepdog pictures", "group", group(SHEPHERD_DOG)),
    ("truck images", "group", group(TRUCK)),
    ("wheeled vehicle images", "group", group(WHEELED_VEHICLE)),
    ("self-propelled vehicle pictures", "group", group(SELF_PROPELLED)),
    ("show me baked goods", "group", group(BAKED_GOODS)),
    ("carnivore samples", "group", group(CARNIVORE)),
    ("placental mammals", "group", group(PLACENTAL)),
    ("seabird images", "group", group(SEABIRD)),
    ("all aquatic birds", "group", group(AQUATIC_BIRD)),
    ("wading bird pictures", "group", group(WADING_BIRD)),
    ("images of cnidarians", "group", group(CNIDARIAN)),
    ("arthropod pictures", "group", group(ARTHROPOD)),
    ("pictures of game equipment", "group", group(GAME_EQUIPMENT)),
    ("neckwear", "group", group(NECKWEAR)),
    ("frozen dessert imgs", "group", group(FROZEN_DESSERT)),
    ("dessert images", "group", group(DESSERT)),
    ("the balls", "group", group(BALL)),
    ("bottles, pls", "group", group(BOTTLE)),
    ("condiment pictures", "group", group(CONDIMENT)),
    ("cruciferous vegetables", "group", group(CRUCIFEROUS)),
    ("beetle pictures", "group", group(BEETLE)),
    ("pictures of apes", "group", group(APE)),
    ("kitchen utensil pictures", "group", group(KITCHEN_UTENSIL)),
    # ---- corruption (everyday) ----
    ("motion-blurred images", "corruption", corr("motion_blur")),
    ("glass blur images", "corruption", corr("glass_blur")),
    ("defocus blur samples", "corruption", corr("defocus_blur")),
    ("Gaussian noise", "corruption", corr("gaussian_noise")),
    ("specle noise", "corruption", corr("speckle_noise")),
    ("shot noise pictures", "corruption", corr("shot_noise")),
    ("pixlate", "corruption", corr("pixelate")),
    ("jpeg-compressed images", "corruption", corr("jpeg_compression")),
    ("contrasst", "corruption", corr("contrast")),
    ("elastik transform", "corruption", corr("elastic_transform")),
    ("saturated pictures", "corruption", corr("saturate")),
    ("spattered pictures", "corruption", corr("spatter")),
    ("out of focus images", "corruption", corr("defocus_blur")),
    ("salt and pepper noise samples", "corruption", corr("impulse_noise")),
    ("overexposed pictures", "corruption", corr("brightness")),
    ("washed out pictures", "corruption", corr("contrast")),
    ("icy images", "corruption", corr("frost")),
    ("misty images", "corruption", corr("fog")),
    ("blocky images", "corruption", corr("pixelate")),
    ("muddy pictures", "corruption", corr("spatter")),
    ("grainy images", "corruption", NOISE),
    ("fuzzy images", "corruption", BLUR),
    ("the digital family", "corruption", DIGITAL),
    ("all weather corruptions", "corruption", WEATHER),
    ("the blur family, pls", "corruption", BLUR_FAMILY),
    ("images with the extra corruptions", "corruption", EXTRA),
    ("every corrupted sample", "corruption", CORRUPTED),
    # ---- severity (everyday and severity words) ----
    ("samples at severity 2", "severity", sev(2)),
    ("lvl 4 images", "severity", sev(4)),
    ("level 1 corruptions", "severity", sev(1)),
    ("severiy 3", "severity", sev(3)),
    ("images with severity >= 4", "severity", sev(4, 5)),
    ("corruptions with severity at most 2", "severity", sev(1, 2)),
    ("images with severity from 2 to 4", "severity", sev(2, 3, 4)),
    ("intense corruption samples", "severity", HEAVY),
    ("the lightest corruption", "severity", sev(1)),
    ("weak corruptions", "severity", LIGHT),
    ("most severe corruptions", "severity", sev(5)),
    ("images at the lowest severity", "severity", sev(1)),
    ("corruptions at max severity", "severity", sev(5)),
    ("slight corruptions", "severity", LIGHT),
    ("moderat corruptions", "severity", MODERATE),
    ("severity 1 or 2", "severity", sev(1, 2)),
    ("severity greater than 3", "severity", sev(4, 5)),
    ("severity less than 2", "severity", sev(1)),
    # ---- combo (everyday) ----
    ("koalas in dense fog", "combo", AND(cls("koala"), FOG, HEAVY)),
    ("tabbies with motion blur at severity 2",
     "combo", AND(cls("tabby"), corr("motion_blur"), sev(2))),
    ("sports cars, pixelated, level 3", "combo", AND(cls("sports car"), corr("pixelate"), sev(3))),
    ("school buses in the snow, severity 4", "combo", AND(cls("school bus"), SNOW, sev(4))),
    ("lemons with gaussian noise", "combo", AND(cls("lemon"), corr("gaussian_noise"))),
    ("clean bananas", "combo", AND(cls("banana"), CLEAN)),
    ("bee images, frost, lvl 5", "combo", AND(cls("bee"), FROST, sev(5))),
    ("cats with mild blur", "combo", AND(CATS, BLUR, LIGHT)),
    ("training images of dogs", "combo", AND(DOGS, TRAIN_SPLIT)),
    ("validation split birds", "combo", AND(BIRDS, VAL_SPLIT)),
    ("train split insects", "combo", AND(INSECTS, TRAIN_SPLIT)),
    ("validation vehicles", "combo", AND(VEHICLES, VAL_SPLIT)),
    ("cockroaches w/ spatter", "combo", AND(cls("cockroach"), corr("spatter"))),
    ("pizza in heavy snow", "combo", AND(cls("pizza"), SNOW, HEAVY)),
    ("sunglasses with extreme contrast", "combo", AND(cls("sunglasses"), corr("contrast"), sev(5))),
    ("grasshoppers at severity 3 with zoom blur",
     "combo", AND(cls("grasshopper"), corr("zoom_blur"), sev(3))),
    ("Persian cats, jpeg compression, severity 1",
     "combo", AND(cls("Persian cat"), corr("jpeg_compression"), sev(1))),
    ("umbrellas with strong brightness", "combo", AND(cls("umbrella"), corr("brightness"), HEAVY)),
    ("volleyballs and basketballs in fog", "combo", AND(cls("volleyball", "basketball"), FOG)),
    ("fruit with impulse noise at severity 5", "combo", AND(FRUITS, corr("impulse_noise"), sev(5))),
    ("vans in intense frost", "combo", AND(VANS, FROST, HEAVY)),
    ("clean orangutans", "combo", AND(cls("orangutan"), CLEAN)),
    ("jellyfish with faint speckle noise",
     "combo", AND(cls("jellyfish"), corr("speckle_noise"), LIGHT)),
    ("elephants with elastic transform, level 2",
     "combo", AND(cls("African elephant"), corr("elastic_transform"), sev(2))),
    ("geese in medium fog", "combo", AND(cls("goose"), FOG, MODERATE)),
    ("reptiles with weather corruptions at severity 1", "combo", AND(REPTILES, WEATHER, sev(1))),
    ("primates with slight noise", "combo", AND(PRIMATES, NOISE, LIGHT)),
    ("clean albatrosses", "combo", AND(cls("albatross"), CLEAN)),
    ("digital corruptions of ice lollies at severity 4",
     "combo", AND(cls("ice lolly"), DIGITAL, sev(4))),
    ("bow ties with extra corruptions at level 5", "combo", AND(cls("bow tie"), EXTRA, sev(5))),
    ("potpies and meatloaf at the mildest severity",
     "combo", AND(cls("potpie", "meat loaf"), sev(1))),
    ("limousne in extrem fog", "combo", AND(cls("limousine"), FOG, sev(5))),
    ("Mushrooom pictures with frost", "combo", AND(cls("mushroom"), FROST)),
    ("tarantla, contrast, severity 2",
     "combo", AND(cls("tarantula"), corr("contrast"), sev(2))),
    ("GOLDFISH WITH GLASS BLUR", "combo", AND(cls("goldfish"), corr("glass_blur"))),
    ("Labrador retrievers in the snow", "combo", AND(cls("Labrador retriever"), SNOW)),
    ("standard poodles, severity 4", "combo", AND(cls("standard poodle"), sev(4))),
    ("beer bottles with brightness", "combo", AND(cls("beer bottle"), corr("brightness"))),
    ("beach wagons at level 2", "combo", AND(cls("beach wagon"), sev(2))),
    ("chihuahuas with frost", "combo", AND(cls("Chihuahua"), FROST)),
    ("freight cars in heavy snow", "combo", AND(cls("freight car"), SNOW, HEAVY)),
    ("German shepherds, pixelated", "combo", AND(cls("German shepherd"), corr("pixelate"))),
    ("gimme pizzas in fog", "combo", AND(cls("pizza"), FOG)),
    ("Rugby balls", "class", cls("rugby ball")),
    ("imgs of the bullet train", "class", cls("bullet train")),
    # ---- union (hard) ----
    ("goldfish in frost or jellyfish in fog",
     "union", OR(AND(cls("goldfish"), FROST), AND(cls("jellyfish"), FOG))),
    ("koalas at severity 5 or chimps at severity 1",
     "union", OR(AND(cls("koala"), sev(5)), AND(cls("chimpanzee"), sev(1)))),
    ("clean tarantulas plus black widows with motion blur",
     "union", OR(AND(cls("tarantula"), CLEAN), AND(cls("black widow"), corr("motion_blur")))),
    ("frost at level 2 or contrast at level 4",
     "union", OR(AND(FROST, sev(2)), AND(corr("contrast"), sev(4)))),
    ("school buses with pixelate, or trolleybuses with jpeg compression",
     "union", OR(AND(cls("school bus"), corr("pixelate")),
                 AND(cls("trolleybus"), corr("jpeg_compression")))),
    ("ood score above 0.95 or uniqueness below 0.05", "union", OR(ood(**gt(0.95)), uniq(**lt(0.05)))),
    ("label quality under 0.15 or over 0.85", "union", OR(lq(**lt(0.15)), lq(**gt(0.85)))),
    ("lemons in heavy fog, and oranges in light snow",
     "union", OR(AND(cls("lemon"), FOG, HEAVY), AND(cls("orange"), SNOW, LIGHT))),
    ("tabby cats in fog or Egyptian cats in frost",
     "union", OR(AND(cls("tabby"), FOG), AND(cls("Egyptian cat"), FROST))),
    ("snow at severity 5 plus brightness at severity 1",
     "union", OR(AND(SNOW, sev(5)), AND(corr("brightness"), sev(1)))),
    ("bees in the snow or flies in frost",
     "union", OR(AND(cls("bee"), SNOW), AND(cls("fly"), FROST))),
    ("police vans at severity 3 or moving vans at severity 5",
     "union", OR(AND(cls("police van"), sev(3)), AND(cls("moving van"), sev(5)))),
    ("pretzels with gaussian noise or ice cream with shot noise",
     "union", OR(AND(cls("pretzel"), corr("gaussian_noise")),
                 AND(cls("ice cream"), corr("shot_noise")))),
    ("sports cars with zoom blur, or clean convertibles",
     "union", OR(AND(cls("sports car"), corr("zoom_blur")), AND(cls("convertible"), CLEAN))),
    ("uniqueness above 0.97 or ood score under 0.03",
     "union", OR(uniq(**gt(0.97)), ood(**lt(0.03)))),
    ("ladybugs in heavy fog or monarchs in light fog",
     "union", OR(AND(cls("ladybug"), FOG, HEAVY), AND(cls("monarch"), FOG, LIGHT))),
    ("unlabelled images in snow or label issues in fog",
     "union", OR(AND(UNLABELED, SNOW), AND(ISSUE, FOG))),
    ("baboons at the worst severity or clean chimpanzees",
     "union", OR(AND(cls("baboon"), sev(5)), AND(cls("chimpanzee"), CLEAN))),
    ("contrast at severity 1 or saturate at severity 5",
     "union", OR(AND(corr("contrast"), sev(1)), AND(corr("saturate"), sev(5)))),
    ("go-karts with glass blur or tractors with defocus blur",
     "union", OR(AND(cls("go-kart"), corr("glass_blur")), AND(cls("tractor"), corr("defocus_blur")))),
    ("bullfrogs in snow or salamanders in fog",
     "union", OR(AND(cls("bullfrog"), SNOW), AND(cls("European fire salamander"), FOG))),
    # ---- negation (hard) ----
    ("everything except weather corruptions", "negation", NOT(WEATHER)),
    ("everything except the noise family", "negation", NOT(NOISE_FAMILY)),
    ("everything but animals", "negation", not_class(ANIMALS)),
    ("all samples except vehicles", "negation", not_class(VEHICLES)),
    ("dogs but not terriers", "negation", AND(DOGS, NOT(TERRIERS))),
    ("birds except penguins", "negation", AND(BIRDS, NOT(PENGUINS))),
    ("insects but no bees", "negation", AND(INSECTS, NOT(cls("bee")))),
    ("all vehicles except cars", "negation", AND(VEHICLES, NOT(AUTOS))),
    ("food but not fruit", "negation", AND(FOODS, NOT(FRUITS))),
    ("fog images without geese", "negation", not_class(cls("goose"), FOG)),
    ("snow but no severity 5", "negation", AND(SNOW, NOT(sev(5)))),
    ("everything except blurry images", "negation", NOT(BLUR)),
    ("every corruption but fog", "negation", AND(CORRUPTED, NOT(FOG))),
    ("heavy corruptions except frost", "negation", AND(HEAVY, NOT(FROST))),
    ("mammals but not primates", "negation", AND(MAMMALS, NOT(PRIMATES))),
    ("cats except tabbies", "negation", AND(CATS, NOT(cls("tabby")))),
    ("everything except severity 5", "negation", NOT(sev(5))),
    ("corrupted images w/o noise", "negation", AND(CORRUPTED, NOT(NOISE))),
    ("vehicles but no public transport", "negation", AND(VEHICLES, NOT(group(PUBLIC_TRANSPORT)))),
    ("everything except the digital and extra families", "negation", NOT(OR(DIGITAL, EXTRA))),
    ("reptiles and amphibians but not snakes",
     "negation", AND(OR(REPTILES, group(AMPHIBIAN)), NOT(group(SNAKE)))),
    ("animals except mammals and birds", "negation", AND(ANIMALS, NOT(OR(MAMMALS, BIRDS)))),
    ("fruit but not citrus", "negation", AND(FRUITS, NOT(group(CITRUS)))),
    # ---- score (hard) ----
    ("ood score above 0.9", "score", ood(**gt(0.9))),
    ("out-of-distribution score below 0.1", "score", ood(**lt(0.1))),
    ("uniqueness between 0.2 and 0.3", "score", uniq(0.2, 0.3)),
    ("label quality at most 0.04", "score", lq(hi=0.04)),
    ("label quality >= 0.98", "score", lq(lo=0.98)),
    ("uniqueness < .02", "score", uniq(**lt(0.02))),
    ("ood score from 0.45 to 0.55", "score", ood(0.45, 0.55)),
    ("dogs with label quality under 0.3", "score", AND(DOGS, lq(**lt(0.3)))),
    ("fog images with ood score over 0.8", "score", AND(FOG, ood(**gt(0.8)))),
    ("heavy snow with uniqueness at least 0.9", "score", AND(SNOW, HEAVY, uniq(lo=0.9))),
    ("cats with label quality no more than 0.1", "score", AND(CATS, lq(hi=0.1))),
    ("ood score greater than 0.99", "score", ood(**gt(0.99))),
    ("vehicles with uniqueness higher than 0.95", "score", AND(VEHICLES, uniq(**gt(0.95)))),
    ("label quality less than 0.02", "score", lq(**lt(0.02))),
    ("ood > 0.97", "score", ood(**gt(0.97))),
    ("uniqueness <= 0.1 and ood score >= 0.9", "score", AND(uniq(hi=0.1), ood(lo=0.9))),
    ("label quality between 0.5 and 0.6 with gaussian noise",
     "score", AND(corr("gaussian_noise"), lq(0.5, 0.6))),
    ("snow images with ood score above 0.7", "score", AND(SNOW, ood(**gt(0.7)))),
    ("birds with out-of-distribution scores lower than 0.2", "score", AND(BIRDS, ood(**lt(0.2)))),
    ("uniqueness at least 0.99", "score", uniq(lo=0.99)),
    # ---- top k (hard) ----
    ("top 10 most out-of-distribution pictures", "topk", top(ALL, "ood_score", 10, True)),
    ("the five least unique pictures", "topk", top(ALL, "uniqueness", 5, False)),
    ("eight worst label quality samples", "topk", top(ALL, "label_quality", 8, False)),
    ("top twelve most unique", "topk", top(ALL, "uniqueness", 12, True)),
    ("3 best label quality", "topk", top(ALL, "label_quality", 3, True)),
    ("the 20 least out-of-distribution fog images", "topk", top(FOG, "ood_score", 20, False)),
    ("top five most out-of-distribution cats", "topk", top(CATS, "ood_score", 5, True)),
    ("bottom 6 by uniqueness", "topk", top(ALL, "uniqueness", 6, False)),
    ("ten lowest label quality dogs", "topk", top(DOGS, "label_quality", 10, False)),
    ("a dozen of the most unique vehicles", "topk", top(VEHICLES, "uniqueness", 12, True)),
    ("4 most out of distribution birds", "topk", top(BIRDS, "ood_score", 4, True)),
    ("15 most unique images with snow", "topk", top(SNOW, "uniqueness", 15, True)),
    ("the two worst label quality images in heavy fog",
     "topk", top(AND(FOG, HEAVY), "label_quality", 2, False)),
    ("seven least unique clean images", "topk", top(CLEAN, "uniqueness", 7, False)),
    ("top 30 most out-of-distribution corrupted images",
     "topk", top(CORRUPTED, "ood_score", 30, True)),
    ("eleven best label quality insects", "topk", top(INSECTS, "label_quality", 11, True)),
    ("nine least out of distribution koalas", "topk", top(cls("koala"), "ood_score", 9, False)),
    ("five least out-of-distribution mislabelled images",
     "topk", top(ISSUE, "ood_score", 5, False)),
    # ---- labels (hard) ----
    ("mislabeled pictures", "labels", ISSUE),
    ("pictures without labels", "labels", UNLABELED),
    ("unlabeled fog images", "labels", AND(UNLABELED, FOG)),
    ("labelled images in snow", "labels", AND(LABELED, SNOW)),
    ("dogs with label errors", "labels", AND(DOGS, ISSUE)),
    ("cat images without label issues", "labels", AND(CATS, NO_ISSUE)),
    ("images in the training split", "labels", TRAIN_SPLIT),
    ("validation split images", "labels", VAL_SPLIT),
    ("mislabeled heavy blur", "labels", AND(ISSUE, BLUR, HEAVY)),
    ("label issues at severity 5", "labels", AND(ISSUE, sev(5))),
    ("clean samples with label errors", "labels", AND(CLEAN, ISSUE)),
    ("missing labels with gaussian noise", "labels", AND(UNLABELED, corr("gaussian_noise"))),
    ("unlabelled or mislabelled images", "labels", OR(UNLABELED, ISSUE)),
    ("no label issues, severity 3", "labels", AND(NO_ISSUE, MODERATE)),
    ("validation images with label issues", "labels", AND(VAL_SPLIT, ISSUE)),
    ("training images without label issues", "labels", AND(TRAIN_SPLIT, NO_ISSUE)),
    ("mislabelled vehicles", "labels", AND(VEHICLES, ISSUE)),
    ("unlabelled corrupted images at level 4", "labels", AND(UNLABELED, sev(4))),
    ("label errors in the extra corruptions", "labels", AND(ISSUE, EXTRA)),
    # ---- refuse ----
    ("how many koalas are there?", "refuse", "error"),
    ("which classes have the most label issues?", "refuse", "error"),
    ("delete every blurry picture", "refuse", "error"),
    ("export the dog pictures", "refuse", "error"),
    ("tag the mislabeled cats as reviewed", "refuse", "error"),
    ("images similar to the first goldfish", "refuse", "error"),
    ("cats sitting next to dogs", "refuse", "error"),
    ("are dogs more out of distribution than cats", "refuse", "error"),
    ("images where the ood score is higher than the uniqueness", "refuse", "error"),
    ("zebras", "refuse", "error"),
    ("helicopters in fog", "refuse", "error"),
    ("sushi with heavy noise", "refuse", "error"),
    ("clean pretzels at severity 3", "refuse", "error"),
    ("uncorrupted images with frost", "refuse", "error"),
    ("severity 8", "refuse", "error"),
    ("rainy day pictures", "refuse", "error"),
    ("lens glare on buses", "refuse", "error"),
    ("all the images in the dataset", "refuse", "error"),
    ("sepia tone images", "refuse", "error"),
    ("dogs wearing santa hats", "refuse", "error"),
    ("duplicates of the school bus images", "refuse", "error"),
    ("rename the fog view", "refuse", "error"),
    ("average ood score of birds", "refuse", "error"),
    ("vignetting", "refuse", "error"),
    ("compare fog and snow", "refuse", "error"),
    ("tractors bigger than the buses", "refuse", "error"),
    ("uncorrupted pixelated lemons", "refuse", "error"),
    ("guitars and tulips", "refuse", "error"),
    ("watermarked images", "refuse", "error"),
    ("clean koalas in dense fog", "refuse", "error"),
    ("photos from last tuesday", "refuse", "error"),
    ("cats sorted by file size", "refuse", "error"),
]

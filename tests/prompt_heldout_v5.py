"""HELDOUT_V5: a fourth, blind held-out set of prompts for the offline prompt parser.

Written on 2026-11-30, AFTER the third parser tuning round, because the three
earlier held-out sets (``prompt_heldout_set.HELDOUT_V2``,
``prompt_heldout_v3.HELDOUT_V3`` and ``prompt_heldout_v4.HELDOUT_V4``) were
measured and now feed tuning, so none of them counts as held out any more.
The author of this set did not read the parser
(``datadiver_fo/customize/prompt_parser.py``), the view spec (``viewspec.py``),
the tuning sets (``tests/prompt_eval_set.py``, ``tests/test_prompt_parser.py``),
the HELDOUT_V2, HELDOUT_V3 or HELDOUT_V4 prompts or any benchmark output; only
the docstrings and helpers of :mod:`prompt_heldout_set`, :mod:`prompt_heldout_v3`
and :mod:`prompt_heldout_v4`, the well-formedness checks
(``tests/heldout_checks.py``, ``tests/test_prompt_heldout_blind.py``), the
public functions of ``datadiver_fo/io/wordnet.py``, the WordNet data file and
the README's "Prompt to view" section. The prompts are written in the author's
own words, as users of a Tiny-ImageNet-C explorer would type them (typos,
British spellings, abbreviations, plurals, number words, slang and filler words
included). The parser was not run on them before they were committed.

It must never be used for tuning: do not edit a prompt or an expectation
because the parser gets it wrong, do not add cases here, and do not copy these
prompts into a tuning set. New tuning cases go to ``tests/prompt_eval_set.py``.
``benchmarks/bench_prompts_heldout.py --set v5`` reports accuracy and the
silent-wrong rate on this set (every prompt counts as unseen);
``tests/test_prompt_heldout_blind.py`` only checks that the set is well formed.

Cases, expectations, the dataset (:func:`prompt_heldout_set.build_heldout_dataset`,
70 classes, 13,440 samples) and the checking (:func:`prompt_heldout_set.check`)
are those of :mod:`prompt_heldout_set`, and so are the meanings of the words
(see that module's docstring and those of :mod:`prompt_heldout_v3` and
:mod:`prompt_heldout_v4`; the severity words are the README's table). Expected
sets are predicates over raw sample fields and the WordNet file, never the
parser's output. A few readings this set relies on, in the same spirit:

-   Words below a class in the data file's ``hyponyms`` table (``kind``) mean
    that class: "grizzlies" and "Kodiak bears" the brown bear, "bonobos" the
    chimpanzee, "mandrills" the baboon, "katydids" and "locusts" the
    grasshopper, "bumblebees" and "honey bees" the bee, "goslings" the goose,
    "boxcars" the freight car, "bulldozers" the tractor, "navel oranges" the
    orange, "pepperoni pizzas" the pizza, "brollies" the umbrella. "bear
    cubs" (``young``) are WordNet's bear (the brown bear; the koala is a
    marsupial, and "koala bear" is a lemma of the koala).
-   Class lemmas: "popsicles" / "lollipops" = ice lolly, "trolley coaches" =
    trolleybus, "station waggons" = beach wagon, "paddy wagons" = police van,
    "knapsacks" = backpack, "alsatian dogs" = German shepherd, "ladybird
    beetles" = ladybug; "payphone" is a joined spelling of pay-phone;
    "kittens" are cats (the README's slang table); "pets" is WordNet's
    domestic animal (dogs and house cats), "clothes" clothing and "bugs"
    insects (``wordnet.GROUP_ALIASES``).
-   Groups are WordNet synsets read from the file: "dishes" = dish (pizza,
    potpie, meat loaf), "produce" = produce (the fruits, mushroom, bell pepper,
    cauliflower), "motor vehicles" = motor vehicle (cars, vans, go-kart; not
    the tractor), "aquatic birds" = all four birds, "carnivores" = dogs, cats
    and the brown bear, "game equipment" = the three balls, "phones" = the
    pay-phone, "eyeglasses" = spectacles (the sunglasses).
-   "pixellated" is the British spelling of pixelated; "JPEG artefacts" is
    jpeg_compression; "saturation" is saturate; "gaussian blur" is the one
    corruption, not every blur; "noise family" is the standard family.
-   "photos" and "pics" are filler like "pictures"; "a dozen" is 12, "a
    hundred" 100; "exceeding" is strict, "or more" / "or above" inclusive;
    "severity 2 to 4" is inclusive at both ends; "lable" (a common typo) and
    "mislabled" mean label / mislabeled.
-   Refused: corruptions or effects this benchmark lacks ("greyscale",
    "sepia", "rotated", "lens flare", "hail", "rain", "night"), relations
    between samples ("look like", "resemble", "misclassified as", "bigger
    than"), actions ("delete", "tag", "export"), a field the dataset lacks
    ("file size"), a word beside the classes ("pugs"), words outside the
    vocabulary ("red", "people holding") and whole-dataset requests.
"""
import prompt_heldout_set as ph
from prompt_heldout_set import *  # noqa: F401,F403 - the shared vocabulary, re-exported (its __all__)

# --------------------------------------------------------------------------
# WordNet groups this set needs beyond prompt_heldout_set's (read from the file)
# --------------------------------------------------------------------------

_one = ph._one

GREAT_APE = _one("great ape", "great ape")
MARSUPIAL = _one("marsupial", "marsupial")
CARNIVORE = _one("carnivore", "carnivore")
WADING_BIRD = _one("wading bird", "wading bird")
AQUATIC_BIRD = _one("aquatic bird", "aquatic bird")
ARTHROPOD = _one("arthropod", "arthropod")
CROCODILIAN = _one("crocodilian", "crocodilian reptile")
SPORTING_DOG = _one("gun dog", "sporting dog")
WORKING_DOG = _one("working dog", "working dog")
DOMESTIC_ANIMAL = _one("domestic animal", "domestic animal")
PENGUIN = _one("penguin", "penguin")
ELEPHANT = _one("elephant", "elephant")
FISH = _one("fish", "fish")
MOTOR_VEHICLE = _one("motor vehicle", "motor vehicle")
WHEELED_VEHICLE = _one("wheeled vehicle", "wheeled vehicle")
TRUCK = _one("truck", "truck")
DISH = _one("dish", "dish")
PRODUCE = _one("produce", "produce")
GAME_EQUIPMENT = _one("game equipment", "game equipment")
CLOTHING = _one("clothing", "clothing")
TELEPHONE = _one("phone", "telephone")
KITCHEN_UTENSIL = _one("kitchen utensil", "kitchen utensil")
SPECTACLES = _one("eyeglasses", "spectacles")

# every lemma we lean on names one synset only in the file
for _w in ("great ape", "marsupial", "carnivore", "waterbird", "wading bird", "aquatic bird",
           "arthropod", "arachnid", "serpent", "crocodilian", "gun dog", "working dog",
           "domestic animal", "house cat", "bear", "penguin", "elephant", "fish",
           "motor vehicle", "wheeled vehicle", "truck", "railcar", "dish", "produce",
           "citrus fruit", "veg", "game equipment", "phone", "kitchen utensil", "eyeglasses",
           "frozen dessert"):
    assert len(synsets_with_lemma(_w)) == 1, _w

GREAT_APES = group(GREAT_APE)
SPIDERS = group(ph.SPIDER)
PENGUINS = group(PENGUIN)
BEARS = group(BEAR)
EXTRA = fam("extra")
NOISE_FAMILY = fam("noise")
FOG, SNOW, FROST = corr("fog"), corr("snow"), corr("frost")


# --------------------------------------------------------------------------
# The cases: (prompt, form, expectation)
# --------------------------------------------------------------------------

HELDOUT_V5 = [
    # ---- class ----------------------------------------------------------
    ("chihuahua pics plz", "class", cls("Chihuahua")),
    ("golden retreiver", "class", cls("golden retriever")),
    ("alsatian dogs", "class", cls("German shepherd")),
    ("grizzlies", "class", cls("brown bear")),
    ("Kodiak bears", "class", cls("brown bear")),
    ("honey bees", "class", cls("bee")),
    ("bumblebee photos", "class", cls("bee")),
    ("ladybird beetles", "class", cls("ladybug")),
    ("katydids and locusts", "class", cls("grasshopper")),
    ("trolley coaches", "class", cls("trolleybus")),
    ("station waggons", "class", cls("beach wagon")),
    ("paddy wagons", "class", cls("police van")),
    ("boxcars", "class", cls("freight car")),
    ("bulldozers", "class", cls("tractor")),
    ("popsicles and lollipops", "class", cls("ice lolly")),
    ("pepperoni pizzas", "class", cls("pizza")),
    ("navel oranges", "class", cls("orange")),
    ("brollies", "class", cls("umbrella")),
    ("knapsacks", "class", cls("backpack")),
    ("payphone pictures", "class", cls("pay-phone")),
    ("chimpanzes", "class", cls("chimpanzee")),
    ("bonobos or mandrills", "class", cls("chimpanzee", "baboon")),
    ("koala bear photos", "class", cls("koala")),
    ("pinguins", "class", cls("king penguin")),
    ("limosines", "class", cls("limousine")),
    ("pics of tarantulas", "class", cls("tarantula")),
    # ---- group ----------------------------------------------------------
    ("the great apes", "group", GREAT_APES),
    ("marsupials", "group", group(MARSUPIAL)),
    ("all the carnivores", "group", group(CARNIVORE)),
    ("waterbirds", "group", group(WATERFOWL)),
    ("wading birds", "group", group(WADING_BIRD)),
    ("aquatic birds", "group", group(AQUATIC_BIRD)),
    ("arthropods", "group", group(ARTHROPOD)),
    ("serpent images", "group", group(SNAKE)),
    ("crocodilians", "group", group(CROCODILIAN)),
    ("gun dogs", "group", group(SPORTING_DOG)),
    ("working dogs", "group", group(WORKING_DOG)),
    ("pets", "group", group(DOMESTIC_ANIMAL)),
    ("kittens", "group", CATS),
    ("bear cubs", "group", BEARS),
    ("motor vehicles", "group", group(MOTOR_VEHICLE)),
    ("truck pics", "group", group(TRUCK)),
    ("pictures of public transport", "group", group(PUBLIC_TRANSPORT)),
    ("railcars", "group", group(RAILWAY_CAR)),
    ("dishes", "group", group(DISH)),
    ("frozen dessert samples", "group", group(FROZEN_DESSERT)),
    ("citrus fruit pics", "group", group(CITRUS)),
    ("veg pics", "group", group(VEGETABLE)),
    ("produce", "group", group(PRODUCE)),
    ("game equipment", "group", group(GAME_EQUIPMENT)),
    ("clothes", "group", group(CLOTHING)),
    ("phones", "group", group(TELEPHONE)),
    ("kitchen utensils", "group", group(KITCHEN_UTENSIL)),
    ("eyeglasses", "group", group(SPECTACLES)),
    ("fishes", "group", group(FISH)),
    ("bugs", "group", INSECTS),
    ("amphibian photos", "group", group(AMPHIBIAN)),
    # ---- corruption -----------------------------------------------------
    ("pixellated images", "corruption", corr("pixelate")),
    ("images with JPEG artefacts", "corruption", corr("jpeg_compression")),
    ("speckle noise and gaussian noise", "corruption", corr("speckle_noise", "gaussian_noise")),
    ("glass-blurred pictures", "corruption", corr("glass_blur")),
    ("zoom blurred samples", "corruption", corr("zoom_blur")),
    ("defocus blur or motion blur", "corruption", corr("defocus_blur", "motion_blur")),
    ("snowy pics", "corruption", SNOW),
    ("frosted pics", "corruption", FROST),
    ("foggy photos", "corruption", FOG),
    ("brightnes corruption", "corruption", corr("brightness")),
    ("contrast corruptions", "corruption", corr("contrast")),
    ("elastic transfom", "corruption", corr("elastic_transform")),
    ("spattered photos", "corruption", corr("spatter")),
    ("saturation corruption", "corruption", corr("saturate")),
    ("impuls noise", "corruption", corr("impulse_noise")),
    ("gaussion blur", "corruption", corr("gaussian_blur")),
    ("noise family corruptions", "corruption", NOISE_FAMILY),
    ("the digital corruptions", "corruption", DIGITAL),
    ("the extra family", "corruption", EXTRA),
    ("blurry or noisy", "corruption", OR(BLUR, NOISE)),
    ("all corrupted samples", "corruption", CORRUPTED),
    ("clean pictures", "corruption", CLEAN),
    # ---- severity -------------------------------------------------------
    ("sev 2", "severity", sev(2)),
    ("lvl 4 corruptions", "severity", sev(4)),
    ("severity of at least 4", "severity", sev(4, 5)),
    ("severity below 3", "severity", sev(1, 2)),
    ("corruptions at the mildest level", "severity", sev(1)),
    ("faint corruptions", "severity", LIGHT),
    ("medium severity", "severity", MODERATE),
    ("harsh corruption", "severity", HEAVY),
    ("maximum severity", "severity", sev(5)),
    ("severity 2 to 4", "severity", sev(2, 3, 4)),
    ("severities 1 and 5", "severity", sev(1, 5)),
    ("severity >= 3", "severity", sev(3, 4, 5)),
    ("the most severe images", "severity", sev(5)),
    ("severety one", "severity", sev(1)),
    ("intense corruption pics", "severity", HEAVY),
    ("severity level 3 or above", "severity", sev(3, 4, 5)),
    ("subtle corruption", "severity", LIGHT),
    # ---- combo ----------------------------------------------------------
    ("chihuahuas with severe motion blur", "combo",
     AND(cls("Chihuahua"), corr("motion_blur"), HEAVY)),
    ("penguins in dense fog", "combo", AND(PENGUINS, FOG, HEAVY)),
    ("koalas w/ frost at lvl 2", "combo", AND(cls("koala"), FROST, sev(2))),
    ("sports cars in mild snow", "combo", AND(cls("sports car"), SNOW, LIGHT)),
    ("pixelated pizza at severity 5", "combo", AND(cls("pizza"), corr("pixelate"), sev(5))),
    ("noisy insects, severity 4 or more", "combo", AND(INSECTS, NOISE, sev(4, 5))),
    ("clean lemons", "combo", AND(cls("lemon"), CLEAN)),
    ("corrupted teapots at the worst severity", "combo", AND(cls("teapot"), sev(5))),
    ("spiders with weather corruptions", "combo", AND(SPIDERS, WEATHER)),
    ("vans with moderate blur", "combo", AND(group(VAN), BLUR, MODERATE)),
    ("reptiles, digital family, severity 1", "combo", AND(REPTILES, DIGITAL, sev(1))),
    ("snowy geese", "combo", AND(cls("goose"), SNOW)),
    ("baboons with level 3 gaussian noise", "combo",
     AND(cls("baboon"), corr("gaussian_noise"), sev(3))),
    ("jellyfish with light elastic transform", "combo",
     AND(cls("jellyfish"), corr("elastic_transform"), LIGHT)),
    ("ice cream with sev 5 brightness", "combo", AND(cls("ice cream"), corr("brightness"), sev(5))),
    ("frosty bullet trains, mildest level", "combo", AND(cls("bullet train"), FROST, sev(1))),
    ("school buses w/ extreme contrast", "combo", AND(cls("school bus"), corr("contrast"), sev(5))),
    ("cats in speckle noise severity 2 or 3", "combo", AND(CATS, corr("speckle_noise"), sev(2, 3))),
    ("grashoppers with zoom blur", "combo", AND(cls("grasshopper"), corr("zoom_blur"))),
    # ---- union ----------------------------------------------------------
    ("glass blur at severity 2 or spatter at severity 4", "union",
     OR(AND(corr("glass_blur"), sev(2)), AND(corr("spatter"), sev(4)))),
    ("lemons in fog or bananas in frost", "union",
     OR(AND(cls("lemon"), FOG), AND(cls("banana"), FROST))),
    ("tractors with heavy snow or go-karts with light fog", "union",
     OR(AND(cls("tractor"), SNOW, HEAVY), AND(cls("go-kart"), FOG, LIGHT))),
    ("level 1 zoom blur and level 5 zoom blur", "union", AND(corr("zoom_blur"), sev(1, 5))),
    ("bees with shot noise, or flies with impulse noise", "union",
     OR(AND(cls("bee"), corr("shot_noise")), AND(cls("fly"), corr("impulse_noise")))),
    ("clean pizzas or pizzas at severity 5", "union", AND(cls("pizza"), OR(CLEAN, sev(5)))),
    ("orangutans with mild noise or chimps with heavy noise", "union",
     OR(AND(cls("orangutan"), NOISE, LIGHT), AND(cls("chimpanzee"), NOISE, HEAVY))),
    ("label issues or label quality under 0.1", "union", OR(ISSUE, lq(hi=0.1, hi_incl=False))),
    ("fog sev 5, frost sev 3, snow sev 1", "union",
     OR(AND(FOG, sev(5)), AND(FROST, sev(3)), AND(SNOW, sev(1)))),
    ("clean boas, and alligators with any blur", "union",
     OR(AND(cls("boa constrictor"), CLEAN), AND(cls("American alligator"), BLUR))),
    ("severity 1 contrast or severity 5 saturation", "union",
     OR(AND(corr("contrast"), sev(1)), AND(corr("saturate"), sev(5)))),
    ("pixelated cauliflower or mushrooms w/ jpeg compression", "union",
     OR(AND(cls("cauliflower"), corr("pixelate")), AND(cls("mushroom"), corr("jpeg_compression")))),
    ("albatrosses in the worst fog or storks in the mildest frost", "union",
     OR(AND(cls("albatross"), FOG, sev(5)), AND(cls("black stork"), FROST, sev(1)))),
    ("dogs in snow at severity 4, or kittens in snow at severity 2", "union",
     OR(AND(DOGS, SNOW, sev(4)), AND(CATS, SNOW, sev(2)))),
    ("mislabled volleyballs or unlabelled images with motion blur", "union",
     OR(AND(cls("volleyball"), ISSUE), AND(UNLABELED, corr("motion_blur")))),
    # ---- negation -------------------------------------------------------
    ("everything except fog and frost", "negation", NOT(OR(FOG, FROST))),
    ("everything but the weather family", "negation", NOT(WEATHER)),
    ("dogs excluding poodles", "negation", AND(DOGS, NOT(cls("standard poodle")))),
    ("insects but no bees or flies", "negation", AND(INSECTS, NOT(cls("bee", "fly")))),
    ("vehicles except cars", "negation", AND(VEHICLES, NOT(AUTOS))),
    ("all but the animals", "negation", not_class(ANIMALS)),
    ("exclude all food", "negation", not_class(FOODS)),
    ("cats without any noise", "negation", AND(CATS, NOT(NOISE))),
    ("birds, no penguins, no clean", "negation", AND(BIRDS, NOT(PENGUINS), CORRUPTED)),
    ("exclude severity 4 and 5", "negation", NOT(sev(4, 5))),
    ("weather except brightness", "negation", AND(WEATHER, NOT(corr("brightness")))),
    ("noise but not speckle noise", "negation", AND(NOISE, NOT(corr("speckle_noise")))),
    ("animals except dogs", "negation", AND(ANIMALS, NOT(DOGS))),
    ("foods w/o blur", "negation", AND(FOODS, NOT(BLUR))),
    ("everything except the extra and digital families", "negation", NOT(OR(EXTRA, DIGITAL))),
    ("corrupted images except for pixelate", "negation", AND(CORRUPTED, NOT(corr("pixelate")))),
    ("vans but not moving vans", "negation", AND(group(VAN), NOT(cls("moving van")))),
    ("no mammals and no clean images", "negation", not_class(group(ph.MAMMAL), base=CORRUPTED)),
    # ---- score ----------------------------------------------------------
    ("ood score over 0.85", "score", ood(0.85, lo_incl=False)),
    ("out of distribution score between 0.2 and 0.3", "score", ood(0.2, 0.3)),
    ("label quality at most 0.05", "score", lq(hi=0.05)),
    ("uniqueness >= .9", "score", uniq(0.9)),
    ("label qual below 0.3", "score", lq(hi=0.3, hi_incl=False)),
    ("OOD < 0.1", "score", ood(hi=0.1, hi_incl=False)),
    ("uniqueness between 0.45 and 0.55", "score", uniq(0.45, 0.55)),
    ("label quality of at least 0.99", "score", lq(0.99)),
    ("dogs with ood above 0.9", "score", AND(DOGS, ood(0.9, lo_incl=False))),
    ("uniqueness less than 0.25 and label quality greater than 0.75", "score",
     AND(uniq(hi=0.25, hi_incl=False), lq(0.75, lo_incl=False))),
    ("ood scores under 0.02 or above 0.98", "score",
     OR(ood(hi=0.02, hi_incl=False), ood(0.98, lo_incl=False))),
    ("heavy fog with label quality <= 0.2", "score", AND(FOG, HEAVY, lq(hi=0.2))),
    ("uniqueness of 0.5 or more", "score", uniq(0.5)),
    ("ood between .6 and .65 in the noise family", "score", AND(ood(0.6, 0.65), NOISE_FAMILY)),
    ("out-of-distribution scores exceeding 0.93", "score", ood(0.93, lo_incl=False)),
    ("uniqueness above 0.97 or below 0.03", "score",
     OR(uniq(0.97, lo_incl=False), uniq(hi=0.03, hi_incl=False))),
    # ---- topk -----------------------------------------------------------
    ("10 most OOD dogs", "topk", top(DOGS, "ood_score", 10, True)),
    ("the twenty least unique images", "topk", top(ALL, "uniqueness", 20, False)),
    ("lowest label quality, top 15", "topk", top(ALL, "label_quality", 15, False)),
    ("8 most unique birds", "topk", top(BIRDS, "uniqueness", 8, True)),
    ("a dozen cats with the worst label quality", "topk", top(CATS, "label_quality", 12, False)),
    ("7 least unique fruits", "topk", top(FRUITS, "uniqueness", 7, False)),
    ("best label quality 25", "topk", top(ALL, "label_quality", 25, True)),
    ("five least out-of-distribution pizzas", "topk", top(cls("pizza"), "ood_score", 5, False)),
    ("40 most out-of-distribution heavy fog images", "topk",
     top(AND(FOG, HEAVY), "ood_score", 40, True)),
    ("fifty lowest label quality samples", "topk", top(ALL, "label_quality", 50, False)),
    ("a hundred most unique pictures", "topk", top(ALL, "uniqueness", 100, True)),
    ("three most ood vehicles at severity 1", "topk",
     top(AND(VEHICLES, sev(1)), "ood_score", 3, True)),
    ("6 mislabelled samples with the best label quality", "topk",
     top(ISSUE, "label_quality", 6, True)),
    ("top nine most unique snowy images", "topk", top(SNOW, "uniqueness", 9, True)),
    ("lowest 10 ood scores among spiders", "topk", top(SPIDERS, "ood_score", 10, False)),
    ("glass blur, 30 highest ood", "topk",
     top(corr("glass_blur"), "ood_score", 30, True)),
    # ---- labels ---------------------------------------------------------
    ("mislabelled cats", "labels", AND(CATS, ISSUE)),
    ("images without labels", "labels", UNLABELED),
    ("unlabeled corrupted pics", "labels", AND(UNLABELED, CORRUPTED)),
    ("vehicles with label issues", "labels", AND(VEHICLES, ISSUE)),
    ("train pictures of birds", "labels", AND(TRAIN_SPLIT, BIRDS)),
    ("the val split", "labels", VAL_SPLIT),
    ("missing labels at severity 5", "labels", AND(UNLABELED, sev(5))),
    ("foods with no label issues", "labels", AND(FOODS, NO_ISSUE)),
    ("labelling errors with heavy blur", "labels", AND(ISSUE, BLUR, HEAVY)),
    ("validation images of insects", "labels", AND(VAL_SPLIT, INSECTS)),
    ("unlabelled images in fog", "labels", AND(UNLABELED, FOG)),
    ("mislabeled training samples", "labels", AND(ISSUE, TRAIN_SPLIT)),
    ("wrongly labeled fruit", "labels", AND(FRUITS, ISSUE)),
    ("label issues with label quality under 0.5", "labels", AND(ISSUE, lq(hi=0.5, hi_incl=False))),
    ("noisy unlabelled images", "labels", AND(NOISE, UNLABELED)),
    ("val pics without label issues", "labels", AND(VAL_SPLIT, NO_ISSUE)),
    ("reptiles with lable issues", "labels", AND(REPTILES, ISSUE)),
    # ---- refuse ---------------------------------------------------------
    ("delete every mislabelled image", "refuse", "error"),
    ("dogs that look like bears", "refuse", "error"),
    ("tabbies that resemble persian cats", "refuse", "error"),
    ("the entire dataset", "refuse", "error"),
    ("every picture", "refuse", "error"),
    ("photos in the rain", "refuse", "error"),
    ("night-time shots of cars", "refuse", "error"),
    ("hail corruption", "refuse", "error"),
    ("lens flare", "refuse", "error"),
    ("rotated teapots", "refuse", "error"),
    ("images with a sepia filter", "refuse", "error"),
    ("tag heavy fog as hard", "refuse", "error"),
    ("sort bananas by file size", "refuse", "error"),
    ("geese misclassified as albatrosses", "refuse", "error"),
    ("people holding umbrellas", "refuse", "error"),
    ("red cars", "refuse", "error"),
    ("pugs", "refuse", "error"),
    ("greyscale pictures", "refuse", "error"),
    ("export all jellyfish to csv", "refuse", "error"),
    ("elephants bigger than koalas", "refuse", "error"),
    ("show every sample in the dataset", "refuse", "error"),
]

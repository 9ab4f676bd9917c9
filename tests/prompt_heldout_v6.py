"""HELDOUT_V6: a fifth, blind held-out set of prompts for the offline prompt parser.

Written on 2026-11-30, AFTER the fourth parser tuning round, because the four
earlier held-out sets (``prompt_heldout_set.HELDOUT_V2``,
``prompt_heldout_v3.HELDOUT_V3``, ``prompt_heldout_v4.HELDOUT_V4`` and
``prompt_heldout_v5.HELDOUT_V5``) were measured and now feed tuning, so none
of them counts as held out any more. The author of this set did not read the
parser (``datadiver_fo/customize/prompt_parser.py``), the view spec
(``viewspec.py``), the tuning sets (``tests/prompt_eval_set.py``,
``tests/test_prompt_parser.py``), the HELDOUT_V2, HELDOUT_V3, HELDOUT_V4 or
HELDOUT_V5 prompts or any benchmark output; only the docstrings and helpers of
:mod:`prompt_heldout_set`, :mod:`prompt_heldout_v3`, :mod:`prompt_heldout_v4`
and :mod:`prompt_heldout_v5`, the well-formedness checks
(``tests/heldout_checks.py``, ``tests/test_prompt_heldout_blind.py``), the
public names of ``datadiver_fo/io/wordnet.py`` (``GROUP_ALIASES``), the
WordNet data file and the README's "Prompt to view" section. The prompts are
written in the author's own words, as users of a Tiny-ImageNet-C explorer
would type them (typos, British spellings, abbreviations, plurals, number
words, contractions, filler words and longer multi-part requests included).
The parser was not run on them before they were committed; collisions with
earlier sets were found by the overlap test and reworded without the parser.

It must never be used for tuning: do not edit a prompt or an expectation
because the parser gets it wrong, do not add cases here, and do not copy these
prompts into a tuning set. New tuning cases go to ``tests/prompt_eval_set.py``.
``benchmarks/bench_prompts_heldout.py --set v6`` reports accuracy and the
silent-wrong rate on this set (every prompt counts as unseen);
``tests/test_prompt_heldout_blind.py`` only checks that the set is well formed.

Cases, expectations, the dataset (:func:`prompt_heldout_set.build_heldout_dataset`,
70 classes, 13,440 samples) and the checking (:func:`prompt_heldout_set.check`)
are those of :mod:`prompt_heldout_set`, and so are the meanings of the words
(see that module's docstring and those of :mod:`prompt_heldout_v3`,
:mod:`prompt_heldout_v4` and :mod:`prompt_heldout_v5`; the severity words are
the README's table). Expected sets are predicates over raw sample fields and
the WordNet file, never the parser's output. A few readings this set relies
on, in the same spirit:

-   Words below a class in the data file's ``hyponyms`` table (``kind``) mean
    that class: "german cockroaches" the cockroach, "houseflies" the fly,
    "soft pretzels" the pretzel, "vanilla ice cream" the ice cream, "jaffa
    oranges" the orange, "kit bags" the backpack, "pantechnicons" the moving
    van, "shooting brakes" the beach wagon, "canada geese" the goose,
    "chacma baboons" the baboon. "snow geese" is a kind of goose too, but in
    a corruption explorer it may also be read as geese in snow (``any_of``).
-   Class lemmas and spellings: "german police dogs" = German shepherd,
    "mollymawks" = albatross, "orangutangs" = orangutan, "lady beetles" =
    ladybug, "monarch butterflies" = monarch, "trackless trolleys" =
    trolleybus, "black marias" = police van, "dark glasses" = sunglasses,
    "meatloaf" = meat loaf; "bull frogs", "go karts", "pot pies", "pay phones"
    are names written apart; "xmas" is Christmas; "fire salamanders" is the
    European fire salamander without its proper modifier (no other class is
    a fire salamander); "yorkie" is the README's slang; "gators" is a lemma
    of WordNet's alligator (the American alligator); "chiuahuas",
    "tarantla", "limosine", "sevrity" and "uniquness" are typos.
-   Groups are WordNet synsets read from the file: "canines" = canine (the
    six dogs), "domesticated animals" = domestic animal (dogs and house
    cats), "sheepdogs" = shepherd dog (the German shepherd), "toy dogs" = toy
    dog (the Chihuahua), "coaches" = bus (a lemma of WordNet's bus: school
    bus, trolleybus), "motorcars" = car, "self-propelled vehicles" (the cars,
    vans, go-kart and tractor), "waders" = wading bird (the black stork),
    "sea birds" = seabird, "cnidarians" = coelenterate (the jellyfish),
    "vertebrates", "citrus fruits", "condiments" (guacamole), "specs" =
    spectacles (the sunglasses), "neckties" = necktie (the bow tie),
    "bottles and bags" = bottle or bag (the two bottles and the backpack),
    "apes and monkeys" = ape or monkey (all three
    primates), "fruit and veg" = fruit or vegetable, "bears" = bear (the
    brown bear), "penguins" = penguin; "beasts" = animal
    (``wordnet.GROUP_ALIASES``).
-   Corruption words: "jpg" is jpeg; "pixelation" pixelate; "speckled"
    speckle noise; "spattered" spatter; "saturated colours" saturate;
    "brightened" brightness; "low-contrast" contrast; "defocused" defocus
    blur; "elastic" elastic_transform; "motion or zoom blur" the two blurs.
-   Severity words: "lightest corruption level" = 1; "mildly" and "faint" =
    1-2; "heavily" and "intense" = 4-5; "most severe" = 5; "anything over
    sev 3" = 4-5; "at most level 2" = corrupted at 1-2; "at 5" after a
    corruption is severity 5; "severity 6" does not exist and is refused.
-   Scores: "outside a to b" is below a or above b (both strict, the
    complement of the inclusive range); "greater than x but less than y" is
    strict at both ends; "up to", "no more than", "no less than", "or
    higher", "or more" are inclusive; "exceeding" and "over" are strict;
    "from a to b" is inclusive.
-   Top k: "bottom N by X" and "N lowest X" are the N lowest; "worst N by
    label quality" / "worst label quality" the lowest label quality, "best
    label quality" the highest; "a dozen" is 12, "half a dozen" 6.
-   Labels: "clean labels" and "correctly labelled" mean ``label_issue``
    False (not uncorrupted images); over the whole dataset either reading of
    the unlabelled samples is accepted (``any_of``). "labelled" means a
    ground-truth label exists; "label errors", "wrong labels",
    "mislabelled"/"mislabeled" are label issues; "missing labels",
    "unlabelled"/"unlabeled" are samples without a ground-truth label.
-   Unions: "..., both at severity 3" shares the severity between the two
    clauses; "+", ", plus", ", and" and "or" between clauses that bring their
    own class, corruption or severity make a union; a trailing "but no label
    issues" applies to every clause.
-   Negations: class and group exclusions over the whole dataset accept
    keeping or dropping unlabelled samples (``not_class``); corruption,
    family and severity exclusions keep clean images; "non-digital
    corruptions" are corrupted images only.
-   Refused: unlabelled images of a class ("unlabelled tabbies", "cats with
    no label"), clean images with a severity or a corruption, severity 6,
    corruptions this benchmark lacks ("sandstorm", "chromatic aberration",
    "underexposed", "vignetting"), actions ("remove", "download", "retag",
    "relabel", "count"), relations between samples or groups ("confused
    with", "similar to", "near-duplicates", "predicted as", "more ... than",
    one score against another), questions about the dataset ("which class"),
    whole-dataset requests ("the whole dataset", "every image", "clean and
    corrupted images") and words outside the vocabulary ("wearing hats",
    "people", "yellow", "beagles" beside the dog classes, "from 2019").
"""
import prompt_heldout_set as ph
from prompt_heldout_set import *  # noqa: F401,F403 - the shared vocabulary, re-exported (its __all__)

# --------------------------------------------------------------------------
# WordNet groups this set needs beyond prompt_heldout_set's (read from the file)
# --------------------------------------------------------------------------

_one = ph._one

CANINE = _one("canid", "canine")
DOMESTIC_ANIMAL = _one("domestic animal", "domestic animal")
SHEPHERD_DOG = _one("sheepdog", "shepherd dog")
TOY_DOG = _one("toy dog", "toy dog")
SELF_PROPELLED = _one("self-propelled vehicle", "self-propelled vehicle")
WADING_BIRD = _one("wader", "wading bird")
COELENTERATE = _one("cnidarian", "coelenterate")
VERTEBRATE = _one("vertebrate", "vertebrate")
CONDIMENT = _one("condiment", "condiment")
SPECTACLES = _one("specs", "spectacles")
NECKTIE = _one("necktie", "necktie")
MONKEY = _one("monkey", "monkey")
BAG = _one("bag", "bag")
PENGUIN = _one("penguin", "penguin")

# every lemma we lean on names one synset only in the file
for _w in ("canine", "canid", "domestic animal", "sheepdog", "toy dog", "coach", "motorcar",
           "self-propelled vehicle", "wader", "sea bird", "cnidarian", "vertebrate",
           "citrus fruit", "condiment", "specs", "necktie", "ape", "monkey",
           "bag", "bottle", "veg", "fruit", "penguin", "bear", "reptile", "amphibian", "primate",
           "mammal", "spider", "retriever", "terrier"):
    assert len(synsets_with_lemma(_w)) == 1, _w

# the words below classes that this set uses, read from the data file's hyponyms table
_KINDS = {w.lower(): v for v in ph._WN["hyponyms"].values() for w in v["lemmas"]}
for _w, _cls in (("german cockroach", "cockroach"), ("housefly", "fly"),
                 ("soft pretzel", "pretzel"), ("vanilla ice cream", "ice cream"),
                 ("jaffa orange", "orange"), ("kit bag", "backpack"),
                 ("pantechnicon", "moving van"), ("shooting brake", "beach wagon"),
                 ("canada goose", "goose"), ("snow goose", "goose"), ("chacma", "baboon")):
    assert _KINDS[_w]["relation"] == "kind" and _KINDS[_w]["of"] == [ph.CLASS_WNID[_cls]], _w

DOG_CLASSES = DOGS
SPIDERS = group(SPIDER)
AMPHIBIANS = group(AMPHIBIAN)
PRIMATES = group(PRIMATE)
PENGUINS = group(PENGUIN)
BEARS = group(BEAR)
VEG = group(VEGETABLE)
EXTRA = fam("extra")
NOISE_FAMILY = fam("noise")
FOG, SNOW, FROST = corr("fog"), corr("snow"), corr("frost")



# --------------------------------------------------------------------------
# The cases: (prompt, form, expectation)
# --------------------------------------------------------------------------

HELDOUT_V6 = [
    # ---- class ----------------------------------------------------------
    ("chiuahuas", "class", cls("Chihuahua")),
    ("any labrador retriever photos", "class", cls("Labrador retriever")),
    ("german police dogs", "class", cls("German shepherd")),
    ("yorkie photos", "class", cls("Yorkshire terrier")),
    ("persian and egyptian cats", "class", cls("Persian cat", "Egyptian cat")),
    ("gators", "class", cls("American alligator")),
    ("bull frogs", "class", cls("bullfrog")),
    ("fire salamanders", "class", cls("European fire salamander")),
    ("mollymawks and black storks", "class", cls("albatross", "black stork")),
    ("orangutangs", "class", cls("orangutan")),
    ("chimpanzees & baboons", "class", cls("chimpanzee", "baboon")),
    ("monarch butterflies", "class", cls("monarch")),
    ("lady beetle images", "class", cls("ladybug")),
    ("german cockroaches", "class", cls("cockroach")),
    ("houseflies", "class", cls("fly")),
    ("tarantla", "class", cls("tarantula")),
    ("trackless trolleys", "class", cls("trolleybus")),
    ("black marias", "class", cls("police van")),
    ("pantechnicons", "class", cls("moving van")),
    ("go karts", "class", cls("go-kart")),
    ("pot pies and meatloaf", "class", cls("potpie", "meat loaf")),
    ("soft pretzels", "class", cls("pretzel")),
    ("vanilla ice cream", "class", cls("ice cream")),
    ("jaffa oranges", "class", cls("orange")),
    ("dark glasses", "class", cls("sunglasses")),
    ("kit bags", "class", cls("backpack")),
    ("xmas stockings", "class", cls("Christmas stocking")),
    ("pay phones please", "class", cls("pay-phone")),
    ("shooting brakes", "class", cls("beach wagon")),
    ("limosine", "class", cls("limousine")),
    ("snow geese", "class", ("any_of", [cls("goose"), AND(cls("goose"), SNOW)])),
    # ---- group ----------------------------------------------------------
    ("canines", "group", group(CANINE)),
    ("domesticated animals", "group", group(DOMESTIC_ANIMAL)),
    ("sheepdogs", "group", group(SHEPHERD_DOG)),
    ("toy dogs", "group", group(TOY_DOG)),
    ("retrievers and terriers", "group", group(RETRIEVER, TERRIER)),
    ("coaches", "group", group(BUS)),
    ("motorcars", "group", AUTOS),
    ("self-propelled vehicles", "group", group(SELF_PROPELLED)),
    ("waders", "group", group(WADING_BIRD)),
    ("sea birds only", "group", group(SEABIRD)),
    ("cnidarians", "group", group(COELENTERATE)),
    ("vertebrates", "group", group(VERTEBRATE)),
    ("pics of citrus fruits", "group", group(CITRUS)),
    ("condiments", "group", group(CONDIMENT)),
    ("pictures of specs", "group", group(SPECTACLES)),
    ("neckties", "group", group(NECKTIE)),
    ("apes and monkeys", "group", group(APE, MONKEY)),
    ("reptiles or amphibians", "group", group(ph.REPTILE, AMPHIBIAN)),
    ("bottles and bags", "group", group(ph.BOTTLE, BAG)),
    ("beasts", "group", ANIMALS),
    ("fruit and veg", "group", group(FRUIT, VEGETABLE)),
    # ---- corruption -----------------------------------------------------
    ("frosty photos", "corruption", FROST),
    ("jpg compression", "corruption", corr("jpeg_compression")),
    ("pixelation", "corruption", corr("pixelate")),
    ("elastic transforms", "corruption", corr("elastic_transform")),
    ("motion-blurred photos", "corruption", corr("motion_blur")),
    ("zoom-blur and glass-blur", "corruption", corr("zoom_blur", "glass_blur")),
    ("defocused or speckled", "corruption", corr("defocus_blur", "speckle_noise")),
    ("impulse noise & shot noise", "corruption", corr("shot_noise", "impulse_noise")),
    ("spattered samples", "corruption", corr("spatter")),
    ("saturated colours", "corruption", corr("saturate")),
    ("brightened photos", "corruption", corr("brightness")),
    ("low-contrast images", "corruption", corr("contrast")),
    ("blurry samples", "corruption", BLUR),
    ("the weather family", "corruption", WEATHER),
    ("the extra family of corruptions", "corruption", EXTRA),
    ("only the corrupted images", "corruption", CORRUPTED),
    ("only clean pictures please", "corruption", CLEAN),
    ("frost and fog pics", "corruption", corr("fog", "frost")),
    # ---- severity -------------------------------------------------------
    ("sev 4 only", "severity", sev(4)),
    ("level five corruptions", "severity", sev(5)),
    ("lightest corruption level", "severity", sev(1)),
    ("mildly corrupted images", "severity", LIGHT),
    ("medium-severity corruptions", "severity", MODERATE),
    ("heavily corrupted pictures", "severity", HEAVY),
    ("severity 2 or 3", "severity", sev(2, 3)),
    ("severity >= 4", "severity", sev(4, 5)),
    ("sevrity below 3", "severity", sev(1, 2)),
    ("at most level 2", "severity", sev(1, 2)),
    ("severities three to five", "severity", sev(3, 4, 5)),
    ("the most severe level", "severity", sev(5)),
    ("intense corruption", "severity", HEAVY),
    ("faintly corrupted samples", "severity", LIGHT),
    ("anything over sev 3", "severity", sev(4, 5)),
    # ---- combo ----------------------------------------------------------
    ("tabbies with heavy frost", "combo", AND(cls("tabby"), FROST, HEAVY)),
    ("sports cars pixelated at level 2", "combo",
     AND(cls("sports car"), corr("pixelate"), sev(2))),
    ("bullet trains w/ motion blur sev 4-5", "combo",
     AND(cls("bullet train"), corr("motion_blur"), sev(4, 5))),
    ("lemons and oranges in the fog", "combo", AND(cls("lemon", "orange"), FOG)),
    ("jpeg compression on teapots, severity 3", "combo",
     AND(cls("teapot"), corr("jpeg_compression"), sev(3))),
    ("validation images of cats", "combo", AND(VAL_SPLIT, CATS)),
    ("training pics of birds", "combo", AND(TRAIN_SPLIT, BIRDS)),
    ("clean penguin images", "combo", AND(CLEAN, PENGUINS)),
    ("school buses in fog at the mildest level", "combo", AND(cls("school bus"), FOG, sev(1))),
    ("koalas with moderate glass blur", "combo", AND(cls("koala"), corr("glass_blur"), MODERATE)),
    ("insects with noise at severity 5", "combo", AND(INSECTS, NOISE, sev(5))),
    ("heavy weather on vehicles", "combo", AND(VEHICLES, WEATHER, HEAVY)),
    ("light digital corruptions of food", "combo", AND(FOODS, DIGITAL, LIGHT)),
    ("goldfish and jellyfish under brightness level 4", "combo",
     AND(cls("goldfish", "jellyfish"), corr("brightness"), sev(4))),
    ("snowy dogs, severity at least 3", "combo", AND(DOGS, SNOW, sev(3, 4, 5))),
    ("primates with spatter, worst severity", "combo", AND(PRIMATES, corr("spatter"), sev(5))),
    ("ice cream + ice lollies with saturate lvl 1", "combo",
     AND(cls("ice cream", "ice lolly"), corr("saturate"), sev(1))),
    ("bears in the snow", "combo", AND(BEARS, SNOW)),
    ("elastic transform on basketballs and volleyballs, severity two", "combo",
     AND(cls("basketball", "volleyball"), corr("elastic_transform"), sev(2))),
    ("umbrellas with the extra corruptions", "combo", AND(cls("umbrella"), EXTRA)),
    ("spiders with defocus blur at severity 1 or 2", "combo",
     AND(SPIDERS, corr("defocus_blur"), sev(1, 2))),
    ("reptiles, contrast, sev 5", "combo", AND(REPTILES, corr("contrast"), sev(5))),
    ("canada geese in impulse noise at level 3", "combo",
     AND(cls("goose"), corr("impulse_noise"), sev(3))),
    ("could you show me the golden retrievers and labradors in heavy snow?", "combo",
     AND(cls("golden retriever", "Labrador retriever"), SNOW, HEAVY)),
    ("val set pictures of the sunglasses", "combo", AND(VAL_SPLIT, cls("sunglasses"))),
    ("chacma baboons with motion blur", "combo", AND(cls("baboon"), corr("motion_blur"))),
    ("citrus in gaussian blur", "combo", AND(group(CITRUS), corr("gaussian_blur"))),
    # ---- union ----------------------------------------------------------
    ("chihuahuas in fog at 5 or tabbies in snow at 1", "union",
     OR(AND(cls("Chihuahua"), FOG, sev(5)), AND(cls("tabby"), SNOW, sev(1)))),
    ("frost at severity 2 and fog at severity 4", "union",
     OR(AND(FROST, sev(2)), AND(FOG, sev(4)))),
    ("persian cats with motion blur or egyptian cats with zoom blur", "union",
     OR(AND(cls("Persian cat"), corr("motion_blur")), AND(cls("Egyptian cat"), corr("zoom_blur")))),
    ("golden retrievers in heavy snow, or labradors in light frost", "union",
     OR(AND(cls("golden retriever"), SNOW, HEAVY), AND(cls("Labrador retriever"), FROST, LIGHT))),
    ("limos at level 5 of pixelate or convertibles at level 1 of jpeg", "union",
     OR(AND(cls("limousine"), corr("pixelate"), sev(5)),
        AND(cls("convertible"), corr("jpeg_compression"), sev(1)))),
    ("either fog lvl 3 or contrast lvl 5", "union",
     OR(AND(FOG, sev(3)), AND(corr("contrast"), sev(5)))),
    ("bananas w/ spatter at 2, and oranges w/ saturate at 4", "union",
     OR(AND(cls("banana"), corr("spatter"), sev(2)), AND(cls("orange"), corr("saturate"), sev(4)))),
    ("clean koalas, plus baboons with any weather corruption", "union",
     OR(AND(cls("koala"), CLEAN), AND(cls("baboon"), WEATHER))),
    ("the mildest snow or the worst frost", "union", OR(AND(SNOW, sev(1)), AND(FROST, sev(5)))),
    ("dogs with ood above 0.9 or cats with ood below 0.1", "union",
     OR(AND(DOGS, ood(**gt(0.9))), AND(CATS, ood(**lt(0.1))))),
    ("birds in gaussian noise severity 1 or insects in shot noise severity 5", "union",
     OR(AND(BIRDS, corr("gaussian_noise"), sev(1)), AND(INSECTS, corr("shot_noise"), sev(5)))),
    ("moving vans in fog and police vans in snow", "union",
     OR(AND(cls("moving van"), FOG), AND(cls("police van"), SNOW))),
    ("clean teapots or teapots at severity 5", "union", AND(cls("teapot"), OR(CLEAN, sev(5)))),
    ("brightness sev 1 + contrast sev 2 + saturate sev 3", "union",
     OR(AND(corr("brightness"), sev(1)), AND(corr("contrast"), sev(2)),
        AND(corr("saturate"), sev(3)))),
    ("heavy noise on fruit or light blur on veg", "union",
     OR(AND(FRUITS, NOISE, HEAVY), AND(VEG, BLUR, LIGHT))),
    ("mislabelled dogs or unlabelled images in fog", "union",
     OR(AND(DOGS, ISSUE), AND(UNLABELED, FOG))),
    ("trolleybuses at severity one and school buses at severity five", "union",
     OR(AND(cls("trolleybus"), sev(1)), AND(cls("school bus"), sev(5)))),
    ("black widows in frost at 4 or tarantulas in fog at 2", "union",
     OR(AND(cls("black widow"), FROST, sev(4)), AND(cls("tarantula"), FOG, sev(2)))),
    ("pizza with elastic at 3 or potpie with pixelate at 3", "union",
     OR(AND(cls("pizza"), corr("elastic_transform"), sev(3)),
        AND(cls("potpie"), corr("pixelate"), sev(3)))),
    ("pretzels in defocus blur (severity 2) or meatloaf in glass blur (severity 4)", "union",
     OR(AND(cls("pretzel"), corr("defocus_blur"), sev(2)),
        AND(cls("meat loaf"), corr("glass_blur"), sev(4)))),
    ("rugby balls at the worst level of fog, or basketballs at the lightest level of snow",
     "union", OR(AND(cls("rugby ball"), FOG, sev(5)), AND(cls("basketball"), SNOW, sev(1)))),
    ("jellyfish under zoom blur and goldfish under motion blur, both at severity 3", "union",
     OR(AND(cls("jellyfish"), corr("zoom_blur"), sev(3)),
        AND(cls("goldfish"), corr("motion_blur"), sev(3)))),
    ("label quality under 0.1 for dogs or over 0.95 for cats", "union",
     OR(AND(DOGS, lq(**lt(0.1))), AND(CATS, lq(**gt(0.95))))),
    ("sunglasses w/ brightness lvl 5 or umbrellas w/ snow lvl 5", "union",
     OR(AND(cls("sunglasses"), corr("brightness"), sev(5)), AND(cls("umbrella"), SNOW, sev(5)))),
    ("geese in fog at 1-2, albatrosses in fog at 4-5", "union",
     OR(AND(cls("goose"), FOG, sev(1, 2)), AND(cls("albatross"), FOG, sev(4, 5)))),
    ("mildly foggy bees or heavily frosted flies", "union",
     OR(AND(cls("bee"), FOG, LIGHT), AND(cls("fly"), FROST, HEAVY))),
    ("either clean pics or severity 5 pics", "union", OR(CLEAN, sev(5))),
    (("i'd like cats in fog at severity 3 or higher, plus dogs in frost at severity 1, "
      "but no label issues please"), "union",
     AND(NO_ISSUE, OR(AND(CATS, FOG, sev(3, 4, 5)), AND(DOGS, FROST, sev(1))))),
    # ---- negation -------------------------------------------------------
    ("everything except the dogs", "negation", not_class(DOGS)),
    ("no noisy images", "negation", NOT(NOISE)),
    ("without any weather corruption", "negation", NOT(WEATHER)),
    ("anything that isn't food", "negation", not_class(FOODS)),
    ("cats but not tabbies", "negation", AND(CATS, NOT(cls("tabby")))),
    ("vehicles apart from cars", "negation", AND(VEHICLES, NOT(AUTOS))),
    ("animals excluding primates", "negation", AND(ANIMALS, NOT(PRIMATES))),
    ("corrupted images except the extra family", "negation", AND(CORRUPTED, NOT(EXTRA))),
    ("exclude severity 1 and 2", "negation", NOT(sev(1, 2))),
    ("dogs minus the retrievers", "negation", AND(DOGS, NOT(group(RETRIEVER)))),
    ("non-animal images", "negation", not_class(ANIMALS)),
    ("everything other than insects and spiders", "negation", not_class(OR(INSECTS, SPIDERS))),
    ("fog but not at severity 5", "negation", AND(FOG, NOT(sev(5)))),
    ("not blurry", "negation", NOT(BLUR)),
    ("birds that aren't penguins", "negation", AND(BIRDS, NOT(PENGUINS))),
    ("leave out the reptiles and amphibians", "negation", not_class(OR(REPTILES, AMPHIBIANS))),
    ("no food, no vehicles", "negation", not_class(OR(FOODS, VEHICLES))),
    ("noise corruptions but not speckle", "negation", AND(NOISE, NOT(corr("speckle_noise")))),
    ("dogs w/o the chihuahuas", "negation", AND(DOGS, NOT(cls("Chihuahua")))),
    ("everything except mammals and birds", "negation", not_class(OR(group(MAMMAL), BIRDS))),
    ("non-digital corruptions", "negation", AND(CORRUPTED, NOT(DIGITAL))),
    ("food but no fruit", "negation", AND(FOODS, NOT(FRUITS))),
    ("heavy corruption, excluding fog and snow", "negation",
     AND(HEAVY, NOT(corr("fog", "snow")))),
    ("no weather and no blur", "negation", NOT(OR(WEATHER, BLUR))),
    ("looking for vehicles with motion or zoom blur at severity 4 or above, but not the tractor",
     "negation",
     AND(VEHICLES, NOT(cls("tractor")), corr("motion_blur", "zoom_blur"), sev(4, 5))),
    # ---- score ----------------------------------------------------------
    ("ood score above 0.95", "score", ood(**gt(0.95))),
    ("label quality < .1", "score", lq(**lt(0.1))),
    ("uniqueness score between 0.45 and 0.55", "score", uniq(0.45, 0.55)),
    ("birds with an out of distribution score of at least 0.8", "score",
     AND(BIRDS, ood(0.8))),
    ("lq no more than 0.05", "score", lq(hi=0.05)),
    ("uniquness over 0.9", "score", uniq(**gt(0.9))),
    ("ood between 0.3 and 0.35 in snow", "score", AND(SNOW, ood(0.3, 0.35))),
    ("label quality under 0.02 or above 0.98", "score", OR(lq(**lt(0.02)), lq(**gt(0.98)))),
    ("ood outside 0.05 to 0.95", "score", OR(ood(**lt(0.05)), ood(**gt(0.95)))),
    ("uniqueness >= 0.7 and ood <= 0.2", "score", AND(uniq(0.7), ood(hi=0.2))),
    ("label quality greater than 0.6 but less than 0.65", "score",
     lq(0.6, 0.65, lo_incl=False, hi_incl=False)),
    ("dogs with ood exceeding 0.99", "score", AND(DOGS, ood(**gt(0.99)))),
    ("uniqueness from .2 to .25 for vehicles", "score", AND(VEHICLES, uniq(0.2, 0.25))),
    ("out-of-distribution scores of 0.9 or higher in heavy fog", "score",
     AND(FOG, HEAVY, ood(0.9))),
    ("ood up to 0.05", "score", ood(hi=0.05)),
    ("cats whose label quality is below 0.15", "score", AND(CATS, lq(**lt(0.15)))),
    ("label quality 0.9 or more", "score", lq(0.9)),
    ("OOD > 0.5 and uniqueness < 0.1", "score", AND(ood(**gt(0.5)), uniq(**lt(0.1)))),
    ("ood score no less than 0.97 on fruit", "score", AND(FRUITS, ood(0.97))),
    ("uniqueness between 0.1 and 0.2 or between 0.8 and 0.9", "score",
     OR(uniq(0.1, 0.2), uniq(0.8, 0.9))),
    ("can you pull up fruit that's mildly blurry with an ood score over 0.4", "score",
     AND(FRUITS, BLUR, LIGHT, ood(**gt(0.4)))),
    # ---- topk -----------------------------------------------------------
    ("top 10 most out-of-distribution dogs", "topk", top(DOGS, "ood_score", 10, True)),
    ("the five least unique images", "topk", top(ALL, "uniqueness", 5, False)),
    ("bottom 15 by label quality", "topk", top(ALL, "label_quality", 15, False)),
    ("20 pics with the lowest label quality in fog", "topk",
     top(FOG, "label_quality", 20, False)),
    ("8 most unique cats", "topk", top(CATS, "uniqueness", 8, True)),
    ("a dozen least out of distribution vehicles", "topk",
     top(VEHICLES, "ood_score", 12, False)),
    ("best label quality, top 25", "topk", top(ALL, "label_quality", 25, True)),
    ("worst 30 by label quality among severity 5 images", "topk",
     top(sev(5), "label_quality", 30, False)),
    ("fifteen most ood insects under heavy noise", "topk",
     top(AND(INSECTS, NOISE, HEAVY), "ood_score", 15, True)),
    ("top three most unique goldfish", "topk", top(cls("goldfish"), "uniqueness", 3, True)),
    ("lowest ood 40", "topk", top(ALL, "ood_score", 40, False)),
    ("the 7 mislabelled samples with the highest label quality", "topk",
     top(ISSUE, "label_quality", 7, True)),
    ("least unique 10 among clean images", "topk", top(CLEAN, "uniqueness", 10, False)),
    ("show the 50 most out of distribution corrupted images", "topk",
     top(CORRUPTED, "ood_score", 50, True)),
    ("twenty lowest uniqueness scores for food", "topk", top(FOODS, "uniqueness", 20, False)),
    ("6 brown bears with the highest ood score", "topk",
     top(cls("brown bear"), "ood_score", 6, True)),
    ("top 100 by uniqueness", "topk", top(ALL, "uniqueness", 100, True)),
    ("9 chimps with the worst label quality", "topk",
     top(cls("chimpanzee"), "label_quality", 9, False)),
    ("bottom five out-of-distribution scores in the weather family", "topk",
     top(WEATHER, "ood_score", 5, False)),
    ("top 12 ood among unlabelled images", "topk", top(UNLABELED, "ood_score", 12, True)),
    ("half a dozen most unique pizzas", "topk", top(cls("pizza"), "uniqueness", 6, True)),
    ("just the top 10 most unique birds in the weather family pls", "topk",
     top(AND(BIRDS, WEATHER), "uniqueness", 10, True)),
    # ---- labels ---------------------------------------------------------
    ("mislabelled photos", "labels", ISSUE),
    ("unlabelled pictures", "labels", UNLABELED),
    ("samples without label issues", "labels", NO_ISSUE),
    ("dogs that are mislabelled", "labels", AND(DOGS, ISSUE)),
    ("label errors in heavy fog", "labels", AND(ISSUE, FOG, HEAVY)),
    ("unlabelled images with frost", "labels", AND(UNLABELED, FROST)),
    ("wrong labels among the vehicles", "labels", AND(VEHICLES, ISSUE)),
    ("mislabeled or missing labels", "labels", OR(ISSUE, UNLABELED)),
    ("label issues, labelled images only", "labels", AND(ISSUE, LABELED)),
    ("correctly labelled cats", "labels", AND(CATS, NO_ISSUE)),
    ("images with clean labels", "labels",
     ("any_of", [NO_ISSUE, AND(NO_ISSUE, LABELED)])),
    ("missing labels at severity 4 or 5", "labels", AND(UNLABELED, sev(4, 5))),
    ("labelled images in the noise family", "labels", AND(LABELED, NOISE_FAMILY)),
    ("clean images with label issues", "labels", AND(CLEAN, ISSUE)),
    ("no label issues, no noise", "labels", AND(NO_ISSUE, NOT(NOISE))),
    ("unlabelled or mislabelled, blur only", "labels", AND(OR(UNLABELED, ISSUE), BLUR)),
    ("mislabelled samples with label quality above 0.8", "labels", AND(ISSUE, lq(**gt(0.8)))),
    ("unlabeled images with ood over 0.7", "labels", AND(UNLABELED, ood(**gt(0.7)))),
    ("not mislabelled", "labels", NOT(ISSUE)),
    ("only want unlabelled images with heavy noise or heavy blur", "labels",
     AND(UNLABELED, HEAVY, OR(NOISE, BLUR))),
    # ---- refuse ---------------------------------------------------------
    ("remove all the unlabelled pics from the dataset", "refuse", "error"),
    ("download the heavy snow images as a zip", "refuse", "error"),
    ("retag blurry samples as bad", "refuse", "error"),
    ("relabel the mislabelled cats as dogs", "refuse", "error"),
    ("dogs that get confused with cats", "refuse", "error"),
    ("images similar to the tabby ones", "refuse", "error"),
    ("near-duplicates of the pizzas", "refuse", "error"),
    ("pictures predicted as goldfish", "refuse", "error"),
    ("the whole dataset", "refuse", "error"),
    ("every image pls", "refuse", "error"),
    ("clean and corrupted images", "refuse", "error"),
    ("sandstorm pics", "refuse", "error"),
    ("chromatic aberration", "refuse", "error"),
    ("underexposed photos", "refuse", "error"),
    ("vignetting at severity 3", "refuse", "error"),
    ("unlabelled tabbies", "refuse", "error"),
    ("cats with no label", "refuse", "error"),
    ("unlabeled golden retrievers in fog", "refuse", "error"),
    ("clean images at severity 4", "refuse", "error"),
    ("uncorrupted pics with zoom blur", "refuse", "error"),
    ("fog at severity 6", "refuse", "error"),
    ("dogs wearing hats", "refuse", "error"),
    ("images with people in them", "refuse", "error"),
    ("yellow school buses", "refuse", "error"),
    ("beagles and chihuahuas", "refuse", "error"),
    ("images whose label quality is higher than their ood score", "refuse", "error"),
    ("dogs more out-of-distribution than the cats", "refuse", "error"),
    ("which class has the most label issues", "refuse", "error"),
    ("count the foggy images", "refuse", "error"),
    ("photos from 2019", "refuse", "error"),
]

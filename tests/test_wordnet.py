"""Class names and the WordNet hierarchy of the 200 Tiny-ImageNet classes, offline."""
import importlib.util
import json
import os

import pytest

import datadiver_fo.io.wordnet as ddw

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(REPO, "datadiver_fo", "data")
WORDNET_DIR = "/usr/share/wordnet"

CHIHUAHUA = "n02085620"
TROLLEYBUS = "n04487081"
ENTITY = "n00001740"
DOGS = {  # the 6 dog breeds of Tiny-ImageNet
    "n02106662",  # German shepherd
    "n02099712",  # Labrador retriever
    "n02099601",  # golden retriever
    "n02094433",  # Yorkshire terrier
    "n02085620",  # Chihuahua
    "n02113799",  # standard poodle
}
MULTI_PARENT = {  # wnids with two direct hypernyms in WordNet 3.0
    "n02802426": "basketball",
    "n03854065": "organ",
    "n03085013": "computer keyboard",
    "n04486054": "triumphal arch",
    "n04597913": "wooden spoon",
    "n04179913": "sewing machine",
    "n04149813": "scoreboard",
    "n07871810": "meat loaf",
}


def _wnids_txt():
    with open(os.path.join(DATA, "tiny_imagenet_wnids.txt")) as f:
        return [w.strip() for w in f if w.strip()]


# --- the 200 classes ----------------------------------------------------------------


def test_200_classes_in_file_order_with_unique_names():
    wnids = ddw.class_wnids()
    assert wnids == _wnids_txt()
    assert len(wnids) == 200
    names = ddw.class_names()
    assert len(names) == 200
    assert len({n.lower() for n in names}) == 200
    assert names[wnids.index(CHIHUAHUA)] == "Chihuahua"
    assert all(n == n.strip() and "_" not in n for n in names)
    assert ddw.is_tiny_wnid(CHIHUAHUA)
    assert not ddw.is_tiny_wnid("n02084071")  # dog: an ancestor, not a class
    assert not ddw.is_tiny_wnid(None)


def test_class_name_for_classes_and_ancestors_and_errors():
    assert ddw.class_name(CHIHUAHUA) == "Chihuahua"
    assert ddw.class_name(TROLLEYBUS) == "trolleybus"
    assert ddw.class_name("n02084071") == "dog"
    assert ddw.class_name(ENTITY) == "entity"
    with pytest.raises(ValueError, match="n99999999"):
        ddw.class_name("n99999999")
    with pytest.raises(ValueError, match="not a wnid"):
        ddw.class_name("Chihuahua")
    with pytest.raises(ValueError, match="non-empty"):
        ddw.class_name("")


def test_definitions_and_lemmas():
    assert "Mexico" in ddw.definition(CHIHUAHUA)
    assert ddw.lemmas("n02084071") == ["dog", "domestic dog", "Canis familiaris"]
    assert "trolley coach" in ddw.lemmas(TROLLEYBUS)


# --- name -> wnid ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, wnid",
    [
        ("Chihuahua", CHIHUAHUA),
        ("chihuahuas", CHIHUAHUA),
        ("  CHIHUAHUA ", CHIHUAHUA),
        ("N02085620", CHIHUAHUA),
        ("German_Shepherd", "n02106662"),
        ("german shepherds", "n02106662"),
        ("trolley coach", TROLLEYBUS),  # another lemma of the class
        ("go kart", "n03444034"),  # "go-kart"
        ("geese", "n01855672"),  # irregular plural from WordNet's noun.exc
        ("domestic dog", "n02084071"),  # a lemma of an ancestor
        ("dogs", "n02084071"),
    ],
)
def test_wnid_for_ignores_case_separators_and_plurals(text, wnid):
    assert ddw.wnid_for(text) == wnid


def test_wnid_for_suggests_close_names_for_misspellings():
    with pytest.raises(ValueError, match="Chihuahua"):
        ddw.wnid_for("Chiuahua")
    with pytest.raises(ValueError, match="'dog'"):
        ddw.wnid_for("dgos")  # misspelt plural
    with pytest.raises(ValueError, match="neither"):
        ddw.wnid_for("n99999999")


def test_wnid_for_ambiguous_and_classes_only():
    with pytest.raises(ValueError, match="ambiguous.*n00021265.*n07555863"):
        ddw.wnid_for("food")
    with pytest.raises(ValueError, match="group"):
        ddw.wnid_for("dog", classes_only=True)
    assert ddw.wnid_for("Chihuahua", classes_only=True) == CHIHUAHUA


# --- hierarchy ----------------------------------------------------------------------


def test_chihuahua_hypernyms_nearest_first():
    names = ddw.hypernym_names(CHIHUAHUA)
    assert names[0] == "toy dog"
    assert names[-1] == "entity"
    assert names.index("dog") < names.index("animal") < names.index("entity")
    assert "Chihuahua" not in names
    assert len(names) == len(set(names))
    wnids = ddw.hypernym_wnids(CHIHUAHUA)
    assert wnids[0] == "n02085374" and wnids[-1] == ENTITY
    assert ddw.parents(CHIHUAHUA) == ["n02085374"]
    # A group's own ancestors work the same way.
    assert ddw.hypernym_names("dog")[:2] == ["canine", "domestic animal"]


def test_exactly_eight_classes_have_several_parents():
    assert set(ddw.multi_parent_wnids()) == set(MULTI_PARENT)
    for w in ddw.class_wnids():
        n = len(ddw.parents(w))
        assert n == (2 if w in MULTI_PARENT else 1), (w, n)
    for w, name in MULTI_PARENT.items():
        assert ddw.class_name(w) == name
        paths = ddw.hypernym_paths(w)
        assert len(paths) >= 2
        # Each parent starts a path; every path reaches entity.
        assert {p[0] for p in paths} == set(ddw.parents(w))
    # wooden spoon: spoon -> cutlery -> tableware and spoon -> container, + woodenware
    assert len(ddw.hypernym_paths("n04597913")) == 3


def test_paths_and_ancestors_agree_for_every_class():
    for w in ddw.class_wnids():
        paths = ddw.hypernym_paths(w)
        assert paths and all(p[-1] == ENTITY for p in paths)
        on_paths = {a for p in paths for a in p}
        assert on_paths == set(ddw.hypernym_wnids(w))
        for p in paths:  # each step of a path is a real parent link
            chain = [w] + p
            for child, parent in zip(chain, chain[1:]):
                assert parent in ddw.parents(child)


def test_siblings_share_a_parent_or_the_nearest_common_level():
    tabby, egyptian, persian = "n02123045", "n02124075", "n02123394"
    assert ddw.siblings(tabby) == [egyptian, persian]  # all domestic cats
    # The Chihuahua is the only Tiny toy dog: its siblings are the other dogs.
    assert set(ddw.siblings(CHIHUAHUA)) == DOGS - {CHIHUAHUA}
    assert [ddw.class_name(w) for w in ddw.siblings(TROLLEYBUS)] == ["school bus"]
    with pytest.raises(ValueError, match="not one of the 200"):
        ddw.siblings("dog")
    for w in ddw.class_wnids():
        sib = ddw.siblings(w)
        assert sib and w not in sib


# --- groups ---------------------------------------------------------------------------


def test_groups_by_name_lemma_plural_and_wnid():
    dogs = ddw.classes_in_group("dog")
    assert set(dogs) == DOGS
    assert ddw.classes_in_group("dogs") == dogs
    assert ddw.classes_in_group("Canis familiaris") == dogs
    assert ddw.classes_in_group("n02084071") == dogs
    assert CHIHUAHUA in ddw.classes_in_group("animal")
    assert CHIHUAHUA in ddw.classes_in_group("animals")
    assert TROLLEYBUS in ddw.classes_in_group("vehicle")
    assert TROLLEYBUS in ddw.classes_in_group("vehicles")
    # A class is a member of its own group.
    assert ddw.classes_in_group("Chihuahua") == [CHIHUAHUA]
    # Order is class_wnids() order.
    order = ddw.class_wnids()
    assert dogs == sorted(dogs, key=order.index)


def test_food_means_both_food_synsets():
    assert ddw.group_wnids("food") == ["n00021265", "n07555863"]
    food = {ddw.class_name(w) for w in ddw.classes_in_group("food")}
    assert {"lemon", "pizza", "espresso", "ice cream"} <= food
    assert "Chihuahua" not in food
    # Consistent with matching "food" in the hypernyms field.
    for w in ddw.class_wnids():
        assert ("food" in ddw.hypernym_names(w)) == (ddw.class_name(w) in food)


def test_unknown_group_gives_suggestions():
    with pytest.raises(ValueError, match="'vehicle'"):
        ddw.classes_in_group("vehicels")
    with pytest.raises(ValueError, match="non-empty"):
        ddw.classes_in_group("  ")
    with pytest.raises(ValueError, match="neither"):
        ddw.classes_in_group("n12345678")


# Colloquial words and the number of Tiny-ImageNet classes they cover.
COLLOQUIAL = {
    "animals": 59,
    "dogs": 6,
    "cats": 4,  # Egyptian cat, tabby, cougar, Persian cat (lion is a big cat)
    "birds": 4,
    "insects": 10,
    "bugs": 10,
    "vehicles": 15,  # conveyance: WordNet's vehicle (12) + 2 buses + bullet train
    "food": 17,
    "fruit": 5,
    "clothing": 15,
    "clothes": 15,
    "furniture": 3,
    "buildings": 6,
    "instruments": 2,  # musical instruments: organ, oboe
    "containers": 23,
    "devices": 27,
    "pets": 9,
    "toys": 1,  # teddy, not the toy dog
}


@pytest.mark.parametrize("word, count", sorted(COLLOQUIAL.items()))
def test_colloquial_group_words(word, count):
    assert len(ddw.classes_in_group(word)) == count


def test_every_alias_resolves_and_group_names_match_the_field():
    for alias in ddw.GROUP_ALIASES:
        assert ddw.classes_in_group(alias), alias
    assert ddw.group_names("vehicles") == ["conveyance"]
    assert ddw.group_names("bugs") == ["insect"]
    # Matching the returned names in the hypernyms field gives the same classes.
    for word in ("vehicles", "bugs", "clothes", "buildings", "dogs", "instruments"):
        names = set(ddw.group_names(word))
        via_field = [
            w for w in ddw.class_wnids() if names & set(ddw.hypernym_names(w))
        ]
        assert via_field == ddw.classes_in_group(word), word
    # WordNet's own "vehicle" leaves the trolleybus out; the alias puts it in.
    assert "vehicle" not in ddw.hypernym_names(TROLLEYBUS)
    assert "conveyance" in ddw.hypernym_names(TROLLEYBUS)


def test_all_groups_counts():
    groups = ddw.all_groups()
    assert groups["entity"] == 200
    assert groups["animal"] == 59
    assert groups["dog"] == 6
    assert groups["food"] == 17
    assert all(c >= 2 for c in groups.values())
    counts = list(groups.values())
    assert counts == sorted(counts, reverse=True)
    assert "Chihuahua" not in groups  # classes are not groups
    everything = ddw.all_groups(min_classes=1)
    assert len(everything) > len(groups)
    assert "toy dog" in everything and "toy dog" not in groups
    with pytest.raises(ValueError, match="min_classes"):
        ddw.all_groups(min_classes=-1)


def _leaves(node):
    if node["is_class"]:
        return {node["wnid"]}
    out = set()
    for c in node["children"]:
        out |= _leaves(c)
    return out


def _check_counts(node):
    if node["is_class"]:
        assert node["count"] == 1 and not node["children"]
        return
    assert node["count"] == len(_leaves(node)), node["name"]
    for c in node["children"]:
        _check_counts(c)


def test_group_tree_counts_and_leaves():
    tree = ddw.group_tree()
    assert tree["wnid"] == ENTITY and tree["count"] == 200
    assert _leaves(tree) == set(ddw.class_wnids())
    _check_counts(tree)
    dog = ddw.group_tree("dog")
    assert dog["count"] == 6 and _leaves(dog) == DOGS
    collapsed = ddw.group_tree(collapse=True, min_classes=10, include_classes=False)
    assert collapsed["name"] == "physical entity"  # entity has one child group

    def walk(n):
        assert n["count"] >= 10 and not n["is_class"]
        for c in n["children"]:
            walk(c)

    walk(collapsed)
    with pytest.raises(ValueError, match="ambiguous"):
        ddw.group_tree("food")


# --- words.txt --------------------------------------------------------------------------


def test_read_words_txt(tmp_path):
    p = tmp_path / "words.txt"
    p.write_bytes(
        b"n00001740\tentity\r\n"
        b"n02085620\tChihuahua\n"
        b"\n"
        b"n02084071\tdog, domestic dog, Canis familiaris\n"
        b"n09999999\tnew thing , other name\n"
    )
    words = ddw.read_words_txt(str(p))
    assert list(words) == ["n00001740", "n02085620", "n02084071", "n09999999"]
    assert words["n02084071"] == "dog"
    assert words["n09999999"] == "new thing"
    assert words["n00001740"] == "entity"

    bad = tmp_path / "bad.txt"
    bad.write_text("n02085620\tChihuahua\nnot a line\n")
    with pytest.raises(ValueError, match="line 2"):
        ddw.read_words_txt(str(bad))
    with pytest.raises(ValueError, match="not found"):
        ddw.read_words_txt(str(tmp_path / "missing.txt"))


def test_read_words_txt_of_a_generated_miniature(tmp_path):
    """The miniature generator's words.txt names its classes like the table."""
    try:
        from datadiver_fo.io.miniature import make_miniature
    except ImportError:  # the generator lands in a parallel change
        pytest.skip("datadiver_fo.io.miniature not available yet")
    info = make_miniature(
        str(tmp_path), num_classes=3, images_per_class=1,
        corruptions=["gaussian_noise"], severities=[1],
    )
    words = ddw.read_words_txt(os.path.join(info.clean_root, "words.txt"))
    for w in info.wnids:
        assert ddw.is_tiny_wnid(w)
        assert words[w].lower() in {l.lower() for l in ddw.lemmas(w)} | {
            ddw.class_name(w).lower()
        }


# --- the shipped data file and its generator -------------------------------------------------


def test_data_file_is_self_consistent_and_licensed():
    with open(os.path.join(DATA, "tiny_imagenet_wordnet.json")) as f:
        table = json.load(f)
    synsets = table["synsets"]
    for c in table["classes"]:
        for a in c["ancestors"] + c["parents"]:
            assert a in synsets
    for s in synsets.values():
        assert all(p in synsets for p in s["parents"])
    assert set(table["multi_parent"]) == set(MULTI_PARENT)
    assert len(table["multi_path"]) == 54
    with open(os.path.join(DATA, "WORDNET_LICENSE")) as f:
        text = f.read()
    assert "WordNet 3.0 Copyright 2006 by Princeton University" in text


def _load_generator():
    path = os.path.join(REPO, "scripts", "build_wordnet_table.py")
    spec = importlib.util.spec_from_file_location("build_wordnet_table", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_generator_rejects_a_folder_without_wordnet(tmp_path):
    gen = _load_generator()
    with pytest.raises(ValueError, match="data.noun"):
        gen.build(str(tmp_path))


@pytest.mark.skipif(
    not os.path.isfile(os.path.join(WORDNET_DIR, "data.noun")),
    reason="Debian's wordnet-base is not installed",
)
def test_generator_is_deterministic_and_matches_the_shipped_file(tmp_path):
    gen = _load_generator()
    out = tmp_path / "table.json"
    assert gen.main(["--out", str(out)]) == 0
    first = out.read_bytes()
    assert gen.main(["--out", str(out)]) == 0
    assert out.read_bytes() == first
    with open(os.path.join(DATA, "tiny_imagenet_wordnet.json"), "rb") as f:
        assert f.read() == first
    assert gen.main(["--check"]) == 0


def test_hyponyms_below_the_classes():
    hyp = ddw.hyponyms()
    puppy = hyp["n01322604"]
    assert puppy["lemmas"] == ["puppy"] and puppy["relation"] == "young"
    assert [ddw.class_name(w) for w in puppy["of"]] == ["dog"]
    honeybee = next(r for r in hyp.values() if "honeybee" in r["lemmas"])
    assert honeybee["relation"] == "kind" and [ddw.class_name(w) for w in honeybee["of"]] == ["bee"]
    # a lemma whose usual sense is something else is left out ("drill": the tool)
    assert not any("drill" in r["lemmas"] or "tank" in r["lemmas"] for r in hyp.values())
    # synsets beside the classes are not listed (pug next to the dog breeds)
    assert not any("pug" in r["lemmas"] for r in hyp.values())
    for r in hyp.values():
        assert r["of"] and all(ddw.class_name(w) for w in r["of"])

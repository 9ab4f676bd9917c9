"""Realistic prompts and the sample sets they should select.

The expected sets are written as plain Python predicates over each sample's
raw field values (``label``, ``hypernyms``, ``corruption``, ``family``,
``severity``, ``tags``, ``ood_score``, ``label_issue``, ``uniqueness``,
``label_quality``): they do not use the parser, the spec or the compiler, so
they are an independent statement of what each prompt means.

Each case is ``(prompt, expectation)`` where expectation is one of:

-   ``pred``: a predicate ``f(s) -> bool``; the view must hold exactly the
    samples for which it is True (order ignored);
-   ``("top", pred, field, n, highest_first)``: the n samples with the
    highest (lowest) ``field`` among those satisfying ``pred``;
-   ``("random", pred, n)``: n distinct samples, all satisfying ``pred``
    (which n is the job of the seeded ``take``).

:func:`build_eval_dataset` generates the dataset the cases are written for:
real Tiny-ImageNet classes (names and hypernyms from ``datadiver_fo.io.wordnet``,
exactly what the loader writes), every corruption and severity, clean
train/val copies, a few samples with a missing label, and seeded scores.
"""
import random

import fiftyone as fo

import datadiver_fo.internal.schema as S
import datadiver_fo.io.wordnet as ddw

# Classes of the generated dataset: dogs, cats, vehicles, food, insects,
# birds and assorted objects (names as the loader writes them).
EVAL_CLASS_NAMES = [
    "Chihuahua", "golden retriever", "German shepherd", "standard poodle",
    "Egyptian cat", "Persian cat", "tabby",
    "school bus", "sports car", "trolleybus", "limousine",
    "pizza", "ice cream", "banana", "mashed potato",
    "bee", "ladybug", "monarch",
    "goose", "albatross",
    "teapot", "sunglasses", "lemon", "lion",
]


def _s(values):
    return set(values)


def _dog(s):
    return "dog" in s["hypernyms"]


def _cat(s):
    return "cat" in s["hypernyms"]


def _vehicle(s):
    # people count buses as vehicles; WordNet files them under "public
    # transport" -> "conveyance", not under "vehicle"
    return "vehicle" in s["hypernyms"] or "conveyance" in s["hypernyms"]


def _automobile(s):
    # below WordNet's car, auto, automobile (a motor vehicle), not the railway car
    return "car" in s["hypernyms"] and "motor vehicle" in s["hypernyms"]


def _noise(s):
    return s["corruption"].endswith("noise")


def _blur(s):
    return s["corruption"].endswith("blur")


def build_eval_dataset(name, sources_per_class=2, classes=None, seed=51):
    """Generates the evaluation dataset (no image files needed: only fields).

    Args:
        name: dataset name (overwritten if it exists)
        sources_per_class (2): source images per class
        classes (None): class names (default :data:`EVAL_CLASS_NAMES`;
            ``"all"`` for the 200 Tiny-ImageNet classes)
        seed (51): seed of the synthetic scores

    Returns:
        a persistent ``fo.Dataset`` with the loader's fields plus
        ``ood_score``, ``label_issue``, ``uniqueness`` and ``label_quality``
    """
    if fo.dataset_exists(name):
        fo.delete_dataset(name)
    if classes == "all":
        wnids = ddw.class_wnids()
    else:
        wnids = [ddw.wnid_for(c, classes_only=True) for c in (classes or EVAL_CLASS_NAMES)]
    rng = random.Random(seed)
    ds = fo.Dataset(name, persistent=True)
    samples = []
    corruptions = [S.CLEAN] + list(S.CORRUPTION_FAMILIES)
    for ci, wnid in enumerate(wnids):
        label = ddw.class_name(wnid)
        hyper = ddw.hypernym_names(wnid)
        for k in range(sources_per_class):
            src = f"{wnid}_{k}"
            for corr in corruptions:
                for sev in [0] if corr == S.CLEAN else list(S.SEVERITIES):
                    tags = [S.TAG_C] if corr != S.CLEAN else [S.TAG_TRAIN if (ci + k) % 2 == 0 else S.TAG_VAL]
                    missing = corr != S.CLEAN and rng.random() < 0.01
                    if missing:
                        tags.append(S.TAG_MISSING_LABEL)
                    # like the loader: an image without a class folder has
                    # no label, no wnid and no hypernyms
                    s = fo.Sample(
                        filepath=f"/eval/{corr}/{sev}/{wnid}/{src}.JPEG",
                        tags=tags,
                        hypernyms=[] if missing else hyper,
                        corruption=corr,
                        corruption_family=S.corruption_family(corr),
                        severity=sev,
                        source_id=src,
                        ood_score=round(min(1.0, max(0.0, sev / 6 + rng.gauss(0, 0.15))), 4),
                        label_issue=rng.random() < 0.05,
                        uniqueness=round(rng.random(), 4),
                        label_quality=round(rng.random(), 4),
                    )
                    if not missing:
                        s[S.GROUND_TRUTH] = fo.Classification(label=label)
                        s[S.WNID] = wnid
                    samples.append(s)
    ds.add_samples(samples, progress=False)
    ds.default_classes = [ddw.class_name(w) for w in wnids]
    ds.info["wnid_to_name"] = {w: ddw.class_name(w) for w in wnids}
    ds.save()
    return ds


def sample_records(dataset):
    """The raw field values the predicates read, one dict per sample id."""
    ids, labels, hyp, corr, fam, sev, tags, ood, li, uq, lq = dataset.values(
        ["id", "ground_truth.label", "hypernyms", "corruption", "corruption_family", "severity",
         "tags", "ood_score", "label_issue", "uniqueness", "label_quality"]
    )
    out = {}
    for row in zip(ids, labels, hyp, corr, fam, sev, tags, ood, li, uq, lq):
        out[row[0]] = dict(zip(
            ["id", "label", "hypernyms", "corruption", "family", "severity", "tags", "ood_score",
             "label_issue", "uniqueness", "label_quality"], row))
        out[row[0]]["hypernyms"] = row[2] or []
    return out


def expected_ids(records, expectation):
    """Returns ``(kind, ids, n)`` for an expectation over ``records``."""
    if callable(expectation):
        return "set", {i for i, s in records.items() if expectation(s)}, None
    kind = expectation[0]
    if kind == "top":
        _, pred, field, n, high = expectation
        rows = [s for s in records.values() if pred(s) and s[field] is not None]
        rows.sort(key=lambda s: s[field], reverse=high)
        return "top", [s["id"] for s in rows[:n]], n
    if kind == "random":
        _, pred, n = expectation
        return "random", {i for i, s in records.items() if pred(s)}, n
    raise ValueError(f"unknown expectation {kind!r}")


def check(view, records, expectation):
    """True if the view's samples are exactly what the expectation says."""
    kind, ids, n = expected_ids(records, expectation)
    got = view.values("id")
    if kind == "set":
        return set(got) == ids and len(got) == len(ids)
    if kind == "top":
        # ties in the score may reorder: compare the score sequence and the set
        field_vals = [records[i] for i in got]
        exp_vals = [records[i] for i in ids]
        key = expectation[2]
        return len(got) == n and [s[key] for s in field_vals] == [s[key] for s in exp_vals]
    return len(got) == n and len(set(got)) == n and set(got) <= ids


# (prompt, expectation). Written from what a person means by the prompt.
CASES = [
    # classes, plurals, synonyms
    ("golden retrievers", lambda s: s["label"] == "golden retriever"),
    ("Chihuahua", lambda s: s["label"] == "Chihuahua"),
    ("show me the german shepherds", lambda s: s["label"] == "German shepherd"),
    ("poodles in fog", lambda s: s["label"] == "standard poodle" and s["corruption"] == "fog"),
    ("school buses and limousines", lambda s: s["label"] in ("school bus", "limousine")),
    ("ladybirds", lambda s: s["label"] == "ladybug"),
    ("pictures of geese", lambda s: s["label"] == "goose"),
    ("sunglasses with motion blur", lambda s: s["label"] == "sunglasses" and s["corruption"] == "motion_blur"),
    ("lemons and bananas, clean", lambda s: s["label"] in ("lemon", "banana") and s["corruption"] == "clean"),
    ("teapots at severity 5", lambda s: s["label"] == "teapot" and s["severity"] == 5),
    # WordNet groups
    ("dogs", _dog),
    ("all animals", lambda s: "animal" in s["hypernyms"]),
    ("vehicles in the snow", lambda s: _vehicle(s) and s["corruption"] == "snow"),
    ("food images", lambda s: "food" in s["hypernyms"]),
    ("insects", lambda s: "insect" in s["hypernyms"]),
    ("birds with frost", lambda s: "bird" in s["hypernyms"] and s["corruption"] == "frost"),
    ("cats", _cat),
    ("bugs with jpeg artifacts", lambda s: "insect" in s["hypernyms"] and s["corruption"] == "jpeg_compression"),
    # "car" names two WordNet synsets (automobile; railway car): people mean
    # automobiles (datadiver_fo.io.wordnet.GROUP_ALIASES pins that sense)
    ("cars", lambda s: _automobile(s)),
    ("fruit under heavy snow", lambda s: "fruit" in s["hypernyms"] and s["corruption"] == "snow" and s["severity"] in (4, 5)),
    # corruptions, families, loose words
    ("foggy images", lambda s: s["corruption"] == "fog"),
    ("noisy pictures", _noise),
    ("blurry dogs", lambda s: _dog(s) and _blur(s)),
    ("pixelated cats", lambda s: _cat(s) and s["corruption"] == "pixelate"),
    ("gaussian noise severity 3", lambda s: s["corruption"] == "gaussian_noise" and s["severity"] == 3),
    ("weather corruptions on vehicles", lambda s: s["family"] == "weather" and _vehicle(s)),
    ("digital corruptions at level 1", lambda s: s["family"] == "digital" and s["severity"] == 1),
    ("low contrast food", lambda s: s["corruption"] == "contrast" and "food" in s["hypernyms"]),
    ("shot noise or impulse noise", lambda s: s["corruption"] in ("shot_noise", "impulse_noise")),
    ("elastic transform, levels 2-4", lambda s: s["corruption"] == "elastic_transform" and 2 <= s["severity"] <= 4),
    ("spatter and saturate", lambda s: s["corruption"] in ("spatter", "saturate")),
    ("out of focus birds", lambda s: s["corruption"] == "defocus_blur" and "bird" in s["hypernyms"]),
    ("zoom blur", lambda s: s["corruption"] == "zoom_blur"),
    ("brightness corruption on lions", lambda s: s["corruption"] == "brightness" and s["label"] == "lion"),
    # severities
    ("dogs at least severity 3", lambda s: _dog(s) and s["severity"] >= 3),
    ("fog with severity at least 4", lambda s: s["corruption"] == "fog" and s["severity"] >= 4),
    ("mild noise", lambda s: _noise(s) and s["severity"] in (1, 2)),
    ("severe blur on cats", lambda s: _blur(s) and _cat(s) and s["severity"] in (4, 5)),
    ("snow levels 2 to 4", lambda s: s["corruption"] == "snow" and 2 <= s["severity"] <= 4),
    ("severity 5 images of pizza", lambda s: s["severity"] == 5 and s["label"] == "pizza"),
    ("moderate frost", lambda s: s["corruption"] == "frost" and s["severity"] == 3),
    ("extreme pixelation", lambda s: s["corruption"] == "pixelate" and s["severity"] == 5),
    ("clean images of insects", lambda s: s["corruption"] == "clean" and "insect" in s["hypernyms"]),
    ("uncorrupted dogs", lambda s: _dog(s) and s["corruption"] == "clean"),
    ("severity at most 2 jpeg", lambda s: s["corruption"] == "jpeg_compression" and s["severity"] in (1, 2)),
    # negation
    ("dogs and cats under heavy fog or snow, but no clean images",
     lambda s: (_dog(s) or _cat(s)) and s["corruption"] in ("fog", "snow") and s["severity"] in (4, 5)),
    ("all animals except dogs", lambda s: "animal" in s["hypernyms"] and not _dog(s)),
    ("vehicles without noise", lambda s: _vehicle(s) and not _noise(s)),
    ("food, not blurry", lambda s: "food" in s["hypernyms"] and not _blur(s)),
    ("cats excluding Persian cats", lambda s: _cat(s) and s["label"] != "Persian cat"),
    ("corrupted images of bees", lambda s: s["label"] == "bee" and s["corruption"] != "clean"),
    ("insects other than ladybugs in fog", lambda s: "insect" in s["hypernyms"] and s["label"] != "ladybug" and s["corruption"] == "fog"),
    ("dogs, no severity 5", lambda s: _dog(s) and s["severity"] != 5),
    ("weather except snow and frost", lambda s: s["family"] == "weather" and s["corruption"] not in ("snow", "frost")),
    ("birds but not albatrosses", lambda s: "bird" in s["hypernyms"] and s["label"] != "albatross"),
    # scores, sort, limits, random, tags, labels
    ("top 50 most out-of-distribution", ("top", lambda s: True, "ood_score", 50, True)),
    ("top 10 most OOD dogs", ("top", _dog, "ood_score", 10, True)),
    ("out of distribution cats", lambda s: _cat(s) and s["ood_score"] >= 0.6),
    ("likely mislabeled images", lambda s: s["label_issue"] is True),
    ("mislabeled dogs in fog", lambda s: s["label_issue"] is True and _dog(s) and s["corruption"] == "fog"),
    ("random 100 vehicles", ("random", lambda s: _vehicle(s), 100)),
    ("100 random images", ("random", lambda s: True, 100)),
    ("images with missing labels", lambda s: "missing_label" in s["tags"]),
    ("clean validation images", lambda s: s["corruption"] == "clean" and "val" in s["tags"]),
    ("training images of cats", lambda s: "train" in s["tags"] and _cat(s)),
    ("label quality below 0.2", lambda s: s["label_quality"] is not None and s["label_quality"] < 0.2),
    ("uniqueness above 0.9 in snow", lambda s: s["uniqueness"] > 0.9 and s["corruption"] == "snow"),
    ("top 20 by uniqueness", ("top", lambda s: True, "uniqueness", 20, True)),
    ("fog images with ood score at least 0.8", lambda s: s["corruption"] == "fog" and s["ood_score"] >= 0.8),
    ("the 15 dogs with the lowest label quality", ("top", _dog, "label_quality", 15, False)),
    ("first 30 pictures of pizza", ("random", lambda s: s["label"] == "pizza", 30)),
    # --- spec version 2 (written for issue 13, before the parser was changed) ---
    # unions of clauses
    ("dogs in fog or cats in snow",
     lambda s: (_dog(s) and s["corruption"] == "fog") or (_cat(s) and s["corruption"] == "snow")),
    ("heavy fog or mild snow",
     lambda s: (s["corruption"] == "fog" and s["severity"] in (4, 5)) or (s["corruption"] == "snow" and s["severity"] in (1, 2))),
    ("dogs in heavy fog or light snow",
     lambda s: _dog(s) and ((s["corruption"] == "fog" and s["severity"] in (4, 5))
                            or (s["corruption"] == "snow" and s["severity"] in (1, 2)))),
    ("severity 1 snow plus severity 5 frost",
     lambda s: (s["corruption"] == "snow" and s["severity"] == 1) or (s["corruption"] == "frost" and s["severity"] == 5)),
    ("cats with motion blur or dogs with zoom blur",
     lambda s: (_cat(s) and s["corruption"] == "motion_blur") or (_dog(s) and s["corruption"] == "zoom_blur")),
    ("clean cats or foggy dogs",
     lambda s: (_cat(s) and s["corruption"] == "clean") or (_dog(s) and s["corruption"] == "fog")),
    ("pixelate at level 2 and jpeg at level 4 on vehicles",
     lambda s: _vehicle(s) and ((s["corruption"] == "pixelate" and s["severity"] == 2)
                                or (s["corruption"] == "jpeg_compression" and s["severity"] == 4))),
    ("label quality under 0.2 and above 0.9", lambda s: s["label_quality"] < 0.2 or s["label_quality"] > 0.9),
    # exclusions by corruption word, family and group, for every clause
    ("all images except weather corruptions", lambda s: s["family"] != "weather"),
    ("no animals", lambda s: "animal" not in s["hypernyms"]),
    ("everything except dogs and cats", lambda s: not _dog(s) and not _cat(s)),
    ("vehicles, no weather", lambda s: _vehicle(s) and s["family"] != "weather"),
    ("birds but no blur and no noise", lambda s: "bird" in s["hypernyms"] and not _blur(s) and not _noise(s)),
    # score ranges
    ("uniqueness from 0.2 to 0.3", lambda s: 0.2 <= s["uniqueness"] <= 0.3),
    ("label quality above 0.4 and below 0.6 among dogs", lambda s: _dog(s) and 0.4 < s["label_quality"] < 0.6),
    ("fog with an ood score in the range 0.3 to 0.7", lambda s: s["corruption"] == "fog" and 0.3 <= s["ood_score"] <= 0.7),
    # top / bottom k, number words
    ("the twelve most unusual cats", ("top", _cat, "ood_score", 12, True)),
    ("bottom 5 by uniqueness", ("top", lambda s: True, "uniqueness", 5, False)),
    ("the ten lowest label quality pictures", ("top", lambda s: True, "label_quality", 10, False)),
    ("highest uniqueness first, 30 of them", ("top", lambda s: True, "uniqueness", 30, True)),
    ("a dozen random cats", ("random", _cat, 12)),
    ("saturated teapots at level three", lambda s: s["label"] == "teapot" and s["corruption"] == "saturate" and s["severity"] == 3),
    # severity words
    ("worst fog", lambda s: s["corruption"] == "fog" and s["severity"] == 5),
    ("snow at its highest severity", lambda s: s["corruption"] == "snow" and s["severity"] == 5),
    ("frost at the lightest level", lambda s: s["corruption"] == "frost" and s["severity"] == 1),
    ("moderately blurry birds", lambda s: "bird" in s["hypernyms"] and _blur(s) and s["severity"] == 3),
    # typos, WordNet words below the classes, slang, spelling variants
    ("limosines in the snow", lambda s: s["label"] == "limousine" and s["corruption"] == "snow"),
    ("zoom blurr on teapots", lambda s: s["label"] == "teapot" and s["corruption"] == "zoom_blur"),
    ("kittens in snow", lambda s: _cat(s) and s["corruption"] == "snow"),
    ("lionesses", lambda s: s["label"] == "lion"),
    ("bumblebees in fog", lambda s: s["label"] == "bee" and s["corruption"] == "fog"),
    ("doggies with jpeg artifacts", lambda s: _dog(s) and s["corruption"] == "jpeg_compression"),
    ("automobiles in fog", lambda s: _automobile(s) and s["corruption"] == "fog"),
    ("sportscars and school-buses", lambda s: s["label"] in ("sports car", "school bus")),
    ("icecream with spatter", lambda s: s["label"] == "ice cream" and s["corruption"] == "spatter"),
    # --- held-out v2 failure causes, in new words ---
    # "<corruption prefix>-<inflected word>" is the one corruption, not the family
    ("motion-blurred teapots", lambda s: s["label"] == "teapot" and s["corruption"] == "motion_blur"),
    ("gaussian blurry lemons", lambda s: s["label"] == "lemon" and s["corruption"] == "gaussian_blur"),
    # inflections of a corruption name
    ("fogged-in school buses", lambda s: s["label"] == "school bus" and s["corruption"] == "fog"),
    ("lightly snowed geese", lambda s: s["label"] == "goose" and s["corruption"] == "snow" and s["severity"] in (1, 2)),
    # British spellings normalise before lookup (never the WordNet group artifact)
    ("teapots with jpeg compression artefacts", lambda s: s["label"] == "teapot" and s["corruption"] == "jpeg_compression"),
    # ", and" with a different corruption condition on each side is a union
    ("uncorrupted cats, and dogs with any digital corruption",
     lambda s: (_cat(s) and s["corruption"] == "clean") or (_dog(s) and s["family"] == "digital")),
    # a misspelled word inside a multi-word name, fixed by the words around it
    ("german sheppards in frost", lambda s: s["label"] == "German shepherd" and s["corruption"] == "frost"),
    # a class by its proper modifier ("Persian cat"), names written apart, filler
    ("persians with frost", lambda s: s["label"] == "Persian cat" and s["corruption"] == "frost"),
    ("sun glasses with spatter", lambda s: s["label"] == "sunglasses" and s["corruption"] == "spatter"),
    ("plz show golden retrievers in fog", lambda s: s["label"] == "golden retriever" and s["corruption"] == "fog"),
    # "lvl"/"lv", comparison symbols, leading-dot numbers
    ("lv 2 speckle noise on bees", lambda s: s["label"] == "bee" and s["corruption"] == "speckle_noise" and s["severity"] == 2),
    ("frost lvl>=4", lambda s: s["corruption"] == "frost" and s["severity"] >= 4),
    ("birds with ood score > .7", lambda s: "bird" in s["hypernyms"] and s["ood_score"] > 0.7),
    ("label quality <= .15", lambda s: s["label_quality"] <= 0.15),
    # "best"/"worst" on label quality
    ("the 6 pictures with the worst label quality", ("top", lambda s: True, "label_quality", 6, False)),
    ("cats with the best label quality, 8 of them", ("top", _cat, "label_quality", 8, True)),
    # causes of the held-out v3 failures (own wording): two class words in a
    # row, one below the other, mean the narrower one
    ("arthropod insects", lambda s: "insect" in s["hypernyms"]),
    ("bird animals in fog", lambda s: "bird" in s["hypernyms"] and s["corruption"] == "fog"),
    # "or" between two label conditions is a union
    ("wrong labels or unlabeled images",
     lambda s: s["label_issue"] is True or "missing_label" in s["tags"]),
    # a bare split name before "pictures"/"of"/a class is the split
    ("train pictures of dogs", lambda s: "train" in s["tags"] and _dog(s)),
    ("train cats", lambda s: "train" in s["tags"] and _cat(s)),
    # everyday shorthand: "w/", "w/o", "+", "gimme", "imgs"
    ("cats w/o blur", lambda s: _cat(s) and not _blur(s)),
    ("bees + ladybugs w/ frost",
     lambda s: s["label"] in ("bee", "ladybug") and s["corruption"] == "frost"),
    ("gimme noisy imgs of geese", lambda s: s["label"] == "goose" and _noise(s)),
    # "<family> family"; a typo is never read as a number word
    ("pictures from the blur family", lambda s: s["family"] == "blur"),
    ("all but the digital family", lambda s: s["family"] != "digital"),
    ("frost at severty 2", lambda s: s["corruption"] == "frost" and s["severity"] == 2),
    # comparisons in words or before the score, counts after it
    ("label quality less than or equal to 0.1", lambda s: s["label_quality"] <= 0.1),
    ("<= 0.05 uniqueness", lambda s: s["uniqueness"] <= 0.05),
    ("most unique 7", ("top", lambda s: True, "uniqueness", 7, True)),
    # causes of the held-out v4 failures (own wording): "-sses" plurals, the
    # noun of a corruption verb, plural and abbreviated score names,
    # everyday adjectives for wrong labels
    ("trolleybusses in snow", lambda s: s["label"] == "trolleybus" and s["corruption"] == "snow"),
    ("elastic distortions on pizza", lambda s: s["corruption"] == "elastic_transform" and s["label"] == "pizza"),
    ("glass blurs on bees", lambda s: s["corruption"] == "glass_blur" and s["label"] == "bee"),
    ("uniqueness scores less than 0.05", lambda s: s["uniqueness"] < 0.05),
    ("label qual under 0.1", lambda s: s["label_quality"] < 0.1),
    ("dodgy labels on birds", lambda s: "bird" in s["hypernyms"] and s["label_issue"] is True),
    ("I'd like cats in frost", lambda s: _cat(s) and s["corruption"] == "frost"),
    # causes of the held-out v5 failures (own wording): a list whose first
    # item has its own corruption splits at "or" before a second corruption;
    # label states (missing, issue) are one slot; words written apart;
    # "N or more" after a score; "best/lowest" with the count around the score
    ("snowy lemons or bananas with glass blur",
     lambda s: (s["label"] == "lemon" and s["corruption"] == "snow")
     or (s["label"] == "banana" and s["corruption"] == "glass_blur")),
    ("mislabeled geese or unlabelled pictures in frost",
     lambda s: (s["label"] == "goose" and s["label_issue"] is True)
     or ("missing_label" in s["tags"] and s["corruption"] == "frost")),
    ("lady bugs in fog", lambda s: s["label"] == "ladybug" and s["corruption"] == "fog"),
    ("label quality of 0.9 or higher", lambda s: s["label_quality"] >= 0.9),
    ("worst label quality 12", ("top", lambda s: True, "label_quality", 12, False)),
    ("highest 6 ood scores among birds", ("top", lambda s: "bird" in s["hypernyms"], "ood_score", 6, True)),
    # causes of the held-out v6 failures (own wording): "<corruption> at N"
    # is its severity; "+" between clauses; "outside a to b" and a second
    # "between" on one score; "non-<family> corruptions" are corrupted;
    # "labelled images" have a label; a shared trailing condition after a
    # union of label states; clean and corrupted together mean both
    ("bees in frost at 2 or lemons in snow at 4-5",
     lambda s: (s["label"] == "bee" and s["corruption"] == "frost" and s["severity"] == 2)
     or (s["label"] == "lemon" and s["corruption"] == "snow" and s["severity"] in (4, 5))),
    ("fog sev 2 + snow sev 4",
     lambda s: (s["corruption"] == "fog" and s["severity"] == 2) or (s["corruption"] == "snow" and s["severity"] == 4)),
    ("uniqueness outside 0.1 to 0.9", lambda s: s["uniqueness"] < 0.1 or s["uniqueness"] > 0.9),
    ("label quality between 0 and 0.05 or between 0.95 and 1",
     lambda s: 0 <= s["label_quality"] <= 0.05 or 0.95 <= s["label_quality"] <= 1),
    ("non-weather corruptions of cats", lambda s: _cat(s) and s["family"] not in ("weather", "clean")),
    ("labelled pictures with motion blur", lambda s: s["corruption"] == "motion_blur" and "missing_label" not in s["tags"]),
    ("mislabeled or unlabeled, noise only",
     lambda s: _noise(s) and (s["label_issue"] is True or "missing_label" in s["tags"])),
    ("clean and corrupted geese", lambda s: s["label"] == "goose"),
    ("faintly blurred bees", lambda s: s["label"] == "bee" and _blur(s) and s["severity"] in (1, 2)),
    ("jpg artifacts on pizza", lambda s: s["label"] == "pizza" and s["corruption"] == "jpeg_compression"),
    ("bottom 4 ood scores among cats", ("top", lambda s: _cat(s), "ood_score", 4, False)),
    # causes of the held-out v7 misses (own wording): the word between the
    # count and "by" is kept; severity comparisons in words; "no higher
    # than"; the noun after a negated severity word
    ("top 6 insects by uniqueness", ("top", lambda s: "insect" in s["hypernyms"], "uniqueness", 6, True)),
    ("geese in snow milder than severity 3",
     lambda s: s["label"] == "goose" and s["corruption"] == "snow" and s["severity"] in (1, 2)),
    ("uniqueness no higher than 0.05", lambda s: s["uniqueness"] <= 0.05),
    ("dogs, no heavy corruption", lambda s: _dog(s) and s["severity"] not in (4, 5)),
    ("can u find pizzas in fog", lambda s: s["label"] == "pizza" and s["corruption"] == "fog"),
    # cause of a held-out v8 miss (own wording): "all <noun> but X" is "except X"
    ("all pictures but the blur family", lambda s: s["family"] != "blur"),
    # causes of held-out v9 misses (own wording): an "and" list whose first
    # item is clean and whose last item is corrupted is two clauses; a
    # second item with its own modifier keeps the first item's to itself;
    # "either ... or" around score conditions
    ("clean limos plus sports cars in dense fog",
     lambda s: (s["label"] == "limousine" and s["corruption"] == "clean")
     or (s["label"] == "sports car" and s["corruption"] == "fog" and s["severity"] in (4, 5))),
    ("clean geese and lions in snow",
     lambda s: (s["label"] == "goose" and s["corruption"] == "clean")
     or (s["label"] == "lion" and s["corruption"] == "snow")),
    ("mislabeled bees, or clean ladybugs",
     lambda s: (s["label"] == "bee" and s["label_issue"] is True)
     or (s["label"] == "ladybug" and s["corruption"] == "clean")),
    ("uniqueness either under 0.05 or over 0.95", lambda s: s["uniqueness"] < 0.05 or s["uniqueness"] > 0.95),
    ("dogs and cats in frost", lambda s: (_dog(s) or _cat(s)) and s["corruption"] == "frost"),
    # a condition after the last clause is not shared into a clause it contradicts
    ("clean geese, and lions blurred at severity 4 or 5",
     lambda s: (s["label"] == "goose" and s["corruption"] == "clean")
     or (s["label"] == "lion" and _blur(s) and s["severity"] in (4, 5))),
]

# Prompts that must be refused with a ValueError (never "everything").
MUST_FAIL = [
    "",
    "giraffes in the snow",
    "dgos in fog",
    "show me everything please",
    "images with rain",
    # nothing ignored silently (spec version 2)
    "some lovely dogs in fog",
    "pugs in fog",
    "dogs 7",
    "all the pictures",
    "snwo",
    # a loose word for a very broad WordNet group (commodity: "good"); a
    # clause whose conditions exclude each other
    "the good ones in snow",
    "units in fog",
    "clean digital corruptions of bees",
    # weather that is no corruption here (never a typo of a corruption word)
    "stormy pictures of cats",
    "misty or rainy dogs",
    # two class words side by side, neither below the other
    "dogs cats",
    # relations between samples are not a selection (never "dogs and cats")
    "dogs that look like cats",
    "bees similar to ladybugs",
    "lemons resembling bananas",
    "pizzas classified as ice cream",
    # an unlabelled image has no class (never a silently empty view)
    "unlabelled cats in snow",
    # contradictions, comparisons, questions and actions are refused
    "clean bees at severity 3",
    "original images with frost",
    "cats more unusual than dogs",
    "which corruption has the most label issues",
    "delete the foggy images from the dataset",
    # where images come from, and what else is in the picture (held-out v8)
    "pictures taken with my camera",
    "dogs lying next to a lemon",
]

# Written after the parser was tuned on CASES and run once as-is: a held-out
# check of how the parser does on phrasing it was not tuned for. The
# benchmark reports its rate separately (failures here are not fixed by
# editing the expectations).
HELDOUT = [
    ("find me all the pizzas", lambda s: s["label"] == "pizza"),
    ("retrievers in snowy conditions", lambda s: "retriever" in s["hypernyms"] and s["corruption"] == "snow"),
    ("anything with impulse noise at level 4 or higher", lambda s: s["corruption"] == "impulse_noise" and s["severity"] >= 4),
    ("show severely pixelated vehicles", lambda s: s["corruption"] == "pixelate" and s["severity"] in (4, 5) and _vehicle(s)),
    ("butterflies", lambda s: "butterfly" in s["hypernyms"]),
    ("non-clean images of poodles", lambda s: s["label"] == "standard poodle" and s["corruption"] != "clean"),
    ("images of dogs but not in fog", lambda s: _dog(s) and s["corruption"] != "fog"),
    ("lightly blurred food", lambda s: "food" in s["hypernyms"] and _blur(s) and s["severity"] in (1, 2)),
    ("mammals under frost, severity 1 or 2", lambda s: "mammal" in s["hypernyms"] and s["corruption"] == "frost" and s["severity"] in (1, 2)),
    ("a random sample of 25 noisy cats", ("random", lambda s: _cat(s) and _noise(s), 25)),
    ("the 10 most unusual birds", ("top", lambda s: "bird" in s["hypernyms"], "ood_score", 10, True)),
    ("spatter on school buses", lambda s: s["corruption"] == "spatter" and s["label"] == "school bus"),
    ("persian and egyptian cats with zoom blur", lambda s: s["label"] in ("Persian cat", "Egyptian cat") and s["corruption"] == "zoom_blur"),
    ("dogs that are probably mislabeled", lambda s: _dog(s) and s["label_issue"] is True),
    ("weather effects except brightness at severity 3", lambda s: s["family"] == "weather" and s["corruption"] != "brightness" and s["severity"] == 3),
    ("limos and sports cars in the clean set", lambda s: s["label"] in ("limousine", "sports car") and s["corruption"] == "clean"),
    ("label quality under 0.1", lambda s: s["label_quality"] < 0.1),
    ("saturated fruit", lambda s: s["corruption"] == "saturate" and "fruit" in s["hypernyms"]),
    ("everything in the noise family with severity 5", lambda s: s["family"] == "noise" and s["severity"] == 5),
    ("insects, clean or mildly corrupted", lambda s: "insect" in s["hypernyms"] and s["severity"] in (0, 1, 2)),
]

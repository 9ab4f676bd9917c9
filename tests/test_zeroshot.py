"""Zero-shot classification: prompts -> predictions field -> FiftyOne
evaluation, side by side with the probe's predictions."""

import numpy as np
import pytest
from PIL import Image

import fiftyone as fo
from fiftyone import ViewField as F

import datadiver_fo.enrich.zeroshot as ddz
from datadiver_fo.enrich.models import register_model, unregister_model


_COLOURS = {"red": 0, "green": 1, "blue": 2}


@pytest.fixture
def colour_model():
    """A model whose image tower sees the dominant colour and whose text tower
    reads colour words: zero-shot must then be exact."""

    def image_fn(batch):
        means = batch.reshape(len(batch), -1, 3).mean(axis=1)
        return np.eye(3)[means.argmax(axis=1)] + 0.01

    def text_fn(texts):
        out = np.full((len(texts), 3), 0.01)
        for i, t in enumerate(texts):
            for word, k in _COLOURS.items():
                if word in t:
                    out[i, k] = 1.0
        return out

    spec = register_model("dd-colour-test", image_fn, text_encoder=text_fn, image_size=16)
    yield spec
    unregister_model(spec)


def test_zero_shot_is_exact_when_the_model_knows(colour_model, tmp_path, unique_name):
    samples = []
    for k, (name, ch) in enumerate(list(_COLOURS.items()) * 3):
        arr = np.zeros((16, 16, 3), np.uint8)
        arr[..., ch] = 200 + k
        path = str(tmp_path / f"{k}.png")
        Image.fromarray(arr).save(path)
        samples.append(fo.Sample(filepath=path, ground_truth=fo.Classification(label=name)))
    ds = fo.Dataset(unique_name)
    ds.add_samples(samples)
    ds.default_classes = ["blue", "green", "red"]
    res = ddz.zero_shot_classify(ds, colour_model, templates=["a {} square", "{}"])
    assert res["comparison"]["zero_shot"]["accuracy"] == 1.0
    assert res["comparison"]["probe"] is None
    s = ds.first()
    assert s.zeroshot.label == s.ground_truth.label
    assert len(s.zeroshot.logits) == 3 and 0.9 < s.zeroshot.confidence <= 1.0
    assert ds.count_values("eval_zeroshot") == {True: 9}
    ds.delete()


def test_zero_shot_with_open_clip_on_mini(fresh_dataset, tmp_path, tiny_clip):
    ds = fresh_dataset
    spec = tiny_clip(str(tmp_path))
    view = ds.match(F("corruption").is_in(["clean", "fog"]))
    # the probe's predictions (from the OoD issue) are stood in for here:
    # right on clean images, wrong on fog
    classes = ds.default_classes
    gt = view.values("ground_truth.label")
    corr = view.values("corruption")
    preds = [
        fo.Classification(label=g if c == "clean" else next(x for x in classes if x != g))
        for g, c in zip(gt, corr)
    ]
    view.set_values("predictions", preds)

    calls = []
    res = ddz.zero_shot_classify(view, spec, progress=lambda f, l: calls.append(f))
    assert calls and calls[-1] == pytest.approx(1.0)
    assert res["failures"] == [] and res["classes"] == classes
    assert view.count("zeroshot") == len(view) and ds.count("zeroshot") == len(view)
    labels = view.values("zeroshot.label")
    assert set(labels) <= set(classes)
    logits = np.array(view.values("zeroshot.logits"))
    assert [classes[i] for i in logits.argmax(axis=1)] == labels
    conf = np.array(view.values("zeroshot.confidence"))
    assert np.all((conf > 0) & (conf <= 1))

    # FiftyOne's evaluation agrees with a direct count
    acc = np.mean(np.array(labels) == np.array(gt))
    assert res["comparison"]["zero_shot"]["accuracy"] == pytest.approx(acc)
    assert "eval_zeroshot" in ds.list_evaluations()
    assert view.count_values("eval_zeroshot").get(True, 0) == round(acc * len(view))
    assert "macro avg" in res["report"]

    probe = res["comparison"]["probe"]
    assert probe["by"]["clean"] == 1.0 and probe["by"]["fog"] == 0.0
    table = ddz.comparison_table(res)
    assert table[0]["corruption"] == "all"
    assert {r["corruption"] for r in table} == {"all", "clean", "fog"}

    # re-running replaces, one run and one evaluation
    ddz.zero_shot_classify(view, spec)
    assert ds.list_evaluations().count("eval_zeroshot") == 1
    assert [k for k in ds.list_runs() if "zeroshot" in k] == ["datadiver_zeroshot_zeroshot"]


def test_zero_shot_bad_input(fresh_dataset):
    with pytest.raises(ValueError, match="text tower"):
        ddz.zero_shot_classify(fresh_dataset.limit(2), "pixels")
    with pytest.raises(ValueError, match="non-empty"):
        ddz.zero_shot_classify(fresh_dataset.limit(0), "pixels")
    with pytest.raises(ValueError, match="label_field"):
        ddz.zero_shot_classify(fresh_dataset.limit(2), "pixels", label_field="bad name")


def test_zero_shot_operator(fresh_dataset, run_operator, colour_model):
    view = fresh_dataset.match(F("corruption") == "clean").limit(6)
    res = run_operator(
        "zero_shot_classify", fresh_dataset,
        params={"view_target": "CURRENT_VIEW", "model": colour_model,
                "templates": "a {} photo|{}", "label_field": "zs"},
        view=view,
    )
    assert res.error is None, res.error
    assert fresh_dataset.count("zs") == 6
    assert res.result["eval_key"] == "eval_zs" and res.result["table"][0]["corruption"] == "all"

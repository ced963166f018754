"""Classifier mode inside the Snakemake workflow: a test-built classifier on a labelled dataset built by
the test, and the identity classifier on augmented demo faces."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from conftest import bright_region_classifier
from workflow_helpers import FAST_FIGURES, snakemake, write_config

from facelime.images import load_rgb, save_rgb
from facelime.steps.demo import demo_dataset
from facelime.storage import load_arrays

pytestmark = pytest.mark.workflow

# region brightness -> the bright-region classifier's P(bright) = sigmoid(20 (mean/255 - 0.5))
LABELLED = {  # (class folder, region value): expected case
    ("bright", 200): "confident_correct",
    ("bright", 20): "confident_wrong",
    ("dark", 30): "confident_correct",
    ("dark", 126): "borderline_correct",  # P(bright) 0.47
    ("dark", 129): "borderline_wrong",  # P(bright) 0.53
}


def read_tsv(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


@pytest.fixture(scope="module")
def classify_run(tmp_path_factory, face_crop):
    work = tmp_path_factory.mktemp("classify")
    for (label, value), _ in LABELLED.items():
        image = face_crop.copy()
        image[28:56, 56:84] = value
        (work / "labelled" / label).mkdir(parents=True, exist_ok=True)
        save_rgb(work / "labelled" / label / f"region_{value:03d}.png", image)
    # identities with 5 images each: a demo photo, its mirror and three brightness changes
    demo_dataset(faces=work / "demo", metadata=work / "identities.csv")
    for identity in ("astronaut", "grace_hopper", "tom_hanks"):
        folder = work / "faces" / identity
        folder.mkdir(parents=True)
        source = load_rgb(sorted((work / "demo" / identity).iterdir())[0])
        for k, (gain, mirror) in enumerate([(1.0, False), (1.0, True), (0.8, False), (1.2, False), (0.9, True)]):
            image = np.clip(source.astype(float) * gain, 0, 255).astype(np.uint8)
            save_rgb(folder / f"{identity}_{k}.png", image[:, ::-1] if mirror else image)
    config = {
        "seed": 5,
        "dataset": {"root": str(work / "faces")},
        "lime": {"num_samples": 30},
        "sheets": False,
        "figures": FAST_FIGURES,
        "models": {"dlib_resnet": {"backend": "dlib"}},
        "classify": {
            "enabled": True,
            "dataset": str(work / "labelled"),
            "models": {"bright": {"path": str(bright_region_classifier(work / "bright.onnx")),
                                  "classes": ["dark", "bright"], "mean": [0, 0, 0], "std": [255, 255, 255],
                                  "device": "cpu"}},
            "lime": {"num_samples": 150, "segmentation": "slic", "top_k": 1, "all_classes": True},
        },
        "identity_classifier": {"enabled": True, "identities": 3, "explain": 2, "top_k": 3},
    }
    write_config(work, config)
    targets = [f"results/classify/bright/{f}" for f in ("metrics.tsv", "cases.tsv", "explanations.npz")]
    targets += ["results/classify/bright/cases/confident_wrong.png", "results/identity_classifier/metrics.tsv"]
    result = snakemake(work, "--cores", "2", *targets)
    assert result.returncode == 0, result.stderr[-4000:]
    return work


def test_predictions_metrics_and_cases(classify_run):
    results = classify_run / "results" / "classify" / "bright"
    predictions = {row["file"].rsplit("/", 2)[-2] + "/" + row["file"].rsplit("/", 1)[-1]: row
                   for row in read_tsv(results / "predictions.tsv")}
    assert len(predictions) == len(LABELLED)
    metrics = {row["class"]: row for row in read_tsv(results / "metrics.tsv")}
    # true dark: 30 -> dark, 126 -> dark, 129 -> bright; true bright: 200 -> bright, 20 -> dark
    assert float(metrics["dark"]["precision"]) == pytest.approx(2 / 3)  # predicted dark: 30, 126, bright/20
    assert float(metrics["dark"]["recall"]) == pytest.approx(2 / 3)
    assert float(metrics["bright"]["precision"]) == pytest.approx(1 / 2)
    assert float(metrics["bright"]["recall"]) == pytest.approx(1 / 2)
    confusion = read_tsv(results / "confusion.tsv")
    assert [[int(r["dark"]), int(r["bright"])] for r in confusion] == [[2, 1], [1, 1]]
    cases = {}
    for row in read_tsv(results / "cases.tsv"):
        cases.setdefault(row["case"], set()).add((row["true"], int(row["file"].rsplit("_", 1)[-1][:3])))
    for (label, value), case in LABELLED.items():
        assert (label, value) in cases[case], (label, value, case)
    assert cases["confused_pair"] == {("dark", 129)}  # one image each way: the tie goes to the lower class index
    assert (results / "metrics.png").stat().st_size > 1000 and (results / "confusion.png").stat().st_size > 1000


def test_region_explanations_are_green_for_the_class_they_support(classify_run):
    results = classify_run / "results" / "classify" / "bright"
    data = load_arrays(results / "explanations.npz")
    assert len(data["case"]) > 0
    for case, file, explained, coefficients in zip(data["case"], data["files"], data["explained_class"],
                                                   data["coefficients"]):
        finite = coefficients[np.isfinite(coefficients)]
        assert finite.size >= 2
        # a bright region supports 'bright', a dark one supports 'dark': the top superpixel's sign says which
        value = int(str(file).rsplit("_", 1)[-1][:3])
        region_supports_bright = value > 127.5
        top = finite[np.argmax(np.abs(finite))]
        assert (top > 0) == (region_supports_bright == (explained == 1)), (case, file, explained)
    assert (results / "cases" / "confident_wrong.png").stat().st_size > 1000


def test_identity_classifier_outputs(classify_run):
    results = classify_run / "results" / "identity_classifier"
    metrics = read_tsv(results / "metrics.tsv")
    assert [row["identity"] for row in metrics] == ["astronaut", "grace_hopper", "tom_hanks"]
    assert all(int(row["support"]) == 1 for row in metrics)  # 5 images: 3 train, 1 validation, 1 test
    predictions = read_tsv(results / "predictions.tsv")
    assert len(predictions) == 3
    recall = np.mean([row["predicted"] == row["identity"] for row in predictions])
    assert np.mean([float(r["recall"]) for r in metrics]) == pytest.approx(recall)
    stored = load_arrays(results / "classifier.npz")
    assert stored["coef"].shape == (3, 128) and list(stored["classes"]) == ["astronaut", "grace_hopper", "tom_hanks"]
    assert (results / "explanations.png").stat().st_size > 1000 and (results / "confusion.png").is_file()
    assert (results / "metrics.png").is_file()

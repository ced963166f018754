"""Rules of classifier mode (docs/method.md, Classifier mode): classifier_predict, classifier_report,
classifier_explain and identity_classifier."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from ..classify.cases import CASES, classification_metrics, most_confused_pair, select_cases
from ..classify.lime_class import explain_classes, segment_and_explain_classes
from ..classify.onnx_classifier import build_classifier
from ..classify.overlay import signed_overlay
from ..dataset import list_identities, list_images
from ..errors import BadImageError, ConfigError
from ..images import load_rgb
from ..seeding import job_seed
from ..storage import load_arrays, read_tsv, save_arrays, write_tsv


def write_metrics(metrics_tsv: str, confusion_tsv: str, metrics: dict, classes: list[str], label: str) -> None:
    """Per-class precision/recall/support and the confusion matrix (rows: true, columns: predicted) as TSVs."""
    write_tsv(metrics_tsv, [{label: c, "precision": metrics["precision"][i], "recall": metrics["recall"][i],
                             "support": int(metrics["support"][i])} for i, c in enumerate(classes)],
              [label, "precision", "recall", "support"])
    corner = "true \\ predicted"
    write_tsv(confusion_tsv, [{corner: c, **dict(zip(classes, map(int, metrics["confusion"][i])))}
                              for i, c in enumerate(classes)], [corner, *classes])


def labelled_images(root: str, classes: list[str], max_per_class: int | None) -> list[tuple[str, int]]:
    """(file, class index) for <root>/<class>/<image>; a class folder not in `classes` is an error."""
    found = []
    for folder in list_identities(root):
        if folder not in classes:
            raise ConfigError(f"classify.dataset: folder {os.path.join(root, folder)} is not one of the classes "
                              f"{classes}")
        files = list_images(root, folder)
        found += [(f, classes.index(folder)) for f in files[:max_per_class]]
    return found


def classifier_predict(*, npz: str, tsv: str, dataset: str, spec: dict, max_per_class: int | None,
                       on_bad_image: str, classifier: str, threads: int = 1) -> None:
    """Class probabilities of every labelled image; bad images skipped (listed) or fatal, as in the main mode."""
    model = build_classifier(classifier, spec, threads)
    files, true, probabilities, skipped = [], [], [], []
    for path, label in labelled_images(dataset, spec["classes"], max_per_class):
        try:
            image = load_rgb(path)
        except BadImageError as err:
            if on_bad_image == "fail":
                raise
            logging.warning("skipped %s", err)
            skipped.append(path)
            continue
        probabilities.append(model.probabilities(model.prepare(image).pixels[None])[0])
        files.append(os.fspath(path))
        true.append(label)
    probabilities = np.array(probabilities, np.float64).reshape(-1, len(spec["classes"]))
    predicted = np.argmax(probabilities, axis=1)
    save_arrays(npz, files=np.array(files, dtype=str), true=np.array(true, np.int64), predicted=predicted,
                probabilities=probabilities, skipped=np.array(skipped, dtype=str))
    classes = spec["classes"]
    fields = ["file", "true", "predicted", *(f"p_{c}" for c in classes)]
    write_tsv(tsv, [dict(zip(fields, [f, classes[t], classes[p], *row]))
                    for f, t, p, row in zip(files, true, predicted, probabilities)], fields)


def classifier_report(*, predictions: str, classes: list[str], cases: dict, metrics: str, metrics_png: str,
                      confusion: str, confusion_png: str, cases_tsv: str, classifier: str) -> dict:
    """Per-class precision/recall, the confusion matrix, and the case sets (settings: `cases`, classify.cases)
    with the most confused pair."""
    from ..classify.plots import draw_confusion, draw_precision_recall

    data = load_arrays(predictions)
    scores = classification_metrics(data["true"], data["predicted"], len(classes))
    write_metrics(metrics, confusion, scores, classes, "class")
    accuracy = float(np.mean(data["true"] == data["predicted"])) if len(data["true"]) else float("nan")
    draw_precision_recall(classes, scores["precision"], scores["recall"], metrics_png, f"{classifier}: per class")
    draw_confusion(scores["confusion"], classes, confusion_png, f"{classifier}: accuracy {accuracy:.3f}")
    chosen = select_cases(data["probabilities"], data["true"], cases["borderline_margin"],
                          cases["confident"]) if len(data["true"]) else {c: np.array([], int) for c in CASES}
    true, predicted, count = most_confused_pair(scores["confusion"])
    confused = np.flatnonzero((data["true"] == true) & (data["predicted"] == predicted)) if count else np.array([], int)
    chosen["confused_pair"] = confused
    rows = [dict(case=case, index=int(i), file=data["files"][i], true=classes[data["true"][i]],
                 predicted=classes[data["predicted"][i]], top_probability=float(np.max(data["probabilities"][i])))
            for case, index in chosen.items() for i in index[: cases["per_case"]]]
    write_tsv(cases_tsv, rows, ["case", "index", "file", "true", "predicted", "top_probability"])
    return chosen


def classifier_explain(*, predictions: str, cases_tsv: str, npz: str, figures: list[str], spec: dict, lime: dict,
                       seed: int, cases: list[str], classifier: str, threads: int = 1) -> None:
    """LIME of the predicted class (every class with lime.all_classes) for the images of each case,
    one figure per case (`figures` follows `cases`)."""
    from ..classify.plots import draw_explanation_grid

    data = load_arrays(predictions)
    model = build_classifier(classifier, spec, threads)
    classes = spec["classes"]
    chosen = read_tsv(cases_tsv)
    records = {key: [] for key in ("case", "file", "classes", "coefficients")}
    for case, path in zip(cases, figures, strict=True):
        rows = []
        for entry in (r for r in chosen if r["case"] == case):
            i = int(entry["index"])
            image = model.view(load_rgb(data["files"][i]))
            wanted = list(range(len(classes))) if lime["all_classes"] else None
            if case == "confused_pair":  # both sides of the confusion
                wanted = sorted({int(data["true"][i]), int(data["predicted"][i])})
            explanation = segment_and_explain_classes(
                image, model, lime, job_seed(seed, "classify", classifier, data["files"][i]), wanted)
            panels = [(signed_overlay(image, explanation.segments, coef, lime["top_k"]),
                       f"{classes[c]} p={explanation.probabilities[c]:.2f}")
                      for c, coef in zip(explanation.classes, explanation.coefficients)]
            rows.append({"image": image, "panels": panels,
                         "label": f"{Path(data['files'][i]).name}\ntrue {entry['true']}, pred {entry['predicted']}"})
            for c, coef in zip(explanation.classes, explanation.coefficients):
                records["case"].append(case)
                records["file"].append(data["files"][i])
                records["classes"].append(c)
                records["coefficients"].append(coef)
        draw_explanation_grid(rows, path, f"{classifier}: {case.replace('_', ' ')}")
    width = max((len(c) for c in records["coefficients"]), default=0)
    padded = [np.pad(c, (0, width - len(c)), constant_values=np.nan) for c in records["coefficients"]]
    save_arrays(npz, case=np.array(records["case"], dtype=str), files=np.array(records["file"], dtype=str),
                explained_class=np.array(records["classes"], np.int64),
                coefficients=np.array(padded, np.float32).reshape(-1, width))


def identity_classifier(*, faces: list[str], metrics: str, metrics_png: str, confusion: str, confusion_png: str,
                        predictions: str, classifier: str, explanations: str, identities: list[str], model: str,
                        spec: dict, settings: dict, lime: dict, seed: int, threads: int = 1,
                        speed: dict | None = None) -> dict:
    """Logistic regression on `model`'s embeddings of the identities' face crops (faces follows identities),
    its test metrics, and LIME explanations (green/red) of its predicted-class probability on test images.

    speed: the model's speed-only settings (facelime.plan.settings.speed_settings), which are not rule params.
    """
    from ..classify.embedding_classifier import EmbeddingClassifier
    from ..classify.identity import fit_identity_classifier
    from ..classify.plots import draw_confusion, draw_explanation_grid, draw_precision_recall
    from ..models import build_embedder

    crops = [load_arrays(p) for p in faces]
    images = np.concatenate([c["faces"] for c in crops])
    segments = np.concatenate([c["segments"] for c in crops])
    labels = np.concatenate([np.full(len(c["images"]), i) for i, c in enumerate(crops)])
    names = np.concatenate([c["images"] for c in crops])
    embedder = build_embedder(model, {**spec, **(speed or {})}, threads=threads)
    embeddings = embedder.embed_faces(images).astype(np.float64)
    result = fit_identity_classifier(embeddings, labels, len(identities), tuple(settings["split"]),
                                     job_seed(seed, "identity classifier", model) % (2**31))
    save_arrays(classifier, coef=result["coef"], intercept=result["intercept"],
                classes=np.array(identities, dtype=str), c=np.float64(result["c"]), train=result["train"],
                val=result["val"], test=result["test"])
    write_metrics(metrics, confusion, result, identities, "identity")
    draw_precision_recall(identities, result["precision"], result["recall"], metrics_png,
                          f"{model} + logistic regression, test set")
    draw_confusion(result["confusion"], identities, confusion_png,
                   f"{model} + logistic regression: test accuracy {result['test_accuracy']:.3f} "
                   f"(C={result['c']:g}, validation {result['val_accuracy']:.3f})")
    test = result["test"]
    write_tsv(predictions, [dict(identity=identities[labels[j]], image=names[j],
                                 predicted=identities[result["test_predicted"][k]],
                                 probability=float(np.max(result["test_probabilities"][k])))
                            for k, j in enumerate(test)], ["identity", "image", "predicted", "probability"])
    who = EmbeddingClassifier(embedder, result["coef"], result["intercept"], identities)
    rows = []
    for j in test[: settings["explain"]]:
        explanation = explain_classes(images[j], segments[j], who, None, num_samples=lime["num_samples"],
                                      kernel_width=lime["kernel_width"],
                                      seed=job_seed(seed, "identity classifier", model, str(names[j])),
                                      sampling=lime["sampling"])
        c = explanation.classes[0]
        overlay = signed_overlay(images[j], segments[j], explanation.coefficients[0], settings["top_k"])
        rows.append({"image": images[j], "label": f"{identities[labels[j]]}\n{names[j]}",
                     "panels": [(overlay, f"pred {identities[c]} p={explanation.probabilities[c]:.2f}")]})
    draw_explanation_grid(rows, explanations, f"{model}: who is this?")
    return result

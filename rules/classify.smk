# Classifier mode (docs/method.md, Classifier mode, config classify.* and identity_classifier.*, off by default):
# LIME on one class probability, green/red overlays, case selection, identity classification.
CLASSIFY = config["classify"]
CLASSIFIERS = sorted(CLASSIFY["models"]) if CLASSIFY["enabled"] else []
IDENTITY_CLASSIFIER = config["identity_classifier"]
CASE_FIGURES = ["borderline_correct", "borderline_wrong", "confident_correct", "confident_wrong", "confused_pair"]


wildcard_constraints:
    classifier="|".join(re.escape(c) for c in CLASSIFIERS) or "no-classifier",


def classifier_targets():
    targets = []
    for name in CLASSIFIERS:
        targets += expand("results/classify/{classifier}/{file}", classifier=name,
                          file=["predictions.tsv", "metrics.tsv", "metrics.png", "confusion.tsv", "confusion.png", "cases.tsv",
                                "explanations.npz"])
        targets += expand("results/classify/{classifier}/cases/{case}.png", classifier=name, case=CASE_FIGURES)
    if IDENTITY_CLASSIFIER["enabled"]:
        targets += IDENTITY_OUTPUTS.values()
    return targets


def identity_classifier_model():
    return IDENTITY_CLASSIFIER["model"] or MODELS[0]


def identity_classifier_model_file():
    path = config["models"][identity_classifier_model()]["path"]
    return [path] if path else []


def identity_classifier_identities():
    """The identities with most images (capped as the dataset is), at least 3 each (one per split)."""
    from facelime.classify.identity import top_identities

    cap = DATASET["max_images_per_identity"]
    counts = {i: min(len(_images(i)), cap or 10**9) for i in identities()}
    chosen = top_identities(counts, IDENTITY_CLASSIFIER["identities"])
    if len(chosen) < 2:
        raise WorkflowError("identity_classifier: fewer than two identities with 3 or more images")
    return chosen


IDENTITY_OUTPUTS = {name: f"results/identity_classifier/{name}" for name in
                    ("metrics.tsv", "metrics.png", "confusion.tsv", "confusion.png", "predictions.tsv", "classifier.npz",
                     "explanations.png")}


rule classifier_predict:
    input:
        lambda wildcards: CLASSIFY["models"][wildcards.classifier]["path"],
    output:
        npz="results/classify/{classifier}/predictions.npz",
        tsv="results/classify/{classifier}/predictions.tsv",
    params:
        dataset=CLASSIFY["dataset"],
        spec=lambda wildcards: CLASSIFY["models"][wildcards.classifier],
        max_per_class=CLASSIFY["max_images_per_class"],
        on_bad_image=DATASET["on_bad_image"],
    log:
        "logs/classify/{classifier}/predict.log",
    conda:
        "../envs/facelime.yaml"
    script:
        "../scripts/classifier_predict.py"


rule classifier_report:
    input:
        "results/classify/{classifier}/predictions.npz",
    output:
        metrics=report("results/classify/{classifier}/metrics.tsv", caption="../report/classifier.rst", category="Classifier mode", labels={"classifier": "{classifier}", "figure": "precision and recall"}),
        metrics_png=report("results/classify/{classifier}/metrics.png", caption="../report/classifier.rst", category="Classifier mode", labels={"classifier": "{classifier}", "figure": "precision and recall chart"}),
        confusion="results/classify/{classifier}/confusion.tsv",
        confusion_png=report("results/classify/{classifier}/confusion.png", caption="../report/classifier.rst", category="Classifier mode", labels={"classifier": "{classifier}", "figure": "confusion matrix"}),
        cases="results/classify/{classifier}/cases.tsv",
    params:
        classes=lambda wildcards: CLASSIFY["models"][wildcards.classifier]["classes"],
        cases=CLASSIFY["cases"],
    log:
        "logs/classify/{classifier}/report.log",
    conda:
        "../envs/facelime.yaml"
    script:
        "../scripts/classifier_report.py"


rule classifier_explain:
    input:
        predictions="results/classify/{classifier}/predictions.npz",
        cases="results/classify/{classifier}/cases.tsv",
        model=lambda wildcards: CLASSIFY["models"][wildcards.classifier]["path"],
    output:
        npz="results/classify/{classifier}/explanations.npz",
        figures=[report(f"results/classify/{{classifier}}/cases/{case}.png", caption="../report/classifier_cases.rst", category="Classifier mode", labels={"classifier": "{classifier}", "figure": case}) for case in CASE_FIGURES],
    params:
        spec=lambda wildcards: CLASSIFY["models"][wildcards.classifier],
        lime=CLASSIFY["lime"],
        seed=config["seed"],
        cases=CASE_FIGURES,
    log:
        "logs/classify/{classifier}/explain.log",
    conda:
        "../envs/facelime.yaml"
    script:
        "../scripts/classifier_explain.py"


rule identity_classifier:
    input:
        faces=lambda wildcards: expand("results/faces/{identity}.npz", identity=identity_classifier_identities()),
        model=lambda wildcards: identity_classifier_model_file(),
    output:
        metrics=report(IDENTITY_OUTPUTS["metrics.tsv"], caption="../report/identity_classifier.rst", category="Classifier mode", labels={"classifier": "identity", "figure": "precision and recall"}),
        metrics_png=report(IDENTITY_OUTPUTS["metrics.png"], caption="../report/identity_classifier.rst", category="Classifier mode", labels={"classifier": "identity", "figure": "precision and recall chart"}),
        confusion=IDENTITY_OUTPUTS["confusion.tsv"],
        confusion_png=report(IDENTITY_OUTPUTS["confusion.png"], caption="../report/identity_classifier.rst", category="Classifier mode", labels={"classifier": "identity", "figure": "confusion matrix"}),
        predictions=IDENTITY_OUTPUTS["predictions.tsv"],
        classifier=IDENTITY_OUTPUTS["classifier.npz"],
        explanations=report(IDENTITY_OUTPUTS["explanations.png"], caption="../report/identity_classifier.rst", category="Classifier mode", labels={"classifier": "identity", "figure": "explanations"}),
    params:
        identities=lambda wildcards: identity_classifier_identities(),
        model=identity_classifier_model(),
        spec=config["models"][identity_classifier_model()],
        settings=IDENTITY_CLASSIFIER,
        lime=config["lime"],
        seed=config["seed"],
    log:
        "logs/identity_classifier.log",
    conda:
        "../envs/facelime.yaml"
    script:
        "../scripts/identity_classifier.py"

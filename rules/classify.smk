# Classifier mode (docs/method.md, Classifier mode, config classify.* and identity_classifier.*, off by default):
# LIME on one class probability, green/red overlays, case selection, identity classification.


rule classifier_predict:
    input:
        model_file=lambda wildcards: CLASSIFY["models"][wildcards.classifier]["path"],
    output:
        npz="results/classify/{classifier}/predictions.npz",
        tsv="results/classify/{classifier}/predictions.tsv",
    log:
        "logs/classify/{classifier}/predict.log",
    conda:
        model_env("classifier_predict")
    params:
        dataset=CLASSIFY["dataset"],
        spec=lambda wildcards: CLASSIFY["models"][wildcards.classifier],
        max_per_class=CLASSIFY["max_images_per_class"],
        on_bad_image=DATASET["on_bad_image"],
    script:
        "../scripts/classifier_predict.py"


rule classifier_report:
    input:
        predictions="results/classify/{classifier}/predictions.npz",
    output:
        metrics=report(
            "results/classify/{classifier}/metrics.tsv",
            caption="../report/classifier.rst",
            category="Classifier mode",
            subcategory="{classifier}",
            labels={"classifier": "{classifier}", "figure": "precision and recall"},
        ),
        metrics_png=report(
            "results/classify/{classifier}/metrics.png",
            caption="../report/classifier.rst",
            category="Classifier mode",
            subcategory="{classifier}",
            labels={
                "classifier": "{classifier}",
                "figure": "precision and recall chart",
            },
        ),
        confusion="results/classify/{classifier}/confusion.tsv",
        confusion_png=report(
            "results/classify/{classifier}/confusion.png",
            caption="../report/classifier.rst",
            category="Classifier mode",
            subcategory="{classifier}",
            labels={"classifier": "{classifier}", "figure": "confusion matrix"},
        ),
        metrics_pdf="results/classify/{classifier}/metrics.pdf",
        confusion_pdf="results/classify/{classifier}/confusion.pdf",
        cases_tsv="results/classify/{classifier}/cases.tsv",
    log:
        "logs/classify/{classifier}/report.log",
    conda:
        "../envs/facelime.yaml"
    params:
        classes=lambda wildcards: CLASSIFY["models"][wildcards.classifier]["classes"],
        cases=CLASSIFY["cases"],
        figure_style=FIGURE_STYLE,
    script:
        "../scripts/classifier_report.py"


rule classifier_explain:
    input:
        predictions="results/classify/{classifier}/predictions.npz",
        cases_tsv="results/classify/{classifier}/cases.tsv",
        model_file=lambda wildcards: CLASSIFY["models"][wildcards.classifier]["path"],
    output:
        npz="results/classify/{classifier}/explanations.npz",
        figures=[
            report(
                f"results/classify/{{classifier}}/cases/{case}.png",
                caption="../report/classifier_cases.rst",
                category="Classifier mode",
                subcategory="{classifier}",
                labels={"classifier": "{classifier}", "figure": case},
            )
            for case in CASE_FIGURES
        ],
        figure_pdfs=[
            f"results/classify/{{classifier}}/cases/{case}.pdf"
            for case in CASE_FIGURES
        ],
    log:
        "logs/classify/{classifier}/explain.log",
    conda:
        model_env("classifier_explain")
    params:
        spec=lambda wildcards: CLASSIFY["models"][wildcards.classifier],
        lime=CLASSIFY["lime"],
        seed=config["seed"],
        cases=CASE_FIGURES,
        figure_style=FIGURE_STYLE,
    script:
        "../scripts/classifier_explain.py"


rule identity_classifier:
    input:
        faces=lambda wildcards: expand(
            "results/faces/{identity}.npz", identity=identity_classifier_identities()
        ),
        model_file=lambda wildcards: identity_classifier_model_file(),
    output:
        metrics=report(
            IDENTITY_OUTPUTS["metrics.tsv"],
            caption="../report/identity_classifier.rst",
            category="Classifier mode",
            subcategory="identity classifier",
            labels={"classifier": "identity", "figure": "precision and recall"},
        ),
        metrics_png=report(
            IDENTITY_OUTPUTS["metrics.png"],
            caption="../report/identity_classifier.rst",
            category="Classifier mode",
            subcategory="identity classifier",
            labels={"classifier": "identity", "figure": "precision and recall chart"},
        ),
        confusion=IDENTITY_OUTPUTS["confusion.tsv"],
        confusion_png=report(
            IDENTITY_OUTPUTS["confusion.png"],
            caption="../report/identity_classifier.rst",
            category="Classifier mode",
            subcategory="identity classifier",
            labels={"classifier": "identity", "figure": "confusion matrix"},
        ),
        predictions=IDENTITY_OUTPUTS["predictions.tsv"],
        classifier=IDENTITY_OUTPUTS["classifier.npz"],
        explanations=report(
            IDENTITY_OUTPUTS["explanations.png"],
            caption="../report/identity_classifier.rst",
            category="Classifier mode",
            subcategory="identity classifier",
            labels={"classifier": "identity", "figure": "explanations"},
        ),
        pdfs=[
            IDENTITY_OUTPUTS[name][: -len(".png")] + ".pdf"
            for name in ("metrics.png", "confusion.png", "explanations.png")
        ],
    log:
        "logs/identity_classifier.log",
    conda:
        model_env("identity_classifier")
    params:
        identities=lambda wildcards: identity_classifier_identities(),
        model=identity_classifier_model(),
        spec=plan_settings.numbers_only(config["models"][identity_classifier_model()]),
        settings=IDENTITY_CLASSIFIER,
        lime=LIME_PARAMS,
        seed=config["seed"],
        figure_style=FIGURE_STYLE,
    script:
        "../scripts/identity_classifier.py"

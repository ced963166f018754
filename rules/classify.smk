# Classifier mode (docs/method.md, Classifier mode, config classify.* and identity_classifier.*, off by default):
# LIME on one class probability, green/red overlays, case selection, identity classification.


rule classifier_predict:
    input:
        model_file=lambda wildcards: config["classify"]["models"][
            wildcards.classifier
        ]["path"],
    output:
        npz="results/classify/{classifier}/predictions.npz",
        tsv="results/classify/{classifier}/predictions.tsv",
    log:
        "logs/classify/{classifier}/predict.log",
    conda:
        model_env("classifier_predict")
    params:
        dataset=config["classify"]["dataset"],
        spec=lambda wildcards: config["classify"]["models"][wildcards.classifier],
        max_per_class=config["classify"]["max_images_per_class"],
        on_bad_image=config["dataset"]["on_bad_image"],
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
        classes=lambda wildcards: config["classify"]["models"][wildcards.classifier][
            "classes"
        ],
        cases=config["classify"]["cases"],
        figure_style=FIGURE_STYLE,
    script:
        "../scripts/classifier_report.py"


rule classifier_explain:
    input:
        predictions="results/classify/{classifier}/predictions.npz",
        cases_tsv="results/classify/{classifier}/cases.tsv",
        model_file=lambda wildcards: config["classify"]["models"][
            wildcards.classifier
        ]["path"],
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
            for case in paths.CASE_FIGURES
        ],
        figure_pdfs=[
            f"results/classify/{{classifier}}/cases/{case}.pdf"
            for case in paths.CASE_FIGURES
        ],
    log:
        "logs/classify/{classifier}/explain.log",
    conda:
        model_env("classifier_explain")
    params:
        spec=lambda wildcards: config["classify"]["models"][wildcards.classifier],
        lime=config["classify"]["lime"],
        seed=config["seed"],
        cases=list(paths.CASE_FIGURES),
        figure_style=FIGURE_STYLE,
    script:
        "../scripts/classifier_explain.py"


rule identity_classifier:
    input:
        faces=lambda wildcards: expand(
            paths.FACES, identity=identity_classifier_identities()
        ),
        model_file=lambda wildcards: plan_settings.model_file(
            config, STUDY.identity_classifier_model
        ),
    output:
        metrics=report(
            paths.IDENTITY_CLASSIFIER["metrics.tsv"],
            caption="../report/identity_classifier.rst",
            category="Classifier mode",
            subcategory="identity classifier",
            labels={"classifier": "identity", "figure": "precision and recall"},
        ),
        metrics_png=report(
            paths.IDENTITY_CLASSIFIER["metrics.png"],
            caption="../report/identity_classifier.rst",
            category="Classifier mode",
            subcategory="identity classifier",
            labels={"classifier": "identity", "figure": "precision and recall chart"},
        ),
        confusion=paths.IDENTITY_CLASSIFIER["confusion.tsv"],
        confusion_png=report(
            paths.IDENTITY_CLASSIFIER["confusion.png"],
            caption="../report/identity_classifier.rst",
            category="Classifier mode",
            subcategory="identity classifier",
            labels={"classifier": "identity", "figure": "confusion matrix"},
        ),
        predictions=paths.IDENTITY_CLASSIFIER["predictions.tsv"],
        classifier=paths.IDENTITY_CLASSIFIER["classifier.npz"],
        explanations=report(
            paths.IDENTITY_CLASSIFIER["explanations.png"],
            caption="../report/identity_classifier.rst",
            category="Classifier mode",
            subcategory="identity classifier",
            labels={"classifier": "identity", "figure": "explanations"},
        ),
        pdfs=[
            paths.IDENTITY_CLASSIFIER[name][: -len(".png")] + ".pdf"
            for name in ("metrics.png", "confusion.png", "explanations.png")
        ],
    log:
        "logs/identity_classifier.log",
    conda:
        model_env("identity_classifier")
    params:
        identities=lambda wildcards: identity_classifier_identities(),
        model=STUDY.identity_classifier_model,
        spec=plan_settings.numbers_only(
            config["models"][STUDY.identity_classifier_model]
        ),
        settings=config["identity_classifier"],
        lime=plan_settings.lime_params(config),
        seed=config["seed"],
        figure_style=FIGURE_STYLE,
    script:
        "../scripts/identity_classifier.py"

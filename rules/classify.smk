# Classifier mode (docs/method.md, Classifier mode, config classify.* and identity_classifier.*, off by default):
# LIME on one class probability, green/red overlays, case selection, identity classification.


rule classifier_predict:
    input:
        model_file=lambda wildcards: config["classify"]["models"][
            wildcards.classifier
        ]["path"],
    output:
        npz=paths.classify_file("predictions.npz"),
        tsv=paths.classify_file("predictions.tsv"),
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
        predictions=paths.classify_file("predictions.npz"),
    output:
        metrics=report(
            paths.classify_file("metrics.tsv"),
            caption="../report/classifier.rst",
            category="Classifier mode",
            subcategory="{classifier}",
            labels={"classifier": "{classifier}", "figure": "precision and recall"},
        ),
        metrics_png=report(
            paths.classify_file("metrics.png"),
            caption="../report/classifier.rst",
            category="Classifier mode",
            subcategory="{classifier}",
            labels={
                "classifier": "{classifier}",
                "figure": "precision and recall chart",
            },
        ),
        confusion=paths.classify_file("confusion.tsv"),
        confusion_png=report(
            paths.classify_file("confusion.png"),
            caption="../report/classifier.rst",
            category="Classifier mode",
            subcategory="{classifier}",
            labels={"classifier": "{classifier}", "figure": "confusion matrix"},
        ),
        metrics_pdf=paths.classify_file("metrics.pdf"),
        confusion_pdf=paths.classify_file("confusion.pdf"),
        cases_tsv=paths.classify_file("cases.tsv"),
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
        predictions=paths.classify_file("predictions.npz"),
        cases_tsv=paths.classify_file("cases.tsv"),
        model_file=lambda wildcards: config["classify"]["models"][
            wildcards.classifier
        ]["path"],
    output:
        npz=paths.classify_file("explanations.npz"),
        figures=[
            report(
                paths.fill(paths.CLASSIFY_CASE, case=case),
                caption="../report/classifier_cases.rst",
                category="Classifier mode",
                subcategory="{classifier}",
                labels={"classifier": "{classifier}", "figure": case},
            )
            for case in paths.CASE_FIGURES
        ],
        figure_pdfs=[
            paths.classify_file(f"cases/{case}.pdf") for case in paths.CASE_FIGURES
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

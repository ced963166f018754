# Optional checks of the explanations (config validity.*, all off by default):
# faithfulness (deletion/insertion), stability over seeds, the model-randomisation
# sanity check, and region shares with bootstrap CIs and permutation tests.


rule randomise_model:
    input:
        model_file=lambda wildcards: config["models"][wildcards.trained]["path"],
    output:
        randomised="results/validity/randomised/{trained}.onnx",
    log:
        "logs/validity/randomise/{trained}.log",
    conda:
        "../envs/facelime.yaml"
    params:
        seed=config["seed"],
    script:
        "../scripts/randomise_model.py"


rule faithfulness:
    input:
        faces="results/faces/{identity}.npz",
        masks="results/masks/{model}/{identity}.npz",
        model_file=model_file,
    output:
        tsv="results/validity/faithfulness/{model}/{identity}.tsv",
        curves="results/validity/faithfulness/{model}/{identity}.npz",
    log:
        "logs/validity/faithfulness/{model}/{identity}.log",
    conda:
        "../envs/facelime.yaml"
    params:
        spec=model_params,
        random_orders=VALIDITY["faithfulness"]["random_orders"],
        seed=config["seed"],
    script:
        "../scripts/faithfulness.py"


rule faithfulness_summary:
    input:
        tables=lambda wildcards: expand(
            "results/validity/faithfulness/{model}/{identity}.tsv",
            model=EXPLAINED,
            identity=identities(),
        ),
        curves=lambda wildcards: expand(
            "results/validity/faithfulness/{model}/{identity}.npz",
            model=EXPLAINED,
            identity=identities(),
        ),
    output:
        tsv=report(
            "results/validity/faithfulness.tsv",
            caption="../report/faithfulness.rst",
            category="Validity",
            subcategory="faithfulness",
            labels={"check": "faithfulness", "figure": "table"},
        ),
        png=report(
            "results/validity/faithfulness.png",
            caption="../report/faithfulness.rst",
            category="Validity",
            subcategory="faithfulness",
            labels={"check": "faithfulness", "figure": "curves"},
        ),
        pdf="results/validity/faithfulness.pdf",
    log:
        "logs/validity/faithfulness_summary.log",
    conda:
        "../envs/facelime.yaml"
    params:
        models=EXPLAINED,
        bootstrap=VALIDITY["faithfulness"]["bootstrap"],
        confidence=VALIDITY["faithfulness"]["confidence"],
        seed=config["seed"],
        figure_style=FIGURE_STYLE,
    script:
        "../scripts/faithfulness_summary.py"


rule stability:
    input:
        faces="results/faces/{identity}.npz",
        masks="results/masks/{model}/{identity}.npz",
        model_file=model_file,
    output:
        tsv="results/validity/stability/{model}/{identity}.tsv",
    log:
        "logs/validity/stability/{model}/{identity}.log",
    conda:
        "../envs/facelime.yaml"
    params:
        spec=model_params,
        lime=LIME_PARAMS,
        settings=VALIDITY["stability"],
        seed=config["seed"],
    script:
        "../scripts/stability.py"


rule stability_summary:
    input:
        tables=lambda wildcards: stability_models_identities(),
    output:
        tsv=report(
            "results/validity/stability.tsv",
            caption="../report/stability.rst",
            category="Validity",
            subcategory="stability",
            labels={"check": "stability", "figure": "table"},
        ),
        png=report(
            "results/validity/stability.png",
            caption="../report/stability.rst",
            category="Validity",
            subcategory="stability",
            labels={"check": "stability", "figure": "plot"},
        ),
        pdf="results/validity/stability.pdf",
    log:
        "logs/validity/stability_summary.log",
    conda:
        "../envs/facelime.yaml"
    params:
        figure_style=FIGURE_STYLE,
    script:
        "../scripts/stability_summary.py"


rule sanity_check:
    input:
        trained_heatmaps=expand(HEATMAP["model"] + ".npz", model=MODELS),
        randomised_heatmaps=expand(HEATMAP["model"] + ".npz", model=sorted(RANDOMISED)),
    output:
        tsv=report(
            "results/validity/sanity.tsv",
            caption="../report/sanity.rst",
            category="Validity",
            subcategory="sanity check",
            labels={"check": "sanity", "figure": "table"},
        ),
    log:
        "logs/validity/sanity_check.log",
    conda:
        "../envs/facelime.yaml"
    params:
        trained=MODELS,
        randomised_from=[RANDOMISED[m]["randomised_from"] for m in sorted(RANDOMISED)],
    script:
        "../scripts/sanity_check.py"


rule region_stats:
    input:
        model_identity=lambda wildcards: expand(
            HEATMAP["model_identity"] + ".npz", model=MODELS, identity=identities()
        ),
        canonical="results/canonical/canonical_face.npz",
    output:
        ci=report(
            "results/validity/region_share_ci.tsv",
            caption="../report/region_stats.rst",
            category="Validity",
            subcategory="region statistics",
            labels={"check": "region shares", "figure": "CIs"},
        ),
        tests=report(
            "results/validity/region_tests.tsv",
            caption="../report/region_stats.rst",
            category="Validity",
            subcategory="region statistics",
            labels={"check": "region shares", "figure": "tests"},
        ),
        forest=report(
            "results/validity/region_forest.png",
            caption="../report/region_stats.rst",
            category="Validity",
            subcategory="region statistics",
            labels={"check": "region shares", "figure": "forest plot"},
        ),
        forest_pdf="results/validity/region_forest.pdf",
    log:
        "logs/validity/region_stats.log",
    conda:
        "../envs/facelime.yaml"
    params:
        models=MODELS,
        identities=lambda wildcards: identities(),
        groups=lambda wildcards: groups(),
        settings=VALIDITY["region_stats"],
        seed=config["seed"],
        figure_style=FIGURE_STYLE,
    script:
        "../scripts/region_stats.py"

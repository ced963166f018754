# Optional checks of the explanations (config validity.*, all off by default):
# faithfulness (deletion/insertion), stability over seeds, the model-randomisation
# sanity check, and region shares with bootstrap CIs and permutation tests.


# Records params (facelime.plan.records: the files a step reads, each with its model, method
# or identity) are functions of the job's input, Snakemake's derived params: a change in them
# is a change of the input files, so they are not recorded beside the other params.


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
        faces=paths.FACES,
        masks=paths.MASKS,
        model_file=model_file,
        reference_image=plan_settings.file_input(config["lime"], "reference_image"),
    output:
        tsv=f"{paths.FAITHFULNESS_JOB}.tsv",
        curves=f"{paths.FAITHFULNESS_JOB}.npz",
    log:
        "logs/validity/faithfulness/{model}/{identity}.log",
    conda:
        model_env("faithfulness")
    params:
        spec=model_params,
        settings=plan_settings.faithfulness_settings(config),
        pair_crop=plan_settings.reference_crop_params(config),
        seed=config["seed"],
    script:
        "../scripts/faithfulness.py"


rule faithfulness_summary:
    input:
        tables=lambda wildcards: [r["tsv"] for r in records.faithfulness(plan())],
        curves=lambda wildcards: [r["curves"] for r in records.faithfulness(plan())],
    output:
        tsv=report(
            paths.VALIDITY["faithfulness"]["tsv"],
            caption="../report/faithfulness.rst",
            category="Validity",
            subcategory="faithfulness",
            labels={"check": "faithfulness", "figure": "table"},
        ),
        ranking=report(
            paths.VALIDITY["faithfulness"]["ranking"],
            caption="../report/faithfulness.rst",
            category="Validity",
            subcategory="faithfulness",
            labels={"check": "faithfulness", "figure": "ranking"},
        ),
        pairs=report(
            paths.VALIDITY["faithfulness"]["pairs"],
            caption="../report/faithfulness.rst",
            category="Validity",
            subcategory="faithfulness",
            labels={"check": "faithfulness", "figure": "method pairs"},
        ),
        png=report(
            paths.VALIDITY["faithfulness"]["png"],
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
        explained=lambda wildcards, input: records.faithfulness(plan()),
        bootstrap=config["validity"]["faithfulness"]["bootstrap"],
        confidence=config["validity"]["faithfulness"]["confidence"],
        seed=config["seed"],
        figure_style=FIGURE_STYLE,
    script:
        "../scripts/faithfulness_summary.py"


rule stability:
    input:
        faces=paths.FACES,
        masks=paths.MASKS,
        model_file=model_file,
    output:
        tsv=paths.STABILITY_TABLE,
    log:
        "logs/validity/stability/{model}/{identity}.log",
    conda:
        model_env("stability")
    params:
        spec=model_params,
        lime=plan_settings.lime_params(config),
        settings=config["validity"]["stability"],
        seed=config["seed"],
    script:
        "../scripts/stability.py"


rule stability_summary:
    input:
        tables=lambda wildcards: plan().stability_tables(),
    output:
        tsv=report(
            paths.VALIDITY["stability"]["tsv"],
            caption="../report/stability.rst",
            category="Validity",
            subcategory="stability",
            labels={"check": "stability", "figure": "table"},
        ),
        png=report(
            paths.VALIDITY["stability"]["png"],
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
        seed=config["seed"],
    script:
        "../scripts/stability_summary.py"


rule sanity_check:
    input:
        trained_heatmaps=expand(paths.HEATMAP["model"] + ".npz", model=STUDY.models),
        randomised_heatmaps=expand(
            paths.HEATMAP["model"] + ".npz", model=sorted(STUDY.randomised)
        ),
    output:
        tsv=report(
            paths.VALIDITY["sanity"]["tsv"],
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
        trained=STUDY.models,
        randomised_from=[
            STUDY.randomised[m]["randomised_from"] for m in sorted(STUDY.randomised)
        ],
    script:
        "../scripts/sanity_check.py"


rule region_stats:
    input:
        model_identity=lambda wildcards: records.record_paths(
            records.model_identity_heatmaps(plan())
        ),
        canonical=paths.CANONICAL,
    output:
        ci=report(
            paths.VALIDITY["region_stats"]["ci"],
            caption="../report/region_stats.rst",
            category="Validity",
            subcategory="region statistics",
            labels={"check": "region shares", "figure": "CIs"},
        ),
        tests=report(
            paths.VALIDITY["region_stats"]["tests"],
            caption="../report/region_stats.rst",
            category="Validity",
            subcategory="region statistics",
            labels={"check": "region shares", "figure": "tests"},
        ),
        forest=report(
            paths.VALIDITY["region_stats"]["forest"],
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
        heatmaps=lambda wildcards, input: records.model_identity_heatmaps(plan()),
        identities=lambda wildcards: identities(),
        groups=lambda wildcards: groups(),
        settings=config["validity"]["region_stats"],
        seed=config["seed"],
        figure_style=FIGURE_STYLE,
    script:
        "../scripts/region_stats.py"


rule patch_restoration:
    input:
        faces=lambda wildcards: [p["faces"] for p in records.people(plan())],
        landmarks=lambda wildcards: [p["landmarks"] for p in records.people(plan())],
        model_file=model_file,
    output:
        tsv="results/validity/patch/{model}.tsv",
        curves="results/validity/patch/{model}.npz",
    log:
        "logs/validity/patch/{model}.log",
    conda:
        model_env("patch_restoration")
    params:
        people=lambda wildcards, input: records.people(plan()),
        spec=model_params,
        lime=explain_params,
        segment=plan_settings.segment_params(config),
        settings=plan_settings.patch_settings(config),
        seed=config["seed"],
    script:
        "../scripts/patch_restoration.py"


rule patch_summary:
    input:
        tables=expand("results/validity/patch/{model}.tsv", model=STUDY.explained),
        curves=expand("results/validity/patch/{model}.npz", model=STUDY.explained),
    output:
        tsv=report(
            paths.VALIDITY["patch"]["tsv"],
            caption="../report/patch.rst",
            category="Validity",
            subcategory="patch restoration",
            labels={"check": "patch restoration", "figure": "table"},
        ),
        premise=report(
            paths.VALIDITY["patch"]["premise"],
            caption="../report/patch.rst",
            category="Validity",
            subcategory="patch restoration",
            labels={"check": "patch restoration", "figure": "premise"},
        ),
        png=report(
            paths.VALIDITY["patch"]["png"],
            caption="../report/patch.rst",
            category="Validity",
            subcategory="patch restoration",
            labels={"check": "patch restoration", "figure": "curves"},
        ),
        pdf="results/validity/patch.pdf",
    log:
        "logs/validity/patch_summary.log",
    conda:
        "../envs/facelime.yaml"
    params:
        bootstrap=config["validity"]["patch"]["bootstrap"],
        confidence=config["validity"]["patch"]["confidence"],
        seed=config["seed"],
        figure_style=FIGURE_STYLE,
    script:
        "../scripts/patch_summary.py"

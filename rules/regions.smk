# docs/method.md, Regions explainer: with `regions` in explain.methods, the exact region values
# beside the maps (which go through the common rules as <model>@regions): a table per (model,
# identity), summaries with identity-resampled CIs, paired tests and figures.


rule region_values:
    input:
        mask_files=lambda wildcards: records.record_paths(records.region_masks(plan())),
    output:
        values=directory(paths.REGION_VALUES["values"]),
        summary=report(
            paths.REGION_VALUES["summary"],
            caption="../report/regions.rst",
            category="Regions explainer",
            subcategory="region values",
            labels={"table": "region values with CIs"},
        ),
        tests=report(
            paths.REGION_VALUES["tests"],
            caption="../report/regions.rst",
            category="Regions explainer",
            subcategory="region values",
            labels={"table": "paired tests"},
        ),
        interactions=paths.REGION_VALUES["interactions"],
        figure=report(
            paths.REGION_VALUES["figure"],
            caption="../report/regions.rst",
            category="Regions explainer",
            subcategory="region values",
            labels={"figure": "region values"},
        ),
        interaction_figures=expand(paths.REGION_INTERACTIONS, model=STUDY.model_order),
    log:
        "logs/regions/region_values.log",
    conda:
        "../envs/facelime.yaml"
    params:
        # records: a function of the job's input (a derived param, facelime.plan.records)
        masks=lambda wildcards, input: records.region_masks(plan()),
        models=STUDY.model_order,
        attributes={
            m: config["models"][m].get("attributes", {}) for m in STUDY.model_order
        },
        identities=lambda wildcards: identities(),
        groups=lambda wildcards: groups(),
        settings=config["validity"]["region_stats"],
        seed=config["seed"],
        figure_style=FIGURE_STYLE,
    script:
        "../scripts/region_values.py"

# Quality control: every file left out, image skipped, fallback used (per stage and model),
# metadata gap and small group, in one table, with counts and the run summary.


# masks records (facelime.plan.records): a function of the job's input, a derived param


rule qc_report:
    input:
        images=lambda wildcards: expand(paths.IMAGE_QC, identity=identities()),
        landmarks=lambda wildcards: expand(paths.LANDMARKS, identity=identities()),
        mask_files=lambda wildcards: records.record_paths(records.masks(plan())),
    output:
        table=report(
            paths.QC_TABLE,
            caption="../report/qc.rst",
            category="Quality control",
            subcategory="files, images and metadata",
        ),
        counts=report(
            "results/qc/counts.tsv",
            caption="../report/qc_counts.rst",
            category="Quality control",
            subcategory="face-detection fallbacks",
        ),
        summary=paths.QC_SUMMARY,
    log:
        "logs/qc_report.log",
    conda:
        "../envs/facelime.yaml"
    params:
        dataset_rows=lambda wildcards: dataset_qc_rows(),
        masks=lambda wildcards, input: records.masks(plan()),
        max_fallback_share=config["qc"]["max_fallback_share"],
    script:
        "../scripts/qc_report.py"


# The report's first section: the run's settings, models, dataset and counts, the figures made
# and what could not be made (also printed at the end of the run, under the figure listing).
rule run_overview:
    input:
        table=paths.QC_TABLE,
        aligned=lambda wildcards: expand(
            paths.ALIGNED,
            model=STUDY.models[0],
            identity=identities(),
        ),
        index=paths.FIGURE_INDEX,
    output:
        overview=report(
            paths.OVERVIEW,
            caption="../report/overview.rst",
            category="Run overview",
            subcategory="settings, models, dataset and counts",
        ),
    log:
        "logs/run_overview.log",
    conda:
        "../envs/facelime.yaml"
    params:
        settings=lambda wildcards: plan_settings.overview_settings(SETTINGS),
        groups=lambda wildcards: groups(),
        not_made=run_not_made,
    script:
        "../scripts/run_overview.py"

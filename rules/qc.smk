# Quality control: every file left out, image skipped, fallback used (per stage and model),
# metadata gap and small group, in one table, with counts and the run summary.


rule qc_report:
    input:
        images=lambda wildcards: expand(
            "results/qc/images/{identity}.tsv", identity=identities()
        ),
        landmarks=lambda wildcards: expand(
            "results/landmarks/{identity}.npz", identity=identities()
        ),
        masks=lambda wildcards: expand(
            "results/masks/{model}/{identity}.npz",
            model=EXPLAINED,
            identity=identities(),
        ),
    output:
        table=report(
            "results/qc/qc.tsv", caption="../report/qc.rst", category="Quality control"
        ),
        counts=report(
            "results/qc/counts.tsv",
            caption="../report/qc_counts.rst",
            category="Quality control",
        ),
        summary="results/qc/summary.txt",
    log:
        "logs/qc_report.log",
    conda:
        "../envs/facelime.yaml"
    params:
        dataset_rows=lambda wildcards: dataset_qc_rows(),
        models=EXPLAINED,
        identities=lambda wildcards: identities(),
        max_fallback_share=config["qc"]["max_fallback_share"],
    script:
        "../scripts/qc_report.py"

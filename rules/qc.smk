# Quality control: every image that was skipped or needed the landmark fallback, in one table.


rule qc_report:
    input:
        images=lambda wildcards: expand("results/qc/images/{identity}.tsv", identity=identities()),
        landmarks=lambda wildcards: expand("results/landmarks/{identity}.npz", identity=identities()),
    output:
        "results/qc/skipped.tsv",
    log:
        "logs/qc_report.log",
    conda:
        "../envs/facelime.yaml"
    script:
        "../scripts/qc_report.py"

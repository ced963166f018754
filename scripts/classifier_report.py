from facelime.classify.stages import classifier_report
from facelime.workflow_io import rule_logging

with rule_logging(snakemake.log[0]):
    classifier_report(
        snakemake.input[0],
        list(snakemake.params.classes),
        snakemake.params.cases,
        snakemake.output.metrics,
        snakemake.output.metrics_png,
        snakemake.output.confusion,
        snakemake.output.confusion_png,
        snakemake.output.cases,
        snakemake.wildcards.classifier,
    )

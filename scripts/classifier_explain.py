from facelime.classify.stages import explain_cases
from facelime.workflow_io import rule_logging

with rule_logging(snakemake.log[0]):
    explain_cases(
        snakemake.input.predictions,
        snakemake.input.cases,
        snakemake.wildcards.classifier,
        snakemake.params.spec,
        snakemake.params.lime,
        snakemake.params.seed,
        snakemake.output.npz,
        dict(zip(snakemake.params.cases, snakemake.output.figures)),
        threads=snakemake.threads,
    )

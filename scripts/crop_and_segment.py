from facelime.stages import crop_and_segment
from facelime.workflow_io import rule_logging

with rule_logging(snakemake.log[0]):
    crop_and_segment(
        list(snakemake.input),
        snakemake.output[0],
        snakemake.params.preprocess,
        snakemake.params.lime,
        snakemake.params.seed,
        snakemake.wildcards.identity,
    )

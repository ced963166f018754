from facelime.stages import crop_and_segment
from facelime.workflow_io import rule_logging

with rule_logging(snakemake.log[0]):
    crop_and_segment(
        list(snakemake.input),
        snakemake.output.faces,
        snakemake.params.preprocess,
        snakemake.params.lime,
        snakemake.params.seed,
        snakemake.wildcards.identity,
        on_bad_image=snakemake.params.on_bad_image,
        qc_path=snakemake.output.qc,
    )

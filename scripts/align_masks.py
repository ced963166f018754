from facelime.analysis import align_masks
from facelime.workflow_io import rule_logging

with rule_logging(snakemake.log[0]):
    wildcards = snakemake.wildcards
    align_masks(
        snakemake.input.masks,
        snakemake.input.landmarks,
        snakemake.input.canonical,
        snakemake.input.faces,
        snakemake.output.aligned,
        snakemake.output.heatmap[0][: -len(".npz")],
        f"{wildcards.model}/{wildcards.identity}",
    )

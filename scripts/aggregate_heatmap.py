from facelime.analysis import aggregate_heatmap
from facelime.workflow_io import rule_logging

with rule_logging(snakemake.log[0]):
    aggregate_heatmap(
        list(snakemake.input.members),
        list(snakemake.params.names),
        snakemake.output[0][: -len(".npz")],
        snakemake.input.face,
    )

from facelime.analysis import aggregate_heatmap
from facelime.workflow_io import rule_logging

with rule_logging(snakemake.log[0]):
    aggregate_heatmap(
        list(snakemake.input.members),
        list(snakemake.params.names),
        snakemake.output[0][: -len(".npz")],
        snakemake.input.face,
        # aggregates over models weigh each model the same (unit mass, facelime.heatmaps)
        list(snakemake.input.model_scales) if "model_scales" in snakemake.input.keys() else None,
    )

from facelime.figures import heatmap_grid
from facelime.workflow_io import rule_logging

with rule_logging(snakemake.log[0]):
    heatmap_grid(list(snakemake.input), list(snakemake.params.titles), snakemake.output[0],
                 f"heatmaps: {snakemake.wildcards.figure}")

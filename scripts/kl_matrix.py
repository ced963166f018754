from facelime.analysis import compare_heatmaps
from facelime.workflow_io import rule_logging

with rule_logging(snakemake.log[0]):
    compare_heatmaps(
        list(snakemake.input),
        list(snakemake.params.names),
        snakemake.output.tsv,
        snakemake.output.clustermap,
        snakemake.output.dendrogram,
        snakemake.params.linkage,
        snakemake.wildcards.comparison,
    )

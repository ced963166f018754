from facelime.analysis import region_share_table
from facelime.workflow_io import rule_logging

with rule_logging(snakemake.log[0]):
    region_share_table(
        list(snakemake.input.heatmaps),
        list(snakemake.params.kinds),
        list(snakemake.params.names),
        snakemake.input.canonical,
        snakemake.output.tsv,
        snakemake.output.png,
    )

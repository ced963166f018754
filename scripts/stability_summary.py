from facelime.validity.stability import stability_summary
from facelime.workflow_io import rule_logging

with rule_logging(snakemake.log[0]):
    stability_summary(list(snakemake.input), snakemake.output.tsv, snakemake.output.png)

from facelime.validity.faithfulness import faithfulness_summary
from facelime.workflow_io import rule_logging

with rule_logging(snakemake.log[0]):
    faithfulness_summary(
        list(snakemake.input.tsv),
        list(snakemake.input.curves),
        list(snakemake.params.models),
        snakemake.output.tsv,
        snakemake.output.png,
        snakemake.params.bootstrap,
        0.95,
        snakemake.params.seed,
    )

from facelime.validity.faithfulness import faithfulness_identity
from facelime.workflow_io import rule_logging

with rule_logging(snakemake.log[0]):
    faithfulness_identity(
        snakemake.input.faces,
        snakemake.input.masks,
        snakemake.output.tsv,
        snakemake.output.curves,
        snakemake.wildcards.model,
        snakemake.params.model,
        snakemake.params.random_orders,
        snakemake.params.seed,
        snakemake.wildcards.identity,
        batch_size=snakemake.params.batch_size,
        threads=snakemake.threads,
    )

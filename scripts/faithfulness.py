from facelime.validity.faithfulness import faithfulness_identity
from facelime.workflow_io import rule_logging, with_speed_settings

with rule_logging(snakemake.log[0]):
    spec, lime = with_speed_settings(snakemake.config, snakemake.wildcards.model, snakemake.params.model, {})
    faithfulness_identity(
        snakemake.input.faces,
        snakemake.input.masks,
        snakemake.output.tsv,
        snakemake.output.curves,
        snakemake.wildcards.model,
        spec,
        snakemake.params.random_orders,
        snakemake.params.seed,
        snakemake.wildcards.identity,
        batch_size=lime["batch_size"],
        threads=snakemake.threads,
    )

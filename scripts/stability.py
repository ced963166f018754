from facelime.validity.stability import stability_identity
from facelime.workflow_io import rule_logging, with_speed_settings

with rule_logging(snakemake.log[0]):
    spec, lime = with_speed_settings(snakemake.config, snakemake.wildcards.model, snakemake.params.model,
                                     snakemake.params.lime)
    stability_identity(
        snakemake.input.faces,
        snakemake.input.masks,
        snakemake.output[0],
        snakemake.wildcards.model,
        spec,
        lime,
        snakemake.params.settings,
        snakemake.params.seed,
        snakemake.wildcards.identity,
        threads=snakemake.threads,
    )

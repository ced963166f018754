from facelime.stages import explain_identity
from facelime.workflow_io import rule_logging, with_speed_settings

with rule_logging(snakemake.log[0]):
    spec, lime = with_speed_settings(snakemake.config, snakemake.wildcards.model, snakemake.params.model,
                                     snakemake.params.lime)
    explain_identity(
        snakemake.input.faces,
        snakemake.output.masks,
        snakemake.output.get("sheets"),
        snakemake.wildcards.model,
        spec,
        lime,
        snakemake.params.seed,
        snakemake.wildcards.identity,
        threads=snakemake.threads,
        preprocess=snakemake.params.preprocess,
    )

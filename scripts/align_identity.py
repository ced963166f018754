from facelime.analysis import align_identity
from facelime.workflow_io import rule_logging

with rule_logging(snakemake.log[0]):
    models = list(snakemake.params.models)
    align_identity(
        snakemake.input.faces,
        snakemake.input.landmarks,
        snakemake.input.canonical,
        dict(zip(models, snakemake.input.masks)),
        snakemake.output.faces,
        dict(zip(models, snakemake.output.aligned)),
        dict(zip(models, snakemake.params.heatmap_prefixes)),
        snakemake.params.identity_prefix,
        snakemake.wildcards.identity,
        identity_models=list(snakemake.params.identity_models),
    )

from facelime.validity.region_stats import region_statistics
from facelime.workflow_io import rule_logging

with rule_logging(snakemake.log[0]):
    identities = list(snakemake.params.identities)
    models = list(snakemake.params.models)
    per_model = list(snakemake.input.model_identity)  # model-major, as expanded in the rule
    scopes = {model: per_model[i * len(identities):(i + 1) * len(identities)] for i, model in enumerate(models)}
    settings = snakemake.params.settings
    region_statistics(
        scopes,
        identities,
        dict(snakemake.params.groups),
        snakemake.input.canonical,
        snakemake.output.ci,
        snakemake.output.tests,
        snakemake.output.forest,
        settings["bootstrap"],
        settings["permutations"],
        settings["confidence"],
        snakemake.params.seed,
    )

from facelime.classify.stages import identity_classification
from facelime.workflow_io import rule_logging

with rule_logging(snakemake.log[0]):
    identity_classification(
        list(snakemake.input.faces),
        list(snakemake.params.identities),
        snakemake.params.model,
        snakemake.params.spec,
        snakemake.params.settings,
        snakemake.params.lime,
        snakemake.params.seed,
        {key: snakemake.output[key] for key in
         ("metrics", "metrics_png", "confusion", "confusion_png", "predictions", "classifier", "explanations")},
        threads=snakemake.threads,
    )

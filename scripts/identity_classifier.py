from facelime.classify.stages import identity_classification
from facelime.workflow_io import rule_logging, with_speed_settings

with rule_logging(snakemake.log[0]):
    spec, lime = with_speed_settings(snakemake.config, snakemake.params.model, snakemake.params.spec,
                                     snakemake.params.lime)
    identity_classification(
        list(snakemake.input.faces),
        list(snakemake.params.identities),
        snakemake.params.model,
        spec,
        snakemake.params.settings,
        lime,
        snakemake.params.seed,
        {key: snakemake.output[key] for key in
         ("metrics", "metrics_png", "confusion", "confusion_png", "predictions", "classifier", "explanations")},
        threads=snakemake.threads,
    )

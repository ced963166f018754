from facelime.classify.stages import predict_dataset
from facelime.workflow_io import rule_logging

with rule_logging(snakemake.log[0]):
    predict_dataset(
        snakemake.params.dataset,
        snakemake.wildcards.classifier,
        snakemake.params.spec,
        snakemake.params.max_per_class,
        snakemake.output.npz,
        snakemake.output.tsv,
        on_bad_image=snakemake.params.on_bad_image,
        threads=snakemake.threads,
    )

from facelime.qc import qc_report
from facelime.workflow_io import rule_logging

with rule_logging(snakemake.log[0]):
    n = len(snakemake.params.identities)
    masks = list(snakemake.input.masks)
    qc_report(
        list(snakemake.input.images),
        list(snakemake.input.landmarks),
        {model: masks[i * n : (i + 1) * n] for i, model in enumerate(snakemake.params.models)},
        snakemake.params.dataset_rows,
        snakemake.output.table,
        snakemake.output.counts,
        snakemake.output.summary,
        snakemake.params.max_fallback_share,
    )

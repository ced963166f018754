from facelime.qc import qc_report
from facelime.workflow_io import rule_logging

with rule_logging(snakemake.log[0]):
    qc_report(list(snakemake.input.images), list(snakemake.input.landmarks), snakemake.output[0])

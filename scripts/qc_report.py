from facelime.steps.qc import qc_report
from facelime.workflow_io import run_step

run_step(snakemake, qc_report)

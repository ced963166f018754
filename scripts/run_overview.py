from facelime.steps.qc import run_overview
from facelime.workflow_io import run_step

run_step(snakemake, run_overview)

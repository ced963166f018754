from facelime.steps.validity import stability
from facelime.workflow_io import run_step

run_step(snakemake, stability)

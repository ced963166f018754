from facelime.steps.validity import sanity_check
from facelime.workflow_io import run_step

run_step(snakemake, sanity_check)

from facelime.steps.methods import seed_ceiling
from facelime.workflow_io import run_step

run_step(snakemake, seed_ceiling)

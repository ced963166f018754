from facelime.steps.validity import randomise_model
from facelime.workflow_io import run_step

run_step(snakemake, randomise_model)

from facelime.steps.demo import demo_dataset
from facelime.workflow_io import run_step

run_step(snakemake, demo_dataset)

from facelime.steps.regions import region_values
from facelime.workflow_io import run_step

run_step(snakemake, region_values)

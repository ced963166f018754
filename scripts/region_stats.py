from facelime.steps.validity import region_stats
from facelime.workflow_io import run_step

run_step(snakemake, region_stats)

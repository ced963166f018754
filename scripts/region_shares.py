from facelime.steps.compare import region_shares
from facelime.workflow_io import run_step

run_step(snakemake, region_shares)

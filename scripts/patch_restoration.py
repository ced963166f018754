from facelime.steps.validity import patch_restoration
from facelime.workflow_io import run_step

run_step(snakemake, patch_restoration)

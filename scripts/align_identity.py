from facelime.steps.align import align_identity
from facelime.workflow_io import run_step

run_step(snakemake, align_identity)

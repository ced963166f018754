from facelime.steps.landmarks import landmarks
from facelime.workflow_io import run_step

run_step(snakemake, landmarks)

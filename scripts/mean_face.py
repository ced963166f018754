from facelime.steps.align import mean_face
from facelime.workflow_io import run_step

run_step(snakemake, mean_face)

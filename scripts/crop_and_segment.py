from facelime.steps.preprocess import crop_and_segment
from facelime.workflow_io import run_step

run_step(snakemake, crop_and_segment)

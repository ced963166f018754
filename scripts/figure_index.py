from facelime.steps.figures import figure_index
from facelime.workflow_io import run_step

run_step(snakemake, figure_index)

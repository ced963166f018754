from facelime.steps.figures import figure_grid
from facelime.workflow_io import run_step

run_step(snakemake, figure_grid)

from facelime.steps.heatmaps import aggregate_heatmap
from facelime.workflow_io import run_step

run_step(snakemake, aggregate_heatmap)

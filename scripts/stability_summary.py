from facelime.steps.validity import stability_summary
from facelime.workflow_io import run_step

run_step(snakemake, stability_summary)

from facelime.steps.explain import explain
from facelime.workflow_io import run_step

run_step(snakemake, explain)

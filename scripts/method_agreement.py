from facelime.steps.methods import method_agreement
from facelime.workflow_io import run_step

run_step(snakemake, method_agreement)

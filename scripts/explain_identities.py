from facelime.steps.explain import explain_identities
from facelime.workflow_io import run_step

run_step(snakemake, explain_identities)

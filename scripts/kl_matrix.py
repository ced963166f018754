from facelime.steps.compare import kl_matrix
from facelime.workflow_io import run_step

run_step(snakemake, kl_matrix)

from facelime.steps.validity import faithfulness
from facelime.workflow_io import run_step

run_step(snakemake, faithfulness)

from facelime.steps.validity import faithfulness_summary
from facelime.workflow_io import run_step

run_step(snakemake, faithfulness_summary)

from facelime.steps.align import canonical_face
from facelime.workflow_io import run_step

run_step(snakemake, canonical_face)

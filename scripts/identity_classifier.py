from facelime.steps.classify import identity_classifier
from facelime.workflow_io import run_step

run_step(snakemake, identity_classifier)

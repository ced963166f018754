from facelime.steps.classify import classifier_report
from facelime.workflow_io import run_step

run_step(snakemake, classifier_report)

from facelime.steps.classify import classifier_predict
from facelime.workflow_io import run_step

run_step(snakemake, classifier_predict)

from facelime.analysis import detect_landmarks
from facelime.workflow_io import rule_logging

with rule_logging(snakemake.log[0]):
    detect_landmarks(snakemake.input[0], snakemake.output[0])

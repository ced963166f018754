from facelime.analysis import mean_face
from facelime.workflow_io import rule_logging

with rule_logging(snakemake.log[0]):
    mean_face(list(snakemake.input), snakemake.output[0])

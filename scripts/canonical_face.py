from facelime.analysis import build_canonical
from facelime.workflow_io import rule_logging

with rule_logging(snakemake.log[0]):
    canvas = snakemake.params.canvas
    build_canonical(snakemake.output[0], canvas["width"], canvas["height"], canvas["top_space"])

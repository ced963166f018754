import logging

from facelime.seeding import job_seed
from facelime.validity.randomise import randomise_onnx
from facelime.workflow_io import rule_logging

with rule_logging(snakemake.log[0]):
    count = randomise_onnx(snakemake.input[0], snakemake.output[0],
                           job_seed(snakemake.params.seed, "randomise", snakemake.wildcards.trained))
    logging.info("shuffled %d weight tensors of %s", count, snakemake.input[0])

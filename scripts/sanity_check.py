from facelime.validity.randomise import sanity_table
from facelime.workflow_io import rule_logging

with rule_logging(snakemake.log[0]):
    sanity_table(
        dict(zip(snakemake.params.trained, snakemake.input.trained)),
        dict(zip(snakemake.params.randomised_from, snakemake.input.randomised)),
        snakemake.output[0],
    )

from facelime.analysis import align_faces
from facelime.workflow_io import rule_logging

with rule_logging(snakemake.log[0]):
    align_faces(snakemake.input.faces, snakemake.input.landmarks, snakemake.input.canonical, snakemake.output[0])

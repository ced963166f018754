"""facelime: LIME explanations of face-recognition networks on cosine similarity.

The science lives here, on arrays; facelime.steps holds the workflow's steps, one
function per rule, which read and write the files. The Snakemake workflow (Snakefile,
rules/, scripts/) only wires the steps into per-(model, identity) jobs.
"""

__version__ = "0.1.0"

"""facelime: LIME explanations of face-recognition networks on cosine similarity.

The science lives here; the Snakemake workflow (Snakefile, rules/, scripts/) only
wires these functions into per-(model, identity) jobs.
"""

__version__ = "0.1.0"

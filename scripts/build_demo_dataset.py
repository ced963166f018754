from facelime.demo import build_demo_dataset
from facelime.workflow_io import rule_logging

with rule_logging(snakemake.log[0]):
    identities = build_demo_dataset(snakemake.output.faces, snakemake.output.metadata)
    print(f"demo identities: {identities}", file=__import__("sys").stderr)

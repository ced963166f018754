"""The study's plan, from the filled config and the dataset's identities and groups: which
heatmaps, KL comparisons, figures and result files a run makes (docs/code.md). Pure Python:
rules/common.smk only adapts it to Snakemake, and tests/test_plan.py checks it directly."""

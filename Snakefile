# facelime: LIME on cosine similarity for face-recognition networks (method.md).
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/demo_data.smk"
include: "rules/preprocess.smk"
include: "rules/explain.smk"
include: "rules/landmarks.smk"
include: "rules/align.smk"
include: "rules/heatmaps.smk"
include: "rules/compare.smk"
include: "rules/figures.smk"
include: "rules/validity.smk"
include: "rules/classify.smk"
include: "rules/qc.smk"


rule all:
    input:
        all_targets,
    default_target: True

# facelime: LIME on cosine similarity for face-recognition networks (docs/method.md).
from snakemake.utils import min_version

min_version("9.0")


# The demo config, used when no config file is named on the command line. A file given
# with --configfile replaces it (it is not merged over it): every key the user leaves
# out takes the study's default from facelime/schemas/config.schema.yaml.
if not workflow.overwrite_configfiles:

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
include: "rules/methods.smk"
include: "rules/regions.smk"
include: "rules/figures.smk"
include: "rules/validity.smk"
include: "rules/classify.smk"
include: "rules/qc.smk"


onstart:
    run.announce_settings(SETTINGS, config)


onsuccess:
    run.print_run_summary(PARSED_AT)


rule all:
    default_target: True
    input:
        all_targets,

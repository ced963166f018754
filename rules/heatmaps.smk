# docs/method.md, heatmaps: per model, identity, model attribute, metadata group and over all models.
# Each is the mean of its members' unstretched means, min-max stretched at the end; over
# models, each model is first scaled to unit mass (model_scales), so all weigh the same.


rule heatmap_model:
    input:
        members=lambda wildcards: expand(
            paths.ALIGNED,
            model=wildcards.model,
            identity=identities(),
        ),
        face=paths.MEAN_FACE,
    output:
        heatmap=heatmap_outputs(paths.HEATMAP["model"]),
    log:
        "logs/heatmaps/model/{model}.log",
    conda:
        "../envs/facelime.yaml"
    params:
        names=lambda wildcards: identities(),
    script:
        "../scripts/aggregate_heatmap.py"


rule heatmap_attribute:
    input:
        members=lambda wildcards: expand(
            paths.HEATMAP["model"] + ".npz",
            model=STUDY.attribute_sets[wildcards.attribute][wildcards.value],
        ),
        model_scales=lambda wildcards: expand(
            paths.HEATMAP["model"] + ".npz",
            model=STUDY.attribute_sets[wildcards.attribute][wildcards.value],
        ),
        face=paths.MEAN_FACE,
    output:
        heatmap=heatmap_outputs(paths.HEATMAP["attribute"]),
    log:
        "logs/heatmaps/attribute/{attribute}/{value}.log",
    conda:
        "../envs/facelime.yaml"
    params:
        names=lambda wildcards: STUDY.attribute_sets[wildcards.attribute][
            wildcards.value
        ],
    script:
        "../scripts/aggregate_heatmap.py"


rule heatmap_group_model:
    input:
        members=lambda wildcards: expand(
            paths.ALIGNED,
            model=wildcards.model,
            identity=group_members(wildcards),
        ),
        face=paths.MEAN_FACE,
    output:
        heatmap=heatmap_outputs(paths.HEATMAP["group_model"]),
    log:
        "logs/heatmaps/group/{column}/{value}/{model}.log",
    conda:
        "../envs/facelime.yaml"
    params:
        names=group_members,
    script:
        "../scripts/aggregate_heatmap.py"


rule heatmap_group_all_models:
    input:
        members=expand(
            paths.HEATMAP["group_model"] + ".npz",
            model=STUDY.models,
            allow_missing=True,
        ),
        model_scales=expand(paths.HEATMAP["model"] + ".npz", model=STUDY.models),
        face=paths.MEAN_FACE,
    output:
        heatmap=heatmap_outputs(paths.HEATMAP["group_all"]),
    log:
        "logs/heatmaps/group/{column}/{value}/all_models.log",
    conda:
        "../envs/facelime.yaml"
    params:
        names=STUDY.models,
    script:
        "../scripts/aggregate_heatmap.py"


rule heatmap_all_models:
    input:
        members=expand(paths.HEATMAP["model"] + ".npz", model=STUDY.models),
        model_scales=expand(paths.HEATMAP["model"] + ".npz", model=STUDY.models),
        face=paths.MEAN_FACE,
    output:
        heatmap=heatmap_outputs(paths.HEATMAP["all_models"]),
    log:
        "logs/heatmaps/all_models.log",
    conda:
        "../envs/facelime.yaml"
    params:
        names=STUDY.models,
    script:
        "../scripts/aggregate_heatmap.py"

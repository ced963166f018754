# docs/method.md, Other explainers: with explain.methods beyond LIME, each method's maps go
# through the same rules under <model>@<method>; this stage compares the methods.


rule method_agreement:
    input:
        aligned_files=lambda wildcards: records.record_paths(
            records.method_files(plan(), "aligned")
        ),
        heatmaps=expand(paths.HEATMAP["model"] + ".npz", model=STUDY.method_names),
        canonical=paths.CANONICAL,
        # the signed maps (agreement on both signs) and each method's noise ceiling
        mask_files=lambda wildcards: records.record_paths(
            records.method_files(plan(), "masks")
        ),
        landmarks=lambda wildcards: expand(paths.LANDMARKS, identity=identities()),
        ceilings=lambda wildcards: plan().ceiling_tables(),
    output:
        images_tsv=paths.METHOD_AGREEMENT_PER_IMAGE,
        summary=report(
            paths.METHOD_AGREEMENT,
            caption="../report/methods.rst",
            category="Other explainers",
            subcategory="agreement",
            labels={"table": "agreement per model"},
        ),
        ceiling_tsv=report(
            paths.METHOD_CEILING,
            caption="../report/methods.rst",
            category="Other explainers",
            subcategory="noise ceilings",
            labels={"table": "noise ceiling per method"},
        ),
        regions_tsv=report(
            paths.METHOD_REGION_SHARES,
            caption="../report/methods.rst",
            category="Other explainers",
            subcategory="region shares",
            labels={"table": "region shares per method"},
        ),
    log:
        "logs/methods/agreement.log",
    conda:
        "../envs/facelime.yaml"
    params:
        # records: functions of the job's input (derived params, facelime.plan.records)
        aligned=lambda wildcards, input: records.method_files(plan(), "aligned"),
        masks=lambda wildcards, input: records.method_files(plan(), "masks"),
        models=STUDY.models,
        methods=STUDY.methods,
        names=STUDY.method_names,
        identities=lambda wildcards: identities(),
        seed=config["seed"],
        keep=config["lime"]["keep"],
    script:
        "../scripts/method_agreement.py"


# validity.ceiling: each image of a few identities explained again with another seed
rule seed_ceiling:
    input:
        faces=paths.FACES,
        landmarks=paths.LANDMARKS,
        canonical=paths.CANONICAL,
        masks=paths.MASKS,
        model_file=model_file,
    output:
        tsv=paths.CEILING,
    log:
        "logs/methods/ceiling/{model}/{identity}.log",
    conda:
        model_env("seed_ceiling")
    params:
        spec=model_params,
        lime=explain_params,
        seed=config["seed"],
    script:
        "../scripts/seed_ceiling.py"

# docs/method.md, Other explainers: with explain.methods beyond LIME, each method's maps go
# through the same rules under <model>@<method>; this stage compares the methods.


rule method_agreement:
    input:
        aligned=lambda wildcards: expand(
            "results/aligned/{name}/{identity}.npz",
            name=METHOD_NAMES,
            identity=identities(),
        ),
        heatmaps=expand(HEATMAP["model"] + ".npz", model=METHOD_NAMES),
        canonical="results/canonical/canonical_face.npz",
    output:
        images_tsv="results/methods/agreement_per_image.tsv",
        summary=report(
            "results/methods/agreement.tsv",
            caption="../report/methods.rst",
            category="Other explainers",
            subcategory="agreement",
            labels={"table": "agreement per model"},
        ),
        regions_tsv=report(
            "results/methods/region_shares.tsv",
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
        models=MODELS,
        methods=METHODS,
        names=METHOD_NAMES,
        identities=lambda wildcards: identities(),
        seed=config["seed"],
    script:
        "../scripts/method_agreement.py"

# docs/method.md, Comparing heatmaps: symmetric KL between heatmaps, clustered into dendrograms; region shares.


rule kl_matrix:
    input:
        heatmaps=comparison_inputs,
        # per (model, identity): the noise floors, CIs and node supports resample identities
        identity_heatmaps=comparison_identity_inputs,
    output:
        tsv="results/kl/{comparison}.tsv",
        floor="results/kl/{comparison}.floor.tsv",
        ci="results/kl/{comparison}.ci.tsv",
        support=report(
            "results/kl/{comparison}.support.tsv",
            caption="../report/dendrogram.rst",
            category="Dendrograms",
            subcategory=comparison_subcategory,
            labels={"comparison": "{comparison}", "figure": "node support"},
        ),
        clustermap=report(
            "results/kl/{comparison}.clustermap.png",
            caption="../report/kl.rst",
            category="KL divergence",
            subcategory=comparison_subcategory,
            labels={"comparison": "{comparison}", "figure": "clustered heatmap"},
        ),
        dendrogram=report(
            "results/kl/{comparison}.dendrogram.png",
            caption="../report/dendrogram.rst",
            category="Dendrograms",
            subcategory=comparison_subcategory,
            labels={"comparison": "{comparison}", "figure": "dendrogram"},
        ),
        clustermap_pdf="results/kl/{comparison}.clustermap.pdf",
        dendrogram_pdf="results/kl/{comparison}.dendrogram.pdf",
    log:
        "logs/kl/{comparison}.log",
    conda:
        "../envs/facelime.yaml"
    params:
        names=lambda wildcards: [
            e["label"] for e in comparison_sets()[wildcards.comparison]
        ],
        titles=lambda wildcards: [
            e["display"] for e in comparison_sets()[wildcards.comparison]
        ],
        title=lambda wildcards: comparison_title(wildcards.comparison),
        linkage=config["compare"]["linkage"],
        figure_style=FIGURE_STYLE,
        identity_models=comparison_identity_models,
        identities=lambda wildcards: identities(),
        recipes=comparison_recipes,
        uncertainty={
            key: config["compare"][key]
            for key in ("bootstrap", "noise_splits", "confidence")
        },
        seed=config["seed"],
    script:
        "../scripts/kl_matrix.py"


rule region_shares:
    input:
        heatmaps=lambda wildcards: [f"{e['prefix']}.npz" for e in heatmap_catalogue()],
        canonical="results/canonical/canonical_face.npz",
        # one model's aligned files: each identity's image count, for the images column
        aligned=lambda wildcards: expand(
            "results/aligned/{model}/{identity}.npz",
            model=MODELS[0],
            identity=identities(),
        ),
    output:
        tsv=report(
            "results/regions/region_shares.tsv",
            caption="../report/region_shares.rst",
            category="Region shares",
            subcategory="per region",
            labels={"figure": "table"},
        ),
        png=report(
            "results/regions/region_shares.png",
            caption="../report/region_shares.rst",
            category="Region shares",
            subcategory="per region",
            labels={"figure": "bar chart"},
        ),
        pdf="results/regions/region_shares.pdf",
    log:
        "logs/region_shares.log",
    conda:
        "../envs/facelime.yaml"
    params:
        kinds=lambda wildcards: [e["kind"] for e in heatmap_catalogue()],
        names=lambda wildcards: [e["label"] for e in heatmap_catalogue()],
        titles=lambda wildcards: [e["display"] for e in heatmap_catalogue()],
        figure_style=FIGURE_STYLE,
        sizes=lambda wildcards: [e["size"] for e in heatmap_catalogue()],
        identities=lambda wildcards: [
            heatmap_identities(e) for e in heatmap_catalogue()
        ],
        one_net=len(MODELS) == 1,
    script:
        "../scripts/region_shares.py"

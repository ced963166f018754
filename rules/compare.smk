# docs/method.md, Comparing heatmaps: symmetric KL between heatmaps, clustered into dendrograms; region shares.


rule kl_matrix:
    input:
        heatmaps=comparison_inputs,
        # per (model, identity): the noise floors, CIs and node supports resample identities
        identity_heatmaps=comparison_identity_inputs,
    output:
        tsv=paths.kl("tsv"),
        floor=paths.kl("floor.tsv"),
        ci=paths.kl("ci.tsv"),
        support=report(
            paths.kl("support.tsv"),
            caption="../report/dendrogram.rst",
            category="Dendrograms",
            subcategory=comparison_subcategory,
            labels={"comparison": "{comparison}", "figure": "node support"},
        ),
        clustermap=report(
            paths.kl("clustermap.png"),
            caption="../report/kl.rst",
            category="KL divergence",
            subcategory=comparison_subcategory,
            labels={"comparison": "{comparison}", "figure": "clustered heatmap"},
        ),
        dendrogram=report(
            paths.kl("dendrogram.png"),
            caption="../report/dendrogram.rst",
            category="Dendrograms",
            subcategory=comparison_subcategory,
            labels={"comparison": "{comparison}", "figure": "dendrogram"},
        ),
        clustermap_pdf=paths.kl("clustermap.pdf"),
        dendrogram_pdf=paths.kl("dendrogram.pdf"),
    log:
        "logs/kl/{comparison}.log",
    conda:
        "../envs/facelime.yaml"
    params:
        # per heatmap: label (table rows), title (figures), path, recipe (what it averages)
        entries=lambda wildcards: plan().kl_entries(wildcards.comparison),
        title=lambda wildcards: plan().catalogue.comparison_title(wildcards.comparison),
        linkage=config["compare"]["linkage"],
        figure_style=FIGURE_STYLE,
        identity_models=lambda wildcards: plan().catalogue.comparison_models(
            wildcards.comparison
        ),
        identities=lambda wildcards: identities(),
        uncertainty={
            key: config["compare"][key]
            for key in ("bootstrap", "noise_splits", "confidence")
        },
        seed=config["seed"],
    script:
        "../scripts/kl_matrix.py"


rule region_shares:
    input:
        heatmaps=lambda wildcards: [e["path"] for e in plan().share_entries],
        canonical=paths.CANONICAL,
        # one model's aligned files: each identity's image count, for the images column
        aligned=lambda wildcards: expand(
            paths.ALIGNED,
            model=STUDY.models[0],
            identity=identities(),
        ),
    output:
        tsv=report(
            paths.region_shares("tsv"),
            caption="../report/region_shares.rst",
            category="Region shares",
            subcategory="per region",
            labels={"figure": "table"},
        ),
        png=report(
            paths.region_shares("png"),
            caption="../report/region_shares.rst",
            category="Region shares",
            subcategory="per region",
            labels={"figure": "bar chart"},
        ),
        pdf=paths.region_shares("pdf"),
    log:
        "logs/region_shares.log",
    conda:
        "../envs/facelime.yaml"
    params:
        # per heatmap: kind, label, title, path, size, identities (its n), order (in the chart)
        entries=lambda wildcards: plan().share_entries,
        figure_style=FIGURE_STYLE,
        one_net=len(STUDY.models) == 1,
    script:
        "../scripts/region_shares.py"

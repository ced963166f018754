# docs/method.md, Figures: the study's heatmap figures (grids with one row per group, grey and
# JET, PDF and PNG, one colour scale per grid), and the index of the whole figure set.


rule figure_grid:
    input:
        heatmaps=figure_grid_inputs,
        canonical="results/canonical/canonical_face.npz",  # face region and feature outline
    output:
        grey=report(
            "results/figures/{figure}.grey.png",
            caption="../report/figure_grid_grey.rst",
            category="Heatmaps",
            subcategory=figure_subcategory,
            labels={"figure": "{figure}", "colours": "grey"},
        ),
        jet=report(
            "results/figures/{figure}.jet.png",
            caption="../report/figure_grid_jet.rst",
            category="Heatmaps",
            subcategory=figure_subcategory,
            labels={"figure": "{figure}", "colours": "JET"},
        ),
        grey_pdf="results/figures/{figure}.grey.pdf",
        jet_pdf="results/figures/{figure}.jet.pdf",
        panels="results/figures/{figure}.panels.tsv",
    log:
        "logs/figures/{figure}.log",
    conda:
        "../envs/facelime.yaml"
    params:
        rows=figure_grid_rows,
        title=lambda wildcards: figure_layout(wildcards)["title"],
        figure_style=FIGURE_STYLE,
        # the report's captions, written from this figure's settings (report/figure_grid_*.rst)
        caption_grey=lambda wildcards: figure_caption(wildcards, "grey"),
        caption_jet=lambda wildcards: figure_caption(wildcards, "jet"),
    script:
        "../scripts/figure_grid.py"


rule figure_index:
    input:
        files=lambda wildcards: [f for _, files in thesis_figures() for f in files],
    output:
        index="results/figures/index.tsv",
        listing="results/figures/index.txt",
    log:
        "logs/figures/index.log",
    conda:
        "../envs/facelime.yaml"
    params:
        descriptions=lambda wildcards: [d for d, _ in thesis_figures()],
        figures=lambda wildcards: [" ".join(files) for _, files in thesis_figures()],
        not_made=lambda wildcards: run_not_made(),
    script:
        "../scripts/figure_index.py"


# The study's whole figure set (make thesis): every figure, where each one is, and the QC
# table whose summary ends the run.
rule thesis:
    input:
        "results/figures/index.tsv",
        "results/qc/qc.tsv",

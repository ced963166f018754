# docs/method.md, Figures: the study's heatmap figures (grids with one row per group, grey and
# JET, PDF and PNG, one colour scale per grid), and the index of the whole figure set.


rule figure_grid:
    input:
        heatmaps=figure_grid_inputs,
        canonical=paths.CANONICAL,  # face region and feature outline
    output:
        grey=report(
            paths.figure("grey.png"),
            caption="../report/figure_grid_grey.rst",
            category="Heatmaps",
            subcategory=figure_subcategory,
            labels={"figure": "{figure}", "colours": "grey"},
        ),
        jet=report(
            paths.figure("jet.png"),
            caption="../report/figure_grid_jet.rst",
            category="Heatmaps",
            subcategory=figure_subcategory,
            labels={"figure": "{figure}", "colours": "JET"},
        ),
        grey_pdf=paths.figure("grey.pdf"),
        jet_pdf=paths.figure("jet.pdf"),
        panels=paths.figure("panels.tsv"),
    log:
        "logs/figures/{figure}.log",
    conda:
        "../envs/facelime.yaml"
    params:
        # [{label, panels: [{title, path}]}], one per row of the grid
        rows=lambda wildcards: figure_layout(wildcards).rows_record(),
        title=lambda wildcards: figure_layout(wildcards).title,
        figure_style=FIGURE_STYLE,
        # the report's captions, written from this figure's settings (report/figure_grid_*.rst)
        caption_grey=lambda wildcards: plan().figure_caption(wildcards.figure, "grey"),
        caption_jet=lambda wildcards: plan().figure_caption(wildcards.figure, "jet"),
    script:
        "../scripts/figure_grid.py"


rule figure_index:
    input:
        files=lambda wildcards: [f for _, files in plan().thesis_figures for f in files],
    output:
        index=paths.FIGURE_INDEX,
        listing=paths.FIGURE_LISTING,
    log:
        "logs/figures/index.log",
    conda:
        "../envs/facelime.yaml"
    params:
        # [{description, files}] of every figure, in the order it is printed
        figures=lambda wildcards: plan().figure_index,
        not_made=run_not_made,
    script:
        "../scripts/figure_index.py"


# The study's whole figure set (make thesis): every figure, where each one is, and the QC
# table whose summary ends the run.
rule thesis:
    input:
        paths.FIGURE_INDEX,
        paths.QC_TABLE,

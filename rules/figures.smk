# The study's figures: heatmap grids per model, model attribute and metadata group.


rule figure_grid:
    input:
        overlays=figure_inputs,
    output:
        png=report(
            "results/figures/{figure}.png",
            caption="../report/figure_grid.rst",
            category="Heatmaps",
            labels={"figure": "{figure}"},
        ),
    log:
        "logs/figures/{figure}.log",
    conda:
        "../envs/facelime.yaml"
    params:
        titles=lambda wildcards: [title for title, _ in figure_panels(wildcards.figure)],
    script:
        "../scripts/figure_grid.py"

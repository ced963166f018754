"""Rules figure_grid and figure_index: the study's heatmap figures, and where each figure is."""

from __future__ import annotations

import csv
import textwrap
from pathlib import Path

from ..figures import STYLE, draw_heatmap_grid, feature_contours
from ..heatmaps import read_mean
from ..storage import load_arrays
from ..run_outputs import not_made_lines


def figure_grid(*, rows: list[dict], title: str, grey: str, jet: str, panels: str,
                canonical: str | None = None) -> None:
    """One heatmap figure in the study's two renderings (grey and JET), each as PNG and PDF.

    rows: [{label, panels: [{title, path}]}], one per row of the grid (a group, or a row wrapped
    at a page's width). panels: a TSV of what each panel shows and the colour scale it was drawn
    with. canonical: the canonical face, whose face region the density is computed over and whose
    feature contours outline every panel (figures.outline).
    """
    heatmaps = [panel["path"] for row in rows for panel in row["panels"]]
    grid = [{"label": row["label"], "titles": [panel["title"] for panel in row["panels"]]} for row in rows]
    maps = [read_mean(path) for path in heatmaps]
    face, outline = None, None
    if canonical:
        data = load_arrays(canonical)
        face = data["regions"] != list(data["region_names"]).index("background")
        outline = feature_contours(data["points"][:68])
    drawn = []
    for colormap, path in (("grey", grey), ("jet", jet)):
        drawn = draw_heatmap_grid(grid, maps, path, title, colormap, face, outline)
    with open(panels, "w", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t")
        writer.writerow(["row", "panel", "heatmap", "scale", "vmin", "vmax", "panel_max"])
        for item, path in zip(drawn, heatmaps):
            writer.writerow([item["row"], item["panel"], path, STYLE["scale"], f"{item['vmin']:.6g}",
                             f"{item['vmax']:.6g}", f"{item['panel_max']:.6g}"])


def figure_index(*, figures: list[dict], index: str, listing: str, not_made: list | None = None) -> None:
    """The figure set: a table of every figure and its files, and a short listing printed at the end
    of a run (one line per kind of figure: the per-person figures share one line), followed by
    what the run could not make and why (not_made: [(what, why)], facelime.run_outputs).

    figures: [{description, files}], in the order they are printed."""
    with open(index, "w", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t")
        writer.writerow(["figure", "files"])
        for figure in figures:
            writer.writerow([figure["description"], " ".join(figure["files"])])
    lines, persons = [], []
    for figure in figures:
        description, files = figure["description"], figure["files"]
        stems = sorted({str(Path(f).with_suffix("")) for f in files})
        formats = ",".join(sorted({Path(f).suffix.lstrip(".") for f in files}))
        shown = [f"{stem}.{{{formats}}}" for stem in stems]
        if any("/person_net/" in f for f in files):
            persons.append(description)
            if len(persons) == 1:
                lines.append(("heatmaps by person and net", "results/figures/person_net/<identity>."
                              "{grey,jet}.{pdf,png}"))
            continue
        lines.append((description, "  ".join(shown)))
    with open(listing, "w") as handle:
        handle.write(f"facelime: the figure set ({index}; {len(persons)} person figures)\n")
        width = max(len(d) for d, _ in lines) if lines else 0
        for description, shown in lines:  # within a terminal's width: long file lists continue below
            handle.write(textwrap.fill(f"  {description:<{width}}  {shown}", 100, subsequent_indent=" " * (width + 4),
                                       break_long_words=False, break_on_hyphens=False) + "\n")
        for line in not_made_lines([tuple(item) for item in not_made or []]):
            handle.write(line + "\n")

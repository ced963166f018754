"""Rules figure_grid and figure_index: the study's heatmap figures, and where each figure is."""

from __future__ import annotations

import csv
import textwrap
from pathlib import Path

from ..figures import STYLE, draw_heatmap_grid, feature_contours
from ..heatmaps import read_mean
from ..storage import load_arrays
from ..run_outputs import not_made_lines


def figure_grid(*, heatmaps: list[str], rows: list[dict], title: str, grey: str, jet: str, panels: str,
                canonical: str | None = None) -> None:
    """One heatmap figure in the study's two renderings (grey and JET), each as PNG and PDF.

    rows: [{label, titles}], one per group; heatmaps: the panels' files in row order.
    panels: a TSV of what each panel shows and the colour scale it was drawn with.
    canonical: the canonical face, whose face region the density is computed over and whose
    feature contours outline every panel (figures.outline).
    """
    if sum(len(row["titles"]) for row in rows) != len(heatmaps):
        raise ValueError(f"{title}: {len(heatmaps)} heatmaps for {sum(len(r['titles']) for r in rows)} panels")
    maps = [read_mean(path) for path in heatmaps]
    face, outline = None, None
    if canonical:
        data = load_arrays(canonical)
        face = data["regions"] != list(data["region_names"]).index("background")
        outline = feature_contours(data["points"][:68])
    drawn = []
    for colormap, path in (("grey", grey), ("jet", jet)):
        drawn = draw_heatmap_grid(rows, maps, path, title, colormap, face, outline)
    with open(panels, "w", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t")
        writer.writerow(["row", "panel", "heatmap", "scale", "vmin", "vmax", "panel_max"])
        for item, path in zip(drawn, heatmaps):
            writer.writerow([item["row"], item["panel"], path, STYLE["scale"], f"{item['vmin']:.6g}",
                             f"{item['vmax']:.6g}", f"{item['panel_max']:.6g}"])


def figure_index(*, figures: list[str], descriptions: list[str], index: str, listing: str,
                 not_made: list | None = None) -> None:
    """The figure set: a table of every figure and its files, and a short listing printed at the end
    of a run (one line per kind of figure: the per-person figures share one line), followed by
    what the run could not make and why (not_made: [(what, why)], facelime.run_outputs)."""
    with open(index, "w", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t")
        writer.writerow(["figure", "files"])
        for description, files in zip(descriptions, figures):
            writer.writerow([description, files])
    lines, persons = [], []
    for description, files in zip(descriptions, figures):
        stems = sorted({str(Path(f).with_suffix("")) for f in files.split()})
        formats = ",".join(sorted({Path(f).suffix.lstrip(".") for f in files.split()}))
        shown = [f"{stem}.{{{formats}}}" for stem in stems]
        if "/person_net/" in files:
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

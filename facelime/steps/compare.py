"""Rules kl_matrix and region_shares (docs/method.md, Comparing heatmaps)."""

from __future__ import annotations

import csv

import numpy as np

from .. import divergence
from ..canonical import REGIONS
from ..canonical import region_shares as shares_of
from ..heatmaps import read_count, read_mean
from ..storage import load_arrays


def kl_matrix(*, heatmaps: list[str], names: list[str], tsv: str, clustermap: str, dendrogram: str, linkage: str,
              comparison: str, titles: list[str] | None = None, title: str | None = None) -> np.ndarray:
    """Symmetric-KL matrix of the heatmaps as TSV (rows named by `names`), a seaborn clustered
    heatmap and a dendrogram (leaves named by the display `titles`)."""
    from ..figures import draw_clustermap, draw_dendrogram

    matrix = divergence.kl_matrix([load_arrays(p)["heatmap"] for p in heatmaps])
    with open(tsv, "w", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t")
        writer.writerow([""] + list(names))
        for name, row in zip(names, matrix):
            writer.writerow([name] + [f"{v:.6g}" for v in row])
    links = divergence.cluster(matrix, linkage)
    shown = titles or names
    title = title or comparison
    draw_clustermap(matrix, shown, links, clustermap, f"Symmetric KL divergence between heatmaps: {title}")
    draw_dendrogram(links, shown, dendrogram, f"{title} ({linkage} linkage on symmetric KL)")
    return matrix


def region_shares(*, heatmaps: list[str], kinds: list[str], names: list[str], sizes: list, canonical: str, tsv: str,
                  png: str, titles: list[str] | None = None) -> list[dict]:
    """Per heatmap, the share of its mass in each canonical region and that share over the region's area.

    n: a group's number of identities (sizes), else the members the heatmap averages.
    """
    from ..figures import draw_region_shares

    regions = load_arrays(canonical)["regions"]
    area = {name: float(np.mean(regions == i)) for i, name in enumerate(REGIONS)}
    rows = []
    for path, kind, name, size in zip(heatmaps, kinds, names, sizes):
        shares = shares_of(read_mean(path), regions)
        n = size if size is not None else read_count(path)
        row = {"kind": kind, "heatmap": name, "n": n, **{r: round(v, 6) for r, v in shares.items()}}
        # density: share / area share; > 1 means the region draws more than its size
        row.update({f"{r}_density": round(v / area[r], 4) if area[r] > 0 else 0.0 for r, v in shares.items()})
        rows.append(row)
    with open(tsv, "w", newline="") as handle:
        fields = ["kind", "heatmap", "n", *REGIONS, *(f"{r}_density" for r in REGIONS)]
        writer = csv.DictWriter(handle, fieldnames=fields, delimiter="\t")
        writer.writeheader()
        writer.writerows(rows)
    shown = titles or names
    draw_region_shares([{**row, "heatmap": title} for row, title in zip(rows, shown)], png)
    return rows

"""Rules kl_matrix and region_shares (docs/method.md, Comparing heatmaps)."""

from __future__ import annotations

import csv
from pathlib import Path

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


def identity_and_image_counts(members: list[str], images: dict[str, int]) -> tuple[int, int]:
    """(identities, images) behind a heatmap over `members` identities, given each identity's
    image count: identities whose images were all skipped count for neither (aggregates leave them out)."""
    used = [images.get(i, 0) for i in members if images.get(i, 0) > 0]
    return len(used), int(sum(used))


def region_shares(*, heatmaps: list[str], kinds: list[str], names: list[str], sizes: list, canonical: str, tsv: str,
                  png: str, titles: list[str] | None = None, identities: list[list[str]] | None = None,
                  aligned: list[str] | None = None, one_net: bool = False) -> list[dict]:
    """Per heatmap, the share of its mass in each canonical region and that share over the region's area.

    n: always the identities behind the heatmap (identities: per heatmap, its identities; aligned:
    one model's aligned files, whose counts are each identity's images); images: their images.
    Without them (a step called directly), n is a group's size or the members a heatmap averages.
    one_net: the run explains one model, whose 'all nets' bars the chart leaves out.
    """
    from ..figures import draw_region_shares

    regions = load_arrays(canonical)["regions"]
    area = {name: float(np.mean(regions == i)) for i, name in enumerate(REGIONS)}
    rows = []
    image_counts = {Path(p).stem: read_count(p) for p in aligned or []}
    for k, (path, kind, name, size) in enumerate(zip(heatmaps, kinds, names, sizes)):
        shares = shares_of(read_mean(path), regions)
        if identities is not None:
            n, images = identity_and_image_counts(identities[k], image_counts)
        else:
            n, images = (size if size is not None else read_count(path)), ""
        row = {"kind": kind, "heatmap": name, "n": n, "images": images, **{r: round(v, 6) for r, v in shares.items()}}
        # density: share / area share; > 1 means the region draws more than its size
        row.update({f"{r}_density": round(v / area[r], 4) if area[r] > 0 else 0.0 for r, v in shares.items()})
        rows.append(row)
    with open(tsv, "w", newline="") as handle:
        fields = ["kind", "heatmap", "n", "images", *REGIONS, *(f"{r}_density" for r in REGIONS)]
        writer = csv.DictWriter(handle, fieldnames=fields, delimiter="\t")
        writer.writeheader()
        writer.writerows(rows)
    shown = titles or names
    draw_region_shares([{**row, "heatmap": title} for row, title in zip(rows, shown)], png, one_net)
    return rows

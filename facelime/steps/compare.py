"""Rules kl_matrix and region_shares (docs/method.md, Comparing heatmaps)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from .. import divergence
from ..canonical import REGIONS
from ..canonical import region_shares as shares_of
from ..heatmaps import read_count, read_mean
from ..seeding import job_seed
from ..storage import load_arrays, write_tsv


def kl_matrix(*, entries: list[dict], tsv: str, clustermap: str, dendrogram: str, linkage: str, comparison: str,
              title: str | None = None, identity_heatmaps: list[str] | None = None,
              identity_models: list[str] | None = None, identities: list[str] | None = None,
              uncertainty: dict | None = None, seed: int = 0, ci: str | None = None, floor: str | None = None,
              support: str | None = None) -> np.ndarray:
    """Symmetric-KL matrix of the set's heatmaps as TSV (rows named by their labels), a seaborn
    clustered heatmap and a dendrogram (leaves named by their titles).

    entries: per heatmap {label, path, title (default: the label), recipe (models, identities,
    scaled: what it averages)}. With identity_heatmaps (the (model, identity) heatmaps,
    identity_models x identities, row-major) and every entry's recipe, also the uncertainty
    tables (facelime.kl_uncertainty): `floor` (noise floor per heatmap), `ci` (identity-bootstrap
    CI per cell) and `support` (bootstrap support per dendrogram node, drawn on the dendrogram).
    """
    from ..figures import draw_clustermap, draw_dendrogram

    names = [e["label"] for e in entries]
    matrix = divergence.kl_matrix([load_arrays(e["path"])["heatmap"] for e in entries])
    with open(tsv, "w", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t")
        writer.writerow([""] + list(names))
        for name, row in zip(names, matrix):
            writer.writerow([name] + [f"{v:.6g}" for v in row])
    links = divergence.cluster(matrix, linkage)
    shown = [e.get("title") or e["label"] for e in entries]
    title = title or comparison
    supports = None
    recipes = [e.get("recipe") for e in entries]
    if identity_heatmaps is not None and all(r is not None for r in recipes):
        supports = kl_uncertainty(matrix, links, names, identity_heatmaps, identity_models, identities, recipes,
                                  uncertainty or {}, linkage, seed, comparison, ci, floor, support)
    draw_clustermap(matrix, shown, links, clustermap, f"Symmetric KL divergence between heatmaps: {title}")
    draw_dendrogram(links, shown, dendrogram, f"{title} ({linkage} linkage on symmetric KL)", support=supports)
    return matrix


def kl_uncertainty(matrix: np.ndarray, links: np.ndarray, names: list[str], identity_heatmaps: list[str],
                   identity_models: list[str], identities: list[str], recipes: list[dict], settings: dict,
                   method: str, seed: int, comparison: str, ci: str, floor: str, support: str) -> np.ndarray:
    """Write the noise floors, the cells' bootstrap CIs and the nodes' support; return the supports.

    Seeded from the config seed and the set's name, so every set draws its own resamples.
    """
    from .. import kl_uncertainty as ku

    paths = dict(zip([(m, i) for m in identity_models for i in identities], identity_heatmaps, strict=True))
    maps, valid = {}, {}
    for model in identity_models:
        counts = np.array([read_count(paths[(model, i)]) for i in identities])
        valid[model] = counts > 0
        # an identity without a usable image has a zero mean and weighs nothing (valid False)
        maps[model] = np.stack([read_mean(paths[(model, i)]).ravel() for i in identities]).astype(np.float32)
    scales = {m: ku.model_scale(maps[m], valid[m]) for m in identity_models}
    index = {identity: k for k, identity in enumerate(identities)}
    plans = [ku.Recipe(name, tuple(r["models"]), tuple(index[i] for i in r["identities"]), bool(r["scaled"]))
             for name, r in zip(names, recipes, strict=True)]
    splits, resamples = settings.get("noise_splits", 50), settings.get("bootstrap", 1000)
    confidence = settings.get("confidence", 0.95)
    floors = [ku.noise_floor(r, maps, valid, scales, splits,
                             np.random.default_rng(job_seed(seed, "kl floor", comparison, r.label))) for r in plans]
    write_tsv(floor, [dict(heatmap=r.label, identities=len(r.identities), models=len(r.models), noise_floor=f)
                      for r, f in zip(plans, floors)], ["heatmap", "identities", "models", "noise_floor"])
    draws = ku.bootstrap_matrices(plans, maps, valid, scales, resamples,
                                  np.random.default_rng(job_seed(seed, "kl bootstrap", comparison)))
    tail = (1 - confidence) / 2
    rows = []
    for a in range(len(names)):
        for b in range(a + 1, len(names)):
            low, high = np.quantile(draws[:, a, b], [tail, 1 - tail])
            rows.append(dict(heatmap_a=names[a], heatmap_b=names[b], kl=matrix[a, b], ci_low=low, ci_high=high,
                             noise_floor_a=floors[a], noise_floor_b=floors[b],
                             above_floor=int(matrix[a, b] > max(floors[a], floors[b]))))
    write_tsv(ci, rows, ["heatmap_a", "heatmap_b", "kl", "ci_low", "ci_high", "noise_floor_a", "noise_floor_b",
                         "above_floor"])
    supports = ku.node_support(links, draws, method)
    members = ku.clusters(links, len(names))
    write_tsv(support, [dict(node=len(names) + k, height=links[k, 2], size=len(c), support=supports[k],
                             members=" | ".join(names[i] for i in sorted(c)))
                        for k, c in enumerate(members)], ["node", "height", "size", "support", "members"])
    return supports


def identity_and_image_counts(members: list[str], images: dict[str, int]) -> tuple[int, int]:
    """(identities, images) behind a heatmap over `members` identities, given each identity's
    image count: identities whose images were all skipped count for neither (aggregates leave them out)."""
    used = [images.get(i, 0) for i in members if images.get(i, 0) > 0]
    return len(used), int(sum(used))


def region_shares(*, entries: list[dict], canonical: str, tsv: str, png: str, aligned: list[str] | None = None,
                  one_net: bool = False) -> list[dict]:
    """Per heatmap, the share of its mass in each canonical region and that share over the region's area.

    entries: per heatmap {kind, label, path, title (default: the label), size (a group's), identities
    (those behind it), order (its place in the chart; default: the table's)}; the table keeps the
    entries' order. n: the identities behind the heatmap with images (aligned: one model's aligned
    files, whose counts are each identity's images); images: their images. Without identities (a
    step called directly), n is a group's size or the members a heatmap averages.
    one_net: the run explains one model, whose 'all nets' bars the chart leaves out.
    """
    from ..figures import draw_region_shares

    regions = load_arrays(canonical)["regions"]
    area = {name: float(np.mean(regions == i)) for i, name in enumerate(REGIONS)}
    rows = []
    image_counts = {Path(p).stem: read_count(p) for p in aligned or []}
    for entry in entries:
        shares = shares_of(read_mean(entry["path"]), regions)
        if entry.get("identities") is not None:
            n, images = identity_and_image_counts(entry["identities"], image_counts)
        else:
            size = entry.get("size")
            n, images = (size if size is not None else read_count(entry["path"])), ""
        row = {"kind": entry["kind"], "heatmap": entry["label"], "n": n, "images": images,
               **{r: round(v, 6) for r, v in shares.items()}}
        # density: share / area share; > 1 means the region draws more than its size
        row.update({f"{r}_density": round(v / area[r], 4) if area[r] > 0 else 0.0 for r, v in shares.items()})
        rows.append(row)
    with open(tsv, "w", newline="") as handle:
        fields = ["kind", "heatmap", "n", "images", *REGIONS, *(f"{r}_density" for r in REGIONS)]
        writer = csv.DictWriter(handle, fieldnames=fields, delimiter="\t")
        writer.writeheader()
        writer.writerows(rows)
    chart = sorted(range(len(rows)), key=lambda k: entries[k].get("order", k))
    draw_region_shares([{**rows[k], "heatmap": entries[k].get("title") or entries[k]["label"]} for k in chart],
                       png, one_net)
    return rows

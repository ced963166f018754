"""Rule method_agreement (docs/method.md, Other explainers): how far LIME, RISE and occlusion
agree on the canonical face, per model, and where each puts its mass."""

from __future__ import annotations

from itertools import combinations

import numpy as np

from ..canonical import REGIONS
from ..canonical import region_shares as shares_of
from ..explainers import explained_name
from ..explainers.agreement import agreement_summary, map_agreement
from ..heatmaps import read_mean
from ..storage import load_arrays, write_tsv

MEASURES = ("spearman", "top_iou", "top_share")


def method_agreement(*, aligned: list[str], heatmaps: list[str], canonical: str, images_tsv: str, summary: str,
                     regions_tsv: str, models: list[str], methods: list[str], identities: list[str],
                     names: list[str], seed: int) -> list[dict]:
    """Per (model, image), Spearman and top-10 % overlap of every pair of methods' canonical maps
    (face pixels only); per model their means with bootstrap CIs; and each method's region shares
    and densities side by side.

    aligned: results/aligned/<name>/<identity>.npz for names x identities (row-major);
    heatmaps: the model heatmap of each name; names: <model> or <model>@<method>, as explained.
    """
    regions = load_arrays(canonical)["regions"]
    face = regions != REGIONS.index("background")
    paths = dict(zip([(n, i) for n in names for i in identities], aligned, strict=True))
    rows = []
    for model in models:
        for identity in identities:
            maps = {meth: load_arrays(paths[(explained_name(model, meth), identity)]) for meth in methods}
            images = [str(i) for i in maps[methods[0]]["images"]]
            for first, second in combinations(methods, 2):
                for k, image in enumerate(images):
                    if any(maps[m].get("skipped", np.zeros(len(images), bool))[k] for m in (first, second)):
                        continue  # no regions map (no landmarks): nothing to compare
                    measures = map_agreement(maps[first]["aligned"][k], maps[second]["aligned"][k], within=face)
                    rows.append({"model": model, "identity": identity, "image": image, "first": first,
                                 "second": second, **measures})
    write_tsv(images_tsv, rows, ["model", "identity", "image", "first", "second", *MEASURES])
    summarised = agreement_summary(rows, seed=seed)  # 95 % percentile bootstrap CIs, 2000 resamples
    write_tsv(summary, summarised, ["model", "first", "second", "images",
                                    *(f"{m}{s}" for m in MEASURES for s in ("", "_ci_low", "_ci_high"))])
    area = {r: float(np.mean(regions == k)) for k, r in enumerate(REGIONS)}
    by_name = dict(zip(names, heatmaps, strict=True))
    shares = []
    for model in models:
        for region in REGIONS:
            row = {"model": model, "region": region}
            for meth in methods:
                share = shares_of(read_mean(by_name[explained_name(model, meth)]), regions)[region]
                row[meth] = round(share, 6)
                row[f"{meth}_density"] = round(share / area[region], 4) if area[region] > 0 else 0.0
            shares.append(row)
    write_tsv(regions_tsv, shares, ["model", "region", *methods, *(f"{m}_density" for m in methods)])
    return summarised

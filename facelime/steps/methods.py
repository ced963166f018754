"""Rules method_agreement and seed_ceiling (docs/method.md, Other explainers): how far LIME, RISE and
occlusion agree on the canonical face, per model, how far each agrees with itself, and where each puts its mass."""

from __future__ import annotations

from itertools import combinations

import numpy as np

from ..canonical import REGIONS
from ..canonical import region_shares as shares_of
from ..canonical import load_canonical
from ..explainers import explain_face
from ..names import explained_name, split_name
from ..validity.agreement import agreement_summary, map_agreement
from ..validity.ceiling import ceiling_summary, pair_rows, stored_signed_maps
from ..heatmaps import read_mean
from ..models import build_embedder
from ..references import stored_reference
from ..seeding import job_seed
from ..storage import load_arrays, read_tsv, write_tsv
from ..warp import CanonicalWarp

MEASURES = ("spearman", "top_iou", "top_share")


def canonical_signed(masks: dict, landmarks: dict, warp) -> np.ndarray:
    """An identity's signed maps (validity.ceiling.stored_signed_maps) warped onto the canonical face."""
    signed = stored_signed_maps(masks)
    return np.array([warp.warp(m, lm) for m, lm in zip(signed, landmarks["landmarks"])], np.float32)


def method_agreement(*, aligned: list[dict], heatmaps: list[str], canonical: str, images_tsv: str, summary: str,
                     regions_tsv: str, models: list[str], methods: list[str], identities: list[str],
                     names: list[str], seed: int, masks: list[dict] | None = None,
                     landmarks: list[str] | None = None, ceilings: list[str] | None = None,
                     ceiling_tsv: str | None = None, keep: str = "positive") -> list[dict]:
    """Per (model, image), Spearman and top-10 % overlap of every pair of methods' canonical maps
    (face pixels only), on the kept maps and, with masks and landmarks, on the signed maps; per model
    their means with CIs from a bootstrap over identities, beside each method's noise ceiling (its
    agreement with itself under another seed, from the seed_ceiling tables); and each method's region
    shares and densities side by side.

    aligned, masks: one record {name, identity, path} per results/aligned|masks/<name>/<identity>.npz;
    landmarks: per identity; heatmaps: the model heatmap of each name; names: <model> or
    <model>@<method>, as explained.
    """
    regions = load_arrays(canonical)["regions"]
    face = regions != REGIONS.index("background")
    warp = CanonicalWarp(load_canonical(canonical))
    paths = {(r["name"], r["identity"]): r["path"] for r in aligned}
    mask_paths = {(r["name"], r["identity"]): r["path"] for r in masks or []}
    marks = dict(zip(identities, landmarks or [], strict=bool(landmarks)))
    rows = []
    for model in models:
        for identity in identities:
            stored = {meth: load_arrays(paths[(explained_name(model, meth), identity)]) for meth in methods}
            maps = {meth: {"kept": stored[meth]["aligned"]} for meth in methods}
            skipped = {meth: stored[meth].get("skipped", np.zeros(len(stored[meth]["aligned"]), bool))
                       for meth in methods}
            if masks and landmarks:
                for meth in methods:
                    maps[meth]["signed"] = canonical_signed(load_arrays(mask_paths[(explained_name(model, meth),
                                                                                     identity)]),
                                                            load_arrays(marks[identity]), warp)
            images = [str(i) for i in stored[methods[0]]["images"]]
            for first, second in combinations(methods, 2):
                for part in maps[first]:
                    for k, image in enumerate(images):
                        if skipped[first][k] or skipped[second][k]:
                            continue  # no regions map (no landmarks): nothing to compare
                        ties = np.random.default_rng(job_seed(seed, "agreement ties", model, identity, image, first,
                                                              second, part))
                        measures = map_agreement(maps[first][part][k], maps[second][part][k], within=face, rng=ties)
                        rows.append({"model": model, "identity": identity, "image": image, "map": part,
                                     "first": first, "second": second, **measures})
    write_tsv(images_tsv, rows, ["model", "identity", "image", "map", "first", "second", *MEASURES])
    # 95 % identity-bootstrap CIs, 2000 resamples
    summarised = agreement_summary(rows, seed=seed, keys=("model", "map", "first", "second"))
    ceiling_rows = ceiling_summary([r for path in ceilings or [] for r in typed_rows(path)], methods, models, seed)
    if ceiling_tsv:
        write_tsv(ceiling_tsv, ceiling_rows, CEILING_FIELDS)
    ceiling = {(r["model"], r["method"], r["map"]): r for r in ceiling_rows}
    for row in summarised:  # each method's ceiling beside the agreement it limits
        for side in ("first", "second"):
            own = ceiling.get((row["model"], row[side], row["map"]), {})
            for measure in ("spearman", "top_iou"):
                row[f"ceiling_{measure}_{side}"] = own.get(measure, float("nan"))
    write_tsv(summary, summarised, ["model", "map", "first", "second", "images", "identities",
                                    *(f"{m}{s}" for m in MEASURES for s in ("", "_ci_low", "_ci_high")),
                                    *(f"ceiling_{m}_{side}" for m in ("spearman", "top_iou")
                                      for side in ("first", "second"))])
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


CEILING_FIELDS = ("model", "method", "map", "images", "identities", "spearman", "spearman_ci_low", "spearman_ci_high",
                  "top_iou", "top_iou_ci_low", "top_iou_ci_high")
CEILING_IMAGE_FIELDS = ("model", "method", "identity", "image", "map", *MEASURES)


def typed_rows(path: str) -> list[dict]:
    """A seed_ceiling table's rows with the measures as floats."""
    return [{**r, **{m: float(r[m]) for m in MEASURES}} for r in read_tsv(path)]


def seed_ceiling(*, faces: str, landmarks: str, canonical: str, masks: str, tsv: str, model: str, spec: dict,
                 lime: dict, seed: int, identity: str, method: str, threads: int = 1,
                 method_settings: dict | None = None, speed: dict | None = None) -> list[dict]:
    """Every image of one identity explained again by `model`'s method with another seed (the same
    reference), both signed maps warped onto the canonical face and compared (validity.ceiling).
    method, method_settings: the explainer and its settings; speed: the model's speed-only settings."""
    crops, explained, marks = load_arrays(faces), load_arrays(masks), load_arrays(landmarks)
    regions = load_arrays(canonical)["regions"]
    face = regions != REGIONS.index("background")
    warp = CanonicalWarp(load_canonical(canonical))
    first = stored_signed_maps(explained) if len(crops["images"]) else []
    embedder = build_embedder(split_name(model)[0], {**spec, **(speed or {})}, threads=threads) \
        if len(crops["images"]) else None
    rows = []
    for i, name in enumerate(str(n) for n in crops["images"]):
        again = explain_face(method, crops["faces"][i], crops["segments"][i], embedder, lime=lime,
                              seed=job_seed(seed, "ceiling", model, identity, name),
                              explain={method: method_settings or {}},
                              reference=stored_reference(explained, i)).signed_map
        maps = warp.source_maps(marks["landmarks"][i], crops["faces"][i].shape[:2])
        pair = pair_rows(warp.warp(first[i], None, maps), warp.warp(again, None, maps), lime["keep"], face,
                         np.random.default_rng(job_seed(seed, "ceiling ties", model, identity, name)))
        rows += [{"model": split_name(model)[0], "method": method, "identity": identity, "image": name, "map": part,
                  **measures} for part, measures in pair.items()]
    write_tsv(tsv, rows, CEILING_IMAGE_FIELDS)
    return rows

"""Rules of the validity checks (docs/validity.md): faithfulness, stability, the model-randomisation
sanity check and region statistics, each with its summary table."""

from __future__ import annotations

import logging
import os
from itertools import combinations
from pathlib import Path

import numpy as np

from ..divergence import symmetric_kl
from ..errors import ModelLoadError
from ..explainers.scoring import SimilarityScorer, own_embedding
from ..models import build_embedder
from ..names import split_name
from ..references import stored_reference
from ..seeding import job_seed
from ..storage import atomic_path, load_arrays, read_tsv, save_arrays, write_tsv
from ..validity.ceiling import painted_coefficients
from ..validity.faithfulness import CURVE_POINTS, FAITHFULNESS_FIELDS, curve_auc
from ..validity.randomise import randomised_name, shuffle_weights
from ..validity.region_stats import identity_masses, models_equal_masses, region_share_tables
from ..validity.stability import seed_agreement, studied_sample_counts
from ..validity.stats import identity_bootstrap_ci

FAITHFULNESS_SUMMARY_FIELDS = ("model", "units", "substrate", "kind", "method", "images", "identities", "auc",
                               "auc_random", "gap", "gap_low", "gap_high", "share_beats_random", "rank")
RANKING_FIELDS = ("model", "units", "substrate", "kind", "ranking", "best", "ranking_survives", "best_survives",
                  "kendalls_w", "protocols")
PAIR_FIELDS = ("model", "units", "substrate", "kind", "method_a", "method_b", "images", "identities", "difference",
               "ci_low", "ci_high", "better")
STABILITY_FIELDS = ("model", "identity", "image", "num_samples", "seeds", "mean_spearman", "min_spearman")
STABILITY_SUMMARY_FIELDS = ("model", "num_samples", "images", "mean_spearman", "mean_spearman_ci_low",
                            "mean_spearman_ci_high", "sd_spearman", "min_spearman")
SANITY_FIELDS = ("comparison", "model_a", "model_b", "symmetric_kl")
CI_FIELDS = ("scope", "column", "group", "identities", "region", "share", "ci_low", "ci_high")
TEST_FIELDS = ("scope", "column", "group_a", "group_b", "identities_a", "identities_b", "region",
               "share_a", "share_b", "difference", "p_value", "p_adjusted", "significant")


def faithfulness(*, faces: str, masks: str, tsv: str, curves: str, model: str, spec: dict, settings: dict,
                 seed: int, identity: str, reference_image=None, pair_crop: dict | None = None, threads: int = 1,
                 speed: dict | None = None) -> list[dict]:
    """Deletion/insertion AUCs and curves of every explained image of one (explained model, identity) under
    every protocol of validity.faithfulness (facelime.validity.faithfulness), each against random orders.

    settings: validity.faithfulness (units, steps, grid, blur_sigma, random_orders). In pair mode
    (lime.reference: image) the reference image's crop is the 'pair' substrate; pair_crop holds
    the crop settings then. speed: the model's speed-only settings, which are not rule params.
    """
    from ..preprocess import load_crop
    from ..validity.faithfulness import protocol_curves, protocol_rows, protocols

    base, method = split_name(model)
    crops, explained = load_arrays(faces), load_arrays(masks)
    names = [str(n) for n in explained["images"]]
    embedder = build_embedder(model, {**spec, **(speed or {})}, threads=threads) if names else None
    image = reference_image[0] if isinstance(reference_image, list) and reference_image else reference_image
    pair_face = load_crop(image, pair_crop) if image and pair_crop is not None else None
    chosen = protocols(settings["units"], pair=pair_face is not None)
    rows, image_curves = [], {}
    skipped = explained.get("region_skipped", np.zeros(len(names), bool))
    for i, name in enumerate(names):
        if skipped[i]:  # regions without landmarks: no map to score (docs/method.md, Regions explainer)
            logging.info("%s %s: %s has no regions map (no landmarks): not scored", model, identity, name)
            continue
        rng = np.random.default_rng(job_seed(seed, "faithfulness", model, identity, name))
        reference = stored_reference(explained, i)
        face = crops["faces"][i]
        if reference is None:  # the explanation's own reference, computed as the explanation computed it
            reference = own_embedding(embedder, embedder.prepare(face))
        curves_i = protocol_curves(embedder, face, crops["segments"][i], explained_signed_map(explained, i),
                                   np.asarray(reference, np.float64), chosen, settings["steps"],
                                   settings["random_orders"], rng, settings["grid"], settings["blur_sigma"],
                                   pair_face, settings.get("pixel_steps"))
        image_rows, resampled = protocol_rows(curves_i)
        rows += [dict(model=base, method=method, identity=identity, image=name, **r) for r in image_rows]
        for key, curve in resampled.items():
            image_curves.setdefault(key, []).append(curve)
    write_tsv(tsv, rows, FAITHFULNESS_FIELDS)
    save_arrays(curves, images=np.array([n for n, skip in zip(names, skipped) if not skip], dtype=str),
                **{key: np.array(value, np.float32).reshape(-1, CURVE_POINTS) for key, value in image_curves.items()})
    return rows


def explained_signed_map(explained: dict, i: int) -> np.ndarray:
    """Image i's map with both signs: stored by the explain step; for masks files from before it was stored,
    LIME's weights painted on its superpixels, else the kept map (positive evidence only)."""
    if "signed_maps" in explained:
        return explained["signed_maps"][i]
    k = int(explained["num_superpixels"][i])
    if np.isfinite(explained["intercept"][i]) and k:  # LIME (the other methods store NaN)
        return painted_coefficients(explained, i)
    logging.warning("masks file without signed maps: image %d is ordered by its kept (positive) map", i)
    return explained["score_maps"][i]


def faithfulness_summary(*, explained: list[dict], tsv: str, ranking: str, pairs: str, png: str,
                         bootstrap: int, confidence: float, seed: int) -> list[dict]:
    """Per model, protocol and method: mean AUCs, the mean gap to random orders with an identity-bootstrap
    CI (validity.faithfulness.confidence) and the method's rank; per model and protocol the ranking
    and whether it survives every protocol; paired differences between methods; the mean curves.

    explained: one record {model, method, identity, tsv, curves} per faithfulness job."""
    from ..validity.method_ranking import method_summary, paired_differences, ranking_table
    from ..validity.plots import draw_faithfulness_curves

    rows = [row for record in explained for row in read_tsv(record["tsv"])]
    summary = method_summary(rows, bootstrap, confidence, seed)
    write_tsv(tsv, summary, FAITHFULNESS_SUMMARY_FIELDS)
    write_tsv(ranking, ranking_table(summary), RANKING_FIELDS)
    write_tsv(pairs, paired_differences(rows, bootstrap, confidence, seed), PAIR_FIELDS)
    gathered: dict[tuple[str, str], dict[str, list]] = {}
    for record in explained:
        for key, value in load_arrays(record["curves"]).items():
            if key != "images" and len(value):
                gathered.setdefault((record["model"], record["method"]), {}).setdefault(key, []).append(value)
    mean_curves = {name: {key: np.concatenate(v).mean(axis=0) for key, v in found.items()}
                   for name, found in gathered.items()}
    draw_faithfulness_curves(mean_curves, png)
    return summary


def stability(*, faces: str, masks: str, tsv: str, model: str, spec: dict, lime: dict, settings: dict, seed: int,
              identity: str, threads: int = 1, speed: dict | None = None) -> list[dict]:
    """Seed agreement for the first image of one identity, at every studied sample count (settings:
    validity.stability). speed: the model's speed-only settings, which are not rule params."""
    crops, explained = load_arrays(faces), load_arrays(masks)
    rows = []
    if len(crops["images"]):
        embedder = build_embedder(model, {**spec, **(speed or {})}, threads=threads)
        name = str(crops["images"][0])
        reference = stored_reference(explained, 0)
        for num_samples in studied_sample_counts(settings, lime):
            seeds = [job_seed(seed, "stability", model, identity, name, str(num_samples), str(r))
                     for r in range(settings["seeds"])]
            mean, low = seed_agreement(crops["faces"][0], crops["segments"][0], embedder, num_samples, seeds, lime,
                                       reference)
            rows.append(dict(model=model, identity=identity, image=name, num_samples=num_samples,
                             seeds=len(seeds), mean_spearman=mean, min_spearman=low))
    write_tsv(tsv, rows, STABILITY_FIELDS)
    return rows


def stability_summary(*, tables: list[str], tsv: str, png: str, seed: int = 0) -> list[dict]:
    """Mean (with a 95 % identity-bootstrap CI, 2000 resamples), sd and min Spearman per model and sample count over the studied
    images; a line plot."""
    from ..validity.plots import draw_stability

    rows = [row for path in tables for row in read_tsv(path)]
    summary = []
    for model in sorted({r["model"] for r in rows}):
        for num_samples in sorted({int(r["num_samples"]) for r in rows if r["model"] == model}):
            mine = [r for r in rows if r["model"] == model and int(r["num_samples"]) == num_samples]
            values = np.array([float(r["mean_spearman"]) for r in mine])
            _, low, high = identity_bootstrap_ci(values, [r["identity"] for r in mine], 2000, 0.95,
                                                 job_seed(seed, "stability", model, str(num_samples)))
            summary.append(dict(model=model, num_samples=num_samples, images=len(values),
                                mean_spearman=float(values.mean()), mean_spearman_ci_low=low,
                                mean_spearman_ci_high=high, sd_spearman=float(values.std()),
                                min_spearman=float(values.min())))
    write_tsv(tsv, summary, STABILITY_SUMMARY_FIELDS)
    draw_stability(summary, png)
    return summary


def randomise_model(*, model_file: str, randomised: str, seed: int, trained: str) -> int:
    """A copy of the trained ONNX model with every weight tensor's values shuffled; returns how many were."""
    import onnx

    try:
        model = onnx.load(model_file)
    except Exception as err:  # protobuf's DecodeError and friends
        raise ModelLoadError(model_file, f"cannot be read as ONNX ({type(err).__name__})") from None
    count = shuffle_weights(model, job_seed(seed, "randomise", trained))
    if count == 0:
        raise ModelLoadError(model_file, "has no weight tensors to randomise (no float initialiser with 2+ "
                                         "dimensions)")
    Path(randomised).parent.mkdir(parents=True, exist_ok=True)
    tmp = atomic_path(randomised, ".onnx")
    onnx.save(model, tmp)
    os.replace(tmp, randomised)
    logging.info("shuffled %d weight tensors of %s", count, model_file)
    return count


def sanity_check(*, trained_heatmaps: list[str], randomised_heatmaps: list[str], tsv: str, trained: list[str],
                 randomised_from: list[str]) -> list[dict]:
    """Symmetric KL between each trained model's heatmap and its randomised copy's, next to the KL
    between every pair of trained models (a sane explanation: the first is much larger).

    trained_heatmaps follows `trained`; randomised_heatmaps follows randomised_from (the
    trained model each randomised copy was made from).
    """
    heatmap = {name: load_arrays(path)["heatmap"] for name, path in zip(trained, trained_heatmaps, strict=True)}
    randomised = dict(zip(randomised_from, randomised_heatmaps, strict=True))
    rows = [dict(comparison="trained_vs_randomised", model_a=model, model_b=randomised_name(model),
                 symmetric_kl=symmetric_kl(heatmap[model], load_arrays(path)["heatmap"]))
            for model, path in sorted(randomised.items())]
    rows += [dict(comparison="trained_vs_trained", model_a=a, model_b=b,
                  symmetric_kl=symmetric_kl(heatmap[a], heatmap[b]))
             for a, b in combinations(sorted(heatmap), 2)]
    write_tsv(tsv, rows, SANITY_FIELDS)
    return rows


def region_stats(*, heatmaps: list[dict], canonical: str, ci: str, tests: str, forest: str, identities: list[str],
                 groups: dict, settings: dict, seed: int) -> tuple[list[dict], list[dict]]:
    """Region shares with bootstrap CIs over identities and permutation tests between metadata groups,
    per model and, with two or more models, over all models (each weighing the same).

    heatmaps: one record {model, identity, path} per (model, identity) heatmap.
    """
    from ..validity.plots import draw_region_forest

    regions = load_arrays(canonical)["regions"]
    paths = {(r["model"], r["identity"]): r["path"] for r in heatmaps}
    models = list(dict.fromkeys(r["model"] for r in heatmaps))
    masses = {model: identity_masses([paths[(model, identity)] for identity in identities], regions)
              for model in models}
    if len(masses) >= 2:
        masses["all_models"] = models_equal_masses(list(masses.values()))
    ci_rows, test_rows = region_share_tables(masses, identities, dict(groups), settings["bootstrap"],
                                             settings["permutations"], settings["confidence"], seed)
    write_tsv(ci, ci_rows, CI_FIELDS)
    write_tsv(tests, test_rows, TEST_FIELDS)
    draw_region_forest(ci_rows, forest, settings["confidence"])
    return ci_rows, test_rows


PATCH_FIELDS = ("model", "method", "pair", "kind", "part", "identity", "donor", "similarity_untouched",
                "similarity_patched", "threshold", "match", "premise_held", "similarity_auc_map",
                "similarity_auc_random", "gap")
PATCH_SUMMARY_FIELDS = ("model", "method", "genuine_pairs", "impostor_pairs", "threshold", "fnmr_patched",
                        "fmr_patched", "fnmr_auc_map", "fnmr_auc_random", "fmr_auc_map", "fmr_auc_random",
                        "genuine_similarity_auc_map", "genuine_similarity_auc_random", "impostor_similarity_auc_map",
                        "impostor_similarity_auc_random", "gap", "gap_low", "gap_high", "share_beats_random")
PREMISE_FIELDS = ("model", "part", "cases", "premise_rate")


def patch_restoration(*, people: list[dict], tsv: str, curves: str, model: str, spec: dict,
                      lime: dict, segment: dict, settings: dict, seed: int, method: str, threads: int = 1,
                      method_settings: dict | None = None, speed: dict | None = None) -> list[dict]:
    """Patch-LFW's restoration protocol (facelime.validity.patch_restoration) for one explained model.

    people: one record {identity, faces, landmarks} per identity (its crops and 68 landmarks); settings: validity.patch (pairs,
    steps, random_orders); lime: LIME's settings; method, method_settings: the explainer of
    <model>@<method> and its settings; segment: the superpixel settings for the patched faces;
    speed: the model's speed-only settings, which are not rule params.
    """
    from ..explainers import explain_face
    from ..segmentation import superpixels
    from ..validity.patch_restoration import build_pairs, eer_threshold, premise_held, restoration_curves

    base = split_name(model)[0]
    faces = {}
    for person in people:
        crops, points = load_arrays(person["faces"]), load_arrays(person["landmarks"])
        found = points.get("face_detected", np.ones(len(crops["images"]), bool))
        # a face whose landmarks fell back to the whole crop has no real part boxes to paste
        faces[person["identity"]] = [(str(n), crops["faces"][i], points["landmarks"][i])
                                        for i, n in enumerate(crops["images"]) if found[i]]
    pairs = build_pairs(faces, settings["pairs"], np.random.default_rng(job_seed(seed, "patch pairs")))
    embedder = build_embedder(model, {**spec, **(speed or {})}, threads=threads)
    partners = embedder.embed_faces([p.partner for p in pairs]).astype(np.float64)
    untouched = [float(s) for p, e in zip(pairs, partners)
                 for s in SimilarityScorer(embedder, e).score_faces([p.original])]
    patched = [float(s) for p, e in zip(pairs, partners) for s in SimilarityScorer(embedder, e).score_faces([p.patched])]
    threshold = eer_threshold([s for s, p in zip(untouched, pairs) if p.kind == "genuine"],
                              [s for s, p in zip(untouched, pairs) if p.kind == "impostor"])
    rows, all_curves = [], []
    for pair, partner, before, now in zip(pairs, partners, untouched, patched):
        case_seed = job_seed(seed, "patch", model, pair.name)
        segments = superpixels(pair.patched, segment["segmentation"], segment["n_segments"], segment["compactness"],
                               seed=case_seed)
        explanation = explain_face(method, pair.patched, segments, embedder, lime=lime,
                                    explain={method: method_settings or {}}, seed=case_seed, reference=partner, landmarks=pair.landmarks)
        match = now >= threshold
        sims = restoration_curves(embedder, pair, explanation.signed_map, partner, match, settings["steps"],
                                  settings["random_orders"], np.random.default_rng(case_seed))
        auc = curve_auc(sims)
        # restoring the untouched pixels should raise a genuine pair's similarity and lower an impostor's
        gap = auc[0] - auc[1:].mean() if pair.kind == "genuine" else auc[1:].mean() - auc[0]
        rows.append(dict(model=base, method=method, pair=pair.name, kind=pair.kind, part=pair.part,
                         identity=pair.identity, donor=pair.donor, similarity_untouched=before,
                         similarity_patched=now, threshold=threshold, match=int(match),
                         premise_held=int(premise_held(embedder, pair)), similarity_auc_map=float(auc[0]),
                         similarity_auc_random=float(auc[1:].mean()), gap=float(gap)))
        all_curves.append(sims)
        logging.info("%s: %s restored (%d/%d)", model, pair.name, len(rows), len(pairs))
    write_tsv(tsv, rows, PATCH_FIELDS)
    save_arrays(curves, pairs=np.array([p.name for p in pairs], dtype=str), threshold=np.float64(threshold),
                similarity=np.array(all_curves, np.float32).reshape(len(pairs), 1 + settings["random_orders"],
                                                                    settings["steps"] + 1))
    return rows


def patch_summary(*, tables: list[str], curves: list[str], tsv: str, premise: str, png: str, bootstrap: int,
                  confidence: float, seed: int) -> list[dict]:
    """Per model and method: FNMR/FMR AUCs along restoration of the map's order and of random orders, the
    similarity AUCs, and the mean per-pair gap with an identity-bootstrap CI; per model (and part) how
    often the old premise held; a figure of the curves."""
    from ..validity.patch_restoration import error_curves, restoration_summary
    from ..validity.plots import draw_restoration_curves

    summary, premise_rows, figure = [], [], {}
    for table, curve_path in zip(tables, curves, strict=True):
        rows, arrays = read_tsv(table), load_arrays(curve_path)
        if not rows:
            continue
        sims, threshold = arrays["similarity"].astype(np.float64), float(arrays["threshold"])
        model, method = rows[0]["model"], rows[0]["method"]
        mean, low, high = identity_bootstrap_ci([float(r["gap"]) for r in rows], [r["identity"] for r in rows],
                                                bootstrap, confidence, job_seed(seed, "patch", model, method))
        kinds = np.array([r["kind"] for r in rows])
        at_start = sims[:, 0, 0]
        summary.append(dict(model=model, method=method, genuine_pairs=int((kinds == "genuine").sum()),
                            impostor_pairs=int((kinds == "impostor").sum()), threshold=threshold,
                            fnmr_patched=float((at_start[kinds == "genuine"] < threshold).mean()),
                            fmr_patched=float((at_start[kinds == "impostor"] >= threshold).mean()),
                            **restoration_summary(rows, sims, threshold), gap=mean, gap_low=low, gap_high=high,
                            share_beats_random=float(np.mean([float(r["gap"]) > 0 for r in rows]))))
        if not any(p["model"] == model for p in premise_rows):  # the premise does not depend on the method
            for part in ["all"] + sorted({r["part"] for r in rows}):
                mine = [int(r["premise_held"]) for r in rows if part in ("all", r["part"])]
                premise_rows.append(dict(model=model, part=part, cases=len(mine), premise_rate=float(np.mean(mine))))
        figure[(model, method)] = {**error_curves(rows, sims, threshold),
                                   **{f"{kind}:{order}": (sims[kinds == kind, 0] if order == "map" else
                                                          sims[kinds == kind, 1:].mean(axis=1)).mean(axis=0)
                                      for kind in ("genuine", "impostor") if (kinds == kind).any()
                                      for order in ("map", "random")}}
    write_tsv(tsv, summary, PATCH_SUMMARY_FIELDS)
    write_tsv(premise, premise_rows, PREMISE_FIELDS)
    draw_restoration_curves(figure, png)
    return summary

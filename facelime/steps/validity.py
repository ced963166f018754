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
from ..models import build_embedder
from ..references import stored_reference
from ..seeding import job_seed
from ..storage import atomic_path, load_arrays, read_tsv, save_arrays, write_tsv
from ..validity.faithfulness import CURVE_POINTS, image_faithfulness
from ..validity.randomise import randomised_name, shuffle_weights
from ..validity.region_stats import identity_masses, models_equal_masses, region_share_tables
from ..validity.stability import seed_agreement, studied_sample_counts
from ..validity.stats import identity_bootstrap_ci
from ..workflow_io import with_speed_settings

FAITHFULNESS_FIELDS = ("model", "identity", "image", "num_superpixels", "deletion_auc_lime", "deletion_auc_random",
                       "insertion_auc_lime", "insertion_auc_random", "lime_beats_random_deletion",
                       "lime_beats_random_insertion")
FAITHFULNESS_SUMMARY_FIELDS = ("model", "method", "images", "deletion_auc", "deletion_auc_random", "insertion_auc",
                               "insertion_auc_random", "share_beats_random_deletion", "share_beats_random_insertion",
                               "deletion_gap", "deletion_gap_low", "deletion_gap_high",
                               "insertion_gap", "insertion_gap_low", "insertion_gap_high")
CURVES = ("deletion_lime", "deletion_random", "insertion_lime", "insertion_random")
STABILITY_FIELDS = ("model", "identity", "image", "num_samples", "seeds", "mean_spearman", "min_spearman")
STABILITY_SUMMARY_FIELDS = ("model", "num_samples", "images", "mean_spearman", "mean_spearman_ci_low",
                            "mean_spearman_ci_high", "sd_spearman", "min_spearman")
SANITY_FIELDS = ("comparison", "model_a", "model_b", "symmetric_kl")
CI_FIELDS = ("scope", "column", "group", "identities", "region", "share", "ci_low", "ci_high")
TEST_FIELDS = ("scope", "column", "group_a", "group_b", "identities_a", "identities_b", "region",
               "share_a", "share_b", "difference", "p_value", "p_adjusted", "significant")


def faithfulness(*, faces: str, masks: str, tsv: str, curves: str, model: str, spec: dict, random_orders: int,
                 seed: int, identity: str, threads: int = 1, config: dict | None = None) -> list[dict]:
    """Deletion/insertion AUCs and curves of every explained image of one (model, identity).

    config puts back the speed-only batch sizes, which are not rule params.
    """
    spec, speed = with_speed_settings(config, model, spec, {})
    crops, explained = load_arrays(faces), load_arrays(masks)
    names = [str(n) for n in explained["images"]]
    embedder = build_embedder(model, spec, batch_size=speed.get("batch_size"), threads=threads) if names else None
    rows, image_curves = [], {key: [] for key in CURVES}
    for i, name in enumerate(names):
        rng = np.random.default_rng(job_seed(seed, "faithfulness", model, identity, name))
        aucs, curve = image_faithfulness(embedder, crops["faces"][i], crops["segments"][i], explained, i,
                                         random_orders, rng)
        rows.append(dict(model=model, identity=identity, image=name, **aucs))
        for key in CURVES:
            image_curves[key].append(curve[key])
    write_tsv(tsv, rows, FAITHFULNESS_FIELDS)
    save_arrays(curves, images=np.array(names, dtype=str),
                **{key: np.array(value, np.float32).reshape(-1, CURVE_POINTS) for key, value in image_curves.items()})
    return rows


def faithfulness_summary(*, tables: list[str], curves: list[str], tsv: str, png: str, models: list[str],
                         bootstrap: int, confidence: float, seed: int) -> list[dict]:
    """Per model (and explainer, explain.methods): the mean deletion and insertion AUCs of the explanation's
    order and of random orders, the share of images where the explanation's order beats random, and the
    mean AUC gaps with CIs from a bootstrap over identities (validity.faithfulness.confidence, 0.95).

    deletion_gap = random AUC - LIME AUC and insertion_gap = LIME AUC - random AUC, so
    both are positive when LIME's order is better than chance.
    """
    from ..validity.plots import draw_faithfulness_curves

    rows = [row for path in tables for row in read_tsv(path)]
    summary, mean_curves = [], {}
    for model in models:
        mine = [r for r in rows if r["model"] == model]
        gaps = {"deletion": [float(r["deletion_auc_random"]) - float(r["deletion_auc_lime"]) for r in mine],
                "insertion": [float(r["insertion_auc_lime"]) - float(r["insertion_auc_random"]) for r in mine]}
        # the explanation's own order (LIME's, or explain.methods' for <model>@<method>) and random ones
        means = {f"{kind}_auc{order}": np.mean([float(r[f"{kind}_auc_{column}"]) for r in mine]) if mine
                 else float("nan")
                 for kind in ("deletion", "insertion") for order, column in (("", "lime"), ("_random", "random"))}
        entry = dict(model=model, method=model.partition("@")[2] or "lime", images=len(mine), **means,
                     share_beats_random_deletion=np.mean([int(r["lime_beats_random_deletion"]) for r in mine])
                     if mine else float("nan"),
                     share_beats_random_insertion=np.mean([int(r["lime_beats_random_insertion"]) for r in mine])
                     if mine else float("nan"))
        for kind, values in gaps.items():
            mean, low, high = identity_bootstrap_ci(values, [r["identity"] for r in mine], bootstrap, confidence,
                                                    job_seed(seed, "faithfulness", model, kind))
            entry.update({f"{kind}_gap": mean, f"{kind}_gap_low": low, f"{kind}_gap_high": high})
        summary.append(entry)
        model_curves = [load_arrays(p) for p in curves if Path(p).parent.name == model]
        mean_curves[model] = {key: np.concatenate([c[key] for c in model_curves]).mean(axis=0)
                              for key in CURVES if sum(len(c[key]) for c in model_curves)}
    write_tsv(tsv, summary, FAITHFULNESS_SUMMARY_FIELDS)
    draw_faithfulness_curves(mean_curves, png)
    return summary


def stability(*, faces: str, masks: str, tsv: str, model: str, spec: dict, lime: dict, settings: dict, seed: int,
              identity: str, threads: int = 1, config: dict | None = None) -> list[dict]:
    """Seed agreement for the first image of one identity, at every studied sample count (settings:
    validity.stability). config puts back the speed-only batch sizes, which are not rule params."""
    spec, lime = with_speed_settings(config, model, spec, lime)
    crops, explained = load_arrays(faces), load_arrays(masks)
    rows = []
    if len(crops["images"]):
        embedder = build_embedder(model, spec, batch_size=lime.get("batch_size"), threads=threads)
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


def region_stats(*, model_identity: list[str], canonical: str, ci: str, tests: str, forest: str, models: list[str],
                 identities: list[str], groups: dict, settings: dict, seed: int) -> tuple[list[dict], list[dict]]:
    """Region shares with bootstrap CIs over identities and permutation tests between metadata groups,
    per model and, with two or more models, over all models (each weighing the same).

    model_identity: the (model, identity) heatmaps, model-major as the rule expands them.
    """
    from ..validity.plots import draw_region_forest

    regions = load_arrays(canonical)["regions"]
    n = len(identities)
    masses = {model: identity_masses(model_identity[i * n: (i + 1) * n], regions) for i, model in enumerate(models)}
    if len(masses) >= 2:
        masses["all_models"] = models_equal_masses(list(masses.values()))
    ci_rows, test_rows = region_share_tables(masses, identities, dict(groups), settings["bootstrap"],
                                             settings["permutations"], settings["confidence"], seed)
    write_tsv(ci, ci_rows, CI_FIELDS)
    write_tsv(tests, test_rows, TEST_FIELDS)
    draw_region_forest(ci_rows, forest, settings["confidence"])
    return ci_rows, test_rows

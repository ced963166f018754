"""Rule region_values (docs/method.md, Regions explainer): the regions explainer's values as tables,
summaries with identity-resampled CIs, paired tests and figures."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import numpy as np

from ..explainers.games import abs_shares
from ..seeding import job_seed
from ..storage import load_some, write_tsv
from ..validity.region_stats import group_members, group_pairs
from ..validity.region_values import (identity_values, label_permutation, paired_permutation, scope_summary,
                                      with_bh)

VALUE_FIELDS = ("image", "region", "shapley", "banzhaf", "share", "pixel_share")
SUMMARY_FIELDS = ("scope", "kind", "column", "group", "identities", "region", "mean", "mean_ci_low", "mean_ci_high",
                  "share", "share_ci_low", "share_ci_high")
TEST_FIELDS = ("comparison", "measure", "scope", "column", "a", "b", "identities_a", "identities_b", "region",
               "difference", "p_value", "p_adjusted")
INTERACTION_FIELDS = ("model", "identities", "region_a", "region_b", "interaction")
KEYS = ("images", "region_names", "region_shapley", "region_banzhaf", "region_pixels", "region_interactions",
        "region_skipped")


def image_rows(explained: dict) -> list[dict]:
    """One row per explained image and region: Shapley, Banzhaf, share of sum |Shapley|, pixel share."""
    rows = []
    names = [str(n) for n in explained["region_names"]]
    for i, image in enumerate(explained["images"]):
        if explained["region_skipped"][i]:
            continue  # no landmarks: a QC row says so (results/qc/qc.tsv)
        phi, pixels = explained["region_shapley"][i], explained["region_pixels"][i]
        share, pixel_share = abs_shares(phi), pixels / max(pixels.sum(), 1)
        rows += [dict(image=str(image), region=name, shapley=phi[r], banzhaf=explained["region_banzhaf"][i][r],
                      share=share[r], pixel_share=pixel_share[r]) for r, name in enumerate(names)]
    return rows


def region_values(*, masks: list[dict], values: str, summary: str, tests: str, interactions: str, figure: str,
                  interaction_figures: list[str], models: list[str], attributes: dict, identities: list[str],
                  groups: dict, settings: dict, seed: int) -> list[dict]:
    """Tables, summaries, tests and figures of the regions explainer.

    masks: one record {model, identity, path} per results/masks/<model>@regions/<identity>.npz;
    models: the config's order; values: a folder that gets <model>/<identity>.tsv; interaction_figures: one
    PNG per model, in `models` order; attributes: {model: {attribute: value}};
    settings: validity.region_stats (bootstrap, permutations, confidence).
    """
    n = len(identities)
    paths = {(record["model"], record["identity"]): record["path"] for record in masks}
    names: list[str] = []
    phi = {m: np.full((n, 0), np.nan) for m in models}
    magnitude, pair = dict(phi), {}
    for model in models:
        per_identity, per_magnitude, per_pair = [], [], []
        for identity in identities:
            explained = load_some(paths[(model, identity)], *KEYS)
            names = names or [str(r) for r in explained.get("region_names", [])]
            table = Path(values) / model / f"{identity}.tsv"
            table.parent.mkdir(parents=True, exist_ok=True)
            write_tsv(table, image_rows(explained) if "region_names" in explained else [], VALUE_FIELDS)
            k = len(names)
            if "region_names" not in explained or not len(explained["images"]):
                per_identity.append(np.full(k, np.nan))
                per_magnitude.append(np.full(k, np.nan))
                per_pair.append(np.full((k, k), np.nan))
                continue
            mean, size = identity_values(explained["region_shapley"], explained["region_skipped"])
            used = ~explained["region_skipped"]
            per_identity.append(mean)
            per_magnitude.append(size)
            per_pair.append(explained["region_interactions"][used].mean(axis=0) if used.any()
                            else np.full((k, k), np.nan))
        phi[model], magnitude[model], pair[model] = (np.array(per_identity).reshape(n, -1),
                                                     np.array(per_magnitude).reshape(n, -1),
                                                     np.array(per_pair).reshape(n, len(names), len(names)))
    scopes = {model: ("model", phi[model], magnitude[model]) for model in models}
    scopes.update(attribute_scopes(models, attributes, phi, magnitude))
    summary_rows = summarise(scopes, names, identities, groups, settings, seed)
    test_rows = compare(scopes, names, identities, groups, settings, seed)
    write_tsv(summary, summary_rows, SUMMARY_FIELDS)
    write_tsv(tests, test_rows, TEST_FIELDS)
    interaction_rows = []
    for model, path in zip(models, interaction_figures, strict=True):
        usable = np.all(np.isfinite(pair[model].reshape(n, -1)), axis=1)
        mean = pair[model][usable].mean(axis=0) if usable.any() else np.full((len(names),) * 2, np.nan)
        interaction_rows += [dict(model=model, identities=int(usable.sum()), region_a=a, region_b=b,
                                  interaction=mean[r, c])
                             for r, a in enumerate(names) for c, b in enumerate(names) if r < c]
        draw_interactions(mean, names, f"{model}: mean Shapley interaction ({int(usable.sum())} identities)", path)
    write_tsv(interactions, interaction_rows, INTERACTION_FIELDS)
    draw_region_values(summary_rows, names, [*scopes], settings["confidence"], figure)
    return summary_rows


def attribute_scopes(models: list[str], attributes: dict, phi: dict, magnitude: dict) -> dict:
    """attribute=value scopes: each identity's mean over the models with that value (attributes with 2+ values)."""
    scopes = {}
    keys = sorted({key for m in models for key in attributes.get(m, {})})
    for key in keys:
        values = {}
        for model in models:
            value = attributes.get(model, {}).get(key)
            if value is not None:
                values.setdefault(str(value), []).append(model)
        if len(values) < 2:
            continue
        for value, members in values.items():
            scopes[f"{key}={value}"] = ("attribute", np.mean([phi[m] for m in members], axis=0),
                                        np.mean([magnitude[m] for m in members], axis=0))
    return scopes


def usable_rows(values: np.ndarray) -> np.ndarray:
    return np.all(np.isfinite(values), axis=1) if values.size else np.zeros(len(values), bool)


def summarise(scopes: dict, names: list[str], identities: list[str], groups: dict, settings: dict,
              seed: int) -> list[dict]:
    """Mean value and share per region with bootstrap CIs, per scope and (all, metadata group)."""
    rows = []
    for scope, (kind, phi, magnitude) in scopes.items():
        index, members = group_members(identities, usable_rows(phi), groups)
        for (column, value), chosen in members.items():
            if not chosen:
                continue
            rows_of = [index[m] for m in chosen]
            rng = np.random.default_rng(job_seed(seed, "region values", scope, column, value))
            result = scope_summary(phi[rows_of], magnitude[rows_of], settings["bootstrap"], settings["confidence"],
                                   rng)
            rows += [dict(scope=scope, kind=kind, column=column, group=value, identities=len(chosen), region=name,
                          **{key: float(result[key][r]) for key in SUMMARY_FIELDS[6:]})
                     for r, name in enumerate(names)]
    return rows


def identity_shares(magnitude: np.ndarray) -> np.ndarray:
    """Each identity's share of its own sum |phi| per region: comparable across models whose
    similarity moves on different scales."""
    total = magnitude.sum(axis=1, keepdims=True)
    return np.divide(magnitude, total, out=np.full_like(magnitude, np.nan), where=total > 0)


def compare(scopes: dict, names: list[str], identities: list[str], groups: dict, settings: dict,
            seed: int) -> list[dict]:
    """Paired tests between models and between attribute values (same identities), label-permutation
    tests between metadata groups within each model, of the mean Shapley value and of each identity's
    share of its sum |phi|; BH across the regions of each comparison and measure."""
    rows = []
    permutations = settings["permutations"]
    measures = {scope: {"value": phi, "share": identity_shares(magnitude)}
                for scope, (_, phi, magnitude) in scopes.items()}
    pairs = [(a, b) for a, b in combinations(scopes, 2) if scopes[a][0] == scopes[b][0]
             and (scopes[a][0] == "model" or a.split("=")[0] == b.split("=")[0])]
    for a, b in pairs:
        kind = scopes[a][0]
        both = usable_rows(measures[a]["share"]) & usable_rows(measures[b]["share"])
        if both.sum() < 2:
            continue
        column = "model" if kind == "model" else a.split("=")[0]
        for measure in ("value", "share"):
            rng = np.random.default_rng(job_seed(seed, "region values paired", measure, a, b))
            difference, p = paired_permutation(measures[a][measure][both], measures[b][measure][both],
                                               permutations, rng)
            rows += with_bh([dict(comparison=f"{kind}s (paired)", measure=measure, scope="all", column=column, a=a,
                                  b=b, identities_a=int(both.sum()), identities_b=int(both.sum()), region=name,
                                  difference=float(difference[r]), p_value=float(p[r]))
                             for r, name in enumerate(names)])
    for scope, (kind, phi, _) in scopes.items():
        if kind != "model":
            continue
        index = {identity: i for i, identity in enumerate(identities) if usable_rows(measures[scope]["share"])[i]}
        for column, value_a, value_b, a, b in group_pairs(groups, index):
            for measure in ("value", "share"):
                rng = np.random.default_rng(job_seed(seed, "region values groups", measure, scope, column,
                                                     value_a, value_b))
                data = measures[scope][measure]
                difference, p = label_permutation(data[a], data[b], permutations, rng)
                rows += with_bh([dict(comparison="groups", measure=measure, scope=scope, column=column,
                                      a=value_a, b=value_b, identities_a=len(a), identities_b=len(b),
                                      region=name, difference=float(difference[r]), p_value=float(p[r]))
                                 for r, name in enumerate(names)])
    return rows


def draw_region_values(rows: list[dict], names: list[str], scopes: list[str], confidence: float, path) -> None:
    """Mean Shapley value per region with its CI, one panel per scope (models in the config's order,
    then attribute values), one colour per metadata group (and all identities)."""
    import pandas as pd

    from ..figures import plt, save_figure

    frame = pd.DataFrame(rows)
    shown = [s for s in scopes if len(frame) and (frame["scope"] == s).any()]
    fig, axes = plt.subplots(1, max(len(shown), 1), figsize=(2.8 * max(len(shown), 1), 0.35 * len(names) + 1.6),
                             sharey=True, squeeze=False)
    for ax, scope in zip(axes[0], shown):
        part = frame[frame["scope"] == scope]
        keys = list(dict.fromkeys(zip(part["column"], part["group"])))
        for j, (column, group) in enumerate(keys):
            sub = part[(part["column"] == column) & (part["group"] == group)].set_index("region").loc[names]
            y = np.arange(len(names)) + (j - (len(keys) - 1) / 2) * 0.8 / max(len(keys), 1)
            ax.errorbar(sub["mean"], y, xerr=[sub["mean"] - sub["mean_ci_low"], sub["mean_ci_high"] - sub["mean"]],
                        fmt="o", ms=3, capsize=2, label="all" if column == "all" else f"{column}={group}")
        ax.axvline(0, color="grey", lw=0.6)
        ax.set_title(scope, fontsize=8)
        ax.set_xlabel("mean Shapley value", fontsize=8)
        ax.legend(fontsize=5)
    axes[0][0].set_yticks(np.arange(len(names)), names)
    axes[0][0].invert_yaxis()
    fig.suptitle(f"regions explainer: mean Shapley value per region, {confidence:.0%} CIs over identities",
                 fontsize=9)
    save_figure(fig, path)


def draw_interactions(matrix: np.ndarray, names: list[str], title: str, path) -> None:
    """K x K heatmap of the mean pairwise Shapley interaction (diverging, centred on 0)."""
    from ..figures import plt, save_figure

    fig, ax = plt.subplots(figsize=(0.45 * len(names) + 2.2, 0.45 * len(names) + 1.6))
    shown = np.where(np.eye(len(names), dtype=bool), np.nan, matrix)
    limit = float(np.nanmax(np.abs(shown))) if np.isfinite(shown).any() else 1.0
    image = ax.imshow(shown, cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set_xticks(np.arange(len(names)), names, rotation=60, ha="right", fontsize=7)
    ax.set_yticks(np.arange(len(names)), names, fontsize=7)
    fig.colorbar(image, ax=ax, shrink=0.8, label="> 0: worth more together")
    ax.set_title(title, fontsize=8)
    save_figure(fig, path)

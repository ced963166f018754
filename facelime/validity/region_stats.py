"""Region shares with uncertainty: bootstrap CIs over identities, permutation tests between groups.

A group's heatmap mean is the mean of its identities' means, so its share of region r
is sum_i M_ir / sum_i M_i, with M_ir the mass of identity i's mean map in region r (the
same number as results/regions/region_shares.tsv). Resampling identities (bootstrap) or
permuting their group labels (permutation test) then only needs the per-identity region
masses, not the maps.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from ..canonical import REGIONS
from ..heatmaps import read_count, read_mean
from ..seeding import job_seed
from .stats import benjamini_hochberg, identity_draws



def group_members(identities: list[str], usable, groups: dict) -> tuple[dict, dict]:
    """({identity: row} of the usable identities, {(column, value): usable members}) with
    ("all", "all") first: the scopes' rows that the region summaries resample."""
    index = {identity: i for i, identity in enumerate(identities) if usable[i]}
    members = {("all", "all"): list(index)}
    members.update({(column, value): [m for m in found if m in index]
                    for column, values in groups.items() for value, found in sorted(values.items())})
    return index, members


def group_pairs(groups: dict, index: dict):
    """(column, value_a, value_b, rows of a, rows of b) for every pair of one column's groups that
    both have usable identities: the comparisons the permutation tests make."""
    for column, values in groups.items():
        for value_a, value_b in combinations(sorted(values), 2):
            a = [index[m] for m in values[value_a] if m in index]
            b = [index[m] for m in values[value_b] if m in index]
            if a and b:
                yield column, value_a, value_b, a, b

def region_masses(mean: np.ndarray, regions: np.ndarray) -> np.ndarray:
    """Mass of a (non-negative part of a) mean map in each region, REGIONS order."""
    mass = np.clip(np.asarray(mean, np.float64), 0, None)
    return np.array([mass[regions == i].sum() for i in range(len(REGIONS))])


def shares(masses: np.ndarray) -> np.ndarray:
    """Region shares of the group made of the rows of `masses` (identities x regions), or of
    each group when masses is (draws x identities x regions)."""
    total = masses.sum(axis=-2)
    return total / np.maximum(total.sum(axis=-1, keepdims=True), 1e-300)


def bootstrap_shares(masses: np.ndarray, resamples: int, rng: np.random.Generator, chunk: int = 500) -> np.ndarray:
    """Region shares of `resamples` bootstrap groups (identities drawn with replacement, validity.stats)."""
    draws = [shares(counts[:, :, None] * masses[None]) for counts in identity_draws(len(masses), resamples, rng, chunk)]
    return np.concatenate(draws)


def permutation_test(masses_a: np.ndarray, masses_b: np.ndarray, permutations: int, rng: np.random.Generator,
                     chunk: int = 500) -> tuple[np.ndarray, np.ndarray]:
    """Share difference a - b per region and its two-sided permutation p-value per region.

    p = (1 + #{permuted |diff| >= observed |diff|}) / (1 + permutations), so never 0.
    """
    observed = shares(masses_a) - shares(masses_b)
    pooled = np.concatenate([masses_a, masses_b])
    n_a = len(masses_a)
    exceed = np.zeros(len(observed))
    for start in range(0, permutations, chunk):
        size = min(chunk, permutations - start)
        order = np.argsort(rng.random((size, len(pooled))), axis=1)
        diff = shares(pooled[order[:, :n_a]]) - shares(pooled[order[:, n_a:]])
        exceed += (np.abs(diff) >= np.abs(observed) - 1e-12).sum(axis=0)
    return observed, (1.0 + exceed) / (1.0 + permutations)


def identity_masses(paths: list[str], regions: np.ndarray) -> np.ndarray:
    """identities x regions masses of per-identity heatmaps; NaN rows for identities without a usable image."""
    rows = []
    for path in paths:
        rows.append(region_masses(read_mean(path), regions) if read_count(path) > 0 else np.full(len(REGIONS), np.nan))
    return np.array(rows).reshape(-1, len(REGIONS))


def models_equal_masses(per_model: list[np.ndarray]) -> np.ndarray:
    """identities x regions masses over all models, each model scaled to unit mass first.

    A model's scale is the total mass of its model heatmap (the mean over its identities),
    as the all-model heatmaps weigh it (facelime.heatmaps.models_equal_mean): then a
    group's shares here are those of its all-model group heatmap.
    """
    scaled = [m / np.nanmean(m.sum(axis=1)) for m in per_model]
    return np.mean(scaled, axis=0)


def region_share_tables(scope_masses: dict[str, np.ndarray], identities: list[str],
                        groups: dict[str, dict[str, list[str]]], resamples: int, permutations: int,
                        confidence: float, seed: int) -> tuple[list[dict], list[dict]]:
    """Bootstrap CIs for every (scope, group, region) and BH-corrected permutation tests between groups.

    scope_masses: {scope: identities x regions masses, rows in `identities` order, NaN
    rows for identities without a usable image}. groups: {column: {value: [identities]}}
    from the identity metadata. Returns the rows of the CI table and of the tests table.
    """
    tail = (1 - confidence) / 2
    ci_rows, test_rows = [], []
    for scope, masses in scope_masses.items():
        index, members = group_members(identities, np.all(np.isfinite(masses), axis=1), groups)
        for (column, value), names in members.items():
            if not names:
                continue
            group = masses[[index[m] for m in names]]
            rng = np.random.default_rng(job_seed(seed, "region bootstrap", scope, column, value))
            draws = bootstrap_shares(group, resamples, rng)
            low, high = np.quantile(draws, [tail, 1 - tail], axis=0)
            point = shares(group)
            for r, region in enumerate(REGIONS):
                ci_rows.append(dict(scope=scope, column=column, group=value, identities=len(names), region=region,
                                    share=point[r], ci_low=low[r], ci_high=high[r]))
        for column, value_a, value_b, a, b in group_pairs(groups, index):
            rng = np.random.default_rng(job_seed(seed, "region permutation", scope, column, value_a, value_b))
            difference, p = permutation_test(masses[a], masses[b], permutations, rng)
            share_a, share_b = shares(masses[a]), shares(masses[b])
            for r, region in enumerate(REGIONS):
                test_rows.append(dict(scope=scope, column=column, group_a=value_a, group_b=value_b,
                                      identities_a=len(a), identities_b=len(b), region=region,
                                      share_a=share_a[r], share_b=share_b[r], difference=difference[r],
                                      p_value=p[r]))
    # one family: every test of the run, so that more groups or models cannot inflate discoveries
    adjusted = benjamini_hochberg([row["p_value"] for row in test_rows])
    for row, q in zip(test_rows, adjusted):
        row["p_adjusted"] = q
        row["significant"] = int(q < 1 - confidence)
    return ci_rows, test_rows

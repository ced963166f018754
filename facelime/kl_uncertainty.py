"""How sure is a KL matrix and its dendrogram? Identity resampling of the heatmaps (docs/method.md,
Uncertainty of the KL matrices).

Every heatmap of a KL set is a fixed recipe over per-(model, identity) means M[m, i]:
the mean over its identities of each of its models' maps, each model divided by its
model heatmap's mass when the heatmap spans several models (as facelime.heatmaps does).
Rebuilding it from weighted identities (a bootstrap draw's counts, or a half of its
identities) therefore needs only those per-identity means. From them:

- noise floor of a heatmap: the KL between the heatmaps of two random halves of its
  identities, median over splits: what averaging that many faces leaves as noise;
- identity-bootstrap CI of each KL cell: the percentile interval of the KL over draws;
- support of each dendrogram node: the share of draws whose tree (same linkage) has the
  node's cluster, as pvclust's BP value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import linkage
from scipy.spatial.distance import squareform
from scipy.special import xlogy

from .validity.stats import identity_draws


@dataclass(frozen=True)
class Recipe:
    """One heatmap of a KL set: the mean over `identities` (indices) of each of `models`' maps, each
    divided by `scales[m]` (its model heatmap's mass) when `scaled`, then averaged over models."""

    label: str
    models: tuple[str, ...]
    identities: tuple[int, ...]
    scaled: bool


def model_scale(maps: np.ndarray, valid: np.ndarray) -> float:
    """A model's scale: the positive mass of its model heatmap (mean of its identities' means)."""
    return float(np.clip(maps[valid].astype(np.float64).mean(axis=0), 0, None).sum()) if valid.any() else 0.0


def rebuilt(recipe: Recipe, maps: dict[str, np.ndarray], valid: dict[str, np.ndarray], scales: dict[str, float],
            weights: np.ndarray, cache: dict | None = None) -> np.ndarray:
    """The recipe's heatmap mean (rows x pixels) under each row of identity weights (rows x identities).

    An identity without a usable image (valid False) weighs nothing; a row whose weights
    leave a model without identities gives that model zeros, as an empty aggregate does.
    """
    cache = {} if cache is None else cache
    chosen = np.zeros(weights.shape[1], bool)
    chosen[list(recipe.identities)] = True
    total = np.zeros((len(weights), maps[recipe.models[0]].shape[1]))
    for model in recipe.models:
        key = (model, recipe.identities)
        if key not in cache:
            w = (weights * (chosen & valid[model])[None]).astype(np.float32)
            count = w.sum(axis=1, keepdims=True, dtype=np.float64)
            cache[key] = (w @ maps[model]).astype(np.float64) / np.where(count > 0, count, 1)
        part = cache[key]
        if recipe.scaled:
            part = part / scales[model] if scales[model] > 0 else np.zeros_like(part)
        total += part
    return total / len(recipe.models)


def stretched_rows(values: np.ndarray) -> np.ndarray:
    """Each row min-max stretched to [0, 1] (zeros when constant), as facelime.heatmaps.stretch."""
    low, high = values.min(axis=1, keepdims=True), values.max(axis=1, keepdims=True)
    span = high - low
    return np.where(span > 0, (values - low) / np.where(span > 0, span, 1), 0.0)


def kl_rows(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """facelime.divergence.symmetric_kl of each pair of rows (both rows x pixels), vectorised."""
    return kl_stretched(stretched_rows(p), stretched_rows(q))


def kl_stretched(p: np.ndarray, q: np.ndarray, hp: np.ndarray | None = None,
                 hq: np.ndarray | None = None) -> np.ndarray:
    """symmetric_kl of rows already stretched: with h(x) = x log x, the sum of kl_div(p, r) + kl_div(q, r)
    is h(p) + h(q) - 2 h(r) (the linear terms cancel), so h(p) and h(q) can be reused across pairs."""
    hp = xlogy(p, p).mean(axis=1) if hp is None else hp
    hq = xlogy(q, q).mean(axis=1) if hq is None else hq
    r = (p + q) / 2
    return np.maximum(hp + hq - 2 * xlogy(r, r).mean(axis=1), 0.0)


def noise_floor(recipe: Recipe, maps, valid, scales, splits: int, rng: np.random.Generator,
                chunk: int = 25) -> float:
    """Median over `splits` random halvings of the recipe's identities of the KL between the two halves'
    heatmaps (NaN below 2 identities)."""
    members = np.array([i for i in recipe.identities if any(valid[m][i] for m in recipe.models)])
    if len(members) < 2:
        return float("nan")
    n = len(next(iter(valid.values())))
    values = []
    for start in range(0, splits, chunk):
        size = min(chunk, splits - start)
        first = np.zeros((size, n))
        second = np.zeros((size, n))
        for row in range(size):
            order = rng.permutation(members)
            first[row, order[: len(order) // 2]] = 1
            second[row, order[len(order) // 2:]] = 1
        values.append(kl_rows(rebuilt(recipe, maps, valid, scales, first), rebuilt(recipe, maps, valid, scales, second)))
    return float(np.median(np.concatenate(values)))


def strata(recipes: list[Recipe], n: int) -> list[np.ndarray]:
    """Identities resampled together: within each heatmap's own identities when the heatmaps have
    disjoint identities (groups, whose sizes stay fixed), else all identities at once (models over the
    same faces, so that every heatmap of a draw sees the same faces)."""
    sets = [set(r.identities) for r in recipes]
    disjoint = sum(len(s) for s in sets) == len(set().union(*sets))
    if disjoint and len(sets) > 1:
        return [np.array(sorted(s)) for s in sets if s]
    return [np.array(sorted(set().union(*sets)))] if n else []


def bootstrap_matrices(recipes: list[Recipe], maps, valid, scales, resamples: int, rng: np.random.Generator,
                       chunk: int = 25) -> np.ndarray:
    """KL matrices (resamples x k x k) of the recipes' heatmaps rebuilt from identity bootstrap draws."""
    n = len(next(iter(valid.values())))
    groups = strata(recipes, n)
    k = len(recipes)
    out = np.zeros((resamples, k, k))
    done = 0
    while done < resamples:
        size = min(chunk, resamples - done)
        weights = np.zeros((size, n))
        for members in groups:
            counts = next(identity_draws(len(members), size, rng, chunk=size))
            weights[:, members] = counts
        cache: dict = {}
        heat = [stretched_rows(rebuilt(r, maps, valid, scales, weights, cache)) for r in recipes]
        own = [xlogy(h, h).mean(axis=1) for h in heat]
        for a in range(k):
            for b in range(a + 1, k):
                kl = kl_stretched(heat[a], heat[b], own[a], own[b])
                out[done: done + size, a, b] = out[done: done + size, b, a] = kl
        done += size
    return out


def clusters(links: np.ndarray, k: int) -> list[frozenset]:
    """The leaf set under each merge of a linkage (row order: node k + row)."""
    members = [frozenset([i]) for i in range(k)]
    for a, b in links[:, :2].astype(int):
        members.append(members[a] | members[b])
    return members[k:]


def node_support(links: np.ndarray, matrices: np.ndarray, method: str) -> np.ndarray:
    """Per merge of `links`, the share of the bootstrap KL matrices whose tree (same linkage method)
    has the same cluster of leaves (pvclust's BP)."""
    k = matrices.shape[1]
    original = clusters(links, k)
    hits = np.zeros(len(original))
    for matrix in matrices:
        found = set(clusters(linkage(squareform(matrix, checks=False), method=method), k))
        hits += [c in found for c in original]
    return hits / max(len(matrices), 1)

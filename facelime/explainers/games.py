"""Exact values of a small cooperative game (docs/method.md, Regions explainer).

A game over K players is a table v of length 2^K: v[mask] is the worth of the
coalition whose members are the set bits of `mask` (bit i = player i). Every value
here is computed from that one table, exactly (no sampling):

- Shapley: phi_i = sum over S without i of |S|! (K-|S|-1)! / K! * (v(S+i) - v(S)).
- Banzhaf: beta_i = mean over S without i of (v(S+i) - v(S)).
- Shapley interaction index (Grabisch 1997) of a pair i != j:
  I_ij = sum over S without i, j of |S|! (K-|S|-2)! / (K-1)! * (v(S+i+j) - v(S+i) - v(S+j) + v(S)).
  > 0: the pair is worth more together than apart (they act together).
"""

from __future__ import annotations

from math import factorial

import numpy as np

MAX_PLAYERS = 14  # 2^14 = 16384 forward passes per image: beyond that an exact game is no longer cheap


def check_players(k: int, key: str = "explain.regions") -> None:
    """Refuse games too large to evaluate exactly, naming the config key that set them."""
    if not 1 <= k <= MAX_PLAYERS:
        raise ValueError(f"{key}: {k} players need 2^{k} forward passes per image; exact values allow 1..{MAX_PLAYERS}")


def coalition_masks(k: int) -> np.ndarray:
    """bool 2^K x K: row `mask` shows player i where bit i of mask is set."""
    check_players(k)
    return (np.arange(2**k)[:, None] >> np.arange(k)[None, :]) & 1 == 1


def _table(values: np.ndarray) -> tuple[np.ndarray, int]:
    v = np.asarray(values, np.float64).ravel()
    k = int(round(np.log2(len(v)))) if len(v) else -1
    if k < 1 or 2**k != len(v):
        raise ValueError(f"a game table needs 2^K entries (K >= 1), got {len(v)}")
    check_players(k)
    return v, k


def _sizes(k: int) -> np.ndarray:
    """|S| of every coalition mask 0..2^K-1."""
    return coalition_masks(k).sum(axis=1)


def shapley_values(values: np.ndarray) -> np.ndarray:
    """Shapley value of each player (float64 K); they sum to v(all) - v(none)."""
    v, k = _table(values)
    masks = np.arange(2**k)
    sizes = _sizes(k)
    weight = np.array([factorial(s) * factorial(k - s - 1) / factorial(k) for s in range(k)])
    phi = np.zeros(k)
    for i in range(k):
        without = masks[(masks >> i) & 1 == 0]
        phi[i] = np.sum(weight[sizes[without]] * (v[without | (1 << i)] - v[without]))
    return phi


def banzhaf_values(values: np.ndarray) -> np.ndarray:
    """Banzhaf value of each player (float64 K): its mean marginal contribution over all coalitions."""
    v, k = _table(values)
    masks = np.arange(2**k)
    return np.array([np.mean(v[masks[(masks >> i) & 1 == 0] | (1 << i)] - v[masks[(masks >> i) & 1 == 0]])
                     for i in range(k)])


def shapley_interactions(values: np.ndarray) -> np.ndarray:
    """Pairwise Shapley interaction index (float64 K x K, symmetric, zero diagonal)."""
    v, k = _table(values)
    masks = np.arange(2**k)
    sizes = _sizes(k)
    weight = np.array([factorial(s) * factorial(k - s - 2) / factorial(k - 1) for s in range(max(k - 1, 0))])
    out = np.zeros((k, k))
    for i in range(k):
        for j in range(i + 1, k):
            rest = masks[((masks >> i) & 1 == 0) & ((masks >> j) & 1 == 0)]
            bi, bj = 1 << i, 1 << j
            second = v[rest | bi | bj] - v[rest | bi] - v[rest | bj] + v[rest]
            out[i, j] = out[j, i] = np.sum(weight[sizes[rest]] * second)
    return out


def abs_shares(phi: np.ndarray) -> np.ndarray:
    """|phi_i| / sum |phi|: each player's share of the attribution (0 where every value is 0)."""
    magnitude = np.abs(np.asarray(phi, np.float64))
    total = magnitude.sum()
    return magnitude / total if total > 0 else np.zeros_like(magnitude)

"""Stability: does LIME with another seed give the same superpixel ranking?

For each studied image and sample count, LIME runs with `seeds` different seeds
(same superpixels, same reference) and the superpixel scores of every pair of runs are
compared by Spearman correlation. Its mean, as a function of num_samples, tells a user
how many forward passes their model needs.
"""

from __future__ import annotations

import numpy as np

from ..explainers.lime import explain_similarity
from ..seeding import job_seed
from .stats import mean_pairwise_spearman


def studied_sample_counts(validity_stability: dict, lime: dict) -> list[int]:
    """The configured sample counts plus the run's own lime.num_samples, sorted."""
    return sorted(set(validity_stability["num_samples"]) | {int(lime["num_samples"])})


def seed_agreement(face, segments, embedder, num_samples: int, seeds: list[int], lime: dict,
                   reference=None) -> tuple[float, float]:
    """Mean and minimum pairwise Spearman of LIME coefficients over runs with the given seeds."""
    runs = [explain_similarity(face, segments, embedder, num_samples=num_samples, kernel_width=lime["kernel_width"],
                               seed=s, keep=lime["keep"], sampling=lime["sampling"], reference=reference).coefficients
            for s in seeds]
    return mean_pairwise_spearman(runs)


def stability_identities(identities: list[str], count: int, seed: int,
                         purpose: str = "stability identities") -> list[str]:
    """A seeded draw of `count` identities (all when there are fewer), in sorted order; `purpose` names
    the draw (the noise ceilings draw their own)."""
    if len(identities) <= count:
        return list(identities)
    rng = np.random.default_rng(job_seed(seed, purpose))
    return sorted(rng.choice(sorted(identities), size=count, replace=False).tolist())

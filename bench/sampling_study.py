"""Fewer forward passes for the same answer: how fast does each sampling design's
superpixel ranking approach a 10,000-sample plain-LIME reference?

For each design and repeat, one long run of samples is drawn and scored once; its
prefixes are the shorter runs (for antithetic pairs, prefixes of even length keep
every pair), so each forward pass is paid for once.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import spearmanr

from facelime.explainers.lime_core import draw_samples, fit_surrogate
from facelime.explainers.scoring import SimilarityScorer
from facelime.models.base import FaceEmbedder
from facelime.seeding import job_seed

PASS_GRID = (100, 200, 300, 500, 750, 1000, 1500, 2000)


def stability_curve(face: np.ndarray, segments: np.ndarray, embedder: FaceEmbedder, designs=("lime", "antithetic", "stratified"),
                    passes=PASS_GRID, repeats: int = 3, reference_samples: int = 10000, kernel_width: float = 0.25,
                    seed: int = 0, batch_size: int | None = None) -> list[dict]:
    """Rows of (design, passes, repeat, spearman) against the plain-LIME reference."""
    batch_size = batch_size or embedder.batch_size
    k = int(segments.max()) + 1
    prepared = embedder.prepare(face, segments)
    scorer = SimilarityScorer.of_face(embedder, prepared, batch_size=batch_size)

    def run(design: str, n: int, run_seed: int):
        random_state = np.random.RandomState(run_seed % (2**32))
        samples = draw_samples(random_state, n, k, design)
        return samples, scorer.score_rows(prepared, samples)

    samples, scores = run("lime", reference_samples, job_seed(seed, "reference"))
    reference, *_ = fit_surrogate(samples, scores, kernel_width, np.random.RandomState(0))
    rows = []
    for design in designs:
        for repeat in range(repeats):
            samples, scores = run(design, max(passes), job_seed(seed, design, str(repeat)))
            for n in passes:
                coefficients, *_ = fit_surrogate(samples[:n], scores[:n], kernel_width, np.random.RandomState(0))
                rho = spearmanr(coefficients, reference).statistic
                rows.append(dict(design=design, passes=n, repeat=repeat, spearman=float(rho)))
    return rows


def passes_for(rows: list[dict], design: str, threshold: float = 0.9) -> int | None:
    """Fewest passes from which on the mean Spearman stays at or above threshold."""
    means = {}
    for row in rows:
        if row["design"] == design:
            means.setdefault(row["passes"], []).append(row["spearman"])
    grid = sorted(means)
    for i, n in enumerate(grid):
        if all(np.mean(means[m]) >= threshold for m in grid[i:]):
            return n
    return None


def mean_curve(rows: list[dict], design: str) -> dict[int, float]:
    out: dict[int, list[float]] = {}
    for row in rows:
        if row["design"] == design:
            out.setdefault(row["passes"], []).append(row["spearman"])
    return {n: float(np.mean(v)) for n, v in sorted(out.items())}

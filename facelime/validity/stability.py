"""Stability: does LIME with another seed give the same superpixel ranking?

For each studied image and sample count, LIME runs with `seeds` different seeds
(same superpixels, same reference) and the superpixel scores of every pair of runs are
compared by Spearman correlation. Its mean, as a function of num_samples, tells a user
how many forward passes their model needs.
"""

from __future__ import annotations

import numpy as np

from ..lime_similarity import explain_similarity
from ..models import build_embedder
from ..references import stored_reference
from ..seeding import job_seed
from ..storage import load_arrays, read_tsv, write_tsv
from .stats import mean_pairwise_spearman

FIELDS = ("model", "identity", "image", "num_samples", "seeds", "mean_spearman", "min_spearman")
SUMMARY_FIELDS = ("model", "num_samples", "images", "mean_spearman", "sd_spearman", "min_spearman")


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


def stability_identity(faces_path: str, masks_path: str, out_tsv: str, model_name: str, model_spec: dict, lime: dict,
                       validity_stability: dict, seed: int, identity: str, threads: int = 1) -> list[dict]:
    """Seed agreement for the first image of one identity, at every studied sample count."""
    crops, masks = load_arrays(faces_path), load_arrays(masks_path)
    rows = []
    if len(crops["images"]):
        embedder = build_embedder(model_name, model_spec, batch_size=lime.get("batch_size"), threads=threads)
        name = str(crops["images"][0])
        reference = stored_reference(masks, 0)
        for num_samples in studied_sample_counts(validity_stability, lime):
            seeds = [job_seed(seed, "stability", model_name, identity, name, str(num_samples), str(r))
                     for r in range(validity_stability["seeds"])]
            mean, low = seed_agreement(crops["faces"][0], crops["segments"][0], embedder, num_samples, seeds, lime,
                                       reference)
            rows.append(dict(model=model_name, identity=identity, image=name, num_samples=num_samples,
                             seeds=len(seeds), mean_spearman=mean, min_spearman=low))
    write_tsv(out_tsv, rows, FIELDS)
    return rows


def stability_summary(tsv_paths: list[str], out_tsv: str, out_png: str) -> list[dict]:
    """Mean (sd, min) Spearman per model and sample count over the studied images; a line plot."""
    from .plots import draw_stability

    rows = [row for path in tsv_paths for row in read_tsv(path)]
    summary = []
    for model in sorted({r["model"] for r in rows}):
        for num_samples in sorted({int(r["num_samples"]) for r in rows if r["model"] == model}):
            values = np.array([float(r["mean_spearman"]) for r in rows
                               if r["model"] == model and int(r["num_samples"]) == num_samples])
            summary.append(dict(model=model, num_samples=num_samples, images=len(values),
                                mean_spearman=float(values.mean()), sd_spearman=float(values.std()),
                                min_spearman=float(values.min())))
    write_tsv(out_tsv, summary, SUMMARY_FIELDS)
    draw_stability(summary, out_png)
    return summary


def stability_identities(identities: list[str], count: int, seed: int) -> list[str]:
    """A seeded draw of `count` identities (all when there are fewer), in sorted order."""
    if len(identities) <= count:
        return list(identities)
    rng = np.random.default_rng(job_seed(seed, "stability identities"))
    return sorted(rng.choice(sorted(identities), size=count, replace=False).tolist())

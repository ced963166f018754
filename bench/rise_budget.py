"""`python -m bench.rise_budget`: how many RISE masks (and LIME samples) a seed-to-seed agreement needs.

On the first image of the first --images lfw158 identities with MobileFaceNet, each
method explains the face twice with two seeds at each budget; the two canonical maps
are compared as the agreement table compares methods (Spearman over the face, top-10 %
IoU, on the kept positive part and on the signed map). RISE's budgets are nested
prefixes of one long draw per seed (the first N masks of a draw are N i.i.d. masks), so
one pass of the largest budget serves them all. Also reports what Petsiuk et al.'s
original estimator sum_i s_i m_i / (N p) returns at this score offset: its Pearson
correlation with the mask coverage sum_i m_i / (N p) and with the covariance map.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TQDM_DISABLE", "1")

from bench.explainer_study import MODELS, lfw_faces  # noqa: E402
from facelime.canonical import canonical_face, mean_shape, packaged_face_shapes  # noqa: E402
from facelime.validity.agreement import map_agreement  # noqa: E402
from facelime.explainers.lime import explain_similarity  # noqa: E402
from facelime.explainers.masking import blended, prepare_pixels  # noqa: E402
from facelime.explainers.rise import draw_grids, upsampled_masks  # noqa: E402
from facelime.explainers.scoring import SimilarityScorer  # noqa: E402
from facelime.landmarks import LandmarkDetector  # noqa: E402
from facelime.models import build_embedder  # noqa: E402
from facelime.seeding import job_seed  # noqa: E402
from facelime.segmentation import superpixels  # noqa: E402
from facelime.storage import write_tsv  # noqa: E402
from facelime.warp import CanonicalWarp  # noqa: E402

P = 0.5


def rise_prefix_maps(face, embedder, budgets, seed, grid=7):
    """Covariance-RISE signed maps at each budget (prefixes of one draw), the original estimator and
    the coverage at the largest budget, and the mean score."""
    height, width = face.shape[:2]
    prepared = prepare_pixels(embedder, face)
    scorer = SimilarityScorer.of_face(embedder, prepared)
    n = max(budgets)
    grids, shifts = draw_grids(np.random.default_rng(seed), n, grid, P, height, width)
    masks = upsampled_masks(grids, shifts, height, width).astype(np.float64)
    scores = scorer.score_batches(blended(prepared, masks[s: s + 64]) for s in range(0, n, 64))
    maps = {}
    for b in budgets:
        centred = scores[:b] - scores[:b].mean()
        maps[b] = np.tensordot(centred, masks[:b], axes=1) / (b * P)
    original = np.tensordot(scores, masks, axes=1) / (n * P)
    coverage = masks.sum(axis=0) / (n * P)
    return maps, original, coverage, float(scores.mean())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rise_budget", description=__doc__)
    parser.add_argument("--out", default="results/benchmarks/rise_budget")
    parser.add_argument("--images", type=int, default=4)
    parser.add_argument("--rise", type=int, nargs="*", default=[500, 1000, 2000, 3000, 4000, 6000])
    parser.add_argument("--lime", type=int, nargs="*", default=[1000, 2000])
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    embedder = build_embedder("mobilefacenet", MODELS["mobilefacenet"])
    canonical = canonical_face(mean_shape(packaged_face_shapes()))
    warp, detector = CanonicalWarp(canonical), LandmarkDetector()
    rows, offset_rows = [], []
    for name, face in lfw_faces(args.images).items():
        points = detector(face)[0]
        seeds = [job_seed(0, "rise budget", name, str(r)) for r in range(2)]
        t = time.time()
        runs = [rise_prefix_maps(face, embedder, args.rise, s) for s in seeds]
        print(f"[budget] {name} rise {time.time() - t:.0f}s", flush=True)
        for b in args.rise:
            signed = [warp.warp(r[0][b], points) for r in runs]
            for part, maps in (("signed", signed), ("positive", [np.maximum(m, 0) for m in signed])):
                rows.append({"image": name, "method": "rise", "budget": b, "map": part,
                             **map_agreement(maps[0], maps[1], within=warp.inside,
                                             rng=np.random.default_rng(job_seed(0, "ties", name)))})
        maps, original, coverage, mean_score = runs[0]
        offset_rows.append({"image": name, "mean_score": mean_score,
                            "pearson_original_coverage": float(np.corrcoef(original.ravel(), coverage.ravel())[0, 1]),
                            "pearson_original_covariance": float(np.corrcoef(original.ravel(),
                                                                             maps[max(args.rise)].ravel())[0, 1])})
        segments = superpixels(face)
        for b in args.lime:
            t = time.time()
            signed = []
            for s in seeds:
                run = explain_similarity(face, segments, embedder, num_samples=b, kernel_width=0.25, seed=s,
                                         keep="positive", sampling="lime")
                signed.append(warp.warp(run.coefficients[segments].astype(np.float32), points))
            print(f"[budget] {name} lime {b} {time.time() - t:.0f}s", flush=True)
            for part, pair in (("signed", signed), ("positive", [np.maximum(m, 0) for m in signed])):
                rows.append({"image": name, "method": "lime", "budget": b, "map": part,
                             **map_agreement(pair[0], pair[1], within=warp.inside,
                                             rng=np.random.default_rng(job_seed(0, "ties", name)))})
        write_tsv(out / "seed_agreement_images.tsv", rows, rows[0])
        write_tsv(out / "score_offset.tsv", offset_rows, offset_rows[0])
    summary = []
    for key in sorted({(r["method"], r["budget"], r["map"]) for r in rows}):
        mine = [r for r in rows if (r["method"], r["budget"], r["map"]) == key]
        summary.append({"method": key[0], "budget": key[1], "map": key[2], "images": len(mine),
                        "spearman": float(np.mean([r["spearman"] for r in mine])),
                        "spearman_min": float(np.min([r["spearman"] for r in mine])),
                        "top_iou": float(np.mean([r["top_iou"] for r in mine]))})
    write_tsv(out / "seed_agreement.tsv", summary, summary[0])
    for path in ("seed_agreement.tsv", "score_offset.tsv"):
        print(f"== {path}\n{(out / path).read_text()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

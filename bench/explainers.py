"""Cost of each explainer against the model's own speed (issue 17).

Per method: the forward passes of one explanation, explanations per second, and its
efficiency: the time the model alone needs for that many forward passes (ready-made
inputs, the embedder's batch size) over the time of the whole explanation. Model-only
runs (A) and explanations (B) alternate A B A B so that both see the same machine
state, and the efficiency is the median of the pairwise ratios A_i / B_i.
Method names: lime, rise, occlusion, regions (7 regions, 128 passes) and regions_split
(explain.regions.split_sides: 10 regions, 1024 passes).
"""

from __future__ import annotations

import time

import numpy as np

from facelime.explainers import explain_image
from facelime.explainers.masking import prepare_pixels


def model_only_seconds(embedder, prepared, passes: int, rng: np.random.Generator) -> float:
    """Seconds of `passes` forward passes of perturbed inputs built beforehand, in the embedder's batches."""
    k = int(prepared.segment_index.max()) + 1
    batch = prepared.perturbed(rng.integers(0, 2, (embedder.batch_size, k)))
    start = time.perf_counter()
    for done in range(0, passes, embedder.batch_size):
        embedder.embed_inputs(batch[: min(embedder.batch_size, passes - done)])
    return time.perf_counter() - start


def method_call(method: str, explain: dict | None) -> tuple[str, dict | None]:
    """(explain_image's method, explain settings) of a bench method name (regions_split: 10 regions)."""
    if method == "regions_split":
        return "regions", {**(explain or {}), "regions": {"split_sides": True}}
    if method == "regions":
        return "regions", {**(explain or {}), "regions": {"split_sides": False}}
    return method, explain


def explainer_cost(embedder, face: np.ndarray, segments: np.ndarray, methods, lime: dict, explain: dict | None = None,
                   repeats: int = 3, seed: int = 0, landmarks: np.ndarray | None = None) -> list[dict]:
    """One row per method: forward_passes, explain_s (median), explanations_per_s, efficiency (median of A/B).

    landmarks: the face's 68 landmarks for the regions methods (default: dlib's, found here).
    """
    rng = np.random.default_rng(seed)
    prepared = prepare_pixels(embedder, face)
    if landmarks is None and any(m.startswith("regions") for m in methods):
        from facelime.landmarks import LandmarkDetector

        landmarks = LandmarkDetector()(face)[0]
    rows = []
    for method in methods:
        called, settings = method_call(method, explain)
        run = lambda: explain_image(called, face, segments, embedder, lime=lime, explain=settings,  # noqa: E731
                                    seed=seed, landmarks=landmarks)
        passes = run().forward_passes  # also the warm-up
        model_s, explain_s = [], []
        for _ in range(repeats):
            model_s.append(model_only_seconds(embedder, prepared, passes, rng))
            start = time.perf_counter()
            run()
            explain_s.append(time.perf_counter() - start)
        ratios = np.array(model_s) / np.array(explain_s)
        rows.append({"method": method, "forward_passes": passes, "explain_s": float(np.median(explain_s)),
                     "explanations_per_s": 1.0 / float(np.median(explain_s)),
                     "model_only_s": float(np.median(model_s)), "efficiency": float(np.median(ratios))})
    return rows


def cost_table(rows_by_model: dict[str, list[dict]]) -> str:
    lines = ["| model | method | forward passes | explain s | explanations/s | efficiency (model-only / explain) |",
             "|---|---|---|---|---|---|"]
    for model, rows in rows_by_model.items():
        for r in rows:
            lines.append(f"| {model} | {r['method']} | {r['forward_passes']} | {r['explain_s']:.2f} | "
                         f"{r['explanations_per_s']:.2f} | {r['efficiency']:.3f} |")
    return "\n".join(lines) + "\n"

"""Cost of each explainer against the model's own speed (issue 17).

Per method: the forward passes of one explanation, explanations per second, and its
efficiency: the time the model alone needs for that many forward passes (ready-made
inputs, the embedder's batch size) over the time of the whole explanation. Model-only
runs (A) and explanations (B) alternate A B A B so that both see the same machine
state, and the efficiency is the median of the pairwise ratios A_i / B_i (bench/interleaved.py).
Method names: lime, rise, occlusion, regions (7 regions, 128 passes) and regions_split
(explain.regions.split_sides: 10 regions, 1024 passes).
"""

from __future__ import annotations

import numpy as np

from facelime.explainers import explain_face
from facelime.explainers.masking import prepare_pixels

from .interleaved import interleaved_ratio


def model_only(embedder, prepared, passes: int, rng: np.random.Generator):
    """A callable running `passes` forward passes of perturbed inputs built beforehand, in the embedder's batches."""
    k = int(prepared.segment_index.max()) + 1
    batch = prepared.perturbed(rng.integers(0, 2, (embedder.batch_size, k)))

    def run() -> None:
        for done in range(0, passes, embedder.batch_size):
            embedder.embed_inputs(batch[: min(embedder.batch_size, passes - done)])

    return run


def method_call(method: str, explain: dict | None) -> tuple[str, dict | None]:
    """(explain_face's method, explain settings) of a bench method name (regions_split: 10 regions)."""
    if method == "regions_split":
        return "regions", {**(explain or {}), "regions": {"split_sides": True}}
    if method == "regions":
        return "regions", {**(explain or {}), "regions": {"split_sides": False}}
    return method, explain


def explainer_cost(embedder, face: np.ndarray, segments: np.ndarray, methods, lime: dict, explain: dict | None = None,
                   repeats: int = 3, seed: int = 0, landmarks: np.ndarray | None = None) -> list[dict]:
    """One row per method: forward_passes, explain_s (median), explanations_per_s, efficiency (median of A/B)
    and its spread (lowest and highest pairwise ratio).

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
        run = lambda: explain_face(called, face, segments, embedder, lime=lime, explain=settings,  # noqa: E731
                                    seed=seed, landmarks=landmarks)
        passes = run().forward_passes  # also the warm-up
        timing = interleaved_ratio(model_only(embedder, prepared, passes, rng), run, repeats)
        rows.append({"method": method, "forward_passes": passes, "explain_s": timing["denominator_s"],
                     "explanations_per_s": 1.0 / timing["denominator_s"], "model_only_s": timing["numerator_s"],
                     "efficiency": timing["ratio"], "efficiency_spread": timing["ratio_spread"]})
    return rows


def cost_table(rows_by_model: dict[str, list[dict]]) -> str:
    lines = ["| model | method | forward passes | explain s | explanations/s | efficiency (model-only / explain; "
             "spread) |",
             "|---|---|---|---|---|---|"]
    for model, rows in rows_by_model.items():
        for r in rows:
            lines.append(f"| {model} | {r['method']} | {r['forward_passes']} | {r['explain_s']:.2f} | "
                         f"{r['explanations_per_s']:.2f} | {r['efficiency']:.3f} ({r['efficiency_spread'][0]:.3f}-"
                         f"{r['efficiency_spread'][1]:.3f}) |")
    return "\n".join(lines) + "\n"

"""Occlusion on similarity (Zeiler & Fergus 2014; Knoche et al. 2023 for verification).

A square patch (side `patch`, moved by `stride`, with a last position flush with the
far edge so that every pixel is covered) is hidden as LIME hides a superpixel, one
position per forward pass. Each position's drop in similarity, s(face) - s(face with
the patch hidden), is spread over the patch's pixels, and a pixel's saliency is the
mean drop over the positions covering it: positive where hiding lowers the similarity.
"""

from __future__ import annotations

import numpy as np

from ..models.base import FaceEmbedder
from .masking import prepare_pixels
from .result import MapExplanation, map_explanation
from .scoring import SimilarityScorer
from .settings import method_settings


def patch_starts(length: int, patch: int, stride: int) -> np.ndarray:
    """Start offsets along one axis: 0, stride, ... and a last one ending at `length`."""
    if not 1 <= patch <= length:
        raise ValueError(f"occlusion patch must be 1..{length} px, got {patch}")
    if stride < 1:
        raise ValueError(f"occlusion stride must be at least 1, got {stride}")
    starts = list(range(0, length - patch + 1, stride))
    if starts[-1] != length - patch:
        starts.append(length - patch)
    return np.array(starts)


def occlusion_passes(height: int, width: int, patch: int, stride: int) -> int:
    """Forward passes of one occlusion map: one per patch position, plus the intact face."""
    return len(patch_starts(height, patch, stride)) * len(patch_starts(width, patch, stride)) + 1


def occlusion_rows(height: int, width: int, patch: int, stride: int) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Binary rows over the crop's pixels (row 0: the intact face; then one hidden patch each) and the patch corners."""
    corners = [(top, left) for top in patch_starts(height, patch, stride) for left in patch_starts(width, patch, stride)]
    rows = np.ones((len(corners) + 1, height, width), np.uint8)
    for j, (top, left) in enumerate(corners, start=1):
        rows[j, top : top + patch, left : left + patch] = 0
    return rows.reshape(len(rows), -1), corners


def explain_occlusion(face: np.ndarray, embedder: FaceEmbedder, patch: int = 19, stride: int = 3,
                      reference: np.ndarray | None = None,
                      batch_size: int | None = None) -> tuple[np.ndarray, np.ndarray, dict]:
    """Occlusion saliency (float64 HxW) of `face`, the scores (intact face first) and the backend's facts."""
    height, width = face.shape[:2]
    prepared = prepare_pixels(embedder, face)
    scorer = SimilarityScorer.of_face(embedder, prepared, reference, batch_size)
    rows, corners = occlusion_rows(height, width, patch, stride)
    scores = scorer.score_rows(prepared, rows)
    drops = scores[0] - scores[1:]
    total = np.zeros((height, width))
    count = np.zeros((height, width))
    for drop, (top, left) in zip(drops, corners):
        total[top : top + patch, left : left + patch] += drop
        count[top : top + patch, left : left + patch] += 1
    return total / count, scores, dict(prepared.info)


def occlusion_explanation(face: np.ndarray, segments: np.ndarray, embedder: FaceEmbedder, *, lime: dict, seed: int,
                          explain: dict | None = None, reference: np.ndarray | None = None,
                          landmarks: np.ndarray | None = None) -> MapExplanation:
    """The registry's occlusion: explain.occlusion's patch and stride (deterministic: the seed is unused)."""
    settings = method_settings(explain, "occlusion")
    saliency, scores, info = explain_occlusion(face, embedder, patch=settings["patch"], stride=settings["stride"],
                                               reference=reference)
    return map_explanation("occlusion", saliency, scores, info, segments, lime["keep"])

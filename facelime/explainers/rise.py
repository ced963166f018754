"""RISE on similarity (Petsiuk et al. 2018, as adapted to verification by FV-RISE and CorrRISE).

N binary grids (grid x grid cells, each kept with probability p) are upsampled
bilinearly to (grid + 1) cells' worth of pixels and cut at a random shift, giving soft
masks whose edges fall anywhere; the face is shown through each mask (hidden parts take
LIME's hide value) and scored by its similarity to the reference. A pixel's saliency is
sum_i (s_i - mean s) m_i(x) / (N p): the score-weighted mask average of Petsiuk et al.
with the mean score taken off, so that pixels whose showing lowers the similarity come
out negative instead of merely less positive. (Taking the mean off each score rather
than off the sum removes the mask-density noise that sum_i m_i / (N p) - 1 would add.)
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from ..models.base import FaceEmbedder
from .masking import blended, prepare_pixels
from .result import MapExplanation, map_explanation
from .scoring import SimilarityScorer
from .settings import method_settings


def draw_grids(rng: np.random.Generator, num_masks: int, grid: int, keep_probability: float,
               height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """The random part of every mask, drawn up front: binary grids (N x grid x grid) and (dy, dx) shifts."""
    cell_h, cell_w = math.ceil(height / grid), math.ceil(width / grid)
    grids = rng.random((num_masks, grid, grid)) < keep_probability
    shifts = np.stack([rng.integers(0, cell_h, num_masks), rng.integers(0, cell_w, num_masks)], axis=1)
    return grids, shifts


def upsampled_masks(grids: np.ndarray, shifts: np.ndarray, height: int, width: int) -> np.ndarray:
    """Soft masks (B x H x W, float32 in [0, 1]): each grid stretched over grid + 1 cells, cut at its shift."""
    grid = grids.shape[1]
    cell_h, cell_w = math.ceil(height / grid), math.ceil(width / grid)
    out = np.empty((len(grids), height, width), np.float32)
    for i, (cells, (dy, dx)) in enumerate(zip(grids, shifts)):
        up = cv2.resize(cells.astype(np.float32), ((grid + 1) * cell_w, (grid + 1) * cell_h),
                        interpolation=cv2.INTER_LINEAR)
        out[i] = up[dy : dy + height, dx : dx + width]
    return out


def rise_saliency(scores: np.ndarray, mask_batches, keep_probability: float) -> np.ndarray:
    """sum_i (s_i - mean s) m_i / (N p), accumulated over mask batches (the same masks, in order)."""
    centred = np.asarray(scores, np.float64) - np.mean(scores)
    total, start = None, 0
    for batch in mask_batches:
        part = np.tensordot(centred[start : start + len(batch)], batch.astype(np.float64), axes=1)
        total = part if total is None else total + part
        start += len(batch)
    return total / (len(scores) * keep_probability)


def explain_rise(face: np.ndarray, embedder: FaceEmbedder, num_masks: int = 1000, grid: int = 7,
                 keep_probability: float = 0.5, seed: int = 0, reference: np.ndarray | None = None,
                 batch_size: int | None = None) -> tuple[np.ndarray, np.ndarray, dict]:
    """RISE saliency (float64 HxW) of `face`, the N scores and the backend's facts (reference: default the face's own)."""
    if num_masks < 2:
        raise ValueError(f"rise needs at least 2 masks, got {num_masks}")
    if not 0 < keep_probability < 1:
        raise ValueError(f"keep_probability must be in (0, 1), got {keep_probability}")
    height, width = face.shape[:2]
    prepared = prepare_pixels(embedder, face)
    scorer = SimilarityScorer.of_face(embedder, prepared, reference, batch_size)
    grids, shifts = draw_grids(np.random.default_rng(seed), num_masks, grid, keep_probability, height, width)
    batch = scorer.batch_size

    def batches():  # masks are rebuilt per batch (N x H x W at once would be 50 MB at 1000 x 112 x 112)
        for start in range(0, num_masks, batch):
            yield upsampled_masks(grids[start : start + batch], shifts[start : start + batch], height, width)

    scores = scorer.score_batches(blended(prepared, masks) for masks in batches())
    return rise_saliency(scores, batches(), keep_probability), scores, dict(prepared.info)


def rise_explanation(face: np.ndarray, segments: np.ndarray, embedder: FaceEmbedder, *, lime: dict, seed: int,
                     explain: dict | None = None, reference: np.ndarray | None = None,
                     landmarks: np.ndarray | None = None) -> MapExplanation:
    """The registry's RISE: explain.rise's settings; num_masks null takes LIME's budget (lime.num_samples)."""
    settings = method_settings(explain, "rise")
    saliency, scores, info = explain_rise(face, embedder, num_masks=settings["num_masks"] or lime["num_samples"],
                                          grid=settings["grid"], keep_probability=settings["keep_probability"],
                                          seed=seed, reference=reference)
    return map_explanation("rise", saliency, scores, info, segments, lime["keep"])

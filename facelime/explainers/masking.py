"""Crop-space masks on the model's input, hidden exactly as LIME hides superpixels.

A mask is an HxW array over the crop (1 = shown, 0 = hidden). The face is prepared
once with every crop pixel as its own "superpixel", so each input pixel knows the crop
pixel it shows (nearest neighbour for ONNX, traced chip coordinates for dlib), and a
hidden pixel takes the backend's own hide value, as in LIME. Binary masks go through
PreparedFace.perturbed itself; soft masks (RISE) blend shown and hidden linearly.
"""

from __future__ import annotations

import numpy as np

from ..models.base import FaceEmbedder, PreparedFace


def pixel_labels(height: int, width: int) -> np.ndarray:
    """Every crop pixel its own label, row by row: 0..H*W-1."""
    return np.arange(height * width, dtype=np.int32).reshape(height, width)


def prepare_pixels(embedder: FaceEmbedder, face: np.ndarray) -> PreparedFace:
    """The face in the model's input space with per-pixel labels (see the module docstring)."""
    return embedder.prepare(face, pixel_labels(*face.shape[:2]))


def blended(prepared: PreparedFace, masks: np.ndarray) -> np.ndarray:
    """Inputs for soft crop masks (B x H x W in [0, 1]): hide + m * (pixel - hide).

    Input pixels that show no part of the crop (-1) are never hidden. For 0/1 masks
    this equals prepared.perturbed of the same rows (integer inputs are rounded, and
    the hide value is cast as perturbed casts it).
    """
    flat = np.asarray(masks, np.float32).reshape(len(masks), -1)
    weights = np.concatenate([flat, np.ones((len(flat), 1), np.float32)], axis=1)[:, prepared.segment_index]
    hide = prepared.hide.astype(prepared.pixels.dtype).astype(np.float32)
    pixels = prepared.pixels.astype(np.float32)
    if prepared.channels_first:
        out = hide[None, :, None, None] + weights[:, None] * (pixels[None] - hide[None, :, None, None])
    else:
        out = hide + weights[..., None] * (pixels[None] - hide)
    if np.issubdtype(prepared.pixels.dtype, np.integer):
        out = np.rint(out)
    return out.astype(prepared.pixels.dtype)

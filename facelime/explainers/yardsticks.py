"""Deletion and insertion AUC of any method's explanation (the protocol of RISE and CorrRISE, Lu et al. 2024),
under every protocol of facelime.validity.protocols.

Every method is judged on the same protocols: pixels, the crop's superpixels (LIME's own
units, where LIME is at home), a fixed grid and a segmentation no explainer uses; the hide
value, a blur, and in pair mode the other image. Units are ordered by the method's map
(its signed map's mean over each unit) and compared with random orders of the same units.
"""

from __future__ import annotations

import numpy as np

from ..models.base import FaceEmbedder
from ..validity.protocols import UNITS, protocol_curves, protocol_rows, protocols
from .masking import own_embedding
from .result import MapExplanation


def method_faithfulness(embedder: FaceEmbedder, face: np.ndarray, explanation: MapExplanation,
                        random_orders: int, rng: np.random.Generator, reference: np.ndarray | None = None,
                        units=UNITS, steps: int = 20, pair_face: np.ndarray | None = None) -> list[dict]:
    """One row per protocol: method, units, substrate, kind, steps, AUC of the map's order, mean random AUC,
    gap (positive = better than chance) and beats_random."""
    if reference is None:
        reference = own_embedding(embedder, embedder.prepare(face))
    curves = protocol_curves(embedder, face, explanation.segments, explanation.signed_map,
                             np.asarray(reference, np.float64), protocols(units, pair=pair_face is not None), steps,
                             random_orders, rng, pair_face=pair_face)
    rows, _ = protocol_rows(curves)
    return [{"method": explanation.method, **row} for row in rows]

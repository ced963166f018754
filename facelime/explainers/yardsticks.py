"""Deletion and insertion AUC of any method's explanation (the protocol of RISE and CorrRISE, Lu et al. 2024).

Every method is judged on the same units and baseline as validity.faithfulness judges
LIME: the crop's superpixels, hidden with LIME's hide value in the order of the
method's per-superpixel score (MapExplanation.coefficients: LIME's weights, the mean
of the map over each superpixel for RISE and occlusion), against random orders of the
same superpixels. Superpixels rather than single pixels, because a random pixel order
removes scattered pixels that barely change a network's output, which would make any
map look good against it.
"""

from __future__ import annotations

import numpy as np

from ..models.base import FaceEmbedder
from ..validity.faithfulness import curve_auc, deletion_insertion
from .masking import own_embedding
from .result import MapExplanation


def method_faithfulness(embedder: FaceEmbedder, face: np.ndarray, explanation: MapExplanation,
                        random_orders: int, rng: np.random.Generator,
                        reference: np.ndarray | None = None) -> dict[str, float]:
    """Deletion/insertion AUC of the explanation's superpixel order and the mean over random orders."""
    prepared = embedder.prepare(face, explanation.segments)
    reference = own_embedding(embedder, prepared) if reference is None else np.asarray(reference, np.float64)
    curves = deletion_insertion(embedder, prepared, reference, explanation.coefficients, random_orders, rng,
                                embedder.batch_size)
    auc = {kind: curve_auc(curves[kind]) for kind in ("deletion", "insertion")}
    row = {"method": explanation.method,
           "deletion_auc": float(auc["deletion"][0]), "deletion_auc_random": float(auc["deletion"][1:].mean()),
           "insertion_auc": float(auc["insertion"][0]), "insertion_auc_random": float(auc["insertion"][1:].mean())}
    row["beats_random_deletion"] = int(row["deletion_auc"] < row["deletion_auc_random"])
    row["beats_random_insertion"] = int(row["insertion_auc"] > row["insertion_auc_random"])
    return row

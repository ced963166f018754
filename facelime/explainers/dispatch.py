"""One entry point per explained face, whatever the method: the registry the explain step calls.

Every explainer takes (face, segments, embedder) and the keyword settings below and returns
a MapExplanation; a new method is one module beside these and one line in EXPLAINERS.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..models.base import FaceEmbedder
from .lime import lime_explanation
from .occlusion import occlusion_explanation
from .regions import regions_explanation
from .result import MapExplanation
from .rise import rise_explanation

Explainer = Callable[..., MapExplanation]

# explain.methods' names, in the schema's order (config.schema.yaml, explain.methods; a test keeps them equal)
EXPLAINERS: dict[str, Explainer] = {
    "lime": lime_explanation,
    "rise": rise_explanation,
    "occlusion": occlusion_explanation,
    "regions": regions_explanation,
}
METHODS = tuple(EXPLAINERS)


def explain_face(method: str, face: np.ndarray, segments: np.ndarray, embedder: FaceEmbedder, *, lime: dict,
                 seed: int, explain: dict | None = None, reference: np.ndarray | None = None,
                 landmarks: np.ndarray | None = None) -> MapExplanation:
    """Explain `face`'s similarity to `reference` (default: its own embedding) with one method.

    lime: the config's lime section (num_samples, kernel_width, keep, sampling; num_samples
        is also RISE's default budget). explain: the config's explain section (rise and
        occlusion settings; missing keys take the schema's defaults). seed: the image's
        job seed. landmarks: the face's 68 (x, y) landmarks, which only regions reads
        (its players are the regions drawn from them).
    """
    if method not in EXPLAINERS:
        raise ValueError(f"explain.methods: unknown method {method!r} (allowed: {', '.join(METHODS)})")
    return EXPLAINERS[method](face, np.asarray(segments, dtype=np.int32), embedder, lime=lime, seed=seed,
                              explain=explain, reference=reference, landmarks=landmarks)

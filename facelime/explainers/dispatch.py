"""One function per explained image, whatever the method: what the explain step will call."""

from __future__ import annotations

import numpy as np

from ..config import with_defaults
from .lime import explain_similarity
from ..models.base import FaceEmbedder
from .occlusion import explain_occlusion
from .regions import explain_regions
from .result import MapExplanation, kept, superpixel_means
from .rise import explain_rise

METHODS = ("lime", "rise", "occlusion", "regions")


# A model explained by another method than LIME is named <model>@<method> in the workflow
# (`@` cannot occur in a model's key); LIME keeps the model's own name, the study's.
def explained_name(model: str, method: str) -> str:
    return model if method == "lime" else f"{model}@{method}"


def split_name(name: str) -> tuple[str, str]:
    """(model, method) of an explained name."""
    model, _, method = name.partition("@")
    return model, method or "lime"


def method_settings(explain: dict | None, method: str) -> dict:
    """explain.<method> over the schema's defaults (the one place they live)."""
    return with_defaults((explain or {}).get(method, {}), "explain", method)


def explain_image(method: str, face: np.ndarray, segments: np.ndarray, embedder: FaceEmbedder, *, lime: dict,
                  seed: int, explain: dict | None = None, reference: np.ndarray | None = None,
                  landmarks: np.ndarray | None = None) -> MapExplanation:
    """Explain `face`'s similarity to `reference` (default: its own embedding) with one method.

    lime: the config's lime section (num_samples, kernel_width, keep, sampling; num_samples
        is also RISE's default budget). explain: the config's explain section (rise and
        occlusion settings; missing keys take the schema's defaults). seed: the image's
        job seed. landmarks: the face's 68 (x, y) landmarks, which only regions reads
        (its players are the regions drawn from them). The LIME path is explain_similarity itself, called as the explain step
        calls it, so its numbers are the study's.
    """
    segments = np.asarray(segments, dtype=np.int32)
    if method == "lime":
        run = explain_similarity(face, segments, embedder, num_samples=lime["num_samples"],
                                 kernel_width=lime["kernel_width"], seed=seed, keep=lime["keep"],
                                 sampling=lime["sampling"], reference=reference)
        return MapExplanation(
            method="lime", score_map=run.score_map, signed_map=run.coefficients[segments].astype(np.float32),
            segments=run.segments, coefficients=run.coefficients, scores=run.scores, intercept=run.intercept,
            r2=run.r2, local_prediction=run.local_prediction, info=dict(run.info))
    if method == "rise":
        settings = method_settings(explain, "rise")
        saliency, scores, info = explain_rise(face, embedder, num_masks=settings["num_masks"] or lime["num_samples"],
                                        grid=settings["grid"], keep_probability=settings["keep_probability"],
                                        seed=seed, reference=reference)
    elif method == "occlusion":
        settings = method_settings(explain, "occlusion")
        saliency, scores, info = explain_occlusion(face, embedder, patch=settings["patch"], stride=settings["stride"],
                                             reference=reference)
    elif method == "regions":
        if landmarks is None:
            raise ValueError("explain.methods: regions needs the face's 68 landmarks (results/landmarks/<identity>.npz)")
        settings = method_settings(explain, "regions")
        saliency, scores, values, info = explain_regions(face, landmarks, embedder, split_sides=settings["split_sides"],
                                                         reference=reference)
        return MapExplanation(
            method=method, score_map=kept(saliency, lime["keep"]).astype(np.float32),
            signed_map=saliency.astype(np.float32), segments=segments,
            coefficients=superpixel_means(saliency, segments).astype(np.float32), scores=scores.astype(np.float32),
            info=info, regions=values)
    else:
        raise ValueError(f"explain.methods: unknown method {method!r} (allowed: {', '.join(METHODS)})")
    return MapExplanation(
        method=method, score_map=kept(saliency, lime["keep"]).astype(np.float32),
        signed_map=saliency.astype(np.float32), segments=segments,
        coefficients=superpixel_means(saliency, segments).astype(np.float32), scores=scores.astype(np.float32),
        info=info)

"""What each explanation's similarity is measured against (lime.reference).

self: the image's own embedding, as in the study ("what makes this face look like itself").
identity_mean: the mean unit embedding of the identity's *other* images ("what makes this
    image match its identity"); an identity with one image falls back to self.
image: one given image ("what makes each image match that one"); the pair mode of the
    command line uses it for one image pair.
"""

from __future__ import annotations

import numpy as np

from .models.base import unit_rows


def reference_embeddings(own: np.ndarray, mode: str, other: np.ndarray | None = None) -> tuple[np.ndarray, list[str]]:
    """One unit reference per image (N x D) and what each is.

    own: unit embeddings of the identity's images; other: the unit embedding of
    reference_image (mode 'image').
    """
    own = np.asarray(own, dtype=np.float64)
    n = len(own)
    if mode == "self":
        return own.copy(), ["self"] * n
    if mode == "image":
        if other is None:
            raise ValueError("reference 'image' needs the reference image's embedding")
        return np.repeat(np.asarray(other, np.float64).reshape(1, -1), n, axis=0), ["image"] * n
    if mode != "identity_mean":
        raise ValueError(f"lime.reference must be self, identity_mean or image, not {mode!r}")
    if n < 2:
        return own.copy(), ["self (identity has one image)"] * n
    leave_one_out = (own.sum(axis=0, keepdims=True) - own) / (n - 1)
    return unit_rows(leave_one_out, "identity_mean reference").astype(np.float64), ["identity_mean"] * n


def is_own(kind: str) -> bool:
    """Whether a reference kind means the image's own embedding ('self', or its one-image fallback)."""
    return str(kind).startswith("self")


def stored_reference(masks: dict, i: int) -> np.ndarray | None:
    """The reference image i of a masks file was explained against; None when it is the image's own
    embedding (which the caller recomputes from the same prepared input, as the explanation did).
    Masks written before references were recorded count as 'self'."""
    if "reference_kinds" not in masks or is_own(masks["reference_kinds"][i]):
        return None
    return masks["references"][i]


"""A known answer that holds by construction: Patch-LFW's restoration protocol (Huber et al., WACV 2024,
the paper of xSSAB), on the user's own faces and models.

Pairs: a genuine pair (two images of one identity) whose first image gets a face part (eyes,
nose or mouth, a landmark box as in validity.patch_benchmark) pasted from a third
identity, and an impostor pair (images of two identities) whose first image gets the part
from its partner. The patched first image is explained against the partner's embedding.
Restoration then puts back the untouched pixels of the first image, a growing share at a
time, in the order the map gives: when the patched pair is judged a match (similarity at or
above the threshold) the pixels that support the match most are restored first, else those
that oppose it most, as xSSAB does; random orders are the baseline. Whatever the network, full
restoration gives back the untouched pair, so a map that knows where the damage is undoes
errors (FNMR on genuine pairs, FMR on impostor pairs) sooner than random restoration: no
premise about how the network sees grey boxes is needed. The old premise (hiding the pasted
box with the hide value brings the face closer to its untouched self) is measured beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..explainers.scoring import SimilarityScorer
from .faithfulness import curve_auc
from .patch_benchmark import PARTS, box_mask, paste_part


@dataclass
class PatchPair:
    """One patched pair: `patched` (the first image with a pasted part) against `partner`."""

    name: str
    kind: str  # genuine or impostor
    part: str
    identity: str  # the first image's identity
    donor: str  # the identity the part came from
    patched: np.ndarray
    original: np.ndarray  # the first image untouched
    partner: np.ndarray
    answer: np.ndarray  # HxW bool, the pasted box
    landmarks: np.ndarray | None = None  # the first image's 68 points (the regions explainer's players)


def build_pairs(people: dict[str, list[tuple[str, np.ndarray, np.ndarray]]], pairs: int,
                rng: np.random.Generator, parts=tuple(PARTS)) -> list[PatchPair]:
    """Up to `pairs` genuine and `pairs` impostor pairs from identities in a seeded order.

    people: identity -> [(image name, uint8 crop, 68 landmarks)], in image order. Genuine pairs
    need identities with two images; the part comes from the identity two places on in the
    order (another person, and not the one its impostor pair pastes from, so that no patched
    image is used twice). An impostor pair is an identity's first image and the next
    identity's first image, the part taken from that partner. Parts take turns.
    """
    order = [people_id for people_id in rng.permutation(sorted(people)) if people[people_id]]
    if len(order) < 2:
        raise ValueError("validity.patch needs at least 2 identities with a usable image")
    out: list[PatchPair] = []
    twice = [i for i in order if len(people[i]) >= 2]
    for n, identity in enumerate(twice[:pairs]):
        donor = order[(order.index(identity) + (2 if len(order) > 2 else 1)) % len(order)]
        (name1, face1, points1), (name2, face2, _) = people[identity][:2]
        _, donor_face, donor_points = people[donor][0]
        part = parts[n % len(parts)]
        patched, box = paste_part(face1, points1, donor_face, donor_points, part)
        out.append(PatchPair(f"genuine:{identity}/{name1}+{name2}:{part}<{donor}", "genuine", part, identity, donor,
                             patched, face1, face2, box_mask(box, patched.shape[:2]), points1))
    for n, identity in enumerate(order[:pairs]):
        partner = order[(n + 1) % len(order)]
        name1, face1, points1 = people[identity][0]
        name2, face2, points2 = people[partner][0]
        part = parts[n % len(parts)]
        patched, box = paste_part(face1, points1, face2, points2, part)
        out.append(PatchPair(f"impostor:{identity}/{name1}+{partner}/{name2}:{part}", "impostor", part, identity,
                             partner, patched, face1, face2, box_mask(box, patched.shape[:2]), points1))
    return out


def eer_threshold(genuine, impostor) -> float:
    """The similarity threshold where the share of impostor pairs at or above it (FMR) and of genuine pairs
    below it (FNMR) are closest, among the observed similarities (the lowest such one)."""
    genuine, impostor = np.asarray(genuine, np.float64), np.asarray(impostor, np.float64)
    if not len(genuine) or not len(impostor):
        raise ValueError("a threshold from the data needs genuine and impostor pairs")
    candidates = np.unique(np.concatenate([genuine, impostor]))
    fmr = (impostor[None, :] >= candidates[:, None]).mean(axis=1)
    fnmr = (genuine[None, :] < candidates[:, None]).mean(axis=1)
    return float(candidates[np.argmin(np.abs(fmr - fnmr))])


def restoration_order(signed_map: np.ndarray, match: bool, rng: np.random.Generator) -> np.ndarray:
    """Pixel indices (raster) in restoration order: for a match, the pixels that support it most first
    (highest signed map); for a non-match, those that oppose it most (lowest); ties in random order."""
    values = np.asarray(signed_map, np.float64).ravel()
    return np.lexsort((rng.random(values.size), values if not match else -values))


def restored_faces(pair: PatchPair, order: np.ndarray, steps: int) -> np.ndarray:
    """steps + 1 crops: the patched face with the first round(j/steps) share of `order` restored to the
    untouched face, j = 0..steps (the last one is the untouched face)."""
    h, w = pair.patched.shape[:2]
    counts = np.rint(np.arange(steps + 1) * (h * w) / steps).astype(np.int64)
    rank = np.empty(h * w, np.int64)
    rank[order] = np.arange(h * w)
    restored = (rank[None, :] < counts[:, None]).reshape(-1, h, w)
    return np.where(restored[..., None], pair.original[None], pair.patched[None])


def restoration_curves(embedder, pair: PatchPair, signed_map: np.ndarray, partner_embedding: np.ndarray, match: bool,
                       steps: int, random_orders: int, rng: np.random.Generator) -> np.ndarray:
    """(1 + random_orders) x (steps + 1) similarities to the partner along restoration; row 0 follows the map."""
    size = pair.patched.shape[0] * pair.patched.shape[1]
    orders = [restoration_order(signed_map, match, rng)] + [rng.permutation(size) for _ in range(random_orders)]
    faces = np.concatenate([restored_faces(pair, order, steps) for order in orders])
    return SimilarityScorer(embedder, partner_embedding).score_faces(faces).reshape(len(orders), steps + 1)


def premise_held(embedder, pair: PatchPair) -> bool:
    """The old patch benchmark's premise: hiding the pasted box with the model's hide value brings the
    patched face closer to its untouched self than the patched face is."""
    prepared = embedder.prepare(pair.patched, pair.answer.astype(np.int32))  # unit 1 = the box
    untouched = embedder.embed_faces([pair.original])[0]
    inputs = prepared.perturbed(np.array([[1, 1], [1, 0]], np.uint8))
    patched, hidden = SimilarityScorer(embedder, untouched).score_inputs(inputs)
    return bool(hidden > patched)


def error_curves(rows: list[dict], curves: np.ndarray, threshold: float) -> dict[str, np.ndarray]:
    """FNMR over genuine pairs and FMR over impostor pairs at each restoration step, for the map's order
    and for random orders (the mean rate over them). curves: N x (1 + R) x (S+1), rows' order."""
    kinds = np.array([r["kind"] for r in rows])
    out = {}
    for kind, name in (("genuine", "fnmr"), ("impostor", "fmr")):
        mine = curves[kinds == kind]
        if not len(mine):
            continue
        errors = mine < threshold if kind == "genuine" else mine >= threshold
        out[f"{name}:map"] = errors[:, 0].mean(axis=0)
        out[f"{name}:random"] = errors[:, 1:].mean(axis=(0, 1))
    return out


def restoration_summary(rows: list[dict], curves: np.ndarray, threshold: float) -> dict[str, float]:
    """AUCs over the share restored (x from 0 to 1): FNMR (genuine) and FMR (impostor) of the map's order
    and of random orders (lower = errors undone sooner), and the mean similarity curves' AUCs."""
    rates = error_curves(rows, curves, threshold)
    kinds = np.array([r["kind"] for r in rows])
    out = {}
    for name in ("fnmr", "fmr"):
        for order in ("map", "random"):
            out[f"{name}_auc_{order}"] = float(curve_auc(rates[f"{name}:{order}"])) if f"{name}:{order}" in rates \
                else float("nan")
    for kind in ("genuine", "impostor"):
        mine = curves[kinds == kind]
        out[f"{kind}_similarity_auc_map"] = float(curve_auc(mine[:, 0]).mean()) if len(mine) else float("nan")
        out[f"{kind}_similarity_auc_random"] = float(curve_auc(mine[:, 1:]).mean()) if len(mine) else float("nan")
    return out

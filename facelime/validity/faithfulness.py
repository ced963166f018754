"""Deletion and insertion curves: is an explanation faithful to the model? (docs/validity.md, Faithfulness)

Every method is judged on the same protocols (the protocol of RISE and CorrRISE, Lu et al.
2024, widened), so that no explainer is judged only on its own terms.

A protocol is (units, substrate, kind). Units are what is removed or revealed, in the
order of the map's mean over each unit (highest first): single pixels, the explanation's
own superpixels (LIME's units), a fixed grid, or a second segmentation that no
explainer uses (Felzenszwalb's graph segmentation, deterministic). The substrate is what
a removed unit shows: the model's hide value (as LIME hides), a Gaussian blur of the face
(insertion only: revealing the face out of its blurred copy, as in RISE), or, in pair
mode, the other image of the pair. Deletion starts from the face and replaces units by
the substrate; insertion starts from the substrate and reveals units. Every protocol has
its baseline: random orders of the same units, scored the same way.

The area under a curve is its mean height over the steps (x from 0 to 1): a faithful order
gives a low deletion AUC and a high insertion AUC. Cost: each curve is steps + 1 forward
passes for each order (the explanation's and each random one); see docs/validity.md
(Faithfulness) for the default budget. `image_faithfulness` is the whole yardstick for one
explained image; FAITHFULNESS_FIELDS are the columns of its table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter
from skimage.segmentation import felzenszwalb

from ..explainers.masking import pixel_labels
from ..explainers.result import superpixel_means
from ..explainers.scoring import SimilarityScorer, own_embedding

UNITS = ("pixels", "superpixels", "grid", "felzenszwalb")
SUBSTRATES = ("hide", "blur", "pair")
KINDS = ("deletion", "insertion")
# Felzenszwalb's segmentation at these settings gives 20-35 segments on a 112 px face, about
# as many as the study's SLIC 30, from colour edges instead of SLIC's compact clusters.
FELZENSZWALB = {"scale": 100, "sigma": 0.8, "min_size_per_112px": 80}
CURVE_POINTS = 21  # curves resampled on a common x grid so that images with different K average
# One row per (explained image, protocol): the workflow's table (results/validity/faithfulness/...)
FAITHFULNESS_FIELDS = ("model", "method", "identity", "image", "units", "substrate", "kind", "steps", "auc",
                       "auc_random", "gap", "beats_random")


@dataclass(frozen=True)
class Protocol:
    units: str
    substrate: str
    kind: str

    @property
    def name(self) -> str:
        return f"{self.units}:{self.substrate}:{self.kind}"


def protocols(units=UNITS, pair: bool = False) -> list[Protocol]:
    """Every protocol for the given units: deletion and insertion on the hide value, insertion out of
    the blur, and with pair=True deletion and insertion on the other image."""
    curves = [("hide", "deletion"), ("hide", "insertion"), ("blur", "insertion")]
    if pair:
        curves += [("pair", "deletion"), ("pair", "insertion")]
    return [Protocol(u, s, k) for u in units for s, k in curves]


def unit_labels(units: str, face: np.ndarray, segments: np.ndarray, grid: int = 8) -> np.ndarray:
    """HxW int32 labels 0..K-1 of one kind of units on the crop."""
    h, w = face.shape[:2]
    if units == "pixels":
        return pixel_labels(h, w)
    if units == "superpixels":
        return np.asarray(segments, np.int32)
    if units == "grid":
        rows, cols = np.mgrid[0:h, 0:w]
        return ((rows * grid // h) * grid + cols * grid // w).astype(np.int32)
    if units == "felzenszwalb":
        min_size = max(1, round(FELZENSZWALB["min_size_per_112px"] * h * w / 112 ** 2))
        return felzenszwalb(face, scale=FELZENSZWALB["scale"], sigma=FELZENSZWALB["sigma"],
                            min_size=min_size).astype(np.int32)
    raise ValueError(f"validity.faithfulness.units: unknown units {units!r} (allowed: {', '.join(UNITS)})")


def step_rows(order: np.ndarray, steps: int, insertion: bool) -> np.ndarray:
    """(S+1) x K binary rows, S = min(K, steps): row j shows every unit except the first round(j K / S) of
    `order` (deletion), or only those (insertion). Equal shares of the units per step."""
    k = len(order)
    s = min(k, steps)
    counts = np.rint(np.arange(s + 1) * k / s).astype(np.int64)
    rank = np.empty(k, dtype=np.int64)
    rank[np.asarray(order)] = np.arange(k)
    changed = rank[None, :] < counts[:, None]
    return (changed if insertion else ~changed).astype(np.uint8)


def map_order(unit_scores: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Units from the highest score down; ties (a superpixel's pixels, a flat map) in random order."""
    unit_scores = np.asarray(unit_scores, np.float64)
    return np.lexsort((rng.random(len(unit_scores)), -unit_scores))


def on_substrate(prepared, rows: np.ndarray, substrate: np.ndarray) -> np.ndarray:
    """Inputs for binary unit rows (B x K): unit k shows the face where rows[:, k] == 1, else the substrate
    (an input-space image shaped as prepared.pixels). Input pixels outside the crop keep the face."""
    keep = np.concatenate([np.asarray(rows, bool), np.ones((len(rows), 1), bool)], axis=1)[:, prepared.segment_index]
    if prepared.channels_first:
        return np.where(keep[:, None], prepared.pixels[None], substrate[None])
    return np.where(keep[..., None], prepared.pixels[None], substrate[None])


def input_magnification(prepared) -> float:
    """Input pixels per crop pixel along a side (1 for an ONNX model at the crop's size; more for dlib's chip)."""
    shown = prepared.segment_index[prepared.segment_index >= 0]
    return float(np.sqrt(len(shown) / max(len(np.unique(shown)), 1)))


def blurred_input(prepared, pixel_prepared, sigma: float) -> np.ndarray:
    """The face's input blurred with a Gaussian of `sigma` crop pixels (converted to input pixels with
    the magnification measured on per-pixel labels), in the input's dtype."""
    sigma_input = sigma * input_magnification(pixel_prepared)
    spatial = (0, sigma_input, sigma_input) if prepared.channels_first else (sigma_input, sigma_input, 0)
    out = gaussian_filter(prepared.pixels.astype(np.float32), sigma=spatial, mode="nearest")
    if np.issubdtype(prepared.pixels.dtype, np.integer):
        out = np.rint(out)
    return out.astype(prepared.pixels.dtype)


def substrate_scores(scorer: SimilarityScorer, prepared, rows: np.ndarray, substrate: np.ndarray) -> np.ndarray:
    """Similarity of the face with units swapped for the substrate, one batch at a time."""
    batch = scorer.batch_size
    return scorer.score_batches(on_substrate(prepared, rows[i:i + batch], substrate) for i in range(0, len(rows), batch))


def curve_auc(curve: np.ndarray) -> np.ndarray:
    """Area under curves sampled at x = 0, 1/K, ..., 1 (last axis), trapezoidal."""
    curve = np.asarray(curve, dtype=np.float64)
    return np.trapezoid(curve, dx=1.0 / (curve.shape[-1] - 1), axis=-1)


def resample_curve(curve: np.ndarray, points: int = CURVE_POINTS) -> np.ndarray:
    return np.interp(np.linspace(0, 1, points), np.linspace(0, 1, len(curve)), curve)


def protocol_curves(embedder, face: np.ndarray, segments: np.ndarray, signed_map: np.ndarray, reference: np.ndarray,
                    chosen: list[Protocol], steps: int, random_orders: int, rng: np.random.Generator, grid: int = 8,
                    blur_sigma: float = 5.0, pair_face: np.ndarray | None = None,
                    pixel_steps: int | None = None) -> dict[Protocol, np.ndarray]:
    """Curves of every chosen protocol: (1 + random_orders) x (S+1) similarities; row 0 is the map's order.

    signed_map: the method's map with both signs (higher = showing the pixels raises the
    similarity more); its mean over each unit orders the units. pair_face: the other image
    of the pair (needed by protocols on the 'pair' substrate). pixel_steps: the steps of the
    pixel curves (default: steps; the workflow's default is 100, pixels in 1 % steps).
    """
    out = {}
    pixel_prepared = None
    scorer = SimilarityScorer(embedder, reference)
    for units in dict.fromkeys(p.units for p in chosen):
        labels = unit_labels(units, face, segments, grid)
        k = int(labels.max()) + 1
        orders = [map_order(superpixel_means(signed_map, labels), rng)] + [rng.permutation(k)
                                                                            for _ in range(random_orders)]
        prepared = embedder.prepare(face, labels)
        for protocol in (p for p in chosen if p.units == units):
            count = pixel_steps if units == "pixels" and pixel_steps else steps
            rows = np.concatenate([step_rows(o, count, protocol.kind == "insertion") for o in orders])
            if protocol.substrate == "hide":
                sims = scorer.score_rows(prepared, rows)
            else:
                if protocol.substrate == "blur":
                    if pixel_prepared is None:
                        pixel_prepared = embedder.prepare(face, pixel_labels(*face.shape[:2]))
                    substrate = blurred_input(prepared, pixel_prepared, blur_sigma)
                elif protocol.substrate == "pair":
                    if pair_face is None:
                        raise ValueError(f"protocol {protocol.name} needs the pair's other image")
                    substrate = embedder.prepare(pair_face).pixels
                else:
                    raise ValueError(f"unknown substrate {protocol.substrate!r} (allowed: {', '.join(SUBSTRATES)})")
                sims = substrate_scores(scorer, prepared, rows, substrate)
            out[protocol] = sims.reshape(len(orders), -1)
    return out


def protocol_rows(curves: dict[Protocol, np.ndarray]) -> tuple[list[dict], dict[str, np.ndarray]]:
    """Per protocol: the map's AUC, the mean random AUC, the gap (positive when the map beats chance:
    random - map for deletion, map - random for insertion) and whether it beats chance; and the curves
    (map's order, mean of the random ones) resampled to a common grid, keyed '<protocol>:map' / ':random'."""
    rows, resampled = [], {}
    for protocol, sims in curves.items():
        auc = curve_auc(sims)
        gap = auc[1:].mean() - auc[0] if protocol.kind == "deletion" else auc[0] - auc[1:].mean()
        rows.append(dict(units=protocol.units, substrate=protocol.substrate, kind=protocol.kind,
                         steps=sims.shape[1] - 1, auc=float(auc[0]), auc_random=float(auc[1:].mean()),
                         gap=float(gap), beats_random=int(gap > 0)))
        resampled[f"{protocol.name}:map"] = resample_curve(sims[0])
        resampled[f"{protocol.name}:random"] = resample_curve(sims[1:].mean(axis=0))
    return rows, resampled


def image_faithfulness(embedder, face: np.ndarray, segments: np.ndarray, signed_map: np.ndarray, *,
                       random_orders: int, rng: np.random.Generator, reference: np.ndarray | None = None,
                       units=UNITS, steps: int = 20, grid: int = 8, blur_sigma: float = 5.0,
                       pair_face: np.ndarray | None = None,
                       pixel_steps: int | None = None) -> tuple[list[dict], dict[str, np.ndarray]]:
    """The faithfulness of one explained image under every protocol of `units` (with pair_face, the pair
    substrate too): protocol_rows of its curves. reference: default the face's own embedding."""
    if reference is None:
        reference = own_embedding(embedder, embedder.prepare(face))
    curves = protocol_curves(embedder, face, segments, signed_map, np.asarray(reference, np.float64),
                             protocols(units, pair=pair_face is not None), steps, random_orders, rng, grid, blur_sigma,
                             pair_face, pixel_steps)
    return protocol_rows(curves)

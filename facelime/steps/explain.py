"""Rule explain (docs/method.md, LIME on similarity): LIME on cosine similarity, one job per (model, identity),
or per (model, chunk of identities) with explain.identities_per_job."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np

from ..canonical import region_names
from ..explainers import explain_face
from ..models import build_embedder
from ..preprocess import load_crop
from ..references import is_own, reference_embeddings
from ..seeding import job_seed
from ..budget import budget_warnings
from ..storage import load_arrays, save_arrays


def identity_references(embedder, faces: np.ndarray, lime: dict,
                        preprocess: dict | None) -> tuple[np.ndarray, list[str]]:
    """The reference embedding of each face under lime.reference (see facelime.references)."""
    mode = lime.get("reference", "self")
    other = None
    if mode == "image":
        other = embedder.embed_faces([load_crop(lime["reference_image"], preprocess)])[0]
    return reference_embeddings(embedder.embed_faces(faces), mode, other)


def log_progress(job: str, done: int, total: int, samples: int, last_s: float, elapsed_s: float) -> None:
    """One line per image in the job's log: i/N, forward passes per second, time left."""
    eta = elapsed_s / done * (total - done)
    logging.info("%s: image %d/%d, %d samples in %.1f s (%.0f samples/s), ETA %.0f s",
                 job, done, total, samples, last_s, samples / max(last_s, 1e-9), eta)


def log_budget_warnings(method: str, lime: dict, settings: dict, segments: np.ndarray, n: int) -> None:
    """A warning in the job's log when the method's budget is below its floor (facelime.budget), for
    the identity's image with the most superpixels (once per job, not once per image)."""
    if not n:
        return
    most = int(max(int(s.max()) + 1 for s in segments[:n]))
    for warning in budget_warnings([method], lime, {method: settings}, most):
        logging.warning("%s", warning)


def explain(*, faces: str, masks: str, model: str, spec: dict, lime: dict, preprocess: dict | None, seed: int,
            identity: str, method: str, threads: int = 1, sheets: str | None = None,
            method_settings: dict | None = None, speed: dict | None = None,
            landmarks: str | list | None = None) -> dict:
    """LIME on similarity (or explain.methods' RISE, occlusion or regions) for every image of one identity
    with one model.

    sheets (a folder, only when the config asks for contact sheets) gets one PNG per image.
    lime: LIME's settings (keep, num_samples and the reference, which every method reads);
    method and method_settings: the explainer and its own settings; speed: the model's speed-only
    settings (facelime.plan.settings.speed_settings), which are not rule params.
    landmarks: the identity's landmarks file, which only the regions method reads (an empty
    list, as the rule names it for the other methods, means none).
    """
    model_once = ModelOnce(model, spec, speed, threads)
    if isinstance(landmarks, (list, tuple)):  # the rule names a list: one file for regions, none else
        landmarks = landmarks[0] if landmarks else None
    return explain_identity(model_once, faces, masks, model, lime, (method, method_settings or {}), preprocess, seed,
                            identity, sheets, landmarks)


def explain_identities(*, faces: list[str], masks: list[str], model: str, spec: dict, lime: dict,
                       preprocess: dict | None, seed: int, identities: list[str], threads: int = 1,
                       method: str, sheets: list[str] | None = None, method_settings: dict | None = None,
                       speed: dict | None = None, landmarks: list[str] | None = None) -> None:
    """explain() for several identities of one model in one process (explain.identities_per_job):
    the model is loaded once (on a GPU: one CUDA session), the outputs and numbers are
    those of one job per identity."""
    if not len(faces) == len(masks) == len(identities) or (sheets and len(sheets) != len(identities)):
        raise ValueError(f"explain_identities: {len(faces)} faces, {len(masks)} masks and {len(identities)} "
                         "identities must pair up")
    model_once = ModelOnce(model, spec, speed, threads)
    for i, identity in enumerate(identities):
        explain_identity(model_once, faces[i], masks[i], model, lime, (method, method_settings or {}), preprocess,
                         seed, identity,
                         sheets[i] if sheets else None, landmarks[i] if landmarks else None)


class ModelOnce:
    """The embedder, built on first use: an identity with no usable image never loads the model."""

    def __init__(self, model: str, spec: dict, speed: dict | None, threads: int):
        self.args = (model, {**spec, **(speed or {})})
        self.kwargs = {"threads": threads}
        self.embedder = None

    def __call__(self):
        if self.embedder is None:
            self.embedder = build_embedder(*self.args, **self.kwargs)
        return self.embedder


def explain_identity(model_once: ModelOnce, faces: str, masks: str, model: str, lime: dict,
                     explainer: tuple[str, dict], preprocess: dict | None, seed: int, identity: str,
                     sheets: str | None, landmarks: str | None = None) -> dict:
    """One identity's masks file (and contact sheets), with the model from model_once;
    explainer: (method, its settings)."""
    crops = load_arrays(faces)
    n = len(crops["images"])
    method, settings = explainer
    marks = region_landmarks(landmarks, crops["images"]) if method == "regions" else None
    # an identity whose images were all skipped still gets (empty) outputs; aggregates leave it out
    embedder = model_once() if n else None
    k_max = int(crops["segments"].max()) + 1 if n else 0
    references, reference_kinds = (identity_references(embedder, crops["faces"], lime, preprocess) if n
                                   else (np.zeros((0, 0)), []))
    result = dict(
        score_maps=np.zeros(crops["segments"].shape, np.float32),
        signed_maps=np.zeros(crops["segments"].shape, np.float32),  # both signs (faithfulness orders by them)
        segments=crops["segments"],
        coefficients=np.full((n, k_max), np.nan, np.float32),
        num_superpixels=np.zeros(n, np.int32),
        intercept=np.zeros(n, np.float32),
        r2=np.zeros(n, np.float32),
        sample_scores=[],  # every forward pass's similarity: num_samples for LIME, the method's passes else
        face_detected=np.ones(n, bool),
        face_detection=np.bool_(bool(embedder and embedder.detects_faces)),
        images=crops["images"],
        seeds=np.zeros(n, np.uint32),
        references=np.asarray(references, np.float32),
        reference_kinds=np.array(reference_kinds, dtype=str),
    )
    if sheets:
        Path(sheets).mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    games = RegionRecords(n, settings) if method == "regions" else None
    log_budget_warnings(method, lime, settings, crops["segments"], n)
    for i, name in enumerate(crops["images"]):
        image_seed = job_seed(seed, model, identity, str(name))
        tick = time.perf_counter()
        if games is not None and not marks["face_detected"][i]:
            games.skip(i)  # whole-crop landmarks: its regions would not be the face's
            result["sample_scores"].append(np.full(games.passes, np.nan, np.float32))
            logging.info("%s %s: %s skipped for regions (no face found by the landmark stage)", model, identity, name)
            continue
        explanation = explain_face(method, crops["faces"][i], crops["segments"][i], embedder, lime=lime,
                                    seed=image_seed, explain={method: settings},
                                    reference=None if is_own(reference_kinds[i]) else references[i],
                                    landmarks=None if marks is None else marks["landmarks"][i])
        if games is not None:
            games.add(i, explanation.regions)
        k = len(explanation.coefficients)
        result["score_maps"][i] = explanation.score_map
        result["signed_maps"][i] = explanation.signed_map
        result["coefficients"][i, :k] = explanation.coefficients
        result["num_superpixels"][i] = k
        result["intercept"][i] = explanation.intercept
        result["r2"][i] = explanation.r2
        result["sample_scores"].append(np.asarray(explanation.scores, np.float32))
        result["face_detected"][i] = explanation.info.get("face_detected", True)
        result["seeds"][i] = image_seed
        log_progress(f"{model} {identity}", i + 1, n, len(explanation.scores), time.perf_counter() - tick,
                     time.perf_counter() - started)
        if sheets:
            from ..sheets import contact_sheet, sheet_title  # pyplot only for the jobs that draw sheets

            contact_sheet(Path(sheets) / f"{name}.png", crops["faces"][i], crops["segments"][i],
                          explanation.score_map,
                          sheet_title(model, f"{identity}/{name}", method, explanation.forward_passes, k,
                                      explanation.r2))
    result["sample_scores"] = (np.stack(result["sample_scores"]) if n
                               else np.zeros((0, games.passes if games else lime["num_samples"]), np.float32))
    if games is not None:
        result.update(games.arrays())
    save_arrays(masks, **result)
    return result


def region_landmarks(path: str | None, images) -> dict:
    """The identity's landmarks for the regions method, checked to list the crops' images."""
    if not path:
        raise ValueError("explain.methods: regions needs the landmarks file of the identity (results/landmarks/)")
    marks = load_arrays(path)
    if list(marks["images"]) != list(images):
        raise ValueError(f"{path}: its images differ from the face crops'; rerun the landmarks rule")
    return marks


class RegionRecords:
    """The regions method's per-image game values, stored beside the maps in the masks file:
    region_shapley, region_banzhaf, region_pixels (n x K), region_interactions (n x K x K),
    region_names (K) and region_skipped (n: no landmarks, so no values; NaN rows)."""

    def __init__(self, n: int, settings: dict):
        self.names = region_names(settings.get("split_sides", False))
        k = len(self.names)
        self.passes = 2**k
        self.shapley, self.banzhaf = np.full((n, k), np.nan), np.full((n, k), np.nan)
        self.pixels = np.zeros((n, k), np.int64)
        self.interactions = np.full((n, k, k), np.nan)
        self.skipped = np.zeros(n, bool)

    def skip(self, i: int) -> None:
        self.skipped[i] = True

    def add(self, i: int, values) -> None:
        self.shapley[i], self.banzhaf[i] = values.shapley, values.banzhaf
        self.pixels[i], self.interactions[i] = values.pixels, values.interactions

    def arrays(self) -> dict:
        return dict(region_names=np.array(self.names, dtype=str), region_shapley=self.shapley,
                    region_banzhaf=self.banzhaf, region_pixels=self.pixels, region_interactions=self.interactions,
                    region_skipped=self.skipped)

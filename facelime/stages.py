"""The per-identity steps of the workflow, as plain functions on files.

Snakemake scripts and the command line call these; each takes paths and config
sections and writes its outputs atomically.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import numpy as np

from .config import with_defaults
from .dataset import image_ids
from .errors import BadImageError
from .faces import FaceFinder, arcface_crop, loose_crop
from .images import load_rgb
from .lime_similarity import explain_similarity
from .models import build_embedder
from .preprocess import centre_crop
from .references import is_own, reference_embeddings
from .seeding import job_seed
from .segmentation import superpixels
from .sheets import contact_sheet
from .storage import load_arrays, save_arrays, write_tsv


QC_FIELDS = ("identity", "file", "stage", "action", "reason")


class FaceCropper:
    """The face crop of one image file: the study's centre crop, or a crop around the detected face.

    preprocess.detect none (the study) takes the image as a face crop; hog or yunet find
    the largest face on a photo first, and preprocess.align norm_crop aligns it onto
    ArcFace's 5-point template (docs/method.md, preprocessing).
    """

    def __init__(self, preprocess: dict):
        self.preprocess = preprocess = with_defaults(preprocess, "preprocess")
        self.detect = preprocess["detect"]
        self.finder = FaceFinder(self.detect, preprocess["yunet_model"]) if self.detect != "none" else None

    def __call__(self, path: str, notes: list[str] | None = None) -> np.ndarray:
        """uint8 RGB size x size x 3; BadImageError names the file when it cannot be used."""
        notes = [] if notes is None else notes
        pre = self.preprocess
        image = load_rgb(path, notes)
        h, w = image.shape[:2]
        if min(h, w) < pre["min_side"]:
            raise BadImageError(path, f"image too small ({w}x{h} px; preprocess.min_side is {pre['min_side']})")
        if self.finder is None:
            return centre_crop(image, pre["size"], pre["crop_fraction"])
        found = self.finder(image)
        if not found:
            raise BadImageError(path, f"no face found (preprocess.detect: {self.detect})")
        if len(found) > 1:
            notes.append(f"{len(found)} faces found ({self.detect}): the largest was used")
        face = found[0]
        if pre["align"] == "norm_crop":
            return arcface_crop(image, face.points5, pre["size"])
        return centre_crop(loose_crop(image, face.box, pre["face_scale"]), pre["size"])


def load_crop(path: str, preprocess: dict) -> np.ndarray:
    """The face crop of one image (see FaceCropper)."""
    return FaceCropper(preprocess)(path)


def _qc_row(identity: str, path, action: str, reason: str) -> dict:
    return dict(identity=identity, file=os.fspath(path), stage="crop_and_segment", action=action, reason=reason)


def crop_and_segment(image_paths: list[str], out_path: str, preprocess: dict, lime: dict, seed: int,
                     identity: str, on_bad_image: str = "skip", qc_path: str | None = None) -> dict:
    """Face crops (uint8 N x S x S x 3) and their superpixels (int32 N x S x S) for one identity.

    A bad image (unreadable, corrupt, too small, no face where one is searched) stops
    the job with a one-line error when on_bad_image is 'fail'; with 'skip' it is left
    out and listed in qc_path, beside notes on the images used (EXIF rotation, first
    frame of an animation, several faces found).
    """
    size = preprocess["size"]
    cropper = FaceCropper(preprocess)
    faces, segments, names, sources, qc_rows = [], [], [], [], []
    for path, name in zip(image_paths, image_ids(image_paths)):
        notes: list[str] = []
        try:
            face = cropper(path, notes)
        except BadImageError as err:
            if on_bad_image == "fail":
                raise
            logging.warning("skipped %s", err)
            qc_rows.append(_qc_row(identity, path, "skipped", err.reason))
            continue
        qc_rows += [_qc_row(identity, path, "used", note) for note in notes]
        faces.append(face)
        segments.append(superpixels(face, lime["segmentation"], lime["n_segments"], lime["compactness"],
                                    seed=job_seed(seed, "segments", identity, name) % (2**31)))
        names.append(name)
        sources.append(os.fspath(path))
    if not faces:
        qc_rows.append(dict(identity=identity, file="", stage="crop_and_segment", action="identity left out",
                            reason=f"no usable image among {len(image_paths)}"))
    arrays = dict(
        faces=np.array(faces, dtype=np.uint8).reshape(-1, size, size, 3),
        segments=np.array(segments, dtype=np.int32).reshape(-1, size, size),
        images=np.array(names, dtype=str),
        sources=np.array(sources, dtype=str),
    )
    save_arrays(out_path, **arrays)
    if qc_path:
        write_tsv(qc_path, qc_rows, QC_FIELDS)
    return arrays


def identity_references(embedder, faces: np.ndarray, lime: dict, preprocess: dict | None) -> tuple[np.ndarray, list[str]]:
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


def explain_identity(faces_path: str, out_path: str, sheets_dir: str | None, model_name: str, model_spec: dict,
                     lime: dict, seed: int, identity: str, threads: int = 1, preprocess: dict | None = None) -> dict:
    """LIME on similarity for every image of one identity with one model."""
    crops = load_arrays(faces_path)
    n = len(crops["images"])
    # an identity whose images were all skipped still gets (empty) outputs; aggregates leave it out
    embedder = build_embedder(model_name, model_spec, batch_size=lime.get("batch_size"), threads=threads) if n else None
    k_max = int(crops["segments"].max()) + 1 if n else 0
    references, reference_kinds = (identity_references(embedder, crops["faces"], lime, preprocess) if n
                                   else (np.zeros((0, 0)), []))
    result = dict(
        score_maps=np.zeros(crops["segments"].shape, np.float32),
        segments=crops["segments"],
        coefficients=np.full((n, k_max), np.nan, np.float32),
        num_superpixels=np.zeros(n, np.int32),
        intercept=np.zeros(n, np.float32),
        r2=np.zeros(n, np.float32),
        sample_scores=np.zeros((n, lime["num_samples"]), np.float32),
        face_detected=np.ones(n, bool),
        face_detection=np.bool_(bool(embedder and embedder.detects_faces)),
        images=crops["images"],
        seeds=np.zeros(n, np.uint32),
        references=np.asarray(references, np.float32),
        reference_kinds=np.array(reference_kinds, dtype=str),
    )
    if sheets_dir:
        Path(sheets_dir).mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for i, name in enumerate(crops["images"]):
        image_seed = job_seed(seed, model_name, identity, str(name))
        tick = time.perf_counter()
        explanation = explain_similarity(
            crops["faces"][i], crops["segments"][i], embedder,
            num_samples=lime["num_samples"], kernel_width=lime["kernel_width"],
            seed=image_seed, keep=lime["keep"], sampling=lime["sampling"],
            reference=None if is_own(reference_kinds[i]) else references[i],
        )
        k = len(explanation.coefficients)
        result["score_maps"][i] = explanation.score_map
        result["coefficients"][i, :k] = explanation.coefficients
        result["num_superpixels"][i] = k
        result["intercept"][i] = explanation.intercept
        result["r2"][i] = explanation.r2
        result["sample_scores"][i] = explanation.scores
        result["face_detected"][i] = explanation.info.get("face_detected", True)
        result["seeds"][i] = image_seed
        log_progress(f"{model_name} {identity}", i + 1, n, lime["num_samples"], time.perf_counter() - tick,
                     time.perf_counter() - started)
        if sheets_dir:
            contact_sheet(Path(sheets_dir) / f"{name}.png", crops["faces"][i], crops["segments"][i],
                          explanation.score_map,
                          f"{model_name} | {identity}/{name} | R² {explanation.r2:.2f}")
    save_arrays(out_path, **result)
    return result

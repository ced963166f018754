"""The per-identity steps of the workflow, as plain functions on files.

Snakemake scripts and the command line call these; each takes paths and config
sections and writes its outputs atomically.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .dataset import image_id
from .images import load_rgb
from .lime_similarity import explain_similarity
from .models import build_embedder
from .preprocess import centre_crop
from .seeding import job_seed
from .segmentation import superpixels
from .sheets import contact_sheet
from .storage import load_arrays, save_arrays


def crop_and_segment(image_paths: list[str], out_path: str, preprocess: dict, lime: dict, seed: int,
                     identity: str) -> dict:
    """Centre crops (uint8 N x S x S x 3) and their superpixels (int32 N x S x S) for one identity."""
    faces, segments, names = [], [], []
    for path in image_paths:
        face = centre_crop(load_rgb(path), preprocess["size"], preprocess["crop_fraction"])
        name = image_id(path)
        faces.append(face)
        segments.append(superpixels(face, lime["segmentation"], lime["n_segments"], lime["compactness"],
                                    seed=job_seed(seed, "segments", identity, name) % (2**31)))
        names.append(name)
    arrays = dict(
        faces=np.stack(faces).astype(np.uint8),
        segments=np.stack(segments).astype(np.int32),
        images=np.array(names, dtype=str),
        sources=np.array([os.fspath(p) for p in image_paths], dtype=str),
    )
    save_arrays(out_path, **arrays)
    return arrays


def explain_identity(faces_path: str, out_path: str, sheets_dir: str | None, model_name: str, model_spec: dict,
                     lime: dict, seed: int, identity: str, threads: int = 1) -> dict:
    """LIME on similarity for every image of one identity with one model."""
    crops = load_arrays(faces_path)
    embedder = build_embedder(model_name, model_spec, batch_size=lime.get("batch_size"), threads=threads)
    n = len(crops["images"])
    k_max = int(crops["segments"].max()) + 1
    result = dict(
        score_maps=np.zeros(crops["segments"].shape, np.float32),
        segments=crops["segments"],
        coefficients=np.full((n, k_max), np.nan, np.float32),
        num_superpixels=np.zeros(n, np.int32),
        intercept=np.zeros(n, np.float32),
        r2=np.zeros(n, np.float32),
        sample_scores=np.zeros((n, lime["num_samples"]), np.float32),
        face_detected=np.ones(n, bool),
        images=crops["images"],
        seeds=np.zeros(n, np.uint32),
    )
    if sheets_dir:
        Path(sheets_dir).mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(crops["images"]):
        image_seed = job_seed(seed, model_name, identity, str(name))
        explanation = explain_similarity(
            crops["faces"][i], crops["segments"][i], embedder,
            num_samples=lime["num_samples"], kernel_width=lime["kernel_width"],
            seed=image_seed, keep=lime["keep"], sampling=lime["sampling"],
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
        if sheets_dir:
            contact_sheet(Path(sheets_dir) / f"{name}.png", crops["faces"][i], crops["segments"][i],
                          explanation.score_map,
                          f"{model_name} | {identity}/{name} | R² {explanation.r2:.2f}")
    save_arrays(out_path, **result)
    return result

"""Rules canonical_face, align_identity and mean_face (docs/method.md, Normalisation onto a canonical face)."""

from __future__ import annotations

import numpy as np

from ..canonical import REGIONS, load_canonical, mean_shape, packaged_face_shapes
from ..canonical import canonical_face as place_canonical_face
from ..heatmaps import mass, mean_of, models_equal_mean, nonempty_members, read_mean, write_heatmap
from ..storage import load_arrays, save_arrays
from ..warp import CanonicalWarp


def canonical_face(*, canonical: str, canvas: dict) -> None:
    """The canonical face: the mean shape of the packaged demo faces, placed in the canvas and triangulated."""
    width, height = canvas["width"], canvas["height"]
    face = place_canonical_face(mean_shape(packaged_face_shapes()), width, height, canvas["top_space"])
    save_arrays(canonical, points=face.points, triangles=face.triangles, size=np.array([width, height]),
                regions=face.region_labels(), region_names=np.array(REGIONS, dtype=str))


def align_identity(*, faces: str, landmarks: str, canonical: str, masks: list[str], aligned_faces: str,
                   aligned: list[str], models: list[str], identity_models: list[str], heatmap_prefixes: list[str],
                   identity_prefix: str, identity: str) -> None:
    """Warp one identity's crops and every model's score maps onto the canonical face.

    masks, aligned and heatmap_prefixes follow `models`. One job per identity (not per
    model and identity): the warp maps of an image are computed once and reused for its
    crop and all models' maps, and the DAG of a study (368 identities x 8 models) keeps a
    few thousand jobs instead of ~7000. Writes the aligned faces, per model the aligned
    maps and the (model, identity) heatmap, and the identity's heatmap over
    identity_models (randomised copies stay out of it).
    """
    crops, marks = load_arrays(faces), load_arrays(landmarks)
    warp = CanonicalWarp(load_canonical(canonical))
    canvas = (warp.canonical.height, warp.canonical.width)
    count = len(crops["images"])  # 0 when every image of the identity was skipped
    maps = [warp.source_maps(lm, face.shape[:2]) for face, lm in zip(crops["faces"], marks["landmarks"])]
    warped = np.array([warp.warp(face, None, m) for face, m in zip(crops["faces"], maps)],
                      np.uint8).reshape(-1, *canvas, 3)
    mean_face = warped.astype(np.float32).mean(axis=0) if count else np.full((*canvas, 3), 128, np.float32)
    face = np.round(mean_face).astype(np.uint8)
    save_arrays(aligned_faces, faces=warped, mean=mean_face, face=face, images=crops["images"], count=np.int64(count))
    model_means = {}
    for model, masks_path, aligned_path, prefix in zip(models, masks, aligned, heatmap_prefixes, strict=True):
        explained = load_arrays(masks_path)
        if list(explained["images"]) != list(marks["images"]):
            raise ValueError(f"{masks_path} and {landmarks} list different images")
        maps_aligned = np.array([warp.warp(m, None, mp) for m, mp in zip(explained["score_maps"], maps)],
                                np.float32).reshape(-1, *canvas)
        # the regions method skips images without landmarks (no map): they stay out of its means
        skipped = explained.get("region_skipped", np.zeros(count, bool))
        used = int(count - skipped.sum())
        mean = maps_aligned[~skipped].mean(axis=0) if used else np.zeros(canvas, np.float32)
        save_arrays(aligned_path, aligned=maps_aligned, mean=mean, images=explained["images"], count=np.int64(used),
                    skipped=skipped)
        write_heatmap(prefix, mean, face, [f"{model}/{identity}"] if used else [])
        model_means[model] = mean
    # each model at unit mass for this identity, so that no model's scale dominates
    chosen = [model_means[m] for m in identity_models]
    write_heatmap(identity_prefix, models_equal_mean(chosen, [mass(m) for m in chosen]), face,
                  identity_models if count else [])


def mean_face(*, aligned_faces: list[str], face: str) -> None:
    """Mean aligned face over identities (each identity weighs the same)."""
    paths, _ = nonempty_members(aligned_faces, aligned_faces)
    mean = mean_of(read_mean(p) for p in paths)
    save_arrays(face, mean=mean, face=np.round(mean).astype(np.uint8))

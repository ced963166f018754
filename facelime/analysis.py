"""Workflow steps of normalisation, heatmaps and comparison (docs/method.md, Normalisation to Comparing heatmaps), on files."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from .canonical import REGIONS, CanonicalFace, canonical_face, mean_shape
from .divergence import cluster, kl_matrix
from .heatmaps import mass, mean_of, models_equal_mean, read_count, read_face, read_mean, write_heatmap
from .landmarks import LandmarkDetector
from .storage import load_arrays, save_arrays
from .warp import CanonicalWarp


def packaged_face_shapes(size: int = 112) -> np.ndarray:
    """68-point shapes of the packaged demo faces and their mirror images (S x 68 x 2).

    The canonical shape comes from these, not from the dataset, so it never changes
    when a dataset image changes (no rerun of every alignment) and the mirrors make
    it left-right symmetric.
    """
    from .demo import detect_faces, loose_crop, packaged_photos
    from .images import load_rgb
    from .preprocess import centre_crop

    detector = LandmarkDetector()
    shapes = []
    for _, path, _ in packaged_photos():
        image = load_rgb(path)
        for box in detect_faces(image):
            crop = centre_crop(loose_crop(image, box), size)
            for face in (crop, np.ascontiguousarray(crop[:, ::-1])):
                points, detected = detector(face)
                if detected:
                    shapes.append(points)
    return np.stack(shapes)


def build_canonical(out_path: str, width: int, height: int, top_space: int) -> CanonicalFace:
    canonical = canonical_face(mean_shape(packaged_face_shapes()), width, height, top_space)
    save_arrays(out_path, points=canonical.points, triangles=canonical.triangles,
                size=np.array([width, height]), regions=canonical.region_labels(),
                region_names=np.array(REGIONS, dtype=str))
    return canonical


def load_canonical(path: str) -> CanonicalFace:
    data = load_arrays(path)
    return CanonicalFace(data["points"], data["triangles"], int(data["size"][0]), int(data["size"][1]))


def detect_landmarks(faces_path: str, out_path: str) -> None:
    crops = load_arrays(faces_path)
    detector = LandmarkDetector()
    found = [detector(face) for face in crops["faces"]]
    save_arrays(out_path, landmarks=np.array([p for p, _ in found], dtype=np.float32).reshape(-1, 68, 2),
                face_detected=np.array([d for _, d in found], dtype=bool), images=crops["images"])


def align_identity(faces_path: str, landmarks_path: str, canonical_path: str, mask_paths: dict[str, str],
                   faces_out: str, aligned_outs: dict[str, str], heatmap_prefixes: dict[str, str],
                   identity_prefix: str, identity: str, identity_models: list[str] | None = None) -> None:
    """Warp one identity's crops and every model's score maps onto the canonical face.

    One job per identity (not per model and identity): the warp maps of an image are
    computed once and reused for its crop and all models' maps, and the DAG of a
    study (368 identities x 8 models) keeps a few thousand jobs instead of ~7000.
    Writes the aligned faces, per model the aligned maps and the (model, identity)
    heatmap, and the identity's heatmap over identity_models (default: all models).
    """
    identity_models = list(mask_paths) if identity_models is None else identity_models
    crops, marks = load_arrays(faces_path), load_arrays(landmarks_path)
    warp = CanonicalWarp(load_canonical(canonical_path))
    canvas = (warp.canonical.height, warp.canonical.width)
    count = len(crops["images"])  # 0 when every image of the identity was skipped
    maps = [warp.source_maps(lm, face.shape[:2]) for face, lm in zip(crops["faces"], marks["landmarks"])]
    faces = np.array([warp.warp(face, None, m) for face, m in zip(crops["faces"], maps)], np.uint8).reshape(-1, *canvas, 3)
    mean_face = faces.astype(np.float32).mean(axis=0) if count else np.full((*canvas, 3), 128, np.float32)
    face = np.round(mean_face).astype(np.uint8)
    save_arrays(faces_out, faces=faces, mean=mean_face, face=face, images=crops["images"], count=np.int64(count))
    model_means = {}
    for model, masks_path in mask_paths.items():
        masks = load_arrays(masks_path)
        if list(masks["images"]) != list(marks["images"]):
            raise ValueError(f"{masks_path} and {landmarks_path} list different images")
        aligned = np.array([warp.warp(m, None, mp) for m, mp in zip(masks["score_maps"], maps)],
                           np.float32).reshape(-1, *canvas)
        mean = aligned.mean(axis=0) if count else np.zeros(canvas, np.float32)
        save_arrays(aligned_outs[model], aligned=aligned, mean=mean, images=masks["images"], count=np.int64(count))
        write_heatmap(heatmap_prefixes[model], mean, face, [f"{model}/{identity}"] if count else [])
        model_means[model] = mean
    # each model at unit mass for this identity, so that no model's scale dominates
    chosen = [model_means[m] for m in identity_models]
    write_heatmap(identity_prefix, models_equal_mean(chosen, [mass(m) for m in chosen]), face,
                  identity_models if count else [])


def mean_face(aligned_face_paths: list[str], out_path: str) -> None:
    """Mean aligned face over identities (each identity weighs the same)."""
    paths, _ = nonempty_members(aligned_face_paths, aligned_face_paths)
    mean = mean_of(read_mean(p) for p in paths)
    save_arrays(out_path, mean=mean, face=np.round(mean).astype(np.uint8))


def nonempty_members(paths: list[str], names: list[str]) -> tuple[list[str], list[str]]:
    """Members that hold at least one image: identities whose images were all skipped are left out."""
    kept = [(p, n) for p, n in zip(paths, names) if read_count(p) > 0]
    if not kept:
        raise ValueError(f"no member of this aggregate has a usable image ({len(paths)} members, see results/qc/qc.tsv)")
    return [p for p, _ in kept], [n for _, n in kept]


def aggregate_heatmap(member_paths: list[str], member_names: list[str], prefix: str, mean_face_path: str,
                      model_scale_paths: list[str] | None = None) -> None:
    """Heatmap whose mean is the mean of its (non-empty) members' unstretched means.

    With model_scale_paths (one model heatmap per member), the members are models: each
    is divided by its model heatmap's mass first, so every model weighs the same.
    """
    if model_scale_paths is None:
        paths, names = nonempty_members(member_paths, member_names)
        mean = mean_of(read_mean(p) for p in paths)
    else:
        scale_of = dict(zip(member_paths, model_scale_paths))
        paths, names = nonempty_members(member_paths, member_names)
        mean = models_equal_mean((read_mean(p) for p in paths), [mass(read_mean(scale_of[p])) for p in paths])
    write_heatmap(prefix, mean, read_face(mean_face_path), names)


def compare_heatmaps(heatmap_paths: list[str], names: list[str], out_tsv: str, clustermap_png: str,
                     dendrogram_png: str, method: str, title: str) -> np.ndarray:
    """Symmetric-KL matrix as TSV, a seaborn clustered heatmap and a dendrogram."""
    from .figures import draw_clustermap, draw_dendrogram

    maps = [load_arrays(p)["heatmap"] for p in heatmap_paths]
    matrix = kl_matrix(maps)
    with open(out_tsv, "w", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t")
        writer.writerow([""] + list(names))
        for name, row in zip(names, matrix):
            writer.writerow([name] + [f"{v:.6g}" for v in row])
    links = cluster(matrix, method)
    draw_clustermap(matrix, names, links, clustermap_png, title)
    draw_dendrogram(links, names, dendrogram_png, f"{title} ({method} linkage on symmetric KL)")
    return matrix


def region_shares(mean: np.ndarray, regions: np.ndarray) -> dict[str, float]:
    """Share of a heatmap's mass in each canonical region (sums to 1 over REGIONS)."""
    mass = np.clip(np.asarray(mean, dtype=np.float64), 0, None)
    total = mass.sum()
    return {name: float(mass[regions == i].sum() / total) if total > 0 else 0.0 for i, name in enumerate(REGIONS)}


def region_share_table(heatmap_paths: list[str], kinds: list[str], names: list[str], canonical_path: str,
                       out_tsv: str, out_png: str) -> list[dict]:
    from .figures import draw_region_shares

    regions = load_arrays(canonical_path)["regions"]
    area = {name: float(np.mean(regions == i)) for i, name in enumerate(REGIONS)}
    rows = []
    for path, kind, name in zip(heatmap_paths, kinds, names):
        shares = region_shares(read_mean(path), regions)
        # n: the members averaged (identities, or models for aggregates over models)
        row = {"kind": kind, "heatmap": name, "n": read_count(path), **{r: round(v, 6) for r, v in shares.items()}}
        # density: share / area share; > 1 means the region draws more than its size
        row.update({f"{r}_density": round(v / area[r], 4) if area[r] > 0 else 0.0 for r, v in shares.items()})
        rows.append(row)
    with open(out_tsv, "w", newline="") as handle:
        fields = ["kind", "heatmap", "n", *REGIONS, *(f"{r}_density" for r in REGIONS)]
        writer = csv.DictWriter(handle, fieldnames=fields, delimiter="\t")
        writer.writeheader()
        writer.writerows(rows)
    draw_region_shares(rows, out_png)
    return rows

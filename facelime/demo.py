"""The embedded demo dataset, built from face photos that ship inside installed packages.

It is a demo of the workflow, not a study: 9 people, one photo each, and a mirrored
copy of each crop as the second image. Faces are found with dlib's HOG detector
and cut as loose square crops (VGGFace2-style), so the study's centre crop applies.
"""

from __future__ import annotations

import csv
import os
from importlib import resources
from pathlib import Path

import dlib
import numpy as np

from . import faces
from .images import load_rgb, save_rgb

LOOSE_CROP_SCALE = 1.6  # crop side / HOG box side: loose crops like VGGFace2's


def packaged_photos() -> list[tuple[str, str, str]]:
    """(prefix, path, group) of face photos shipped by insightface, matplotlib and scikit-image."""
    insightface_images = resources.files("insightface") / "data" / "images"
    return [
        ("t1_face", str(insightface_images / "t1.jpg"), "group_photo"),
        ("tom_hanks", str(insightface_images / "Tom_Hanks_54745.png"), "portrait"),
        ("grace_hopper", str(resources.files("matplotlib") / "mpl-data" / "sample_data" / "grace_hopper.jpg"), "portrait"),
        ("astronaut", str(resources.files("skimage") / "data" / "astronaut.png"), "portrait"),
    ]


def loose_crop(image: np.ndarray, box: tuple[int, int, int, int], scale: float = LOOSE_CROP_SCALE) -> np.ndarray:
    """The demo's loose square crop around a HOG box (facelime.faces.loose_crop)."""
    return faces.loose_crop(image, box, scale)


def detect_faces(image: np.ndarray) -> list[tuple[int, int, int, int]]:
    """HOG face boxes (left, top, right, bottom), left to right; no upsampling (it adds false hits)."""
    boxes = [(r.left(), r.top(), r.right(), r.bottom()) for r in dlib.get_frontal_face_detector()(image, 0)]
    return sorted(boxes)


def build_demo_dataset(out_dir: str | os.PathLike, metadata_csv: str | os.PathLike) -> list[str]:
    """Write <out_dir>/<identity>/<identity>_000{1,2}.png and the identity CSV; return identities."""
    out_dir = Path(out_dir)
    rows = []
    for prefix, path, group in packaged_photos():
        image = load_rgb(path)
        boxes = detect_faces(image)
        if not boxes:
            raise RuntimeError(f"{path}: dlib found no face in a packaged demo photo")
        for number, box in enumerate(boxes, start=1):
            identity = f"{prefix}{number}" if len(boxes) > 1 else prefix
            crop = loose_crop(image, box)
            folder = out_dir / identity
            folder.mkdir(parents=True, exist_ok=True)
            save_rgb(folder / f"{identity}_0001.png", crop)
            save_rgb(folder / f"{identity}_0002.png", crop[:, ::-1])  # mirrored copy
            rows.append({"identity": identity, "source": group})
    with open(metadata_csv, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["identity", "source"])
        writer.writeheader()
        writer.writerows(rows)
    return [row["identity"] for row in rows]

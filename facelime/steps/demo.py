"""Checkpoint demo_dataset: the embedded demo dataset, cut from face photos shipped inside installed packages."""

from __future__ import annotations

import csv
import logging
import os
from pathlib import Path

from ..demo import detect_faces, loose_crop, packaged_photos
from ..images import load_rgb, save_rgb


def demo_dataset(*, faces: str | os.PathLike, metadata: str | os.PathLike) -> list[str]:
    """Write <faces>/<identity>/<identity>_000{1,2}.png (a crop and its mirror image) and the identity
    CSV `metadata` (column source: group photo or portrait); return the identities."""
    out_dir = Path(faces)
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
    with open(metadata, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["identity", "source"])
        writer.writeheader()
        writer.writerows(rows)
    identities = [row["identity"] for row in rows]
    logging.info("demo identities: %s", identities)
    return identities

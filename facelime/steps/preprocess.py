"""Rule crop_and_segment (docs/method.md, Preprocessing): face crops and their superpixels, per identity."""

from __future__ import annotations

import logging
import os

import numpy as np

from ..dataset import image_ids
from ..errors import BadImageError
from ..preprocess import FaceCropper
from ..qc import QC_FIELDS
from ..seeding import job_seed
from ..segmentation import superpixels
from ..storage import save_arrays, write_tsv


def _qc_row(identity: str, path, action: str, reason: str) -> dict:
    return dict(identity=identity, file=os.fspath(path), stage="crop_and_segment", action=action, reason=reason)


def crop_and_segment(*, images: list[str], faces: str, qc: str, preprocess: dict, lime: dict, seed: int,
                     identity: str, on_bad_image: str) -> dict:
    """Face crops (uint8 N x S x S x 3) and their superpixels (int32 N x S x S) of one identity's images.

    A bad image (unreadable, corrupt, too small, no face where one is searched) stops
    the job with a one-line error when on_bad_image is 'fail'; with 'skip' it is left
    out and listed in the qc table, beside notes on the images used (EXIF rotation,
    first frame of an animation, several faces found).
    """
    size = preprocess["size"]
    cropper = FaceCropper(preprocess)
    crops, segments, names, sources, qc_rows = [], [], [], [], []
    for path, name in zip(images, image_ids(images)):
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
        crops.append(face)
        segments.append(superpixels(face, lime["segmentation"], lime["n_segments"], lime["compactness"],
                                    seed=job_seed(seed, "segments", identity, name) % (2**31)))
        names.append(name)
        sources.append(os.fspath(path))
    if not crops:
        qc_rows.append(_qc_row(identity, "", "identity left out", f"no usable image among {len(images)}"))
    arrays = dict(
        faces=np.array(crops, dtype=np.uint8).reshape(-1, size, size, 3),
        segments=np.array(segments, dtype=np.int32).reshape(-1, size, size),
        images=np.array(names, dtype=str),
        sources=np.array(sources, dtype=str),
    )
    save_arrays(faces, **arrays)
    write_tsv(qc, qc_rows, QC_FIELDS)
    return arrays

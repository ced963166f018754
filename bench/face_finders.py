"""`python -m bench.face_finders [--images N]`: the landmark stage with dlib's HOG detector vs
OpenCV's frontal Haar cascade (landmarks.face_box) on lfw158's crops.

Each image is cropped as the workflow crops it (the 112 px centre crop, of the central
--crop-fraction of the short side) and given to both finders; prints and writes (--out) how often each fell back to
the whole crop and how far their 68 landmarks lie apart (mean point distance in crop
pixels), over all images and over those where both found a face.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

from facelime.images import load_rgb
from facelime.landmarks import LandmarkDetector
from facelime.preprocess import centre_crop
from facelime.storage import write_tsv

SHARED = Path(os.environ.get("FACELIME_SHARED", Path(__file__).resolve().parents[2] / "shared"))


def compare_finders(crops: list[np.ndarray]) -> dict:
    """Fallback counts of HOG and Haar and the mean landmark distance between them."""
    hog, haar = LandmarkDetector(face_box="hog"), LandmarkDetector(face_box="haar")
    found = {"hog": [], "haar": []}
    distance = []
    for crop in crops:
        (p_hog, d_hog), (p_haar, d_haar) = hog(crop), haar(crop)
        found["hog"].append(d_hog)
        found["haar"].append(d_haar)
        distance.append(float(np.linalg.norm(p_hog - p_haar, axis=1).mean()))
    hog_found, haar_found, distance = np.array(found["hog"]), np.array(found["haar"]), np.array(distance)
    both = hog_found & haar_found
    return dict(images=len(crops), hog_fallbacks=int((~hog_found).sum()), haar_fallbacks=int((~haar_found).sum()),
                both_fallback=int((~hog_found & ~haar_found).sum()), both_found=int(both.sum()),
                mean_distance_px=float(distance.mean()), median_distance_px=float(np.median(distance)),
                mean_distance_both_found_px=float(distance[both].mean()) if both.any() else float("nan"),
                median_distance_both_found_px=float(np.median(distance[both])) if both.any() else float("nan"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(SHARED / "data" / "lfw158" / "images"))
    parser.add_argument("--images", type=int, default=None, help="at most this many images (name order)")
    parser.add_argument("--crop-fraction", type=float, default=1.0,
                        help="preprocess.crop_fraction (the README suggests 0.6 for LFW's 250 px frames)")
    parser.add_argument("--out", default=None, help="TSV to write the row to")
    args = parser.parse_args()
    paths = sorted(Path(args.data).glob("*/*.jpg"))[: args.images]
    if not paths:
        raise SystemExit(f"{args.data}: no <identity>/<image>.jpg files")
    row = compare_finders([centre_crop(load_rgb(str(p)), 112, args.crop_fraction) for p in paths])
    for key, value in row.items():
        print(f"{key}\t{value:.3f}" if isinstance(value, float) else f"{key}\t{value}")
    if args.out:
        write_tsv(args.out, [row], tuple(row))


if __name__ == "__main__":
    main()

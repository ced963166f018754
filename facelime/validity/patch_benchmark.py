"""A known-answer benchmark in the manner of Patch-LFW (Huber et al., WACV 2024, the paper of xSSAB).

A box around one part of a face (eyes, nose or mouth, from dlib's 68 landmarks) is
replaced by the same part of another identity's face, resized into the box. The
patched face is explained against the untouched face's embedding (pair mode), so
the one place that makes the pair less similar is the pasted box: hiding it raises the
similarity, and a good map's most negative evidence lies there. Two scores per
explanation, on the negated signed map (high = "hiding this helps the match"):
hit (pointing game): its maximum falls in the box; top_iou: IoU of its top-k pixels,
k = the box's area, with the box.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..explainers.dispatch import explain_face
from ..seeding import job_seed
from .agreement import top_set

PARTS = {"eyes": list(range(36, 48)), "nose": list(range(27, 36)), "mouth": list(range(48, 68))}
MARGIN = 0.2  # the box is the landmarks' bounding box widened by this share of its side, on each side


def part_box(points: np.ndarray, part: str, shape: tuple[int, int], margin: float = MARGIN) -> tuple[int, int, int, int]:
    """(top, bottom, left, right), bottom/right exclusive, of a face part from its 68 landmarks, inside the image."""
    chosen = np.asarray(points, np.float64)[PARTS[part]]
    (x0, y0), (x1, y1) = chosen.min(axis=0), chosen.max(axis=0)
    dx, dy = margin * max(x1 - x0, 1.0), margin * max(y1 - y0, 1.0)
    h, w = shape
    top, bottom = int(np.clip(np.floor(y0 - dy), 0, h - 1)), int(np.clip(np.ceil(y1 + dy), 1, h))
    left, right = int(np.clip(np.floor(x0 - dx), 0, w - 1)), int(np.clip(np.ceil(x1 + dx), 1, w))
    return top, max(bottom, top + 1), left, max(right, left + 1)


def box_mask(box: tuple[int, int, int, int], shape: tuple[int, int]) -> np.ndarray:
    top, bottom, left, right = box
    mask = np.zeros(shape, bool)
    mask[top:bottom, left:right] = True
    return mask


@dataclass
class PatchCase:
    """One benchmark face: the patched crop, the untouched crop of the same person, and the right answer."""

    name: str
    part: str
    patched: np.ndarray
    original: np.ndarray
    answer: np.ndarray  # HxW bool, the pasted box
    box: tuple[int, int, int, int]  # (top, bottom, left, right) of the answer, bottom/right exclusive


def paste_part(target: np.ndarray, target_points: np.ndarray, donor: np.ndarray, donor_points: np.ndarray,
               part: str) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """The target crop with the donor's `part` pasted into the target's box for it, and that box."""
    box = part_box(target_points, part, target.shape[:2])
    top, bottom, left, right = box
    d_top, d_bottom, d_left, d_right = part_box(donor_points, part, donor.shape[:2])
    piece = cv2.resize(np.ascontiguousarray(donor[d_top:d_bottom, d_left:d_right]), (right - left, bottom - top),
                       interpolation=cv2.INTER_LINEAR)
    patched = target.copy()
    patched[top:bottom, left:right] = piece
    return patched, box


def build_cases(faces: dict[str, np.ndarray], landmarks: dict[str, np.ndarray], parts=tuple(PARTS)) -> list[PatchCase]:
    """Every face with every part pasted from the next identity (in name order, wrapping round)."""
    names = sorted(faces)
    cases = []
    for i, name in enumerate(names):
        donor = names[(i + 1) % len(names)]
        for part in parts:
            patched, box = paste_part(faces[name], landmarks[name], faces[donor], landmarks[donor], part)
            cases.append(PatchCase(f"{name}+{donor}:{part}", part, patched, faces[name],
                                   box_mask(box, patched.shape[:2]), box))
    return cases


def demo_faces(size: int = 112) -> dict[str, np.ndarray]:
    """The demo dataset's faces (facelime.demo: photos shipped in installed packages), as size x size crops."""
    from ..demo import detect_faces, loose_crop, packaged_photos
    from ..images import load_rgb
    from ..preprocess import centre_crop

    faces = {}
    for prefix, path, _ in packaged_photos():
        image = load_rgb(path)
        boxes = detect_faces(image)
        for number, box in enumerate(boxes, start=1):
            faces[f"{prefix}{number}" if len(boxes) > 1 else prefix] = centre_crop(loose_crop(image, box), size)
    return faces


def score_case(signed_map: np.ndarray, answer: np.ndarray) -> dict[str, float]:
    """Pointing-game hit (share of the maximum's pixels in the box: 1 or 0 for a single maximum) and
    top-k IoU (k = the answer's area) of the negated signed map against the answer box."""
    helps = -np.asarray(signed_map, np.float64)
    # a piecewise-constant map (LIME's superpixels) has its maximum on a whole set of pixels:
    # the hit is the share of that set inside the box, not whichever pixel argmax meets first
    at_max = helps == helps.max()
    hit = np.count_nonzero(at_max & answer) / np.count_nonzero(at_max) if np.ptp(helps) > 0 else 0.0
    top = top_set(helps, np.count_nonzero(answer) / answer.size)
    iou = np.count_nonzero(top & answer.ravel()) / np.count_nonzero(top | answer.ravel())
    return {"hit": float(hit), "top_iou": float(iou)}


def run_benchmark(cases: list[PatchCase], embedder, methods, explain_case) -> list[dict]:
    """One row per (case, method): explain_case(method, case, reference) -> MapExplanation, scored on the case.

    The reference is the untouched face's embedding, computed by the model once per case.
    """
    rows = []
    for case in cases:
        reference = embedder.embed_faces([case.original])[0].astype(np.float64)
        for method in methods:
            explanation = explain_case(method, case, reference)
            rows.append({"case": case.name, "part": case.part, "method": method,
                         "forward_passes": explanation.forward_passes,
                         **score_case(explanation.signed_map, case.answer)})
    return rows


def hit_rates(rows: list[dict]) -> list[dict]:
    """Per method: cases, hit rate, mean top-k IoU."""
    out = []
    for method in dict.fromkeys(r["method"] for r in rows):
        mine = [r for r in rows if r["method"] == method]
        out.append({"method": method, "cases": len(mine), "hit_rate": float(np.mean([r["hit"] for r in mine])),
                    "top_iou": float(np.mean([r["top_iou"] for r in mine]))})
    return out


def method_explainer(embedder, lime: dict, explain: dict | None, seed: int, segmenter):
    """explain_case for run_benchmark: explain_face on the patched face, seeded per (method, case).

    segmenter: face -> superpixels (LIME's units; facelime.segmentation.superpixels in the workflow).
    """
    def explain_case(method: str, case: PatchCase, reference: np.ndarray):
        return explain_face(method, case.patched, segmenter(case.patched), embedder, lime=lime, explain=explain,
                             seed=job_seed(seed, "patch benchmark", method, case.name), reference=reference)

    return explain_case

"""The QC table and the run summary: what was left out, what needed a fallback, and how often.

Every row names the identity, the file, the stage, the action and the reason:
files the dataset layout does not cover, skipped images, notes on used images (EXIF
rotation, first frame, several faces), faces that needed the whole-crop fallback
per stage and per model, metadata gaps and groups left out for their size.
"""

from __future__ import annotations

import logging
import textwrap
from pathlib import Path

from .stages import QC_FIELDS
from .storage import load_some, read_tsv, write_tsv

WIDTH = 100  # console lines
COUNT_FIELDS = ("stage", "images", "fallbacks", "share")
FALLBACK_REASON = "no face detected: the whole crop was taken as the face box (the study's fallback)"


def _fallback_rows(path: str, stage: str) -> tuple[list[dict], int, bool]:
    """Fallback rows of one landmarks or masks file, how many images it holds, and whether it detects faces."""
    arrays = load_some(path, "images", "face_detected", "face_detection")
    detects = bool(arrays.get("face_detection", stage == "landmarks"))
    rows = [dict(identity=Path(path).stem, file=str(name), stage=stage, action="fallback", reason=FALLBACK_REASON)
            for name, found in zip(arrays["images"], arrays["face_detected"]) if not found]
    return (rows if detects else []), len(arrays["images"]), detects


def qc_report(image_tables: list[str], landmark_paths: list[str], mask_paths: dict[str, list[str]],
              dataset_rows: list[dict], out_tsv: str, counts_tsv: str, summary_txt: str,
              max_fallback_share: float = 0.10) -> list[dict]:
    """Write the QC table, the counts per stage and model, and the run summary paragraph."""
    rows: list[dict] = list(dataset_rows)
    for table in image_tables:
        rows += read_tsv(table)
    used = 0
    counts = []
    stages = {"landmarks": landmark_paths, **{f"explain:{m}": p for m, p in sorted(mask_paths.items())}}
    for stage, paths in stages.items():
        misses, images, detects = 0, 0, False
        for path in paths:
            found, n, detected_here = _fallback_rows(path, stage)
            rows += found
            misses, images, detects = misses + len(found), images + n, detects or detected_here
        used = images if stage == "landmarks" else used
        if not detects:  # only stages that look for the face can miss it (ONNX models see the crop as it is)
            continue
        counts.append(dict(stage=stage, images=images, fallbacks=misses, share=round(misses / images, 4) if images else 0.0))
    rows = [{k: row.get(k, "") for k in QC_FIELDS} for row in rows]
    write_tsv(out_tsv, rows, QC_FIELDS)
    write_tsv(counts_tsv, counts, COUNT_FIELDS)
    summary = run_summary(rows, counts, len(landmark_paths), used, max_fallback_share)
    Path(summary_txt).write_text(summary + "\n")
    logging.info(summary)
    return rows


def run_summary(rows: list[dict], counts: list[dict], identities: int, used: int, max_share: float) -> str:
    """One paragraph a person reads at the end of a run, then one line per warning."""
    def count(action: str, stage: str | None = None) -> int:
        return sum(1 for r in rows if r["action"] == action and (stage is None or r["stage"] == stage))

    left_out = count("identity left out")
    skipped, ignored = count("skipped"), count("ignored", "dataset")
    fallbacks = "; ".join(f"{c['stage']} fallback {c['fallbacks']}/{c['images']} ({c['share']:.0%})" for c in counts)
    paragraph = (f"facelime run summary: {identities - left_out} identities used ({left_out} left out), "
                 f"{used} images used, {skipped} skipped, {ignored} dataset entries ignored; {fallbacks}; "
                 f"{count('used')} notes on used images; metadata: {count('no metadata', 'metadata')} identities "
                 f"without a row, {count('group left out', 'metadata')} groups left out. "
                 "Details: results/qc/qc.tsv, results/qc/counts.tsv.")
    warnings = [f"WARNING: {c['stage']}: {c['fallbacks']} of {c['images']} images ({c['share']:.0%}) had no face "
                f"detected and used the whole-crop fallback (more than qc.max_fallback_share, {max_share:.0%}); "
                "are these face crops? See preprocess.detect."
                for c in counts if c["images"] and c["share"] > max_share]
    if skipped:
        warnings.append(f"WARNING: {skipped} images were skipped (unreadable, too small or no face found).")
    if count("no metadata", "metadata") or count("no value", "metadata"):
        warnings.append(f"WARNING: {count('no metadata', 'metadata')} identities have no row in the metadata and "
                        f"{count('no value', 'metadata')} have an empty group value: they are in no group heatmap.")
    # wrapped to fit a terminal: the summary is the last thing a run prints
    return "\n".join(textwrap.fill(text, WIDTH, subsequent_indent="  ") for text in [paragraph, *warnings])

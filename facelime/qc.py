"""The QC table: skipped images, identities left out, and faces that needed the landmark fallback."""

from __future__ import annotations

from pathlib import Path

from .stages import QC_FIELDS
from .storage import load_arrays, read_tsv, write_tsv


def qc_report(image_tables: list[str], landmark_paths: list[str], out_path: str) -> list[dict]:
    rows: list[dict] = []
    for table in image_tables:
        rows += read_tsv(table)
    for path in landmark_paths:
        marks = load_arrays(path)
        identity = Path(path).stem
        for name, detected in zip(marks["images"], marks["face_detected"]):
            if not detected:
                rows.append(dict(identity=identity, file=str(name), stage="landmarks", action="fallback",
                                 reason="no face detected: the whole crop was taken as the face box (the study's fallback)"))
    rows = [{k: row.get(k, "") for k in QC_FIELDS} for row in rows]
    write_tsv(out_path, rows, QC_FIELDS)
    return rows

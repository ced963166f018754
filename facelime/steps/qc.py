"""Rule qc_report: the QC table, the counts per stage and model, and the run summary."""

from __future__ import annotations

import logging
from pathlib import Path

from ..qc import COUNT_FIELDS, FALLBACK_REASON, QC_FIELDS, REGIONS_SKIP_REASON, run_summary
from ..storage import load_some, read_tsv, write_tsv


def fallback_rows(path: str, stage: str) -> tuple[list[dict], int, bool]:
    """Fallback rows of one landmarks or masks file, how many images it holds, and whether it detects faces."""
    arrays = load_some(path, "images", "face_detected", "face_detection")
    detects = bool(arrays.get("face_detection", stage == "landmarks"))
    rows = [dict(identity=Path(path).stem, file=str(name), stage=stage, action="fallback", reason=FALLBACK_REASON)
            for name, found in zip(arrays["images"], arrays["face_detected"]) if not found]
    return (rows if detects else []), len(arrays["images"]), detects


def region_skip_rows(path: str, stage: str) -> list[dict]:
    """Rows for the images the regions method skipped (landmarks fell back to the whole crop)."""
    arrays = load_some(path, "images", "region_skipped")
    return [dict(identity=Path(path).stem, file=str(name), stage=stage, action="skipped", reason=REGIONS_SKIP_REASON)
            for name, skip in zip(arrays["images"], arrays.get("region_skipped", [])) if skip]


def qc_report(*, images: list[str], landmarks: list[str], masks: list[dict], table: str, counts: str, summary: str,
              dataset_rows: list[dict], max_fallback_share: float) -> list[dict]:
    """Write the QC table, the counts per stage and model, and the run summary paragraph.

    images: the per-identity QC tables of crop_and_segment; masks: one record {model, identity, path}
    per explained masks file.
    """
    per_model: dict[str, list[str]] = {}
    for record in masks:
        per_model.setdefault(record["model"], []).append(record["path"])
    rows: list[dict] = list(dataset_rows)
    for path in images:
        rows += read_tsv(path)
    stage_counts = []
    stages = {"landmarks": landmarks, **{f"explain:{m}": p for m, p in sorted(per_model.items())}}
    for stage, paths in stages.items():
        misses, total, detects = 0, 0, False
        for path in paths:
            found, images_here, detected_here = fallback_rows(path, stage)
            rows += found + region_skip_rows(path, stage)
            misses, total, detects = misses + len(found), total + images_here, detects or detected_here
        if stage == "landmarks":
            used = total  # every image that was cropped has landmarks
        if not detects:  # only stages that look for the face can miss it (ONNX models see the crop as it is)
            continue
        stage_counts.append(dict(stage=stage, images=total, fallbacks=misses,
                                 share=round(misses / total, 4) if total else 0.0))
    rows = [{k: row.get(k, "") for k in QC_FIELDS} for row in rows]
    write_tsv(table, rows, QC_FIELDS)
    write_tsv(counts, stage_counts, COUNT_FIELDS)
    text = run_summary(rows, stage_counts, len(landmarks), used, max_fallback_share)
    Path(summary).write_text(text + "\n")
    logging.info(text)
    return rows


def run_overview(*, table: str, aligned: list[str], index: str, overview: str, settings: dict,
                 groups: dict, not_made: list) -> list[dict]:
    """The report's first section as a table (section, item, value): the run's settings, models and
    dataset, its counts (identities and images used, skipped, ignored), its groups with their sizes,
    the figures it made and what it could not make and why.

    aligned: one model's aligned file per identity (their counts are the images used);
    groups: {column: {value: [identities]}}; not_made: [(what, why)] (facelime.run_outputs).
    """
    from ..heatmaps import read_count

    rows = [dict(section="dataset", item="root", value=settings["dataset"]),
            dict(section="dataset", item="metadata", value=settings["metadata"] or "none")]
    if settings.get("identity_column"):
        rows.append(dict(section="dataset", item="identity column", value=settings["identity_column"]))
    for name, spec in settings["models"].items():
        rows.append(dict(section="models", item=name, value=", ".join(f"{k} {v}" for k, v in spec.items())))
    for key, value in settings["lime"].items():
        rows.append(dict(section="lime", item=key, value=value))
    rows.append(dict(section="explainers", item="methods", value=", ".join(settings["explainers"])))
    rows.append(dict(section="seed", item="seed", value=settings["seed"]))
    counts = [read_count(path) for path in aligned]
    qc = read_tsv(table)
    rows += [dict(section="counts", item="identities used", value=sum(1 for c in counts if c > 0)),
             dict(section="counts", item="identities left out", value=sum(1 for c in counts if c == 0)),
             dict(section="counts", item="images used", value=sum(counts)),
             dict(section="counts", item="images skipped", value=sum(1 for r in qc if r["action"] == "skipped")),
             dict(section="counts", item="dataset entries ignored",
                  value=sum(1 for r in qc if r["action"] == "ignored" and r["stage"] == "dataset"))]
    for column, values in sorted(groups.items()):
        for value, members in sorted(values.items()):
            rows.append(dict(section="groups", item=f"{column}={value}", value=f"{len(members)} identities"))
    made = read_tsv(index)
    rows.append(dict(section="figures", item="made", value=f"{len(made)} figures (results/figures/index.tsv)"))
    rows += [dict(section="not made", item=what, value=why) for what, why in not_made]
    rows += [dict(section="warnings", item="budget", value=w) for w in settings.get("warnings", [])]
    write_tsv(overview, rows, ("section", "item", "value"))
    return rows

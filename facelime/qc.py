"""The QC table's columns and the run summary: what was left out, what needed a fallback, and how often.

Every row names the identity, the file, the stage, the action and the reason:
files the dataset layout does not cover, skipped images, notes on used images (EXIF
rotation, first frame, several faces), faces that needed the whole-crop fallback
per stage and per model, metadata gaps and groups left out for their size. The
steps that write these tables are in facelime.steps (preprocess, qc).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

WIDTH = 100  # console lines
QC_FIELDS = ("identity", "file", "stage", "action", "reason")
COUNT_FIELDS = ("stage", "images", "fallbacks", "share")
FALLBACK_REASON = "no face detected: the whole crop was taken as the face box (the study's fallback)"
REGIONS_SKIP_REASON = ("no regions explanation: the landmark stage found no face (whole-crop fallback), "
                       "so its regions would not be the face's")


def first_few(items, shown: int = 4) -> str:
    """The first `shown` items joined with '; ', and '; ...' when there are more."""
    items = list(items)
    return "; ".join(items[:shown]) + ("; ..." if len(items) > shown else "")


def run_summary(rows: list[dict], counts: list[dict], identities: int, used: int, max_share: float) -> str:
    """One paragraph a person reads at the end of a run, then one line per warning."""
    def count(action: str, stage: str | None = None) -> int:
        return sum(1 for r in rows if r["action"] == action and (stage is None or r["stage"] == stage))

    left_out = count("identity left out")
    # images the regions explainer left out are counted apart: they were used by every other stage
    regions_skipped = sum(1 for r in rows if r["action"] == "skipped" and r["reason"] == REGIONS_SKIP_REASON)
    skipped, ignored = count("skipped") - regions_skipped, count("ignored", "dataset")
    fallbacks = "; ".join(f"{c['stage']} fallback {c['fallbacks']}/{c['images']} ({c['share']:.0%})" for c in counts)
    paragraph = (f"facelime run summary: {identities - left_out} identities used ({left_out} left out), "
                 f"{used} images used, {skipped} skipped, {ignored} dataset entries ignored; {fallbacks}; "
                 + (f"{regions_skipped} image explanations skipped by regions (no landmarks); " if regions_skipped
                    else "")
                 + f"{count('used')} notes on used images; metadata: {count('no metadata', 'metadata')} identities "
                 f"without a row, {count('group left out', 'metadata')} groups left out. "
                 "Details: results/qc/qc.tsv, results/qc/counts.tsv.")
    warnings = [f"WARNING: {c['stage']}: {c['fallbacks']} of {c['images']} images ({c['share']:.0%}) had no face "
                f"detected and used the whole-crop fallback (more than qc.max_fallback_share, {max_share:.0%}); "
                "are these face crops? See preprocess.detect."
                for c in counts if c["images"] and c["share"] > max_share]
    if skipped:
        # named here, so a user who never opens results/qc/ still knows which files to look at
        files = dict.fromkeys((f"{r['identity']}/{Path(r['file']).name}", r["reason"]) for r in rows
                              if r["action"] == "skipped" and r["reason"] != REGIONS_SKIP_REASON)
        warnings.append(f"WARNING: {skipped} images were skipped (unreadable, too small or no face found): "
                        f"{first_few(f'{file}: {reason}' for file, reason in files)}.")
    dropped = dict.fromkeys(f"{r['identity']}: {r['reason']}" for r in rows
                            if r["action"] == "identity left out" or (r["action"], r["stage"]) == ("ignored", "dataset"))
    if dropped:  # named like the skipped images: which identities the heatmaps lack
        warnings.append(f"NOTE: {left_out} identities left out and {ignored} dataset entries ignored: "
                        f"{first_few(dropped)}.")
    notes = [r for r in rows if r["action"] == "note" and r["stage"] == "metadata"]
    if notes:
        shown = first_few(f"{r['identity']}: {r['reason']}" for r in notes)
        warnings.append(f"NOTE: {len(notes)} identities carry a note in the metadata ({shown}).")
    if count("no metadata", "metadata") or count("no value", "metadata"):
        warnings.append(f"WARNING: {count('no metadata', 'metadata')} identities have no row in the metadata and "
                        f"{count('no value', 'metadata')} have an empty group value: they are in no group heatmap.")
    # wrapped to fit a terminal: the summary is the last thing a run prints
    return "\n".join(textwrap.fill(text, WIDTH, subsequent_indent="  ") for text in [paragraph, *warnings])

"""Time to build the DAG of a study-sized config: 368 identities x 10 images x 8 ONNX models.

A dry run reads no image and loads no model, so empty files stand in for both.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]  # bench/ sits in the repository root


def write_study_config(folder: Path, identities: int = 368, images: int = 10, identities_per_job: int = 1) -> Path:
    root = folder / "vggface2"
    for i in range(identities):
        identity = root / f"n{i:06d}"
        identity.mkdir(parents=True, exist_ok=True)
        for j in range(images):
            (identity / f"{j:04d}_01.jpg").touch()
    models = {}
    for arch in ("R18", "R34", "R50", "R100"):
        for train_set in ("Glint360K", "MS1MV3"):
            path = folder / f"{arch}_{train_set}.onnx"
            path.touch()
            models[f"{arch.lower()}_{train_set.lower()}"] = {
                "backend": "onnx", "path": str(path), "attributes": {"arch": arch, "train_set": train_set}}
    config = folder / "config.yaml"
    settings = {"dataset": {"root": str(root)}, "models": models}
    if identities_per_job > 1:
        settings["explain"] = {"identities_per_job": identities_per_job}
    config.write_text(yaml.safe_dump(settings, sort_keys=False))
    return config


def dry_run(folder: Path, *args: str) -> tuple[float, subprocess.CompletedProcess]:
    """Seconds for `snakemake -n` on folder/config.yaml, and the finished process."""
    command = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--directory", str(folder),
               "--configfile", str(folder / "config.yaml"), "-n", *args]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, cwd=folder)
    return time.perf_counter() - start, result


def startup_s() -> float:
    """Seconds to start Snakemake's command line without a workflow (imports and executor plugins;
    the SLURM plugin asks `scontrol show config`, which waits ~9 s where SLURM's tools are
    installed but no controller answers): the part of dry_run that is not the DAG."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import snakemake.cli"], check=True)
    return time.perf_counter() - start


def job_counts(output: str) -> dict[str, int]:
    """Jobs per rule from Snakemake's job-stats table."""
    counts, in_table = {}, False
    for line in output.splitlines():
        parts = line.split()
        if parts[:2] == ["job", "count"]:
            in_table = True
        elif in_table and len(parts) == 2 and parts[1].isdigit():
            if parts[0] == "total":
                break
            counts[parts[0]] = int(parts[1])
    return counts

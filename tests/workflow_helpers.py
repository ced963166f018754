"""Running the real Snakemake workflow of this repository in a temporary folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # bench/ sits beside the product package

from bench.dag import job_counts  # noqa: E402
SNAKEMAKE = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile")]

# Test-run settings that only make a run cheaper. No workflow test asserts a number that depends on
# them: KL sets keep their CIs, node supports and noise floors (fewer identity resamples than the
# study's 1000 / 50), figures keep every panel (PNG copies at 80 dpi instead of 300; the PDFs are vector).
FAST_COMPARE = {"bootstrap": 40, "noise_splits": 10}
FAST_FIGURES = {"dpi": 80}
# region-share CIs and permutation tests with fewer draws than the study's 2000 / 5000
FAST_REGION_STATS = {"bootstrap": 200, "permutations": 199}


def config_flags(**sections: dict) -> list[str]:
    """`--config` values for Snakemake, one `key={...}` per section (flow style, as on a command line)."""
    return [f"{key}={yaml.safe_dump(value, default_flow_style=True).strip()}" for key, value in sections.items()]


def write_config(folder: Path, config: dict) -> Path:
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def snakemake(folder: Path, *args: str, timeout: int = 2400) -> subprocess.CompletedProcess:
    """Run snakemake with `folder` as working directory and its config.yaml.

    The timeout only stops a hung run: on a 2-core machine shared with other work (load 20+) the
    validity run took over 900 s, which is not a failure of the workflow."""
    env = {**os.environ, "TQDM_DISABLE": "1", "OPENBLAS_NUM_THREADS": "1"}
    command = SNAKEMAKE + ["--directory", str(folder), "--configfile", str(folder / "config.yaml"), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, cwd=folder)


def dry_run_jobs(folder: Path, *args: str) -> dict[str, int]:
    """Job counts per rule of a dry run, from Snakemake's job-stats table."""
    result = snakemake(folder, "-n", "--quiet", "rules", *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return job_counts(result.stdout + result.stderr)


def dry_run_job_list(folder: Path, *args: str) -> list[tuple[str, dict[str, str]]]:
    """(rule, wildcards) of every job a dry run would execute."""
    result = snakemake(folder, "-n", "--quiet", "host", *args)  # the job blocks the default profile keeps quiet
    assert result.returncode == 0, result.stdout + result.stderr
    jobs: list[tuple[str, dict[str, str]]] = []
    for line in (result.stdout + result.stderr).splitlines():
        stripped = line.strip()
        if stripped.startswith(("rule ", "localrule ", "checkpoint ")) and stripped.endswith(":"):
            jobs.append((stripped.split()[1].rstrip(":"), {}))
        elif stripped.startswith("wildcards:") and jobs:
            for pair in stripped[len("wildcards:"):].split(","):
                key, _, value = pair.strip().partition("=")
                jobs[-1][1][key] = value
    return jobs


def assert_same_results(first: Path, second: Path, part: bool = False) -> int:
    """Every .npz array and .tsv table under two results folders is identical; returns the file count.

    part: `second` holds part of the run (e.g. no figure jobs): each of its files is in `first`, the same."""
    import numpy as np

    from facelime.storage import load_arrays

    def files(folder: Path, pattern: str) -> list[Path]:
        return sorted(p.relative_to(folder) for p in folder.rglob(pattern) if not p.name.startswith("."))

    npz, tables = files(second, "*.npz"), files(second, "*.tsv")
    for made, pattern in ((npz, "*.npz"), (tables, "*.tsv")):
        everything = files(first, pattern)
        assert made and (set(made) <= set(everything) if part else made == everything)
    for path in npz:
        a, b = load_arrays(first / path), load_arrays(second / path)
        assert sorted(a) == sorted(b), path
        for key in a:
            np.testing.assert_array_equal(a[key], b[key], err_msg=f"{path}:{key}")
    for path in tables:
        assert (first / path).read_text() == (second / path).read_text(), path
    return len(npz) + len(tables)

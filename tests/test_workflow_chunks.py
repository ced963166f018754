"""explain.identities_per_job: several identities per explain job, the same files and numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import region_model
from workflow_helpers import job_counts, snakemake, write_config

from facelime.storage import load_arrays

pytestmark = pytest.mark.workflow

IDENTITIES = ["anna", "ben", "carl"]


def small_dataset(folder: Path, face: np.ndarray) -> Path:
    """Three identities of two images each: the test face, mirrored and shifted so that each differs."""
    import cv2

    root = folder / "faces"
    for i, identity in enumerate(IDENTITIES):
        (root / identity).mkdir(parents=True)
        for j, image in enumerate((face, face[:, ::-1])):
            shifted = np.roll(image, 3 * i + j, axis=1)
            cv2.imwrite(str(root / identity / f"{j:02d}.png"), shifted[:, :, ::-1])
    return root


def chunk_config(folder: Path, root: Path, model: Path, per_job: int) -> None:
    write_config(folder, {"dataset": {"root": str(root)},
                          "lime": {"num_samples": 30},
                          "models": {"region": {"backend": "onnx", "path": str(model), "device": "cpu"}},
                          "explain": {"identities_per_job": per_job}})


def test_chunked_jobs_write_the_same_masks(tmp_path, face_crop):
    root = small_dataset(tmp_path, face_crop)
    model = region_model(tmp_path / "region.onnx")
    targets = [f"results/masks/region/{identity}.npz" for identity in IDENTITIES]
    runs = {}
    for per_job in (1, 2):
        folder = tmp_path / f"per_job_{per_job}"
        folder.mkdir()
        chunk_config(folder, root, model, per_job)
        dry = snakemake(folder, "-n", *targets, "--quiet", "rules")  # targets between one-value flags
        assert dry.returncode == 0, dry.stderr[-3000:]
        counts = job_counts(dry.stdout + dry.stderr)
        explain_jobs = {rule: n for rule, n in counts.items() if rule.startswith("explain")}
        assert explain_jobs == ({"explain": 3} if per_job == 1 else {"explain_0": 1, "explain_1": 1})
        result = snakemake(folder, "--cores", "2", *targets)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        runs[per_job] = {identity: load_arrays(folder / f"results/masks/region/{identity}.npz")
                         for identity in IDENTITIES}
    for identity in IDENTITIES:
        one, chunked = runs[1][identity], runs[2][identity]
        assert sorted(one) == sorted(chunked)
        for key in one:
            np.testing.assert_array_equal(one[key], chunked[key], err_msg=f"{identity}:{key}")


def test_explain_knobs_reach_the_chunk_rules(tmp_path, face_crop):
    """set-threads / set-resources for `explain` (as the profiles give them) apply to explain_<n> too."""
    root = small_dataset(tmp_path, face_crop)
    chunk_config(tmp_path, root, region_model(tmp_path / "region.onnx"), 2)
    result = snakemake(tmp_path, "-n", "results/masks/region/anna.npz", "--cores", "4", "--set-threads", "explain=3",
                       "--set-resources", "explain:gpu=1", "--resources", "gpu=1", "--quiet", "host")
    assert result.returncode == 0, result.stderr[-3000:]
    output = result.stdout + result.stderr
    block = output[output.index("rule explain_0:"):]
    block = block[: block.index("\n\n")] if "\n\n" in block else block
    assert "threads: 3" in block and "gpu=1" in block


def test_identities_per_job_refused_for_the_demo(tmp_path):
    write_config(tmp_path, {"dataset": {"demo": True}, "explain": {"identities_per_job": 4}})
    result = snakemake(tmp_path, "-n")
    assert result.returncode != 0
    assert "explain.identities_per_job: more than 1 needs dataset.root" in result.stdout + result.stderr

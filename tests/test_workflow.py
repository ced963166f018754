"""The Snakemake workflow end to end on a small dataset, and the DAG of a study-sized config."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from conftest import region_model
from workflow_helpers import dry_run_jobs, snakemake, write_config

from facelime.demo import build_demo_dataset
from facelime.storage import load_arrays


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """Three demo identities, the dlib model and a test-built ONNX model, 12 LIME samples."""
    work = tmp_path_factory.mktemp("run")
    build_demo_dataset(work / "data", work / "identities.csv")
    config = {
        "seed": 7,
        "dataset": {"root": str(work / "data"), "metadata": str(work / "identities.csv"),
                    "identities": ["astronaut", "t1_face2", "tom_hanks"]},
        "lime": {"num_samples": 12},
        "models": {
            "dlib_resnet": {"backend": "dlib", "attributes": {"arch": "ResNet-29", "train_set": "dlib"}},
            "region": {"backend": "onnx", "path": str(region_model(work / "region.onnx")), "device": "cpu",
                       "attributes": {"arch": "linear", "train_set": "none"}},
        },
    }
    write_config(work, config)
    result = snakemake(work, "--cores", "2")
    assert result.returncode == 0, result.stderr[-4000:]
    return work


def test_masks_and_sheets_for_every_model_and_identity(small_run):
    for model in ("dlib_resnet", "region"):
        for identity in ("astronaut", "t1_face2", "tom_hanks"):
            masks = load_arrays(small_run / "results" / "masks" / model / f"{identity}.npz")
            n = len(masks["images"])
            assert n == 2
            assert masks["score_maps"].shape == (2, 112, 112) and masks["score_maps"].dtype == np.float32
            assert masks["segments"].shape == (2, 112, 112)
            assert masks["sample_scores"].shape == (2, 12)
            np.testing.assert_allclose(masks["sample_scores"][:, 0], 1.0, atol=1e-6)
            assert np.all(masks["score_maps"] >= 0)
            for i in range(n):
                k = masks["num_superpixels"][i]
                assert np.all(np.isfinite(masks["coefficients"][i, :k]))
                assert np.allclose(masks["score_maps"][i], np.maximum(masks["coefficients"][i][masks["segments"][i]], 0))
            sheets = sorted(p.name for p in (small_run / "results" / "sheets" / model / identity).glob("*.png"))
            assert sheets == [f"{name}.png" for name in masks["images"]]


def test_rerun_has_nothing_to_do(small_run):
    assert dry_run_jobs(small_run) == {}


def test_study_sized_dag(tmp_path):
    """368 identities x 10 images x 8 ONNX models: the DAG builds (a dry run reads no image)."""
    root = tmp_path / "vggface2"
    for i in range(368):
        folder = root / f"n{i:06d}"
        folder.mkdir(parents=True)
        for j in range(10):
            (folder / f"{j:04d}_01.jpg").touch()
    models = {}
    for arch in ("R18", "R34", "R50", "R100"):
        for train_set in ("Glint360K", "MS1MV3"):
            path = tmp_path / f"{arch}_{train_set}.onnx"
            path.touch()
            models[f"{arch.lower()}_{train_set.lower()}"] = {
                "backend": "onnx", "path": str(path), "attributes": {"arch": arch, "train_set": train_set}}
    write_config(tmp_path, {"dataset": {"root": str(root)}, "models": models})
    start = time.perf_counter()
    counts = dry_run_jobs(tmp_path)
    print(f"study-sized dry run: {time.perf_counter() - start:.1f} s, {sum(counts.values())} jobs")
    assert counts["crop_and_segment"] == 368
    assert counts["explain"] == 368 * 8

"""The single-image command line writes the same score map as the library, without Snakemake."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import yaml
from conftest import region_model

from facelime.images import load_rgb, save_rgb


def region_model_command(tmp_path, face_crop) -> list[str]:
    """`facelime explain face.png --model region` with a config holding the test-built region model."""
    model = region_model(tmp_path / "region.onnx")
    config = {"dataset": {"demo": True}, "lime": {"num_samples": 60},
              "models": {"region": {"backend": "onnx", "path": str(model), "device": "cpu"}}}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    save_rgb(tmp_path / "face.png", face_crop)
    return [sys.executable, "-m", "facelime.cli", "explain", str(tmp_path / "face.png"), "--model", "region",
            "--config", str(tmp_path / "config.yaml"), "--out", str(tmp_path / "out")]


def test_cli_explain(tmp_path, face_crop):
    command = region_model_command(tmp_path, face_crop)
    out = tmp_path / "out"
    first = subprocess.run(command, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    score_map = np.load(out / "face.region.score_map.npy", allow_pickle=False)
    assert score_map.shape == (112, 112) and score_map.dtype == np.float32
    # the region model only sees rows 28:56, cols 56:84: the score is highest there
    assert score_map[28:56, 56:84].mean() > 3 * score_map.mean() - 1e-9 and score_map.max() > 0
    assert load_rgb(out / "face.region.overlay.png").shape == (112, 112, 3)
    assert (out / "face.region.sheet.png").stat().st_size > 1000
    subprocess.run(command, check=True, capture_output=True)
    np.testing.assert_array_equal(score_map, np.load(out / "face.region.score_map.npy"))


def test_cli_unknown_model_and_bad_image(tmp_path):
    config = {"dataset": {"demo": True}, "models": {"dlib_resnet": {"backend": "dlib"}}}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    base = [sys.executable, "-m", "facelime.cli", "explain", "--config", str(tmp_path / "config.yaml")]
    unknown = subprocess.run(base + [str(tmp_path / "broken.jpg"), "--model", "r100"], capture_output=True, text=True)
    assert unknown.returncode != 0 and "model 'r100' is not in" in unknown.stderr
    broken = subprocess.run(base + [str(tmp_path / "broken.jpg"), "--model", "dlib_resnet"], capture_output=True, text=True)
    assert broken.returncode == 1
    assert f"{tmp_path / 'broken.jpg'}:" in broken.stderr and "Traceback" not in broken.stderr


def test_cli_pair_mode_explains_the_match_with_another_image(tmp_path, face_crop):
    base = region_model_command(tmp_path, face_crop)
    save_rgb(tmp_path / "other.png", np.ascontiguousarray(face_crop[::-1]))
    out = tmp_path / "out"
    pair = subprocess.run(base + ["--pair", str(tmp_path / "other.png")], capture_output=True, text=True)
    assert pair.returncode == 0, pair.stderr
    own = subprocess.run(base, capture_output=True, text=True)
    assert own.returncode == 0, own.stderr
    assert f"similarity (cos+1)/2 to {tmp_path / 'other.png'}: 0." in pair.stdout
    pair_map = np.load(out / "face.pair-other.region.score_map.npy", allow_pickle=False)
    own_map = np.load(out / "face.region.score_map.npy", allow_pickle=False)
    assert pair_map.shape == own_map.shape and not np.allclose(pair_map, own_map)
    from PIL import Image

    # the pair sheet shows the other image as a fifth panel
    assert Image.open(out / "face.pair-other.region.sheet.png").size[0] == 1250
    assert Image.open(out / "face.region.sheet.png").size[0] == 1000
    assert "60 LIME samples" in own.stdout and "region, " in own.stdout


def test_cli_default_model_is_the_first_in_the_config(tmp_path, face_crop):
    base = region_model_command(tmp_path, face_crop)
    without = [arg for i, arg in enumerate(base) if arg != "--model" and (i == 0 or base[i - 1] != "--model")]
    result = subprocess.run(without, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert ": region, 60 LIME samples" in result.stdout

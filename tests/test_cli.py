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
    assert "pair: cosine " in pair.stdout and f"(cos+1)/2 0." in pair.stdout and str(tmp_path / "other.png") in pair.stdout
    assert "match" not in pair.stdout  # no match_threshold in the config: no verdict
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


def test_cli_needs_no_dataset_for_one_image(tmp_path, monkeypatch):
    """A config with only `models:` is enough for the CLI, while the workflow still demands a dataset."""
    import pytest

    from facelime.cli import cli_config
    from facelime.config import validate_config
    from facelime.errors import ConfigError

    model = region_model(tmp_path / "region.onnx")
    (tmp_path / "cli.yaml").write_text(yaml.safe_dump({"models": {"region": {"backend": "onnx", "path": str(model)}}}))
    config, source = cli_config(str(tmp_path / "cli.yaml"), None)
    assert sorted(config["models"]) == ["region"] and source == str(tmp_path / "cli.yaml")
    assert config["lime"]["num_samples"] == 1000  # every other key: the study's default
    with pytest.raises(ConfigError, match="dataset.root"):
        validate_config(yaml.safe_load((tmp_path / "cli.yaml").read_text()))
    # no --config and no ./config.yaml: dlib's ResNet, not an error
    monkeypatch.chdir(tmp_path)
    config, source = cli_config(None, None)
    assert list(config["models"]) == ["dlib_resnet"] and "schema defaults" in source
    # --onnx: that file alone, with ArcFace's input defaults
    config, source = cli_config(None, str(model))
    assert list(config["models"]) == ["region"] and "--onnx" in source
    spec = config["models"]["region"]
    assert (spec["backend"], spec["color_order"], spec["mean"], spec["std"]) == ("onnx", "RGB", [127.5] * 3, [127.5] * 3)
    # ./config.yaml is read when there is one
    (tmp_path / "config.yaml").write_text((tmp_path / "cli.yaml").read_text())
    assert cli_config(None, None)[1] == "config.yaml"


def test_pair_similarity_lines_say_the_verdict_only_with_a_threshold():
    from facelime.cli import similarity_lines

    assert similarity_lines(0.12, None, "b.jpg") == ["cosine 0.120, (cos+1)/2 0.560 to b.jpg"]
    below = similarity_lines(0.12, 0.3, "b.jpg")
    assert below[1] == "not a match: below the model's match_threshold 0.3"
    assert similarity_lines(0.3, 0.3, "b.jpg")[1] == "a match: at or above the model's match_threshold 0.3"


def test_every_cli_flag_has_help_with_its_default():
    from facelime.cli import build_parser

    parser = build_parser()
    explain = parser._subparsers._group_actions[0].choices["explain"]
    flags = [a for a in explain._actions if a.option_strings and a.dest != "help"]
    assert {a.dest for a in flags} >= {"config", "onnx", "model", "method", "out", "samples", "seed", "crop_fraction",
                                       "detect", "pair"}
    for action in flags:
        assert action.help and "default" in action.help, action.dest
    method = next(a for a in flags if a.dest == "method")
    from facelime.explainers import METHODS

    assert list(method.choices) == list(METHODS)  # a new explainer appears in the CLI by itself


def test_cli_other_method_with_a_threshold_and_crop_fraction(tmp_path, face_crop):
    base = region_model_command(tmp_path, face_crop)
    config = yaml.safe_load((tmp_path / "config.yaml").read_text())
    config["models"]["region"]["match_threshold"] = 0.99
    config["models"]["region"]["display_name"] = "Region net"
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    save_rgb(tmp_path / "other.png", np.ascontiguousarray(face_crop[::-1]))
    result = subprocess.run(base + ["--method", "rise", "--samples", "40", "--crop-fraction", "0.8",
                                    "--pair", str(tmp_path / "other.png")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Region net, rise, 40 forward passes" in result.stdout
    assert "not a match: below the model's match_threshold 0.99" in result.stdout
    # RISE's budget floor: 40 masks for a 7x7 grid is below 5 per cell
    assert "warning: explain.rise: 40 masks for a 7x7 grid" in result.stderr
    assert (tmp_path / "out" / "face.pair-other.region.rise.score_map.npy").is_file()


def test_sheet_titles_stay_on_the_sheet_and_numbers_sit_in_their_superpixel(face_crop):
    """A long "matched with ..." title was cut off at the sheet's left edge; numbers name superpixels."""
    import matplotlib.pyplot as plt

    from facelime.segmentation import superpixels
    from facelime.sheets import sheet_figure, sheet_title, superpixel_label_points

    segments = superpixels(face_crop, "slic", 30, 20, seed=0)
    title = sheet_title("MobileFaceNet", "Angelina_Jolie_0001 vs Abdullah_Gul_0001", "lime", 50, 36, 0.96)
    assert "50 LIME samples" in title and "36 superpixels" in title and "R² 0.96" in title
    fig = sheet_figure(face_crop, segments, np.random.default_rng(0).random((112, 112)), title,
                       other=face_crop, other_title="matched with Angelina_Jolie_0001_and_a_long_suffix")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    width = fig.bbox.width
    texts = [ax.title for ax in fig.axes] + [fig._suptitle]
    assert any("matched with" in t.get_text() for t in texts)
    for text in texts:
        box = text.get_window_extent(renderer)
        assert box.x0 >= 0 and box.x1 <= width, text.get_text()
    numbers = [t.get_text() for t in fig.axes[2].texts]
    assert sorted(map(int, numbers)) == list(range(int(segments.max()) + 1))
    plt.close(fig)
    for label, (x, y) in superpixel_label_points(segments).items():
        assert segments[int(y), int(x)] == label


def test_cli_regions_prints_the_exact_region_table_and_refuses_a_crop_without_a_face(tmp_path, face_crop):
    command = region_model_command(tmp_path, face_crop) + ["--method", "regions"]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("region"))
    rows = [line.split() for line in lines[header + 1: header + 8]]
    assert sorted(r[0] for r in rows) == sorted(["eyes", "eyebrows", "nose", "mouth", "forehead", "cheeks_jaw",
                                                 "background"])
    total = float(lines[header + 8].split()[1])
    assert abs(sum(float(r[1]) for r in rows) - total) < 1e-3  # efficiency, as printed to 4 decimals
    assert abs(sum(float(r[2].rstrip("%")) for r in rows) - 100) < 0.5  # shares of sum |phi|
    score_map = np.load(tmp_path / "out" / "face.region.regions.score_map.npy")
    assert len(np.unique(score_map)) <= 8  # one value painted per region (and zero)
    grey = np.full((112, 112, 3), 128, np.uint8)
    save_rgb(tmp_path / "grey.png", grey)
    command[command.index(str(tmp_path / "face.png"))] = str(tmp_path / "grey.png")
    refused = subprocess.run(command, capture_output=True, text=True)
    assert refused.returncode != 0 and "grey.png: no face found in the crop for --method regions" in refused.stderr

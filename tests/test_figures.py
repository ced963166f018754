"""Publication figures: the colour scale, the files each figure writes, display settings, paths."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from facelime import figures
from facelime.config import validate_config
from facelime.errors import ConfigError
from facelime.groups import identity_groups
from facelime.qc import run_summary
from facelime.steps.figures import figure_grid, figure_index
from facelime.storage import save_arrays


@pytest.fixture(autouse=True)
def default_style():
    saved = dict(figures.STYLE)
    yield
    figures.STYLE.clear()
    figures.STYLE.update(saved)


def test_shared_scale_shows_density_so_scaled_copies_look_the_same():
    rng = np.random.default_rng(0)
    base = rng.random((20, 16))
    # a model's map and the same map at another scale (as over-models aggregates are) are one density
    np.testing.assert_allclose(figures.panel_values(base, "shared"), figures.panel_values(1e-3 * base, "shared"))
    assert figures.panel_values(base, "shared").mean() == pytest.approx(1.0)
    flat = figures.panel_values(np.full((4, 4), 7.0), "shared")
    assert np.allclose(flat, 1.0)  # mass spread evenly: 1 everywhere
    stretched = figures.panel_values(base, "per_panel")
    assert stretched.min() == 0 and stretched.max() == 1
    vmin, vmax, label = figures.colour_scale([flat, figures.panel_values(base, "shared")], "shared")
    assert vmin == 0 and vmax == pytest.approx(figures.panel_values(base, "shared").max()) and "density" in label
    assert figures.colour_scale([stretched], "per_panel")[:2] == (0.0, 1.0)


def test_grid_writes_grey_and_jet_as_png_and_pdf_with_one_scale(tmp_path):
    rng = np.random.default_rng(1)
    paths = []
    for k in range(3):
        paths.append(tmp_path / f"h{k}.npz")
        save_arrays(paths[-1], mean=(rng.random((275, 224)) * (k + 1) ** 3).astype(np.float32))
    # records: each panel carries its own file, so titles and files cannot fall out of step
    rows = [{"label": "female (n=3)", "panels": [{"title": "A", "path": str(paths[0])},
                                                 {"title": "B", "path": str(paths[1])}]},
            {"label": "male (n=2)", "panels": [{"title": "C", "path": str(paths[2])}]}]
    out = {c: str(tmp_path / f"g.{c}.png") for c in ("grey", "jet")}
    figures.use_style({"dpi": 100, "scale": "shared"})
    figure_grid(rows=rows, title="t", panels=str(tmp_path / "g.panels.tsv"), **out)
    for path in out.values():
        assert Image.open(path).format == "PNG"
        assert open(path.replace(".png", ".pdf"), "rb").read(5) == b"%PDF-"
    lines = [line.split("\t") for line in (tmp_path / "g.panels.tsv").read_text().splitlines()]
    table = [dict(zip(lines[0], line)) for line in lines[1:]]
    assert [r["row"] for r in table] == ["female (n=3)", "female (n=3)", "male (n=2)"]
    assert [r["heatmap"] for r in table] == [str(p) for p in paths]
    assert len({r["vmax"] for r in table}) == 1
    small = Image.open(out["jet"]).size
    figures.use_style({"dpi": 200})
    figure_grid(rows=rows, title="t", panels=str(tmp_path / "g.panels.tsv"), **out)
    assert Image.open(out["jet"]).size[0] == pytest.approx(2 * small[0], rel=0.05)  # dpi reaches the PNG


def test_index_lists_every_figure_and_prints_one_line_for_the_person_figures(tmp_path):
    files = {"heatmaps by net": ["results/figures/nets.grey.png", "results/figures/nets.grey.pdf"],
             "heatmaps by person and net: a": ["results/figures/person_net/a.jet.png"],
             "heatmaps by person and net: b": ["results/figures/person_net/b.jet.png"]}
    figure_index(figures=[{"description": d, "files": f} for d, f in files.items()],
                 index=str(tmp_path / "index.tsv"), listing=str(tmp_path / "index.txt"))
    assert len((tmp_path / "index.tsv").read_text().splitlines()) == 4
    listing = (tmp_path / "index.txt").read_text()
    assert "results/figures/nets.grey.{pdf,png}" in listing and listing.count("person_net") == 1
    assert "2 person figures" in listing


def test_model_dir_resolves_relative_model_paths_and_names_a_missing_folder(tmp_path, region_onnx):
    config = {"dataset": {"demo": True}, "model_dir": str(region_onnx.parent),
              "models": {"r": {"backend": "onnx", "path": region_onnx.name}}}
    validate_config(config)
    assert config["models"]["r"]["path"] == str(region_onnx)
    with pytest.raises(ConfigError, match=f"model_dir: folder not found: {tmp_path / 'nope'}"):
        validate_config({"dataset": {"demo": True}, "model_dir": str(tmp_path / "nope")})


def test_shipped_metadata_is_found_from_any_working_directory(tmp_path, monkeypatch):
    from conftest import REPO

    monkeypatch.chdir(tmp_path)
    (tmp_path / "data" / "n000009").mkdir(parents=True)
    config = {"dataset": {"root": str(tmp_path / "data"), "metadata": "config/thesis_identities.csv"}}
    validate_config(config, workflow_dir=REPO)
    assert config["dataset"]["metadata"] == str(REPO / "config" / "thesis_identities.csv")
    with pytest.raises(ConfigError, match="dataset.metadata: file not found: config/thesis_identities.csv"):
        validate_config({"dataset": {"root": str(tmp_path / "data"), "metadata": "config/thesis_identities.csv"}})


def test_a_metadata_note_is_shown_and_is_never_a_grouping():
    metadata = {i: {"identity": i, "gender": g, "note": n} for i, g, n in
                [("a", "male", "study lists male; meta says female"), ("b", "female", ""), ("c", "male", ""),
                 ("d", "female", "")]}
    qc = []
    found = identity_groups(metadata, ["a", "b", "c", "d"], qc=qc)
    assert list(found) == ["gender"]
    assert [(r["identity"], r["action"]) for r in qc] == [("a", "note")]
    summary = run_summary(qc, [], identities=4, used=8, max_share=0.1)
    assert "NOTE: 1 identities carry a note in the metadata (a: study lists male; meta says female)" \
        in summary.replace("\n  ", " ")


def test_thesis_table_is_the_study_368_with_the_four_disagreements_noted():
    import csv

    from conftest import REPO

    with open(REPO / "config" / "thesis_identities.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 368 == len({r["identity"] for r in rows})
    count = lambda column, value: sum(r[column] == value for r in rows)  # noqa: E731
    assert (count("ethnicity", "african"), count("ethnicity", "asian"), count("ethnicity", "caucasian")) == (21, 39, 308)
    assert (count("gender", "male"), count("gender", "female")) == (230, 138)
    assert sorted(r["identity"] for r in rows if r["note"]) == ["n000838", "n001256", "n001710", "n001878"]


def test_density_is_over_the_face_region_and_says_so():
    face = np.zeros((10, 8), bool)
    face[2:8, 2:6] = True
    mean = np.zeros((10, 8))
    mean[face] = 3.0
    mean[0, 0] = 30.0  # background mass does not set the face's unit
    values = figures.panel_values(mean, "shared", face)
    assert values[face].mean() == pytest.approx(1.0)
    assert figures.panel_values(mean, "shared").mean() == pytest.approx(1.0)  # without a mask: over the canvas
    assert "over the face region" in figures.colour_scale([values], "shared", over_face=True)[2]
    assert "whole canvas" in figures.colour_scale([values], "shared")[2]


def test_feature_outline_is_drawn_on_canonical_panels_only_when_on(tmp_path):
    landmarks = np.column_stack([np.linspace(20, 200, 68), np.linspace(40, 260, 68)])
    contours = figures.feature_contours(landmarks)
    assert len(contours) == 9 and sum(len(c) for c in contours) == 68 + 4  # 4 closed contours repeat their start
    eye = contours[5]
    np.testing.assert_array_equal(eye[0], eye[-1])
    maps = [np.zeros((275, 224))]
    rows = [{"label": "", "titles": ["a"]}]
    figures.use_style({"dpi": 60})
    figures.draw_heatmap_grid(rows, maps, tmp_path / "with.png", "t", "grey", outline=contours)
    figures.use_style({"outline": False})
    figures.draw_heatmap_grid(rows, maps, tmp_path / "without.png", "t", "grey", outline=contours)
    with_outline = np.asarray(Image.open(tmp_path / "with.png").convert("L"), float)
    without = np.asarray(Image.open(tmp_path / "without.png").convert("L"), float)
    assert with_outline.shape == without.shape and (with_outline > without + 40).sum() > 50  # white lines on black


def test_readable_names_and_one_meaning_of_n():
    from facelime.steps.compare import identity_and_image_counts

    from facelime.names import readable

    assert readable("train_set") == "train set" and readable("Angelina_Jolie") == "Angelina Jolie"
    assert readable("n000001") == "n000001"
    # n counts identities, images its own column; an identity whose images were all skipped counts for neither
    assert identity_and_image_counts(["a", "b", "c"], {"a": 2, "b": 3, "c": 0}) == (2, 5)
    assert identity_and_image_counts(["a"], {"a": 2}) == (1, 2)


def test_heatmap_caption_follows_the_settings():
    from facelime.report_text import heatmap_figure_caption

    lime = {"num_samples": 250, "segmentation": "quickshift", "n_segments": 30, "compactness": 20,
            "kernel_width": 0.25, "sampling": "lime", "reference": "self", "keep": "all"}
    grey = heatmap_figure_caption("Heatmaps by net", "grey", {"scale": "per_panel", "outline": False}, lime,
                                  ["lime"], {}, 3)
    assert "grey colour map" in grey and "JET" not in grey and "stretched to [0, 1] on its own" in grey
    assert "250 samples" in grey and "quickshift" in grey and "SLIC" not in grey and "lime.keep: all" in grey
    assert "figures.outline: false" in grey and "seed 3" in grey
    jet = heatmap_figure_caption("Heatmaps by explainer and net", "jet", {"scale": "shared", "outline": True},
                                 {**lime, "segmentation": "slic", "keep": "positive"}, ["lime", "rise"],
                                 {"rise": {"num_masks": None, "grid": 7}}, 0)
    assert "JET colour map" in jet and "mean over the canonical face region" in jet and "SLIC" in jet
    assert "positive evidence only" in jet and "RISE with 250 masks on a 7x7 grid" in jet and "contours" in jet


def test_region_chart_has_no_all_nets_bars_with_one_net(tmp_path):
    from facelime.canonical import REGIONS

    shares = {r: 1 / len(REGIONS) for r in REGIONS}
    rows = [{"kind": kind, "heatmap": name, "n": 2, "images": 4, **shares, **{f"{r}_density": 1.0 for r in REGIONS}}
            for kind, name in (("model", "MobileFaceNet"), ("all_models", "all nets"), ("identity", "a"))]
    figures.use_style({"dpi": 50})
    figures.draw_region_shares(rows, tmp_path / "one.png", one_net=True)
    figures.draw_region_shares(rows, tmp_path / "two.png", one_net=False)
    # one bar group (the net) instead of two: the chart is shorter by a group's height
    assert Image.open(tmp_path / "one.png").size[1] < Image.open(tmp_path / "two.png").size[1]


def test_heatmap_caption_names_the_regions_explainer_and_its_players():
    from facelime.report_text import explainer_text

    lime = {"num_samples": 250, "segmentation": "slic", "n_segments": 30, "compactness": 20,
            "kernel_width": 0.25, "sampling": "lime", "reference": "self"}
    assert "regions" not in explainer_text(["lime"], lime, {})
    assert "7 landmark regions (all 128 coalitions)" in explainer_text(["lime", "regions"], lime, {})
    split = explainer_text(["regions"], lime, {"regions": {"split_sides": True}})
    assert "10 landmark regions (all 1024 coalitions)" in split


def test_the_summary_names_each_skipped_image_once_with_its_reason():
    """A user who never opens results/qc/ learns which files were skipped and why (a file's two
    identical rows, written by two stages' jobs, name it once)."""
    row = {"identity": "a", "file": "/data/a/broken.jpg", "stage": "crop_and_segment", "action": "skipped",
           "reason": "not an image file (format not recognised)"}
    others = [{**row, "identity": f"b{i}", "file": f"/data/b{i}/x.jpg", "reason": "no face found"} for i in range(4)]
    summary = run_summary([row, row], [], identities=1, used=1, max_share=0.1).replace("\n  ", " ")
    assert "were skipped (unreadable, too small or no face found): a/broken.jpg: not an image file " \
           "(format not recognised)." in summary
    many = run_summary([row, *others], [], identities=5, used=1, max_share=0.1).replace("\n  ", " ")
    assert "a/broken.jpg" in many and "b2/x.jpg: no face found; ..." in many and "b3/x.jpg" not in many


def test_the_summary_names_the_identities_left_out_and_the_entries_ignored():
    rows = [{"identity": "broken", "file": "", "stage": "crop_and_segment", "action": "identity left out",
             "reason": "no usable image among 2"},
            {"identity": "empty", "file": "/data/empty", "stage": "dataset", "action": "ignored",
             "reason": "no images in the identity folder: identity left out"}]
    summary = run_summary(rows, [], identities=3, used=4, max_share=0.1).replace("\n  ", " ")
    assert "2 identities used (1 left out)" in summary and "1 dataset entries ignored" in summary
    assert ("NOTE: 1 identities left out and 1 dataset entries ignored: broken: no usable image among 2; "
            "empty: no images in the identity folder: identity left out.") in summary
    assert "left out and" not in run_summary([], [], identities=3, used=4, max_share=0.1)

"""Real input that used to give a wrong result without a word (issue: real data in, right science out).

Each case is a known answer on images and files the test makes itself.
"""

from __future__ import annotations

import copy
from importlib import resources

import numpy as np
import pytest
from conftest import SHARED
from PIL import Image

from facelime.canonical import region_shares
from facelime.config import validate_config
from facelime.dataset import image_ids, read_identity_metadata, scan_dataset
from facelime.errors import BadImageError, ConfigError
from facelime.groups import identity_groups
from facelime.heatmaps import heatmap_outputs, mass, models_equal_mean
from facelime.images import load_rgb
from facelime.steps.heatmaps import aggregate_heatmap
from facelime.storage import load_arrays, save_arrays

DEMO = {"dataset": {"demo": True}}


# --- 1 and 8: the config ------------------------------------------------------------------
def test_keys_left_out_take_the_study_defaults_not_the_demo():
    config = validate_config(copy.deepcopy(DEMO))
    assert config["lime"]["num_samples"] == 1000  # the demo's config.yaml says 250
    assert list(config["models"]) == ["dlib_resnet"] and config["models"]["dlib_resnet"]["backend"] == "dlib"
    assert config["preprocess"]["detect"] == "none" and config["qc"]["max_fallback_share"] == 0.10


def test_command_line_strings_take_the_schema_types():
    # what Snakemake's --config 'lime={num_samples: 300}' hands over
    config = validate_config({"dataset": {"demo": "true"}, "lime": {"num_samples": "300", "kernel_width": "0.5"},
                              "validity": {"stability": {"num_samples": ["250", "500"]}}, "seed": "7"})
    assert config["lime"]["num_samples"] == 300 and config["lime"]["kernel_width"] == 0.5
    assert config["dataset"]["demo"] is True and config["seed"] == 7
    assert config["validity"]["stability"]["num_samples"] == [250, 500]
    with pytest.raises(ConfigError, match=r"^config key lime\.num_samples: 'many' is not of type 'integer'$"):
        validate_config({"dataset": {"demo": True}, "lime": {"num_samples": "many"}})


@pytest.mark.parametrize("change, message", [
    ({"colour": "red"}, r"^config key colour: unknown key \(allowed here: canonical, classify, compare, dataset, "),
    ({"lime": {"num_sampels": 5}}, r"^config key lime\.num_sampels: unknown key \(allowed here: .*num_samples"),
    ({"seed": -1}, r"^config key seed: -1 is less than the minimum of 0$"),
    ({"preprocess": {"detect": "mtcnn"}}, r"^config key preprocess\.detect: 'mtcnn' is not one of \['none', 'hog', 'yunet'\]$"),
    ({"preprocess": {"align": "norm_crop"}}, r"^config key preprocess\.align: norm_crop needs face landmarks"),
    ({"preprocess": {"detect": "yunet"}}, r"^config key preprocess\.yunet_model: no file given$"),
])
def test_a_config_error_is_one_short_line(change, message):
    config = copy.deepcopy(DEMO)
    for key, value in change.items():
        config[key] = {**config.get(key, {}), **value} if isinstance(value, dict) else value
    with pytest.raises(ConfigError, match=message) as caught:
        validate_config(config)
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 400


# --- 2 and 6: images and layouts ----------------------------------------------------------
def upright_pattern() -> np.ndarray:
    """A 60 x 90 image whose orientation is plain: red top-left block, blue bottom strip."""
    image = np.full((60, 90, 3), 200, np.uint8)
    image[:20, :30] = (255, 0, 0)
    image[50:] = (0, 0, 255)
    return image


@pytest.mark.parametrize("suffix", [".jpg", ".png"])
def test_exif_orientation_is_applied(tmp_path, suffix):
    upright = upright_pattern()
    stored = np.rot90(upright, 1)  # orientation 6: the viewer turns it 90 degrees clockwise
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / f"phone{suffix}"
    Image.fromarray(np.ascontiguousarray(stored)).save(path, exif=exif, **({"quality": 98} if suffix == ".jpg" else {}))
    notes = []
    loaded = load_rgb(path, notes)
    assert loaded.shape == upright.shape
    assert np.abs(loaded.astype(int) - upright).mean() < 3
    assert notes == ["rotated upright by its EXIF orientation tag (6)"]


def test_gifs_are_read_and_animation_is_noted(tmp_path):
    frames = [Image.fromarray(np.full((40, 40, 3), v, np.uint8)) for v in (30, 220)]
    frames[0].save(tmp_path / "still.gif")
    frames[0].save(tmp_path / "moving.gif", save_all=True, append_images=frames[1:], duration=100)
    notes = []
    assert load_rgb(tmp_path / "still.gif", notes).mean() == pytest.approx(30, abs=2) and notes == []
    assert load_rgb(tmp_path / "moving.gif", notes).mean() == pytest.approx(30, abs=2)
    assert notes == ["animated image (2 frames): the first frame was used"]


def test_same_stem_images_keep_distinct_names():
    assert image_ids(["a/x.jpg", "a/x.png", "a/y.jpg", "a/X.PNG"]) == ["x.jpg", "x.png", "y", "X.PNG"]


def make_tree(root, files):
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.zeros((40, 40, 3), np.uint8)).save(path) if path.suffix != ".txt" else path.write_text("x")


def test_flat_folder_is_refused_in_one_line(tmp_path):
    make_tree(tmp_path, ["a.jpg", "b.png"])
    with pytest.raises(ConfigError, match=r"holds 2 images but no identity folders; the layout is "
                                          r"<root>/<identity>/<image>: put each person's images in a folder"):
        scan_dataset(tmp_path)


def test_files_outside_the_layout_are_listed(tmp_path):
    make_tree(tmp_path, ["loose.jpg", "ann/1.jpg", "ann/notes.txt", "ann/old/2.jpg", "ann/old/deeper/3.jpg",
                         "bob/sub/1.jpg", ".hidden/1.jpg"])
    identities, rows = scan_dataset(tmp_path)
    assert identities == ["ann"]
    reasons = {(r["identity"], r["file"].split("/")[-1]): r["reason"] for r in rows}
    # bob has images only nested deeper: its folder is listed as left out too
    assert set(reasons) == {("", "loose.jpg"), ("ann", "notes.txt"), ("ann", "old"), ("bob", "sub"), ("bob", "bob")}
    assert reasons[("ann", "old")].startswith("2 images nested deeper than <root>/<identity>/<image>: ignored")
    assert all(r["action"] == "ignored" and r["stage"] == "dataset" for r in rows)
    identities, rows = scan_dataset(tmp_path, view="old")
    assert identities == ["ann"] and any("no 'old' folder" in r["reason"] for r in rows if r["identity"] == "bob")
    assert any(r["reason"].startswith("1 images directly in the identity folder, outside its 'old' folder")
               for r in rows if r["identity"] == "ann")


# --- 7: metadata ----------------------------------------------------------------------------
def test_latin1_metadata_is_read_with_a_warning(tmp_path, caplog):
    path = tmp_path / "meta.csv"
    path.write_bytes("identity,gender,country\nJosé,m,España\nann,f,France\n".encode("latin-1"))
    rows = read_identity_metadata(path)
    assert rows["José"]["country"] == "España"
    assert f"{path} is not UTF-8" in caplog.text


def test_metadata_gaps_and_small_groups_are_recorded():
    metadata = {"a": {"identity": "a", "g": "x"}, "b": {"identity": "b", "g": "x"}, "c": {"identity": "c", "g": "y"},
                "d": {"identity": "d", "g": ""}}
    qc = []
    groups = identity_groups(metadata, ["a", "b", "c", "d", "e"], ["g"], min_size=2, qc=qc)
    assert groups == {"g": {"x": ["a", "b"]}}
    got = {(r["identity"], r["action"]) for r in qc}
    assert got == {("e", "no metadata"), ("d", "no value"), ("c", "group left out"), ("", "grouping left out")}


def test_group_values_in_any_script_stay_apart():
    metadata = {i: {"identity": i, "country": c} for i, c in
                (("a", "中国"), ("b", "中国"), ("c", "日本"), ("d", "日本"), ("e", "a b"), ("f", "a b"), ("g", "a_b"),
                 ("h", "a_b"))}
    groups = identity_groups(metadata, sorted(metadata), ["country"])["country"]
    assert len(groups) == 4 and groups["中国"] == ["a", "b"] and groups["日本"] == ["c", "d"]
    assert sorted(map(sorted, groups.values())) == [["a", "b"], ["c", "d"], ["e", "f"], ["g", "h"]]


# --- 4: models weigh the same in every heatmap over models -------------------------------------
def test_all_model_heatmaps_give_each_model_equal_weight(tmp_path):
    canvas = np.zeros((20, 20))
    loud, quiet = canvas.copy(), canvas.copy()
    loud[:10] = 4.0  # a model with 4x the raw LIME scale, all on the top half
    quiet[10:] = 1.0  # a model that looks at the bottom half only
    face = tmp_path / "face.npz"
    save_arrays(face, mean=np.zeros((20, 20, 3)), face=np.zeros((20, 20, 3), np.uint8))
    paths = []
    for name, mean in (("loud", loud), ("quiet", quiet)):
        paths.append(str(tmp_path / f"{name}.npz"))
        save_arrays(paths[-1], mean=mean.astype(np.float32), count=np.int64(3))
    aggregate_heatmap(members=paths, names=["loud", "quiet"], face=str(face),
                      heatmap=heatmap_outputs(str(tmp_path / "all")), model_scales=paths)
    mean = load_arrays(tmp_path / "all.npz")["mean"]
    top, bottom = mean[:10].sum(), mean[10:].sum()
    assert top == pytest.approx(bottom, rel=1e-6)  # a plain mean would give 80 % to the loud model
    regions = np.repeat([0, 1], 200).reshape(20, 20)
    shares = region_shares(mean, regions)
    expected = np.mean([list(region_shares(m, regions).values()) for m in (loud, quiet)], axis=0)
    np.testing.assert_allclose(list(shares.values()), expected, atol=1e-6)


def test_models_equal_mean_scales_by_the_given_model_mass():
    a, b = np.ones((4, 4)), np.full((4, 4), 10.0)
    out = models_equal_mean([a, b], [mass(a), mass(b)])
    np.testing.assert_allclose(out, np.full((4, 4), 1 / 16))


# --- 3 and 5: finding the face -----------------------------------------------------------------
def group_photo() -> str:
    return str(resources.files("insightface") / "data" / "images" / "t1.jpg")


def test_landmark_stage_and_dlib_model_agree_on_which_crops_hold_a_face(face_crop):
    from facelime.faces import loose_crop
    from facelime.landmarks import LandmarkDetector
    from facelime.models.dlib_model import DlibEmbedder
    from facelime.preprocess import centre_crop

    image = load_rgb(group_photo())
    landmarks, model = LandmarkDetector(), DlibEmbedder()
    crops = [face_crop, np.full((112, 112, 3), 128, np.uint8)]
    crops += [centre_crop(loose_crop(image, f.box, 1.6), 112) for f in _finder("hog")(image)]
    for crop in crops:
        assert landmarks(crop)[1] == model.face_box(crop)[1]
    found = [model.face_box(c)[1] for c in crops]
    assert found == [True, False] + [True] * (len(crops) - 2)  # 112 px loose crops: the faces are found


def _finder(method, model=None):
    from facelime.faces import FaceFinder

    return FaceFinder(method, model)


def test_group_photo_gives_the_largest_face_and_a_note(tmp_path):
    from facelime.preprocess import FaceCropper

    pre = {"size": 112, "min_side": 32, "crop_fraction": 1.0, "detect": "hog", "face_scale": 1.6, "align": "none"}
    faces = _finder("hog")(load_rgb(group_photo()))
    assert len(faces) == 6 and all(a.area >= b.area for a, b in zip(faces, faces[1:]))
    notes = []
    crop = FaceCropper(pre)(group_photo(), notes)
    assert crop.shape == (112, 112, 3) and notes == ["6 faces found (hog): the largest was used"]
    Image.fromarray(np.full((300, 300, 3), 128, np.uint8)).save(tmp_path / "wall.png")
    with pytest.raises(BadImageError, match=r"wall.png: no face found \(preprocess.detect: hog\)"):
        FaceCropper(pre)(str(tmp_path / "wall.png"))


def test_norm_crop_puts_the_eyes_on_arcfaces_template():
    from insightface.utils.face_align import arcface_dst

    from facelime.faces import five_points
    from facelime.landmarks import LandmarkDetector
    from facelime.preprocess import FaceCropper

    pre = {"size": 112, "min_side": 32, "crop_fraction": 1.0, "detect": "hog", "face_scale": 1.6, "align": "norm_crop"}
    crop = FaceCropper(pre)(group_photo())
    points, found = LandmarkDetector()(crop)
    assert found and crop.shape == (112, 112, 3)
    # the eyes found again on the aligned crop sit where the template puts them (the nose
    # tip moves with the head's turn, which a similarity transform cannot undo)
    eyes = five_points(points)[:2]
    assert np.abs(eyes - arcface_dst[:2]).max() < 5 and abs(eyes[0, 1] - eyes[1, 1]) < 2


@pytest.mark.skipif(not (SHARED / "models" / "yunet" / "face_detection_yunet_2023mar.onnx").is_file(),
                    reason="YuNet's file is in ../shared only")
def test_yunet_finds_the_group_photos_faces():
    faces = _finder("yunet", SHARED / "models" / "yunet" / "face_detection_yunet_2023mar.onnx")(load_rgb(group_photo()))
    assert len(faces) == 6
    hog = _finder("hog")(load_rgb(group_photo()))
    centre = lambda f: np.array([(f.box[0] + f.box[2]) / 2, (f.box[1] + f.box[3]) / 2])  # noqa: E731
    for face in faces:  # the same six people as dlib's HOG finds
        assert min(np.linalg.norm(centre(face) - centre(h)) for h in hog) < 0.5 * (face.box[2] - face.box[0])
    eyes = faces[0].points5[:2]
    assert eyes[0, 0] < eyes[1, 0]  # image-left eye first, as ArcFace's template


def test_fallbacks_are_counted_per_model_and_warned_above_the_threshold(tmp_path):
    from facelime.steps.qc import qc_report

    names = np.array([f"img{i}" for i in range(10)])
    found = np.ones(10, bool)
    save_arrays(tmp_path / "landmarks.npz", images=names, face_detected=found)
    missed = found.copy()
    missed[:3] = False  # dlib's own detection missed 3 of 10
    save_arrays(tmp_path / "dlib.npz", images=names, face_detected=missed, face_detection=np.bool_(True))
    save_arrays(tmp_path / "onnx.npz", images=names, face_detected=found, face_detection=np.bool_(False))
    out = {key: str(tmp_path / f"{key}.out") for key in ("table", "counts", "summary")}
    rows = qc_report(images=[], landmarks=[str(tmp_path / "landmarks.npz")],
                     masks=[{"model": model, "identity": "x", "path": str(tmp_path / f"{model}.npz")}
                            for model in ("dlib", "onnx")], dataset_rows=[], max_fallback_share=0.10, **out)
    assert [(r["file"], r["stage"]) for r in rows] == [("img0", "explain:dlib"), ("img1", "explain:dlib"),
                                                       ("img2", "explain:dlib")]
    from facelime.storage import read_tsv

    counts = {c["stage"]: (c["images"], c["fallbacks"], c["share"]) for c in read_tsv(out["counts"])}
    assert counts == {"landmarks": ("10", "0", "0"), "explain:dlib": ("10", "3", "0.3")}  # onnx detects nothing
    summary = " ".join(open(out["summary"]).read().split())
    assert "explain:dlib fallback 3/10 (30%)" in summary
    assert "WARNING: explain:dlib: 3 of 10 images (30%) had no face detected" in summary
    assert "landmarks: 0 of" not in summary  # below the threshold: no warning

"""A real Snakemake run on the kind of folder users bring: a config file of their own, phone photos,
GIFs, stray files, nested folders, a Latin-1 metadata CSV with gaps; everything is used or listed."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import region_model
from PIL import Image
from workflow_helpers import FAST_COMPARE, FAST_FIGURES, REPO, SNAKEMAKE, config_flags

from facelime.storage import load_arrays, read_tsv

pytestmark = pytest.mark.workflow


def make_user_folder(work: Path, face: np.ndarray) -> None:
    data = work / "data"
    for identity in ("ann", "bob", "cy", "dee", "eve", "Zoë"):
        (data / identity).mkdir(parents=True)
        Image.fromarray(np.roll(face, 2 * len(identity), axis=1)).save(data / identity / "a.png")
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways, as phones do; the tag says "turn 90 degrees clockwise"
    Image.fromarray(np.ascontiguousarray(np.rot90(face, 1))).save(data / "ann" / "phone.jpg", exif=exif, quality=98)
    Image.fromarray(face).save(data / "ann" / "x.jpg", quality=98)
    Image.fromarray(face[:, ::-1]).save(data / "ann" / "x.png")
    (data / "ann" / "notes.txt").write_text("taken 2019")
    (data / "ann" / "old").mkdir()
    Image.fromarray(face).save(data / "ann" / "old" / "b.png")
    frames = [Image.fromarray(face), Image.fromarray(face[::-1])]
    frames[0].save(data / "bob" / "anim.gif", save_all=True, append_images=frames[1:], duration=100)
    Image.fromarray(face).save(data / "loose.jpg")
    meta = "identity,gender,country\nann,f,España\nZoë,f,España\nbob,m,France\ncy,m,France\ndee,,Perú\n"
    (work / "meta.csv").write_bytes(meta.encode("latin-1"))
    # a demo-like config.yaml beside the user's file: none of it may leak into the run
    (work / "config.yaml").write_text(yaml.safe_dump({"lime": {"num_samples": 250},
                                                      "models": {"decoy": {"backend": "dlib"}}}))
    region_model(work / "region.onnx")
    (work / "mine.yaml").write_text(yaml.safe_dump({
        "dataset": {"root": str(data), "metadata": str(work / "meta.csv")},
        "sheets": False,
        "models": {"region": {"backend": "onnx", "path": str(work / "region.onnx"), "device": "cpu"}},
    }))


@pytest.fixture(scope="module")
def user_run(tmp_path_factory, face_crop):
    work = tmp_path_factory.mktemp("user")
    make_user_folder(work, face_crop)
    command = SNAKEMAKE + ["--directory", str(work), "--configfile", str(work / "mine.yaml"),
                           "--config", "lime={num_samples: 12}", *config_flags(compare=FAST_COMPARE, figures=FAST_FIGURES),
                           "--cores", "2"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=2400, cwd=work,
                            env={**os.environ, "TQDM_DISABLE": "1", "OPENBLAS_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stderr[-4000:]
    return work, result.stderr


def test_user_config_replaces_the_demo_and_nested_overrides_work(user_run):
    work, log = user_run
    settings = yaml.safe_load((work / "results" / "run_config.yaml").read_text())
    assert settings["settings"]["lime"]["num_samples"] == 12  # from --config 'lime={num_samples: 12}'
    assert list(settings["config"]["models"]) == ["region"]  # not the decoy of config.yaml
    assert settings["config"]["lime"]["n_segments"] == 30  # the study default
    assert settings["settings"]["config_files"] == [str(work / "mine.yaml")]
    assert "facelime: effective settings" in log and "lime: 12 samples, slic 30 segments" in log
    assert "Using workflow specific profile" in log  # found by itself: rerun-incomplete, quiet job lists
    assert "decoy" not in log
    assert not (work / "results" / "masks" / "decoy").exists()
    assert load_arrays(work / "results" / "masks" / "region" / "ann.npz")["sample_scores"].shape[1] == 12
    assert "may not be validated correctly" not in log


def test_every_odd_input_is_used_right_or_listed(user_run):
    work, log = user_run
    results = work / "results"
    faces = load_arrays(results / "faces" / "ann.npz")
    assert list(faces["images"]) == ["a", "phone", "x.jpg", "x.png"]  # same stem: two names, not one
    by_name = dict(zip(faces["images"], faces["faces"].astype(int)))
    assert np.abs(by_name["phone"] - by_name["x.jpg"]).mean() < 4  # upright, like the unrotated copy
    assert np.abs(by_name["x.png"] - by_name["x.jpg"][:, ::-1]).mean() < 4
    assert list(load_arrays(results / "faces" / "bob.npz")["images"]) == ["a", "anim"]
    rows = read_tsv(results / "qc" / "qc.tsv")
    got = {(r["identity"], Path(r["file"]).name, r["stage"], r["action"]) for r in rows}
    assert {("", "loose.jpg", "dataset", "ignored"), ("ann", "notes.txt", "dataset", "ignored"),
            ("ann", "old", "dataset", "ignored"), ("ann", "phone.jpg", "crop_and_segment", "used"),
            ("bob", "anim.gif", "crop_and_segment", "used"), ("eve", "", "metadata", "no metadata"),
            ("dee", "", "metadata", "no value"), ("dee", "", "metadata", "group left out")} <= got
    reasons = {(r["identity"], Path(r["file"]).name): r["reason"] for r in rows}
    assert reasons[("ann", "phone.jpg")] == "rotated upright by its EXIF orientation tag (6)"
    assert reasons[("bob", "anim.gif")] == "animated image (2 frames): the first frame was used"


def test_metadata_groups_show_their_size_and_tiny_groups_are_left_out(user_run):
    work, _ = user_run
    results = work / "results"
    assert sorted(p.name for p in (results / "heatmaps" / "group" / "country").iterdir()) == ["España", "France"]
    header = (results / "kl" / "group_country.tsv").read_text().splitlines()[0].split("\t")
    assert header[1:] == ["España (n=2)", "France (n=2)"]
    shares = {r["heatmap"]: r for r in read_tsv(results / "regions" / "region_shares.tsv")}
    assert shares["gender=f"]["n"] == shares["gender=f|region"]["n"] == "2"  # the group's identities
    # n is always identities (one model here: all_models covers the same 6), images in their own column
    assert shares["region"]["n"] == shares["all_models"]["n"] == "6"
    assert shares["all_models"]["images"] == shares["region"]["images"] and int(shares["region"]["images"]) >= 6


def test_the_run_ends_with_a_summary(user_run):
    work, log = user_run
    summary = (work / "results" / "qc" / "summary.txt").read_text()
    assert max(len(line) for line in summary.splitlines()) <= 100
    # the default profile keeps Snakemake's job blocks (every input file) out; only the lines
    # that echo a path (the command, the config file, the profile, the log) are as long as it
    echoes = (str(work), str(REPO))
    assert max(len(line) for line in log.splitlines() if not any(p in line for p in echoes)) <= 100
    flat = " ".join(summary.split())
    assert flat.startswith("facelime run summary: 6 identities used (0 left out), 10 images used, 0 skipped, "
                              "3 dataset entries ignored; landmarks fallback ")
    assert "1 identities without a row" in flat and "WARNING: 1 identities have no row" in flat
    # after the last job, only Snakemake's own log path and elapsed time follow it
    assert log.index(summary.rstrip()) > log.rindex("steps (100%) done")
    counts = read_tsv(work / "results" / "qc" / "counts.tsv")
    assert [(c["stage"], c["images"]) for c in counts] == [("landmarks", "10")]  # an ONNX model detects nothing


def test_each_lime_job_logs_its_progress(user_run):
    work, _ = user_run
    lines = (work / "logs" / "explain" / "region" / "ann.log").read_text().splitlines()
    progress = [line for line in lines if "region ann: image" in line]
    assert [line.split("image ")[1].split(",")[0] for line in progress] == ["1/4", "2/4", "3/4", "4/4"]
    assert all("12 samples in" in line and "samples/s" in line and "ETA" in line for line in progress)

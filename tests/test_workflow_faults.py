"""Bad input in a real workflow run: skipped images, a left-out identity, fail mode, kill and resume."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import region_model
from PIL import Image
from workflow_helpers import FAST_COMPARE, FAST_FIGURES, SNAKEMAKE, snakemake, write_config

from facelime.storage import load_arrays

pytestmark = pytest.mark.workflow

ODD = "José Ñúñez O'Brien"  # spaces, non-ASCII letters and a quote in an identity name


def make_dataset(root: Path, face: np.ndarray) -> None:
    for identity, images in {ODD: [face, face[:, ::-1]], "tom": [face], "broken": []}.items():
        folder = root / identity
        folder.mkdir(parents=True)
        for i, image in enumerate(images):
            Image.fromarray(image).save(folder / f"{identity} {i:02d}.png")
    (root / ODD / "zero bytes.jpg").write_bytes(b"")
    Image.fromarray(np.full((112, 112, 3), 128, np.uint8)).save(root / ODD / "blank.png")  # no face in it
    (root / "broken" / "cut.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 50)
    (root / "broken" / "page.png").write_text("<html>not found</html>")
    (root / "no_images").mkdir()


def config_for(work: Path, on_bad_image: str = "skip", **extra) -> dict:
    return {
        "seed": 3,
        "dataset": {"root": str(work / "data"), "on_bad_image": on_bad_image},
        "lime": {"num_samples": 12},
        "sheets": False,
        "compare": FAST_COMPARE,
        "figures": FAST_FIGURES,
        "models": {"region": {"backend": "onnx", "path": str(work / "region.onnx"), "device": "cpu"}},
        **extra,
    }


@pytest.fixture(scope="module")
def faulty_run(tmp_path_factory, face_crop):
    work = tmp_path_factory.mktemp("faulty")
    make_dataset(work / "data", face_crop)
    region_model(work / "region.onnx")
    write_config(work, config_for(work))
    result = snakemake(work, "--cores", "2")
    assert result.returncode == 0, result.stderr[-4000:]
    return work


def test_skipped_images_and_left_out_identity_are_listed(faulty_run):
    rows = list(csv.DictReader((faulty_run / "results" / "qc" / "qc.tsv").open(), delimiter="\t"))
    data = faulty_run / "data"
    got = {(r["identity"], Path(r["file"]).name if r["file"] else "", r["action"]) for r in rows if r["stage"] != "landmarks"}
    assert got == {(ODD, "zero bytes.jpg", "skipped"), ("broken", "cut.jpg", "skipped"),
                   ("broken", "page.png", "skipped"), ("broken", "", "identity left out"),
                   ("no_images", "no_images", "ignored")}  # an empty identity folder is listed too
    reasons = {Path(r["file"]).name: r["reason"] for r in rows if r["file"]}
    assert reasons["zero bytes.jpg"] == "empty file (0 bytes)"
    assert reasons["page.png"] == "not an image file (format not recognised)"
    assert str(data / ODD / "zero bytes.jpg") in {r["file"] for r in rows}
    # the image without a face is kept, with the study's landmark fallback, and listed
    fallback = [r for r in rows if r["stage"] == "landmarks"]
    assert [(r["identity"], r["file"], r["action"]) for r in fallback] == [(ODD, "blank", "fallback")]


def test_identity_outputs_use_good_images_and_aggregates_leave_out_empty(faulty_run):
    results = faulty_run / "results"
    odd = load_arrays(results / "masks" / "region" / f"{ODD}.npz")
    assert list(odd["images"]) == [f"{ODD} 00", f"{ODD} 01", "blank"]
    assert load_arrays(results / "masks" / "region" / "broken.npz")["score_maps"].shape[0] == 0
    model = load_arrays(results / "heatmaps" / "model" / "region.npz")
    assert sorted(model["members"]) == sorted([ODD, "tom"])
    aligned = [load_arrays(results / "aligned" / "region" / f"{i}.npz")["mean"] for i in (ODD, "tom")]
    np.testing.assert_allclose(model["mean"], np.mean(aligned, axis=0), rtol=1e-5, atol=1e-7)
    assert not (results / "faces" / "no_images.npz").exists()  # a folder without images is no identity


def test_fail_mode_stops_with_one_line_naming_the_file(tmp_path, face_crop):
    make_dataset(tmp_path / "data", face_crop)
    region_model(tmp_path / "region.onnx")
    write_config(tmp_path, config_for(tmp_path, on_bad_image="fail"))
    result = snakemake(tmp_path, "--cores", "1", "--keep-going")
    assert result.returncode != 0
    assert f"facelime: {tmp_path / 'data' / ODD / 'zero bytes.jpg'}: empty file (0 bytes)" in result.stderr
    assert "Traceback" not in result.stderr
    # with --keep-going the good identity's jobs still finish, and nothing half-written is left
    assert (tmp_path / "results" / "masks" / "region" / "tom.npz").is_file()
    assert not (tmp_path / "results" / "faces" / f"{ODD}.npz").exists()


def test_braces_in_an_identity_name_are_refused_clearly(tmp_path, face_crop):
    make_dataset(tmp_path / "data", face_crop)
    shutil.copytree(tmp_path / "data" / "tom", tmp_path / "data" / "n{1}")
    region_model(tmp_path / "region.onnx")
    write_config(tmp_path, config_for(tmp_path))
    result = snakemake(tmp_path, "-n")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert f"identity folder '{tmp_path / 'data' / 'n{1}'}' has braces" in output and "rename it" in output
    assert "Traceback" not in output


def outputs(folder: Path) -> list[Path]:
    """The .npz outputs in a folder; a SIGKILL mid-write can leave a hidden temporary ".<name>.*.npz" beside them."""
    return [p for p in folder.glob("*.npz") if not p.name.startswith(".")]


def marked_incomplete(work: Path) -> set[str]:
    """Output paths that Snakemake's metadata marks as incomplete (.snakemake/incomplete, base64 names)."""
    from base64 import urlsafe_b64decode

    folder = work / ".snakemake" / "incomplete"
    found = set()
    for path in folder.rglob("*"):
        if path.is_file() and path.name != "migration_underway":
            encoded = "".join(part.lstrip("@") for part in path.relative_to(folder).parts)
            found.add(urlsafe_b64decode(encoded).decode())
    return found


def test_killed_run_resumes_without_redoing_finished_work(tmp_path, face_crop):
    root = tmp_path / "data"
    for i in range(8):  # 8 identities, explain jobs of about a second each
        (root / f"id{i}").mkdir(parents=True)
        Image.fromarray(np.roll(face_crop, 3 * i, axis=1)).save(root / f"id{i}" / "a.png")
    region_model(tmp_path / "region.onnx")
    write_config(tmp_path, {**config_for(tmp_path), "lime": {"num_samples": 3000}})
    masks = tmp_path / "results" / "masks" / "region"
    command = SNAKEMAKE + ["--directory", str(tmp_path), "--configfile", str(tmp_path / "config.yaml"), "--cores", "1"]
    process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True, env={**os.environ, "TQDM_DISABLE": "1"})
    deadline = time.time() + 300
    while time.time() < deadline and len(outputs(masks)) < 2:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)  # the whole process tree, mid-run
    process.wait()
    present = {p: p.stat().st_mtime_ns for p in outputs(masks)}
    assert 2 <= len(present) < 8, "the kill should land mid-run"
    # an output whose job Snakemake had not closed is still marked incomplete: it must be redone
    incomplete = marked_incomplete(tmp_path)
    finished = {p: t for p, t in present.items() if str(p.relative_to(tmp_path)) not in incomplete}
    unconfirmed = {p: t for p, t in present.items() if p not in finished}
    assert finished
    for path in tmp_path.joinpath("results").rglob("*.npz"):
        if not path.name.startswith("."):  # ".<name>.*" are temporary names, never outputs
            load_arrays(path)  # every output that exists is whole: written under a temporary name, then renamed
    # a killed Snakemake leaves its lock behind; --unlock is the documented first step
    assert snakemake(tmp_path, "--unlock").returncode == 0
    # the default profile, found by itself, reruns incomplete jobs; the masks are the work at stake
    # (what follows them is the same whether a run was killed or not: tests/test_workflow.py)
    targets = [str(masks.relative_to(tmp_path) / f"id{i}.npz") for i in range(8)]
    result = snakemake(tmp_path, "--cores", "2", *targets)
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(outputs(masks)) == 8
    assert {p: p.stat().st_mtime_ns for p in finished} == finished  # finished work was not redone
    assert all(p.stat().st_mtime_ns != t for p, t in unconfirmed.items())  # unconfirmed work was

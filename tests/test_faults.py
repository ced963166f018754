"""The fault matrix, each case with its exact outcome (see docs/faults.md)."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from PIL import Image

from facelime.errors import BadImageError
from facelime.steps.preprocess import crop_and_segment

PREPROCESS = {"size": 112, "crop_fraction": 1.0, "min_side": 32}
LIME = {"segmentation": "slic", "n_segments": 30, "compactness": 20}


def jpeg_bytes(image: np.ndarray, mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).convert(mode).save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def fault_images(tmp_path_factory, face_crop):
    """One file per case of the image half of the fault matrix."""
    folder = tmp_path_factory.mktemp("faults")
    files = {}

    def add(name, data):
        path = folder / name
        path.write_bytes(data) if isinstance(data, bytes) else data(path)
        files[name] = path

    add("good.png", lambda p: Image.fromarray(face_crop).save(p))
    add("zero_bytes.jpg", b"")
    add("truncated.jpg", jpeg_bytes(face_crop)[:800])
    add("not_an_image.jpg", b"<html>404 not found</html>\n" * 20)
    rgba = np.dstack([face_crop, np.full(face_crop.shape[:2], 255, np.uint8)])
    rgba[:, :20, 3] = 0  # a fully transparent left band
    add("alpha.png", lambda p: Image.fromarray(rgba, "RGBA").save(p))
    add("sixteen_bit.png", lambda p: Image.fromarray((face_crop[:, :, 0].astype(np.uint16) * 257)).save(p))
    add("grey.png", lambda p: Image.fromarray(face_crop).convert("L").save(p))
    add("cmyk.jpg", jpeg_bytes(face_crop, "CMYK"))
    add("face.pgm", lambda p: Image.fromarray(face_crop).convert("L").save(p))
    add("tiny.png", lambda p: Image.fromarray(face_crop[::6, ::6][:20, :20]).save(p))
    add("huge.jpg", lambda p: Image.fromarray(np.kron(face_crop, np.ones((36, 54, 1), np.uint8))[:4000, :6000]).save(p, quality=80))
    add("José Ñúñez 01.png", lambda p: Image.fromarray(face_crop).save(p))
    return files


SKIPPED = {
    "zero_bytes.jpg": "empty file (0 bytes)",
    "truncated.jpg": "corrupt or truncated image",
    "not_an_image.jpg": "not an image file (format not recognised)",
    "tiny.png": "image too small (19x19 px; preprocess.min_side is 32)",
}


def test_skip_policy_keeps_good_images_and_records_the_rest(fault_images, tmp_path, face_crop):
    paths = [str(p) for p in fault_images.values()]
    out, qc = tmp_path / "faces.npz", tmp_path / "qc.tsv"
    arrays = crop_and_segment(images=paths, faces=str(out), qc=str(qc), preprocess=PREPROCESS, lime=LIME, seed=0,
                              identity="someone", on_bad_image="skip")
    loaded = [name for name in fault_images if name not in SKIPPED]
    assert list(arrays["sources"]) == [str(fault_images[n]) for n in loaded]
    assert arrays["faces"].shape == (len(loaded), 112, 112, 3)
    rows = list(csv.DictReader(qc.open(), delimiter="\t"))
    reasons = {r["file"]: r["reason"] for r in rows}
    assert sorted(reasons) == sorted(str(fault_images[n]) for n in SKIPPED)
    for name, expected in SKIPPED.items():  # the truncated JPEG's reason goes on with PIL's own words
        assert reasons[str(fault_images[name])].startswith(expected), (name, reasons[str(fault_images[name])])
    assert all(r["stage"] == "crop_and_segment" and r["action"] == "skipped" for r in rows)
    faces = dict(zip(loaded, arrays["faces"]))
    np.testing.assert_array_equal(faces["good.png"], face_crop)
    np.testing.assert_array_equal(faces["José Ñúñez 01.png"], face_crop)  # odd names load as any other
    assert np.all(np.abs(faces["alpha.png"][:, :19].astype(int) - 128) <= 1)  # transparent = mid-grey
    np.testing.assert_array_equal(faces["alpha.png"][:, 21:], face_crop[:, 21:])
    assert np.abs(faces["sixteen_bit.png"][:, :, 0].astype(int) - face_crop[:, :, 0]).max() <= 1  # scaled, not clipped
    for grey in ("grey.png", "face.pgm"):
        assert np.array_equal(faces[grey][:, :, 0], faces[grey][:, :, 2])
    assert np.abs(faces["cmyk.jpg"].astype(int) - face_crop).mean() < 6  # CMYK converted, colours kept
    assert faces["huge.jpg"].shape == (112, 112, 3)


def test_fail_policy_names_the_file_and_reason(fault_images, tmp_path):
    paths = [str(fault_images["good.png"]), str(fault_images["zero_bytes.jpg"])]
    with pytest.raises(BadImageError) as err:
        crop_and_segment(images=paths, faces=str(tmp_path / "f.npz"), qc=str(tmp_path / "f.tsv"), preprocess=PREPROCESS,
                         lime=LIME, seed=0, identity="x", on_bad_image="fail")
    assert str(err.value) == f"{fault_images['zero_bytes.jpg']}: empty file (0 bytes)"
    assert not (tmp_path / "f.npz").exists()


def test_identity_without_a_usable_image_is_reported(fault_images, tmp_path):
    paths = [str(fault_images[n]) for n in ("zero_bytes.jpg", "not_an_image.jpg")]
    qc = tmp_path / "qc.tsv"
    arrays = crop_and_segment(images=paths, faces=str(tmp_path / "e.npz"), qc=str(qc), preprocess=PREPROCESS, lime=LIME,
                              seed=0, identity="nobody", on_bad_image="skip")
    assert arrays["faces"].shape == (0, 112, 112, 3)
    rows = list(csv.DictReader(qc.open(), delimiter="\t"))
    assert rows[-1]["action"] == "identity left out" and rows[-1]["reason"] == "no usable image among 2"

"""The embedded demo dataset is built from packaged photos, with mirrored second images."""

from __future__ import annotations

import csv

import numpy as np

from facelime.dataset import list_identities, list_images, read_identity_metadata
from facelime.demo import loose_crop
from facelime.images import load_rgb
from facelime.steps.demo import demo_dataset


def test_demo_dataset(tmp_path):
    identities = demo_dataset(faces=tmp_path / "faces", metadata=tmp_path / "identities.csv")
    assert identities == [f"t1_face{i}" for i in range(1, 7)] + ["tom_hanks", "grace_hopper", "astronaut"]
    assert list_identities(tmp_path / "faces") == sorted(identities)
    for identity in identities:
        images = list_images(tmp_path / "faces", identity)
        assert len(images) == 2
        first, mirrored = load_rgb(images[0]), load_rgb(images[1])
        assert first.shape[0] == first.shape[1] >= 80
        np.testing.assert_array_equal(first[:, ::-1], mirrored)
    rows = read_identity_metadata(tmp_path / "identities.csv")
    assert set(rows) == set(identities)
    assert {r["source"] for r in rows.values()} == {"group_photo", "portrait"}
    with open(tmp_path / "identities.csv") as handle:
        assert next(csv.reader(handle)) == ["identity", "source"]


def test_loose_crop_stays_inside_the_photo():
    image = np.arange(100 * 60 * 3, dtype=np.uint32).reshape(100, 60, 3)
    crop = loose_crop(image, (40, 10, 58, 28), scale=2.0)  # box near the right edge
    assert crop.shape == (36, 36, 3)
    assert np.array_equal(crop, image[1:37, 24:60])
    whole = loose_crop(image, (0, 0, 60, 60), scale=3.0)  # larger than the photo: shrinks
    assert whole.shape == (60, 60, 3)

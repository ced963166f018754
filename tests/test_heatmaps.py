"""Known answers for heatmaps and the symmetric KL divergence."""

from __future__ import annotations

import numpy as np
import pytest

from facelime.dataset import read_identity_metadata
from facelime.divergence import cluster, kl_matrix, symmetric_kl
from facelime.groups import identity_groups, model_attribute_sets, slug
from facelime.heatmaps import mean_of, read_mean, stretch, write_heatmap
from conftest import SHARED


def test_kl_zero_symmetric_positive():
    rng = np.random.default_rng(0)
    p, q = rng.random((20, 16)), rng.random((20, 16))
    assert symmetric_kl(p, p) == pytest.approx(0.0, abs=1e-12)
    assert symmetric_kl(p, q) == pytest.approx(symmetric_kl(q, p))
    assert symmetric_kl(p, q) > 0
    # min-max normalisation first: a scaled and shifted copy is identical
    assert symmetric_kl(p, 3 * p + 2) == pytest.approx(0.0, abs=1e-12)


def test_kl_by_hand_2x2():
    p = np.array([[0.0, 1.0], [0.5, 1.0]])  # already in [0, 1] with min 0, max 1
    q = np.array([[1.0, 0.0], [0.5, 1.0]])
    # R = [[.5, .5], [.5, 1]]; kl_div(1, .5) = log 2 - .5; kl_div(0, .5) = .5; others 0
    per_map = ((np.log(2) - 0.5) + 0.5) / 4
    assert symmetric_kl(p, q) == pytest.approx(2 * per_map, rel=1e-12)


def test_kl_matrix_and_clustering():
    base = np.zeros((10, 10))
    a = base.copy(); a[2:4, 2:4] = 1
    b = a.copy(); b[3, 3] = 0.8
    c = base.copy(); c[7:9, 6:9] = 1
    matrix = kl_matrix([a, b, c])
    assert np.allclose(np.diag(matrix), 0) and np.allclose(matrix, matrix.T)
    assert matrix[0, 1] < matrix[0, 2]
    links = cluster(matrix, "ward")
    assert {int(links[0, 0]), int(links[0, 1])} == {0, 1}  # a and b merge first


def test_heatmap_is_mean_of_inputs(tmp_path):
    rng = np.random.default_rng(2)
    maps = [rng.random((275, 224)).astype(np.float32) for _ in range(5)]
    mean = mean_of(maps)
    np.testing.assert_allclose(mean, np.mean(maps, axis=0), rtol=1e-6)
    write_heatmap(tmp_path / "h", mean, None, ["a"])
    np.testing.assert_array_equal(read_mean(tmp_path / "h.npz"), mean)
    with np.load(tmp_path / "h.npz") as data:
        heatmap = data["heatmap"]
    assert heatmap.min() == 0 and heatmap.max() == pytest.approx(1)
    np.testing.assert_allclose(heatmap, stretch(mean))
    for ext in ("grey.png", "jet.png", "overlay.png"):
        assert (tmp_path / f"h.{ext}").stat().st_size > 0


def test_model_attribute_sets():
    models = {f"{a}_{t}": {"attributes": {"arch": a, "train_set": t}} for a in ("R18", "R50") for t in ("Glint360K", "MS1MV3")}
    models["solo"] = {"attributes": {"extra": "x"}}
    sets = model_attribute_sets(models)
    assert sets["arch"] == {"R18": ["R18_Glint360K", "R18_MS1MV3"], "R50": ["R50_Glint360K", "R50_MS1MV3"]}
    assert set(sets["train_set"]) == {"Glint360K", "MS1MV3"}
    assert "extra" not in sets  # one value only: nothing to compare


VGG_SAMPLE = '''Class_ID, Name, Sample_Num, Flag, Gender
n000001, "14th_Dalai_Lama", 424, 0, m
n000002, "A_Fine_Frenzy", 315, 1, f
n000003, "A._A._Gill", 205, 1, m
n000004, "Aaron, Jr.", 100, 1, f
'''


def test_vggface2_metadata_as_distributed(tmp_path):
    path = tmp_path / "identity_meta.csv"
    path.write_text(VGG_SAMPLE)
    rows = read_identity_metadata(path)
    assert rows["n000004"]["Name"] == "Aaron, Jr." and rows["n000002"]["Gender"] == "f"
    groups = identity_groups(rows, ["n000001", "n000002", "n000003", "n000004", "n999999"])
    assert groups["Gender"] == {"m": ["n000001", "n000003"], "f": ["n000002", "n000004"]}
    assert "Name" not in groups and "Sample_Num" not in groups


@pytest.mark.skipif(not (SHARED / "data" / "vggface2-meta" / "identity_meta.csv").is_file(),
                    reason="../shared/data/vggface2-meta not present")
def test_real_vggface2_identity_meta():
    rows = read_identity_metadata(SHARED / "data" / "vggface2-meta" / "identity_meta.csv")
    assert len(rows) == 9131
    assert rows["n000001"] == {"Class_ID": "n000001", "Name": "14th_Dalai_Lama", "Sample_Num": "424",
                               "Flag": "0", "Gender": "m"}
    assert rows["n000040"]["Gender"] in ("m", "f")
    groups = identity_groups(rows, sorted(rows)[:400], columns=["Gender"])
    assert set(groups["Gender"]) == {"m", "f"}


def test_slug():
    assert slug(" Glint 360K ") == "Glint_360K" and slug("m") == "m" and slug("../x") == "x"

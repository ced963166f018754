"""Known answers for Patch-LFW's restoration protocol (facelime.validity.patch_restoration)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import region_model

from facelime.models import build_embedder
from facelime.validity.patch_restoration import (PatchPair, build_pairs, eer_threshold, premise_held,
                                                 restoration_curves, restoration_order, restoration_summary,
                                                 restored_faces)

BOX = (slice(28, 56), slice(56, 84))  # the only pixels region_model sees


def points68(shift: float = 0.0) -> np.ndarray:
    """68 landmark-like points spread over a 112 px crop (parts where a face has them)."""
    rng = np.random.default_rng(0)
    points = rng.uniform(30, 80, (68, 2))
    points[36:48] = rng.uniform([30, 35], [80, 45], (12, 2))  # eyes
    points[27:36] = rng.uniform([48, 40], [64, 65], (9, 2))  # nose
    points[48:68] = rng.uniform([40, 70], [72, 85], (20, 2))  # mouth
    return (points + shift).astype(np.float32)


def test_pairs_paste_a_part_from_another_identity():
    rng = np.random.default_rng(0)
    people = {f"id{i}": [(f"{j}.jpg", rng.integers(0, 256, (112, 112, 3), dtype=np.uint8), points68())
                         for j in range(2 if i < 3 else 1)] for i in range(5)}
    pairs = build_pairs(people, 3, np.random.default_rng(1))
    kinds = [p.kind for p in pairs]
    assert kinds.count("genuine") == 3 and kinds.count("impostor") == 3
    assert {p.part for p in pairs} == {"eyes", "nose", "mouth"}
    patched = [p.patched.tobytes() for p in pairs]
    assert len(set(patched)) == len(patched)  # no patched image serves two pairs
    for pair in pairs:
        assert pair.donor != pair.identity
        outside = ~pair.answer
        np.testing.assert_array_equal(pair.patched[outside], pair.original[outside])  # only the box changed
        assert np.any(pair.patched[pair.answer] != pair.original[pair.answer])
        # the first image's own points travel with the pair (the regions explainer's players)
        np.testing.assert_array_equal(pair.landmarks, people[pair.identity][0][2])
        if pair.kind == "genuine":
            np.testing.assert_array_equal(pair.partner, people[pair.identity][1][1])  # same person's 2nd image
        else:
            np.testing.assert_array_equal(pair.partner, people[pair.donor][0][1])  # the part's owner
    assert [p.name for p in pairs] == [p.name for p in build_pairs(people, 3, np.random.default_rng(1))]
    with pytest.raises(ValueError, match="validity.patch"):
        build_pairs({"a": people["id0"]}, 3, rng)


def test_threshold_and_restoration_order():
    assert eer_threshold([0.8, 0.9, 0.7], [0.2, 0.3, 0.75]) == pytest.approx(0.75)
    values = np.array([[0.5, -2.0], [3.0, 0.0]])
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(restoration_order(values, match=True, rng=rng), [2, 0, 3, 1])
    np.testing.assert_array_equal(restoration_order(values, match=False, rng=rng), [1, 3, 0, 2])


def test_restoration_ends_at_the_untouched_face():
    rng = np.random.default_rng(0)
    original = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    patched = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    pair = PatchPair("p", "genuine", "eyes", "a", "b", patched, original, original, np.zeros((8, 8), bool))
    faces = restored_faces(pair, rng.permutation(64), steps=4)
    assert faces.shape == (5, 8, 8, 3)
    np.testing.assert_array_equal(faces[0], patched)
    np.testing.assert_array_equal(faces[-1], original)
    assert np.count_nonzero(np.all(faces[2] == original, axis=-1)) >= 32


@pytest.fixture(scope="module")
def region_embedder(tmp_path_factory):
    path = region_model(tmp_path_factory.mktemp("patch") / "region.onnx")
    return build_embedder("region", {"backend": "onnx", "path": str(path), "device": "cpu"})


def test_a_map_on_the_pasted_box_undoes_the_damage_sooner_than_random(region_embedder, face_crop):
    """The box the model sees is pasted over from another face: a map that marks it (negative: it lowers
    the match) restores it first, the genuine pair is a match again after 1 of 20 steps, random restoration
    takes most of the way; FNMR's AUC is lower for the map."""
    other = np.ascontiguousarray(face_crop[::-1, ::-1])
    answer = np.zeros((112, 112), bool)
    answer[BOX] = True
    patched = np.where(answer[..., None], other, face_crop)
    pair = PatchPair("p", "genuine", "eyes", "a", "b", patched, face_crop, face_crop, answer)
    partner = region_embedder.embed_faces([face_crop])[0].astype(np.float64)
    signed = np.where(answer, -1.0, 0.0)
    sims = restoration_curves(region_embedder, pair, signed, partner, match=False, steps=20, random_orders=3,
                              rng=np.random.default_rng(0))
    assert sims.shape == (4, 21)
    assert sims[0, 0] < 0.9 and np.all(sims[:, -1] == pytest.approx(1.0, abs=1e-5))
    assert sims[0, 1] > sims[0, 0] + 0.05  # the box is 6.25 % of the pixels: most of it back after one step
    assert np.all(sims[0, 2:] == pytest.approx(1.0, abs=1e-5))  # all of it after two
    threshold = 0.95
    summary = restoration_summary([{"kind": "genuine"}], sims[None], threshold)
    assert summary["fnmr_auc_map"] == pytest.approx(0.5 / 20)  # an error only over the first step's half
    assert summary["fnmr_auc_random"] > 5 * summary["fnmr_auc_map"]
    assert summary["genuine_similarity_auc_map"] > summary["genuine_similarity_auc_random"]
    assert np.isnan(summary["fmr_auc_map"])  # no impostor pairs



def test_the_old_premise_holds_only_where_grey_is_closer_to_the_original(region_embedder, face_crop):
    answer = np.zeros((112, 112), bool)
    answer[BOX] = True
    grey_box = np.where(answer[..., None], np.uint8(128), face_crop)  # the untouched face is grey in the box
    pasted = np.where(answer[..., None], face_crop[::-1, ::-1], face_crop)
    held = PatchPair("p", "genuine", "eyes", "a", "b", pasted, grey_box, grey_box, answer)
    assert premise_held(region_embedder, held)  # hiding the box gives (nearly) the untouched face back
    untouched = PatchPair("p", "genuine", "eyes", "a", "b", face_crop, face_crop, face_crop, answer)
    assert not premise_held(region_embedder, untouched)  # nothing was pasted: hiding only loses the match

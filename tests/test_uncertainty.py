"""Uncertainty of the study's numbers (issue: honest uncertainty): identity-level bootstrap CIs,
random tie-breaking of top sets, and refusal of non-finite maps."""

from __future__ import annotations

import numpy as np
import pytest

from facelime.validity.agreement import agreement_summary, top_set
from facelime.validity.stats import bootstrap_mean_ci, identity_bootstrap_ci

IDENTITIES, IMAGES, ICC = 30, 10, 0.5


def nested_coverage(simulations: int, by_identity: bool) -> float:
    """Share of simulated nested data sets (IDENTITIES x IMAGES, intra-identity correlation ICC, true mean
    0) whose nominal 95 % CI covers 0, resampling identities or, as a contrast, images."""
    rng = np.random.default_rng(11)
    labels = np.repeat(np.arange(IDENTITIES), IMAGES)
    covered = 0
    for s in range(simulations):
        person = rng.normal(0, np.sqrt(ICC), IDENTITIES)
        values = person[labels] + rng.normal(0, np.sqrt(1 - ICC), len(labels))
        clusters = labels if by_identity else np.arange(len(labels))
        _, low, high = identity_bootstrap_ci(values, clusters, 1000, 0.95, seed=s)
        covered += low <= 0 <= high
    return covered / simulations


def test_identity_bootstrap_covers_nested_data_and_image_bootstrap_does_not():
    by_identity, by_image = nested_coverage(400, True), nested_coverage(400, False)
    assert by_identity >= 0.90, by_identity
    assert by_image <= 0.75, by_image  # theory: P(|Z| < 1.96 / sqrt(1 + (10 - 1) 0.5)) = 0.60


def test_identity_bootstrap_ci_edges_and_seeding():
    values = np.random.default_rng(0).normal(1.0, 0.5, 60)
    labels = np.repeat(np.arange(12), 5)
    mean, low, high = identity_bootstrap_ci(values, labels, 1000, 0.95, seed=3)
    assert low < mean < high and mean == pytest.approx(values.mean())
    assert (mean, low, high) == identity_bootstrap_ci(values, labels, 1000, 0.95, seed=3)
    # one identity: no CI; constant values: a CI of zero width; NaN values are left out
    assert np.isnan(identity_bootstrap_ci(values[:5], labels[:5], 100, 0.95, 0)[1])
    assert identity_bootstrap_ci([2.0, 2.0, np.nan], ["a", "b", "c"], 100, 0.95, 0) == (2.0, 2.0, 2.0)
    with pytest.raises(ValueError, match="3 values but 2 identity labels"):
        identity_bootstrap_ci([1.0, 2.0, 3.0], ["a", "b"], 100, 0.95, 0)
    # independent values: the image-level wrapper is the same bootstrap with one identity per value
    assert bootstrap_mean_ci(values, 500, 0.9, 1) == identity_bootstrap_ci(values, np.arange(60), 500, 0.9, 1)


def test_agreement_summary_resamples_identities():
    """Twelve images of two identities: their CI is as wide as two values allow, not twelve."""
    rows = [{"model": "m", "first": "lime", "second": "rise", "identity": "ab"[i // 6], "image": str(i),
             "spearman": 0.2 if i < 6 else 0.8, "top_iou": 0.5, "top_share": 0.5} for i in range(12)]
    (row,) = agreement_summary(rows, resamples=2000)
    assert row["identities"] == 2 and row["spearman"] == pytest.approx(0.5)
    assert row["spearman_ci_low"] == pytest.approx(0.2) and row["spearman_ci_high"] == pytest.approx(0.8)


def test_top_set_breaks_ties_at_random_with_a_seed():
    values = np.r_[np.full(50, 1.0), np.zeros(50)]  # 50 tied at the top, 10 to choose
    picks = [np.flatnonzero(top_set(values, 0.1, np.random.default_rng(s))) for s in range(40)]
    assert all(len(p) == 10 and p.max() < 50 for p in picks)
    first_ten = np.mean([np.isin(np.arange(10), p).mean() for p in picks])
    assert first_ten == pytest.approx(0.2, abs=0.08)  # by position it would be 1.0
    assert np.array_equal(top_set(values, 0.1, np.random.default_rng(3)), top_set(values, 0.1, np.random.default_rng(3)))
    assert np.flatnonzero(top_set(np.arange(100.0), 0.1)).tolist() == list(range(90, 100))  # no ties: the largest


# --- non-finite maps ------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["score_maps", "aligned", "mean", "heatmap", "signed_maps"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_a_non_finite_map_is_an_error_naming_the_file(tmp_path, key, bad):
    from facelime.errors import NonFiniteMapError
    from facelime.heatmaps import read_mean
    from facelime.storage import load_arrays, load_some, save_arrays

    values = np.zeros((2, 4, 4), np.float32)
    values[1, 2, 3] = bad
    path = tmp_path / "broken.npz"
    save_arrays(path, **{key: values}, coefficients=np.full(3, np.nan))  # NaN padding elsewhere is fine
    for read in (lambda: load_arrays(path), lambda: load_some(path, key)):
        with pytest.raises(NonFiniteMapError, match=rf"broken.npz: {key} holds 1 NaN or infinite values"):
            read()
    if key == "mean":
        with pytest.raises(NonFiniteMapError, match="broken.npz"):
            read_mean(path)
    assert np.isnan(load_some(path, "coefficients")["coefficients"]).all()


def test_stretch_and_kl_refuse_a_nan_instead_of_giving_zeros():
    from facelime.divergence import symmetric_kl
    from facelime.heatmaps import stretch

    a = np.random.default_rng(0).random((5, 5))
    b = a.copy()
    b[0, 0] = np.nan
    with pytest.raises(ValueError, match="1 NaN or infinite values"):
        stretch(b)
    with pytest.raises(ValueError, match="NaN or infinite"):
        symmetric_kl(a, b)
    assert symmetric_kl(a, a) == 0.0


# --- KL matrices: noise floor, bootstrap CIs, dendrogram support ------------------------------------

def built_maps(templates: dict[str, np.ndarray], identities: int, seed: int) -> dict[str, np.ndarray]:
    """Per 'model', identities x pixels means: its template plus per-identity noise (as faces differ)."""
    rng = np.random.default_rng(seed)
    return {name: np.clip(t[None] + rng.normal(0, 0.6, (identities, t.size)), 0, None).astype(np.float32)
            for name, t in templates.items()}


def support_of(maps: dict[str, np.ndarray], resamples: int = 200):
    from facelime import kl_uncertainty as ku
    from facelime.divergence import cluster, kl_matrix

    n = len(next(iter(maps.values())))
    valid = {m: np.ones(n, bool) for m in maps}
    scales = {m: ku.model_scale(maps[m], valid[m]) for m in maps}
    recipes = [ku.Recipe(m, (m,), tuple(range(n)), False) for m in maps]
    matrix = kl_matrix([maps[m].mean(axis=0) for m in maps])
    links = cluster(matrix, "ward")
    draws = ku.bootstrap_matrices(recipes, maps, valid, scales, resamples, np.random.default_rng(0))
    floors = [ku.noise_floor(r, maps, valid, scales, 30, np.random.default_rng(1)) for r in recipes]
    support = dict(zip(ku.clusters(links, len(maps)), ku.node_support(links, draws, "ward")))
    return matrix, floors, support, draws


def test_one_distribution_gives_chance_support_and_kl_within_the_floor():
    template = np.random.default_rng(5).random(400)
    matrix, floors, support, draws = support_of(built_maps({"a1": template, "a2": template, "a3": template}, 40, 2))
    pair = [s for members, s in support.items() if len(members) == 2][0]
    assert 0.1 <= pair <= 0.7, support  # three equal leaves: each pair about 1/3
    assert matrix[np.triu_indices(3, 1)].max() <= min(floors)
    assert support[frozenset({0, 1, 2})] == 1.0


def test_two_distributions_give_strong_support_and_cis_around_the_kl():
    rng = np.random.default_rng(5)
    a, b = rng.random(400), rng.random(400)
    matrix, floors, support, draws = support_of(built_maps({"a1": a, "a2": a, "b1": b, "b2": b}, 40, 3))
    assert support[frozenset({0, 1})] >= 0.95 and support[frozenset({2, 3})] >= 0.95, support
    low, high = np.quantile(draws[:, 0, 2], [0.025, 0.975])
    assert low <= matrix[0, 2] <= high and matrix[0, 2] > 3 * max(floors)


def test_rebuilt_heatmaps_match_the_workflow_aggregates_and_strata():
    from facelime import kl_uncertainty as ku
    from facelime.heatmaps import mass, models_equal_mean

    maps = built_maps({"m1": np.ones(50), "m2": 3 * np.ones(50)}, 6, 0)
    valid = {"m1": np.array([1, 1, 1, 1, 1, 0], bool), "m2": np.ones(6, bool)}  # m1's last identity: no image
    scales = {m: ku.model_scale(maps[m], valid[m]) for m in maps}
    model_means = [maps["m1"][:5].mean(axis=0), maps["m2"].mean(axis=0)]
    total = ku.Recipe("TOTAL", ("m1", "m2"), tuple(range(6)), True)
    expected = models_equal_mean(model_means, [mass(m) for m in model_means])
    assert np.allclose(ku.rebuilt(total, maps, valid, scales, np.ones((1, 6)))[0], expected, rtol=1e-5)
    group = [ku.Recipe("g1", ("m1",), (0, 1, 2), False), ku.Recipe("g2", ("m1",), (3, 4, 5), False)]
    assert [s.tolist() for s in ku.strata(group, 6)] == [[0, 1, 2], [3, 4, 5]]  # groups keep their sizes
    assert [s.tolist() for s in ku.strata([total, total], 6)] == [list(range(6))]


# --- noise ceilings ---------------------------------------------------------------------------------

def test_lime_signed_maps_are_its_coefficients_on_the_segments_and_others_are_stored():
    from facelime.validity.ceiling import stored_signed_maps

    segments = np.array([[[0, 0, 1], [2, 2, 1]]])
    lime = {"coefficients": np.array([[0.5, -1.0, 2.0, np.nan]]), "segments": segments}  # NaN: padding
    assert stored_signed_maps(lime).tolist() == [[[0.5, 0.5, -1.0], [2.0, 2.0, -1.0]]]
    rise = {**lime, "signed_maps": np.full((1, 2, 3), -0.25, np.float32)}
    assert (stored_signed_maps(rise) == -0.25).all()


def test_ceiling_rows_and_summary():
    from facelime.validity.ceiling import ceiling_summary, pair_rows

    rng = np.random.default_rng(0)
    signed = rng.normal(size=(30, 20))
    same = pair_rows(signed, signed, "positive", None, rng)
    assert same["signed"]["spearman"] == pytest.approx(1.0) and same["kept"]["top_iou"] == 1.0
    flipped = pair_rows(signed, -signed, "positive", None, rng)
    assert flipped["signed"]["spearman"] == pytest.approx(-1.0)  # the kept parts barely overlap
    assert flipped["kept"]["top_iou"] == 0.0
    rows = [{"model": "m", "method": "rise", "identity": f"p{i // 2}", "image": str(i), "map": "kept",
             "spearman": 0.8 + 0.01 * i, "top_iou": 0.5, "top_share": 0.5} for i in range(8)]
    summary = ceiling_summary(rows, ["lime", "rise", "occlusion"], ["m"], seed=0)
    by = {(r["method"], r["map"]): r for r in summary}
    assert by[("rise", "kept")]["identities"] == 4 and by[("rise", "kept")]["spearman"] == pytest.approx(0.835)
    assert by[("occlusion", "signed")]["spearman"] == 1.0 and by[("occlusion", "kept")]["top_iou_ci_low"] == 1.0

"""The GPU code paths of the ONNX embedder, run on onnxruntime's CPU provider (CI has no GPU).

Batched-vs-single check by embedding cosine, one input shape per session (padding),
I/O binding, the fp16 load check, TF32 provider options, the on-device perturbation
prefix, the thread count reaching every session, and the fallback of each CUDA-only
setting to the host path when it fails (failures injected).
"""

from __future__ import annotations

import logging

import numpy as np
import pytest
from conftest import batch_mixing_model, grid_segments, region_model

from facelime.errors import ModelLoadError
from facelime.explainers.lime import explain_similarity
from facelime.explainers.scoring import SimilarityScorer
from facelime.models import build_embedder
from facelime.models.batch_choice import batch_size_for
from facelime.models.base import PreparedFace
from facelime.models.onnx_checks import BATCH_MIN_COSINE, check_reduced_precision, row_cosines
from facelime.models.onnx_perturb import FACE, HIDE, SAMPLES, SEGMENT_INDEX, prefix_constants, prefix_only
from facelime.models.onnx_session import provider_settings


def onnx_spec(path, **extra) -> dict:
    return {"backend": "onnx", "path": str(path), "device": "cpu", **extra}


def samples(n: int, k: int, seed: int = 0) -> np.ndarray:
    rows = np.random.default_rng(seed).integers(0, 2, (n, k)).astype(np.uint8)
    rows[0] = 1
    return rows


# --- 1. batched-vs-single check by cosine --------------------------------------------------

def test_batch_noise_passes_the_cosine_check(tmp_path):
    model = build_embedder("noisy", onnx_spec(batch_mixing_model(tmp_path / "noisy.onnx", mix=1e-3)))
    assert model.batch_size == 32  # relaxed batch kept
    probe = model._probe()
    batched = model._run(probe)
    singles = np.concatenate([model._run(probe[i : i + 1]) for i in range(2)])
    # the old element-wise test would have refused it; the directions agree
    assert not np.allclose(batched, singles, rtol=1e-4, atol=1e-5)
    assert row_cosines(batched, singles).min() >= BATCH_MIN_COSINE


def test_batch_mixing_model_falls_back_to_batch_one(tmp_path, caplog):
    path = batch_mixing_model(tmp_path / "mixing.onnx", mix=1.0)
    with caplog.at_level(logging.WARNING):
        model = build_embedder("mixing", onnx_spec(path))
    assert model.batch_size == 1
    assert "mixing.onnx" in caplog.text and "one image at a time" in caplog.text
    faces = np.random.default_rng(1).integers(0, 256, (3, 112, 112, 3), dtype=np.uint8)
    # at batch 1 each face gets its own embedding, (1 + mix) p, whatever else is in the call
    together = model.embed_faces(faces)
    alone = np.concatenate([model.embed_faces(faces[i : i + 1]) for i in range(3)])
    np.testing.assert_array_equal(together, alone)


# --- 2. one input shape per session ---------------------------------------------------------

def test_padding_to_one_shape_keeps_the_real_rows(region_onnx, face_crop):
    plain = build_embedder("plain", onnx_spec(region_onnx, batch_size=8))
    padded = build_embedder("padded", onnx_spec(region_onnx, batch_size=8))
    padded._runner.fixed_batch = 8
    shapes = []
    run = padded._runner.session.run
    padded._runner.session.run = lambda names, feeds: shapes.append(next(iter(feeds.values())).shape) or run(names, feeds)
    prepared = plain.prepare(face_crop, grid_segments())
    batch = prepared.perturbed(samples(21, 16))  # 8 + 8 + 5 rows
    np.testing.assert_array_equal(padded.embed_prepared(batch), plain.embed_prepared(batch))
    assert {s[0] for s in shapes} == {8}  # the last 5 rows ran padded to 8


def test_padding_switch_follows_the_device(region_onnx):
    model = build_embedder("cpu", onnx_spec(region_onnx, batch_size=8))
    assert not model.on_cuda and model._runner.fixed_batch is None and model._runner._binding is None


# --- 3. CUDA settings, checked on the CPU provider -----------------------------------------

def test_io_binding_equals_plain_run(region_onnx, face_crop):
    plain = build_embedder("plain", onnx_spec(region_onnx, batch_size=8))
    from facelime.models.onnx_model import OnnxEmbedder

    bound = OnnxEmbedder("bound", str(region_onnx), None, [127.5] * 3, [127.5] * 3, "RGB", "config", "cpu", 8,
                         "fp32", io_binding=True, fixed_shape=True)
    assert bound._runner._binding is not None
    prepared = plain.prepare(face_crop, grid_segments())
    for n in (8, 5, 1, 8):  # full, padded, single, full again: buffers refilled and reallocated
        batch = prepared.perturbed(samples(n, 16, seed=n))
        kept = batch.copy()
        np.testing.assert_array_equal(bound.embed_prepared(batch), plain.embed_prepared(batch))
        np.testing.assert_array_equal(batch, kept)  # binding never writes into the caller's array


def test_fp16_passes_its_load_check(region_onnx, face_crop):
    model = build_embedder("half", onnx_spec(region_onnx, precision="fp16"))
    full = build_embedder("full", onnx_spec(region_onnx))
    cos = row_cosines(model.embed_faces(face_crop[None]), full.embed_faces(face_crop[None]))
    assert cos.min() >= 0.9999


def test_fp16_refused_above_a_reachable_threshold(region_onnx):
    with pytest.raises(ModelLoadError, match=r"region.onnx: precision fp16: probe embeddings reach only cosine "
                                             r"[01]\.\d{7} to fp32, below precision_min_cosine 1.01"):
        build_embedder("half", onnx_spec(region_onnx, precision="fp16", precision_min_cosine=1.01))


def test_fp16_refused_for_a_broken_conversion(tmp_path, monkeypatch):
    """A conversion that changes the weights (here: another model's) is caught at load."""
    import facelime.models.onnx_model as onnx_model

    path = region_model(tmp_path / "good.onnx", seed=0)
    other = region_model(tmp_path / "other.onnx", seed=1).read_bytes()
    monkeypatch.setattr(onnx_model, "reduced_precision", lambda graph, precision, p: other)
    with pytest.raises(ModelLoadError, match=r"good.onnx: precision fp16: .* below precision_min_cosine 0.9999"):
        build_embedder("broken", onnx_spec(path, precision="fp16"))


def test_check_reduced_precision_is_plain_numpy():
    full = np.random.default_rng(0).standard_normal((4, 8))
    assert check_reduced_precision(full, full * 3.0, 0.9999, "m.onnx") == pytest.approx(1.0)
    with pytest.raises(ModelLoadError, match="m.onnx: precision fp16"):
        check_reduced_precision(full, full[::-1], 0.9999, "m.onnx")
    with pytest.raises(ModelLoadError, match="m.onnx"):  # NaN from an overflowing fp16 graph
        check_reduced_precision(full, full * np.nan, 0.9999, "m.onnx")


@pytest.mark.parametrize("tf32, flag", [(True, "1"), (False, "0")])
def test_tf32_reaches_the_cuda_provider_options(tf32, flag):
    assert provider_settings(["CUDAExecutionProvider", "CPUExecutionProvider"], tf32) == [
        ("CUDAExecutionProvider", {"use_tf32": flag}), "CPUExecutionProvider"]
    assert provider_settings(["CPUExecutionProvider"], tf32) == ["CPUExecutionProvider"]


# --- 4. perturbation on the device ----------------------------------------------------------

def test_prefix_builds_the_host_batch_bit_for_bit():
    import onnxruntime as ort

    rng = np.random.default_rng(3)
    segment_index = grid_segments(112, 4)
    segment_index[:10] = -1  # pixels that show no superpixel (dlib's chip border) are never hidden
    prepared = PreparedFace(rng.standard_normal((3, 112, 112)).astype(np.float32),
                            np.array([0.25, -1.5, 3.0], np.float32), segment_index, channels_first=True)
    z = samples(37, 16, seed=4)
    session = ort.InferenceSession(prefix_only(3, 112).SerializeToString(), providers=["CPUExecutionProvider"])
    constants = prefix_constants(prepared.pixels, prepared.hide, prepared.segment_index, 16)
    batch = session.run(None, {SAMPLES: z, **constants})[0]
    host = prepared.perturbed(z)
    assert batch.dtype == host.dtype and batch.shape == host.shape
    np.testing.assert_array_equal(batch.view(np.uint32), host.view(np.uint32))
    assert set(constants) == {FACE, SEGMENT_INDEX, HIDE}


@pytest.fixture(scope="module")
def small_iresnet(tmp_path_factory):
    from bench.onnx_resnet import build_iresnet

    return build_iresnet(tmp_path_factory.mktemp("iresnet") / "r18.onnx", "r18")


@pytest.mark.parametrize("network", ["region", "iresnet"])
@pytest.mark.parametrize("cuda_like", [False, True], ids=["plain", "padded+bound"])
def test_device_perturbation_gives_the_host_embeddings(network, cuda_like, region_onnx, small_iresnet, face_crop):
    from facelime.models.onnx_model import OnnxEmbedder

    path = region_onnx if network == "region" else small_iresnet
    host = build_embedder("host", onnx_spec(path, batch_size=8, perturb_on_device=False))
    device = OnnxEmbedder("device", str(path), None, [127.5] * 3, [127.5] * 3, "RGB", "config", "cpu", 8, "fp32",
                          perturb_on_device=True, fixed_shape=cuda_like, io_binding=cuda_like)
    assert device.perturbs_on_device and not host.perturbs_on_device
    prepared = host.prepare(face_crop, grid_segments())
    z = samples(13, 16, seed=5)  # 8 + 5 rows
    expected = host.embed_prepared(prepared.perturbed(z))
    np.testing.assert_array_equal(device.sample_embedder(prepared, 16)(z), expected)
    own = host.embed_prepared(prepared.pixels[None])[0]
    np.testing.assert_array_equal(SimilarityScorer(device, own).score_rows(prepared, z),
                                  SimilarityScorer(host, own).score_rows(prepared, z))


def test_lime_results_do_not_depend_on_where_the_batch_is_built(region_onnx, face_crop):
    host = build_embedder("host", onnx_spec(region_onnx, batch_size=16, perturb_on_device=False))
    device = build_embedder("device", onnx_spec(region_onnx, batch_size=16, perturb_on_device=True))
    a = explain_similarity(face_crop, grid_segments(), host, num_samples=50, seed=7)
    b = explain_similarity(face_crop, grid_segments(), device, num_samples=50, seed=7)
    np.testing.assert_array_equal(a.scores, b.scores)
    np.testing.assert_array_equal(a.coefficients, b.coefficients)


# --- 6. the job's thread count reaches every session ----------------------------------------

def test_threads_reach_every_onnx_session(tmp_path, region_onnx, face_crop):
    def threads(session):
        return session.get_session_options().intra_op_num_threads

    plain = build_embedder("plain", onnx_spec(region_onnx, perturb_on_device=True), threads=3)
    assert threads(plain._session) == 3
    plain.sample_embedder(plain.prepare(face_crop, grid_segments()), 16)
    assert threads(plain._perturb_runner.session) == 3
    fallback = build_embedder("mixing", onnx_spec(batch_mixing_model(tmp_path / "mix.onnx", mix=1.0)), threads=3)
    assert fallback.batch_size == 1 and threads(fallback._session) == 3
    half = build_embedder("half", onnx_spec(region_onnx, precision="fp16"), threads=3)
    assert threads(half._session) == 3


def test_threads_reach_dlib_openblas():
    import threadpoolctl

    model = build_embedder("dlib_resnet", {"backend": "dlib"}, threads=1)
    try:
        blas = [lib for lib in threadpoolctl.threadpool_info() if lib["user_api"] == "blas"]
        assert blas and all(lib["num_threads"] == 1 for lib in blas)
    finally:
        model.blas_limit.restore_original_limits()


# --- 2b. batch_size: auto --------------------------------------------------------------------

def test_fastest_batch_picks_the_most_images_per_second():
    """A fake clock: each call costs 1 + 0.05 * size time units, so bigger batches win until
    the per-image cost dominates; the images/s it reports are exact."""
    from facelime.models.batch_choice import fastest_batch

    now = [0.0]
    cost = {8: 1.4, 16: 1.8, 32: 2.6, 64: 8.0}  # time per call: 64 is past the knee

    def run(batch):
        now[0] += cost[len(batch)]

    best, speeds = fastest_batch(run, lambda n: np.zeros((n, 1)), (8, 16, 32, 64), seconds=10, clock=lambda: now[0])
    assert best == 32
    assert speeds[32] == pytest.approx(32 / 2.6) and speeds[64] == pytest.approx(64 / 8.0)


def test_batch_size_auto_measures_and_keeps_the_numbers(region_onnx, face_crop):
    from facelime.models.batch_choice import CANDIDATES

    auto = build_embedder("auto", onnx_spec(region_onnx, batch_size="auto"))
    fixed = build_embedder("fixed", onnx_spec(region_onnx, batch_size=8))
    assert auto.batch_size in CANDIDATES["cpu"] and set(auto.batch_speeds) == set(CANDIDATES["cpu"])
    a = explain_similarity(face_crop, grid_segments(), auto, num_samples=40, seed=2)
    b = explain_similarity(face_crop, grid_segments(), fixed, num_samples=40, seed=2)
    np.testing.assert_array_equal(a.scores, b.scores)
    assert batch_size_for("dlib", None, "auto") == 16  # dlib gains nothing from batching: its default


# --- 7. every CUDA-only setting falls back to the tested host path -----------------------------
# Failures are injected on the CPU provider where a first contact with CUDA could fail: the
# job goes on with the plain path's numbers and one warning naming the model and the error.

def cuda_like(path, name="fast", batch=8, **extra):
    """An embedder with the settings CUDA switches on, on the CPU provider."""
    from facelime.models.onnx_model import OnnxEmbedder

    options = dict(perturb_on_device=True, fixed_shape=True, io_binding=True)
    return OnnxEmbedder(name, str(path), None, [127.5] * 3, [127.5] * 3, "RGB", "config", "cpu", batch, "fp32",
                        **{**options, **extra})


def warnings_of(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def host_lime(path, face_crop, images=2):
    host = build_embedder("host", onnx_spec(path, batch_size=8, perturb_on_device=False))
    return [explain_similarity(face_crop, grid_segments(), host, num_samples=21, seed=s) for s in range(images)]


def assert_same_lime(model, expected, face_crop):
    for seed, want in enumerate(expected):
        got = explain_similarity(face_crop, grid_segments(), model, num_samples=21, seed=seed)
        np.testing.assert_array_equal(got.scores, want.scores)
        np.testing.assert_array_equal(got.coefficients, want.coefficients)


@pytest.mark.parametrize("where", ["io_binding", "run_with_iobinding", "update_inplace"])
def test_failing_io_binding_falls_back_to_plain_runs(where, region_onnx, face_crop, caplog, monkeypatch):
    """The binding fails when created (load), on the first bound run, or at the first in-place refill
    of a device buffer (the second batch of one shape): each time one warning, the host's numbers."""
    import onnxruntime as ort

    expected = host_lime(region_onnx, face_crop)
    owner = ort.OrtValue if where == "update_inplace" else ort.InferenceSession

    def broken(*args, **kwargs):
        raise RuntimeError(f"injected CUDA failure in {where}")

    monkeypatch.setattr(owner, where, broken)
    with caplog.at_level(logging.WARNING):
        model = cuda_like(region_onnx, perturb_on_device=False)
        assert_same_lime(model, expected, face_crop)
    assert warnings_of(caplog) == [
        f"model fast: I/O binding and one input shape (padding) failed (RuntimeError: injected CUDA failure in "
        f"{where}); plain session.run on batches as given instead (the same numbers, without that speed-up)"]
    assert model._runner.fell_back and model._runner._binding is None and model._runner.fixed_batch is None
    model.batch_size = 16  # the benchmark resets the batch: the runner stays on the plain path
    assert model._runner.fixed_batch is None


def test_failing_padding_falls_back_on_the_first_batch(region_onnx, face_crop, caplog):
    """A padded batch that the session refuses (a shape the device cannot run) on the first call."""
    expected = host_lime(region_onnx, face_crop)
    model = cuda_like(region_onnx, io_binding=False, perturb_on_device=False)
    run = model._runner.session.run
    calls = []

    def refuse_padding(names, feeds):
        rows = len(next(iter(feeds.values())))
        calls.append(rows)
        if rows == 8 and calls.count(8) == 1:
            raise RuntimeError(f"injected failure on a batch of {rows}")
        return run(names, feeds)

    model._runner.session.run = refuse_padding
    with caplog.at_level(logging.WARNING):
        assert_same_lime(model, expected, face_crop)
    assert len(warnings_of(caplog)) == 1 and "model fast: one input shape (padding) failed (RuntimeError: injected "\
        "failure on a batch of 8)" in warnings_of(caplog)[0]
    assert calls[:3] == [1, 8, 8] and calls[3:5] == [8, 5]  # the face, LIME's 8 failing, retried; 8 + 5 unpadded


def test_failures_after_the_fast_path_proved_itself_are_not_hidden(region_onnx, face_crop):
    model = cuda_like(region_onnx, perturb_on_device=False)
    batch = model.prepare(face_crop, grid_segments()).perturbed(samples(8, 16))
    model.embed_prepared(batch)
    model.embed_prepared(batch)  # allocation, then a refill in place: proven
    model._runner.session.run_with_iobinding = lambda binding: (_ for _ in ()).throw(RuntimeError("late"))
    with pytest.raises(RuntimeError, match="late"):
        model.embed_prepared(batch)


@pytest.mark.parametrize("where", ["compose", "open", "first batch"])
def test_failing_perturbation_graph_falls_back_to_host_batches(where, region_onnx, face_crop, caplog, monkeypatch):
    import facelime.models.onnx_model as onnx_model

    expected = host_lime(region_onnx, face_crop, images=3)
    model = cuda_like(region_onnx)
    if where == "compose":
        monkeypatch.setattr(onnx_model, "with_perturbation_prefix",
                            lambda *a: (_ for _ in ()).throw(ValueError("injected: opset too old")))
    elif where == "open":
        opened = model._open
        model._open = lambda graph: (_ for _ in ()).throw(ModelLoadError("m.onnx", "injected: no kernel for Where"))
    else:
        runner = model._prefixed_runner()
        runner.session.run_with_iobinding = lambda binding: (_ for _ in ()).throw(RuntimeError("injected: Gather"))
    with caplog.at_level(logging.WARNING):
        if where == "open":
            assert_same_lime(model, expected, face_crop)
            model._open = opened
        else:
            assert_same_lime(model, expected, face_crop)
    messages = warnings_of(caplog)
    assert len(messages) == 1, messages  # three images, one warning
    assert messages[0].startswith("model fast: perturb_on_device (the perturbation graph) failed (")
    assert "injected" in messages[0] and messages[0].endswith("batches built on the host instead (the same numbers, "
                                                             "without that speed-up)")
    assert not model.perturbs_on_device and "perturbation on the device off" in model.settings_line()


def test_failing_fp16_conversion_falls_back_to_fp32(region_onnx, face_crop, caplog, monkeypatch):
    import facelime.models.onnx_model as onnx_model

    def broken(graph, precision, path):
        raise RuntimeError("injected: float16 converter failed")

    monkeypatch.setattr(onnx_model, "reduced_precision", broken)
    with caplog.at_level(logging.WARNING):
        half = build_embedder("half", onnx_spec(region_onnx, precision="fp16", batch_size=8, perturb_on_device=False))
    assert warnings_of(caplog) == ["model half: precision fp16 failed (RuntimeError: injected: float16 converter "
                                   "failed); the fp32 graph instead (the same numbers, without that speed-up)"]
    assert half.precision == "fp32"
    assert_same_lime(half, host_lime(region_onnx, face_crop), face_crop)


def test_failing_fp16_session_falls_back_to_fp32(region_onnx, face_crop, caplog, monkeypatch):
    """The fp16 graph converts but its session does not run (a missing fp16 kernel)."""
    import facelime.models.onnx_model as onnx_model

    convert = onnx_model.reduced_precision

    def marked(graph, precision, path):
        data = convert(graph, precision, path)
        marked.outputs.append(data)
        return data

    marked.outputs = []
    monkeypatch.setattr(onnx_model, "reduced_precision", marked)
    open_session = onnx_model.open_session

    def opening(path, model=None, *args, **kwargs):
        session = open_session(path, model, *args, **kwargs)
        if model is not None and model in marked.outputs:
            session.run = lambda names, feeds, *a: (_ for _ in ()).throw(RuntimeError("injected: no fp16 kernel"))
        return session

    monkeypatch.setattr(onnx_model, "open_session", opening)
    with caplog.at_level(logging.WARNING):
        half = build_embedder("half", onnx_spec(region_onnx, precision="fp16", batch_size=8, perturb_on_device=False))
    assert marked.outputs and half.precision == "fp32"
    assert warnings_of(caplog) == ["model half: precision fp16 failed (RuntimeError: injected: no fp16 kernel); the "
                                   "fp32 graph instead (the same numbers, without that speed-up)"]
    assert_same_lime(half, host_lime(region_onnx, face_crop), face_crop)


def test_failing_batch_measurement_falls_back_to_the_default_batch(region_onnx, face_crop, caplog, monkeypatch):
    import facelime.models.onnx_model as onnx_model

    def out_of_memory(*args, **kwargs):
        raise RuntimeError("injected: CUDA out of memory at batch 512")

    monkeypatch.setattr(onnx_model, "fastest_batch", out_of_memory)
    with caplog.at_level(logging.WARNING):
        auto = build_embedder("auto", onnx_spec(region_onnx, batch_size="auto", perturb_on_device=False))
    assert warnings_of(caplog) == ["model auto: batch_size auto failed (RuntimeError: injected: CUDA out of memory at "
                                   "batch 512); batch size 32 instead (the same numbers, without that speed-up)"]
    assert auto.batch_size == 32
    assert_same_lime(auto, host_lime(region_onnx, face_crop), face_crop)


def test_the_log_names_where_the_session_runs(region_onnx, caplog):
    with caplog.at_level(logging.INFO):
        build_embedder("where", onnx_spec(region_onnx, batch_size=8))
    import onnxruntime as ort

    assert (f"model where: onnxruntime {ort.__version__} on CPUExecutionProvider; precision fp32, batch 8, one input "
            "shape off, I/O binding off, perturbation on the device off") in caplog.text


def test_a_cuda_provider_that_does_not_start_is_reported(region_onnx, caplog, monkeypatch):
    """onnxruntime-gpu without working CUDA libraries keeps running on the CPU without an error;
    the job's log says so once, after the pip wheels' libraries were preloaded once."""
    import onnxruntime as ort

    from facelime.models import onnx_session

    preloaded = []
    monkeypatch.setattr(onnx_session, "_cuda_checked", {})
    monkeypatch.setattr(ort, "get_available_providers", lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"])
    monkeypatch.setattr(ort, "preload_dlls", lambda *a, **k: preloaded.append(1), raising=False)
    with caplog.at_level(logging.INFO):
        model = build_embedder("dropped", {"backend": "onnx", "path": str(region_onnx), "device": "auto",
                                           "precision": "fp16"})  # two sessions: one report
    assert not model.on_cuda and preloaded == [1]
    dropped = [r.getMessage() for r in caplog.records if "could not start it" in r.getMessage()]
    assert dropped == [f"{region_onnx}: onnxruntime has a CUDA provider but could not start it (CUDA or cuDNN "
                       "libraries missing or not matching, see onnxruntime's message above); this job runs on the CPU"]
    assert "model dropped: onnxruntime" in caplog.text and "on CPUExecutionProvider;" in caplog.text

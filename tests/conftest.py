"""Fixtures: ONNX models built by the tests themselves, and paths to optional shared data."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # the benchmark package (bench/) lives beside the product, not in it
    sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("FACELIME_SHARED", REPO.parent / "shared"))
MOBILEFACENET = SHARED / "models" / "mobilefacenet" / "MobileFaceNet.onnx"
LFW158 = SHARED / "data" / "lfw158"


def region_model(path: Path, region=(slice(28, 56), slice(56, 84)), size: int = 112, dim: int = 16,
                 batch_one: bool = False, seed: int = 0, weights=None, bias=None) -> Path:
    """An ONNX 'face-recognition network' whose embedding depends only on one image region.

    embedding = W . flatten(x[:, :, rows, cols]) + b, with fixed random W and b, so
    hiding any pixel outside the region leaves the embedding unchanged. With
    batch_one, the file fixes the batch to 1 and reshapes to [1, -1], as many
    exported face models do.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    rows, cols = region
    h, w = rows.stop - rows.start, cols.stop - cols.start
    if weights is None:
        weights = rng.standard_normal((3 * h * w, dim)) / np.sqrt(3 * h * w)
        bias = rng.standard_normal(dim)
    weights, bias = np.asarray(weights, np.float32), np.asarray(bias, np.float32)
    dim = weights.shape[1]
    batch = 1 if batch_one else "N"
    nodes = [
        helper.make_node("Slice", ["input", "starts", "ends", "axes"], ["region"]),
        helper.make_node("Reshape", ["region", "flat_shape"], ["flat"]),
        helper.make_node("MatMul", ["flat", "W"], ["proj"]),
        helper.make_node("Add", ["proj", "b"], ["embedding"]),
    ]
    inits = [
        numpy_helper.from_array(np.array([rows.start, cols.start], np.int64), "starts"),
        numpy_helper.from_array(np.array([rows.stop, cols.stop], np.int64), "ends"),
        numpy_helper.from_array(np.array([2, 3], np.int64), "axes"),
        numpy_helper.from_array(np.array([1 if batch_one else -1, 3 * h * w], np.int64), "flat_shape"),
        numpy_helper.from_array(weights, "W"),
        numpy_helper.from_array(bias, "b"),
    ]
    graph = helper.make_graph(
        nodes, "region_model",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [batch, 3, size, size])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, [batch, dim])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 10  # onnxruntime 1.31 refuses onnx 1.23's default IR 14
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


@pytest.fixture(scope="session")
def region_onnx(tmp_path_factory) -> Path:
    return region_model(tmp_path_factory.mktemp("models") / "region.onnx")


@pytest.fixture(scope="session")
def face_crop() -> np.ndarray:
    """A real face: the 112x112 Tom Hanks crop that ships with insightface."""
    from importlib import resources

    from facelime.images import load_rgb

    return load_rgb(resources.files("insightface") / "data" / "images" / "Tom_Hanks_54745.png")


def grid_segments(size: int = 112, cells: int = 4) -> np.ndarray:
    """Superpixels as a cells x cells grid of squares, numbered row by row from 0."""
    step = size // cells
    rows, cols = np.mgrid[0:size, 0:size] // step
    return (np.minimum(rows, cells - 1) * cells + np.minimum(cols, cells - 1)).astype(np.int32)


def additive_model(path: Path, cells: int = 4, size: int = 112) -> Path:
    """An ONNX 'network' whose similarity is nearly additive over a cells x cells grid (on a white image).

    Cell c adds sqrt(c + 1) along its own axis of the embedding; a large constant axis keeps the
    norm near fixed, so cos(e0, e(z)) ~ const + sum of (c + 1) over shown cells: cell c's true
    effect grows with c, and LIME's ranking of the cells has one right answer.
    """
    segments = grid_segments(size, cells).ravel()
    n = cells * cells
    weights = np.zeros((3 * size * size, n + 1), np.float32)
    scale = np.sqrt(np.arange(1, n + 1)) / (3 * (size // cells) ** 2)  # white pixels are 1 after (x - 127.5) / 127.5
    for channel in range(3):
        weights[channel * size * size + np.arange(size * size), segments] = scale[segments]
    bias = np.r_[np.zeros(n), 10 * np.sqrt(np.arange(1, n + 1).sum())]
    return region_model(path, region=(slice(0, size), slice(0, size)), size=size, weights=weights, bias=bias)


def pooled_model(path: Path, channels: int = 3, size: int = 112, scale: float = 1.0) -> Path:
    """A tiny ONNX 'network': per-channel means times `scale` (0 gives all-zero, nan gives NaN embeddings)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes = [helper.make_node("ReduceMean", ["input", "axes"], ["pooled"], keepdims=0),
             helper.make_node("Mul", ["pooled", "scale"], ["embedding"])]
    inits = [numpy_helper.from_array(np.array([2, 3], np.int64), "axes"),
             numpy_helper.from_array(np.array(scale, np.float32), "scale")]
    graph = helper.make_graph(
        nodes, "pooled",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", channels, size, size])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["N", channels])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 10
    onnx.save(model, str(path))
    return path


def bright_region_classifier(path: Path, region=(slice(28, 56), slice(56, 84)), size: int = 112,
                             gain: float = 20.0) -> Path:
    """A two-class ONNX classifier (inputs scaled to [0, 1]): logits [0, gain * (mean of the region - 0.5)],
    so class 1 fires when the region is bright and nothing outside the region matters."""
    rows, cols = region
    n = 3 * (rows.stop - rows.start) * (cols.stop - cols.start)
    weights = np.zeros((n, 2))
    weights[:, 1] = gain / n
    return region_model(path, region, size, weights=weights, bias=[0.0, -gain / 2])



def batch_mixing_model(path: Path, mix: float, size: int = 112) -> Path:
    """A batch-1 ONNX export whose relaxed graph lets rows leak into each other by `mix`.

    embedding_i = p_i + mix * sum_j p_j, with p the channel means times 1000: alone a row
    gives (1 + mix) p_i, in a batch its neighbours add in. A tiny mix is the float noise
    batched GPU kernels show; mix = 1 is a model that really mixes the batch.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes = [helper.make_node("ReduceMean", ["input", "axes"], ["pooled"], keepdims=0),
             helper.make_node("Mul", ["pooled", "scale"], ["p"]),
             helper.make_node("ReduceSum", ["p", "batch_axis"], ["total"], keepdims=1),
             helper.make_node("Mul", ["total", "mix"], ["leak"]),
             helper.make_node("Add", ["p", "leak"], ["embedding"])]
    inits = [numpy_helper.from_array(np.array([2, 3], np.int64), "axes"),
             numpy_helper.from_array(np.array([0], np.int64), "batch_axis"),
             numpy_helper.from_array(np.array(1000.0, np.float32), "scale"),
             numpy_helper.from_array(np.array(mix, np.float32), "mix")]
    graph = helper.make_graph(
        nodes, "batch_mixing",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, size, size])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, [1, 3])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 10
    onnx.save(model, str(path))
    return path

"""Perturbation where the model runs: an ONNX prefix that builds LIME's masked batch itself.

The host path (`PreparedFace.perturbed`) builds N x 3 x H x W floats in numpy and sends
them to the model: at GPU speed that costs as much as the forward passes. The prefix
takes the binary samples (N x K bytes) and, as inputs that stay on the device for all
of a face's samples, the prepared face, its superpixel index per pixel and the hide
values, and computes the same selection:

    shown = samples with an always-on column K appended      (Pad, value 1)
    keep  = shown[:, segment_index]                         (Gather on axis 1)
    batch = where(keep, face, hide)                         (Where, broadcast over channels)

It is a pure selection, so the batch equals the host's bit for bit. `onnx.compose`
joins it in front of the model, whose input it feeds.
"""

from __future__ import annotations

import numpy as np

SAMPLES, FACE, SEGMENT_INDEX, HIDE = "facelime_samples", "facelime_face", "facelime_segment_index", "facelime_hide"
BATCH = "facelime_perturbed_batch"
MIN_OPSET = 11  # Pad with its pads as an input


def default_opset(model) -> int:
    return next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)


def perturbation_prefix(channels: int, height: int, width: int, opset: int, ir_version: int):
    """The prefix graph alone: inputs SAMPLES (uint8 N x K), FACE (float C x H x W),
    SEGMENT_INDEX (int64 H x W, values 0..K, K = always shown), HIDE (float C); output BATCH."""
    from onnx import TensorProto, helper, numpy_helper

    constants = [
        numpy_helper.from_array(np.array([0, 0, 0, 1], np.int64), "facelime_pad_one_column"),
        numpy_helper.from_array(np.array(1, np.uint8), "facelime_one"),
        numpy_helper.from_array(np.array([-1, 1, height, width], np.int64), "facelime_mask_shape"),
        numpy_helper.from_array(np.array([1, channels, 1, 1], np.int64), "facelime_hide_shape"),
    ]
    nodes = [
        helper.make_node("Pad", [SAMPLES, "facelime_pad_one_column", "facelime_one"], ["facelime_shown"],
                         mode="constant"),
        helper.make_node("Gather", ["facelime_shown", SEGMENT_INDEX], ["facelime_keep"], axis=1),
        helper.make_node("Cast", ["facelime_keep"], ["facelime_keep_bool"], to=TensorProto.BOOL),
        helper.make_node("Reshape", ["facelime_keep_bool", "facelime_mask_shape"], ["facelime_mask"]),
        helper.make_node("Reshape", [HIDE, "facelime_hide_shape"], ["facelime_hide_nchw"]),
        helper.make_node("Where", ["facelime_mask", FACE, "facelime_hide_nchw"], [BATCH]),
    ]
    graph = helper.make_graph(
        nodes, "facelime_perturbation",
        [helper.make_tensor_value_info(SAMPLES, TensorProto.UINT8, ["N", "K"]),
         helper.make_tensor_value_info(FACE, TensorProto.FLOAT, [channels, height, width]),
         helper.make_tensor_value_info(SEGMENT_INDEX, TensorProto.INT64, [height, width]),
         helper.make_tensor_value_info(HIDE, TensorProto.FLOAT, [channels])],
        [helper.make_tensor_value_info(BATCH, TensorProto.FLOAT, ["N", channels, height, width])],
        initializer=constants,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = ir_version
    return model


def with_perturbation_prefix(model, input_name: str, channels: int, size: int):
    """`model` (a ModelProto whose input `input_name` is N x C x size x size) with the prefix in front.

    Raises ValueError when the model's opset is too old for the prefix or a name collides.
    """
    from onnx import compose

    opset = default_opset(model)
    if opset < MIN_OPSET:
        raise ValueError(f"the model's opset {opset} is below {MIN_OPSET}, which the perturbation prefix needs")
    prefix = perturbation_prefix(channels, size, size, opset, model.ir_version)
    names = {n for node in model.graph.node for n in list(node.input) + list(node.output)}
    names |= {i.name for i in model.graph.initializer} | {i.name for i in model.graph.input}
    clashes = sorted(n for n in names if n.startswith("facelime_"))
    if clashes:
        raise ValueError(f"the model already uses the names {clashes[:3]}")
    return compose.merge_models(prefix, model, io_map=[(BATCH, input_name)])


def prefix_constants(pixels: np.ndarray, hide: np.ndarray, segment_index: np.ndarray,
                     num_superpixels: int) -> dict[str, np.ndarray]:
    """The per-face inputs of the prefix: pixels outside the crop (-1) read the always-on column K."""
    index = np.where(segment_index < 0, num_superpixels, segment_index).astype(np.int64)
    return {FACE: np.ascontiguousarray(pixels, np.float32), SEGMENT_INDEX: index,
            HIDE: np.asarray(hide, np.float32).reshape(-1)}


def prefix_only(channels: int, size: int, opset: int = 17, ir_version: int = 10):
    """The prefix as a model of its own, whose output is the perturbed batch (for checking it)."""
    return perturbation_prefix(channels, size, size, opset, ir_version)

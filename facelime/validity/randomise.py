"""Model-randomisation sanity check (Adebayo et al. 2018) for ONNX models.

A copy of a trained network with the same architecture but no learnt structure: the
values of every weight tensor (float initialiser with 2+ dimensions: convolutions,
fully connected layers, PReLU slopes) are shuffled by a seeded permutation, so each
layer keeps its weight distribution and scale while what it learnt is gone. Biases
and batch-norm statistics (1-D) stay, so activations keep a sane range. If LIME's
heatmap of this copy looks like the trained model's, the heatmap shows the face and
the method, not what the network learnt.
"""

from __future__ import annotations

import numpy as np

SUFFIX = "-randomised"


def randomised_name(model: str) -> str:
    return f"{model}{SUFFIX}"


def randomised_models(models: dict, enabled: bool, folder: str = "results/validity/randomised") -> dict[str, dict]:
    """{randomised name: model entry} for every onnx model, each pointing at its shuffled copy."""
    if not enabled:
        return {}
    extra = {}
    for name, spec in sorted(models.items()):
        if spec["backend"] == "onnx":
            extra[randomised_name(name)] = {**spec, "path": f"{folder}/{name}.onnx", "attributes": {},
                                            "randomised_from": name}
    return extra


def shuffle_weights(model, seed: int) -> int:
    """Shuffle the values of every weight tensor of an onnx.ModelProto in place; returns how many were shuffled."""
    from onnx import numpy_helper

    rng = np.random.default_rng(seed)
    shuffled = 0
    for tensor in model.graph.initializer:
        values = numpy_helper.to_array(tensor)
        if values.dtype.kind != "f" or values.ndim < 2 or values.size < 2:
            continue
        permuted = rng.permutation(values.ravel()).reshape(values.shape).astype(values.dtype)
        tensor.CopyFrom(numpy_helper.from_array(permuted, tensor.name))
        shuffled += 1
    return shuffled

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

import os
from pathlib import Path

import numpy as np

from ..errors import ModelLoadError
from ..storage import atomic_path

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


def randomise_onnx(source: str, destination: str, seed: int) -> int:
    """Write `source` with every weight tensor's values shuffled; returns how many tensors were shuffled."""
    import onnx
    from onnx import numpy_helper

    try:
        model = onnx.load(source)
    except Exception as err:  # protobuf's DecodeError and friends
        raise ModelLoadError(source, f"cannot be read as ONNX ({type(err).__name__})") from None
    rng = np.random.default_rng(seed)
    shuffled = 0
    for tensor in model.graph.initializer:
        values = numpy_helper.to_array(tensor)
        if values.dtype.kind != "f" or values.ndim < 2 or values.size < 2:
            continue
        permuted = rng.permutation(values.ravel()).reshape(values.shape).astype(values.dtype)
        tensor.CopyFrom(numpy_helper.from_array(permuted, tensor.name))
        shuffled += 1
    if shuffled == 0:
        raise ModelLoadError(source, "has no weight tensors to randomise (no float initialiser with 2+ dimensions)")
    Path(destination).parent.mkdir(parents=True, exist_ok=True)
    tmp = atomic_path(destination, ".onnx")
    onnx.save(model, tmp)
    os.replace(tmp, destination)
    return shuffled


SANITY_FIELDS = ("comparison", "model_a", "model_b", "symmetric_kl")


def sanity_table(trained: dict[str, str], randomised: dict[str, str], out_tsv: str) -> list[dict]:
    """Symmetric KL between each trained model's heatmap and its randomised copy's, next to the KL
    between every pair of trained models (a sane explanation: the first is much larger).

    trained: {model: heatmap .npz}; randomised: {trained model: heatmap .npz of its randomised copy}.
    """
    from itertools import combinations

    from ..divergence import symmetric_kl
    from ..storage import load_arrays, write_tsv

    heatmap = {name: load_arrays(path)["heatmap"] for name, path in trained.items()}
    rows = [dict(comparison="trained_vs_randomised", model_a=model, model_b=randomised_name(model),
                 symmetric_kl=symmetric_kl(heatmap[model], load_arrays(path)["heatmap"]))
            for model, path in sorted(randomised.items())]
    rows += [dict(comparison="trained_vs_trained", model_a=a, model_b=b, symmetric_kl=symmetric_kl(heatmap[a], heatmap[b]))
             for a, b in combinations(sorted(heatmap), 2)]
    write_tsv(out_tsv, rows, SANITY_FIELDS)
    return rows

"""Heatmaps (docs/method.md, heatmaps): means of aligned score maps, min-max stretched to [0, 1].

Aggregates average the *unstretched* means of their members (each identity weighs
the same); the stretch is applied last, for display and KL. Aggregates over models
first scale each model to unit mass: LIME's coefficients differ in scale from one
network to another (MobileFaceNet's are ~4x dlib's), and a plain mean would show
the loudest model, not all of them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from .storage import atomic_path, load_some, save_arrays


def stretch(values: np.ndarray) -> np.ndarray:
    """Min-max stretch to [0, 1] (all zeros when the input is constant); a NaN or infinite value is an error."""
    values = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(values)):
        raise ValueError(f"cannot stretch a map with {np.count_nonzero(~np.isfinite(values))} NaN or infinite values")
    span = values.max() - values.min()
    return ((values - values.min()) / span if span > 0 else np.zeros_like(values)).astype(np.float32)


def mean_of(maps) -> np.ndarray:
    """Running mean of an iterable of equally shaped float maps (memory stays one map)."""
    total, count = None, 0
    for item in maps:
        item = np.asarray(item, dtype=np.float64)
        total = item.copy() if total is None else total + item
        count += 1
    if count == 0:
        raise ValueError("a heatmap needs at least one map")
    return (total / count).astype(np.float32)


def mass(values: np.ndarray) -> float:
    """A map's total positive mass (what region shares divide)."""
    return float(np.clip(np.asarray(values, dtype=np.float64), 0, None).sum())


def models_equal_mean(maps, scales) -> np.ndarray:
    """Mean over models of each map divided by its model's mass, so every model weighs the same.

    scales: per map, the mass that stands for its model's scale (its model heatmap's,
    or its own); a model with no mass contributes zeros.
    """
    return mean_of(np.asarray(m, np.float64) / s if s > 0 else np.zeros_like(m, np.float64)
                   for m, s in zip(maps, scales))


def jet(heatmap: np.ndarray) -> np.ndarray:
    """uint8 RGB JET rendering of a [0, 1] heatmap."""
    # matplotlib's colour maps without pyplot: most jobs that import this module draw no figure
    from matplotlib import colormaps

    return np.round(colormaps["jet"](heatmap)[:, :, :3] * 255).astype(np.uint8)


def _save_png(path: Path, array: np.ndarray) -> None:
    tmp = atomic_path(path, ".png")
    Image.fromarray(array).save(tmp, format="PNG")
    Path(tmp).replace(path)


def write_heatmap(prefix: str | Path, mean: np.ndarray, face: np.ndarray | None, members: list[str]) -> dict:
    """Write <prefix>.npz (mean, heatmap, members), .grey.png, .jet.png and .overlay.png."""
    prefix = Path(prefix)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    heatmap = stretch(mean)
    save_arrays(f"{prefix}.npz", mean=mean.astype(np.float32), heatmap=heatmap, members=np.array(members, dtype=str),
                count=np.int64(len(members)))
    _save_png(Path(f"{prefix}.grey.png"), np.round(heatmap * 255).astype(np.uint8))
    coloured = jet(heatmap)
    _save_png(Path(f"{prefix}.jet.png"), coloured)
    base = face if face is not None else np.full(coloured.shape, 128, np.uint8)
    _save_png(Path(f"{prefix}.overlay.png"), np.round(0.5 * base + 0.5 * coloured).astype(np.uint8))
    return {"mean": mean, "heatmap": heatmap}


def heatmap_outputs(prefix: str) -> list[str]:
    return [f"{prefix}.{ext}" for ext in ("npz", "grey.png", "jet.png", "overlay.png")]


def read_mean(path: str | Path) -> np.ndarray:
    """The unstretched mean stored in a heatmap or aligned-maps file (reads only that array; must be finite)."""
    return load_some(path, "mean")["mean"]


def read_count(path: str | Path) -> int:
    """How many members or images a heatmap or aligned file averages (0: all were skipped)."""
    with np.load(path, allow_pickle=False) as data:
        return int(data["count"]) if "count" in data.files else 1


def read_face(path: str | Path) -> np.ndarray:
    """The uint8 face image stored beside a mean (mean face, aligned faces of an identity)."""
    with np.load(path, allow_pickle=False) as data:
        return data["face"]


def nonempty_members(paths: list[str], names: list[str]) -> tuple[list[str], list[str]]:
    """Members that hold at least one image: identities whose images were all skipped are left out."""
    kept = [(p, n) for p, n in zip(paths, names) if read_count(p) > 0]
    if not kept:
        raise ValueError(f"no member of this aggregate has a usable image ({len(paths)} members, see results/qc/qc.tsv)")
    return [p for p, _ in kept], [n for _, n in kept]

"""Array files and TSV tables written atomically, arrays read without pickle.

A job killed mid-write must never leave a file that looks finished, so every
write goes to a temporary name in the same folder and is renamed into place.
"""

from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path

import numpy as np

from .errors import NonFiniteMapError

# Arrays that hold maps (score maps, aligned maps, heatmaps): every reader refuses them when not
# finite, naming the file, so that one NaN can neither be stretched to zeros nor give a finite KL.
MAP_KEYS = frozenset({"score_maps", "signed_maps", "aligned", "mean", "heatmap"})


def check_finite_maps(path: str | os.PathLike, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """`arrays` unchanged, or NonFiniteMapError for a map array (MAP_KEYS) with a NaN or infinite value."""
    for key in MAP_KEYS.intersection(arrays):
        value = arrays[key]
        if np.issubdtype(value.dtype, np.floating):
            bad = int(np.count_nonzero(~np.isfinite(value)))
            if bad:
                raise NonFiniteMapError(path, key, bad)
    return arrays


def atomic_path(path: str | os.PathLike, suffix: str = ""):
    """A temporary path beside `path`; call os.replace(tmp, path) once it is complete."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix or path.suffix, dir=path.parent)
    os.close(fd)
    return tmp


def save_arrays(path: str | os.PathLike, **arrays) -> None:
    """np.savez_compressed, atomically; object arrays are refused (they would need pickle)."""
    for key, value in arrays.items():
        if np.asarray(value).dtype == object:
            raise TypeError(f"{path}: array {key!r} has dtype object; store strings as str arrays")
    tmp = atomic_path(path, ".npz")
    try:
        with open(tmp, "wb") as handle:
            np.savez_compressed(handle, **arrays)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def load_arrays(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Every array of an .npz, never unpickling; maps must be finite (check_finite_maps)."""
    with np.load(path, allow_pickle=False) as data:
        return check_finite_maps(path, {key: data[key] for key in data.files})


def load_some(path: str | os.PathLike, *keys: str) -> dict[str, np.ndarray]:
    """Only the named arrays of an .npz (those it has): big score maps stay on disk."""
    with np.load(path, allow_pickle=False) as data:
        return check_finite_maps(path, {key: data[key] for key in keys if key in data.files})


def write_tsv(path: str | os.PathLike, rows: list[dict], fields) -> None:
    """A TSV with fixed columns (header only when there are no rows), floats to 6 significant digits, atomically."""
    tmp = atomic_path(path, ".tsv")
    with open(tmp, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(fields), delimiter="\t", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: (f"{v:.6g}" if isinstance(v, (float, np.floating)) else v) for k, v in row.items()})
    Path(tmp).replace(path)


def read_tsv(path: str | os.PathLike) -> list[dict]:
    """The rows of a TSV with a header, as dicts of strings."""
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


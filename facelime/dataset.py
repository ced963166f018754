"""The dataset layout `<root>/<identity>/<image>` (optionally `<root>/<identity>/<view>/<image>`)
and the identity metadata CSV."""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

from .errors import ConfigError
from .images import IMAGE_EXTENSIONS


def _is_image(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in IMAGE_EXTENSIONS and not path.name.startswith(".")


def list_images(root: str | os.PathLike, identity: str, view: str | None = None) -> list[str]:
    """Image paths of one identity, sorted by name, relative to nothing (absolute-or-as-given).

    With `view`, images come from the `<identity>/<view>/` sub-folder (the study used
    `Frontal/`); otherwise from the identity folder itself.
    """
    folder = Path(root) / identity
    if view:
        folder = folder / view
    if not folder.is_dir():
        return []
    return sorted(str(p) for p in folder.iterdir() if _is_image(p))


def list_identities(root: str | os.PathLike, view: str | None = None) -> list[str]:
    """Identity folders under root that hold at least one image, sorted."""
    root = Path(root)
    if not root.is_dir():
        raise ConfigError(f"dataset.root: folder not found: {root}")
    found = sorted(p.name for p in root.iterdir() if p.is_dir() and list_images(root, p.name, view))
    for name in found:
        if set(name) & set("{}") or name != name.strip():
            raise ConfigError(f"dataset.root: identity folder '{root / name}' has braces or edge spaces in its name, "
                              "which output paths cannot carry: rename it")
    return found


def image_id(path: str | os.PathLike) -> str:
    """The name an image is known by in outputs: its file name without extension."""
    return Path(path).stem


VGGFACE2_COLUMNS = ["Class_ID", "Name", "Sample_Num", "Flag", "Gender"]
VGGFACE2_ID = re.compile(r"^n\d{6}$")


def _clean(value: str) -> str:
    """Strip spaces and the doubled quotes VGGFace2 wraps names in (' "Name"' -> 'Name')."""
    return value.strip().strip('"').strip()


def read_identity_metadata(path: str | os.PathLike, identity_column: str | None = None) -> dict[str, dict[str, str]]:
    """Rows of the identity CSV keyed by identity, values stripped.

    Copes with VGGFace2's `identity_meta.csv` as distributed: with or without the
    header `Class_ID, Name, Sample_Num, Flag, Gender` (the copy we know has none),
    spaces after the commas, CRLF line ends and names wrapped in doubled quotes.
    The identity column is `identity_column`, else `identity`, else `Class_ID`,
    else the first column.
    """
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle, skipinitialspace=True)
        try:
            first = [_clean(h) for h in next(reader)]
        except StopIteration:
            raise ConfigError(f"dataset.metadata: {path} is empty") from None
        if VGGFACE2_ID.match(first[0]) and len(first) == len(VGGFACE2_COLUMNS):
            header, pending = list(VGGFACE2_COLUMNS), [first]  # headerless VGGFace2 file
        else:
            header, pending = first, []
        if identity_column:
            if identity_column not in header:
                raise ConfigError(
                    f"dataset.identity_column: column '{identity_column}' not in {path} (has {header})"
                )
            key = identity_column
        else:
            key = next((c for c in ("identity", "Class_ID") if c in header), header[0])
        rows: dict[str, dict[str, str]] = {}
        for values in [*pending, *reader]:
            if not values or all(not v.strip() for v in values):
                continue
            row = {h: _clean(v) for h, v in zip(header, values)}
            rows[row[key]] = row
    return rows

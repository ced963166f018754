"""The dataset layout `<root>/<identity>/<image>` (optionally `<root>/<identity>/<view>/<image>`)
and the identity metadata CSV."""

from __future__ import annotations

import csv
import io
import logging
import os
import re
from pathlib import Path

from .errors import ConfigError
from .images import IMAGE_EXTENSIONS


def _is_image(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in IMAGE_EXTENSIONS and not path.name.startswith(".")


def _visible(path: Path) -> bool:
    return not path.name.startswith(".")  # hidden files and folders (.DS_Store, .git) are not data


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


def _ignored(identity: str, file, reason: str) -> dict:
    return dict(identity=identity, file=os.fspath(file), stage="dataset", action="ignored", reason=reason)


def scan_dataset(root: str | os.PathLike, view: str | None = None) -> tuple[list[str], list[dict]]:
    """Identity folders under root that hold at least one image, and QC rows for what is left out.

    The layout is `<root>/<identity>/<image>` (or `<root>/<identity>/<view>/<image>`).
    Images elsewhere (directly under root, nested deeper, in an identity without the
    view folder) and files that are not images are listed, never dropped silently.
    A flat folder of images, with no identity folders at all, is a ConfigError.
    """
    root = Path(root)
    if not root.is_dir():
        raise ConfigError(f"dataset.root: folder not found: {root}")
    layout = "<root>/<identity>/" + (f"{view}/" if view else "") + "<image>"
    found, ignored = [], []
    loose = sorted(p for p in root.iterdir() if _is_image(p))
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and _visible(p)):
        name = folder.name
        images_at = folder / view if view else folder
        direct = list_images(root, name, view)
        if direct:
            found.append(name)
        elif images_at.is_dir():  # an identity folder (or its view folder) with no image in it
            ignored.append(_ignored(name, images_at, "no images in the identity folder: identity left out"))
        outside_view = list_images(root, name) if view else []
        if outside_view:
            ignored.append(_ignored(name, folder, f"{len(outside_view)} images directly in the identity folder, "
                                                  f"outside its '{view}' folder (dataset.view): ignored"))
        elif view and not images_at.is_dir():
            ignored.append(_ignored(name, folder, f"no '{view}' folder (dataset.view): identity left out"))
            continue
        for entry in sorted(images_at.iterdir()) if images_at.is_dir() else []:
            if not _visible(entry):
                continue
            if entry.is_dir():
                nested = sum(1 for p in entry.rglob("*") if _is_image(p))
                if nested:
                    ignored.append(_ignored(name, entry, f"{nested} images nested deeper than {layout}: ignored "
                                                          "(set dataset.view if this is a view folder)"))
            elif not _is_image(entry):
                ignored.append(_ignored(name, entry, f"not an image file type ({entry.suffix or 'no extension'}; "
                                                     f"read: {' '.join(IMAGE_EXTENSIONS)})"))
    if not found:
        if loose:
            raise ConfigError(f"dataset.root: {root} holds {len(loose)} images but no identity folders; the layout is "
                              f"{layout}: put each person's images in a folder named after them")
        raise ConfigError(f"dataset.root: no identity folder with images under {root} (the layout is {layout})")
    ignored = [_ignored("", p, f"image directly under dataset.root, not in an identity folder ({layout}): ignored")
               for p in loose] + ignored
    for name in found:
        if set(name) & set("{}") or name != name.strip():
            raise ConfigError(f"dataset.root: identity folder '{root / name}' has braces or edge spaces in its name, "
                              "which output paths cannot carry: rename it")
    return found, ignored


def list_identities(root: str | os.PathLike, view: str | None = None) -> list[str]:
    """Identity folders under root that hold at least one image, sorted."""
    return scan_dataset(root, view)[0]


def image_id(path: str | os.PathLike) -> str:
    """The name an image is known by in outputs: its file name without extension."""
    return Path(path).stem


def image_ids(paths: list[str]) -> list[str]:
    """Names of one identity's images: the stem, or the whole file name where two files share a
    stem (`x.jpg`, `x.png`), so that no two images share a name in outputs."""
    stems = [image_id(p).casefold() for p in paths]
    return [Path(p).name if stems.count(stem) > 1 else image_id(p) for p, stem in zip(paths, stems)]


def _read_text(path) -> str:
    """UTF-8 (with or without BOM); other files are read as Latin-1 (it decodes any byte), with a warning."""
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise ConfigError(f"dataset.metadata: cannot read {path} ({err.strerror})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        logging.getLogger("facelime").warning(
            "dataset.metadata: %s is not UTF-8 (byte %d); read as Latin-1: check its names", path, err.start)
        return data.decode("latin-1")


VGGFACE2_COLUMNS = ["Class_ID", "Name", "Sample_Num", "Flag", "Gender"]
VGGFACE2_ID = re.compile(r"^n\d{6}$")


def _clean(value: str) -> str:
    """Strip spaces and the doubled quotes VGGFace2 wraps names in (' "Name"' -> 'Name')."""
    return value.strip().strip('"').strip()


def read_metadata_table(path: str | os.PathLike) -> tuple[list[str], list[dict[str, str]]]:
    """(header, rows) of the identity CSV, values stripped.

    Copes with VGGFace2's `identity_meta.csv` as distributed: with or without the
    header `Class_ID, Name, Sample_Num, Flag, Gender` (the copy we know has none),
    spaces after the commas, CRLF line ends and names wrapped in doubled quotes.
    """
    text = _read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True)
    try:
        first = [_clean(h) for h in next(reader)]
    except StopIteration:
        raise ConfigError(f"dataset.metadata: {path} is empty") from None
    if VGGFACE2_ID.match(first[0]) and len(first) == len(VGGFACE2_COLUMNS):
        header, pending = list(VGGFACE2_COLUMNS), [first]  # headerless VGGFace2 file
    else:
        header, pending = first, []
    rows = [{h: _clean(v) for h, v in zip(header, values)}
            for values in [*pending, *reader] if values and any(v.strip() for v in values)]
    return header, rows


def identity_column_choice(header: list[str], rows: list[dict[str, str]], identities: list[str] | None,
                           configured: str | None, path) -> tuple[str, str]:
    """(column, how it was chosen) of the column that names the identity folders.

    dataset.identity_column when set (a column not in the file is a one-line ConfigError);
    else, with the dataset's identity folders known, the column whose values match the most
    of them (ties: `identity`, `Class_ID`, then file order), and none matching is a one-line
    ConfigError naming the columns and the key to set; without folders (a file read on its
    own): `identity`, else `Class_ID`, else the first column.
    """
    if configured:
        if configured not in header:
            raise ConfigError(f"dataset.identity_column: column '{configured}' is not in {path} "
                              f"(its columns: {', '.join(header)})")
        return configured, "dataset.identity_column"
    preferred = [c for c in ("identity", "Class_ID") if c in header] + list(header)
    if identities is None:
        return preferred[0], "default"
    folders = set(identities)
    matches = {c: len(folders & {row.get(c, "") for row in rows}) for c in header}
    best = max(preferred, key=lambda c: (matches[c], -preferred.index(c)))
    if not matches[best]:
        example = sorted(folders)[0] if folders else "?"
        raise ConfigError(f"dataset.metadata: no column of {path} holds the identity folder names (columns: "
                          f"{', '.join(header)}; folders such as '{example}'): set dataset.identity_column")
    return best, f"matches {matches[best]} of {len(folders)} identity folders"


def read_identity_metadata(path: str | os.PathLike, identity_column: str | None = None,
                           identities: list[str] | None = None) -> dict[str, dict[str, str]]:
    """Rows of the identity CSV keyed by identity (see read_metadata_table and
    identity_column_choice for the file and the column)."""
    header, rows = read_metadata_table(path)
    key, _ = identity_column_choice(header, rows, identities, identity_column, path)
    return {row[key]: row for row in rows if key in row}

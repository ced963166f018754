"""Reading image files into RGB uint8 arrays, with errors that name the file."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import BadImageError

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".pgm", ".ppm", ".tif", ".tiff", ".webp")


def _to_uint8(array: np.ndarray) -> np.ndarray:
    """Scale 16-bit or float data to 0..255 (PIL's convert('RGB') would clip it)."""
    if array.dtype == np.uint8:
        return array
    if np.issubdtype(array.dtype, np.integer):
        top = 65535 if array.max(initial=0) > 255 else 255
        return np.round(array.astype(np.float64) * 255.0 / top).astype(np.uint8)
    return np.clip(np.round(array.astype(np.float64) * 255.0), 0, 255).astype(np.uint8)


def load_rgb(path: str | os.PathLike, notes: list[str] | None = None) -> np.ndarray:
    """Load any still image as uint8 RGB, HxWx3, upright.

    The EXIF orientation tag is applied (phones store photos sideways and say so
    only in the tag). Grey, CMYK, palette and 16-bit images are converted; an alpha
    channel is composited onto mid-grey so transparent parts look like LIME's hidden
    regions; an animated image gives its first frame. Whatever was done beyond a plain
    read is appended to `notes`, for the QC table.
    """
    path = Path(path)
    notes = [] if notes is None else notes
    if not path.is_file():
        raise BadImageError(path, "file not found")
    if path.stat().st_size == 0:
        raise BadImageError(path, "empty file (0 bytes)")
    try:
        with Image.open(path) as img:
            frames = getattr(img, "n_frames", 1)
            img.seek(0)
            img.load()
            if frames > 1:
                notes.append(f"animated image ({frames} frames): the first frame was used")
            orientation = img.getexif().get(0x0112, 1)
            upright = ImageOps.exif_transpose(img) if orientation not in (None, 1) else img
            if upright is not img:
                notes.append(f"rotated upright by its EXIF orientation tag ({orientation})")
            return _as_rgb(upright)
    except UnidentifiedImageError:
        raise BadImageError(path, "not an image file (format not recognised)") from None
    except (OSError, SyntaxError, ValueError, EOFError) as err:
        raise BadImageError(path, f"corrupt or truncated image ({err})") from None


def _as_rgb(img: Image.Image) -> np.ndarray:
    mode = img.mode
    if mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        grey = _to_uint8(np.asarray(img))
        return np.repeat(grey[:, :, None], 3, axis=2)
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in img.info):
        rgba = np.asarray(img.convert("RGBA")).astype(np.float32)
        alpha = rgba[:, :, 3:4] / 255.0
        rgb = rgba[:, :, :3] * alpha + 127.5 * (1.0 - alpha)
        return np.round(rgb).astype(np.uint8)
    return np.array(img.convert("RGB"))  # a writable copy


def save_rgb(path: str | os.PathLike, image: np.ndarray) -> None:
    """Write an RGB uint8 array as PNG (lossless, so crops round-trip exactly)."""
    Image.fromarray(np.asarray(image, dtype=np.uint8)).save(path)

"""Reading image files into RGB uint8 arrays, with errors that name the file."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from .errors import BadImageError

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".pgm", ".ppm", ".tif", ".tiff", ".webp")


def _to_uint8(array: np.ndarray) -> np.ndarray:
    """Scale 16-bit or float data to 0..255 (PIL's convert('RGB') would clip it)."""
    if array.dtype == np.uint8:
        return array
    if np.issubdtype(array.dtype, np.integer):
        top = 65535 if array.max(initial=0) > 255 else 255
        return np.round(array.astype(np.float64) * 255.0 / top).astype(np.uint8)
    return np.clip(np.round(array.astype(np.float64) * 255.0), 0, 255).astype(np.uint8)


def load_rgb(path: str | os.PathLike) -> np.ndarray:
    """Load any still image as uint8 RGB, HxWx3.

    Grey, CMYK, palette and 16-bit images are converted; an alpha channel is
    composited onto mid-grey so transparent parts look like LIME's hidden regions.
    """
    path = Path(path)
    if not path.is_file():
        raise BadImageError(path, "file not found")
    if path.stat().st_size == 0:
        raise BadImageError(path, "empty file (0 bytes)")
    try:
        with Image.open(path) as img:
            img.load()
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
    except UnidentifiedImageError:
        raise BadImageError(path, "not an image file (format not recognised)") from None
    except (OSError, SyntaxError, ValueError) as err:
        raise BadImageError(path, f"corrupt or truncated image ({err})") from None


def save_rgb(path: str | os.PathLike, image: np.ndarray) -> None:
    """Write an RGB uint8 array as PNG (lossless, so crops round-trip exactly)."""
    Image.fromarray(np.asarray(image, dtype=np.uint8)).save(path)

"""Contact sheets: image | superpixels | score map | overlay, one PNG per image."""

from __future__ import annotations

import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from skimage.segmentation import mark_boundaries  # noqa: E402

from .heatmaps import jet, stretch  # noqa: E402

PANEL_TITLE_WIDTH = 24  # characters per line of a panel title: a 2.5 in panel at 9 pt holds about 28


def overlay(image: np.ndarray, score_map: np.ndarray, alpha: float = 0.5) -> np.ndarray:
    """Image blended with the JET colour map of the min-max-stretched score map (uint8 RGB)."""
    heat = jet(stretch(score_map)).astype(np.float64)
    blended = (1 - alpha) * image.astype(np.float64) + alpha * heat
    return np.clip(np.round(blended), 0, 255).astype(np.uint8)


def superpixel_label_points(segments: np.ndarray) -> dict[int, tuple[float, float]]:
    """{label: (x, y)}: where each superpixel's number is written, a pixel of the superpixel itself
    (the one nearest its centroid, so a curved superpixel is not numbered outside itself)."""
    points = {}
    for label in np.unique(segments):
        ys, xs = np.nonzero(segments == label)
        nearest = np.argmin((ys - ys.mean()) ** 2 + (xs - xs.mean()) ** 2)
        points[int(label)] = (float(xs[nearest]), float(ys[nearest]))
    return points


def _wrapped(text: str) -> str:
    return "\n".join(textwrap.fill(line, PANEL_TITLE_WIDTH) for line in text.split("\n"))


def sheet_figure(image: np.ndarray, segments: np.ndarray, score_map: np.ndarray, title: str,
                 other: np.ndarray | None = None, other_title: str = "compared with", numbered: bool = True):
    """The contact sheet as a matplotlib figure (the caller saves or inspects it).

    numbered: each superpixel's number on the superpixel panel, the numbers the CLI prints.
    Panel titles are wrapped so that none runs past the sheet's edge.
    """
    extra = [] if other is None else [(other, other_title)]
    lines = title.count("\n") + 1
    fig, axes = plt.subplots(1, 4 + len(extra), figsize=(2.5 * (4 + len(extra)), 2.9 + 0.15 * (lines - 1)), dpi=100)
    panels = extra + [
        (image, "image"),
        (mark_boundaries(image, segments, color=(1, 1, 0)), f"superpixels ({segments.max() + 1})"),
        (None, "score map"),
        (overlay(image, score_map), "overlay"),
    ]
    for ax, (data, label) in zip(axes, panels):
        if data is None:
            shown = ax.imshow(score_map, cmap="jet")
            fig.colorbar(shown, ax=ax, fraction=0.046, pad=0.04)
        else:
            ax.imshow(data)
        if numbered and label.startswith("superpixels"):
            for number, (x, y) in superpixel_label_points(segments).items():
                ax.text(x, y, str(number), fontsize=4.5, color="white", ha="center", va="center",
                        bbox=dict(boxstyle="round,pad=0.1", fc="black", alpha=0.45, lw=0))
        ax.set_title(_wrapped(label), fontsize=9)
        ax.axis("off")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig


def contact_sheet(path, image: np.ndarray, segments: np.ndarray, score_map: np.ndarray, title: str,
                  other: np.ndarray | None = None, other_title: str = "compared with", numbered: bool = True) -> None:
    """Write the four-panel PNG for one explained image (five in pair mode: the other image first)."""
    fig = sheet_figure(image, segments, score_map, title, other, other_title, numbered)
    fig.savefig(path)
    plt.close(fig)


def sheet_title(model: str, subject: str, method: str, samples: int, superpixels: int, r2: float) -> str:
    """A sheet's title: what was explained, with how many samples, and LIME's surrogate fit with
    the number it rests on (an R² of a surrogate with about as many parameters as samples means little)."""
    first = f"{model} | {subject}"
    if method == "lime":
        return f"{first} | {samples} LIME samples, {superpixels} superpixels | surrogate R² {r2:.2f}"
    return f"{first} | {method}, {samples} forward passes"

"""Contact sheets: image | superpixels | score map | overlay, one PNG per image."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from skimage.segmentation import mark_boundaries  # noqa: E402

from .heatmaps import jet, stretch  # noqa: E402


def overlay(image: np.ndarray, score_map: np.ndarray, alpha: float = 0.5) -> np.ndarray:
    """Image blended with the JET colour map of the min-max-stretched score map (uint8 RGB)."""
    heat = jet(stretch(score_map)).astype(np.float64)
    blended = (1 - alpha) * image.astype(np.float64) + alpha * heat
    return np.clip(np.round(blended), 0, 255).astype(np.uint8)


def contact_sheet(path, image: np.ndarray, segments: np.ndarray, score_map: np.ndarray, title: str,
                  other: np.ndarray | None = None, other_title: str = "compared with") -> None:
    """Write the four-panel PNG for one explained image (five in pair mode: the other image first)."""
    extra = [] if other is None else [(other, other_title)]
    fig, axes = plt.subplots(1, 4 + len(extra), figsize=(2.5 * (4 + len(extra)), 2.9), dpi=100)
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
        ax.set_title(label, fontsize=9)
        ax.axis("off")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)

"""Rule figure_grid: the study's figures, grids of heatmap overlays per model, attribute and group."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from ..figures import plt, save_figure


def figure_grid(*, overlays: list[str], titles: list[str], png: str, figure: str) -> None:
    """A grid of heatmap overlays (the study's model grid, by training set, ...), one title per panel."""
    n = len(overlays)
    cols = min(n, 4)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(2.3 * cols, 2.9 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, overlay_path, label in zip(axes.ravel(), overlays, titles):
        ax.imshow(np.asarray(Image.open(overlay_path)))
        ax.set_title(label, fontsize=8)
    fig.suptitle(f"heatmaps: {figure}", fontsize=10)
    save_figure(fig, png)

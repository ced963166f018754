"""Drawing the study's figures: KL clustermaps, dendrograms, region-share bars (grids: facelime.steps.figures)."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from scipy.cluster.hierarchy import dendrogram  # noqa: E402

from .canonical import REGIONS  # noqa: E402


def save_figure(fig, path) -> None:
    """Save and close a matplotlib figure, renamed into place when complete."""
    tmp = f"{path}.tmp.png"
    fig.savefig(tmp, dpi=110, bbox_inches="tight")
    plt.close(fig)
    os.replace(tmp, path)


def draw_clustermap(matrix: np.ndarray, names: list[str], links: np.ndarray, path, title: str) -> None:
    frame = pd.DataFrame(matrix, index=names, columns=names)
    size = max(4.0, 0.55 * len(names) + 2.5)
    grid = sns.clustermap(frame, row_linkage=links, col_linkage=links, cmap="viridis", annot=len(names) <= 12,
                          fmt=".3g", figsize=(size, size), cbar_kws={"label": "symmetric KL"})
    grid.figure.suptitle(title, y=1.02)
    save_figure(grid.figure, path)


def draw_dendrogram(links: np.ndarray, names: list[str], path, title: str) -> None:
    fig, ax = plt.subplots(figsize=(max(4.0, 0.6 * len(names) + 2), 3.5))
    dendrogram(links, labels=list(names), ax=ax, leaf_rotation=60)
    ax.set_ylabel("distance")
    ax.set_title(title, fontsize=9)
    save_figure(fig, path)


def draw_region_shares(rows: list[dict], path) -> None:
    frame = pd.DataFrame(rows)
    frame = frame[frame["kind"] != "model_identity"].copy()
    if "n" in frame:  # a group's size beside its name: a group of 2 is not a group of 200
        grouped = frame["kind"].isin(["group", "group_model"])
        frame.loc[grouped, "heatmap"] = frame.loc[grouped, "heatmap"] + " (n=" + frame.loc[grouped, "n"].astype(str) + ")"
    long = frame.melt(id_vars=["kind", "heatmap"], value_vars=list(REGIONS), var_name="region", value_name="share")
    fig, ax = plt.subplots(figsize=(max(6.0, 0.35 * len(frame) + 4), 4))
    sns.barplot(data=long, x="heatmap", y="share", hue="region", ax=ax)
    ax.set_xlabel("")
    ax.set_ylabel("share of heatmap mass")
    ax.tick_params(axis="x", rotation=60)
    ax.legend(fontsize=7, ncols=2)
    save_figure(fig, path)

"""Figures of classifier mode: confusion matrix, and grids of green/red explanations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns

from ..figures import plt, save_figure


def draw_confusion(confusion: np.ndarray, classes: list[str], path, title: str) -> None:
    size = max(4.0, 0.6 * len(classes) + 2.5)
    fig, ax = plt.subplots(figsize=(size, size * 0.85))
    sns.heatmap(pd.DataFrame(confusion, index=classes, columns=classes), annot=True, fmt="d", cmap="Blues", ax=ax,
                cbar=False)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title, fontsize=9)
    save_figure(fig, path)


def draw_explanation_grid(rows: list[dict], path, title: str) -> None:
    """One row per image: the image, then one green/red overlay per explained class.

    rows: dicts with 'image' (uint8 RGB), 'label' (row title), 'panels' [(overlay, panel title)].
    """
    if not rows:
        fig, ax = plt.subplots(figsize=(4, 1.2))
        ax.axis("off")
        ax.text(0.5, 0.5, f"{title}\n(no image falls in this case)", ha="center", va="center", fontsize=9)
        save_figure(fig, path)
        return
    cols = 1 + max(len(r["panels"]) for r in rows)
    fig, axes = plt.subplots(len(rows), cols, figsize=(2.1 * cols, 2.3 * len(rows)), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for line, row in zip(axes, rows):
        line[0].imshow(row["image"])
        line[0].set_title(row["label"], fontsize=7)
        for ax, (overlay, label) in zip(line[1:], row["panels"]):
            ax.imshow(overlay)
            ax.set_title(label, fontsize=7)
    fig.suptitle(f"{title}  (green: supports the class, red: against it)", fontsize=9)
    save_figure(fig, path)


def draw_precision_recall(classes: list[str], precision, recall, path, title: str) -> None:
    frame = pd.DataFrame({"class": list(classes) * 2, "value": list(precision) + list(recall),
                          "metric": ["precision"] * len(classes) + ["recall"] * len(classes)})
    fig, ax = plt.subplots(figsize=(max(4.0, 0.45 * len(classes) + 2.5), 3.2))
    sns.barplot(data=frame, x="class", y="value", hue="metric", ax=ax)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("")
    ax.tick_params(axis="x", rotation=60 if len(classes) > 6 else 0)
    ax.set_title(title, fontsize=9)
    save_figure(fig, path)

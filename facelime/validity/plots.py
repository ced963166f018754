"""Figures of the validity checks: mean deletion/insertion curves, stability vs samples, region forest plot."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..canonical import REGIONS
from ..figures import plt, save_figure


def draw_faithfulness_curves(mean_curves: dict[str, dict[str, np.ndarray]], path) -> None:
    """Per model, mean similarity vs fraction of superpixels deleted / inserted, LIME order vs random."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), sharey=True)
    for model, curves in mean_curves.items():
        for ax, kind in zip(axes, ("deletion", "insertion")):
            if f"{kind}_lime" not in curves:
                continue
            x = np.linspace(0, 1, len(curves[f"{kind}_lime"]))
            line, = ax.plot(x, curves[f"{kind}_lime"], label=f"{model}: explanation's order")
            ax.plot(x, curves[f"{kind}_random"], "--", color=line.get_color(), label=f"{model}: random order")
    for ax, kind in zip(axes, ("deletion", "insertion")):
        ax.set_title(f"{kind} (superpixels {'hidden' if kind == 'deletion' else 'revealed'})", fontsize=9)
        ax.set_xlabel(f"fraction of superpixels {'hidden' if kind == 'deletion' else 'revealed'}")
    axes[0].set_ylabel("similarity to reference, (cos + 1) / 2")
    axes[1].legend(fontsize=7)
    save_figure(fig, path)


def draw_stability(summary: list[dict], path) -> None:
    """Mean pairwise Spearman between seeds vs num_samples, one line per model."""
    frame = pd.DataFrame(summary)
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for model, rows in frame.groupby("model") if len(frame) else []:
        ax.errorbar(rows["num_samples"], rows["mean_spearman"], yerr=rows["sd_spearman"], marker="o", capsize=3,
                    label=model)
    ax.set_xscale("log")
    ax.axhline(0.9, color="grey", lw=0.8, ls=":")
    ax.set_xlabel("LIME samples (forward passes)")
    ax.set_ylabel("mean Spearman between seeds")
    ax.legend(fontsize=7)
    save_figure(fig, path)


def draw_region_forest(ci_rows: list[dict], path, confidence: float) -> None:
    """Region share with its bootstrap CI per group, one panel per (scope, grouping column)."""
    frame = pd.DataFrame(ci_rows)
    panels = list(frame.groupby(["scope", "column"], sort=True)) if len(frame) else []
    fig, axes = plt.subplots(1, max(len(panels), 1), figsize=(3.2 * max(len(panels), 1), 3.8), sharey=True,
                             squeeze=False)
    for ax, ((scope, column), rows) in zip(axes[0], panels):
        values = sorted(rows["group"].unique())
        for j, value in enumerate(values):
            part = rows[rows["group"] == value].set_index("region").loc[list(REGIONS)]
            y = np.arange(len(REGIONS)) + (j - (len(values) - 1) / 2) * 0.8 / max(len(values), 1)
            ax.errorbar(part["share"], y, xerr=[part["share"] - part["ci_low"], part["ci_high"] - part["share"]],
                        fmt="o", ms=3, capsize=2, label=value)
        ax.set_title(f"{scope} | {column}", fontsize=8)
        ax.set_xlabel("share of heatmap mass")
        ax.legend(fontsize=6)
    axes[0][0].set_yticks(np.arange(len(REGIONS)), list(REGIONS))
    axes[0][0].invert_yaxis()
    fig.suptitle(f"region shares with {confidence:.0%} bootstrap CIs over identities", fontsize=9)
    save_figure(fig, path)

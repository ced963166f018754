"""Figures of the validity checks: mean deletion/insertion curves, stability vs samples, region forest plot."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..canonical import REGIONS
from ..figures import plt, save_figure


def draw_faithfulness_curves(mean_curves: dict[tuple[str, str], dict[str, np.ndarray]], path) -> None:
    """One row per (model, units), one column per (substrate, kind): mean similarity against the share of
    units removed or revealed, one colour per method (solid: its map's order; dashed: random orders)."""
    from .faithfulness import UNITS, protocols

    keys = {key.rsplit(":", 1)[0] for curves in mean_curves.values() for key in curves}
    models = list(dict.fromkeys(model for model, _ in mean_curves))
    methods = sorted({method for _, method in mean_curves})
    rows = [(model, units) for model in models for units in UNITS if any(k.startswith(f"{units}:") for k in keys)]
    columns = [f"{p.substrate}:{p.kind}" for p in protocols(("pixels",), pair=True)
               if any(k.endswith(f":{p.substrate}:{p.kind}") for k in keys)]
    fig, axes = plt.subplots(max(len(rows), 1), max(len(columns), 1), figsize=(3.2 * max(len(columns), 1),
                             2.7 * max(len(rows), 1)), sharey=True, squeeze=False, layout="constrained")
    colours = dict(zip(methods, plt.rcParams["axes.prop_cycle"].by_key()["color"] * 3))
    for r, (model, units) in enumerate(rows):
        for c, column in enumerate(columns):
            ax = axes[r][c]
            for method in methods:
                curves = mean_curves.get((model, method), {})
                key = f"{units}:{column}"
                if f"{key}:map" not in curves:
                    continue
                x = np.linspace(0, 1, len(curves[f"{key}:map"]))
                ax.plot(x, curves[f"{key}:map"], color=colours[method], label=method)
                ax.plot(x, curves[f"{key}:random"], "--", lw=0.8, color=colours[method])
            substrate, kind = column.split(":")
            ax.set_title(f"{model} | {units} | {kind} ({substrate})", fontsize=7)
            if r == len(rows) - 1:
                ax.set_xlabel(f"share of units {'removed' if kind == 'deletion' else 'revealed'}", fontsize=7)
    axes[0][0].set_ylabel("similarity, (cos + 1) / 2", fontsize=7)
    axes[0][-1].legend(fontsize=6, title="dashed: random order", title_fontsize=6)
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
    """Region share with its bootstrap CI per group, one panel per (scope, grouping column): a row
    per scope (each model in the order the rows give them, over all models last), its grouping
    columns wrapped at a page's width of chart panels (facelime.page_grid.forest_shape)."""
    from ..page_grid import forest_shape

    frame = pd.DataFrame(ci_rows)
    scopes = list(dict.fromkeys(frame["scope"])) if len(frame) else []
    scopes = [s for s in scopes if s != "all_models"] + [s for s in scopes if s == "all_models"]
    columns = sorted(frame["column"].unique()) if len(frame) else []
    n_rows, across = forest_shape(len(scopes), len(columns))
    per_scope = n_rows // max(len(scopes), 1)
    fig, axes = plt.subplots(n_rows, across, figsize=(3.2 * across, 3.4 * n_rows), sharey=True, squeeze=False,
                             layout="constrained")
    used = set()
    for s, scope in enumerate(scopes):
        for c, column in enumerate(columns):
            rows = frame[(frame["scope"] == scope) & (frame["column"] == column)]
            if not len(rows):
                continue
            place = (s * per_scope + c // across, c % across)
            used.add(place)
            ax = axes[place]
            values = sorted(rows["group"].unique())
            for j, value in enumerate(values):
                part = rows[rows["group"] == value].set_index("region").loc[list(REGIONS)]
                y = np.arange(len(REGIONS)) + (j - (len(values) - 1) / 2) * 0.8 / max(len(values), 1)
                ax.errorbar(part["share"], y, xerr=[part["share"] - part["ci_low"], part["ci_high"] - part["share"]],
                            fmt="o", ms=3, capsize=2, label=value)
            ax.set_title(f"{scope} | {column}", fontsize=8)
            ax.set_xlabel("share of heatmap mass")
            ax.legend(fontsize=6)
    for place in np.ndindex(axes.shape):
        if place not in used and used:
            axes[place].set_axis_off()
    axes[0][0].set_yticks(np.arange(len(REGIONS)), list(REGIONS))
    axes[0][0].invert_yaxis()
    fig.suptitle(f"region shares with {confidence:.0%} bootstrap CIs over identities", fontsize=9)
    save_figure(fig, path)


def draw_restoration_curves(curves: dict[tuple[str, str], dict[str, np.ndarray]], path) -> None:
    """One row per model: similarity of genuine and impostor pairs, FNMR and FMR against the share of the
    patched face's pixels restored, one colour per method (solid: the map's order; dashed: random)."""
    models = list(dict.fromkeys(model for model, _ in curves))
    methods = sorted({method for _, method in curves})
    panels = (("genuine", "genuine pairs: similarity"), ("impostor", "impostor pairs: similarity"),
              ("fnmr", "FNMR (genuine pairs)"), ("fmr", "FMR (impostor pairs)"))
    fig, axes = plt.subplots(max(len(models), 1), len(panels), figsize=(12, 2.6 * max(len(models), 1)),
                             squeeze=False)
    colours = dict(zip(methods, plt.rcParams["axes.prop_cycle"].by_key()["color"] * 3))
    for r, model in enumerate(models):
        for c, (key, title) in enumerate(panels):
            ax = axes[r][c]
            for method in methods:
                mine = curves.get((model, method), {})
                if f"{key}:map" not in mine:
                    continue
                x = np.linspace(0, 1, len(mine[f"{key}:map"]))
                ax.plot(x, mine[f"{key}:map"], color=colours[method], label=method)
                ax.plot(x, mine[f"{key}:random"], "--", lw=0.8, color=colours[method])
            ax.set_title(f"{model} | {title}", fontsize=7)
            if r == len(models) - 1:
                ax.set_xlabel("share of the patched face's pixels restored", fontsize=7)
    axes[0][-1].legend(fontsize=6, title="dashed: random order", title_fontsize=6)
    save_figure(fig, path)

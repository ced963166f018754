"""Drawing the study's figures (docs/method.md, Figures): heatmap grids, KL clustermaps,
dendrograms and region-share charts, each saved as PNG and as vector PDF.

Figure settings (dpi, colour scale) are not arguments of every drawing function: the
workflow sets them once per job with `use_style` (facelime.workflow_io.run_step), and
passes them to the figure rules as params, so that changing them reruns the figures.
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .canonical import REGIONS  # noqa: E402
from .names import readable  # noqa: E402

# Defaults of the schema's `figures` section (facelime/schemas/config.schema.yaml).
STYLE = {"dpi": 300, "scale": "shared", "outline": True}
COLORMAPS = {"grey": "gray", "jet": "jet"}  # the study's two renderings of a heatmap


def use_style(style: dict | None) -> None:
    """Set the figure settings of this process (from the config's `figures` section)."""
    if style:
        STYLE.update({k: style[k] for k in STYLE if k in style})


def pdf_beside(path) -> str:
    """The vector copy that every PNG figure has: x.png -> x.pdf."""
    return str(Path(path).with_suffix(".pdf"))


def save_figure(fig, path) -> None:
    """Save a figure as PNG (at the configured dpi) and PDF beside it, each renamed into
    place when complete, and close it."""
    for target in (str(path), pdf_beside(path)):
        fmt = Path(target).suffix.lstrip(".")
        tmp = f"{target}.tmp.{fmt}"
        fig.savefig(tmp, dpi=STYLE["dpi"], bbox_inches="tight", format=fmt)
        os.replace(tmp, target)
    plt.close(fig)


# --- heatmap grids ---------------------------------------------------------------------


def panel_values(mean: np.ndarray, scale: str, face: np.ndarray | None = None) -> np.ndarray:
    """What a grid panel shows. shared: the map as a density, 1 = the map's mean over the face
    region (face: a boolean mask of the canonical face, background excluded; without it, over the
    whole canvas), so that panels of differently scaled aggregates share one colour scale;
    per_panel: each map min-max stretched to [0, 1] on its own (as the study's images)."""
    values = np.clip(np.asarray(mean, np.float64), 0, None)
    if scale == "per_panel":
        span = values.max() - values.min()
        return (values - values.min()) / span if span > 0 else np.zeros_like(values)
    average = values[face].mean() if face is not None and face.any() else values.mean()
    return values / average if average > 0 else np.zeros_like(values)


def colour_scale(panels: list[np.ndarray], scale: str, over_face: bool = False) -> tuple[float, float, str]:
    """(vmin, vmax, colour-bar label) of one grid: one scale for all its panels."""
    if scale == "per_panel":
        return 0.0, 1.0, "stretched per panel (0 = panel minimum, 1 = panel maximum)"
    vmax = max((float(p.max()) for p in panels), default=1.0)
    label = ("density (1 = the map's mean over the face region)" if over_face
             else "density (1 = the map's mean over the whole canvas)")
    return 0.0, vmax if vmax > 0 else 1.0, label


# dlib's 68 landmarks as the contours of the face's features: (first, last + 1, closed)
FEATURE_CONTOURS = {"jaw": (0, 17, False), "right brow": (17, 22, False), "left brow": (22, 27, False),
                    "nose bridge": (27, 31, False), "nostrils": (31, 36, False), "right eye": (36, 42, True),
                    "left eye": (42, 48, True), "lips": (48, 60, True), "mouth": (60, 68, True)}


def feature_contours(landmarks: np.ndarray) -> list[np.ndarray]:
    """The canonical face's feature outlines (each K x 2, x and y in canvas pixels; closed ones
    end where they start), drawn faintly on every canonical panel so that a blob can be tied
    to an eye or the nose."""
    lines = []
    for first, end, closed in FEATURE_CONTOURS.values():
        points = np.asarray(landmarks[first:end], np.float64)
        lines.append(np.vstack([points, points[:1]]) if closed else points)
    return lines


def draw_heatmap_grid(rows: list[dict], maps: list[np.ndarray], path, title: str, colormap: str,
                      face: np.ndarray | None = None, outline: list[np.ndarray] | None = None) -> list[dict]:
    """A grid with one row per group (rows: [{label, titles}]), the panels' maps in row order,
    one colour scale for all panels and a colour bar. Returns what each panel was drawn with.

    face: the canonical face mask the density is computed over; outline: feature contours
    drawn on every panel when figures.outline is on."""
    scale = STYLE["scale"]
    values = [panel_values(m, scale, face) for m in maps]
    vmin, vmax, bar_label = colour_scale(values, scale, over_face=face is not None)
    ncols = max(len(row["titles"]) for row in rows)
    height, width = values[0].shape if values else (275, 224)
    panel_w = 1.55
    fig, axes = plt.subplots(len(rows), ncols, squeeze=False, layout="constrained",
                             figsize=(panel_w * ncols + 1.6, panel_w * height / width * len(rows) + 0.9))
    drawn, k, image = [], 0, None
    for r, row in enumerate(rows):
        for c in range(ncols):
            ax = axes[r][c]
            ax.set_xticks([])
            ax.set_yticks([])
            if c >= len(row["titles"]):
                ax.set_axis_off()
                continue
            for side in ax.spines.values():
                side.set_visible(False)
            image = ax.imshow(values[k], cmap=COLORMAPS[colormap], vmin=vmin, vmax=vmax, interpolation="nearest")
            if outline and STYLE["outline"]:
                for line in outline:
                    ax.plot(line[:, 0], line[:, 1], color="white", lw=0.5, alpha=0.55, solid_capstyle="round")
                ax.set_xlim(-0.5, values[k].shape[1] - 0.5)
                ax.set_ylim(values[k].shape[0] - 0.5, -0.5)
            ax.set_title(row["titles"][c], fontsize=7)
            drawn.append({"row": row["label"], "panel": row["titles"][c], "vmin": vmin, "vmax": vmax,
                          "panel_max": float(values[k].max())})
            k += 1
        if row["label"]:
            axes[r][0].set_ylabel(row["label"], fontsize=8)
    if image is not None:
        bar = fig.colorbar(image, ax=axes, shrink=min(1.0, 0.5 + 0.15 * len(rows)), pad=0.02)
        bar.set_label(bar_label, fontsize=7)
        bar.ax.tick_params(labelsize=6)
    fig.suptitle(title, fontsize=9)
    save_figure(fig, path)
    return drawn


# --- comparisons -----------------------------------------------------------------------


def draw_clustermap(matrix: np.ndarray, names: list[str], links: np.ndarray, path, title: str) -> None:
    import pandas as pd  # here, not at the top: most figure jobs draw no seaborn chart (~0.5 s to import)
    import seaborn as sns

    frame = pd.DataFrame(matrix, index=names, columns=names)
    size = max(4.5, 0.55 * len(names) + 3)
    # colour bar on the right of the matrix, outside the dendrograms: its label is never cut
    grid = sns.clustermap(frame, row_linkage=links, col_linkage=links, cmap="viridis", annot=len(names) <= 12,
                          fmt=".3g", figsize=(size, size), cbar_pos=(1.02, 0.25, 0.03, 0.45),
                          annot_kws={"fontsize": 7}, cbar_kws={"label": "symmetric KL divergence"})
    grid.figure.suptitle(title, y=1.03, fontsize=9)
    save_figure(grid.figure, path)


def draw_dendrogram(links: np.ndarray, names: list[str], path, title: str, support=None) -> None:
    """Leaves on the right, as the study drew them; distance grows to the left. support: per merge
    (row of links), its bootstrap support, written at the node (facelime.kl_uncertainty)."""
    from scipy.cluster.hierarchy import dendrogram  # only dendrogram jobs need scipy's clustering

    fig, ax = plt.subplots(figsize=(5.5, max(2.2, 0.35 * len(names) + 1)), layout="constrained")
    tree = dendrogram(links, labels=list(names), ax=ax, orientation="left", color_threshold=0,
                      above_threshold_color="k")
    if support is not None:
        # scipy places leaf j of the drawn order at 5 + 10 j and each merge midway between its children
        k = len(names)
        position = {leaf: 5.0 + 10.0 * j for j, leaf in enumerate(tree["leaves"])}
        for row, (a, b) in enumerate(links[:, :2].astype(int)):
            position[k + row] = (position[a] + position[b]) / 2
            ax.annotate(f"{support[row]:.2f}", (links[row, 2], position[k + row]), xytext=(2, 2),
                        textcoords="offset points", fontsize=6, color="tab:red")
    ax.set_xlabel("distance (symmetric KL)" + ("; red: node support over identity resamples (pvclust BP)"
                                               if support is not None else ""), fontsize=8)
    ax.tick_params(axis="y", labelsize=8)
    ax.set_title(title, fontsize=9)
    save_figure(fig, path)


def draw_region_shares(rows: list[dict], path, one_net: bool = False) -> None:
    """Share of heatmap mass per region beside its density (share / area): the raw mass follows the
    regions' size (cheeks and jaw are over half of the canvas), the density ranks what is looked at."""
    import pandas as pd
    import seaborn as sns

    frame = pd.DataFrame(rows)
    # per identity and per (group, model) the TSV has them; the chart keeps what a reader compares
    frame = frame[~frame["kind"].isin(["model_identity", "identity", "group_model"])].copy()
    if one_net:  # its 'all nets' bars would repeat the net's own
        frame = frame[frame["kind"] != "all_models"]
    if "n" in frame:  # a group's size beside its name: a group of 2 is not a group of 200
        grouped = (frame["kind"] == "group") & ~frame["heatmap"].str.contains("(n=", regex=False)
        frame.loc[grouped, "heatmap"] = frame.loc[grouped, "heatmap"] + " (n=" + frame.loc[grouped, "n"].astype(str) + ")"
    mass = frame.melt(id_vars=["heatmap"], value_vars=list(REGIONS), var_name="region", value_name="value")
    density = frame.melt(id_vars=["heatmap"], value_vars=[f"{r}_density" for r in REGIONS], var_name="region",
                         value_name="value")
    density["region"] = density["region"].str.removesuffix("_density")
    mass["region"], density["region"] = mass["region"].map(readable), density["region"].map(readable)
    fig, axes = plt.subplots(1, 2, sharey=True, layout="constrained",
                             figsize=(9, max(2.5, 0.12 * len(REGIONS) * len(frame) + 1.2)))
    for ax, data, label in ((axes[0], mass, "share of heatmap mass"),
                            (axes[1], density, "density: share / area share (1 = as large as the region)")):
        sns.barplot(data=data, y="heatmap", x="value", hue="region", ax=ax, orient="h", legend=ax is axes[1])
        ax.set_xlabel(label, fontsize=8)
        ax.set_ylabel("")
        ax.tick_params(labelsize=7)
    axes[1].axvline(1.0, color="grey", lw=0.8, ls=":")
    sns.move_legend(axes[1], "upper left", bbox_to_anchor=(1.02, 1), fontsize=7, title="region", frameon=False)
    save_figure(fig, path)

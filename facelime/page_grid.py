"""How many panels a printed page holds across, and the grid a figure's panels wrap into
(docs/method.md, Figures). Below both the plan (which lays figures out) and the plotting code
(which draws them), so that neither imports the other."""

from __future__ import annotations

import math

HEATMAPS_PER_ROW = 8  # heatmap panels (about 1.55 in each) across a page
CHARTS_PER_ROW = 4  # chart panels (about 3.2 in each) across a page


def grid_shape(panels: int, width: int = HEATMAPS_PER_ROW) -> tuple[int, int]:
    """(rows, columns) of `panels` panels at most `width` to a row."""
    columns = max(min(panels, width), 1)
    return max(math.ceil(panels / columns), 1), columns


def forest_shape(scopes: int, columns: int, width: int = CHARTS_PER_ROW) -> tuple[int, int]:
    """(rows, columns) of a forest plot with one panel per (scope, grouping column): each scope
    starts a row, and its columns wrap at a page's width of chart panels."""
    per_scope, across = grid_shape(columns, width)
    return max(scopes, 1) * per_scope, across

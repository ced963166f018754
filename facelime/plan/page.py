"""A figure as rows of panels, and how wide a printed page lets a row be: a row with more panels
than a page's width wraps onto the next (docs/method.md, Figures)."""

from __future__ import annotations

from dataclasses import dataclass

from ..page_grid import HEATMAPS_PER_ROW
from . import paths


@dataclass(frozen=True)
class Panel:
    title: str
    prefix: str  # the heatmap's file prefix (paths.HEATMAP)

    @property
    def path(self) -> str:
        return f"{self.prefix}.npz"


@dataclass(frozen=True)
class Row:
    label: str
    panels: tuple[Panel, ...]


@dataclass(frozen=True)
class Figure:
    """A heatmap grid: its name (results/figures/<name>), title, description in the figure index
    and rows."""

    name: str
    title: str
    description: str
    rows: tuple[Row, ...]

    @property
    def files(self) -> list[str]:
        return paths.figure_files(paths.FIGURE.format(figure=self.name))

    @property
    def panels(self) -> list[Panel]:
        return [panel for row in self.rows for panel in row.panels]

    @property
    def width(self) -> int:
        return max((len(row.panels) for row in self.rows), default=0)

    def rows_record(self) -> list[dict]:
        """What the figure job needs: [{label, panels: [{title, path}]}]."""
        return [{"label": row.label, "panels": [{"title": p.title, "path": p.path} for p in row.panels]}
                for row in self.rows]


def chunks(items: list, size: int) -> list[list]:
    return [items[k: k + size] for k in range(0, len(items), size)]


def wrapped(label: str, panels: list[Panel], width: int = HEATMAPS_PER_ROW) -> list[Row]:
    """One row of panels, continued on further rows under the same label (a group's panels stay
    named by it in the figure and its panels table) past a page's width."""
    return [Row(label, tuple(part)) for part in chunks(panels, width)]

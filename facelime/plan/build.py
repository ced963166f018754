"""The study's plan over a dataset: Plan(study, identities, groups) builds the catalogue, the KL
sets, the figures and the targets once, and hands rules the records their jobs take."""

from __future__ import annotations

from functools import cached_property

from ..names import split_name
from . import paths, targets
from .catalogue import Catalogue
from .layouts import figure_layouts
from .page import Figure
from .study import Study


class Plan:
    def __init__(self, study: Study, identities: list[str], groups: dict):
        self.study, self.identities, self.groups = study, list(identities), groups

    @cached_property
    def catalogue(self) -> Catalogue:
        return Catalogue(self.study, self.identities, self.groups)

    @cached_property
    def figures(self) -> dict[str, Figure]:
        return figure_layouts(self.catalogue)

    # -- targets ---------------------------------------------------------------------------
    @cached_property
    def all_targets(self) -> list[str]:
        return targets.all_targets(self)

    @cached_property
    def thesis_figures(self) -> list[tuple[str, list[str]]]:
        return targets.thesis_figures(self)

    # -- records for jobs ------------------------------------------------------------------
    def kl_entries(self, comparison: str) -> list[dict]:
        """A KL job's heatmaps: [{label, title, path, recipe}]."""
        return [e.kl_record() for e in self.catalogue.comparison_sets[comparison]]

    def kl_identity_inputs(self, comparison: str) -> list[str]:
        """The (model, identity) heatmaps a KL set's uncertainty resamples, models x identities."""
        from . import paths

        return [paths.heatmap("model_identity", model=m, identity=i) + ".npz"
                for m in self.catalogue.comparison_models(comparison) for i in self.identities]

    @cached_property
    def share_entries(self) -> list[dict]:
        """The region-shares job's heatmaps, in the table's order; `order` is each one's place in
        the chart, which lists models in the config's order like every other figure."""
        rank = {m: k for k, m in enumerate(self.study.model_order)}

        def model_rank(name):
            model = split_name(name)[0]
            return rank[self.study.randomised.get(model, {}).get("randomised_from", model)]

        entries = self.catalogue.entries
        families = list(dict.fromkeys(e.family for e in entries if e.kind == "model"))
        models = iter(sorted((k for k, e in enumerate(entries) if e.kind == "model"),
                             key=lambda k: (families.index(entries[k].family), model_rank(entries[k].model))))
        chart = [next(models) if e.kind == "model" else k for k, e in enumerate(entries)]
        place = {k: position for position, k in enumerate(chart)}
        return [{**e.share_record(), "order": place[k]} for k, e in enumerate(entries)]

    def figure_record(self, name: str) -> list[dict]:
        return self.figures[name].rows_record()

    def figure_caption(self, name: str, colormap: str) -> str:
        """A heatmap figure's report caption, from the settings it is drawn with."""
        from ..report_text import heatmap_figure_caption

        config = self.study.config
        methods = self.study.methods if name == "methods" else ["lime"]
        return heatmap_figure_caption(self.figures[name].title, colormap, config["figures"], config["lime"],
                                      methods, config["explain"], config["seed"])

    @cached_property
    def figure_index(self) -> list[dict]:
        """[{description, files}] of the figure set."""
        return [{"description": d, "files": files} for d, files in self.thesis_figures]

    # -- validity draws (docs/validity.md) ---------------------------------------------------
    def ceiling_tables(self) -> list[str]:
        """validity.ceiling: the seed_ceiling tables, for every explained name whose method draws at
        random (occlusion and regions are deterministic, their ceiling is 1) and a seeded draw of
        identities."""
        from ..validity.ceiling import DETERMINISTIC
        from ..validity.stability import stability_identities

        config = self.study.config
        settings = config["validity"]["ceiling"]
        if not settings["enabled"]:
            return []
        chosen = stability_identities(self.identities, settings["identities"], config["seed"], "ceiling identities")
        names = [n for n in self.study.method_names if split_name(n)[1] not in DETERMINISTIC]
        return targets.product(paths.CEILING, model=names, identity=chosen)

    def stability_tables(self) -> list[str]:
        """validity.stability: the per-(name, identity) tables of a seeded draw of identities."""
        from ..validity.stability import stability_identities

        config = self.study.config
        chosen = stability_identities(self.identities, config["validity"]["stability"]["identities"], config["seed"])
        return targets.product(paths.STABILITY_TABLE, model=self.study.explained, identity=chosen)

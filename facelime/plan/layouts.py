"""The study's heatmap figures (docs/method.md, Figures): by net, by person, by person and net, by
model attribute, by group and by group and net, by explainer, and the sanity check, each a grid
with one row per group that wraps at a page's width."""

from __future__ import annotations

from ..names import explained_name
from . import paths
from .catalogue import Catalogue
from .page import HEATMAPS_PER_ROW, Figure, Panel, Row, chunks, wrapped
from .study import ALL_NETS


def figure_layouts(catalogue: Catalogue) -> dict[str, Figure]:
    """{figure name: Figure}, in the order the figure index lists them."""
    s = catalogue.study
    figures: dict[str, Figure] = {}

    def add(name, title, rows, description):
        figures[name] = Figure(name, title, description, tuple(row for r in rows for row in wrapped(*r)))

    def net_rows(panel):
        """One row per value of figures.net_rows (the study: training set), its models in config
        order; panel(model) gives a model's Panel."""
        attribute = s.config["figures"]["net_rows"]
        if attribute in s.attribute_sets:
            members = s.attribute_sets[attribute]
            return [(s.display(value), [panel(m) for m in s.model_order if m in members[value]])
                    for value in s.attribute_values(attribute)]
        return [("", [panel(m) for m in s.model_order])]

    def all_nets_row(prefix):
        """The panel over all nets as its own row (left out with one net, where it would repeat it)."""
        return [("", [Panel(ALL_NETS, prefix)])] if s.several_models else []

    add("nets", "Heatmaps by net",
        net_rows(lambda m: Panel(s.model_display(m), paths.heatmap("model", model=m)))
        + all_nets_row(paths.heatmap("all_models")), "heatmaps by net")
    ids = catalogue.identities
    add("persons", f"Heatmaps by person{s.over_nets()}",
        [("", [Panel(s.display(i), paths.heatmap("identity", identity=i)) for i in part])
         for part in chunks(ids, HEATMAPS_PER_ROW)], "heatmaps by person")
    for i in ids:
        add(f"person_net/{i}", f"{s.display(i)}: heatmaps by net",
            net_rows(lambda m: Panel(s.model_display(m), paths.heatmap("model_identity", model=m, identity=i)))
            + all_nets_row(paths.heatmap("identity", identity=i)), f"heatmaps by person and net: {i}")
    for attribute in s.attribute_sets:
        entries = catalogue.family(f"attribute_{attribute}", "attribute")
        add(f"attribute_{attribute}", f"Heatmaps by {s.display(attribute)}",
            [("", [Panel(s.display(e.value), e.prefix) for e in entries])], f"heatmaps by {s.display(attribute)}")
    for column in catalogue.groups:
        entries = catalogue.family(f"group_{column}", "group")
        add(f"group_{column}", f"Heatmaps by {s.display(column)}",
            [("", [Panel(catalogue.group_display(e), e.prefix) for e in entries])],
            f"heatmaps by {s.display(column)}")
        rows = []
        for e in entries:
            per_model = {m.model: m.prefix for m in catalogue.family(f"group_{column}", "group_model")
                         if m.value == e.value}
            panels = [Panel(s.model_display(m), per_model[m]) for m in s.model_order]
            if s.several_models:
                panels.append(Panel(ALL_NETS, e.prefix))
            rows.append((catalogue.group_display(e), panels))
        add(f"group_{column}__nets", f"Heatmaps by {s.display(column)} and net", rows,
            f"heatmaps by {s.display(column)} and net")
    if s.randomised:
        shown = catalogue.family("models", "model") + catalogue.family("sanity", "model")
        add("sanity", "Heatmaps of the nets and their randomised copies",
            [("", [Panel(e.display, e.prefix) for e in shown])], "sanity check: nets and randomised copies")
    if s.other_methods:
        add("methods", "Heatmaps by explainer and net",
            [(method, [Panel(s.model_display(m), paths.heatmap("model", model=explained_name(m, method)))
                       for m in s.model_order]
              + ([Panel(ALL_NETS, catalogue.method_total(method).prefix)] if s.several_models else []))
             for method in s.methods], "heatmaps by explainer and net")
    return figures


def figure_subcategory(figure: str) -> str:
    """The report's subcategory of a heatmap figure: the kind of grid it is."""
    if figure.startswith("person_net/"):
        return "by person and net"
    if figure.startswith("attribute_"):
        return "by model attribute"
    if figure.startswith("group_"):
        return "by group and net" if figure.endswith("__nets") else "by group"
    return {"nets": "by net", "persons": "by person", "sanity": "sanity check",
            "methods": "by explainer"}.get(figure, figure)

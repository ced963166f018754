"""Every heatmap the workflow makes, enumerated once, and the KL comparison sets read off it
(docs/method.md, Heatmaps and Comparing heatmaps). Targets, KL jobs, figure grids and region
shares all take their entries from here."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

from . import paths
from .study import ALL_NETS, Study

TOTAL = "TOTAL"  # the leaf of a KL set that is the heatmap over all its members' models


@dataclass(frozen=True)
class Heatmap:
    """One heatmap: kind, label (its name in tables), display (in figures), file prefix, the family
    it belongs to (models, models@<method>, sanity, attribute_<a>, group_<c>), its model and value,
    a group's size, and what it averages: the identities (members) and models, each model scaled
    to unit mass first or not (facelime.kl_uncertainty.Recipe)."""

    kind: str
    label: str
    display: str
    prefix: str
    family: str | None = None
    model: str | None = None
    value: str | None = None
    size: int | None = None
    members: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    scaled: bool = True

    @property
    def path(self) -> str:
        return f"{self.prefix}.npz"

    def relabelled(self, label: str, display: str) -> Heatmap:
        """The same heatmap under another name (a KL set's leaf)."""
        return replace(self, label=label, display=display)

    def recipe(self) -> dict:
        """The models and identities the heatmap averages, as the KL uncertainty resamples them."""
        return {"models": list(self.models), "identities": list(self.members), "scaled": self.scaled}

    def kl_record(self) -> dict:
        """What a KL job needs of one of its heatmaps."""
        return {"label": self.label, "title": self.display, "path": self.path, "recipe": self.recipe()}

    def share_record(self) -> dict:
        """What the region-shares job needs of one heatmap (identities: its n)."""
        return {"kind": self.kind, "label": self.label, "title": self.display, "path": self.path,
                "size": self.size, "identities": list(self.members)}


def group_columns(groups: dict) -> dict[str, dict[str, list[str]]]:
    """Metadata columns with two or more groups: the groupings that are compared."""
    return {column: values for column, values in groups.items() if len(values) >= 2}


class Catalogue:
    """The heatmaps of a study over its identities and metadata groups, in the order the workflow
    has always listed them (the region-shares table's rows follow it)."""

    def __init__(self, study: Study, identities: list[str], groups: dict):
        self.study, self.identities, self.groups = study, list(identities), group_columns(groups)

    @cached_property
    def entries(self) -> tuple[Heatmap, ...]:
        s, ids, everyone = self.study, self.identities, tuple(self.identities)
        entries = []
        for m in s.explained:
            for i in ids:
                entries.append(Heatmap("model_identity", f"{m}/{i}", f"{s.model_display(m)} / {s.display(i)}",
                                       paths.heatmap("model_identity", model=m, identity=i),
                                       members=(i,), models=(m,), scaled=False))
        for m in s.explained:
            entries.append(Heatmap("model", m, s.model_display(m), paths.heatmap("model", model=m),
                                   s.model_family(m), m, members=everyone, models=(m,), scaled=False))
        for i in ids:
            entries.append(Heatmap("identity", i, s.display(i), paths.heatmap("identity", identity=i),
                                   members=(i,), models=tuple(s.models)))
        for attribute, sets in s.attribute_sets.items():
            for v in s.attribute_values(attribute):
                entries.append(Heatmap("attribute", f"{attribute}={v}", f"{s.display(attribute)}: {s.display(v)}",
                                       paths.heatmap("attribute", attribute=attribute, value=v),
                                       f"attribute_{attribute}", value=v, members=everyone,
                                       models=tuple(sets[v])))
        for column, values in self.groups.items():
            for v in sorted(values):
                size, members = len(values[v]), tuple(values[v])
                shown = f"{s.display(column)}: {s.display(v)} (n={size})"
                entries.append(Heatmap("group", f"{column}={v}", shown,
                                       paths.heatmap("group_all", column=column, value=v), f"group_{column}",
                                       value=v, size=size, members=members, models=tuple(s.models)))
                for m in s.method_names:
                    entries.append(Heatmap("group_model", f"{column}={v}|{m}", f"{shown} | {s.model_display(m)}",
                                           paths.heatmap("group_model", column=column, value=v, model=m),
                                           f"group_{column}", m, v, size, members, (m,), False))
        entries.append(Heatmap("all_models", "all_models", ALL_NETS, paths.heatmap("all_models"), "models",
                               members=everyone, models=tuple(s.models)))
        return tuple(entries)

    def family(self, name: str, *kinds: str) -> list[Heatmap]:
        return [e for e in self.entries if e.family == name and e.kind in kinds]

    def total(self) -> Heatmap:
        """The study's TOTAL leaf: the heatmap over all models, clustered with its parts."""
        return self.family("models", "all_models")[0].relabelled(TOTAL, TOTAL)

    def method_total(self, method: str) -> Heatmap:
        """One explainer's TOTAL leaf: its maps over all models (the method attribute's heatmap)."""
        entry = next(e for e in self.family("attribute_method", "attribute") if e.value == method)
        return entry.relabelled(TOTAL, f"{TOTAL} ({method})")

    def group_entry(self, entry: Heatmap) -> Heatmap:
        """A group heatmap as a KL set names it: the value with its size."""
        return entry.relabelled(f"{entry.value} (n={entry.size})", self.group_display(entry))

    def group_display(self, entry: Heatmap) -> str:
        return f"{self.study.display(entry.value)} (n={entry.size})"

    @cached_property
    def comparison_sets(self) -> dict[str, list[Heatmap]]:
        """{set name: [heatmaps]} for every KL matrix: models and model attributes (each with the
        TOTAL leaf when there are several models), sanity copies, other explainers, groups, and
        groups per model."""
        s = self.study
        total = [self.total()] if s.several_models else []
        sets = {}
        if s.several_models:
            sets["models"] = self.family("models", "model") + total
        if s.randomised:
            sets["sanity"] = self.family("models", "model") + self.family("sanity", "model")
        for method in s.other_methods:
            if s.several_models:  # TOTAL: this method's maps over all models
                sets[f"models@{method}"] = self.family(f"models@{method}", "model") + [self.method_total(method)]
        for attribute in s.attribute_sets:
            sets[f"attribute_{attribute}"] = [
                e.relabelled(e.value, s.display(e.value)) for e in self.family(f"attribute_{attribute}", "attribute")
            ] + (total if attribute != "method" else [])
        for column in self.groups:
            family = f"group_{column}"
            sets[family] = [self.group_entry(e) for e in self.family(family, "group")]
            for model in s.method_names:
                sets[f"{family}__{model}"] = [self.group_entry(e) for e in self.family(family, "group_model")
                                              if e.model == model]
        return sets

    def comparison_title(self, name: str) -> str:
        """A KL matrix's title in figures."""
        s = self.study
        if name == "models":
            return "nets"
        if name.startswith("models@"):
            return f"nets, {name.partition('@')[2]}"
        if name == "sanity":
            return "nets and their randomised copies"
        kind, _, rest = name.partition("_")
        subject, _, model = rest.partition("__")
        title = f"{s.display(subject)}" + (f", {s.model_display(model)}" if model else "")
        return title if kind == "attribute" else f"{title} (groups)"

    def comparison_models(self, name: str) -> list[str]:
        """Every model a KL set's heatmaps average, in first-use order."""
        return list(dict.fromkeys(m for e in self.comparison_sets[name] for m in e.models))


def comparison_subcategory(name: str) -> str:
    """The report's subcategory of a KL matrix or dendrogram: what is compared."""
    if name.startswith("group_"):
        return "groups per net" if "__" in name else "groups"
    if name.startswith("attribute_"):
        return "model attributes"
    return "nets" if name.startswith("models") else name

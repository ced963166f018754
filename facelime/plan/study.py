"""The study a filled config describes: its models, explainers, explained names, randomised copies,
attribute sets and the names figures show (docs/method.md, Heatmaps and Other explainers)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ..groups import model_attribute_sets
from ..names import explained_name, readable, split_name
from ..validity.randomise import randomised_models

# the panel over every net, and a title's note of it; with one net there is no such panel
ALL_NETS = "all nets"


@dataclass(frozen=True, eq=False)
class Study:
    """Read off a config that validate_config has filled with the study's defaults."""

    config: dict

    @cached_property
    def model_order(self) -> list[str]:
        """The models in the config's order: every figure lists them so."""
        return list(self.config["models"])

    @cached_property
    def models(self) -> list[str]:
        """The models sorted by name: the order of jobs and of the tables' rows (kept as the
        study's results have it)."""
        return sorted(self.config["models"])

    @cached_property
    def methods(self) -> list[str]:
        return list(self.config["explain"]["methods"])

    @cached_property
    def other_methods(self) -> list[str]:
        """explain.methods beside LIME: each explains every model as <model>@<method>."""
        return [m for m in self.methods if m != "lime"]

    @cached_property
    def method_models(self) -> dict[str, list[str]]:
        return {m: [explained_name(model, m) for model in self.models] for m in self.methods}

    @cached_property
    def method_names(self) -> list[str]:
        """Every (model, method) name, method-major: LIME's plain names first."""
        return [name for m in self.methods for name in self.method_models[m]]

    @cached_property
    def randomised(self) -> dict[str, dict]:
        """validity.sanity: a shuffled-weights copy of every onnx model, explained like the others."""
        return randomised_models(self.config["models"], self.config["validity"]["sanity"]["enabled"])

    @cached_property
    def explained(self) -> list[str]:
        """Every name an explain job runs for: models, then other methods' names, then copies."""
        return (self.models + [n for m in self.other_methods for n in self.method_models[m]]
                + sorted(self.randomised))

    @cached_property
    def attribute_sets(self) -> dict[str, dict[str, list[str]]]:
        """{attribute: {value: [models]}}; with other explainers also {"method": {method: [names]}}."""
        sets = model_attribute_sets(self.config["models"])
        if self.other_methods:  # each method's maps over all models, compared by KL
            sets["method"] = self.method_models
        return sets

    @property
    def classifiers(self) -> list[str]:
        """classify.models by name when classifier mode is on."""
        classify = self.config["classify"]
        return sorted(classify["models"]) if classify["enabled"] else []

    @property
    def identity_classifier_model(self) -> str:
        """identity_classifier.model, or the first model by name."""
        return self.config["identity_classifier"]["model"] or self.models[0]

    @property
    def several_models(self) -> bool:
        """Two or more models: the 'all nets' panel and the TOTAL leaf exist."""
        return len(self.models) >= 2

    def spec(self, name: str) -> dict:
        """The config entry of a model or randomised copy; <model>@<method> names the model's."""
        model = split_name(name)[0]
        return self.config["models"].get(model) or self.randomised[model]

    def display(self, name) -> str:
        """figures.labels' name for a key, else a readable form of it."""
        return self.config["figures"]["labels"].get(str(name), readable(str(name)))

    def model_display(self, name: str) -> str:
        model, method = split_name(name)
        spec = self.config["models"].get(model) or {}
        shown = spec.get("display_name") or self.display(model)
        return shown if method == "lime" else f"{shown} ({method})"

    def over_nets(self) -> str:
        """' (all N nets)' after a title over every net; with one net, that net's name."""
        if self.several_models:
            return f" (all {len(self.models)} nets)"
        return f" ({self.model_display(self.models[0])})"

    def attribute_values(self, attribute: str) -> list[str]:
        """An attribute's values in the order their first model appears in the config."""
        members = self.attribute_sets[attribute]
        if attribute == "method":
            return list(self.methods)
        return sorted(members, key=lambda v: min(self.model_order.index(m) for m in members[v]))

    def model_family(self, name: str) -> str:
        """models (LIME), models@<method> (another explainer), sanity (randomised copies)."""
        if name in self.randomised:
            return "sanity"
        method = split_name(name)[1]
        return "models" if method == "lime" else f"models@{method}"

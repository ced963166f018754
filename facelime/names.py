"""How the workflow names what it explains and what figures call it (docs/code.md).

A model explained by another method than LIME is named <model>@<method> (`@` cannot occur in
a model's key); LIME keeps the model's own name, the study's. Plain functions with no imports:
the Snakefile and every step that reads an explained name use them, and none should pay for
loading an explainer to split a string.
"""

from __future__ import annotations


def explained_name(model: str, method: str) -> str:
    return model if method == "lime" else f"{model}@{method}"


def split_name(name: str) -> tuple[str, str]:
    """(model, method) of an explained name."""
    model, _, method = name.partition("@")
    return model, method or "lime"


def readable(name: str) -> str:
    """A key as a title shows it when figures.labels has no name for it: underscores become
    spaces ('train_set' -> 'train set', 'Angelina_Jolie' -> 'Angelina Jolie'); the rest is kept."""
    return " ".join(str(name).replace("_", " ").split()) or str(name)

"""An explainer's settings: explain.<method> over the schema's defaults (the one place they live)."""

from __future__ import annotations

from ..defaults import with_defaults


def method_settings(explain: dict | None, method: str) -> dict:
    """explain.<method> over the schema's defaults."""
    return with_defaults((explain or {}).get(method, {}), "explain", method)

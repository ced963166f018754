"""Sample budgets: when an explainer's number of forward passes is too small for what it estimates
(docs/method.md, Sample budgets). A warning, never an error: a quick look may want few samples.

lime: a ridge surrogate with one weight per superpixel; below about 5 samples per weight
    its R² is high by construction and its weights are noise.
rise: each mask is a random grid of grid x grid cells; below about 5 masks per cell some
    cells are shown in too few masks for their mean to settle.
occlusion: deterministic, no samples; a stride larger than the patch leaves pixels that no
    patch ever hides (their saliency is zero by construction).
"""

from __future__ import annotations

SAMPLES_PER_PARAMETER = 5


def lime_budget_warning(num_samples: int, superpixels: int) -> str | None:
    if num_samples < SAMPLES_PER_PARAMETER * superpixels:
        return (f"lime.num_samples {num_samples} is below {SAMPLES_PER_PARAMETER} x the {superpixels} superpixels "
                f"({SAMPLES_PER_PARAMETER * superpixels}): the surrogate has about as many weights as samples, "
                "its R² is high by construction and its weights are noisy")
    return None


def rise_budget_warning(num_masks: int, grid: int) -> str | None:
    cells = grid * grid
    if num_masks < SAMPLES_PER_PARAMETER * cells:
        return (f"explain.rise: {num_masks} masks for a {grid}x{grid} grid is below {SAMPLES_PER_PARAMETER} masks "
                f"per cell ({SAMPLES_PER_PARAMETER * cells}): the saliency of some cells rests on a few masks")
    return None


def occlusion_budget_warning(patch: int, stride: int) -> str | None:
    if stride > patch:
        return (f"explain.occlusion: stride {stride} is larger than patch {patch}: pixels between patches are "
                "never hidden and get no saliency")
    return None


def budget_warnings(methods, lime: dict, explain: dict, superpixels: int) -> list[str]:
    """One warning per explainer of `methods` whose budget is below its floor, for `superpixels`
    superpixels per image (the banner passes lime.n_segments, a job the image's own count)."""
    from .explainers.settings import method_settings

    found = []
    for method in methods:
        if method == "lime":
            found.append(lime_budget_warning(lime["num_samples"], superpixels))
        elif method == "rise":
            rise = method_settings(explain, "rise")
            found.append(rise_budget_warning(rise["num_masks"] or lime["num_samples"], rise["grid"]))
        elif method == "occlusion":
            occlusion = method_settings(explain, "occlusion")
            found.append(occlusion_budget_warning(occlusion["patch"], occlusion["stride"]))
    return [w for w in found if w]

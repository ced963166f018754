"""Report captions written from the settings a figure was really drawn with (scale, colour map,
outline, LIME's samples, segmentation and kept sign), never fixed text that a config can contradict.
The figure rules pass them as params; report/*.rst prints them (Snakemake renders captions as
Jinja2 templates with the job's params)."""

from __future__ import annotations

COLOUR_MAPS = {"grey": "grey colour map (black = low, white = high)", "jet": "JET colour map (blue = low, red = high)"}


def scale_text(scale: str) -> str:
    if scale == "per_panel":
        return ("each panel min-max stretched to [0, 1] on its own (figures.scale: per_panel), as the study's "
                "single images were: colours do not compare across panels")
    return ("one colour scale for every panel (figures.scale: shared): each panel shows its map as a density, "
            "1 = the map's mean over the canonical face region (background excluded), so panels of different "
            "models and groups compare by colour")


def keep_text(keep: str) -> str:
    return ("positive evidence only (lime.keep: positive): superpixels that raise the similarity" if keep == "positive"
            else "both signs kept (lime.keep: all), but a figure shows the positive part: negative values are "
                 "drawn as 0")


def explainer_text(methods: list[str], lime: dict, explain: dict) -> str:
    """What made the maps: LIME's settings, and the other methods' when the figure shows them."""
    parts = [f"LIME on cosine similarity with {lime['num_samples']} samples per image, "
             f"{lime['segmentation'].upper() if lime['segmentation'] == 'slic' else lime['segmentation']} "
             f"superpixels (n_segments {lime['n_segments']}, compactness {lime['compactness']}), kernel width "
             f"{lime['kernel_width']}, sampling {lime['sampling']}, reference {lime['reference']}"]
    if "rise" in methods:
        rise = explain.get("rise", {})
        parts.append(f"RISE with {rise.get('num_masks') or lime['num_samples']} masks on a {rise.get('grid', 7)}x"
                     f"{rise.get('grid', 7)} grid")
    if "occlusion" in methods:
        occlusion = explain.get("occlusion", {})
        parts.append(f"occlusion with a {occlusion.get('patch', 19)} px patch every {occlusion.get('stride', 3)} px")
    if "regions" in methods:
        players = 10 if explain.get("regions", {}).get("split_sides") else 7
        parts.append(f"exact Shapley values of the face's {players} landmark regions (all {2 ** players} "
                     "coalitions), each painted evenly over its region")
    return "; ".join(parts)


def heatmap_figure_caption(title: str, colormap: str, figures: dict, lime: dict, methods: list[str],
                           explain: dict, seed: int) -> str:
    """The caption of one heatmap grid, from its settings."""
    outline = ("The faint white lines are the canonical face's feature contours (its 68 landmarks); no face "
               "image is drawn under the maps." if figures.get("outline", True)
               else "No face image or outline is drawn under the maps (figures.outline: false).")
    return (f"{title}: mean score maps warped onto the canonical face with dlib's 68 landmarks (piecewise "
            f"affine, Delaunay triangles). Each aggregate is the mean of its members' means, so every identity "
            f"weighs the same; maps over several models first divide each model's map by its total mass. "
            f"Colours: {COLOUR_MAPS[colormap]}, {scale_text(figures.get('scale', 'shared'))}. {outline} "
            f"Maps: {keep_text(lime['keep'])}; {explainer_text(methods, lime, explain)}; seed {seed}.")

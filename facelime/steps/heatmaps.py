"""Rules heatmap_* (docs/method.md, Heatmaps): one heatmap per model, attribute, group, or over all models."""

from __future__ import annotations

from ..heatmaps import mass, mean_of, models_equal_mean, nonempty_members, read_face, read_mean, write_heatmap


def aggregate_heatmap(*, members: list[str], names: list[str], face: str, heatmap: list[str],
                      model_scales: list[str] | None = None) -> None:
    """The heatmap (its .npz and PNGs, `heatmap`) whose mean is the mean of its non-empty members' unstretched means.

    With model_scales (the model heatmap of each member, rules over models), the members
    are models: each is divided by its model heatmap's mass first, so every model weighs
    the same.
    """
    prefix = next(path for path in heatmap if path.endswith(".npz"))[: -len(".npz")]
    paths, kept = nonempty_members(members, names)
    if model_scales is None:
        mean = mean_of(read_mean(p) for p in paths)
    else:
        scale_of = dict(zip(members, model_scales, strict=True))
        mean = models_equal_mean((read_mean(p) for p in paths), [mass(read_mean(scale_of[p])) for p in paths])
    write_heatmap(prefix, mean, read_face(face), kept)

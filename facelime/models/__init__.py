"""Face-recognition backends and their construction from a config entry."""

from __future__ import annotations

from ..defaults import with_defaults
from .base import FaceEmbedder, PreparedFace, unit_rows
from .batch_choice import batch_size_for


def build_embedder(name: str, spec: dict, batch_size: int | None = None, threads: int = 0) -> FaceEmbedder:
    """The backend declared under `models.<name>` in config.yaml (keys left out: the schema's defaults)."""
    spec = with_defaults(spec, "models")
    backend = spec["backend"] if "backend" in spec else "dlib"
    if backend == "dlib":
        from .dlib_model import DlibEmbedder

        return DlibEmbedder(name=name, path=spec["path"], batch_size=batch_size_for("dlib", batch_size, spec["batch_size"]),
                            threads=threads)
    if backend == "onnx":
        from .onnx_model import OnnxEmbedder

        return OnnxEmbedder(
            name=name,
            path=spec["path"],
            input_size=spec["input_size"],
            mean=spec["mean"],
            std=spec["std"],
            color_order=spec["color_order"],
            normalisation=spec["normalisation"],
            device=spec["device"],
            batch_size=batch_size_for("onnx", batch_size, spec["batch_size"]),
            precision=spec["precision"],
            threads=threads,
            tf32=spec["tf32"],
            precision_min_cosine=spec["precision_min_cosine"],
            perturb_on_device=spec["perturb_on_device"],
        )
    raise ValueError(f"models.{name}.backend: unknown backend {backend!r} (dlib or onnx)")


__all__ = ["FaceEmbedder", "PreparedFace", "unit_rows", "build_embedder"]

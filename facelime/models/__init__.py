"""Face-recognition backends and their construction from a config entry."""

from __future__ import annotations

from .base import FaceEmbedder, PreparedFace, unit_rows


def build_embedder(name: str, spec: dict, batch_size: int | None = None, threads: int = 0) -> FaceEmbedder:
    """The backend declared under `models.<name>` in config.yaml."""
    backend = spec.get("backend", "dlib")
    batch = batch_size or spec.get("batch_size")
    if backend == "dlib":
        from .dlib_model import DlibEmbedder

        return DlibEmbedder(name=name, path=spec.get("path"), batch_size=batch or 16)
    if backend == "onnx":
        from .onnx_model import OnnxEmbedder

        return OnnxEmbedder(
            name=name,
            path=spec["path"],
            input_size=spec.get("input_size"),
            mean=spec.get("mean", (127.5,) * 3),
            std=spec.get("std", (127.5,) * 3),
            color_order=spec.get("color_order", "RGB"),
            normalisation=spec.get("normalisation", "config"),
            device=spec.get("device", "auto"),
            batch_size=batch or 32,
            threads=threads,
            precision=spec.get("precision", "fp32"),
        )
    raise ValueError(f"models.{name}.backend: unknown backend {backend!r} (dlib or onnx)")


__all__ = ["FaceEmbedder", "PreparedFace", "unit_rows", "build_embedder"]

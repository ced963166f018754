"""Face-recognition backends and their construction from a config entry."""

from __future__ import annotations

from .base import FaceEmbedder, PreparedFace, unit_rows

# Perturbed images per forward call when neither lime.batch_size nor the model's entry
# sets one: the one place this is decided (dlib's ResNet gains nothing from batching;
# onnxruntime on a CPU peaks around 16-32; classifiers are small).
DEFAULT_BATCH = {"dlib": 16, "onnx": 32, "classifier": 64}


def batch_size_for(kind: str, *chosen: int | str | None) -> int | str:
    """The first batch size set (lime.batch_size, then the model's own), else the backend's default.

    "auto" (ONNX only) is passed on: the embedder measures the best size on its device.
    """
    first = next((b for b in chosen if b), None)
    if first == "auto":
        return "auto" if kind == "onnx" else DEFAULT_BATCH[kind]
    return int(first) if first else DEFAULT_BATCH[kind]


def build_embedder(name: str, spec: dict, batch_size: int | None = None, threads: int = 0) -> FaceEmbedder:
    """The backend declared under `models.<name>` in config.yaml (keys left out: the schema's defaults)."""
    from ..defaults import with_defaults

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


__all__ = ["FaceEmbedder", "PreparedFace", "unit_rows", "build_embedder", "batch_size_for", "DEFAULT_BATCH"]

"""ONNX face-recognition networks (insightface ArcFace and others) on onnxruntime.

The input is NCHW float32; normalisation `(x - mean) / std` and colour order come
from the config (ArcFace: RGB, mean = std = 127.5; insightface's own rule can be
asked for with `normalisation: insightface`). Exported files often fix the batch
to 1; we relax that in memory and keep the relaxed graph only if it gives the same
numbers as single images.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ..errors import ModelLoadError
from .base import FaceEmbedder, PreparedFace
from .onnx_session import open_session


def _dims(value_info) -> list:
    return [d.dim_value if d.HasField("dim_value") else (d.dim_param or None)
            for d in value_info.type.tensor_type.shape.dim]


def relax_batch_dimension(model) -> bool:
    """Make the batch dimension symbolic in place; True if anything changed.

    Also turns a leading 1 in constant Reshape shapes into 0 ("copy the input's
    dimension"), the usual reason a batch-1 export fails on larger batches.
    """
    from onnx import numpy_helper

    changed = False
    for value in list(model.graph.input) + list(model.graph.output):
        dims = value.type.tensor_type.shape.dim
        if dims and dims[0].HasField("dim_value") and dims[0].dim_value == 1:
            dims[0].dim_param = "batch"
            changed = True
    constants = {n.output[0]: n for n in model.graph.node if n.op_type == "Constant"}
    initialisers = {i.name: i for i in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type != "Reshape" or len(node.input) < 2:
            continue
        if node.input[1] in constants:
            tensor = constants[node.input[1]].attribute[0].t
        elif node.input[1] in initialisers:
            tensor = initialisers[node.input[1]]
        else:
            continue
        shape = numpy_helper.to_array(tensor).copy()
        if shape.ndim == 1 and len(shape) >= 2 and shape[0] == 1:
            shape[0] = 0
            tensor.CopyFrom(numpy_helper.from_array(shape, tensor.name))
            changed = True
    if changed:
        del model.graph.value_info[:]
    return changed


def reduced_precision(model, precision: str, path: str) -> bytes:
    """The graph with int8 weights (dynamic quantisation, for CPU) or fp16 (for GPU).

    Inputs and outputs stay float32, so the rest of the pipeline does not change.
    """
    import tempfile

    if precision == "int8":
        from onnxruntime.quantization import QuantType, quantize_dynamic

        with tempfile.TemporaryDirectory() as folder:
            source, target = Path(folder) / "fp32.onnx", Path(folder) / "int8.onnx"
            source.write_bytes(model.SerializeToString())
            try:
                quantize_dynamic(source, target, weight_type=QuantType.QUInt8)
            except Exception as err:
                raise ModelLoadError(path, f"int8 quantisation failed ({type(err).__name__}: {err})") from None
            return target.read_bytes()
    if precision == "fp16":
        from onnxruntime.transformers.float16 import convert_float_to_float16

        return convert_float_to_float16(model, keep_io_types=True).SerializeToString()
    raise ModelLoadError(path, f"precision must be fp32, int8 or fp16, not {precision!r}")


class OnnxEmbedder(FaceEmbedder):
    def __init__(self, name: str, path: str, input_size: int | None, mean, std, color_order: str,
                 normalisation: str, device: str, batch_size: int, precision: str, threads: int = 0):
        """Arguments as under models.<name> in the config (defaults: the schema's, via build_embedder)."""
        import onnx

        self.name = name
        self.path = str(path)
        if not Path(path).is_file():
            raise ModelLoadError(path, "file not found")
        try:
            model = onnx.load(self.path)
        except Exception as err:  # onnx raises DecodeError and others for junk files
            raise ModelLoadError(path, f"not a readable ONNX file ({type(err).__name__}: {err})") from None
        if len(model.graph.input) < 1:
            raise ModelLoadError(path, "graph has no input")
        init_names = {i.name for i in model.graph.initializer}
        inputs = [i for i in model.graph.input if i.name not in init_names]
        dims = _dims(inputs[0])
        if len(dims) != 4 or dims[1] not in (3, None):
            raise ModelLoadError(path, f"expected an input of shape N x 3 x H x W, found {dims}")
        fixed_hw = [d for d in dims[2:] if isinstance(d, int)]
        if input_size is None:
            if len(fixed_hw) != 2:
                raise ModelLoadError(path, f"input height/width are symbolic {dims}: set input_size in the config")
            input_size = fixed_hw[0]
        if len(fixed_hw) == 2 and fixed_hw != [input_size, input_size]:
            raise ModelLoadError(path, f"input is {dims[2]}x{dims[3]} but the config says input_size {input_size}")
        self.input_size = int(input_size)
        batch_was_one = dims[0] == 1
        single_model = model.SerializeToString()
        if batch_was_one:
            relax_batch_dimension(model)

        self._open = lambda graph: open_session(self.path, graph, device, threads)
        self._session = self._open(model.SerializeToString())
        self.providers = self._session.get_providers()
        self._input_name = self._session.get_inputs()[0].name
        self.batch_size = batch_size
        if normalisation == "insightface":
            from insightface.model_zoo.arcface_onnx import ArcFaceONNX

            arcface = ArcFaceONNX(model_file=self.path, session=self._session)
            mean, std = (arcface.input_mean,) * 3, (arcface.input_std,) * 3
        order = color_order.upper()
        if order not in ("RGB", "BGR"):
            raise ModelLoadError(path, f"color_order must be RGB or BGR, not {color_order!r}")
        self._bgr = order == "BGR"
        # mean/std are given in the model's colour order; store them in RGB order.
        self.mean = np.asarray(mean, dtype=np.float32)[::-1] if self._bgr else np.asarray(mean, dtype=np.float32)
        self.std = np.asarray(std, dtype=np.float32)[::-1] if self._bgr else np.asarray(std, dtype=np.float32)
        probe = self._check_runs(single_model if batch_was_one else None)
        self.embedding_size = int(probe.shape[1])
        self.precision = precision
        if precision != "fp32":
            graph = model if self.batch_size != 1 or not batch_was_one else onnx.load_from_string(single_model)
            self._session = self._open(reduced_precision(graph, precision, self.path))

    def _run(self, nchw: np.ndarray, session=None) -> np.ndarray:
        session = session or self._session
        out = session.run(None, {self._input_name: nchw})[0]
        return np.asarray(out, dtype=np.float32).reshape(len(nchw), -1)

    def _check_runs(self, single_model: bytes | None) -> np.ndarray:
        """Run a probe batch; if the batch was relaxed, compare with batch-1 results."""
        rng = np.random.default_rng(0)
        probe = rng.standard_normal((2, 3, self.input_size, self.input_size)).astype(np.float32)
        try:
            singles = np.concatenate([self._run(probe[i : i + 1]) for i in range(2)])
        except Exception as err:
            raise ModelLoadError(self.path, f"inference failed on a 1x3x{self.input_size}x{self.input_size} input ({err})") from None
        if single_model is None:
            return singles
        try:
            batched = self._run(probe)
            same = batched.shape == singles.shape and np.allclose(batched, singles, rtol=1e-4, atol=1e-5)
        except Exception:
            same = False
        if not same:  # the graph really needs batch 1: use the file as exported
            self._session = self._open(single_model)
            self.batch_size = 1
        return singles

    def prepare(self, face: np.ndarray, segments: np.ndarray | None = None) -> PreparedFace:
        size = self.input_size
        h, w = face.shape[:2]
        resized = face if (h, w) == (size, size) else cv2.resize(face, (size, size), interpolation=cv2.INTER_LINEAR)
        pixels = (resized.astype(np.float32) - self.mean) / self.std
        if self._bgr:
            pixels = pixels[:, :, ::-1]
        if segments is None:
            segment_index = np.full((size, size), -1, dtype=np.int32)
        else:  # nearest-neighbour resampling of the label image
            rows = np.minimum(((np.arange(size) + 0.5) * h / size).astype(np.intp), h - 1)
            cols = np.minimum(((np.arange(size) + 0.5) * w / size).astype(np.intp), w - 1)
            segment_index = segments[np.ix_(rows, cols)].astype(np.int32)
        # hidden pixels take the value 0 of the normalised input: the model's mid-grey
        return PreparedFace(np.ascontiguousarray(pixels.transpose(2, 0, 1), dtype=np.float32), np.zeros(3, np.float32),
                            segment_index, channels_first=True)

    def embed_inputs(self, batch: np.ndarray) -> np.ndarray:
        """Raw embeddings of an NCHW batch (prepare() gives CHW pixels)."""
        return self._run(np.ascontiguousarray(batch, dtype=np.float32))

"""ONNX face-recognition networks (insightface ArcFace and others) on onnxruntime.

The input is NCHW float32; normalisation `(x - mean) / std` and colour order come
from the config (ArcFace: RGB, mean = std = 127.5; insightface's own rule can be
asked for with `normalisation: insightface`). Exported files often fix the batch
to 1; we relax that in memory and keep the relaxed graph only if its embeddings point
the same way as single images' (facelime.models.onnx_checks). On CUDA every batch is
padded to one shape, runs through I/O binding and, with perturb_on_device, LIME's
masked batch is built on the GPU (facelime.models.onnx_runner, onnx_perturb).
"""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np

from ..errors import ModelLoadError
from .base import FaceEmbedder, PreparedFace, unit_rows
from .batch_choice import CANDIDATES, DEFAULT_BATCH, fastest_batch
from .onnx_checks import BATCH_MIN_COSINE, batch_agrees, check_reduced_precision
from .onnx_perturb import SAMPLES, prefix_constants, with_perturbation_prefix
from .fallback import fall_back
from .onnx_runner import SessionRunner
from .onnx_session import open_session, session_place


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
                 normalisation: str, device: str, batch_size: int, precision: str, threads: int = 0,
                 tf32: bool = True, precision_min_cosine: float = 0.9999, perturb_on_device: str | bool = "auto",
                 fixed_shape: bool | None = None, io_binding: bool | None = None):
        """Arguments as under models.<name> in the config (defaults: the schema's, via build_embedder).

        fixed_shape (pad every batch to batch_size) and io_binding are not config keys: both are
        on with CUDA and off otherwise (None); tests switch them on the CPU provider.
        """
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

        self._open = lambda graph: open_session(self.path, graph, device, threads, tf32)
        self._graph = model.SerializeToString()  # the graph the session runs (for the perturbation prefix)
        self._session = self._open(self._graph)
        self.providers = self._session.get_providers()
        self.on_cuda = self.providers[0] == "CUDAExecutionProvider"
        self._input_name = self._session.get_inputs()[0].name
        measure_batch = batch_size == "auto"  # measured below, on the final graph
        self._batch_size = DEFAULT_BATCH["onnx"] if measure_batch else int(batch_size)
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
        if precision != "fp32":
            graph = model if self.batch_size != 1 or not batch_was_one else onnx.load_from_string(single_model)
            if precision == "fp16":
                precision = self._use_fp16(graph, precision_min_cosine)
            else:  # int8, a CPU speed option measured against fp32 by the benchmark (anything else is refused)
                self._graph = reduced_precision(graph, precision, self.path)
                self._session = self._open(self._graph)
        self.precision = precision
        if measure_batch and self._batch_size > 1:  # a model kept at batch 1 stays there
            self._measure_batch()
        self.fixed_shape = self.on_cuda if fixed_shape is None else bool(fixed_shape)
        self.io_binding = self.on_cuda if io_binding is None else bool(io_binding)
        self._runner = SessionRunner(self._session, self._fixed_batch(), self.io_binding, fallback_model=self.name)
        self.perturbs_on_device = self.on_cuda if perturb_on_device == "auto" else bool(perturb_on_device)
        self._perturb_runner = None  # the model with the perturbation prefix, opened on first use
        self._perturb_proven = False  # the prefix has embedded a batch without error
        logging.info("model %s: onnxruntime %s on %s; %s", self.name, _ort_version(), session_place(self._session),
                     self.settings_line())

    def settings_line(self) -> str:
        """The speed settings in effect (the job's log; after a fallback they say so)."""
        return (f"precision {self.precision}, batch {self.batch_size}, one input shape "
                f"{'on' if self.fixed_shape else 'off'}, I/O binding {'on' if self.io_binding else 'off'}, "
                f"perturbation on the device {'on' if self.perturbs_on_device else 'off'}")

    def _use_fp16(self, graph, min_cosine: float) -> str:
        """Switch to the fp16 graph; 'fp16', or 'fp32' when converting or running it fails (one warning).

        A graph that runs but strays from fp32's embeddings is refused (ModelLoadError): that is
        a property of the model, which the user chose fp16 for, not a failure of the GPU path.
        """
        full = self._probe_embeddings()  # from the fp32 session
        fp32_graph, fp32_session = self._graph, self._session
        try:
            self._graph = reduced_precision(graph, "fp16", self.path)
            self._session = self._open(self._graph)
            half = self._probe_embeddings()
        except Exception as err:
            fall_back(self.name, "precision fp16", err, "the fp32 graph")
            self._graph, self._session = fp32_graph, fp32_session
            return "fp32"
        check_reduced_precision(full, half, min_cosine, self.path)
        return "fp16"

    def _measure_batch(self) -> None:
        """batch_size auto: the fastest candidate; on failure (e.g. out of GPU memory) the default batch."""
        try:
            self._batch_size, self.batch_speeds = fastest_batch(
                lambda batch: self._run(batch), self._probe, CANDIDATES["cuda" if self.on_cuda else "cpu"])
        except Exception as err:
            fall_back(self.name, "batch_size auto", err, f"batch size {DEFAULT_BATCH['onnx']}")
            self._batch_size = DEFAULT_BATCH["onnx"]
            return
        logging.info("model %s: batch_size auto chose %d (images/s per size: %s)", self.path, self._batch_size,
                     {size: round(speed) for size, speed in self.batch_speeds.items()})

    @property
    def batch_size(self) -> int:
        return self._batch_size

    @batch_size.setter
    def batch_size(self, value: int) -> None:  # the benchmark picks the fastest after loading
        self._batch_size = int(value)
        for runner in (getattr(self, "_runner", None), getattr(self, "_perturb_runner", None)):
            if runner is not None:
                runner.fixed_batch = self._fixed_batch()

    def _fixed_batch(self) -> int | None:
        return self._batch_size if self.fixed_shape and self._batch_size > 1 else None

    def _run(self, nchw: np.ndarray, session=None) -> np.ndarray:
        """One plain session.run, as given (the load-time checks compare exactly these)."""
        session = session or self._session
        out = session.run(None, {self._input_name: nchw})[0]
        return np.asarray(out, dtype=np.float32).reshape(len(nchw), -1)

    def _probe(self, rows: int = 2) -> np.ndarray:
        return np.random.default_rng(0).standard_normal((rows, 3, self.input_size, self.input_size)).astype(np.float32)

    def _probe_embeddings(self, rows: int = 4) -> np.ndarray:
        """Raw embeddings of a seeded probe batch, run at the session's batch size."""
        probe = self._probe(rows)
        step = max(1, min(self.batch_size, rows))
        return np.concatenate([self._run(probe[i : i + step]) for i in range(0, rows, step)])

    def _check_runs(self, single_model: bytes | None) -> np.ndarray:
        """Run a probe batch; if the batch was relaxed, compare with batch-1 results by embedding cosine."""
        probe = self._probe()
        try:
            singles = np.concatenate([self._run(probe[i : i + 1]) for i in range(2)])
        except Exception as err:
            raise ModelLoadError(self.path, f"inference failed on a 1x3x{self.input_size}x{self.input_size} input ({err})") from None
        if single_model is None:
            return singles
        try:
            same, lowest = batch_agrees(self._run(probe), singles)
            why = f"lowest row cosine {lowest:.7f} < {BATCH_MIN_COSINE}"
        except Exception as err:
            same, why = False, f"a batch of 2 fails ({type(err).__name__})"
        if not same:  # the graph really needs batch 1: use the file as exported
            logging.warning("model %s: the file fixes batch 1 and its relaxed graph does not give single-image "
                            "embeddings in a batch (%s); running it one image at a time", self.path, why)
            self._graph = single_model
            self._session = self._open(single_model)
            self._batch_size = 1
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
        return self._runner(self._input_name, np.ascontiguousarray(batch, dtype=np.float32))

    def sample_embedder(self, prepared: PreparedFace, num_superpixels: int):
        """embed(samples) -> unit embeddings of the face perturbed by binary rows (n x K), built on the device.

        The face, its superpixel index and the hide values are sent once; each call sends n x K bytes.
        Until the prefix has embedded a batch, a failure (building, loading or running it) switches
        this embedder to host-built batches for good, with one warning: the same numbers.
        """
        def on_host(samples: np.ndarray) -> np.ndarray:
            return self.embed_prepared(prepared.perturbed(samples))

        runner = self._guarded_prefix(lambda: self._prefixed_runner())
        if runner is False or self._guarded_prefix(lambda: runner.set_constants(**prefix_constants(
                prepared.pixels, prepared.hide, prepared.segment_index, num_superpixels))) is False:
            return on_host

        def embed(samples: np.ndarray) -> np.ndarray:
            if not self.perturbs_on_device:  # an earlier call fell back
                return on_host(samples)
            z = np.asarray(samples).astype(np.uint8)
            run = lambda: [runner(SAMPLES, z[start : start + self.batch_size])  # noqa: E731
                           for start in range(0, len(z), self.batch_size)]
            chunks = run() if self._perturb_proven else self._guarded_prefix(run)
            if chunks is False:
                return on_host(samples)
            self._perturb_proven = runner.fast_path_proven
            return unit_rows(np.concatenate(chunks, axis=0), self.name)

        return embed

    def _guarded_prefix(self, action):
        """action(), or False after falling back to host-built batches when it fails (one warning)."""
        try:
            return action()
        except Exception as err:
            fall_back(self.name, "perturb_on_device (the perturbation graph)", err, "batches built on the host")
            self.perturbs_on_device = False
            return False

    def _prefixed_runner(self) -> SessionRunner:
        if self._perturb_runner is None:
            import onnx

            composed = with_perturbation_prefix(onnx.load_from_string(self._graph), self._input_name, 3,
                                                self.input_size)
            self._perturb_runner = SessionRunner(self._open(composed.SerializeToString()), self._fixed_batch(),
                                                 self.io_binding)
        return self._perturb_runner


def _ort_version() -> str:
    import onnxruntime as ort

    return ort.__version__

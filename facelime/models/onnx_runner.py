"""Running an onnxruntime session on batches: one input shape, optionally through I/O binding.

On a GPU every new input shape costs a kernel search (the last, smaller batch of a
LIME run cost 2-3x a full one on an H100), so with `fixed_batch` every batch of more
than one row is padded to that size and the padding rows are dropped from the output.
Rows never mix in a face model, so the real rows come out as they would unpadded.
I/O binding keeps the input and output buffers where the model runs (the GPU) and
refills them in place, instead of onnxruntime allocating and copying on each call.
Both are CUDA settings tested on the CPU provider only: with `fallback_model` set, a
failure before they have proven themselves (a first call, and with binding a first
in-place refill) switches the runner to plain session.run once, with one warning.
"""

from __future__ import annotations

import numpy as np

from .fallback import fall_back


def session_device(session) -> tuple[str, int]:
    """('cuda', id) when the session's first provider is CUDA, else ('cpu', 0)."""
    if session.get_providers()[0] == "CUDAExecutionProvider":
        options = session.get_provider_options().get("CUDAExecutionProvider", {})
        return "cuda", int(options.get("device_id", 0))
    return "cpu", 0


def pad_rows(batch: np.ndarray, rows: int) -> np.ndarray:
    """batch with copies of its last row appended up to `rows` (a real input, so no NaN can appear)."""
    missing = rows - len(batch)
    if missing <= 0:
        return batch
    return np.concatenate([batch, np.repeat(batch[-1:], missing, axis=0)], axis=0)


class SessionRunner:
    """Calls a session on named inputs; the first input's rows are the batch.

    fixed_batch: pad every call of more than one row to this many rows (None: run as given).
    bind: run through session.io_binding(), with device buffers reused while shapes repeat.
    fallback_model: the model's name; given, a failing padded or bound run falls back to the
        plain run (see the module's docstring); None: errors propagate.
    """

    def __init__(self, session, fixed_batch: int | None = None, bind: bool = False,
                 fallback_model: str | None = None):
        self.session = session
        self._fixed_batch = fixed_batch
        self.bind = bind
        self.fallback_model = fallback_model
        self.fell_back: str | None = None  # the error that switched the fast settings off
        self.output_name = session.get_outputs()[0].name
        self.device, self.device_id = session_device(session)
        self._binding = None
        self._bound: dict[str, object] = {}  # input name -> OrtValue in the session's device memory
        self._constants: dict[str, np.ndarray] = {}  # host copies, fed with every call when not bound
        self._refilled = False  # an in-place refill of a bound buffer has run without error
        self._shaped = False  # a batch of fixed_batch rows has run without error
        self._proven = not (bind or fixed_batch)
        if bind:
            self._guarded(lambda: setattr(self, "_binding", session.io_binding()))

    @property
    def fixed_batch(self) -> int | None:
        return self._fixed_batch

    @fixed_batch.setter
    def fixed_batch(self, value: int | None) -> None:
        if self.fell_back is None:  # once fallen back, the runner stays on the plain path
            self._fixed_batch = value
            self._proven = self._proven and not value

    def __call__(self, batch_name: str, batch: np.ndarray) -> np.ndarray:
        """The first output for `batch` (its rows) and the constants set, as float32 N x D."""
        if self._proven:
            return self._run(batch_name, batch)
        out = self._guarded(lambda: self._run(batch_name, batch))
        if out is None:  # fell back just now
            return self._run(batch_name, batch)
        self._proven = self.fast_path_proven
        return out

    @property
    def fast_path_proven(self) -> bool:
        """Whether successful calls have been through every fast path: a batch of the fixed shape,
        and with binding a refill in place (the first call only allocates the device buffers)."""
        return (self._binding is None or self._refilled) and (not self._fixed_batch or self._shaped)

    def _run(self, batch_name: str, batch: np.ndarray) -> np.ndarray:
        n = len(batch)
        if self._fixed_batch and 1 < n < self._fixed_batch:
            batch = pad_rows(batch, self._fixed_batch)
        batch = np.ascontiguousarray(batch)
        if self._binding is None:
            out = self.session.run([self.output_name], {batch_name: batch, **self._constants})[0]
        else:
            self._put(batch_name, batch)
            self._binding.bind_output(self.output_name, self.device, self.device_id)
            self.session.run_with_iobinding(self._binding)
            out = self._binding.copy_outputs_to_cpu()[0]
        self._shaped = self._shaped or len(batch) == self._fixed_batch
        return np.asarray(out, dtype=np.float32).reshape(len(batch), -1)[:n]

    def _guarded(self, action):
        """action(), or, when it fails and a fallback is allowed, None after switching to the plain run."""
        if self.fallback_model is None:
            return action()
        try:
            return action()
        except Exception as err:
            fast = " and ".join(s for s, on in (("I/O binding", self.bind), ("one input shape (padding)",
                                                                                 self._fixed_batch)) if on)
            fall_back(self.fallback_model, fast, err, "plain session.run on batches as given")
            self.fell_back = f"{type(err).__name__}: {err}"
            self._binding, self._bound, self._fixed_batch, self._proven = None, {}, None, True
            return None

    def set_constants(self, **constants: np.ndarray) -> None:
        """Inputs that stay the same for many calls (a face, its superpixel map): with binding, sent to
        the device once here rather than with every batch."""
        self._constants = {name: np.ascontiguousarray(value) for name, value in constants.items()}
        if self._binding is not None:
            self._guarded(lambda: [self._put(name, value) for name, value in self._constants.items()])

    def _put(self, name: str, value: np.ndarray) -> None:
        import onnxruntime as ort

        held = self._bound.get(name)
        if held is not None and held.shape() == list(value.shape) and held.data_type() == _ort_type(value):
            held.update_inplace(value)  # same shape: refill the device buffer, no new allocation
            self._refilled = True
        else:
            # on the CPU an OrtValue shares the numpy array's memory: copy, so that a later
            # update_inplace never writes into an array the caller still holds
            held = ort.OrtValue.ortvalue_from_numpy(value.copy() if self.device == "cpu" else value,
                                                    self.device, self.device_id)
            self._bound[name] = held
        self._binding.bind_ortvalue_input(name, held)


def _ort_type(value: np.ndarray) -> str:
    """onnxruntime's name for a numpy dtype, as OrtValue.data_type() reports it."""
    return {np.dtype(np.float32): "tensor(float)", np.dtype(np.uint8): "tensor(uint8)",
            np.dtype(np.int64): "tensor(int64)", np.dtype(np.bool_): "tensor(bool)",
            np.dtype(np.float16): "tensor(float16)"}.get(np.asarray(value).dtype, "")

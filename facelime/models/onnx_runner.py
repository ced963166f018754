"""Running an onnxruntime session on batches: one input shape, optionally through I/O binding.

On a GPU every new input shape costs a kernel search (the last, smaller batch of a
LIME run cost 2-3x a full one on an H100), so with `fixed_batch` every batch of more
than one row is padded to that size and the padding rows are dropped from the output.
Rows never mix in a face model, so the real rows come out as they would unpadded.
I/O binding keeps the input and output buffers where the model runs (the GPU) and
refills them in place, instead of onnxruntime allocating and copying on each call.
"""

from __future__ import annotations

import numpy as np


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
    """

    def __init__(self, session, fixed_batch: int | None = None, bind: bool = False):
        self.session = session
        self.fixed_batch = fixed_batch
        self.bind = bind
        self.output_name = session.get_outputs()[0].name
        self.device, self.device_id = session_device(session)
        self._binding = session.io_binding() if bind else None
        self._bound: dict[str, object] = {}  # input name -> OrtValue in the session's device memory
        self._constants: dict[str, np.ndarray] = {}  # without binding: fed with every call

    def __call__(self, batch_name: str, batch: np.ndarray) -> np.ndarray:
        """The first output for `batch` (its rows) and the constants set, as float32 N x D."""
        n = len(batch)
        if self.fixed_batch and 1 < n < self.fixed_batch:
            batch = pad_rows(batch, self.fixed_batch)
        batch = np.ascontiguousarray(batch)
        if self._binding is None:
            out = self.session.run([self.output_name], {batch_name: batch, **self._constants})[0]
        else:
            self._put(batch_name, batch)
            self._binding.bind_output(self.output_name, self.device, self.device_id)
            self.session.run_with_iobinding(self._binding)
            out = self._binding.copy_outputs_to_cpu()[0]
        return np.asarray(out, dtype=np.float32).reshape(len(batch), -1)[:n]

    def set_constants(self, **constants: np.ndarray) -> None:
        """Inputs that stay the same for many calls (a face, its superpixel map): with binding, sent to
        the device once here rather than with every batch."""
        for name, value in constants.items():
            value = np.ascontiguousarray(value)
            if self._binding is None:
                self._constants[name] = value
            else:
                self._put(name, value)

    def _put(self, name: str, value: np.ndarray) -> None:
        import onnxruntime as ort

        held = self._bound.get(name)
        if held is not None and held.shape() == list(value.shape) and held.data_type() == _ort_type(value):
            held.update_inplace(value)  # same shape: refill the device buffer, no new allocation
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

"""One way to open an onnxruntime session, for every ONNX adapter (face models, classifiers).

The device decides the providers (CUDA when asked for, or, with auto, when
onnxruntime-gpu sees a GPU); the job's thread count reaches every session the adapter
opens; a file onnxruntime cannot load is a ModelLoadError naming it.
"""

from __future__ import annotations

import logging

from ..errors import ModelLoadError

_cuda_checked: dict[str, bool] = {}  # once per process: the CUDA libraries loaded, the drop reported


def available_providers(device: str) -> list[str]:
    """CUDA when asked for or (auto) when onnxruntime-gpu sees a GPU; CPU otherwise."""
    import onnxruntime as ort

    have = ort.get_available_providers()
    if device == "cpu":
        return ["CPUExecutionProvider"]
    if "CUDAExecutionProvider" in have:
        preload_cuda_libraries(ort)
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    if device == "cuda":
        raise ModelLoadError("onnxruntime", "device: cuda asked for, but onnxruntime has no CUDA provider "
                             "(install onnxruntime-gpu on a machine with a GPU)")
    return ["CPUExecutionProvider"]


def preload_cuda_libraries(ort) -> None:
    """Load the CUDA and cuDNN libraries of the nvidia-* pip wheels (envs/facelime-gpu.yaml) before
    the first CUDA session, as onnxruntime-gpu asks; without those wheels it loads the system's."""
    if "preloaded" in _cuda_checked or not hasattr(ort, "preload_dlls"):
        return
    _cuda_checked["preloaded"] = True
    try:
        ort.preload_dlls()
    except Exception as err:  # the session itself then says whether CUDA works
        logging.warning("onnxruntime.preload_dlls() failed (%s: %s); relying on the system's CUDA libraries",
                        type(err).__name__, err)


def report_dropped_cuda(path: str, asked: list, session) -> None:
    """onnxruntime drops the CUDA provider without an error when its libraries do not load: say so once."""
    if "CUDAExecutionProvider" in [p if isinstance(p, str) else p[0] for p in asked] and \
            "CUDAExecutionProvider" not in session.get_providers() and "dropped" not in _cuda_checked:
        _cuda_checked["dropped"] = True
        logging.warning("%s: onnxruntime has a CUDA provider but could not start it (CUDA or cuDNN libraries "
                        "missing or not matching, see onnxruntime's message above); this job runs on the CPU", path)


def provider_settings(providers: list[str], tf32: bool) -> list:
    """Providers with their options: CUDA gets TF32 math for fp32 convolutions and matmuls when tf32 is on.

    TF32 keeps fp32's range with a 10-bit mantissa in the tensor cores (1.7x on an H100 for
    an iResNet-100); embeddings move by about as much as between two GPU kernels.
    """
    return [(p, {"use_tf32": "1" if tf32 else "0"}) if p == "CUDAExecutionProvider" else p for p in providers]


def session_place(session) -> str:
    """Where a session runs, for the job's log: the providers onnxruntime actually registered for it
    (it drops CUDA silently when the CUDA libraries do not load), the CUDA device id and the
    CUDA_VISIBLE_DEVICES that maps it to a physical GPU."""
    import os

    places = []
    for provider in session.get_providers():
        if provider == "CUDAExecutionProvider":
            device = session.get_provider_options().get(provider, {}).get("device_id", "0")
            visible = os.environ.get("CUDA_VISIBLE_DEVICES")
            provider += f" (device {device}" + (f", CUDA_VISIBLE_DEVICES={visible})" if visible is not None else ")")
        places.append(provider)
    return ", ".join(places)


def open_session(path: str, model: str | bytes | None = None, device: str = "auto", threads: int = 0,
                 tf32: bool = False):
    """An InferenceSession of `model` (serialised bytes, or the file at `path` when None)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    providers = provider_settings(available_providers(device), tf32)
    try:
        session = ort.InferenceSession(path if model is None else model, options, providers=providers)
    except Exception as err:
        raise ModelLoadError(path, f"onnxruntime could not load it ({type(err).__name__}: {err})") from None
    report_dropped_cuda(path, providers, session)
    return session

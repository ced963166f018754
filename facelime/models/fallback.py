"""Falling back from a CUDA-only fast path to the host path that CI tests, with one warning.

The GPU settings (fp16, one input shape, I/O binding, the perturbation graph, batch_size
auto) are tested on onnxruntime's CPU provider only. If one of them fails on a real GPU,
at load or on its first batches, the job continues on the plain path that gives the same
numbers, and its log says once which model, which setting and what failed.
"""

from __future__ import annotations

import logging


def fall_back(model: str, setting: str, err: BaseException, instead: str) -> None:
    """The one warning of a fallback: the model, the setting that failed, the error, what runs instead."""
    logging.warning("model %s: %s failed (%s: %s); %s instead (the same numbers, without that speed-up)",
                    model, setting, type(err).__name__, str(err).strip().splitlines()[0] if str(err).strip() else "",
                    instead)

"""Deterministic seeds from the config seed and a job's identity.

Python's hash() is salted per process, so seeds are derived from SHA-256 of the
job's names instead: the same (seed, model, identity, image) gives the same draw on
every machine, in every process, whatever the job order.
"""

from __future__ import annotations

import hashlib

import numpy as np


def job_seed(base_seed: int, *parts: str) -> int:
    """A 32-bit seed for numpy's RandomState, fixed by base_seed and the parts."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    entropy = [int(base_seed), int.from_bytes(digest[:16], "little")]
    return int(np.random.SeedSequence(entropy).generate_state(1, dtype=np.uint32)[0])

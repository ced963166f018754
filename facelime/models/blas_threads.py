"""The job's thread count for BLAS: dlib's ResNet runs its convolutions on OpenBLAS.

OpenBLAS starts one thread per core unless told otherwise, so a `threads: 2` job on a
16-core node would run 16 (and 16 jobs side by side 256). threadpoolctl caps every BLAS
library loaded in the process (dlib's and numpy's) after import, where environment
variables would have to be set before it.
"""

from __future__ import annotations


def limit_blas_threads(threads: int):
    """Cap BLAS at `threads` for the rest of the process (0: leave it); returns the limiter
    (its restore_original_limits() undoes it), or None."""
    if not threads or threads < 1:
        return None
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=int(threads), user_api="blas")

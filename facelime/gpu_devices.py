"""One GPU per job on a machine with several: a lock file per device, held for the job's life.

Snakemake's local scheduler counts the `gpu` resource but does not say which device a job
got, so every job would open device 0. A job that holds `gpu` resources claims that many
free devices here before any model loads: it takes an exclusive flock on
`.snakemake/facelime-gpu-locks/<host>-gpu<id>.lock` and narrows CUDA_VISIBLE_DEVICES to
them (onnxruntime then sees its device as 0). The OS drops a flock when its process
ends, so a killed job frees its device at once. When SLURM started the job with
CUDA_VISIBLE_DEVICES set to exactly the job's `count` devices, SLURM has already given
it its own devices: they are used as they are, with no lock. SLURM's list with more
devices than that (Snakemake run locally inside an `salloc` holding 4 GPUs, each job
asking for 1) is shared by several jobs: they lock among those devices as on a plain
machine (the lock names carry the host, so nodes sharing a file system do not collide).
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import subprocess
import time
from pathlib import Path

LOCK_DIR = Path(".snakemake") / "facelime-gpu-locks"
_held: list = []  # open lock files: kept for the life of the process


def machine_gpus() -> list[str]:
    """The NVIDIA GPUs' indices on this machine (nvidia-smi, else the driver's /proc entries); [] without any."""
    try:
        listed = subprocess.run(["nvidia-smi", "--query-gpu=index", "--format=csv,noheader"], capture_output=True,
                                text=True, timeout=30, check=True).stdout.split()
        return [index.strip() for index in listed if index.strip()]
    except (OSError, subprocess.SubprocessError):
        found = Path("/proc/driver/nvidia/gpus")
        return [str(i) for i in range(len(list(found.iterdir())))] if found.is_dir() else []


def candidate_devices(environ=os.environ) -> list[str]:
    """The devices this job may use: CUDA_VISIBLE_DEVICES when set (e.g. "0,2" to keep the others free), else all."""
    visible = environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        return [d.strip() for d in visible.split(",") if d.strip()]
    return machine_gpus()


def claim_devices(count: int, devices: list[str] | None = None, lock_dir: Path | str = LOCK_DIR,
                  environ=os.environ, poll_s: float = 0.5) -> list[str]:
    """Claim `count` free devices for this process and make them the only ones CUDA sees.

    devices: the candidates (default: candidate_devices()). Waits while all are taken (the
    scheduler's gpu count should prevent that; another program's job may not). Returns the
    device ids claimed ([] when the job holds no gpu or the machine shows none).
    """
    if count <= 0:
        return []
    if "SLURM_JOB_ID" in environ and environ.get("CUDA_VISIBLE_DEVICES"):
        given = candidate_devices(environ)
        if len(given) == count:  # SLURM's allocation is this job's own
            logging.info("GPU: SLURM gave this job CUDA_VISIBLE_DEVICES=%s; using it as it is", ",".join(given))
            return given
        # an allocation shared by several jobs (snakemake inside salloc): lock among its devices
        devices = given
    devices = candidate_devices(environ) if devices is None else [str(d) for d in devices]
    if not devices:
        logging.warning("GPU: this job holds %d gpu but no NVIDIA GPU is visible (nvidia-smi, "
                        "CUDA_VISIBLE_DEVICES); models run where onnxruntime can", count)
        return []
    if count > len(devices):
        raise ValueError(f"resources gpu: this job holds {count} GPUs but only {len(devices)} exist "
                         f"({','.join(devices)}); lower gpu in the profile's set-resources")
    folder = Path(lock_dir)
    folder.mkdir(parents=True, exist_ok=True)
    host = socket.gethostname()
    waited = False
    while True:
        claimed = []
        for device in devices:
            handle = open(folder / f"{host}-gpu{device}.lock", "a+")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()}\n")
            handle.flush()
            claimed.append((device, handle))
            if len(claimed) == count:
                break
        if len(claimed) == count:
            break
        for _, handle in claimed:  # not enough free: let go and try again
            handle.close()
        if not waited:
            logging.info("GPU: all of %s are taken by other jobs; waiting for one to finish", ",".join(devices))
            waited = True
        time.sleep(poll_s)
    _held.extend(handle for _, handle in claimed)
    ids = [device for device, _ in claimed]
    environ["CUDA_VISIBLE_DEVICES"] = ",".join(ids)
    logging.info("GPU: this job runs on device %s of %s (lock %s, held until the job ends); CUDA_VISIBLE_DEVICES=%s",
                 ",".join(ids), ",".join(devices), folder / f"{host}-gpu{ids[0]}.lock", ",".join(ids))
    return ids


def release_devices() -> None:
    """Let go of every device this process claimed (a process that ends does this by itself)."""
    while _held:
        _held.pop().close()

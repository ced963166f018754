"""One GPU per job (facelime.gpu_devices), with a fake device list and real concurrent processes."""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import time
import types

import pytest

from facelime import gpu_devices

FORK = multiprocessing.get_context("fork")  # the children share this test's module state and need no import


def holder(devices, lock_dir, reports, release, environ=None):
    """A job: claim one device, report it with the CUDA_VISIBLE_DEVICES it now has, hold until released."""
    environ = {} if environ is None else environ
    claimed = gpu_devices.claim_devices(1, devices, lock_dir, environ, poll_s=0.05)
    reports.put((os.getpid(), claimed, environ.get("CUDA_VISIBLE_DEVICES")))
    # a file, not a multiprocessing Event: a job killed while waiting on an Event would break it
    for _ in range(1200):
        if release.exists():
            break
        time.sleep(0.05)


def test_concurrent_jobs_get_distinct_devices_and_a_killed_job_frees_its_own(tmp_path):
    devices = ["0", "1", "2"]
    reports, release = FORK.Queue(), tmp_path / "release"
    jobs = [FORK.Process(target=holder, args=(devices, tmp_path, reports, release)) for _ in devices]
    for job in jobs:
        job.start()
    got = [reports.get(timeout=30) for _ in jobs]
    assert sorted(claimed[0] for _, claimed, _ in got) == devices  # three jobs at once: three devices
    assert all(visible == claimed[0] for _, claimed, visible in got)  # each sees only its own
    # a fourth job waits while every device is taken ...
    waiting = FORK.Process(target=holder, args=(devices, tmp_path, reports, release))
    waiting.start()
    with pytest.raises(Exception):
        reports.get(timeout=1.0)
    # ... and gets the device of a job killed without any clean-up
    pid, claimed, _ = next(r for r in got if r[1] == ["1"])
    os.kill(pid, signal.SIGKILL)
    assert reports.get(timeout=30)[1] == ["1"]
    release.touch()
    for job in jobs + [waiting]:
        job.join(30)


def test_a_finished_job_s_device_is_reused(tmp_path):
    reports, release = FORK.Queue(), tmp_path / "release"
    release.touch()  # each job ends at once
    for _ in range(3):
        job = FORK.Process(target=holder, args=(["0", "1"], tmp_path, reports, release))
        job.start()
        job.join(30)
        assert reports.get(timeout=5)[1] == ["0"]  # the first device, free again every time


def test_cuda_visible_devices_limits_the_choice(tmp_path, caplog):
    environ = {"CUDA_VISIBLE_DEVICES": "2,3"}
    with caplog.at_level(logging.INFO):
        first = gpu_devices.claim_devices(1, None, tmp_path, environ)
    try:
        assert first == ["2"] and environ["CUDA_VISIBLE_DEVICES"] == "2"
        assert "GPU: this job runs on device 2 of 2,3" in caplog.text
        reports, release = FORK.Queue(), tmp_path / "release"
        other = FORK.Process(target=holder, args=(None, tmp_path, reports, release, {"CUDA_VISIBLE_DEVICES": "2,3"}))
        other.start()
        assert reports.get(timeout=30)[1:] == (["3"], "3")
        release.touch()
        other.join(30)
    finally:
        gpu_devices.release_devices()


def test_slurm_s_devices_are_used_as_given_when_they_are_exactly_the_job_s(tmp_path, caplog):
    environ = {"SLURM_JOB_ID": "77", "CUDA_VISIBLE_DEVICES": "0"}
    with caplog.at_level(logging.INFO):
        assert gpu_devices.claim_devices(1, ["0", "1"], tmp_path, environ) == ["0"]
    assert environ["CUDA_VISIBLE_DEVICES"] == "0" and not list(tmp_path.iterdir())  # no lock taken
    assert "SLURM gave this job CUDA_VISIBLE_DEVICES=0" in caplog.text
    two = {"SLURM_JOB_ID": "78", "CUDA_VISIBLE_DEVICES": "3,5"}  # a job holding 2 gets SLURM's 2
    assert gpu_devices.claim_devices(2, None, tmp_path, two) == ["3", "5"]
    assert two["CUDA_VISIBLE_DEVICES"] == "3,5" and not list(tmp_path.iterdir())


def test_jobs_sharing_a_slurm_allocation_lock_distinct_devices(tmp_path):
    """snakemake --profile workflow/profiles/gpu inside `salloc --gpus=4`: every job sees SLURM's
    four devices; each job holding 1 gpu must get its own, not all four (then all open device 0)."""
    allocation = {"SLURM_JOB_ID": "91", "CUDA_VISIBLE_DEVICES": "4,5,6,7"}
    reports, release = FORK.Queue(), tmp_path / "release"
    jobs = [FORK.Process(target=holder, args=(None, tmp_path, reports, release, dict(allocation)))
            for _ in range(4)]
    for job in jobs:
        job.start()
    try:
        got = [reports.get(timeout=30) for _ in jobs]
    finally:
        release.touch()
        for job in jobs:
            job.join(30)
    assert sorted(claimed[0] for _, claimed, _ in got) == ["4", "5", "6", "7"]  # four jobs, four devices
    assert all(claimed == [visible] for _, claimed, visible in got)  # each sees only its own
    assert len(list(tmp_path.glob("*-gpu*.lock"))) == 4  # claimed through the locks


def test_no_gpu_and_too_many_gpus(tmp_path, caplog, monkeypatch):
    monkeypatch.setattr(gpu_devices, "machine_gpus", lambda: [])
    with caplog.at_level(logging.WARNING):
        assert gpu_devices.claim_devices(1, None, tmp_path, {}) == []
    assert "this job holds 1 gpu but no NVIDIA GPU is visible" in caplog.text
    with pytest.raises(ValueError, match="resources gpu: this job holds 3 GPUs but only 2 exist"):
        gpu_devices.claim_devices(3, ["0", "1"], tmp_path, {})
    assert gpu_devices.claim_devices(0, ["0"], tmp_path, {}) == []


def test_run_step_claims_a_device_for_a_job_that_holds_a_gpu(tmp_path, monkeypatch):
    """The scripts' entry point claims before the step runs, only for jobs holding `gpu`."""
    from facelime import workflow_io

    asked = []
    monkeypatch.setattr(gpu_devices, "claim_devices", lambda count: asked.append(count) or ["0"])
    job = types.SimpleNamespace(resources=types.SimpleNamespace(gpu=1))
    assert workflow_io.claim_job_gpus(job) == ["0"] and asked == [1]
    assert workflow_io.claim_job_gpus(types.SimpleNamespace(resources=types.SimpleNamespace())) == []
    assert asked == [1]

"""requirements.lock is the one source of truth for versions: envs/*.yaml must agree with it,
and every rule that runs Python must name a conda environment (conda channels are not
reachable here, so the environments are checked, not built)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9_.-]+)\s*==?\s*([^\s#]+)$")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_versions() -> dict[str, str]:
    pins = {}
    for line in (REPO / "requirements.lock").read_text().splitlines():
        match = PIN.match(line.strip())
        if match:
            pins[normalise(match.group(1))] = match.group(2)
    return pins


def env_pins(path: Path) -> dict[str, str]:
    env = yaml.safe_load(path.read_text())
    assert env["channels"] == ["conda-forge", "nodefaults"], path
    pins = {}
    for dependency in env["dependencies"]:
        for spec in dependency["pip"] if isinstance(dependency, dict) else [dependency]:
            match = PIN.match(spec)
            assert match, f"{path.name}: {spec!r} is not pinned to an exact version"
            pins[normalise(match.group(1))] = match.group(2)
    return pins


def test_env_pins_agree_with_the_lock():
    lock = lock_versions()
    envs = sorted((REPO / "envs").glob("*.yaml"))
    assert envs
    for path in envs:
        pins = gpu_swapped_back(env_pins(path)) if path.name == "facelime-gpu.yaml" else env_pins(path)
        assert pins["python"] == "3.11"
        for name, version in pins.items():
            if name == "python":
                continue
            if name == "dlib":  # the lock installs dlib through `make setup`, at DLIB_VERSION
                makefile = (REPO / "Makefile").read_text()
                assert f"DLIB_VERSION := {version}" in makefile, f"{path.name}: dlib {version} != Makefile"
            elif name == "pip":
                assert f"pip=={version}" in (REPO / "Makefile").read_text()
            else:
                assert lock.get(name) == version, f"{path.name}: {name}=={version}, requirements.lock has {lock.get(name)}"


CUDA_WHEELS = {"nvidia-cublas", "nvidia-cuda-nvrtc", "nvidia-cuda-runtime", "nvidia-cudnn-cu13", "nvidia-cufft",
               "nvidia-curand", "nvidia-nvjitlink"}  # what onnxruntime-gpu[cuda,cudnn] 1.31.1 pulls in


def gpu_swapped_back(pins: dict[str, str]) -> dict[str, str]:
    """The GPU env's pins as the CPU env's: onnxruntime in place of onnxruntime-gpu, no CUDA wheels."""
    pins = {name: version for name, version in pins.items() if name not in CUDA_WHEELS}
    pins["onnxruntime"] = pins.pop("onnxruntime-gpu")
    return pins


def test_gpu_env_is_the_cpu_env_with_onnxruntime_gpu():
    """envs/facelime-gpu.yaml cannot drift from envs/facelime.yaml: same pins, onnxruntime-gpu at the lock's
    onnxruntime version, plus exactly the CUDA and cuDNN wheels it needs."""
    cpu, gpu = env_pins(REPO / "envs" / "facelime.yaml"), env_pins(REPO / "envs" / "facelime-gpu.yaml")
    assert "onnxruntime" not in gpu and gpu["onnxruntime-gpu"] == lock_versions()["onnxruntime"]
    assert CUDA_WHEELS <= set(gpu)
    assert gpu_swapped_back(gpu) == cpu
    cpu_text = (REPO / "envs" / "facelime.yaml").read_text()
    gpu_text = (REPO / "envs" / "facelime-gpu.yaml").read_text()
    assert yaml.safe_load(gpu_text)["channels"] == yaml.safe_load(cpu_text)["channels"]


def test_env_has_every_direct_dependency():
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = {normalise(re.split(r"[<>=!~ ]", d)[0]) for d in project["dependencies"]}
    pins = env_pins(REPO / "envs" / "facelime.yaml")
    assert wanted <= set(pins), wanted - set(pins)


def test_env_pins_every_transitive_requirement():
    """Nothing is left for conda's pip to choose: each pinned package's own requirements are pinned too."""
    from importlib import metadata

    from packaging.requirements import Requirement

    pins = env_pins(REPO / "envs" / "facelime.yaml")
    unpinned = set()
    for name in pins:
        if name in ("python", "pip", "dlib"):
            continue
        for text in metadata.distribution(name).requires or []:
            requirement = Requirement(text)
            if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
                continue
            if normalise(requirement.name) not in pins:
                unpinned.add(f"{requirement.name} (needed by {name})")
    assert not unpinned, sorted(unpinned)


def test_every_python_rule_names_the_conda_env():
    """A literal envs/facelime.yaml, or model_env(<rule>) for the rules that run a model (the GPU env when
    they hold a gpu; tests/test_profiles.py checks what it resolves to)."""
    for path in sorted((REPO / "rules").glob("*.smk")):
        # rules may sit inside an if or a loop (explain.smk), so any indentation
        rules = re.split(r"\n(?=\s*(?:rule|checkpoint)[ :])", path.read_text())
        for rule in rules:
            if "script:" in rule:
                assert re.search(r'\n\s+conda:\n\s+("\.\./envs/facelime\.yaml"|model_env\("\w+"\))', rule), \
                    f"{path.name}: {rule.strip().splitlines()[0]}"

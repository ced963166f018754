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
        pins = env_pins(path)
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
    for path in sorted((REPO / "rules").glob("*.smk")):
        # rules may sit inside an if or a loop (explain.smk), so any indentation
        rules = re.split(r"\n(?=\s*(?:rule|checkpoint)[ :])", path.read_text())
        for rule in rules:
            if "script:" in rule:
                assert re.search(r'\n\s+conda:\n\s+"\.\./envs/facelime\.yaml"', rule), \
                    f"{path.name}: {rule.strip().splitlines()[0]}"

"""One home for the workflow's steps: every script calls one step of facelime.steps through run_step,
and each step takes exactly the names its rules give (inputs, outputs, params, wildcards)."""

from __future__ import annotations

import importlib
import inspect
import json
import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest

from facelime.errors import FacelimeError
from facelime.workflow_io import run_step, step_arguments

REPO = Path(__file__).resolve().parents[1]
SCRIPT = re.compile(r"from facelime\.steps\.(\w+) import (\w+)\n"
                    r"from facelime\.workflow_io import run_step\n\nrun_step\(snakemake, \2\)\n")
EXTRA = {"threads", "speed", "method", "method_settings"}  # given by run_step beside the rule's names
# the rules of every script, read off the parsed workflow (in a subprocess: parsing changes the cwd)
RULES_OF_WORKFLOW = """
import json, sys
from pathlib import Path
from snakemake.api import SnakemakeApi
from snakemake.settings.types import ConfigSettings, ResourceSettings

repo = Path(sys.argv[1])
with SnakemakeApi() as api:
    workflow = api.workflow(resource_settings=ResourceSettings(), snakefile=repo / "Snakefile", workdir=Path.cwd(),
                            config_settings=ConfigSettings(configfiles=[Path(sys.argv[2])]))._workflow
    found = {}
    for rule in workflow.rules:
        if rule.script:
            items = {kind: list(getattr(rule, kind).keys()) for kind in ("input", "output", "params")}
            unnamed = [str(item) for kind in ("input", "output") for name, item in getattr(rule, kind)._allitems()
                       if name is None]
            found[rule.name] = dict(script=rule.script, wildcards=sorted(rule.wildcard_names), unnamed=unnamed, **items)
print(json.dumps(found))
"""


def script_step(path: Path):
    match = SCRIPT.fullmatch(path.read_text())
    assert match, f"{path.name} is not the three lines that run one step"
    return getattr(importlib.import_module(f"facelime.steps.{match[1]}"), match[2])


@pytest.fixture(scope="module")
def script_rules(tmp_path_factory) -> dict:
    """The demo's rules, the chunked explain rules (explain.identities_per_job, which needs a dataset),
    and the rules of explain.methods."""
    import yaml

    folder = tmp_path_factory.mktemp("parse")
    for identity in ("a", "b", "c"):
        (folder / "faces" / identity).mkdir(parents=True)
        (folder / "faces" / identity / "1.jpg").touch()  # parsing lists images, never reads them
    chunked = folder / "chunked.yaml"
    chunked.write_text(yaml.safe_dump({"dataset": {"root": str(folder / "faces")},
                                       "explain": {"identities_per_job": 2, "methods": ["lime", "rise"]}}))
    methods = folder / "methods.yaml"  # explain.methods beside LIME: the explain jobs' method params
    methods.write_text(yaml.safe_dump({"dataset": {"root": str(folder / "faces")},
                                       "explain": {"methods": ["lime", "rise"]}}))
    found = {}
    for config in (REPO / "config.yaml", chunked, methods):
        result = subprocess.run([sys.executable, "-c", RULES_OF_WORKFLOW, str(REPO), str(config)],
                                capture_output=True, text=True, cwd=folder, timeout=300)
        assert result.returncode == 0, result.stderr
        found.update(json.loads(result.stdout.strip().splitlines()[-1]))
    assert {"explain", "explain_0", "explain_1", "method_agreement"} <= set(found)
    return found


def test_every_script_runs_one_step():
    scripts = sorted((REPO / "scripts").glob("*.py"))
    assert len(scripts) >= 20
    for path in scripts:
        step = script_step(path)
        assert all(p.kind is p.KEYWORD_ONLY for p in inspect.signature(step).parameters.values()), path.name


def test_steps_take_their_rules_names(script_rules):
    offered_per_step: dict = {}
    for rule, entry in script_rules.items():
        assert not entry["unnamed"], f"rule {rule}: every input and output has a name"
        names = entry["input"] + entry["output"] + entry["params"] + entry["wildcards"]
        assert len(names) == len(set(names)), f"rule {rule} gives a name twice: {names}"
        step = script_step((REPO / "rules" / entry["script"]).resolve())
        accepted = inspect.signature(step).parameters
        required = {name for name, p in accepted.items() if p.default is p.empty}
        assert required <= set(names) | EXTRA, f"rule {rule} lacks {required - set(names) - EXTRA}"
        offered_per_step.setdefault(step, set()).update(names)
    for step, offered in offered_per_step.items():  # an optional name is given by at least one of its rules
        assert set(inspect.signature(step).parameters) <= offered | EXTRA, step.__name__
    assert len(offered_per_step) == len(list((REPO / "scripts").glob("*.py")))


@pytest.fixture(autouse=True)
def own_logging():
    """run_step points the root logger at the job's log; give the test session its own back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.captureWarnings(False)


class Items(list):
    """Snakemake's named lists, as scripts see them: names via keys(), items by name."""

    def __init__(self, **named):
        super().__init__(named.values())
        self._named = named

    def keys(self):
        return self._named.keys()

    def __getitem__(self, key):
        return self._named[key] if isinstance(key, str) else super().__getitem__(key)


class Job:
    def __init__(self, log, input=None, output=None, params=None, wildcards=None, rule="a_rule"):
        self.input, self.output = Items(**(input or {})), Items(**(output or {}))
        self.params, self.wildcards = Items(**(params or {})), Items(**(wildcards or {}))
        self.log, self.threads, self.rule = [str(log)], 3, rule
        self.config = {"lime": {"batch_size": 8}, "models": {"m": {"backend": "onnx", "tf32": False}},
                       "explain": {"rise": {"num_masks": 50}}}


def test_run_step_passes_the_rules_names_the_step_takes(tmp_path):
    seen = {}

    def step(*, members, out, names, model, threads, speed, optional=None):
        seen.update(members=members, out=out, names=names, model=model, threads=threads, speed=speed,
                    optional=optional)

    job = Job(tmp_path / "job.log", input={"members": Items(a="x", b="y"), "unused": "z"}, output={"out": "o"},
              params={"names": ["a", "b"]}, wildcards={"model": "m"})
    run_step(job, step)
    assert seen == dict(members=["x", "y"], out="o", names=["a", "b"], model="m", threads=3,
                        speed={"tf32": False, "batch_size": 8}, optional=None)
    assert type(seen["members"]) is list  # a named list of files reaches the step as a plain list
    assert (tmp_path / "job.log").exists()

    def plain(*, out):
        seen["plain"] = out

    assert step_arguments(job, plain) == {"out": "o"}  # threads and settings only when asked for

    def explainer(*, model, method, method_settings):
        pass

    rise = Job(tmp_path / "job.log", wildcards={"model": "m@rise"})
    assert step_arguments(rise, explainer) == {"model": "m@rise", "method": "rise",
                                               "method_settings": {"num_masks": 50, "grid": 7, "keep_probability": 0.5}}


def test_run_step_refuses_missing_and_doubled_names(tmp_path):
    def step(*, faces, masks):
        pass

    job = Job(tmp_path / "a.log", input={"faces": "f"}, rule="explain")
    with pytest.raises(TypeError, match=r"needs masks, which rule explain does not name \(it names: input faces\)"):
        step_arguments(job, step)
    job = Job(tmp_path / "b.log", input={"faces": "f"}, output={"faces": "g"}, rule="align")
    with pytest.raises(TypeError, match=r"rule align: 'faces' is both one of its input and of its output"):
        step_arguments(job, step)


def test_run_step_turns_expected_errors_into_one_line(tmp_path, capsys):
    def step(*, out):
        raise FacelimeError(f"{out}: cannot be read")

    with pytest.raises(SystemExit):
        run_step(Job(tmp_path / "c.log", output={"out": "x.npz"}), step)
    assert "ERROR: x.npz: cannot be read" in (tmp_path / "c.log").read_text()

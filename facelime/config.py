"""Config loading and validation, for the workflow and the command line alike.

One validator serves both: it fills every key the user leaves out with the study's
default from the schema (docs/method.md), turns `--config` strings into the types the
schema asks for, and reports the first problem in one line that names the key.
"""

from __future__ import annotations

import copy
import textwrap
from pathlib import Path

import jsonschema
import yaml

from .budget import budget_warnings
from .defaults import load_schema
from .errors import ConfigError


def _set_defaults(validator_class):
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        for name, sub in properties.items():
            if isinstance(instance, dict) and "default" in sub:
                instance.setdefault(name, copy.deepcopy(sub["default"]))
        yield from validate_properties(validator, properties, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})


_YAML_TYPES = {"integer": int, "number": (int, float), "boolean": bool, "null": type(None),
               "array": list, "object": dict}


def coerce_strings(value, schema: dict):
    """Snakemake's `--config lime={num_samples: 300}` hands nested values over as strings:
    read a string as YAML where the schema does not allow a string but the YAML value fits."""
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else list(types)
    if isinstance(value, str) and types and "string" not in types:
        try:
            parsed = yaml.safe_load(value)
        except yaml.YAMLError:
            return value
        if any(isinstance(parsed, _YAML_TYPES[t]) and not (t in ("integer", "number") and isinstance(parsed, bool))
               for t in types if t in _YAML_TYPES):
            value = parsed
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key in list(value):
            sub = properties.get(key, extra if isinstance(extra, dict) else None)
            if sub:
                value[key] = coerce_strings(value[key], sub)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        value[:] = [coerce_strings(item, schema["items"]) for item in value]
    return value


def _subschema(schema: dict, path) -> dict:
    for part in path:
        if isinstance(part, int):
            schema = schema.get("items", {})
        else:
            schema = schema.get("properties", {}).get(part) or schema.get("additionalProperties") or {}
    return schema


def describe_error(error, schema: dict) -> str:
    """One line: the key, what is wrong, and what is allowed (never the schema itself)."""
    path = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "additionalProperties":
        allowed = sorted(_subschema(schema, error.absolute_path).get("properties", {}))
        known = set(allowed)
        unknown = sorted(k for k in error.instance if k not in known)
        key = ".".join(filter(None, [path, unknown[0] if unknown else "?"]))
        return f"config key {key}: unknown key (allowed here: {', '.join(allowed)})"
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        key = ".".join(filter(None, [path, missing]))
        return f"config key {key}: required, but not set"
    if error.validator == "propertyNames":
        return f"config key {path or '<top level>'}: name {error.instance!r} is not allowed " \
               f"(letters, digits, '_', '.', '-'; starting with a letter or digit)"
    message = error.message if len(error.message) <= 300 else error.message[:300] + "..."
    return f"config key {path or '<top level>'}: {message}"


def validate_config(config: dict, workflow_dir: str | Path | None = None, workflow: bool = True) -> dict:
    """Coerce command-line strings, fill defaults and validate in place; resolve relative
    paths (resolve_paths); then check files.

    workflow=False (the single-image CLI) skips the checks only a workflow run needs (a
    dataset folder). The first problem raises ConfigError with a one-line message naming the key.
    """
    schema = load_schema()  # read, never changed: the defaults hook copies what it fills in
    coerce_strings(config, schema)
    validator = _set_defaults(jsonschema.Draft7Validator)(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if errors:
        raise ConfigError(describe_error(errors[0], schema))
    resolve_paths(config, workflow_dir)
    check_config(config, workflow)
    return config


def resolve_paths(config: dict, workflow_dir: str | Path | None = None) -> None:
    """Relative model paths are read from `model_dir` when it is set (the thesis config names
    the study's files; the user says once where they are). A relative metadata file that is not
    in the working directory is looked up in the workflow's folder, so that tables shipped with
    facelime (config/thesis_identities.csv) are found from any working directory."""
    model_dir = config.get("model_dir")
    if model_dir:
        if not Path(model_dir).is_dir():
            raise ConfigError(f"config key model_dir: folder not found: {model_dir}")
        for spec in config["models"].values():
            if spec.get("path") and not Path(spec["path"]).is_absolute():
                spec["path"] = str(Path(model_dir) / spec["path"])
    metadata = config["dataset"].get("metadata")
    if metadata and workflow_dir and not Path(metadata).is_absolute() and not Path(metadata).exists():
        shipped = Path(workflow_dir) / metadata
        if shipped.is_file():
            config["dataset"]["metadata"] = str(shipped)


def _require_file(key: str, path) -> None:
    if not path:
        raise ConfigError(f"config key {key}: no file given")
    if not Path(path).is_file():
        raise ConfigError(f"config key {key}: file not found: {path}")


def check_dataset(config: dict) -> None:
    dataset = config["dataset"]
    if not dataset["demo"]:
        root = dataset.get("root")
        if not root:
            raise ConfigError("config key dataset.root: no dataset folder given (or set dataset.demo: true)")
        if not Path(root).is_dir():
            raise ConfigError(f"config key dataset.root: folder not found: {root}")
        if dataset.get("metadata"):
            _require_file("dataset.metadata", dataset["metadata"])


def check_preprocess(config: dict) -> None:
    preprocess = config["preprocess"]
    if preprocess["detect"] == "yunet":
        _require_file("preprocess.yunet_model", preprocess.get("yunet_model"))
    if preprocess["align"] == "norm_crop":
        if preprocess["detect"] == "none":
            raise ConfigError("config key preprocess.align: norm_crop needs face landmarks: "
                              "set preprocess.detect to hog or yunet")
        if preprocess["size"] % 112 and preprocess["size"] % 128:
            raise ConfigError(f"config key preprocess.size: norm_crop makes 112 px (or multiples of 112 or 128) "
                              f"crops, not {preprocess['size']}")


def check_lime(config: dict) -> None:
    lime = config["lime"]
    if lime.get("reference") == "image":
        if not lime.get("reference_image"):
            raise ConfigError("config key lime.reference_image: reference is 'image' but no reference_image is given")
        _require_file("lime.reference_image", lime["reference_image"])


def check_explain(config: dict) -> None:
    # chunks of identities become rules when the workflow is parsed; the demo's identities exist only later
    if config["explain"]["identities_per_job"] > 1 and config["dataset"].get("demo"):
        raise ConfigError("config key explain.identities_per_job: more than 1 needs dataset.root (the demo's "
                          "identities are known only after it is built); leave it at 1 for the demo")
    if "lime" not in config["explain"]["methods"]:
        raise ConfigError(f"config key explain.methods: {config['explain']['methods']} leaves out lime, the study's "
                          "method, which the attribute, group and identity heatmaps are made of: list the other "
                          "methods beside it, e.g. [lime, rise]")
    patch, size = config["explain"]["occlusion"]["patch"], config["preprocess"]["size"]
    if patch > size:
        raise ConfigError(f"config key explain.occlusion.patch: {patch} px is larger than the {size} px crop "
                          f"(preprocess.size)")


def check_models(config: dict) -> None:
    for name, spec in config["models"].items():
        if spec["backend"] == "onnx" and not spec.get("path"):
            raise ConfigError(f"config key models.{name}.path: an onnx model needs a path")
        if spec.get("path"):
            _require_file(f"models.{name}.path", spec["path"])


def check_classifiers(config: dict) -> None:
    classify = config.get("classify", {})
    if classify.get("enabled"):
        if not classify.get("dataset") or not Path(classify["dataset"]).is_dir():
            raise ConfigError(f"config key classify.dataset: folder not found: {classify.get('dataset')}")
        if not classify.get("models"):
            raise ConfigError("config key classify.models: classifier mode needs at least one classifier")
        for name, spec in classify["models"].items():
            _require_file(f"classify.models.{name}.path", spec["path"])
    chosen = config.get("identity_classifier", {}).get("model")
    if chosen and chosen not in config["models"]:
        raise ConfigError(f"config key identity_classifier.model: {chosen!r} is not under models ({sorted(config['models'])})")


def check_config(config: dict, workflow: bool = True) -> None:
    """Checks beyond the schema (files that must exist, keys that depend on each other), per section;
    the dataset and classifier sections only for a workflow run (the CLI explains one image)."""
    checks = (check_dataset, check_preprocess, check_lime, check_explain, check_models, check_classifiers)
    for check in checks:
        if workflow or check not in WORKFLOW_ONLY_CHECKS:
            check(config)


WORKFLOW_ONLY_CHECKS = (check_dataset, check_classifiers)


def load_config(path: str | Path, workflow: bool = True) -> dict:
    """Read and validate a YAML config file (workflow=False: for one image, see validate_config)."""
    try:
        with open(path) as handle:
            config = yaml.safe_load(handle) or {}
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except yaml.YAMLError as err:
        raise ConfigError(f"config file {path} is not valid YAML: {err}") from None
    return validate_config(config, workflow=workflow)


def effective_settings(config: dict, config_files: list[str]) -> dict:
    """What a run really uses, in a few lines: printed at the start, kept in results/run_config.yaml."""
    dataset = config["dataset"]
    lime = config["lime"]
    models = {name: {k: spec[k] for k in ("backend", "path", "precision", "device") if spec.get(k) is not None}
              for name, spec in sorted(config["models"].items())}
    return {
        "config_files": [str(f) for f in config_files] or ["(none: schema defaults and --config only)"],
        "dataset": "embedded demo (results/demo/faces)" if dataset["demo"] else dataset["root"],
        "view": dataset["view"],
        "metadata": dataset["metadata"],
        "models": models,
        "preprocess": {k: config["preprocess"][k] for k in ("size", "crop_fraction", "detect", "align")},
        "lime": {k: lime[k] for k in ("num_samples", "segmentation", "n_segments", "compactness",
                                      "kernel_width", "keep", "sampling", "reference")},
        "explainers": config.get("explain", {}).get("methods", ["lime"]),
        "seed": config["seed"],
        # SLIC's n_segments stands for the superpixel count here; each job logs its images' own
        "warnings": budget_warnings(config.get("explain", {}).get("methods", ["lime"]), lime,
                                    config.get("explain", {}), lime["n_segments"]),
    }


def settings_banner(settings: dict) -> str:
    """The effective settings as short lines (each well inside a terminal's width)."""
    lime = settings["lime"]
    pre = settings["preprocess"]
    lines = [
        "facelime: effective settings (also in results/run_config.yaml)",
        f"  config files: {', '.join(settings['config_files'])}",
        f"  dataset: {settings['dataset']}" + (f" (view {settings['view']})" if settings["view"] else ""),
        f"  metadata: {settings['metadata'] or 'none'}"
        + (f", identity column {settings['identity_column']}" if settings.get("identity_column") else ""),
        "  models: " + ", ".join(f"{name} ({spec['backend']})" for name, spec in settings["models"].items()),
        f"  preprocess: size {pre['size']}, crop_fraction {pre['crop_fraction']}, detect {pre['detect']}, "
        f"align {pre['align']}",
        f"  lime: {lime['num_samples']} samples, {lime['segmentation']} {lime['n_segments']} segments "
        f"(compactness {lime['compactness']}), kernel width {lime['kernel_width']}, keep {lime['keep']}, "
        f"sampling {lime['sampling']}, reference {lime['reference']}",
        f"  explainers: {', '.join(settings['explainers'])}",
        f"  seed: {settings['seed']}",
    ] + [f"  warning: {warning}" for warning in settings.get("warnings", [])]
    return "\n".join(textwrap.fill(line, 100, subsequent_indent="      ") for line in lines)

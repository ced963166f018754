"""Config loading and validation outside Snakemake (the command line, the tests).

The Snakefile validates with snakemake.utils.validate against the same schema;
`check_config` adds the checks a schema cannot express (files that must exist).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import jsonschema
import yaml

from .errors import ConfigError

SCHEMA_PATH = str(resources.files("facelime") / "schemas" / "config.schema.yaml")


def _set_defaults(validator_class):
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        for name, sub in properties.items():
            if isinstance(instance, dict) and "default" in sub:
                instance.setdefault(name, sub["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})


def _key_path(error) -> str:
    path = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "additionalProperties":
        return f"{path + '.' if path else ''}<unknown key>"
    return path or "<top level>"


def validate_config(config: dict) -> dict:
    """Fill defaults and validate in place; ConfigError names the offending key."""
    with open(SCHEMA_PATH) as handle:
        schema = yaml.safe_load(handle)
    validator = _set_defaults(jsonschema.Draft7Validator)(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        raise ConfigError(f"config key {_key_path(err)}: {err.message}")
    return complete_config(config)


def complete_config(config: dict) -> dict:
    """Defaults for each model entry, then the file checks (after schema validation).

    Model entries sit under additionalProperties, which neither our defaults hook
    nor snakemake.utils.validate fills in.
    """
    with open(SCHEMA_PATH) as handle:
        schema = yaml.safe_load(handle)
    model_schema = schema["properties"]["models"]["additionalProperties"]["properties"]
    for spec in config["models"].values():
        for key, sub in model_schema.items():
            if "default" in sub:
                spec.setdefault(key, sub["default"])
    check_config(config)
    return config


def check_config(config: dict) -> None:
    """Checks beyond the schema: the dataset and model files must exist."""
    dataset = config["dataset"]
    if not dataset["demo"]:
        root = dataset.get("root")
        if not root:
            raise ConfigError("config key dataset.root: no dataset folder given (or set dataset.demo: true)")
        if not Path(root).is_dir():
            raise ConfigError(f"config key dataset.root: folder not found: {root}")
    if dataset.get("metadata") and not Path(dataset["metadata"]).is_file() and not dataset["demo"]:
        raise ConfigError(f"config key dataset.metadata: file not found: {dataset['metadata']}")
    lime = config.get("lime", {})
    if lime.get("reference") == "image":
        image = lime.get("reference_image")
        if not image:
            raise ConfigError("config key lime.reference_image: reference is 'image' but no reference_image is given")
        if not Path(image).is_file():
            raise ConfigError(f"config key lime.reference_image: file not found: {image}")
    classify = config.get("classify", {})
    if classify.get("enabled"):
        if not classify.get("dataset") or not Path(classify["dataset"]).is_dir():
            raise ConfigError(f"config key classify.dataset: folder not found: {classify.get('dataset')}")
        if not classify.get("models"):
            raise ConfigError("config key classify.models: classifier mode needs at least one classifier")
        for name, spec in classify["models"].items():
            if not Path(spec["path"]).is_file():
                raise ConfigError(f"config key classify.models.{name}.path: file not found: {spec['path']}")
    chosen = config.get("identity_classifier", {}).get("model")
    if chosen and chosen not in config["models"]:
        raise ConfigError(f"config key identity_classifier.model: {chosen!r} is not under models ({sorted(config['models'])})")
    for name, spec in config["models"].items():
        if spec["backend"] == "onnx":
            if not spec.get("path"):
                raise ConfigError(f"config key models.{name}.path: an onnx model needs a path")
            if not Path(spec["path"]).is_file():
                raise ConfigError(f"config key models.{name}.path: file not found: {spec['path']}")
        elif spec.get("path") and not Path(spec["path"]).is_file():
            raise ConfigError(f"config key models.{name}.path: file not found: {spec['path']}")


def load_config(path: str | Path) -> dict:
    """Read and validate a YAML config file."""
    try:
        with open(path) as handle:
            config = yaml.safe_load(handle) or {}
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except yaml.YAMLError as err:
        raise ConfigError(f"config file {path} is not valid YAML: {err}") from None
    return validate_config(config)

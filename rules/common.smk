# Helpers shared by every stage: config validation, the identity list, input functions.
import os
import re
import sys

from snakemake.utils import validate

# The science lives in the facelime package of this repository; make it importable
# for the scripts whatever environment (venv, conda) runs them.
sys.path.insert(0, workflow.basedir)
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (workflow.basedir, os.environ.get("PYTHONPATH")) if p
)

from facelime.config import SCHEMA_PATH, complete_config  # noqa: E402
from facelime.dataset import list_identities, list_images  # noqa: E402
from facelime.errors import ConfigError  # noqa: E402

validate(config, schema=SCHEMA_PATH)
try:
    complete_config(config)
except ConfigError as err:
    raise WorkflowError(str(err)) from None

DATASET = config["dataset"]
MODELS = sorted(config["models"])
DEMO_ROOT = "results/demo/faces"
DATASET_ROOT = DEMO_ROOT if DATASET["demo"] else DATASET["root"]


wildcard_constraints:
    identity=r"[^/]+",
    model="|".join(re.escape(m) for m in MODELS),


def identities():
    """Identity folders of the dataset (after the demo checkpoint, when demo)."""
    if DATASET["demo"]:
        checkpoints.demo_dataset.get()
    found = list_identities(DATASET_ROOT, DATASET["view"])
    wanted = DATASET["identities"]
    if wanted:
        missing = sorted(set(wanted) - set(found))
        if missing:
            raise WorkflowError(f"dataset.identities: no images for {missing} under {DATASET_ROOT}")
        found = [i for i in found if i in set(wanted)]
    return found


def identity_images(wildcards):
    """Image files of one identity, capped at dataset.max_images_per_identity."""
    if DATASET["demo"]:
        checkpoints.demo_dataset.get()
    images = list_images(DATASET_ROOT, wildcards.identity, DATASET["view"])
    return images[: DATASET["max_images_per_identity"]] if DATASET["max_images_per_identity"] else images


def model_file(wildcards):
    """The model file as an input, so that a changed model reruns its jobs."""
    path = config["models"][wildcards.model]["path"]
    return [path] if path else []


def explain_targets():
    return expand(
        ["results/masks/{model}/{identity}.npz", "results/sheets/{model}/{identity}"],
        model=MODELS,
        identity=identities(),
    )


def all_targets(wildcards):
    return explain_targets()

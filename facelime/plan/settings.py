"""Which settings a job records and which it only runs with, from the filled config: the one place both
are decided (docs/method.md, Parameters: which settings are "speed only").

A rule's params are what a job computes with: change one and the job reruns. Speed-only settings
(batch sizes, where LIME's masked batch is built, the fp16 check, TF32) change how fast a job runs,
not its numbers, so they are never params; run_step hands them to the step from here, so changing a
batch size reruns nothing (use --forcerun for that). An explained name is `<model>` (LIME) or
`<model>@<method>`; the method and its settings reach a step apart from LIME's.
"""

from __future__ import annotations

from ..defaults import with_defaults
from ..models.batch_choice import batch_size_for
from ..names import split_name
from . import paths

# Settings that change how fast a job runs, not what it computes: batch sizes, where LIME's
# masked batch is built (equal scores either way), the fp16 refusal threshold (a check, no
# number), and TF32 (on a GPU only, moving embeddings by about as much as the choice of GPU
# kernels; the same holds for device: auto).
SPEED_ONLY_KEYS = ("batch_size", "perturb_on_device", "precision_min_cosine", "tf32")
# read by the CLI's pair verdict only: no map depends on them, so no job reruns when they change
VERDICT_ONLY_KEYS = ("match_threshold",)
# the superpixel settings, which the patch benchmark reads for its patched faces
SEGMENT_KEYS = ("segmentation", "n_segments", "compactness")
FAITHFULNESS_KEYS = ("units", "steps", "grid", "blur_sigma", "random_orders")
PATCH_KEYS = ("pairs", "steps", "random_orders")


def numbers_only(section: dict) -> dict:
    """A config section without its speed-only keys: what a rule's params may hold."""
    return {key: value for key, value in section.items() if key not in SPEED_ONLY_KEYS + VERDICT_ONLY_KEYS}


# --- what a job records (rule params) ---------------------------------------------


def model_entry(config: dict, name: str, randomised: dict | None = None) -> dict:
    """The config entry of an explained name's model, or of a randomised copy (validity.sanity)."""
    model = split_name(name)[0]
    return config["models"].get(model) or (randomised or {})[model]


def model_params(config: dict, name: str, randomised: dict | None = None) -> dict:
    """A model's entry without its speed-only keys."""
    return numbers_only(model_entry(config, name, randomised))


def model_file(config: dict, name: str, randomised: dict | None = None) -> list[str]:
    """The model's file as a job input (none for the embedded dlib model), so a changed file reruns its jobs."""
    path = model_entry(config, name, randomised)["path"]
    return [path] if path else []


def file_input(section: dict, key: str) -> list[str]:
    """A file a config section names, as a job input (none when the key is empty)."""
    return [section[key]] if section.get(key) else []


def regions_landmarks(name: str, identities: list[str]) -> list[str]:
    """The landmark files an explain job reads: the regions method draws its players from them
    (docs/method.md, Regions explainer); the other methods read none."""
    if split_name(name)[1] != "regions":
        return []
    return [paths.fill(paths.LANDMARKS, identity=identity) for identity in identities]


def lime_params(config: dict) -> dict:
    """LIME's settings as its jobs record them."""
    return numbers_only(config["lime"])


def explain_params(config: dict, name: str) -> dict:
    """What an explain job records: LIME's settings for a model's own name; for <model>@<method> also
    the method and its settings. A LIME job's params never depend on explain.methods, so adding
    RISE to a finished study reruns no LIME job. (The step gets the method apart: step_settings.)"""
    method = split_name(name)[1]
    if method == "lime":
        return lime_params(config)
    return {**lime_params(config), "method": method, method: config["explain"][method]}


def segment_params(config: dict) -> dict:
    return {key: config["lime"][key] for key in SEGMENT_KEYS}


def reference_crop_params(config: dict) -> dict | None:
    """The crop settings, which the explain jobs read only for a reference image."""
    return config["preprocess"] if config["lime"]["reference"] == "image" else None


def faithfulness_settings(config: dict) -> dict:
    """validity.faithfulness's numbers that change the curves (not enabled/bootstrap/confidence)."""
    return {key: config["validity"]["faithfulness"][key] for key in FAITHFULNESS_KEYS}


def patch_settings(config: dict) -> dict:
    """validity.patch's numbers that change the restoration curves (not enabled/bootstrap/confidence)."""
    return {key: config["validity"]["patch"][key] for key in PATCH_KEYS}


def overview_settings(settings: dict) -> dict:
    """The effective settings without the config file names (a renamed file reruns nothing)."""
    return {key: value for key, value in settings.items() if key != "config_files"}


# --- what a step runs with (speed and method, handed over by run_step) ------------------


def batch_size(config: dict, entry: dict) -> int | str:
    """The batch size of a model's jobs, decided here only: lime.batch_size, else the model's own,
    else its backend's default ("auto" passed on to an ONNX model, which measures it)."""
    backend = entry.get("backend", "dlib")
    return batch_size_for(backend, config["lime"].get("batch_size"), entry.get("batch_size"))


def speed_settings(config: dict, name: str, spec: dict | None = None) -> dict:
    """The speed-only keys of an explained name's model (a randomised copy reads its original's, named
    by spec's randomised_from), with the batch size decided: what a step adds to its spec."""
    model = split_name(name)[0]
    entry = config["models"].get(model) or config["models"].get((spec or {}).get("randomised_from"), {})
    return {**{key: entry[key] for key in SPEED_ONLY_KEYS if key in entry}, "batch_size": batch_size(config, entry)}


def method_settings(config: dict, name: str) -> tuple[str, dict]:
    """(method, its settings over the schema's defaults) of an explained name; LIME's are lime's."""
    method = split_name(name)[1]
    if method == "lime":
        return method, lime_params(config)
    return method, with_defaults(config["explain"].get(method, {}), "explain", method)


# the step arguments that run_step fills from here (facelime.workflow_io.step_arguments)
RUN_TIME_NAMES = ("speed", "method", "method_settings")


def step_settings(config: dict, name: str | None, spec: dict | None, wanted) -> dict:
    """The run-time arguments a step asks for (`wanted`), for the job's explained name:
    speed (speed_settings), method and method_settings (method_settings)."""
    found = {}
    if "speed" in wanted and name:
        found["speed"] = speed_settings(config, name, spec)
    if {"method", "method_settings"} & set(wanted) and name:
        found["method"], found["method_settings"] = method_settings(config, name)
    return found

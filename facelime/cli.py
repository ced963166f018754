"""Command line: `facelime explain IMAGE` writes a score map, an overlay and a contact sheet without
Snakemake. One image and one model are enough: `--onnx PATH` (ArcFace's defaults), a config with
only `models:`, or nothing (dlib's ResNet, shipped with facelime)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from .explainers import METHODS

DEFAULT_CONFIG = "config.yaml"


def cli_config(config_path: str | None, onnx: str | None) -> tuple[dict, str]:
    """The validated config the CLI explains with, and where it came from (for the printed line).

    --config PATH, else config.yaml in the working directory when there is one, else the schema's
    defaults (dlib's ResNet). --onnx PATH replaces the models with that one file under the schema's
    ONNX defaults (ArcFace's: RGB, (x - 127.5) / 127.5, input size read from the file). No dataset
    is needed: the dataset checks are the workflow's (validate_config(workflow=False)).
    """
    from .config import load_config, validate_config

    if config_path is None and Path(DEFAULT_CONFIG).is_file():
        config_path = DEFAULT_CONFIG
    if config_path is not None:
        config, source = load_config(config_path, workflow=False), config_path
    else:
        config, source = validate_config({}, workflow=False), "schema defaults (no --config, no ./config.yaml)"
    if onnx:
        config["models"] = {Path(onnx).stem: {"backend": "onnx", "path": onnx}}
        config = validate_config(config, workflow=False)
        source += f", model from --onnx {onnx}"
    return config, source


def similarity_lines(cosine: float, threshold: float | None, other: str) -> list[str]:
    """How similar the pair is: the raw cosine, LIME's score (cos + 1) / 2, and the model's verdict
    when models.<name>.match_threshold is set (on the raw cosine); no verdict without it."""
    lines = [f"cosine {cosine:.3f}, (cos+1)/2 {(cosine + 1) / 2:.3f} to {other}"]
    if threshold is not None:
        verdict = "a match" if cosine >= threshold else "not a match"
        side = "at or above" if cosine >= threshold else "below"
        lines.append(f"{verdict}: {side} the model's match_threshold {threshold:g}")
    return lines


def _explain(args) -> int:
    from .budget import budget_warnings
    from .config import check_preprocess
    from .explainers import explain_face, format_region_table
    from .images import save_rgb
    from .models import build_embedder
    from .plan.settings import speed_settings
    from .preprocess import FaceCropper
    from .seeding import job_seed
    from .segmentation import superpixels
    from .sheets import contact_sheet, overlay, sheet_title

    config, source = cli_config(args.config, args.onnx)
    args.model = args.model or sorted(config["models"])[0]
    if args.model not in config["models"]:
        raise SystemExit(f"facelime: model {args.model!r} is not in {source} (has {sorted(config['models'])})")
    spec = config["models"][args.model]
    lime = config["lime"]
    if args.samples is not None:
        lime["num_samples"] = args.samples
    seed = config["seed"] if args.seed is None else args.seed
    prep = config["preprocess"]
    if args.crop_fraction is not None:
        prep["crop_fraction"] = args.crop_fraction
    if args.detect is not None:
        prep["detect"] = args.detect
    check_preprocess(config)  # the flags again, as the config's values were (yunet needs its model file)
    image_path = Path(args.image)
    crop = FaceCropper(prep)
    face = crop(str(image_path))
    name = image_path.stem
    segments = superpixels(face, lime["segmentation"], lime["n_segments"], lime["compactness"],
                           seed=job_seed(seed, "segments", "cli", name) % (2**31))
    for warning in budget_warnings([args.method], lime, config["explain"], int(segments.max()) + 1):
        print(f"facelime: warning: {warning}", file=sys.stderr)
    embedder = build_embedder(args.model, {**spec, **speed_settings(config, args.model)})  # the batch size decided once
    reference, stem, other, pair_lines = None, f"{name}.{args.model}", None, []
    suffix = "" if args.method == "lime" else f".{args.method}"
    if args.pair:  # pair mode: which superpixels of IMAGE make it match the other image
        other = crop(args.pair)
        own, reference = embedder.embed_faces([face, other]).astype(np.float64)
        stem = f"{name}.pair-{Path(args.pair).stem}.{args.model}"
        pair_lines = similarity_lines(float(own @ reference), spec.get("match_threshold"), args.pair)
    stem += suffix
    landmarks = face_landmarks(face, image_path, config) if args.method == "regions" else None
    explanation = explain_face(args.method, face, segments, embedder, lime=lime, explain=config["explain"],
                                seed=job_seed(seed, args.model, "cli", name), reference=reference,
                                landmarks=landmarks)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / f"{stem}.score_map.npy", explanation.score_map)
    save_rgb(out / f"{stem}.overlay.png", overlay(face, explanation.score_map))
    shown = spec.get("display_name") or args.model
    subject = f"{name} vs {Path(args.pair).stem}" if args.pair else name
    k = len(explanation.coefficients)
    title = sheet_title(shown, subject, args.method, explanation.forward_passes, k, explanation.r2)
    if pair_lines:
        title += "\n" + " | ".join(line.replace(f" to {args.pair}", "") for line in pair_lines)
    contact_sheet(out / f"{stem}.sheet.png", face, segments, explanation.score_map, title,
                  other=other, other_title=f"matched with {Path(args.pair).stem}" if args.pair else "")
    fit = f"surrogate R² {explanation.r2:.3f}, " if args.method == "lime" else ""
    budget = (f"{explanation.forward_passes} LIME samples" if args.method == "lime"
              else f"{args.method}, {explanation.forward_passes} forward passes")
    if explanation.regions is not None:  # region values, exact: the table is the answer
        print(f"{image_path}: {shown}, {budget} (every coalition of the face's regions); config: {source}")
        print(format_region_table(explanation.regions))
    else:
        top = np.argsort(-explanation.coefficients)[:5]
        print(f"{image_path}: {shown}, {budget}, {k} superpixels, {fit}"
              f"top superpixels {top.tolist()} (numbered on the sheet's superpixel panel); config: {source}")
    for line in pair_lines:
        print(f"  pair: {line}")
    print(f"  wrote {out}/{stem}.{{score_map.npy,overlay.png,sheet.png}}")
    return 0


def face_landmarks(face: np.ndarray, image_path: Path, config: dict) -> np.ndarray:
    """The crop's 68 landmarks for the regions method; a crop where no face is found is refused
    (its regions would be guesses, not the face's: docs/method.md, Regions explainer)."""
    from .landmarks import LandmarkDetector

    points, detected = LandmarkDetector(face_box=config["landmarks"]["face_box"])(face)
    if not detected:
        raise SystemExit(f"facelime: {image_path}: no face found in the crop for --method regions "
                         "(its regions would not be the face's); try --crop-fraction or --detect")
    return points


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="facelime", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    explain = sub.add_parser("explain", help="explain one image with one model",
                             description="Explain what in IMAGE its embedding's similarity rests on "
                                         "(or, with --pair, what makes IMAGE match another image). Every flag's default is in its help.")
    explain.add_argument("image", help="the image file to explain (a face crop, or a photo with --detect)")
    explain.add_argument("--config", default=None,
                         help=f"YAML config; only its models:, lime:, preprocess: and explain: are read, no dataset "
                              f"is needed (default: ./{DEFAULT_CONFIG} if present, else the schema's defaults, "
                              "whose model is dlib's ResNet)")
    explain.add_argument("--onnx", default=None, metavar="PATH",
                         help="explain with this ONNX face model instead of the config's models, with ArcFace's "
                              "input defaults (RGB, mean 127.5, std 127.5, input size from the file; default: none, the "
                              "config's models)")
    explain.add_argument("--model", default=None,
                         help="a model name declared in the config (default: the first by name)")
    explain.add_argument("--method", default="lime", choices=list(METHODS),
                         help="the explainer (explain.rise / explain.occlusion settings from the config; default: lime)")
    explain.add_argument("--out", default="results/cli", help="folder the score map, overlay and sheet go to (default: results/cli)")
    explain.add_argument("--samples", type=int, default=None,
                         help="override lime.num_samples (default: the config's, 1000 in the schema)")
    explain.add_argument("--seed", type=int, default=None, help="override the config seed (default: the config's)")
    explain.add_argument("--crop-fraction", type=float, default=None, metavar="F",
                         help="keep the central fraction F of the short side before resizing (LFW's 250 px frames: "
                              "0.6; default: preprocess.crop_fraction, 1.0 in the schema)")
    explain.add_argument("--detect", default=None, choices=["none", "hog", "yunet"],
                         help="find the largest face first (hog: dlib's detector; yunet needs "
                              "preprocess.yunet_model; default: preprocess.detect, none in the schema)")
    explain.add_argument("--pair", default=None, metavar="OTHER_IMAGE",
                         help="explain what makes IMAGE match OTHER_IMAGE (its embedding is the reference); prints "
                              "the raw cosine, (cos+1)/2 and, with models.<name>.match_threshold, the verdict (default: none, "
                              "IMAGE is compared with its own embedding)")
    explain.set_defaults(func=_explain)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from .errors import FacelimeError

    try:
        return args.func(args)
    except FacelimeError as err:
        print(f"facelime: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

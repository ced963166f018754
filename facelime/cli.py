"""Command line: `facelime explain IMAGE --model NAME` writes a score map and overlay without Snakemake."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np


def _explain(args) -> int:
    from .config import load_config
    from .images import save_rgb
    from .lime_similarity import explain_similarity
    from .models import build_embedder
    from .preprocess import FaceCropper
    from .seeding import job_seed
    from .segmentation import superpixels
    from .sheets import contact_sheet, overlay

    config = load_config(args.config)
    args.model = args.model or sorted(config["models"])[0]
    if args.model not in config["models"]:
        raise SystemExit(f"facelime: model {args.model!r} is not in {args.config} (has {sorted(config['models'])})")
    lime = config["lime"]
    if args.samples is not None:
        lime["num_samples"] = args.samples
    seed = config["seed"] if args.seed is None else args.seed
    prep = config["preprocess"]
    image_path = Path(args.image)
    crop = FaceCropper(prep)
    face = crop(str(image_path))
    name = image_path.stem
    segments = superpixels(face, lime["segmentation"], lime["n_segments"], lime["compactness"],
                           seed=job_seed(seed, "segments", "cli", name) % (2**31))
    embedder = build_embedder(args.model, config["models"][args.model], batch_size=lime["batch_size"])
    reference, pair_note, stem, other = None, "", f"{name}.{args.model}", None
    if args.pair:  # pair mode: which superpixels of IMAGE make it match the other image
        other = crop(args.pair)
        own, reference = embedder.embed_faces([face, other]).astype(np.float64)
        stem = f"{name}.pair-{Path(args.pair).stem}.{args.model}"
        pair_note = f", similarity (cos+1)/2 to {args.pair}: {(own @ reference + 1) / 2:.3f}"
    explanation = explain_similarity(face, segments, embedder, num_samples=lime["num_samples"],
                                     kernel_width=lime["kernel_width"], seed=job_seed(seed, args.model, "cli", name),
                                     keep=lime["keep"], sampling=lime["sampling"], reference=reference)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / f"{stem}.score_map.npy", explanation.score_map)
    save_rgb(out / f"{stem}.overlay.png", overlay(face, explanation.score_map))
    contact_sheet(out / f"{stem}.sheet.png", face, segments, explanation.score_map,
                  f"{args.model} | {name}{' vs ' + Path(args.pair).stem if args.pair else ''} | R² {explanation.r2:.2f}",
                  other=other if args.pair else None, other_title=f"matched with {Path(args.pair).stem}" if args.pair
                  else "")
    top = np.argsort(-explanation.coefficients)[:5]
    print(f"{image_path}: {args.model}, {lime['num_samples']} LIME samples, "
          f"{len(explanation.coefficients)} superpixels, surrogate R² {explanation.r2:.3f}, "
          f"top superpixels {top.tolist()}{pair_note}; wrote {out}/{stem}.*")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="facelime", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    explain = sub.add_parser("explain", help="explain one image with one model from the config")
    explain.add_argument("image")
    explain.add_argument("--model", default=None, help="a model name declared in the config (default: the first by name)")
    explain.add_argument("--config", default="config.yaml")
    explain.add_argument("--out", default="results/cli")
    explain.add_argument("--samples", type=int, default=None, help="override lime.num_samples")
    explain.add_argument("--seed", type=int, default=None, help="override the config seed")
    explain.add_argument("--pair", default=None, metavar="OTHER_IMAGE",
                         help="explain what makes IMAGE match OTHER_IMAGE (its embedding is the reference)")
    explain.set_defaults(func=_explain)
    args = parser.parse_args(argv)
    from .errors import FacelimeError

    try:
        return args.func(args)
    except FacelimeError as err:
        print(f"facelime: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

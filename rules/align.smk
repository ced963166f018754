# docs/method.md, Normalisation onto a canonical face: the canonical face and the piecewise-affine warp onto it.
# One align job per identity warps its crops and all models' maps with the same maps.


rule canonical_face:
    output:
        canonical=paths.CANONICAL,
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
        faces=paths.FACES,
        landmarks=paths.LANDMARKS,
        canonical=paths.CANONICAL,
        masks=expand(paths.MASKS, model=STUDY.explained, allow_missing=True),
    output:
        aligned_faces=paths.ALIGNED_FACES,
        aligned=expand(paths.ALIGNED, model=STUDY.explained, allow_missing=True),
        heatmaps=[
            path
            for model in STUDY.explained
            for path in heatmap_outputs(paths.heatmap("model_identity", model=model))
        ],
        identity_heatmap=heatmap_outputs(paths.HEATMAP["identity"]),
    log:
        "logs/align_identity/{identity}.log",
    conda:
        "../envs/facelime.yaml"
    params:
        models=STUDY.explained,
        identity_models=STUDY.models,  # randomised copies (validity.sanity) stay out of the identity heatmap
        heatmap_prefixes=lambda wildcards: [
            paths.HEATMAP["model_identity"].format(
                model=m, identity=wildcards.identity
            )
            for m in STUDY.explained
        ],
        identity_prefix=lambda wildcards: paths.HEATMAP["identity"].format(
            identity=wildcards.identity
        ),
    script:
        "../scripts/align_identity.py"


rule mean_face:
    input:
        aligned_faces=lambda wildcards: expand(
            paths.ALIGNED_FACES, identity=identities()
        ),
    output:
        face=paths.MEAN_FACE,
    log:
        "logs/mean_face.log",
    conda:
        "../envs/facelime.yaml"
    script:
        "../scripts/mean_face.py"

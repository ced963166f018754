# docs/method.md, Preprocessing and LIME on similarity: the 112 px centre crop and its SLIC superpixels, once per identity
# (they do not depend on the model).


rule crop_and_segment:
    input:
        images=identity_images,
        detector=plan_settings.file_input(config["preprocess"], "yunet_model"),
    output:
        faces=paths.FACES,
        qc=paths.IMAGE_QC,
    log:
        "logs/crop_and_segment/{identity}.log",
    conda:
        "../envs/facelime.yaml"
    params:
        preprocess=config["preprocess"],
        on_bad_image=config["dataset"]["on_bad_image"],
        lime=plan_settings.segment_params(config),
        seed=config["seed"],
    script:
        "../scripts/crop_and_segment.py"

# docs/method.md, Normalisation onto a canonical face: dlib's 68 landmarks, once per identity (they do not depend on the model).


rule landmarks:
    input:
        faces=paths.FACES,
    output:
        landmarks=paths.LANDMARKS,
    log:
        "logs/landmarks/{identity}.log",
    conda:
        "../envs/facelime.yaml"
    params:
        face_box=config["landmarks"]["face_box"],
    script:
        "../scripts/landmarks.py"

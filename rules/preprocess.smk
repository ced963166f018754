# method.md §2.1 and §2.3: the 112 px centre crop and its SLIC superpixels, once per identity
# (they do not depend on the model).


rule crop_and_segment:
    input:
        identity_images,
    output:
        "results/faces/{identity}.npz",
    params:
        preprocess=config["preprocess"],
        lime=config["lime"],
        seed=config["seed"],
    log:
        "logs/crop_and_segment/{identity}.log",
    script:
        "../scripts/crop_and_segment.py"

# docs/method.md, LIME on similarity: LIME on cosine similarity, one job per (model, identity).


rule explain:
    input:
        faces="results/faces/{identity}.npz",
        model_file=model_file,
        reference_image=config_file_inputs("lime", "reference_image"),
    output:
        # contact sheets only when asked for: an output fewer per job keeps big DAGs fast
        **(
            {"sheets": directory("results/sheets/{model}/{identity}")}
            if config["sheets"]
            else {}
        ),
        masks="results/masks/{model}/{identity}.npz",
    log:
        "logs/explain/{model}/{identity}.log",
    benchmark:
        "logs/benchmarks/explain/{model}/{identity}.tsv"
    conda:
        "../envs/facelime.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        spec=model_params,
        lime=LIME_PARAMS,
        preprocess=reference_crop_params(),
        seed=config["seed"],
    script:
        "../scripts/explain.py"

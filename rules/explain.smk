# docs/method.md, LIME on similarity: LIME on cosine similarity, one job per (model, identity).


rule explain:
    input:
        faces="results/faces/{identity}.npz",
        model=model_file,
    output:
        masks="results/masks/{model}/{identity}.npz",
        # contact sheets only when asked for: an output fewer per job keeps big DAGs fast
        **({"sheets": directory("results/sheets/{model}/{identity}")} if config["sheets"] else {}),
    params:
        model=model_spec,
        lime=config["lime"],
        preprocess=config["preprocess"],
        seed=config["seed"],
        sheets=config["sheets"],
    threads: 1
    resources:
        mem_mb=2000,
    log:
        "logs/explain/{model}/{identity}.log",
    benchmark:
        "logs/benchmarks/explain/{model}/{identity}.tsv"
    conda:
        "../envs/facelime.yaml"
    script:
        "../scripts/explain.py"

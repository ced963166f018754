# docs/method.md, LIME on similarity: LIME on cosine similarity, one job per (model, identity),
# or, with explain.identities_per_job > 1, one job per (model, chunk of identities).

IDENTITIES_PER_JOB = config["explain"]["identities_per_job"]


if IDENTITIES_PER_JOB == 1:

    rule explain:
        input:
            faces=paths.FACES,
            model_file=model_file,
            reference_image=plan_settings.file_input(config["lime"], "reference_image"),
            landmarks=lambda wildcards: plan_settings.regions_landmarks(
                wildcards.model, [wildcards.identity]
            ),
        output:
            # contact sheets only when asked for: an output fewer per job keeps big DAGs fast
            **({"sheets": directory(paths.SHEETS)} if config["sheets"] else {}),
            masks=paths.MASKS,
        log:
            "logs/explain/{model}/{identity}.log",
        benchmark:
            "logs/benchmarks/explain/{model}/{identity}.tsv"
        conda:
            model_env("explain")
        threads: 1
        resources:
            mem_mb=2000,
        params:
            spec=model_params,
            lime=explain_params,
            preprocess=plan_settings.reference_crop_params(config),
            seed=config["seed"],
        script:
            "../scripts/explain.py"

else:
    # One process loads the model once (one CUDA session) for a chunk of identities in
    # dataset order. A rule per chunk, because a job's outputs must follow from its
    # wildcards: here {model}, with the chunk's identities written out. When one
    # identity's crops change, its whole chunk reruns (the other identities' numbers
    # come out the same: every draw is seeded per model, identity and image).
    # set-threads / set-resources for `explain` (profiles, command line) apply to every chunk rule
    EXPLAIN_THREADS, EXPLAIN_RESOURCES = plan_resources.overrides(
        workflow.resource_settings, "explain"
    )
    for chunk, members in enumerate(identity_chunks(IDENTITIES_PER_JOB)):

        rule:
            name:
                f"explain_{chunk}"
            input:
                faces=expand(paths.FACES, identity=members),
                model_file=model_file,
                reference_image=plan_settings.file_input(
                    config["lime"], "reference_image"
                ),
                landmarks=lambda wildcards, members=members: plan_settings.regions_landmarks(
                    wildcards.model, members
                ),
            output:
                **(
                    {
                        "sheets": [
                            directory(paths.fill(paths.SHEETS, identity=identity))
                            for identity in members
                        ]
                    }
                    if config["sheets"]
                    else {}
                ),
                masks=[paths.fill(paths.MASKS, identity=i) for i in members],
            log:
                f"logs/explain/{{model}}/chunk{chunk}.log",
            benchmark:
                f"logs/benchmarks/explain/{{model}}/chunk{chunk}.tsv"
            conda:
                model_env("explain")
            threads: EXPLAIN_THREADS
            resources:
                **{"mem_mb": 2000, **EXPLAIN_RESOURCES},
            params:
                spec=model_params,
                lime=explain_params,
                preprocess=plan_settings.reference_crop_params(config),
                seed=config["seed"],
                identities=members,
            script:
                "../scripts/explain_identities.py"

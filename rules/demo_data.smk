# The embedded demo dataset: faces cut from photos shipped inside installed packages.


checkpoint demo_dataset:
    output:
        faces=directory("results/demo/faces"),
        metadata="results/demo/identities.csv",
    log:
        "logs/demo_dataset.log",
    conda:
        "../envs/facelime.yaml"
    script:
        "../scripts/demo_dataset.py"

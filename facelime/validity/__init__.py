"""The yardsticks: checks that an explanation is worth a figure (faithful, stable, sane, with uncertainty).

They judge the explainers (facelime.explainers) and import them; the explainers never import
these.
faithfulness: deletion and insertion curves under several protocols against random orders
    (image_faithfulness; the table's columns are FAITHFULNESS_FIELDS).
agreement: how far two methods' maps agree (Spearman, top-10 % overlap).
ceiling: how far a method agrees with itself under another seed (noise ceilings).
patch_benchmark, patch_restoration: known-answer benchmarks with a pasted face part.
stability: agreement of LIME reruns with other seeds, as a function of samples.
randomise: a copy of an ONNX model with shuffled weights (model-randomisation check).
region_stats, region_values: bootstrap CIs of region shares and permutation tests between groups.
method_ranking: methods ranked by their faithfulness gap, per protocol.
"""

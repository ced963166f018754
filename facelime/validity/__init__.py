"""Checks that an explanation is worth a figure: faithful, stable, sane, and with uncertainty.

faithfulness: deletion and insertion curves against random orders.
stability: agreement of LIME reruns with other seeds, as a function of samples.
randomise: a copy of an ONNX model with shuffled weights (model-randomisation check).
region_stats: bootstrap CIs of region shares and permutation tests between groups.
"""

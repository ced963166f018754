"""Classifier mode (docs/method.md, Classifier mode): LIME on one class probability instead of a similarity.

onnx_classifier: an ONNX image classifier (emotions, masks, ...) as a probability model.
embedding_classifier: a logistic regression on face embeddings ("who is this").
lime_class: LIME of class probabilities, with the sampling and surrogate of the similarity mode.
overlay: green (supports the class) / red (against it) overlays, the rest greyed out.
cases: confusion matrix, precision/recall, borderline/confident cases, most confused pair.
identity: the identity-classification task on embeddings.
"""

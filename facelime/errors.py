"""Errors that name the file and the problem, so a user never has to read a traceback."""

from __future__ import annotations


class FacelimeError(Exception):
    """Base class: an expected failure with a one-line message for the user."""


class BadImageError(FacelimeError):
    """An image file that cannot be used (unreadable, corrupt, wrong kind)."""

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class ModelLoadError(FacelimeError):
    """A model file that is missing, corrupt or has an unusable interface."""

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"model {self.path}: {reason}")


class BadEmbeddingError(FacelimeError):
    """A model returned embeddings that cannot give a cosine (zero norm, NaN)."""


class ConfigError(FacelimeError):
    """A configuration value that is wrong; the message names the key."""


class NonFiniteMapError(FacelimeError):
    """A stored score map or heatmap holding NaN or infinite values (a broken upstream job or file)."""

    def __init__(self, path, key: str, count: int):
        self.path = str(path)
        super().__init__(f"{self.path}: {key} holds {count} NaN or infinite values; a map must be finite "
                         "(delete the file to rebuild it)")

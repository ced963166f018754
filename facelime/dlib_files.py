"""The dlib model files shipped on PyPI (face-recognition-models(-ng)): the recognition network
and the 5- and 68-point landmark predictors, found where the package installed them.

Its own module because face finding (faces.py), the landmark stage and dlib's embedder
(models/dlib_model.py) all read them, and the embedder itself uses the face finder.
"""

from __future__ import annotations

from .errors import ModelLoadError


def packaged_model_paths() -> dict[str, str]:
    """Model files shipped by face-recognition-models(-ng) on PyPI."""
    try:
        import face_recognition_models as frm
    except ImportError as err:  # pragma: no cover - install problem
        raise ModelLoadError("face_recognition_models", f"package not installed ({err})") from None
    return {
        "recognition": frm.face_recognition_model_location(),
        "landmarks68": frm.pose_predictor_model_location(),
        "landmarks5": frm.pose_predictor_five_point_model_location(),
    }

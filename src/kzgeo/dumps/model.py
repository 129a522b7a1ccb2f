"""The shipped pixel classifier: loading it and scoring feature stacks.

The model is two scikit-learn ``HistGradientBoostingClassifier`` (one scores pixels, one scores the
candidate sites the pixel scores outline) trained offline on synthetic scenes
(``make model`` runs ``scripts/train_dump_model.py``) and stored with joblib in ``kzgeo/models``,
next to a JSON card that records how it was trained and the feature names it expects.
"""

from __future__ import annotations

import functools
import json
import warnings
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from kzgeo.dumps.features import CONTEXT_FEATURES, FEATURE_NAMES, context_features
from kzgeo.dumps.objects import OBJECT_FEATURES, object_features
from kzgeo.errors import DataError

__all__ = ["MODEL_NAME", "DumpModel", "load_model"]

MODEL_NAME = "dumps_hgb"


@dataclass(frozen=True)
class DumpModel:
    """The pixel and site classifiers and their card (training data, parameters, thresholds).

    ``context``, when set, is a second pixel classifier that sees each pixel's features and
    :func:`~kzgeo.dumps.features.context_features` of the first score around it (auto-context).
    """

    classifier: object
    card: dict
    sites: object = None
    context: object = None

    def site_score(self, sites) -> np.ndarray:
        """Probability that each candidate site (merged part sums, metric CRS) is waste.

        Without a site classifier, the mean pixel score.
        """
        feats = object_features(sites)
        if self.sites is None:
            return feats["mean_score"].to_numpy()
        return self.sites.predict_proba(feats.to_numpy())[:, 1]

    def score(self, features: np.ndarray, candidate: np.ndarray, chunk: int = 262_144) -> np.ndarray:
        """Probability of waste for each candidate pixel of a ``(n_features, h, w)`` stack.

        Pixels outside ``candidate`` get NaN; prediction runs in chunks so memory stays bounded.
        With a ``context`` stage, the first score is rescored with its neighbourhood.
        """
        first = self.first_score(features, candidate, chunk)
        if self.context is None:
            return first
        ctx = context_features(first, np.isfinite(features[0]))
        return _predict(self.context, np.concatenate([features, ctx]), candidate, chunk)

    def first_score(self, features: np.ndarray, candidate: np.ndarray, chunk: int = 262_144) -> np.ndarray:
        """Score of the first pixel classifier alone (see :meth:`score`)."""
        return _predict(self.classifier, features, candidate, chunk)


def _predict(classifier, features: np.ndarray, candidate: np.ndarray, chunk: int) -> np.ndarray:
    _, h, w = features.shape
    out = np.full(h * w, np.nan, dtype=np.float32)
    idx = np.flatnonzero(candidate.ravel())
    flat = features.reshape(features.shape[0], -1)
    for start in range(0, len(idx), chunk):
        part = idx[start : start + chunk]
        out[part] = classifier.predict_proba(flat[:, part].T)[:, 1]
    return out.reshape(h, w)


def _model_dir() -> Path:
    return Path(str(resources.files("kzgeo") / "models"))


@functools.lru_cache(maxsize=4)
def load_model(path: str | None = None) -> DumpModel:
    """Load the shipped dump classifier (or one trained by ``scripts/train_dump_model.py``).

    Parameters
    ----------
    path : str, optional
        A ``.joblib`` file with a ``.json`` card next to it; default the model inside the package.

    Raises
    ------
    DataError
        If the model or its card is missing, or the card lists other features than this version computes.
    """
    import joblib

    model_path = Path(path) if path else _model_dir() / f"{MODEL_NAME}.joblib"
    card_path = model_path.with_suffix(".json")
    if not model_path.exists() or not card_path.exists():
        raise DataError(
            f"{model_path}: the dump model or its card is missing; rebuild it with `make model` "
            "(scripts/train_dump_model.py)"
        )
    card = json.loads(card_path.read_text(encoding="utf-8"))
    if (
        tuple(card.get("features", ())) != FEATURE_NAMES
        or tuple(card.get("site_features", ())) != OBJECT_FEATURES
        or tuple(card.get("context_features", CONTEXT_FEATURES)) != CONTEXT_FEATURES
    ):
        raise DataError(
            f"{model_path}: trained on other features than this kzgeo computes; retrain with `make model`"
        )
    with warnings.catch_warnings():
        # a model pickled by a neighbouring scikit-learn release still loads and predicts the same
        warnings.filterwarnings("ignore", message=".*Trying to unpickle estimator.*")
        stages = joblib.load(model_path)
    return DumpModel(stages["pixels"], card, stages.get("sites"), stages.get("context"))

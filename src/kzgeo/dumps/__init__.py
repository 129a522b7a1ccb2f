"""Illegal-dump detection from Sentinel-2: per-pixel scores, site polygons, landfill status, change.

>>> import kzgeo
>>> sites = kzgeo.detect_dumps("scene.tif", landfills=kzgeo.read_layer("landfills.geojson"))  # doctest: +SKIP

The pipeline (see ``docs/dumps.md``): masking (the SCL band's cloud, shadow, cirrus and snow when the
scene has one, else spectral tests for cloud and snow; water from the spectra in both cases) ->
features (indices, contrast against the surrounding 50-310 m, texture) -> a gradient-boosting pixel
classifier trained on synthetic scenes (:mod:`kzgeo.synth`) -> hysteresis threshold -> polygons merged
across processing windows -> status against authorised landfills and change against an earlier season.
"""

from __future__ import annotations

from kzgeo.dumps.detect import SITE_COLUMNS, Thresholds, detect_dumps, score_cube
from kzgeo.dumps.features import BANDS, FEATURE_NAMES, compute_features, spectral_mask
from kzgeo.dumps.model import DumpModel, load_model
from kzgeo.dumps.status import CHANGES, STATUSES, assign_status, compare_sites

__all__ = [
    "BANDS",
    "CHANGES",
    "FEATURE_NAMES",
    "SITE_COLUMNS",
    "STATUSES",
    "DumpModel",
    "Thresholds",
    "assign_status",
    "compare_sites",
    "compute_features",
    "detect_dumps",
    "load_model",
    "score_cube",
    "spectral_mask",
]

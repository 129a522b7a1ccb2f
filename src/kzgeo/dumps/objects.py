"""Object-level features of candidate sites, for the second-stage (site) classifier.

A candidate site is a connected group of pixels that passed the hysteresis threshold. Its features
are means of pixel features (kept as sums and counts, so the parts of a site cut by window borders
merge exactly) and shape measures of its polygon: roads and field edges are long and thin,
settlements ragged, heaps compact.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from kzgeo.dumps.features import FEATURE_NAMES

__all__ = ["OBJECT_FEATURES", "OBJECT_INPUTS", "object_features", "part_sums"]

OBJECT_INPUTS = (
    "bright",
    "ndvi",
    "bsi",
    "ndbi",
    "ndsw",
    "redness",
    "mndwi",
    "std50_bright",
    "std50_ndvi",
    "contrast150_bright",
    "contrast150_ndvi",
    "contrast150_bsi",
    "contrast310_bright",
    "linearity110_bright",
    "linearity110_bsi",
)
"""Pixel features averaged over each site (with the pixel score)."""

_INDEX = [FEATURE_NAMES.index(n) for n in OBJECT_INPUTS]
_SHAPE = ("log_area_m2", "compactness", "elongation", "width_m")

OBJECT_FEATURES = ("mean_score", "std_score", "max_score", *(f"mean_{n}" for n in OBJECT_INPUTS), *_SHAPE)
"""Columns of :func:`object_features`, the input of the site classifier."""


def part_sums(labels: np.ndarray, score: np.ndarray, feats: np.ndarray | None) -> dict[str, np.ndarray]:
    """Per-label pixel count, score sum, sum of squares and maximum, and sums of :data:`OBJECT_INPUTS`.

    Label 0 is the background. Without ``feats`` only the count and the score statistics.
    """
    ids = labels.ravel()
    n = int(ids.max()) + 1
    s = np.nan_to_num(score, nan=0.0).ravel()
    out = {
        "n_px": np.bincount(ids, minlength=n).astype(np.int64),
        "score_sum": np.bincount(ids, weights=s, minlength=n),
        "score_sq_sum": np.bincount(ids, weights=s * s, minlength=n),
    }
    s_max = np.zeros(n)
    np.maximum.at(s_max, ids, s)
    out["max_score"] = s_max
    for name, i in zip(OBJECT_INPUTS, _INDEX, strict=True) if feats is not None else ():
        out[f"sum_{name}"] = np.bincount(ids, weights=np.nan_to_num(feats[i], nan=0.0).ravel(), minlength=n)
    return out


def object_features(sites: gpd.GeoDataFrame) -> pd.DataFrame:
    """Site features from merged part sums and the polygons (in a metric CRS)."""
    n = sites["n_px"].to_numpy(dtype=float)
    mean = sites["score_sum"].to_numpy() / n
    std = np.sqrt(np.maximum(sites["score_sq_sum"].to_numpy() / n - mean**2, 0))
    out = {"mean_score": mean, "std_score": std, "max_score": sites["max_score"].to_numpy()}
    for name in OBJECT_INPUTS:
        out[f"mean_{name}"] = sites[f"sum_{name}"].to_numpy() / n
    geoms = sites.geometry.to_numpy()
    area = shapely.area(geoms)
    perimeter = shapely.length(geoms)
    rect = shapely.minimum_rotated_rectangle(geoms)
    coords = [np.asarray(r.exterior.coords) if r.geom_type == "Polygon" else np.zeros((3, 2)) for r in rect]
    sides = np.array([[np.hypot(*(c[1] - c[0])), np.hypot(*(c[2] - c[1]))] for c in coords]).reshape(-1, 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["log_area_m2"] = np.log10(np.maximum(area, 1.0))
        out["compactness"] = 4 * np.pi * area / np.maximum(perimeter, 1e-9) ** 2
        out["elongation"] = np.nan_to_num(sides.max(axis=1) / np.maximum(sides.min(axis=1), 1.0), nan=1.0)
        out["width_m"] = 2 * area / np.maximum(perimeter, 1e-9)
    return pd.DataFrame(out, index=sites.index)[list(OBJECT_FEATURES)]

"""Object-level features of candidate sites, for the second-stage (site) classifier.

A candidate site is a connected group of pixels that passed the hysteresis threshold. Its features
are means of pixel features (kept as sums and counts, so the parts of a site cut by window borders
merge exactly) and shape measures of its polygon: roads and field edges are long and thin,
settlements ragged, heaps compact. Beyond the means: the spread of brightness and indices inside
the site (waste is a mix of materials, a construction site, road or yard is one surface), the
contrast of the site against a ring of :data:`RING_PX` pixels around it, and how rectangular and
convex the outline is (building sites, yards and roofs are rectilinear, dumps irregular).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import ndimage

from kzgeo.dumps.features import FEATURE_NAMES

__all__ = ["OBJECT_FEATURES", "OBJECT_INPUTS", "RING_PX", "object_features", "part_sums", "ring_labels"]

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
SPREAD_INPUTS = ("bright", "ndvi", "bsi", "ndsw", "redness", "shape_B02", "shape_B11")
"""Pixel features whose spread inside a site is a feature (heterogeneity of the surface)."""
_SPREAD_INDEX = [FEATURE_NAMES.index(n) for n in SPREAD_INPUTS]
RING_INPUTS = ("bright", "ndvi", "bsi", "ndsw", "redness")
"""Pixel features compared between a site and the ring around it."""
_RING_INDEX = [FEATURE_NAMES.index(n) for n in RING_INPUTS]
RING_PX = 3
"""Width of the ring around a site, pixels (30 m)."""
_SHAPE = ("log_area_m2", "compactness", "elongation", "width_m", "rectangularity", "convexity")

OBJECT_FEATURES = (
    "mean_score",
    "std_score",
    "max_score",
    "frac_high_score",
    *(f"mean_{n}" for n in OBJECT_INPUTS),
    *(f"std_{n}" for n in SPREAD_INPUTS),
    *(f"ring_contrast_{n}" for n in RING_INPUTS),
    *_SHAPE,
)
"""Columns of :func:`object_features`, the input of the site classifier."""


def ring_labels(labels: np.ndarray, width: int = RING_PX) -> np.ndarray:
    """The ring of ``width`` pixels around each labelled site, labelled like the site (0 elsewhere).

    Where the rings of two sites overlap, the pixel goes to the higher label; site pixels are in no ring.
    """
    if not labels.any():
        return np.zeros_like(labels)
    grown = ndimage.grey_dilation(labels, size=(2 * width + 1, 2 * width + 1))
    return np.where(labels == 0, grown, 0).astype(labels.dtype)


def part_sums(
    labels: np.ndarray, score: np.ndarray, feats: np.ndarray | None, ring: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Per-label sums from which :func:`object_features` are computed, so parts of a site add up.

    Pixel count, score sum, sum of squares, maximum and count of pixels scoring >= 0.5; sums of
    :data:`OBJECT_INPUTS`, sums of squares of :data:`SPREAD_INPUTS`; with ``ring`` (from
    :func:`ring_labels`), the count of valid ring pixels and their sums of :data:`RING_INPUTS`.
    Label 0 is the background. Without ``feats`` only the count and the score statistics.
    """
    ids = labels.ravel()
    n = int(max(ids.max(), ring.max() if ring is not None else 0)) + 1
    s = np.nan_to_num(score, nan=0.0).ravel()
    out = {
        "n_px": np.bincount(ids, minlength=n).astype(np.int64),
        "score_sum": np.bincount(ids, weights=s, minlength=n),
        "score_sq_sum": np.bincount(ids, weights=s * s, minlength=n),
        "n_high": np.bincount(ids, weights=(s >= 0.5).astype(float), minlength=n),
    }
    s_max = np.zeros(n)
    np.maximum.at(s_max, ids, s)
    out["max_score"] = s_max
    if feats is None:
        return out
    for name, i in zip(OBJECT_INPUTS, _INDEX, strict=True):
        out[f"sum_{name}"] = np.bincount(ids, weights=np.nan_to_num(feats[i], nan=0.0).ravel(), minlength=n)
    for name, i in zip(SPREAD_INPUTS, _SPREAD_INDEX, strict=True):
        v = np.nan_to_num(feats[i], nan=0.0).ravel()
        if f"sum_{name}" not in out:
            out[f"sum_{name}"] = np.bincount(ids, weights=v, minlength=n)
        out[f"sq_{name}"] = np.bincount(ids, weights=v * v, minlength=n)
    if ring is not None:
        rids = ring.ravel()
        ok = np.isfinite(feats[_RING_INDEX[0]]).ravel()
        out["ring_n"] = np.bincount(rids, weights=ok.astype(float), minlength=n)
        for name, i in zip(RING_INPUTS, _RING_INDEX, strict=True):
            v = np.nan_to_num(feats[i], nan=0.0).ravel() * ok
            out[f"ring_{name}"] = np.bincount(rids, weights=v, minlength=n)
    return out


def object_features(sites: gpd.GeoDataFrame) -> pd.DataFrame:
    """Site features from merged part sums and the polygons (in a metric CRS)."""
    n = sites["n_px"].to_numpy(dtype=float)
    mean = sites["score_sum"].to_numpy() / n
    std = np.sqrt(np.maximum(sites["score_sq_sum"].to_numpy() / n - mean**2, 0))
    out = {
        "mean_score": mean,
        "std_score": std,
        "max_score": sites["max_score"].to_numpy(),
        "frac_high_score": sites["n_high"].to_numpy() / n,
    }
    for name in OBJECT_INPUTS:
        out[f"mean_{name}"] = sites[f"sum_{name}"].to_numpy() / n
    for name in SPREAD_INPUTS:
        m = sites[f"sum_{name}"].to_numpy() / n
        out[f"std_{name}"] = np.sqrt(np.maximum(sites[f"sq_{name}"].to_numpy() / n - m**2, 0))
    ring_n = sites["ring_n"].to_numpy() if "ring_n" in sites else np.zeros(len(sites))
    with np.errstate(divide="ignore", invalid="ignore"):
        for name in RING_INPUTS:
            ring = sites[f"ring_{name}"].to_numpy() / ring_n if "ring_n" in sites else np.nan
            # no valid ring (a site filling its window): no contrast rather than a made-up one
            out[f"ring_contrast_{name}"] = np.where(ring_n > 0, out[f"mean_{name}"] - ring, np.nan)
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
        out["rectangularity"] = area / np.maximum(shapely.area(rect), 1e-9)
        out["convexity"] = area / np.maximum(shapely.area(shapely.convex_hull(geoms)), 1e-9)
    return pd.DataFrame(out, index=sites.index)[list(OBJECT_FEATURES)]

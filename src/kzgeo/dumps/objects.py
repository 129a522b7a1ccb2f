"""Object-level features of candidate sites, for the second-stage (site) classifier.

A candidate site is a connected group of pixels that passed the hysteresis threshold. Its features
come from sums over its pixels and over two rings around it (kept as sums and counts, so the parts of
a site cut by window borders merge exactly), and from the shape of its polygon:

- the pixel score: mean, spread, maximum, and the share of pixels above 0.5, 0.7 and 0.9;
- every pixel feature (:data:`~kzgeo.dumps.features.FEATURE_NAMES`): its mean over the site and its
  spread inside the site (waste is a mix of materials; a construction site, road or yard is one surface);
- the contrast of each pixel feature between the site and a near ring of :data:`RING_PX` pixels
  around it, and an outer ring from :data:`RING_PX` to :data:`OUTER_PX` pixels (a dump stands out from
  the ground it was tipped on; a stretch of road continues into its rings); the pixel score in both
  rings; the spread of a few features in the near ring; the share of the near ring that is valid;
- shape: area, compactness, elongation, width, rectangularity and convexity (roads and field edges
  are long and thin, settlements ragged, heaps compact, building sites and yards rectilinear).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import ndimage
from scipy.sparse import csr_matrix

from kzgeo.dumps.features import FEATURE_NAMES

__all__ = [
    "OBJECT_FEATURES",
    "OUTER_PX",
    "RING_PX",
    "RING_SPREAD_INPUTS",
    "SCORE_LEVELS",
    "object_features",
    "part_sums",
    "ring_labels",
    "site_rings",
]

RING_PX = 3
"""Width of the near ring around a site, pixels (30 m)."""
OUTER_PX = 8
"""Outer edge of the outer ring around a site, pixels (30-80 m from the site)."""
SCORE_LEVELS = (0.5, 0.7, 0.9)
"""Pixel scores whose share in a site is a feature."""
RING_SPREAD_INPUTS = ("bright", "ndvi", "bsi", "ndsw")
"""Pixel features whose spread in the near ring is a feature (textured or plain surroundings)."""
_RING_SPREAD_INDEX = [FEATURE_NAMES.index(n) for n in RING_SPREAD_INPUTS]
_SHAPE = ("log_area_m2", "compactness", "elongation", "width_m", "rectangularity", "convexity")

OBJECT_FEATURES = (
    "mean_score",
    "std_score",
    "max_score",
    *(f"frac_score_{t}" for t in SCORE_LEVELS),
    "ring_valid",
    "ring_score",
    "outer_score",
    *(f"mean_{n}" for n in FEATURE_NAMES),
    *(f"std_{n}" for n in FEATURE_NAMES),
    *(f"ring_contrast_{n}" for n in FEATURE_NAMES),
    *(f"outer_contrast_{n}" for n in FEATURE_NAMES),
    *(f"ring_std_{n}" for n in RING_SPREAD_INPUTS),
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


def site_rings(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Near ring (:data:`RING_PX` px wide) and outer ring (out to :data:`OUTER_PX` px) of each site."""
    near = ring_labels(labels, RING_PX)
    outer = np.where(near == 0, ring_labels(labels, OUTER_PX), 0).astype(labels.dtype)
    return near, outer


def _sums(ids: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """``(k, n)`` sums of ``values`` ``(k, m)`` by label ``ids`` ``(m,)``: one sparse product for all k."""
    if not len(ids):
        return np.zeros((values.shape[0], n))
    member = csr_matrix((np.ones(len(ids)), (ids, np.arange(len(ids)))), shape=(n, len(ids)))
    return np.asarray(member @ values.T.astype(np.float64)).T


def part_sums(
    labels: np.ndarray,
    score: np.ndarray,
    feats: np.ndarray | None,
    rings: tuple[np.ndarray, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """Per-label sums from which :func:`object_features` are computed, so parts of a site add up.

    Site pixels: count, score sum, sum of squares and maximum, count of scored pixels (``n_scored``: a
    filled hole may hold cloud or water), counts of pixels scoring at least each
    of :data:`SCORE_LEVELS`; with ``feats``, sums and sums of squares of every pixel feature. With
    ``rings`` (from :func:`site_rings`): near-ring pixel count, valid pixel count, score sum, feature
    sums and the sums of squares of :data:`RING_SPREAD_INPUTS`; outer-ring valid count, score sum and
    feature sums. Label 0 is the background; only labelled pixels are read.
    """
    n = int(max([labels.max(), *(r.max() for r in rings or ())])) + 1
    s = np.nan_to_num(score, nan=0.0).ravel()
    sel = np.flatnonzero(labels.ravel())
    ids, ss = labels.ravel()[sel], s[sel]
    scored = np.isfinite(score).ravel()[sel].astype(float)  # a filled hole of cloud or water is not
    rows = [np.ones_like(ss), ss, ss * ss, scored, *((ss >= t).astype(float) for t in SCORE_LEVELS)]
    totals = _sums(ids, np.stack(rows), n)
    out = {"n_px": totals[0].astype(np.int64), "score_sum": totals[1], "score_sq_sum": totals[2]}
    out["n_scored"] = totals[3]
    for t, row in zip(SCORE_LEVELS, totals[4:], strict=True):
        out[f"n_score_{t}"] = row
    s_max = np.zeros(n)
    np.maximum.at(s_max, ids, ss)
    out["max_score"] = s_max
    if feats is None:
        return out
    flat = feats.reshape(feats.shape[0], -1)
    v = np.nan_to_num(flat[:, sel], nan=0.0).astype(np.float64)  # squares in float32 lose small spreads
    both = _sums(ids, np.concatenate([v, v * v]), n)  # sums, then sums of squares
    for k, name in enumerate(FEATURE_NAMES):
        out[f"sum_{name}"], out[f"sq_{name}"] = both[k], both[len(FEATURE_NAMES) + k]
    if rings is None:
        return out
    for prefix, ring in zip(("ring", "outer"), rings, strict=True):
        sel = np.flatnonzero(ring.ravel())
        rid = ring.ravel()[sel]
        ok = np.isfinite(flat[0, sel])
        v = np.where(ok, np.nan_to_num(flat[:, sel], nan=0.0), 0.0).astype(np.float64)
        rows = [ok.astype(float), s[sel] * ok]
        if prefix == "ring":
            rows.append(np.ones(len(sel)))
            rows += [v[i] * v[i] for i in _RING_SPREAD_INDEX]
        counts = _sums(rid, np.stack(rows), n)
        out[f"{prefix}_n"], out[f"{prefix}_score"] = counts[0], counts[1]
        if prefix == "ring":
            out["ring_px"] = counts[2]
            for name, row in zip(RING_SPREAD_INPUTS, counts[3:], strict=True):
                out[f"ring_sq_{name}"] = row
        for name, row in zip(FEATURE_NAMES, _sums(rid, v, n), strict=True):
            out[f"{prefix}_{name}"] = row
    return out


def object_features(sites: gpd.GeoDataFrame) -> pd.DataFrame:
    """Site features (:data:`OBJECT_FEATURES`) from merged part sums and the polygons (metric CRS).

    A site without a valid ring pixel (one filling its window, or surrounded by cloud), or sums
    without rings, gets NaN ring features rather than made-up ones.
    """

    def col(name: str) -> np.ndarray:
        return sites[name].to_numpy(dtype=float) if name in sites else np.zeros(len(sites))

    n = col("n_px")
    mean = col("score_sum") / n
    out = {
        "mean_score": mean,
        "std_score": np.sqrt(np.maximum(col("score_sq_sum") / n - mean**2, 0)),
        "max_score": col("max_score"),
    }
    for t in SCORE_LEVELS:
        out[f"frac_score_{t}"] = col(f"n_score_{t}") / n
    ring_n, outer_n = col("ring_n"), col("outer_n")
    with np.errstate(divide="ignore", invalid="ignore"):
        out["ring_valid"] = ring_n / col("ring_px")
        out["ring_score"] = np.where(ring_n > 0, col("ring_score") / ring_n, np.nan)
        out["outer_score"] = np.where(outer_n > 0, col("outer_score") / outer_n, np.nan)
        means = {name: col(f"sum_{name}") / n for name in FEATURE_NAMES}
        for name in FEATURE_NAMES:
            out[f"mean_{name}"] = means[name]
        for name in FEATURE_NAMES:
            out[f"std_{name}"] = np.sqrt(np.maximum(col(f"sq_{name}") / n - means[name] ** 2, 0))
        for prefix, count in (("ring", ring_n), ("outer", outer_n)):
            for name in FEATURE_NAMES:
                around = col(f"{prefix}_{name}") / count
                out[f"{prefix}_contrast_{name}"] = np.where(count > 0, means[name] - around, np.nan)
        for name in RING_SPREAD_INPUTS:
            m = col(f"ring_{name}") / ring_n
            spread = np.sqrt(np.maximum(col(f"ring_sq_{name}") / ring_n - m**2, 0))
            out[f"ring_std_{name}"] = np.where(ring_n > 0, spread, np.nan)
    out.update(_shape_features(sites.geometry.to_numpy()))
    return pd.DataFrame(out, index=sites.index)[list(OBJECT_FEATURES)]


def _shape_features(geoms: np.ndarray) -> dict[str, np.ndarray]:
    area = shapely.area(geoms)
    perimeter = shapely.length(geoms)
    rect = shapely.minimum_rotated_rectangle(geoms)
    coords = [np.asarray(r.exterior.coords) if r.geom_type == "Polygon" else np.zeros((3, 2)) for r in rect]
    sides = np.array([[np.hypot(*(c[1] - c[0])), np.hypot(*(c[2] - c[1]))] for c in coords]).reshape(-1, 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "log_area_m2": np.log10(np.maximum(area, 1.0)),
            "compactness": 4 * np.pi * area / np.maximum(perimeter, 1e-9) ** 2,
            "elongation": np.nan_to_num(sides.max(axis=1) / np.maximum(sides.min(axis=1), 1.0), nan=1.0),
            "width_m": 2 * area / np.maximum(perimeter, 1e-9),
            "rectangularity": area / np.maximum(shapely.area(rect), 1e-9),
            "convexity": area / np.maximum(shapely.area(shapely.convex_hull(geoms)), 1e-9),
        }

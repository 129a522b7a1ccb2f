"""Lighter geometry for web maps, within a stated hectare tolerance.

A web map does not need survey precision, but it must not misstate areas: every geometry drawn is
simplified only as far as its hectares stay within ``max_change_pct`` of the original, and
coordinates are rounded to a fixed number of decimals, or more where a small feature needs them to
stay within that limit. Neighbouring units (a coverage such as the
regions) are simplified together with :func:`shapely.coverage_simplify`, so shared borders stay
shared: no gaps, no overlaps. Units that overlap in the source (a city drawn over its region) are
drawn as a clean coverage, with a warning giving how far that moves them from the source.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import shapely

from kzgeo.area import hectares
from kzgeo.errors import KzgeoWarning

__all__ = ["MAX_CHANGE_PCT", "area_change_pct", "simplify_for_web"]

MAX_CHANGE_PCT = 0.1

# coverage tolerances tried, in degrees, from the coarsest (about 2 km) down to none
_TOLERANCES_DEG = (0.02, 0.01, 0.005, 0.002, 0.001, 0.0005, 0.0002, 0.0001, 0.00005, 0.0)
# per-feature tolerances, as fractions of the feature's size (square root of its area), finest first
_RELATIVE_TOLERANCES = (0.005, 0.01, 0.02, 0.05, 0.1)


def area_change_pct(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Relative change of each area, in percent of ``before`` (0 where ``before`` is 0)."""
    before = np.asarray(before, dtype=float)
    after = np.asarray(after, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        change = 100.0 * np.abs(after - before) / before
    return np.where(before > 0, change, 0.0)


def _rounded(geoms: np.ndarray, digits: int) -> np.ndarray:
    # snap-rounding keeps polygons valid where plain rounding would let narrow parts cross; the final
    # np.round only trims float noise (71.37318000000001) so that the JSON stays short
    snapped = shapely.set_precision(geoms, 10.0**-digits)
    return shapely.transform(snapped, lambda xy: np.round(xy, digits))


def _ha(geoms: np.ndarray) -> np.ndarray:
    return hectares(gpd.GeoSeries(geoms, crs=4326))


_MAX_DIGITS = 8  # about 1 mm: finer than any survey; a feature that needs more is drawn unrounded


def _rounded_within(
    geoms: np.ndarray, original_ha: np.ndarray, digits: int, max_change_pct: float
) -> tuple[np.ndarray, np.ndarray]:
    """Each geometry rounded to ``digits`` decimals, or to as many more as keep its hectares within
    ``max_change_pct`` (a 1 ha plot changes by 1-3 % at 5 decimals, about 1 m), and those decimals
    (``_MAX_DIGITS + 1`` for a geometry left unrounded)."""
    best = _rounded(geoms, digits)
    places = np.full(len(geoms), digits)
    todo = np.flatnonzero(area_change_pct(original_ha, _ha(best)) > max_change_pct)
    for finer in range(digits + 1, _MAX_DIGITS + 2):
        if not len(todo):
            break
        best[todo] = _rounded(geoms[todo], finer) if finer <= _MAX_DIGITS else geoms[todo]
        places[todo] = finer
        todo = todo[area_change_pct(original_ha[todo], _ha(best[todo])) > max_change_pct]
    return best, places


def simplify_for_web(
    gdf: gpd.GeoDataFrame,
    *,
    coverage: bool = False,
    digits: int = 5,
    max_change_pct: float = MAX_CHANGE_PCT,
    name: str = "layer",
) -> gpd.GeoDataFrame:
    """Simplify a polygon layer for a web map, keeping every feature's hectares within a tolerance.

    Parameters
    ----------
    gdf : GeoDataFrame
        Polygons in EPSG:4326.
    coverage : bool
        The polygons tile the plane without overlaps (regions, districts): simplify their shared
        edges once with :func:`shapely.coverage_simplify`, one tolerance for the whole layer, so
        that neighbours still meet exactly. Otherwise each feature gets the coarsest tolerance (relative to
        its size) that keeps its own area within the limit.
    digits : int
        Decimals kept in the coordinates (5 is about 1 m, 6 about 0.1 m); a feature whose hectares
        change by more than ``max_change_pct`` at that rounding keeps up to 8 (a coverage: every
        feature, so that shared edges stay shared), or its coordinates as they are.
    max_change_pct : float
        Largest change of any feature's hectares, in percent.
    name : str
        The layer as warnings name it (its file, say).

    Returns
    -------
    GeoDataFrame
        A copy of ``gdf`` with lighter geometries, same index and columns, EPSG:4326.
    """
    out = gdf.to_crs(4326)
    geoms = out.geometry.values
    original_ha = _ha(geoms)
    if coverage and not shapely.coverage_is_valid(geoms):
        # real boundary files rarely match edge for edge; simplifying two copies of a shared border
        # apart would open slivers, so make the edges identical first
        cleaned = shapely.coverage_clean(geoms)
        cleaned_ha = _ha(cleaned)
        moved = area_change_pct(original_ha, cleaned_ha)
        if (moved > max_change_pct).any():
            # units that truly overlap (a city drawn over its region by 900 ha) cannot be drawn as a
            # coverage with their own hectares: drawn clean, without gaps or overlaps, and said so;
            # the limit then holds against the cleaned units (popups give the source's hectares)
            worst = np.argsort(-moved)[: min(3, int((moved > max_change_pct).sum()))]
            shown = ", ".join(f"{out.index[i]} {moved[i]:.2f} %" for i in worst)
            warnings.warn(
                f"{name}: {int((moved > max_change_pct).sum())} unit(s) overlap their neighbours (or "
                f"leave gaps) in the source: drawn as a clean coverage, their outlines differ from the "
                f"source by up to {moved.max():.2f} % ({shown}); popups give the source's hectares",
                KzgeoWarning,
                stacklevel=2,
            )
            original_ha = cleaned_ha
        geoms = cleaned
    if coverage:
        # one number of decimals for the whole layer, so that shared edges round alike: more of them
        # when a small unit would change by more than the limit at ``digits``
        best = None
        for tol in _TOLERANCES_DEG:
            candidate = _rounded(shapely.coverage_simplify(geoms, tol) if tol else geoms, digits)
            if area_change_pct(original_ha, _ha(candidate)).max(initial=0.0) <= max_change_pct:
                best = candidate
                break
        if best is None:  # a unit too small for ``digits``: the whole layer, unsimplified, rounded finer
            places = _rounded_within(geoms, original_ha, digits, max_change_pct)[1].max()
            best = _rounded(geoms, places) if places <= _MAX_DIGITS else geoms
    else:
        best, places = _rounded_within(geoms, original_ha, digits, max_change_pct)
        # a triangle or a quadrilateral (4 or 5 coordinates with the closing one) has nothing to lose
        todo = np.flatnonzero(shapely.get_num_coordinates(geoms) > 5)
        for fraction in _RELATIVE_TOLERANCES:  # coarser tolerances overwrite finer ones where they pass
            for step in np.unique(places[todo]):  # each at the decimals its rounding alone needed
                part = todo[places[todo] == step]
                shapes = geoms[part]
                simpler = shapely.simplify(
                    shapes, fraction * np.sqrt(shapely.area(shapes)), preserve_topology=True
                )
                candidate = _rounded(simpler, step) if step <= _MAX_DIGITS else simpler
                ok = area_change_pct(original_ha[part], _ha(candidate)) <= max_change_pct
                best[part] = np.where(ok, candidate, best[part])
    return out.set_geometry(gpd.GeoSeries(best, index=out.index, crs=4326))

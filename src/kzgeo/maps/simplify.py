"""Lighter geometry for web maps, within a stated hectare tolerance.

A web map does not need survey precision, but it must not misstate areas: every geometry drawn is
simplified only as far as its hectares stay within ``max_change_pct`` of the original, and
coordinates are rounded to a fixed number of decimals. Neighbouring units (a coverage such as the
regions) are simplified together with :func:`shapely.coverage_simplify`, so shared borders stay
shared: no gaps, no overlaps.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from kzgeo.area import hectares

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


def simplify_for_web(
    gdf: gpd.GeoDataFrame,
    *,
    coverage: bool = False,
    digits: int = 5,
    max_change_pct: float = MAX_CHANGE_PCT,
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
        Decimals kept in the coordinates (5 is about 1 m, 6 about 0.1 m).
    max_change_pct : float
        Largest change of any feature's hectares, in percent.

    Returns
    -------
    GeoDataFrame
        A copy of ``gdf`` with lighter geometries, same index and columns, EPSG:4326.
    """
    out = gdf.to_crs(4326)
    geoms = out.geometry.values
    original_ha = _ha(geoms)
    best = _rounded(geoms, digits)
    if coverage:
        if not shapely.coverage_is_valid(geoms):
            # real boundary files rarely match edge for edge; simplifying two copies of a shared border
            # apart would open slivers, so make the edges identical first
            geoms = shapely.coverage_clean(geoms)
        for tol in _TOLERANCES_DEG:
            candidate = (
                _rounded(shapely.coverage_simplify(geoms, tol), digits) if tol else _rounded(geoms, digits)
            )
            if area_change_pct(original_ha, _ha(candidate)).max(initial=0.0) <= max_change_pct:
                best = candidate
                break
    else:
        # a triangle or a quadrilateral (4 or 5 coordinates with the closing one) has nothing to lose
        todo = np.flatnonzero(shapely.get_num_coordinates(geoms) > 5)
        shapes = geoms[todo]
        size = np.sqrt(shapely.area(shapes))
        for fraction in _RELATIVE_TOLERANCES:  # coarser tolerances overwrite finer ones where they pass
            candidate = _rounded(shapely.simplify(shapes, fraction * size, preserve_topology=True), digits)
            ok = area_change_pct(original_ha[todo], _ha(candidate)) <= max_change_pct
            best[todo] = np.where(ok, candidate, best[todo])
    return out.set_geometry(gpd.GeoSeries(best, index=out.index, crs=4326))

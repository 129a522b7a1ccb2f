"""Ellipsoidal area in hectares.

The area of each feature is computed on the WGS84 ellipsoid, whatever the input CRS:

1. the vertices are transformed to longitude/latitude on WGS84 (a datum shift included, e.g. from
   SK-42 Gauss-Krüger zones);
2. every edge longer than :data:`DENSIFY_M` is split along the **geodesic** (``pyproj.Geod``), so the
   edges mean the same as in ``pyproj.Geod.geometry_area_perimeter``;
3. the vertices are projected to an Albers equal-area conic on the WGS84 ellipsoid tuned to
   Kazakhstan (standard parallels 42°N and 52°N, central meridian 68°E) — exact for area, so the only
   error left is the shape of the short edges between vertices; a ring reaching beyond 22°W–158°E or
   85°S–85°N (near the projection's seam on 112°W) is measured with ``pyproj.Geod`` instead;
4. each ring's area comes from the shoelace formula on coordinates taken relative to the ring's first
   vertex (no loss of precision for 0.01 ha plots 1,000 km from the projection's origin).

Everything is vectorised over all vertices of all features at once. See ``docs/area-method.md`` for
the measured accuracy and the Mollweide compatibility mode.
"""

from __future__ import annotations

import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Literal

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Geod, Transformer

from kzgeo.errors import CRSError, DataError, GeometryError, RepairWarning

__all__ = ["DENSIFY_M", "KZ_ALBERS", "MOLLWEIDE", "hectares"]

KZ_ALBERS = CRS.from_proj4("+proj=aea +lat_0=48 +lon_0=68 +lat_1=42 +lat_2=52 +ellps=WGS84 +units=m +no_defs")
"""The Albers equal-area conic (WGS84 ellipsoid) used for every area kzgeo reports."""

MOLLWEIDE = CRS.from_user_input("ESRI:54009")
"""World Mollweide as PROJ evaluates it (on a sphere): the projection of global protected-area statistics."""

DENSIFY_M = 2_000.0
"""Longest edge, in metres, left as a straight line in the equal-area projection; longer edges are
split along the geodesic. Chosen from the 1,000 km square test (see ``docs/area-method.md``)."""

_WGS84 = CRS.from_epsg(4326)
_GEOD = Geod(ellps="WGS84")
_M_PER_DEG = 111_320.0
_TARGETS = {"albers": KZ_ALBERS, "mollweide": MOLLWEIDE}
# Where the fast path (KZ_ALBERS) measures: within 90° of longitude of its central meridian, away from
# its seam on 112°W, and short of the poles. A ring with a vertex elsewhere (or beyond ±180°) is
# measured ring by ring with pyproj.Geod instead: correct anywhere, about 10 times slower.
_NEAR_LON = (68.0 - 90.0, 68.0 + 90.0)
_NEAR_LAT = 85.0


def hectares(
    gdf: gpd.GeoDataFrame | gpd.GeoSeries, method: Literal["albers", "mollweide"] = "albers"
) -> np.ndarray:
    """Area of each feature in hectares on the WGS84 ellipsoid.

    Parameters
    ----------
    gdf : GeoDataFrame or GeoSeries
        Features in any CRS (degrees, UTM, Web Mercator, SK-42 Gauss-Krüger, ...). Edges are read as
        geodesics between the vertices, as ``pyproj.Geod`` does; the input CRS is used only to locate
        the vertices, never to measure.
    method : {"albers", "mollweide"}
        ``"albers"`` (default): the ellipsoidal area, within 1e-6 relative of
        ``pyproj.Geod(ellps="WGS84").geometry_area_perimeter`` for 0.01 ha plots up to the whole
        country. ``"mollweide"``: the planar area in ESRI:54009 (spherical Mollweide), only to
        reproduce the global protected-area statistics; in Kazakhstan from 0.20 % smaller (north)
        to 0.06 % larger (south) than the ellipsoidal area (``docs/area-method.md``).

    Returns
    -------
    numpy.ndarray of float
        Hectares per feature, in input order (a plain array, not a Series: assign it with
        ``gdf["area_ha"] = hectares(gdf)``). ``nan`` for a missing geometry, ``0`` for an empty one,
        a point or a line; a GeometryCollection counts its polygons. Invalid polygons (a
        self-intersecting ring) are measured after ``shapely.make_valid``, with a
        :class:`~kzgeo.errors.RepairWarning`.

    Raises
    ------
    CRSError
        The input has no CRS.
    DataError
        ``method`` is not one of the two above.
    GeometryError
        A polygon in longitude/latitude has an edge jumping across the antimeridian (179° to -179°),
        which can be read both ways round the globe: split it at 180°.

    Examples
    --------
    A 100 m × 100 m square drawn in UTM zone 42N on the central meridian covers 1 / 0.9996² ha on
    the ground, because UTM shrinks lengths there by its scale factor 0.9996:

    >>> import geopandas as gpd
    >>> from shapely import box
    >>> square = gpd.GeoSeries([box(500_000, 5_000_000, 500_100, 5_000_100)], crs="EPSG:32642")
    >>> round(float(hectares(square)[0]), 6), round(1 / 0.9996**2, 6)
    (1.0008, 1.0008)
    """
    target = _TARGETS.get(method)
    if target is None:
        raise DataError(f"hectares: unknown method {method!r}; use 'albers' (ellipsoidal) or 'mollweide'")
    if not isinstance(gdf, (gpd.GeoDataFrame, gpd.GeoSeries)):
        raise DataError(
            f"hectares: got a {type(gdf).__name__}; give a GeoDataFrame or GeoSeries with a CRS "
            "(gpd.GeoSeries(geoms, crs='EPSG:4326'))"
        )
    geoms = geometry_of(gdf, "hectares") if isinstance(gdf, gpd.GeoDataFrame) else gdf
    if geoms.crs is None:
        raise CRSError("hectares: the features have no CRS; set one with gdf.set_crs(...) first")
    return _hectares(np.asarray(geoms.values, dtype=object), CRS.from_user_input(geoms.crs), target)


def frame_of(layer, role: str) -> gpd.GeoDataFrame:
    """A GeoDataFrame of ``layer`` (a GeoSeries becomes one) with an active geometry column, or a
    DataError naming ``role`` and saying what to give."""
    if isinstance(layer, gpd.GeoSeries):
        return gpd.GeoDataFrame(geometry=layer)
    if not isinstance(layer, gpd.GeoDataFrame):
        raise DataError(
            f"{role}: got a {type(layer).__name__}; give a GeoDataFrame (kzgeo.read_layer reads files)"
        )
    geometry_of(layer, role)
    return layer


def geometry_of(gdf: gpd.GeoDataFrame, role: str) -> gpd.GeoSeries:
    """The active geometry column of ``gdf``, or a GeometryError naming ``role`` and the column to set
    (geopandas raises AttributeError for a frame whose geometry column was never set)."""
    try:
        return gdf.geometry
    except AttributeError:
        geometric = [str(c) for c in gdf.columns if isinstance(gdf[c].dtype, gpd.array.GeometryDtype)]
        raise GeometryError(
            f"{role}: the GeoDataFrame has no active geometry column; set it: "
            f"gdf.set_geometry({geometric[0] if geometric else 'COLUMN'!r})"
        ) from None


def _hectares(values: np.ndarray, crs: CRS, target: CRS, checked: bool = False) -> np.ndarray:
    """:func:`hectares` of geometries in ``crs``; ``checked``: they are known valid (the statistics
    repair their inputs first), so validity is not checked again."""
    result = np.full(len(values), np.nan)
    held = np.flatnonzero(~shapely.is_missing(values))

    def invalid_of(idx: np.ndarray) -> np.ndarray:
        return idx[:0] if checked else idx[~shapely.is_valid(values[idx])]

    # PROJ, GEOS and numpy's big loops release the GIL: chunks are measured in worker threads
    # (pyproj transformers are thread-safe since pyproj 3.1) while this thread checks validity.
    # shapely.is_valid stays in this thread: it enters warnings.catch_warnings, which is not
    # thread-safe and, run in two threads at once, can leave every warning of the process ignored.
    if len(held) < _CHUNK_MIN or _WORKERS == 1:
        invalid = invalid_of(held)
        result[held] = _measured_ha(values[held], crs, target, held)
    else:
        with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
            chunks = np.array_split(held, 2 * _WORKERS)
            areas = [pool.submit(_measured_ha, values[c], crs, target, c) for c in chunks]
            invalid = invalid_of(held)
            result[held] = np.concatenate([f.result() for f in areas])
    if len(invalid):
        _warn_repair("hectares", invalid, stacklevel=4)
        result[invalid] = _measured_ha(shapely.make_valid(values[invalid]), crs, target, invalid)
    return result


_WORKERS = min(4, os.cpu_count() or 1)
_CHUNK_MIN = 20_000
"""Fewer features than this are measured in one piece (threads would cost more than they save)."""


def _measured_ha(values: np.ndarray, crs: CRS, target: CRS, positions: np.ndarray) -> np.ndarray:
    """Hectares of the polygonal part of each geometry, measured as it is (valid or not); ``positions``:
    their places in the input, for messages."""
    polygonal = _polygonal_parts(values)
    present = ~shapely.is_empty(polygonal)
    out = np.zeros(len(values))
    if present.any():
        out[present] = _ellipsoidal_m2(polygonal[present], crs, target, positions[present]) / 10_000.0
    return out


def _repaired(
    values: np.ndarray,
    role: str,
    positions: np.ndarray | None = None,
    stacklevel: int = 3,
    purpose: str = "counting hectares",
) -> np.ndarray:
    """``values`` with invalid geometries repaired by ``make_valid``, with a :class:`RepairWarning`.

    A self-intersecting ring (a bow-tie) has a signed area whose halves cancel; measured as it is,
    it would give a silently wrong number. ``positions`` are the values' places in the caller's input
    (default: 0..n-1), named in the warning.
    """
    invalid = ~shapely.is_valid(values) & ~shapely.is_missing(values)
    if not invalid.any():
        return values
    where = np.flatnonzero(invalid)
    _warn_repair(role, where if positions is None else np.asarray(positions)[where], stacklevel + 1, purpose)
    values = values.copy()
    values[invalid] = shapely.make_valid(values[invalid])
    return values


def _warn_repair(
    role: str, invalid: np.ndarray, stacklevel: int = 3, purpose: str = "counting hectares"
) -> None:
    """Warn that the features at positions ``invalid`` were repaired with make_valid."""
    n = len(invalid)
    warnings.warn(
        f"{role}: repaired {n} invalid geometr{'y' if n == 1 else 'ies'} (features "
        f"{', '.join(map(str, invalid[:5]))}{', ...' if n > 5 else ''} in input order) "
        f"with make_valid before {purpose}; shapely.is_valid_reason says why each was invalid (CLI: "
        "kzgeo info)",
        RepairWarning,
        stacklevel=stacklevel,
    )


def _has_area(values) -> bool:
    """Whether any geometry has a polygonal part (a polygon, or a GeometryCollection holding one)."""
    values = np.asarray(values, dtype=object)
    values = values[~shapely.is_missing(values)]
    return bool(len(values)) and not shapely.is_empty(_polygonal_parts(values)).all()


def _polygonal_parts(values: np.ndarray) -> np.ndarray:
    """The polygonal part of each geometry (points and lines have none)."""
    kinds = shapely.get_type_id(values)
    out = values.copy()
    simple = np.isin(kinds, (3, 6))
    out[~simple & (kinds != 7)] = shapely.Polygon()
    for i in np.flatnonzero(kinds == 7):
        parts = shapely.get_parts(values[i])
        polys = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
        out[i] = shapely.union_all(polys) if len(polys) else shapely.Polygon()
    return out


@lru_cache(maxsize=32)
def _transformer(src: CRS, dst: CRS) -> Transformer:
    # building a transformer takes tens of milliseconds; hectares() is called per table and per pair set
    return Transformer.from_crs(src, dst, always_xy=True)


def _ragged(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Coordinates and the offsets of rings, polygons and features (as ``shapely.to_ragged_array``)."""
    one_each = np.arange(len(geoms) + 1)
    if (shapely.get_type_id(geoms) == 3).all() and not shapely.get_num_interior_rings(geoms).any():
        # plain polygons without holes, the common case of plots: skip building ring objects
        ring_off = np.concatenate([[0], np.cumsum(shapely.get_num_coordinates(geoms))])
        return shapely.get_coordinates(geoms), ring_off, one_each, one_each
    _, coords, offsets = shapely.to_ragged_array(geoms, include_z=False)
    # without MultiPolygons there is one polygon per feature and no third level
    return coords, offsets[0], offsets[1], offsets[2] if len(offsets) == 3 else one_each


def _ellipsoidal_m2(geoms: np.ndarray, crs: CRS, target: CRS, positions: np.ndarray) -> np.ndarray:
    """Square metres of each polygonal geometry; ``positions`` are their places in the caller's input."""
    coords, ring_off, poly_off, geom_off = _ragged(geoms)
    if crs != _WGS84:
        lon, lat = _transformer(crs, _WGS84).transform(coords[:, 0], coords[:, 1])
        coords = np.column_stack([lon, lat])
    ring_len = np.diff(ring_off)
    far = np.zeros(len(ring_len), dtype=bool)
    if target is KZ_ALBERS:
        far = _far_rings(coords, ring_off)
    if far.any():
        _check_far(coords, ring_off, far, crs, poly_off, geom_off, positions)
        near = np.repeat(~far, ring_len)
        ring_area = np.empty(len(ring_len))
        ring_area[far] = [_geod_ring_m2(coords[ring_off[i] : ring_off[i + 1]]) for i in np.flatnonzero(far)]
        near_off = np.concatenate([[0], np.cumsum(ring_len[~far])])
        ring_area[~far] = _planar_ring_m2(coords[near], near_off, target)
    else:
        ring_area = _planar_ring_m2(coords, ring_off, target)
    poly_of_ring = np.repeat(np.arange(len(poly_off) - 1), np.diff(poly_off))
    exterior = np.zeros(len(ring_len), dtype=bool)
    exterior[poly_off[:-1][np.diff(poly_off) > 0]] = True
    poly_area = np.bincount(poly_of_ring, np.where(exterior, ring_area, -ring_area), len(poly_off) - 1)
    geom_of_poly = np.repeat(np.arange(len(geom_off) - 1), np.diff(geom_off))
    return np.bincount(geom_of_poly, poly_area, len(geom_off) - 1)


def _far_rings(coords: np.ndarray, ring_off: np.ndarray) -> np.ndarray:
    """Rings with a vertex outside :data:`_NEAR_LON` or :data:`_NEAR_LAT` (or not a longitude at all)."""
    lon, lat = coords[:, 0], coords[:, 1]
    out = ~((lon >= _NEAR_LON[0]) & (lon <= _NEAR_LON[1]) & (np.abs(lat) <= _NEAR_LAT))
    if not out.any():
        return np.zeros(len(ring_off) - 1, dtype=bool)
    return np.bincount(np.repeat(np.arange(len(ring_off) - 1), np.diff(ring_off)), out, len(ring_off) - 1) > 0


def _check_far(coords, ring_off, far, crs: CRS, poly_off, geom_off, positions) -> None:
    """Raise for far rings that no ellipsoid can measure: latitudes beyond the poles, and, in a
    geographic CRS, an edge across the antimeridian (a jump of more than 180° of longitude)."""
    geom_of_ring = np.repeat(np.arange(len(geom_off) - 1), np.diff(geom_off))[
        np.repeat(np.arange(len(poly_off) - 1), np.diff(poly_off))
    ]
    bad_lat, jump = np.zeros(len(far), dtype=bool), np.zeros(len(far), dtype=bool)
    for i in np.flatnonzero(far):
        lon, lat = coords[ring_off[i] : ring_off[i + 1]].T
        bad_lat[i] = not (np.abs(lat) <= 90).all() or not np.isfinite(lon).all()
        jump[i] = crs.is_geographic and bool((np.abs(np.diff(lon)) > 180).any())
    if bad_lat.any():
        raise CRSError(
            "hectares: some vertices fall outside the valid range of longitude/latitude; check the CRS"
        )
    if jump.any():
        where = np.unique(np.asarray(positions)[geom_of_ring[jump]])
        raise GeometryError(
            f"hectares: feature(s) {', '.join(map(str, where[:5]))}{', ...' if len(where) > 5 else ''} "
            "(in input order) cross the antimeridian as a jump of more than 180° of longitude (e.g. 179° "
            "to -179°), which longitude/latitude cannot tell from a polygon going the other way round the "
            "globe; split them at 180° (as GeoJSON, RFC 7946, asks) or give them in a projected CRS"
        )


def _geod_ring_m2(lonlat: np.ndarray) -> float:
    return abs(_GEOD.polygon_area_perimeter(lonlat[:, 0], lonlat[:, 1])[0])


def _planar_ring_m2(coords: np.ndarray, ring_off: np.ndarray, target: CRS) -> np.ndarray:
    """Area of each ring of lon/lat ``coords`` in the equal-area ``target`` (with geodesic edges if
    it is :data:`KZ_ALBERS`)."""
    geodesic = target is KZ_ALBERS
    if geodesic:
        coords, ring_off = _densify_geodesic(coords, ring_off, DENSIFY_M)
    to_target = _transformer(_WGS84, target)
    x, y = to_target.transform(coords[:, 0], coords[:, 1])
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise CRSError(
            "hectares: some vertices fall outside the valid range of longitude/latitude; check the CRS"
        )
    ring_len = np.diff(ring_off)
    ring_of_vertex = np.repeat(np.arange(len(ring_len)), ring_len)
    # relative to each ring's first vertex, so small rings far from the origin keep their precision
    x0 = x[ring_off[:-1]][ring_of_vertex]
    y0 = y[ring_off[:-1]][ring_of_vertex]
    x, y = x - x0, y - y0
    edge = np.flatnonzero(ring_of_vertex[:-1] == ring_of_vertex[1:])
    twice_area = x[edge] * y[edge + 1] - x[edge + 1] * y[edge]
    if geodesic:
        # Each edge is a geodesic, slightly curved in the projection: add the parabolic segment
        # between the chord and the curve (Simpson), 4/3 of the triangle chord-midpoint.
        mlon, mlat = _geodesic_midpoints(coords[:, 0], coords[:, 1], edge)
        mx, my = to_target.transform(mlon, mlat)
        mx, my = mx - x0[edge] - x[edge], my - y0[edge] - y[edge]
        dx, dy = x[edge + 1] - x[edge], y[edge + 1] - y[edge]
        twice_area += 4.0 / 3.0 * (mx * dy - my * dx)
    return np.abs(np.bincount(ring_of_vertex[edge], twice_area, len(ring_len))) / 2.0


def geodesic_edges(values: np.ndarray, crs, step_m: float = DENSIFY_M) -> np.ndarray:
    """Polygonal geometries with every edge longer than ``step_m`` (:data:`DENSIFY_M`) split along its
    geodesic, in their own CRS (the original vertices untouched, the new ones taken back from
    longitude/latitude).

    GEOS draws an edge as a straight line in the coordinates it is given; :func:`hectares` reads it as
    a geodesic. Overlays (union, intersection) of these geometries put their new vertices on the
    geodesics, so the pieces they make add up to what :func:`hectares` gives the whole: a 254 km region
    edge in degrees otherwise puts the districts along it hundreds of metres from where the region's
    area has it, and the districts cover 100.0007 % of the region.
    """
    values = np.asarray(values, dtype=object)
    out = values.copy()
    drawn = ~(shapely.is_missing(values) | shapely.is_empty(values))
    if not drawn.any():
        return out
    coords, ring_off, poly_off, geom_off = _ragged(values[drawn])
    crs = CRS.from_user_input(crs)
    lonlat = coords
    if crs != _WGS84:
        lonlat = np.column_stack(_transformer(crs, _WGS84).transform(coords[:, 0], coords[:, 1]))
    dense, new_off, kept = _densify_geodesic(lonlat, ring_off, step_m, slots=True)
    if len(dense) == len(coords):
        return out
    if crs != _WGS84:
        dense = np.column_stack(_transformer(_WGS84, crs).transform(dense[:, 0], dense[:, 1]))
    dense[kept] = coords  # the vertices as given, not through two transformations
    out[drawn] = shapely.from_ragged_array(
        shapely.GeometryType.MULTIPOLYGON, dense, (new_off, poly_off, geom_off)
    )
    return out


def _geodesic_midpoints(lon: np.ndarray, lat: np.ndarray, edge: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Midpoints of the short geodesics from vertex ``edge`` to ``edge + 1``, to second order.

    On a sphere the midpoint of the great circle between two points is, to second order in their
    differences ``dphi``, ``dlam`` (radians), at ``lam - tan(phi) * dphi * dlam / 4`` and
    ``phi + sin(phi) * cos(phi) * dlam**2 / 8`` (``phi``, ``lam``: the means): the bulge of the edge
    poleward of the straight line in degrees. On the ellipsoid the bulge differs by about the
    flattening (0.3 %): the midpoint is off the geodesic sideways by 0.07 mm on a 1 km edge, 0.3 %
    of a correction that is itself below 1e-5 of the area once edges are at most :data:`DENSIFY_M`
    long (measured against ``pyproj.Geod``: ``docs/area-method.md``). Pure numpy, unlike a
    ``pyproj.Geod`` call per edge.
    """
    lon1, lat1 = lon[edge], lat[edge]
    dlam = np.radians(lon[edge + 1] - lon1)
    dphi = np.radians(lat[edge + 1] - lat1)
    phi = np.radians(lat1) + dphi / 2.0
    sin_phi, cos_phi = np.sin(phi), np.cos(phi)
    lon_m = lon1 + np.degrees(dlam / 2.0 - sin_phi / cos_phi * dphi * dlam / 4.0)
    lat_m = np.degrees(phi + sin_phi * cos_phi * dlam * dlam / 8.0)
    return lon_m, lat_m


def _densify_geodesic(coords: np.ndarray, ring_off: np.ndarray, step_m: float, slots: bool = False):
    """Insert points along the geodesic of every edge longer than ``step_m`` metres.

    Returns the new lon/lat coordinates and ring offsets (and with ``slots`` where the given vertices
    went). Edge lengths are first estimated cheaply
    (equirectangular, an overestimate by at most a few percent); only the long edges go through
    ``pyproj.Geod``.
    """
    lon, lat = coords[:, 0], coords[:, 1]
    n = len(lon)
    is_last = np.zeros(n, dtype=bool)
    is_last[ring_off[1:] - 1] = True
    dlon = np.abs(np.diff(lon))
    dlat = np.abs(np.diff(lat))
    coslat = np.cos(np.radians(np.maximum(np.abs(lat[:-1]), np.abs(lat[1:]))))
    # the smaller cosine can only shorten the estimate, so compare against a step 10 % shorter
    approx_m = np.hypot(dlon * np.maximum(coslat, 0.0), dlat) * _M_PER_DEG
    long_edge = np.flatnonzero((approx_m > 0.9 * step_m) & ~is_last[:-1])
    if len(long_edge) == 0:
        return (coords, ring_off, np.arange(n)) if slots else (coords, ring_off)
    az, _, dist = _GEOD.inv(lon[long_edge], lat[long_edge], lon[long_edge + 1], lat[long_edge + 1])
    pieces = np.maximum(np.ceil(dist / step_m).astype(np.int64), 1)
    extra = np.zeros(n, dtype=np.int64)
    extra[long_edge] = pieces - 1
    if not extra.any():
        return (coords, ring_off, np.arange(n)) if slots else (coords, ring_off)
    start = np.concatenate([[0], np.cumsum(1 + extra)])
    out = np.empty((start[-1], 2))
    out[start[:-1]] = coords
    edge = np.repeat(np.arange(len(long_edge)), pieces - 1)
    first = np.concatenate([[0], np.cumsum(pieces - 1)[:-1]])
    k = np.arange(len(edge)) - first[edge] + 1
    new_lon, new_lat, _ = _GEOD.fwd(
        lon[long_edge][edge], lat[long_edge][edge], az[edge], dist[edge] * k / pieces[edge]
    )
    slot = np.repeat(start[long_edge] + 1, pieces - 1) + (k - 1)
    out[slot, 0] = new_lon
    out[slot, 1] = new_lat
    return (out, start[ring_off], start[:-1]) if slots else (out, start[ring_off])

"""Coverage-weighted zonal statistics of rasters per zone, built on exactextract.

Each pixel counts by the fraction of it that the zone covers (exactextract's exact coverage), so a
0.5 ha plot on a 10 m grid weighs its 50 pixel-equivalents exactly, edge pixels included.
Pixels are read window by window through the :class:`~kzgeo.raster.Scene`, so spectral indices are
computed on the fly and never held for the whole raster.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine
from exactextract import exact_extract
from exactextract.operation import Operation
from exactextract.raster import RasterSource
from pyproj import CRS, Geod
from rasterio.windows import Window

from kzgeo.area import _transformer, frame_of, geodesic_edges
from kzgeo.errors import (
    CRSError,
    DataError,
    KzgeoWarning,
    RasterError,
    RepairWarning,
)
from kzgeo.raster.indices import INDICES, spectral_index
from kzgeo.raster.scene import Scene, _float_for, bounded_cache, open_scene
from kzgeo.schemas import feature_ids
from kzgeo.validate import _show_ids, _without_area

__all__ = ["STATS", "zonal_stats"]

# kzgeo stat name -> exactextract operation
STATS = {
    "mean": "mean",
    "min": "min",
    "max": "max",
    "std": "stdev",
    "stdev": "stdev",
    "variance": "variance",
    "median": "median",
    "sum": "sum",
    "count": "count",
    "majority": "majority",
    "minority": "minority",
    "cv": "coefficient_of_variation",
}
_ROW = "_kzgeo_row"

_SLIVER_M = 1e-5
"""Width, metres, of the strip of a pixel a zone may touch without it being the zone's. A zone that
went through longitude and latitude (:func:`kzgeo.read_layer` hands layers over in EPSG:4326) comes
back to the raster's grid off by ~1e-9 m and touches the pixels around it by slivers of ~1e-10 of a
pixel: they would give a pixel-aligned zone its neighbours' minimum, maximum or median, and a clouded
zone a mean from the clear pixels around it. A 10 micrometre strip is 1e-6 of a 10 m pixel, 4e-10
of a 0.25° one, where a 20 m plot covers 5e-7 (see :func:`_min_coverage`)."""


def _min_coverage(grid: _Grid) -> float:
    """exactextract's ``min_coverage_frac`` for a grid: the share of a pixel a :data:`_SLIVER_M`
    strip along one side covers (pixels measured on the ground, degrees at 111 km)."""
    t = grid.transform
    side = min(abs(t.a), abs(t.e))
    metres = (
        side * 111_000.0 if grid.crs.is_geographic else side * grid.crs.axis_info[0].unit_conversion_factor
    )
    return float(min(1e-6, _SLIVER_M / max(metres, 1e-9)))


Reader = Callable[[Window], np.ndarray]


@dataclass
class _Grid:
    crs: CRS
    transform: object
    width: int
    height: int

    @property
    def extent(self) -> tuple[float, float, float, float]:
        t = self.transform
        left, top = t.c, t.f
        return (left, top + t.e * self.height, left + t.a * self.width, top)


class _WindowSource(RasterSource):
    """An exactextract raster source that reads float windows (NaN = nodata) through a callable."""

    def __init__(self, grid: _Grid, reader: Reader, name: str):
        super().__init__()
        self.grid, self.reader = grid, reader
        self.set_name(name)

    def res(self):
        return (abs(self.grid.transform.a), abs(self.grid.transform.e))

    def extent(self):
        return self.grid.extent

    def srs_wkt(self):
        return self.grid.crs.to_wkt()

    def nodata_value(self):
        return None

    def read_window(self, x0, y0, nx, ny):
        pixels = self.reader(Window(x0, y0, nx, ny))
        self.dtype = pixels.dtype  # exactextract gives its statistics in the type of the values
        return pixels


class _Layer(NamedTuple):
    prefix: str
    reader: Reader


def _as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, str) or not np.iterable(value):
        return [value]
    return list(value)


def _array_layers(raster: tuple, band) -> tuple[_Grid, list[_Layer]]:
    try:
        array, transform, crs = raster
    except (TypeError, ValueError) as exc:
        raise RasterError("raster: give a path, an open Scene or a tuple (array, transform, crs)") from exc
    if not isinstance(transform, Affine):
        raise RasterError(
            f"raster: transform {transform!r} is not an affine.Affine; give one "
            "(Affine.from_gdal(*geotransform) for a GDAL geotransform, or rasterio's dataset.transform)"
        )
    raw = np.ma.asarray(array)
    array = np.ma.filled(raw.astype(_float_for(raw.dtype)), np.nan)
    if array.ndim == 2:
        array = array[None]
    if array.ndim != 3:
        raise RasterError(
            f"raster array of shape {raw.shape}: has {raw.ndim} dimension(s); give a 2-D array (one band) "
            "or a 3-D one (bands, rows, columns)"
        )
    if crs is None:
        raise RasterError(
            "raster array: its CRS is None; give the CRS of the grid as the tuple's third item, e.g. "
            "(array, transform, 'EPSG:32642')"
        )
    if transform.b != 0 or transform.d != 0:
        raise RasterError(
            f"raster array: the transform {tuple(transform)[:6]} is rotated; warp it north-up first"
        )
    # rows stored south to north (xarray's ascending y) or columns east to west: the same cells north-up
    if transform.e > 0:
        array, transform = (
            array[:, ::-1],
            transform @ Affine.translation(0, array.shape[1]) @ Affine.scale(1, -1),
        )
    if transform.a < 0:
        array, transform = (
            array[:, :, ::-1],
            transform @ Affine.translation(array.shape[2], 0) @ Affine.scale(-1, 1),
        )
    names = [f"band{i + 1}" for i in range(array.shape[0])]
    chosen = []
    for b in _as_list(band) or names:
        key = b.lower() if isinstance(b, str) else None
        if key not in names:
            raise RasterError(f"raster array: no band {b!r}; its bands are named {', '.join(names)}")
        chosen.append(key)
    grid = _Grid(CRS.from_user_input(crs), transform, array.shape[2], array.shape[1])

    def reader(i: int) -> Reader:
        return lambda w: array[i, w.row_off : w.row_off + w.height, w.col_off : w.col_off + w.width]

    return grid, [_Layer(b, reader(names.index(b))) for b in chosen]


def _scene_layers(scene: Scene, band, index) -> list[_Layer]:
    bands, indices = _as_list(band), _as_list(index)
    if not bands and not indices:
        bands = list(scene.bands)
    layers: list[_Layer] = []
    # fails early on a missing band; a band asked for twice (b04 and B04) is summarised once
    for b in dict.fromkeys(map(scene.band_key, bands)):
        layers.append(_Layer(b.lower(), lambda w, b=b: scene.read_band(b, window=w)))
    for name in dict.fromkeys(n.lower() if isinstance(n, str) else n for n in indices):
        _one_band_is_not_an_index(scene, name)
        spectral_index(scene, name, window=Window(0, 0, 1, 1))
        layers.append(_Layer(name.lower(), lambda w, name=name: spectral_index(scene, name, window=w)))
    return layers


def _one_band_is_not_an_index(scene: Scene, name: str) -> None:
    """Refuse an index of a one-band raster (an NDVI written before, most often) by saying to
    summarise its band: its values are already what they are."""
    index = INDICES.get(str(name).lower())
    if index is None or len(scene.bands) != 1:
        return
    try:
        for common in index.bands:
            scene.band_name(common)
    except RasterError as exc:
        raise RasterError(
            f"{scene.source}: a one-band raster ({scene.bands[0]}) has no {' and '.join(index.bands)} bands "
            f"to compute {index.name.upper()} from; if it holds {index.name.upper()} (or any values) "
            "already, summarise it as a band, not an index (band=..., not index=...; CLI: --band, not "
            "--index)"
        ) from exc


_WGS84 = CRS.from_epsg(4326)


def _on_wgs84(crs: CRS) -> bool:
    """Whether a CRS is on the WGS84 datum (EPSG:4326 says 'World Geodetic System 1984 ensemble', a
    GeoTIFF's key often 'World Geodetic System 1984'): its longitudes and latitudes are WGS84's."""
    datum = crs.datum
    return datum is not None and datum.name.startswith("World Geodetic System 1984")


_EDGE_STEP_M = 250.0
"""Zone edges longer than this are split along their geodesics before they go onto the grid (where
their geodesics show: :func:`_geodesic_where_it_shows`)."""

_BOW_PX = 1e-3
"""A zone edge whose geodesic bows farther than this share of a pixel from the straight line between
its ends on the grid is split along it."""


def _geodesic_where_it_shows(values: np.ndarray, crs, grid: _Grid) -> np.ndarray:
    """Zones whose edges are split along their geodesics (as :func:`kzgeo.hectares` reads edges) where
    a geodesic bows from the straight line on the grid by more than :data:`_BOW_PX` of a pixel: a 50 km
    edge drawn straight on a 0.001° grid is ~60 m off its geodesic (0.12 % of a triangle's hectares),
    an 8 km one on a 15 m grid in degrees ~1.5 m (0.08 % of a hull's). Other zones are drawn as given:
    a zone drawn on the grid's own lines would otherwise take slivers of the pixels beside it, and
    their minimum, maximum or median (a UTM square's geodesics bow by 0.8 mm over 1 km at 750 km
    easting, a 0.25° cell's by 7 m); the bows left out move ``pixel_area_ha`` by a few 1e-6 at most.
    A square of 5 km at 750 km easting on a 10 m grid (bows of 2 cm) is split, and takes 2 cm slivers.
    """
    values = np.asarray(values, dtype=object)
    drawn = ~(shapely.is_missing(values) | shapely.is_empty(values))
    if not drawn.any():
        return values
    rings, of_geom = shapely.get_rings(values[drawn], return_index=True)
    xy, of_ring = shapely.get_coordinates(rings, return_index=True)
    same = of_ring[1:] == of_ring[:-1]  # consecutive vertices of one ring: an edge
    crs = CRS.from_user_input(crs)
    lon, lat = _transformer(crs, _WGS84).transform(xy[:, 0], xy[:, 1])
    geod = Geod(ellps="WGS84")
    a, b = np.flatnonzero(same), np.flatnonzero(same) + 1
    az, _, dist = geod.inv(lon[a], lat[a], lon[b], lat[b])
    mid_lon, mid_lat, _ = geod.fwd(lon[a], lat[a], az, np.asarray(dist) / 2)
    to_grid = _transformer(_WGS84, grid.crs)
    gx, gy = to_grid.transform(lon, lat)
    mx, my = to_grid.transform(mid_lon, mid_lat)
    bow = np.hypot(np.asarray(mx) - (gx[a] + gx[b]) / 2, np.asarray(my) - (gy[a] + gy[b]) / 2)
    pixel = min(abs(grid.transform.a), abs(grid.transform.e))
    bowed = np.zeros(int(drawn.sum()), bool)
    bowed[of_geom[of_ring[a[~(bow <= _BOW_PX * pixel)]]]] = True  # NaN (undefined) counts as bowed
    out = values.copy()
    at = np.flatnonzero(drawn)[bowed]
    out[at] = geodesic_edges(values[at], crs, _EDGE_STEP_M)
    return out


_FACTOR_STEP = 32
"""Cells between the nodes where a projected grid's cell areas are computed (bilinear between)."""


def _projected_cell_areas(grid: _Grid) -> Reader:
    """Reader of each cell's ellipsoidal area in hectares on a projected grid, or any grid not on WGS84.

    Each cell's corners are taken to longitude and latitude on WGS84 (as :func:`kzgeo.hectares` takes
    a zone's vertices) and its area measured on the WGS84 ellipsoid (the quadrilateral in radians
    times the radii of curvature at its centre, exact to about 1e-9 for a 10 m cell); computed once
    at nodes every :data:`_FACTOR_STEP` cells (farther apart on grids of more than 16,384 cells a
    side), bilinear in between. A cell of Web Mercator at
    51° N covers 0.39 of its grid area, one at the edge of a UTM zone about 0.9994.
    """
    from pyproj import Transformer

    t = grid.transform
    # on WGS84, datum shift included (Pulkovo 1942 grids), as kzgeo.hectares measures the zones
    to_lonlat = Transformer.from_crs(grid.crs, _WGS84, always_xy=True)
    ellps = _WGS84.ellipsoid
    a, e2 = ellps.semi_major_metre, 1 - (ellps.semi_minor_metre / ellps.semi_major_metre) ** 2

    def cell_ha(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Ellipsoidal hectares of the cells at ``rows`` x ``cols`` (cell indices, any floats)."""
        cc, rr = np.meshgrid(cols, rows)
        lonlat = [
            to_lonlat.transform(*(t @ (cc + dc, rr + dr))) for dc, dr in ((0, 0), (1, 0), (1, 1), (0, 1))
        ]
        lon = np.radians(np.stack([p[0] for p in lonlat]))
        lat = np.radians(np.stack([p[1] for p in lonlat]))
        # shoelace of the four corners in radians, then the ellipsoid's area element at the centre
        quad = 0.5 * np.abs((lon[0] - lon[2]) * (lat[1] - lat[3]) - (lon[1] - lon[3]) * (lat[0] - lat[2]))
        phi = lat.mean(axis=0)
        w = 1 - e2 * np.sin(phi) ** 2
        radii = a * a * (1 - e2) / w**2 * np.cos(phi)  # meridian radius x (normal radius x cos phi)
        return quad * radii / 10_000.0

    # nodes every _FACTOR_STEP cells (more apart on a grid so large that they would not fit ~512 x 512)
    step = max(_FACTOR_STEP, -(-max(grid.height, grid.width) // 512))
    rows = np.arange(0, grid.height + step, step, dtype=np.float64)
    cols = np.arange(0, grid.width + step, step, dtype=np.float64)
    nodes = cell_ha(rows, cols)
    if not np.isfinite(nodes).all():
        raise RasterError(
            f"raster in {grid.crs.to_string()}: the projection is undefined over part of the grid, so its "
            "cell areas are unknown; reproject the raster to the local UTM zone"
        )

    def between(start: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Node index before each of ``n`` cells from ``start``, and the cell's fraction of the way on."""
        at = np.arange(start, start + n, dtype=np.float64) / step
        i = np.minimum(at.astype(np.int64), len(rows) - 2) if len(rows) > 1 else np.zeros(n, np.int64)
        return i, at - i

    def reader(w: Window) -> np.ndarray:
        ri, fr = between(w.row_off, w.height)
        ci, fc = between(w.col_off, w.width)
        r1, c1 = np.minimum(ri + 1, len(rows) - 1), np.minimum(ci + 1, len(cols) - 1)
        # along the columns on the node rows (small), then along the rows, a run of rows between the
        # same two node rows at a time: node row + fraction x (next node row - node row), two passes
        across = nodes[:, ci] * (1 - fc) + nodes[:, c1] * fc
        out = np.empty((int(w.height), int(w.width)))
        starts = np.flatnonzero(np.r_[True, ri[1:] != ri[:-1]]) if len(ri) else np.zeros(0, np.int64)
        for a, b in zip(starts, np.r_[starts[1:], len(ri)][: len(starts)], strict=True):
            top = across[ri[a]]
            np.multiply.outer(fr[a:b], across[r1[a]] - top, out=out[a:b])
            out[a:b] += top
        return out

    return reader


def _geographic_cell_areas(grid: _Grid) -> Reader:
    """Reader of each cell's ellipsoidal area in hectares (rows differ by latitude)."""
    geod = Geod(ellps="WGS84")
    t = grid.transform
    dx, dy = abs(t.a), abs(t.e)
    tops = t.f + t.e * np.arange(grid.height)
    row_ha = (
        np.array([abs(geod.polygon_area_perimeter([0, dx, dx, 0], [y, y, y - dy, y - dy])[0]) for y in tops])
        / 10_000.0
    )

    def reader(w: Window) -> np.ndarray:
        rows = row_ha[w.row_off : w.row_off + w.height, None]
        return np.broadcast_to(rows, (w.height, w.width)).astype(np.float64)

    return reader


def _tile_order(zones: gpd.GeoDataFrame, grid: _Grid, tile: int = 512) -> gpd.GeoDataFrame:
    """Zones sorted by the raster tile under their bounding-box centre, so tiles are decoded once."""
    b = zones.geometry.bounds.to_numpy()
    inv = ~grid.transform
    cols, rows = inv @ ((b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2)
    order = np.lexsort((np.floor(cols / tile), np.floor(rows / tile)))
    return zones.iloc[order]


def _open(raster) -> tuple[Scene | None, bool]:
    """(scene, whether kzgeo opened it) of a raster given as a path or Scene; (None, False) for arrays."""
    if isinstance(raster, Scene):
        return raster, False
    if isinstance(raster, (str, os.PathLike)):
        return open_scene(raster), True
    return None, False


def _zonal_one(zones: gpd.GeoDataFrame, raster, stats: Sequence[str], band, index) -> pd.DataFrame:
    """Statistics of one raster (one grid) for zones; rows in zone order, columns named with units."""
    scene, owned = _open(raster)
    try:
        if scene is None:
            if index is not None:
                raise RasterError("an index needs named bands: pass a path or a Scene, not an array")
            grid, layers = _array_layers(raster, band)
        else:
            grid = _Grid(CRS.from_user_input(scene.crs), scene.transform, scene.width, scene.height)
            layers = _scene_layers(scene, band, index)
        return _extract(zones, grid, layers, stats)
    finally:
        if owned:
            scene.close()


def _column(prefix: str, stat: str) -> str:
    """Output column of a statistic: ``ndvi_mean``; a count is in (coverage-weighted) pixels."""
    return f"{prefix}_count_px" if stat == "count" else f"{prefix}_{stat}"


_MEDIAN_BATCH_PX = 16_000_000
"""Pixels (of the zones' bounding boxes) whose values are held at once for medians computed here."""


def _weighted_median(values: np.ndarray, cover: np.ndarray) -> float:
    """Median of ``values`` weighted by the zone's ``cover`` of each cell.

    The value at which the cells sorted by value reach half the zone's covered weight; where they reach
    exactly half, the mean of that value and the next (``np.median`` of the cells when every cell is
    wholly inside the zone). Not exactextract's own ``median``, a weighted quantile that pools equal
    values and interpolates between them: it gives 0.55 for nine cells of 0.2 and one of 0.9 (the
    mean is 0.27). NaN (no data) and cells the zone does not cover are left out.

    Selection, not a sort: the cells wholly inside (weight 1) are partitioned around the ranks where
    half the weight can fall, given the few on the zone's edge, and only the cells between are sorted.
    """
    keep = ~np.isnan(values) & (cover > 0)
    if not keep.all():
        values, cover = values[keep], cover[keep]
    if not len(values):
        return np.nan
    whole = cover == 1.0
    if whole.all():  # numpy's median, the middle two averaged in double
        m = len(values) // 2
        if len(values) % 2:
            return float(np.partition(values, m)[m])
        part = np.partition(values, [m - 1, m])
        return (float(part[m - 1]) + float(part[m])) / 2
    inside, edge_v, edge_c = values[whole], values[~whole], cover[~whole]
    n = len(inside)
    half = 0.5 * (n + edge_c.sum())
    # whole cells below rank lo, with every edge cell, weigh less than half; from rank hi on, more
    lo = max(0, int(np.floor(half - edge_c.sum())) - 1)
    hi = min(n - 1, int(np.ceil(half)) + 1)
    below = 0.0
    if n:
        part = np.partition(inside, [lo, hi])
        x_lo, x_hi = part[lo], part[hi]
        take = np.ones(len(edge_v), bool)
        if lo > 0:  # ranks under lo, and edge cells under their value, weigh in below
            take &= edge_v >= x_lo
            below = lo + edge_c[edge_v < x_lo].sum()
        if hi < n - 1:
            take &= edge_v <= x_hi
        x = np.r_[part[lo : hi + 1], edge_v[take]]
        w = np.r_[np.ones(len(x) - int(take.sum())), edge_c[take]]
    else:
        x, w = edge_v, edge_c
    order = np.argsort(x, kind="stable")
    x, cum = x[order], below + np.cumsum(w[order])
    # the first value whose cumulative weight reaches half (up to the rounding of the sum)
    k = min(int(np.searchsorted(cum, half * (1 - 1e-12), side="left")), len(x) - 1)
    if k + 1 < len(x) and abs(cum[k] - half) <= 1e-12 * 2 * half:
        return (float(x[k]) + float(x[k + 1])) / 2  # exactly half below: between it and the next cell
    return float(x[k])


def _batches(zones: gpd.GeoDataFrame, grid: _Grid, limit: int) -> Iterator[gpd.GeoDataFrame]:
    """Runs of ``zones`` (in their order) whose bounding boxes hold about ``limit`` pixels at most."""
    b = zones.geometry.bounds.to_numpy()
    px = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]) / abs(grid.transform.a * grid.transform.e)
    start, held = 0, 0.0
    for i, p in enumerate(px):
        if held and held + p > limit:
            yield zones.iloc[start:i]
            start, held = i, 0.0
        held += p
    if start < len(zones):
        yield zones.iloc[start:]


def _extract(zones: gpd.GeoDataFrame, grid: _Grid, layers: list[_Layer], stats) -> pd.DataFrame:
    if zones.crs is None:
        raise CRSError(
            "zones: the layer has no CRS; set one with gdf.set_crs(...) or read it with kzgeo.read_layer"
        )
    drawn = gpd.GeoSeries(_geodesic_where_it_shows(zones.geometry.values, zones.crs, grid), crs=zones.crs)
    local = gpd.GeoDataFrame(
        {_ROW: np.arange(len(zones))}, geometry=drawn.to_crs(grid.crs).values, crs=grid.crs
    )
    usable = _tile_order(local[~(local.geometry.isna() | local.geometry.is_empty)], grid)
    ops = []
    sources = []  # exactextract's operations do not keep their Python raster sources alive
    own = {"min_coverage_frac": _min_coverage(grid)}  # the zone's own pixels, not its neighbours' slivers
    # medians are computed here from the zones' values and coverage (see _weighted_median)
    here = [layer.prefix for layer in layers] if "median" in stats else []
    for layer in layers:
        src = _WindowSource(grid, layer.reader, layer.prefix)
        sources.append(src)
        for s in stats:
            if s == "median" and layer.prefix in here:
                ops += [
                    Operation("values", f"{layer.prefix}__values", src, None, own),
                    Operation("coverage", f"{layer.prefix}__cover", src, None, own),
                ]
            else:
                ops.append(Operation(STATS[s], _column(layer.prefix, s), src, None, own))
        ops.append(Operation("count", f"{layer.prefix}__valid", src, None, own))
    # a WGS84 longitude/latitude grid: areas by row; any other grid (projected, or on another datum,
    # whose cells move and change size in the shift to WGS84) from its cells' corners
    by_row = grid.crs.is_geographic and _on_wgs84(grid.crs)
    cell_areas = _geographic_cell_areas(grid) if by_row else _projected_cell_areas(grid)
    areas = _WindowSource(grid, cell_areas, "_cell_ha")
    sources.append(areas)
    # the zone's cells on the raster (with data or not) and its hectares on them, coverage-weighted.
    # Beside a median, majority or minority, exactextract keeps every distinct value of every source
    # in the call, and the cell areas have one per cell (a 16 M-pixel zone: 26 s and 1 GB more): then
    # both come from a raster of ones, the hectares as ones weighted by the cell areas
    if {"median", "majority", "minority"} & set(stats):
        ones = _WindowSource(grid, lambda w: np.ones((int(w.height), int(w.width)), np.uint8), "_one")
        sources.append(ones)
        ops.append(Operation("count", "_total", ones, None, own))
        ops.append(Operation("weighted_sum", "_area_ha", ones, areas))
    else:
        ops.append(Operation("count", "_total", areas, None, own))
        ops.append(Operation("sum", "_area_ha", areas))
    parts = []
    # medians computed here hold their zones' values: a few zones at a time
    for batch in _batches(usable, grid, _MEDIAN_BATCH_PX) if here else [usable] if len(usable) else []:
        with bounded_cache():
            part = exact_extract(None, batch, ops, include_cols=[_ROW], output="pandas")
        for src in sources:
            if src.name() in here:  # in the type of float values; of integers, a float (1.5 for 1 and 2)
                kind = np.dtype(getattr(src, "dtype", np.float64))
                out = kind if kind.kind == "f" else np.dtype(np.float64)
                part[_column(src.name(), "median")] = [
                    out.type(_weighted_median(np.asarray(v, dtype=kind), np.asarray(c, dtype=float)))
                    if len(v)
                    else np.nan
                    for v, c in zip(
                        part.pop(f"{src.name()}__values"), part.pop(f"{src.name()}__cover"), strict=True
                    )
                ]
        parts.append(part)
    if parts:
        raw = pd.concat(parts, ignore_index=True)
    else:  # no zone with a geometry: every column empty
        names = [_ROW, "_total", "_area_ha"]
        names += [_column(layer.prefix, s) for layer in layers for s in stats]
        names += [f"{layer.prefix}__valid" for layer in layers]
        raw = pd.DataFrame({name: pd.Series(dtype=float) for name in names})
    raw = raw.set_index(_ROW).reindex(np.arange(len(zones)))
    total = raw["_total"].fillna(0.0).to_numpy()
    out = pd.DataFrame(index=raw.index)
    for layer in layers:
        prefix = layer.prefix
        none_valid = raw[f"{prefix}__valid"].fillna(0.0).to_numpy() == 0
        for s in stats:
            values = raw[_column(prefix, s)].to_numpy(dtype=float)
            if s == "sum":  # no valid pixel sums to nothing known, not to 0 (a clouded plot)
                values = np.where(none_valid, np.nan, values)
            out[_column(prefix, s)] = values
        valid_col = "valid_pct" if len(layers) == 1 else f"{prefix}_valid_pct"
        with np.errstate(divide="ignore", invalid="ignore"):
            # coverage fractions summed two ways differ in the last bits: 99.99999999999999 is 100
            pct = 100.0 * raw[f"{prefix}__valid"].to_numpy(dtype=float) / total
            out[valid_col] = np.clip(np.where(np.abs(pct - 100.0) < 1e-9, 100.0, pct), 0.0, 100.0)
    out.loc[total == 0, :] = np.nan
    out["pixel_area_ha"] = raw["_area_ha"].fillna(0.0).to_numpy()
    return out


def _describe(raster) -> str:
    if isinstance(raster, (str, os.PathLike)):
        return str(raster)
    if isinstance(raster, Scene):
        return f"{raster.source}, {raster.crs.to_string()}"
    return "array"


def _warn_partly(ids: pd.Series, pixel_ha: np.ndarray, zone_ha: np.ndarray, label: str) -> None:
    """Warn about zones of which less than 99 % lies on the raster: their statistics describe a part."""
    with np.errstate(invalid="ignore", divide="ignore"):
        share = pixel_ha / zone_ha
    partly = (pixel_ha > 0) & (share < 0.99)
    shown = [f"{i}: {_percent(p)} inside" for i, p in zip(ids[partly], share[partly], strict=True)]
    _warn_zones(ids, shown, f"lie partly outside the raster{label}", " ", "describe only that share")


def _percent(share: float) -> str:
    """A share as a percentage, with two significant digits under 1 % (never '0 %' for a sliver)."""
    pct = 100.0 * share
    if pct >= 1:
        return f"{pct:.0f} %"
    return f"{pct:.{1 - int(np.floor(np.log10(pct)))}f} %"


def _warn_outside(ids: pd.Series, outside: np.ndarray, label: str) -> None:
    shown = [str(i) for i in ids[outside]]
    _warn_zones(ids, shown, f"have no pixel in the raster{label}", ": ", "are NaN")


def _warn_no_valid(ids: pd.Series, empty: np.ndarray) -> None:
    shown = [str(i) for i in ids[empty]]
    _warn_zones(ids, shown, "have no valid pixel (nodata, cloud, shadow or snow)", ": ", "are NaN")


def _warn_zones(ids: pd.Series, shown: list[str], what: str, lead: str, statistics: str) -> None:
    """One KzgeoWarning naming up to five of the zones ``shown`` (and how many more) and what is wrong
    with them."""
    if shown:
        warnings.warn(
            f"{len(shown)} of {len(ids)} zones {what} ({ids.name}{lead}{_show_ids(shown)}); "
            f"their statistics {statistics}",
            KzgeoWarning,
            stacklevel=5,  # the caller of zonal_stats
        )


def _polygons_only(zones: gpd.GeoDataFrame, ids: pd.Series) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """The zones as polygons (a GeometryCollection as its polygons, as :func:`kzgeo.hectares` counts
    it) and which of them have one. A zone without (a point, a line, empty or missing) gets NaN
    statistics and a warning naming it; a layer of points or lines only is refused."""
    from kzgeo.area import _polygonal_parts, _repaired

    # a bow-tie measured as it is would cover the wrong pixels: repaired, as kzgeo.hectares does
    geoms = _repaired(
        np.asarray(zones.geometry.values, dtype=object), "zones", stacklevel=5, purpose="zonal statistics"
    )
    present = ~shapely.is_missing(geoms)
    polygons = np.full(len(geoms), None, dtype=object)
    polygons[present] = _polygonal_parts(geoms[present])
    drawn = present & ~shapely.is_empty(polygons)
    shapes = present & ~shapely.is_empty(geoms) & ~drawn  # points, lines, collections of them
    if shapes.any() and not drawn.any():
        raise _without_area("zones", {g.geom_type for g in geoms[shapes]}, "zonal")
    what = np.where(
        shapes, [getattr(g, "geom_type", "") for g in geoms], np.where(present, "empty", "missing")
    )
    shown = [f"{i} {w}" for i, w in zip(ids[~drawn], what[~drawn], strict=True)]
    _warn_zones(ids, shown, "have no polygon", ": ", "are NaN")
    geometry = gpd.GeoSeries(np.where(drawn, polygons, None), index=zones.index, crs=zones.crs)
    return zones.set_geometry(geometry), drawn


def zonal_stats(
    zones: gpd.GeoDataFrame | gpd.GeoSeries,
    raster,
    *,
    stats: Iterable[str] = ("mean", "min", "max", "std"),
    band: str | Sequence[str] | None = None,
    index: str | Sequence[str] | None = None,
    zone_id: str | None = None,
) -> pd.DataFrame:
    """Coverage-weighted statistics of raster values per zone (exactextract).

    Parameters
    ----------
    zones : GeoDataFrame or GeoSeries
        Polygons in any CRS; they are reprojected to the raster's CRS. A GeometryCollection counts
        its polygons (as :func:`kzgeo.hectares` does); a point, a line or an empty or missing
        geometry among them gets NaN statistics and a :class:`KzgeoWarning` naming it.
    raster : path, Scene, tuple (array, transform, crs), or mapping of label to any of these
        A path is opened with :func:`kzgeo.open_scene` (so Sentinel-2/Landsat scaling and cloud masks
        apply). An array is 2-D or ``(bands, h, w)``; NaN and masked cells are nodata. A mapping (e.g.
        ``{date: scene}``) computes every entry in one call and suffixes its columns with ``_<label>``.
    stats : iterable of str
        Any of ``mean, min, max, std, variance, median, sum, count, majority, minority, cv``, each
        weighted by the share of a pixel inside the zone as exactextract defines it: ``std`` and
        ``variance`` are the population's (numpy's ``ddof=0``); ``median`` is the coverage-weighted
        median, the value at which the zone's pixels sorted by value reach half its covered weight
        (``np.median`` of a zone's pixels when it covers each wholly; nine pixels of 0.2 and one of
        0.9 give 0.2, where exactextract's own ``median``, a quantile that interpolates between
        pooled values, gives 0.55); of an integer raster it is a float (1.5 between 1 and 2).
    band : str or list of str, optional
        Bands to summarise; by default all bands of the scene unless ``index`` is given.
    index : str or list of str, optional
        Spectral indices (``ndvi``, ``bsi``, ...) computed on the fly from the scene's bands.
    zone_id : str, optional
        Column that identifies the zones; by default the layer kind's id column (``plot_id``,
        ``pa_id``, ...), then ``zone_id`` or ``id``, else the index.

    Returns
    -------
    pandas.DataFrame
        Indexed by the zone id, one row per zone in input order. Columns ``<layer>_<stat>`` (the layer is
        the lower-case band or index name, e.g. ``ndvi_mean``, ``b04_std``; ``count`` becomes
        ``<layer>_count_px``, coverage-weighted pixels), ``valid_pct`` (coverage-weighted share of the
        zone's pixels that hold data, neither nodata nor masked; ``<layer>_valid_pct`` with several
        layers) and ``pixel_area_ha`` (hectares of the zone covered by raster cells: coverage × the
        cell's ellipsoidal area, so a Web Mercator or UTM grid gives the same hectares as
        :func:`kzgeo.hectares`). A pixel that a zone touches by a strip under 10 micrometres
        wide (1e-6 of a 10 m pixel: a sliver left by a trip through longitude and latitude) is not
        the zone's, so a pixel-aligned zone's ``min``, ``max`` and ``median`` are its own pixels'.
        Zones without any pixel get NaN statistics, ``pixel_area_ha`` 0 and a :class:`KzgeoWarning`;
        zones whose pixels are all nodata or masked get NaN statistics (``sum`` too; count 0,
        ``valid_pct`` 0) and, for a single raster (not a mapping of dates, where clouded dates are
        the rule), a :class:`KzgeoWarning`.

    Raises
    ------
    DataError
        For an unknown statistic or ``zone_id`` column.
    CRSError
        If the zones have no CRS.
    GeometryError
        If the zones are points or lines only (give polygons, or buffer them into polygons).
    RasterError
        For a raster without a band or index asked for.
    DataError
        When no zone overlaps the raster (a wrong file or CRS); a raster of a mapping that no zone
        overlaps only warns.

    Examples
    --------
    >>> table = zonal_stats(plots, "scene.tif", stats=["mean"], index="ndvi")  # doctest: +SKIP
    >>> table["ndvi_mean"]  # doctest: +SKIP
    """
    return _zonal_stats(zones, raster, stats, band, index, zone_id, refuse_none=True)


def zone_hectares(zones: gpd.GeoDataFrame | gpd.GeoSeries) -> np.ndarray:
    """Hectares of each zone, without a repair report (NaN without a CRS): to tell zones partly off a
    raster by their hectares on its cells."""
    from kzgeo.area import hectares

    if len(zones) == 0 or zones.crs is None:
        return np.full(len(zones), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RepairWarning)
        return np.asarray(hectares(zones), dtype=float)


def _zonal_stats(
    zones, raster, stats, band, index, zone_id, *, refuse_none: bool, zone_ha: np.ndarray | None = None
) -> pd.DataFrame:
    """:func:`zonal_stats`; ``refuse_none`` false only warns when no zone overlaps a single raster
    (one date of a time series); ``zone_ha``, the zones' :func:`zone_hectares` when known."""
    zones = frame_of(zones, "zones")
    stats = [stats] if isinstance(stats, str) else list(stats)  # stats="mean" is one statistic
    unknown = [s for s in stats if s not in STATS]
    if unknown or not stats:
        raise DataError(
            f"zonal_stats: unknown statistic {unknown[0] if unknown else '(none given)'}; "
            f"choose from {', '.join(STATS)}"
        )
    ids = feature_ids(zones, zone_id, role="zones", param="zone_id", also=("zone_id",))
    zones, drawn = _polygons_only(zones, ids)
    zone_ha = zone_hectares(zones) if zone_ha is None else zone_ha
    if isinstance(raster, Mapping):
        parts = []
        for label, r in raster.items():
            part = _zonal_one(zones, r, stats, band, index)
            _warn_outside(ids, drawn & (part["pixel_area_ha"].to_numpy() == 0), f" {label}")
            _warn_partly(ids, part["pixel_area_ha"].to_numpy(), zone_ha, f" {label}")
            parts.append(part.add_suffix(f"_{label}"))
        out = pd.concat(parts, axis=1)
    else:
        out = _zonal_one(zones, raster, stats, band, index)
        outside = drawn & (out["pixel_area_ha"].to_numpy() == 0)
        if refuse_none and drawn.any() and outside[drawn].all():
            raise DataError(
                f"zones: none of the {int(drawn.sum())} zone(s) overlaps the raster "
                f"({_describe(raster)}); check that both cover the same place and that each declares "
                "its real CRS"
            )
        _warn_outside(ids, outside, "")
        _warn_partly(ids, out["pixel_area_ha"].to_numpy(), zone_ha, "")
        valid = out[[c for c in out.columns if c.endswith("valid_pct")]].to_numpy()
        empty = ~outside & drawn & (np.nan_to_num(valid) == 0).all(axis=1)
        _warn_no_valid(ids, empty)
    out.index = pd.Index(ids.to_numpy(), name=ids.name)
    return out

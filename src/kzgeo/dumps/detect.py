"""Window-by-window dump detection: scores, hysteresis, polygons, merged across window borders.

Each window of the scene is read with a halo of :data:`WINDOW_HALO` pixels, so its core gets the same
features and the same hysteresis as if the whole scene were in memory. Only the core is vectorised;
polygons of neighbouring windows that touch are merged at the end, so a site on a window border is one
site. Memory depends on the window size, not on the scene size.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import rasterio
import shapely
from affine import Affine
from pyproj import Proj, Transformer
from rasterio import features as rfeatures
from rasterio.windows import Window
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from tqdm import tqdm

from kzgeo.dumps.features import (
    BANDS,
    CONTEXT_HALO,
    HALO,
    MASK_KINDS,
    WIDEST_BOX,
    candidates,
    compute_features,
    spectral_mask,
)
from kzgeo.dumps.model import DumpModel, load_model
from kzgeo.dumps.objects import part_sums, site_rings
from kzgeo.dumps.status import NOT_OBSERVED, assign_status, check_layers, compare_sites
from kzgeo.errors import DataError, KzgeoError, KzgeoWarning, RasterError, warn_caller

__all__ = ["SITE_COLUMNS", "WINDOW_HALO", "Thresholds", "detect_dumps", "score_cube", "touching_groups"]

WINDOW_HALO = HALO + 16
"""Halo read around each window: the features' reach plus room for hysteresis to connect (plus
:data:`~kzgeo.dumps.features.CONTEXT_HALO` for a model with a context stage)."""

SITE_COLUMNS = ("site_id", "score", "pixel_score", "area_ha", "tier", "status")
"""Columns of the site layer (plus ``change`` when a previous season is given, and ``geometry``)."""

GDAL_CACHE_MB = 64
"""GDAL block cache while reading a scene, MB."""

_EIGHT = np.ones((3, 3), dtype=bool)
_CROSS = ndimage.generate_binary_structure(2, 1)


@dataclass(frozen=True)
class Thresholds:
    """Decision thresholds on the per-pixel score and the site probability.

    ``site`` and ``confident`` left unset are the model card's when detection runs (:meth:`with_card`):
    ``Thresholds(high=0.6)`` changes how sites are seeded and keeps the card's site cut.

    Attributes
    ----------
    high : float
        Score a pixel needs to seed a site.
    low : float
        Score that lets a pixel join a site it touches (hysteresis).
    site : float, optional
        Site-classifier probability a candidate needs to be reported; default the model card's (0.5 if
        the card has none).
    confident : float, optional
        Site probability from which the tier is ``confident`` rather than ``review``; default the model
        card's if it is not below ``site``, else halfway between ``site`` and 1.
    min_area_ha : float
        Smaller sites are dropped (0.03 ha is three 10 m pixels).
    max_ndvi : float
        Pixels greener than this are not scored at all (dense vegetation is never a dump).

    Examples
    --------
    >>> from kzgeo.dumps import Thresholds
    >>> Thresholds(high=0.6).with_card({"thresholds": {"site": 0.84, "confident": 0.96}})
    Thresholds(high=0.6, low=0.3, site=0.84, confident=0.96, min_area_ha=0.03, max_ndvi=0.6)
    """

    high: float = 0.5
    low: float = 0.3
    site: float | None = None
    confident: float | None = None
    min_area_ha: float = 0.03
    max_ndvi: float = 0.6

    def __post_init__(self):
        given = ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items() if v is not None)
        probabilities = [v for v in (self.high, self.low, self.site, self.confident) if v is not None]
        if (
            not all(0 <= v <= 1 for v in probabilities)
            or self.low > self.high
            or self.min_area_ha < 0
            or not -1 <= self.max_ndvi <= 1
        ):
            raise DataError(
                f"Thresholds({given}): scores and probabilities lie in 0..1 with low <= high, "
                "min_area_ha is 0 or more and max_ndvi lies in -1..1"
            )

    @classmethod
    def from_card(cls, card: dict, **override) -> Thresholds:
        """All thresholds of a model card, with ``override`` (None leaves the card's value)."""
        known = {k: v for k, v in card.get("thresholds", {}).items() if k in cls.__dataclass_fields__}
        known.update({k: v for k, v in override.items() if v is not None})
        return cls(**known).with_card(card)

    def with_card(self, card: dict) -> Thresholds:
        """These thresholds with ``site`` and ``confident``, where unset, from a model card."""
        known = card.get("thresholds") or {}
        site = self.site if self.site is not None else known.get("site")
        site = 0.5 if site is None else site  # a card without a tuned cut (a training under way)
        confident = self.confident if self.confident is not None else known.get("confident")
        if self.confident is None and confident is not None and confident < site:
            confident = None  # the card's, below a site cut set higher: halfway between it and 1 instead
        return replace(self, site=float(site), confident=None if confident is None else float(confident))


class _ArrayScene:
    """Band arrays in memory behind the reading interface of :class:`kzgeo.raster.Scene`."""

    def __init__(self, bands: Mapping[str, np.ndarray], transform, crs):
        missing = [b for b in BANDS if b not in bands]
        if missing:
            raise RasterError(
                f"band arrays: missing {', '.join(missing)}; detect_dumps needs {' '.join(BANDS)} "
                "(Sentinel-2 reflectance 0..1, 20 m bands resampled to 10 m)"
            )
        if transform is None or crs is None:
            raise RasterError(
                "band arrays: no georeferencing; pass transform= (affine.Affine) and crs= (e.g. 'EPSG:32642')"
            )
        shapes = {np.shape(bands[b]) for b in BANDS}
        if len(shapes) != 1 or len(next(iter(shapes))) != 2:
            raise RasterError(f"band arrays: bands must be 2-D and of one shape, got {sorted(shapes)}")
        self._bands = {b: np.asarray(bands[b], dtype=np.float32) for b in BANDS}
        sample = self._bands["B04"][:: max(1, self._bands["B04"].shape[0] // 64)]
        typical = float(np.nanmedian(sample)) if np.isfinite(sample).any() else 0.0
        if typical > 1.5:
            raise RasterError(
                f"band arrays: red reflectance of {typical:g} is typical of these arrays; detect_dumps takes "
                "reflectance 0..1 (divide Sentinel-2 digital numbers by 10000, percentages by 100)"
            )
        self.bands = BANDS
        self.height, self.width = next(iter(shapes))
        if not isinstance(transform, Affine):  # a GDAL geotransform's order is not Affine's
            raise RasterError(
                f"band arrays: transform={transform!r} is not an affine.Affine; pass Affine(a, b, c, d, e, "
                "f) (rasterio's dataset.transform), or Affine.from_gdal(*geotransform) for GDAL's order"
            )
        self.transform = transform
        self.crs = rasterio.crs.CRS.from_user_input(crs)
        self.has_mask = False
        self.source = Path("band arrays")

    def read(self, bands, window: Window) -> np.ndarray:
        r0, c0 = int(window.row_off), int(window.col_off)
        sl = (slice(r0, r0 + int(window.height)), slice(c0, c0 + int(window.width)))
        return np.stack([self._bands[b][sl] for b in bands])


def _windows(height: int, width: int, size: int, halo: int) -> Iterator[tuple[Window, Window]]:
    """(core, core grown by the halo and clipped to the scene), row by row."""
    for row in range(0, height, size):
        for col in range(0, width, size):
            core = Window(col, row, min(size, width - col), min(size, height - row))
            r0, c0 = max(row - halo, 0), max(col - halo, 0)
            r1, c1 = min(row + size + halo, height), min(col + size + halo, width)
            yield core, Window(c0, r0, c1 - c0, r1 - r0)


def score_cube(
    cube: np.ndarray, model: DumpModel | None = None, *, has_mask: bool = False, max_ndvi: float = 0.6
) -> tuple[np.ndarray, np.ndarray]:
    """Per-pixel dump score in [0, 1] of a ``(10, h, w)`` reflectance cube, and the feature stack.

    Parameters
    ----------
    cube : ndarray
        Reflectance in the order of :data:`~kzgeo.dumps.features.BANDS`, NaN = nodata or masked.
    model : DumpModel, optional
        Default: the shipped model.
    has_mask : bool
        The cube is already masked by a scene classification (SCL: cloud, shadow, cirrus, snow); water
        is then found from the spectra, otherwise cloud, snow and water are.
    max_ndvi : float
        Pixels greener than this are left unscored.

    Returns
    -------
    score : ndarray
        ``(h, w)`` float32, NaN where not scored (nodata, masked, too green).
    features : ndarray
        ``(len(FEATURE_NAMES), h, w)`` float32.
    """
    model = model or load_model()
    invalid = spectral_mask(cube, ("water",) if has_mask else MASK_KINDS)
    feats = compute_features(cube, invalid)
    return model.score(feats, candidates(feats, max_ndvi)), feats


MAX_HOLE_PX = 15
"""Widest hole (pixels, either way) filled inside a site: one that touches a window's core lies, with
the site around it, within the window's halo, so every window size fills the same holes. A wider
hole (waste in a ring around a field or a pit) stays a hole: its ground was not scored as waste."""


def _fill_small_holes(mask: np.ndarray) -> np.ndarray:
    holes = ndimage.binary_fill_holes(mask) & ~mask
    labels, n = ndimage.label(holes)
    if not n:
        return mask
    small = np.zeros(n + 1, dtype=bool)
    for k, box in enumerate(ndimage.find_objects(labels), start=1):
        small[k] = all(s.stop - s.start <= MAX_HOLE_PX for s in box)
    return mask | small[labels]


def _segment(score: np.ndarray, th: Thresholds, open_sides: tuple[bool, bool, bool, bool] | None = None):
    """Labels of candidate sites: hysteresis, holes up to :data:`MAX_HOLE_PX` filled, 8-connected.

    Seeds are pixels whose 3 x 3 median score reaches ``high``: a lone noisy pixel or a one-pixel line
    (a track, a field edge) cannot start a site. Sites grow over pixels scoring at least ``low``, but
    only through parts at least three pixels wide (an opening by a cross), so a heap next to a road
    does not grow along the road.

    Returns ``(labels, seeded)``, ``seeded[label]`` telling the regions with a seed here. ``open_sides``
    (top, bottom, left, right) are the sides of a window that the scene goes on beyond: a region
    reaching one of them without a seed here may hold one further on, so it is kept too, unseeded;
    :func:`_merge` drops what never meets a seed. Without ``open_sides`` every region is seeded.
    """
    filled = np.nan_to_num(score, nan=0.0)
    seeds = ndimage.median_filter(filled, size=3) >= th.high
    grow = ndimage.binary_opening(filled >= th.low, _CROSS) | seeds
    grow, _ = ndimage.label(_fill_small_holes(grow), structure=_EIGHT)
    keep = np.zeros(grow.max() + 1, dtype=bool)
    keep[np.unique(grow[seeds])] = True
    if open_sides is not None:
        edges = (grow[0], grow[-1], grow[:, 0], grow[:, -1])
        for side, edge in zip(open_sides, edges, strict=True):
            if side:
                keep[np.unique(edge)] = True
    keep[0] = False
    labels, _ = ndimage.label(keep[grow], structure=_EIGHT)
    seeded = np.zeros(labels.max() + 1, dtype=bool)
    seeded[np.unique(labels[seeds])] = True
    seeded[0] = False
    return labels, seeded


def _vectorise(
    labels: np.ndarray,
    score: np.ndarray,
    feats: np.ndarray | None,
    transform: Affine,
    rings: tuple[np.ndarray, np.ndarray] | None = None,
    anchors: Mapping[int, object] | None = None,
    seeded: np.ndarray | None = None,
) -> pd.DataFrame:
    """One row per site part in this core: geometry and the sums of :func:`part_sums`.

    ``rings`` (:func:`~kzgeo.dumps.objects.site_rings` of the whole window, cut to the core) adds the
    sums over the rings around each site. A site with ring pixels in this core but none of its own
    pixels gets a record with only those ring sums, placed on ``anchors[label]`` (one pixel of the site
    in the halo), so it merges with the site in the neighbouring window.
    """
    if not labels.any() and not anchors:
        return pd.DataFrame()
    sums = part_sums(labels, score, feats, rings)
    if seeded is not None:  # the record of a part says whether its region had a seed (see _segment)
        sums["seeded"] = seeded[: len(sums["n_px"])]
    parts: dict[int, list] = {}
    for geom, value in rfeatures.shapes(
        labels.astype(np.int32), mask=labels > 0, connectivity=4, transform=transform
    ):
        parts.setdefault(int(value), []).append(shapely.geometry.shape(geom))
    for k, g in (anchors or {}).items():
        parts.setdefault(k, [g])
    # columns of floats, not a dict of Python floats per part: a tile has tens of thousands of
    # parts of some 250 sums each, which as dicts held 0.6 GB until the merge
    at = np.fromiter(parts, dtype=np.int64, count=len(parts))
    table = pd.DataFrame({key: np.asarray(v, dtype=float)[at] for key, v in sums.items()})
    table.insert(0, "geometry", [shapely.union_all(g) for g in parts.values()])
    return table


def _ring_anchors(labels: np.ndarray, rings_core: tuple, core: tuple, transform: Affine) -> dict:
    """One pixel (as a polygon) of each site that has ring pixels in the core but no pixel there."""
    in_rings = np.unique(np.concatenate([np.unique(r) for r in rings_core]))
    orphans = np.setdiff1d(in_rings, np.unique(labels[core]))
    orphans = orphans[orphans > 0]
    if not len(orphans):
        return {}
    boxes = ndimage.find_objects(labels)
    out = {}
    for k in orphans:
        box = boxes[k - 1]
        r, c = np.argwhere(labels[box] == k)[0]
        row, col = r + box[0].start, c + box[1].start
        x0, y0 = transform @ (col, row)
        x1, y1 = transform @ (col + 1, row + 1)
        out[int(k)] = shapely.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    return out


def touching_groups(geoms: np.ndarray, distance: float = 0.0) -> np.ndarray:
    """Group id of each geometry: geometries that intersect (or lie within ``distance``), directly or
    through others, share one."""
    tree = shapely.STRtree(geoms)
    if distance:
        left, right = tree.query(geoms, predicate="dwithin", distance=distance)
    else:
        left, right = tree.query(geoms, predicate="intersects")
    graph = coo_matrix((np.ones(len(left)), (left, right)), shape=(len(geoms), len(geoms)))
    return connected_components(graph, directed=False)[1]


def _merge(parts: pd.DataFrame | list[pd.DataFrame], crs) -> gpd.GeoDataFrame:
    """Merge the parts (of :func:`_vectorise`, one table or one per window) that touch (a site cut by
    window borders) into one site each."""
    tables = [t for t in ([parts] if isinstance(parts, pd.DataFrame) else parts) if len(t)]
    if not tables:
        return gpd.GeoDataFrame({"n_px": [], "score_sum": [], "max_score": []}, geometry=[], crs=crs)
    df = gpd.GeoDataFrame(pd.concat(tables, ignore_index=True), geometry="geometry", crs=crs)
    df["group"] = touching_groups(df.geometry.to_numpy())
    agg = {c: "sum" for c in df.columns if c not in ("geometry", "group")}
    agg["max_score"] = "max"
    if "seeded" not in df:
        return df.dissolve(by="group", aggfunc=agg).reset_index(drop=True)
    # regions kept only because they reach a window's side: a site when they join a seeded part
    agg["seeded"] = "max"
    merged = df.dissolve(by="group", aggfunc=agg)
    # ...and that have pixels: ring sums placed on a pixel that the neighbouring window did not
    # label (its hysteresis saw other context) stay alone, a site of no pixels and NaN features
    # holes up to MAX_HOLE_PX were filled alike by every window; wider ones stay holes (not filled
    # here, which made a site whose hectares held unscored ground, and overlapped a heap inside it)
    return merged[(merged.pop("seeded") > 0) & (merged["n_px"] > 0)].reset_index(drop=True)


def candidate_sites(
    cube: np.ndarray, transform, crs, model: DumpModel | None = None, thresholds: Thresholds | None = None
) -> gpd.GeoDataFrame:
    """Candidate sites of a whole cube in memory (in ``crs``), with their part sums, before the site
    classifier: the training script and the evaluation use it."""
    model = model or load_model()
    th = (thresholds or Thresholds()).with_card(model.card)
    score, feats = score_cube(cube, model, max_ndvi=th.max_ndvi)
    labels, _ = _segment(score, th)
    return _merge(_vectorise(labels, score, feats, transform, site_rings(labels)), crs)


def _as_scene(scene, transform, crs) -> tuple[object, contextlib.AbstractContextManager]:
    if isinstance(scene, (str, os.PathLike)):
        from kzgeo.raster import open_scene

        opened = open_scene(scene)
        return opened, opened
    if isinstance(scene, Mapping):
        return _ArrayScene(scene, transform, crs), contextlib.nullcontext()
    if hasattr(scene, "data") and hasattr(scene, "transform") and not hasattr(scene, "read"):
        # a kzgeo.synth.SyntheticScene or anything carrying a (10, h, w) cube
        return _ArrayScene(
            dict(zip(BANDS, scene.data, strict=True)), scene.transform, scene.crs
        ), contextlib.nullcontext()
    if not (hasattr(scene, "read") and hasattr(scene, "bands")):
        raise RasterError(
            f"scene of type {type(scene).__name__}: give a path, an open kzgeo Scene, or band arrays as a "
            f"mapping {{'B02': array, ...}} of {' '.join(BANDS)} with transform= and crs="
        )
    return scene, contextlib.nullcontext()


def _check_bands(src) -> None:
    if getattr(src, "sensor", None) == "landsat":
        raise RasterError(
            f"{src.source}: is a Landsat scene; the dump detector was made for Sentinel-2's bands at 10 m "
            "(its red edge, B05-B07 and B8A, has no Landsat counterpart): give a Sentinel-2 scene"
        )
    missing = [b for b in BANDS if b not in src.bands]
    if missing:
        raise RasterError(
            f"{src.source}: missing band(s) {', '.join(missing)}; dump detection needs "
            f"{' '.join(BANDS)} (name them in the band descriptions, or give a Sentinel-2 granule folder)"
        )
    if getattr(src, "top_of_atmosphere", False):
        warn_caller(
            f"{src.source}: a Level-1C scene (top-of-atmosphere reflectance: it carries the cirrus band "
            "B10, which Level-2A drops); the detector was trained on Level-2A surface reflectance, and "
            "haze brightens a Level-1C scene: expect other scores and more false alarms, or give the "
            "Level-2A product of the same date",
            KzgeoWarning,
        )


def _check_reflectance(src) -> bool:
    """Warn, before any work, when red reads exactly 0 in more than 1 % of four sample windows of up to
    256 px: a float scene's fill beyond the swath edge that the file does not declare. Returns whether
    it warned; a thinner fill, which the sample can miss, is counted while the scene is scored
    (:func:`_warn_zero_fill`). Digital numbers stored as float are refused by ``open_scene``."""
    if not hasattr(src, "read_band"):
        return False  # band arrays: their fill is counted while scoring
    from kzgeo.raster.scene import sample_windows

    red = [src.read_band("B04", window=win) for win in sample_windows(src.height, src.width)]
    sample = np.concatenate([r[np.isfinite(r)] for r in red])
    zero = float(np.mean(sample == 0)) if sample.size else 0.0
    if zero > 0.01:  # a uint16 scene's DN 0 is nodata already: this is a float scene's untagged fill
        _warn_zero_fill(src, f"{100 * zero:.0f} % of the sampled red pixels are exactly 0")
        return True
    return False


def _warn_zero_fill(src, what: str) -> None:
    fix = (
        "declare the fill as nodata (gdal_edit.py -a_nodata 0)"
        if hasattr(src, "read_band")
        else "set the fill to NaN"
    )
    warn_caller(
        f"{src.source}: {what}, which no ground reflects: they are not scored, and the ground within 150 m "
        f"of them is scored on less context (fill beyond the swath edge?); {fix}",
        KzgeoWarning,
    )


PIXEL_M = (9.0, 11.0)
"""Pixel sizes, metres, the detector accepts: its features measure 30-310 m in 10 m pixels."""


def _utm_hint(source, lon: float, lat: float) -> str:
    """How to put a scene on the 10 m grid of its UTM zone (the zone of its centre when it is known),
    with GDAL or with the ``rio`` command rasterio installs with kzgeo."""
    known = np.isfinite(lon) and np.isfinite(lat)
    epsg = str((32600 if lat >= 0 else 32700) + int((lon + 180) // 6) % 60 + 1) if known else "326NN"
    on_disk = isinstance(source, (str, os.PathLike)) and os.path.isfile(source)
    name = str(source) if on_disk else "scene.tif"  # band arrays and band folders: a stack to make
    out = str(Path(name).with_name(f"{Path(name).stem}_10m.tif"))
    return (
        f"reproject it to its UTM zone at 10 m (gdalwarp -t_srs EPSG:{epsg} -tr 10 10 {name} {out}, or "
        f"rio warp {name} {out} --dst-crs EPSG:{epsg} --res 10, which drops the band names: give them "
        f"again{'' if known else '; NN is the UTM zone of the scene'})"
    )


def _check_grid(src) -> None:
    """Refuse grids the detector was not made for: not projected in metres, or pixels not about 10 m."""
    crs = rasterio.crs.CRS.from_user_input(src.crs) if src.crs is not None else None
    t = src.transform
    x, y = t @ (src.width / 2, src.height / 2)
    lon = lat = np.nan
    if crs is not None and (crs.is_projected or crs.is_geographic):  # a local CRS has no longitude
        with contextlib.suppress(pyproj.exceptions.ProjError, pyproj.exceptions.CRSError):
            lon, lat = Transformer.from_crs(crs.to_wkt(), "EPSG:4326", always_xy=True).transform(x, y)
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        lon = lat = np.nan  # coordinates that are no place on Earth: no zone to name
    utm_hint = _utm_hint(src.source, lon, lat)
    if crs is None or not crs.is_projected:
        raise RasterError(
            f"{src.source}: the grid is in {crs.to_string() if crs else 'no CRS'}, not a projected CRS in "
            f"metres; dump detection needs the 10 m Sentinel-2 grid: {utm_hint}"
        )
    unit = crs.linear_units_factor[1]
    size = np.array([np.hypot(t.a, t.d), np.hypot(t.b, t.e)]) * unit
    # on the ground: a Web Mercator pixel of 15.9 m at 51° N covers 10 m
    factors = Proj(crs.to_wkt()).get_factors(lon, lat, errcheck=False)
    ground = size / np.array([factors.parallel_scale, factors.meridional_scale])
    if not (np.isfinite(ground).all() and ((ground >= PIXEL_M[0]) & (ground <= PIXEL_M[1])).all()):
        raise RasterError(
            f"{src.source}: pixels of {ground[0]:.3g} x {ground[1]:.3g} m on the ground; dump detection "
            f"needs the 10 m Sentinel-2 grid (20 m bands resampled to 10 m): {utm_hint}"
        )


def _footprint(src) -> gpd.GeoSeries:
    """The scene's rectangle, in its CRS."""
    bounds = rasterio.transform.array_bounds(src.height, src.width, src.transform)
    return gpd.GeoSeries([shapely.box(*bounds)], crs=src.crs)


def _warn_if_no_landfill_here(landfills: gpd.GeoDataFrame, src, radius_m: float) -> None:
    """Warn when no landfill lies in the scene: every site will be illegal, which is right for a
    scene without one and the sign of a wrong layer or CRS otherwise; either way, worth saying."""
    here = _footprint(src).buffer(radius_m).iloc[0]
    present = landfills.geometry[~(landfills.geometry.isna() | landfills.geometry.is_empty)]
    if present.empty or present.to_crs(src.crs).intersects(here).any():
        return
    warn_caller(
        f"landfills: none of the {len(present)} landfills lies in the scene {src.source}, so no site can "
        "be legal; if one should, check that the layer covers this place and declares its real CRS",
        KzgeoWarning,
    )


def _as_layer(layer, role: str) -> gpd.GeoDataFrame | None:
    """A layer given as a GeoDataFrame, GeoSeries or None; anything else is named in the error."""
    if layer is None or isinstance(layer, gpd.GeoDataFrame):
        return layer
    if isinstance(layer, gpd.GeoSeries):
        return gpd.GeoDataFrame(geometry=layer)
    raise DataError(
        f"{role}={type(layer).__name__}: give a GeoDataFrame or GeoSeries (with its CRS) or the path of a "
        "file (GeoPackage, Shapefile, GeoJSON, ...)"
    )


def _check_previous(previous, src, transform, crs, itself: bool = False) -> None:
    """Refuse a previous season that cannot be of the same place (before any work is done), and warn
    when it is the scene itself (``itself``: the same object was given for both)."""
    here = _footprint(src)
    if isinstance(previous, gpd.GeoDataFrame):
        if previous.empty:  # a run on a clouded scene finds nothing: every site here would be new
            warn_caller(
                "previous sites: the layer holds no site, so every site is 'new'; if the earlier run "
                "found none because its scene was clouded, give that scene itself as previous= (CLI: "
                "--previous SCENE) to have sites it could not see marked not_observed",
                KzgeoWarning,
            )
            return
        if previous.crs is None:
            raise DataError("previous sites: the layer has no CRS; give the layer detect_dumps wrote")
        if not previous.geometry.to_crs(src.crs).intersects(here.iloc[0]).any():
            raise DataError(
                f"previous sites: none of the {len(previous)} sites lies in the scene {src.source}; "
                "give the sites kzgeo detect-dumps found in a scene of this place"
            )
        return
    try:
        before, closer = _as_scene(previous, transform, crs)
        with closer:
            _check_bands(before)
            _check_grid(before)
            there = _footprint(before).to_crs(src.crs)
            same = itself or before is src or _same_file(before.source, src.source)
    except KzgeoError as exc:
        raise type(exc)(f"previous season: {exc}") from exc
    if same:
        warn_caller(
            f"previous season {before.source}: is the scene {src.source} itself, so every site is "
            "'persisting'; give the scene of an earlier season, or the sites found in it",
            KzgeoWarning,
        )
    if not there.intersects(here.iloc[0]).iloc[0]:
        raise RasterError(
            f"previous season {before.source}: does not overlap the scene {src.source}; "
            "give a scene of the same place"
        )


def _same_file(a, b) -> bool:
    """Whether two scene sources are one file or folder (band arrays have none)."""
    try:
        return os.path.samefile(a, b)
    except (OSError, TypeError):
        return False


def _score_writer(stack: contextlib.ExitStack, dest, src, overwrite: bool, previous=None):
    from kzgeo.io import GEOTIFF_SUFFIXES, atomic_output

    # never over the scene or the previous one (or a band file of their folders), --overwrite or not
    inputs = [Path(p) for p in (src.source, previous) if isinstance(p, (str, os.PathLike))]
    tmp = stack.enter_context(
        atomic_output(dest, overwrite=overwrite, suffixes=GEOTIFF_SUFFIXES, inputs=inputs)
    )
    profile = {
        "driver": "GTiff",
        "width": src.width,
        "height": src.height,
        "count": 1,
        "dtype": "float32",
        "nodata": float("nan"),
        "crs": src.crs,
        "transform": src.transform,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
        "compress": "deflate",
        "predictor": 3,
    }
    dst = stack.enter_context(rasterio.open(tmp, "w", **profile))
    dst.set_band_description(1, "dump_score")
    return dst


def detect_dumps(
    scene,
    *,
    transform=None,
    crs=None,
    landfills: gpd.GeoDataFrame | None = None,
    previous=None,
    model: DumpModel | None = None,
    thresholds: Thresholds | None = None,
    window_size: int = 1024,
    score_raster: str | os.PathLike | None = None,
    overwrite: bool = False,
    landfill_radius_m: float = 300.0,
    progress: bool | None = None,
) -> gpd.GeoDataFrame:
    """Find candidate dump sites in a Sentinel-2 scene.

    Parameters
    ----------
    scene : path, Scene, SyntheticScene or mapping of band arrays
        A multiband GeoTIFF or granule folder (opened with :func:`kzgeo.open_scene`), an open scene,
        or ``{"B02": array, ...}`` of reflectance (0..1, NaN = nodata) with ``transform`` and ``crs``.
        Bands ``B02 B03 B04 B05 B06 B07 B08 B8A B11 B12`` on one 10 m grid are needed.
    transform, crs : optional
        Georeferencing of band arrays.
    landfills : GeoDataFrame or path, optional
        Authorised landfills (polygons or points, any CRS) for the ``status`` column; a path is read
        with :func:`kzgeo.read_layer`. Without them every site's status is ``illegal``: not checked
        (an authorised landfill in the scene is reported as a site like any other).
    previous : same kinds as ``scene``, or sites (a GeoDataFrame or a vector file), optional
        The previous season: adds a ``change`` column (``new``/``grown``/``persisting``; with a
        previous scene, ``not_observed`` where it has no data on at least half the site).
    model : DumpModel, optional
        Default: the model shipped in the package.
    thresholds : Thresholds, optional
        Default: the thresholds in the model card; ``site`` and ``confident`` left unset are the card's.
    window_size : int
        Core size of the processing windows, pixels.
    score_raster : path, optional
        Also write the per-pixel score as a float32 GeoTIFF (NaN = not scored), atomically.
    overwrite : bool
        Replace ``score_raster`` if it exists.
    landfill_radius_m : float
        Radius a landfill given as a point covers.
    progress : bool, optional
        Show a tqdm progress bar over the windows; default: when there is more than one window and
        stderr is a terminal (a Sentinel-2 tile is 121 windows and takes minutes).

    Returns
    -------
    GeoDataFrame
        In EPSG:4326, one row per site, highest score first: ``site_id`` (1..n), ``score`` (probability
        from the site classifier, 0..1), ``pixel_score`` (mean score of its scored pixels),
        ``area_ha`` (ellipsoidal), ``tier`` (``confident``/``review``),
        ``status`` (``illegal``/``legal_landfill``/``landfill_overspill``), ``change`` (with
        ``previous``), ``geometry``.

    Raises
    ------
    RasterError
        Missing bands or no georeferencing; a grid not projected or of pixels other than about 10 m on
        the ground; a previous scene that does not overlap this one.
    DataError
        Previous sites none of which lie in the scene; landfill polygons too large to be landfills.
    """
    from kzgeo.area import hectares
    from kzgeo.io import is_layer_file, read_layer

    if isinstance(window_size, bool) or not isinstance(window_size, (int, np.integer)) or window_size < 64:
        raise DataError(
            f"window_size={window_size!r}: a window is a whole number of pixels, 64 or more a side; "
            "use 512-2048"
        )
    if isinstance(landfills, (str, os.PathLike)):  # a file, as at the command line
        landfills = read_layer(landfills, kind="landfills", anywhere=True)
    if isinstance(previous, (str, os.PathLike)) and is_layer_file(previous):
        previous = read_layer(previous, anywhere=True)  # the sites of an earlier run
    landfills = _as_layer(landfills, "landfills")
    if isinstance(previous, gpd.GeoSeries):  # sites; anything else not a layer is a scene
        previous = gpd.GeoDataFrame(geometry=previous)
    if not landfill_radius_m >= 0:
        raise DataError(f"landfill_radius_m={landfill_radius_m}: a radius is 0 m or more (default 300)")
    parts: list[pd.DataFrame] = []  # site parts of each window
    with contextlib.ExitStack() as stack:
        # GDAL's block cache defaults to 5 % of the RAM and would grow with the scene; windows are
        # read once each, so a small cache loses nothing
        stack.enter_context(rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB))
        src, closer = _as_scene(scene, transform, crs)
        stack.enter_context(closer)
        _check_bands(src)
        _check_grid(src)
        zero_said = _check_reflectance(src)
        check_layers(landfills, previous if isinstance(previous, gpd.GeoDataFrame) else None)
        if previous is not None:
            _check_previous(previous, src, transform, crs, itself=previous is scene)
        if landfills is not None and len(landfills):
            _warn_if_no_landfill_here(landfills, src, landfill_radius_m)
        model = model or load_model()
        th = (thresholds or Thresholds()).with_card(model.card)
        has_mask = bool(getattr(src, "has_mask", False))
        dst = (
            _score_writer(stack, score_raster, src, overwrite, previous) if score_raster is not None else None
        )
        valid = 0  # pixels scored or scorable, over all windows
        full_context = False  # a pixel with a whole WIDEST_BOX of scorable pixels around it
        blank = 0  # pixels of reflectance 0 in every band: a fill the scene does not declare
        halo = WINDOW_HALO + (CONTEXT_HALO if model.context is not None else 0)
        windows = list(_windows(src.height, src.width, window_size, halo))
        disable = (not progress) if progress is not None else (None if len(windows) > 1 else True)
        name = Path(str(src.source)).name
        for core, win in tqdm(windows, desc=f"detect-dumps {name}", unit="win", disable=disable):
            cube = src.read(BANDS, window=win)
            score, feats = score_cube(cube, model, has_mask=has_mask, max_ndvi=th.max_ndvi)
            open_sides = (
                win.row_off > 0,
                win.row_off + win.height < src.height,
                win.col_off > 0,
                win.col_off + win.width < src.width,
            )
            labels, seeded = _segment(score, th, open_sides)
            rings = site_rings(labels)
            r, c = int(core.row_off - win.row_off), int(core.col_off - win.col_off)
            sl = (slice(r, r + int(core.height)), slice(c, c + int(core.width)))
            core_transform = rasterio.windows.transform(core, src.transform)
            win_transform = rasterio.windows.transform(win, src.transform)
            rings_core = tuple(ring[sl] for ring in rings)
            anchors = _ring_anchors(labels, rings_core, sl, win_transform)
            parts.append(
                _vectorise(
                    labels[sl], score[sl], feats[:, sl[0], sl[1]], core_transform, rings_core, anchors, seeded
                )
            )
            if dst is not None:
                dst.write(score[sl][None], window=core)
            scorable = np.isfinite(feats[0])
            blank += int((cube[:, sl[0], sl[1]] == 0).all(axis=0).sum())
            valid += int(scorable[sl].sum())
            if not full_context and scorable[sl].any():
                full_context = _has_full_context(scorable, sl)
        if not valid:
            warn_caller(
                f"{src.source}: no pixel could be scored (all nodata, cloud, snow or water); no site can be "
                "found in it",
                KzgeoWarning,
            )
        elif not full_context:
            _warn_narrow(src)
        if blank and not zero_said:  # a fill of a few rows escapes the sample: every pixel was read here
            _warn_zero_fill(src, f"{blank:,} pixels are exactly 0 in every band")
        sites = _merge(parts, src.crs)
        georef = {"transform": transform, "crs": crs}
        # inside the block: the score raster is renamed into place only when the previous season
        # (detected in _finish) has run too
        return _finish(
            sites, th, landfills, previous, hectares, model, landfill_radius_m, georef, window_size, progress
        )


def _has_full_context(scorable: np.ndarray, core: tuple[slice, slice]) -> bool:
    """Whether a pixel of the core has a whole :data:`WIDEST_BOX` of scorable pixels around it (the
    window's halo is wider than half the box, so a box reaching past the window reaches past the scene)."""
    whole = ndimage.minimum_filter(scorable.view(np.uint8), size=WIDEST_BOX, mode="constant", cval=0)
    return bool(whole[core].any())


def _warn_narrow(src) -> None:
    """Warn that no pixel has the surroundings its features compare it with: the scene, or the data
    in it, is narrower than the widest box; scores there were never seen in training."""
    box = (
        f"the {WIDEST_BOX} x {WIDEST_BOX} pixels ({WIDEST_BOX * 10} m) of surroundings the detector "
        "compares each pixel with"
    )
    if min(src.height, src.width) < WIDEST_BOX:
        what, fix = f"the scene is {src.height} x {src.width} pixels, smaller than {box}", "a larger scene"
    else:
        what = f"no pixel has {box} all scorable (the rest is nodata, cloud, snow or water)"
        fix = "a larger or clearer scene"
    warn_caller(
        f"{src.source}: {what}: its scores are less reliable and sites may go unfound; give {fix} "
        "(a few kilometres around the area of interest)",
        KzgeoWarning,
    )


def _observed_share(sites: gpd.GeoDataFrame, previous, georef: dict) -> np.ndarray:
    """Share of each site's pixels that the previous scene saw (not nodata, cloud or snow)."""
    before, closer = _as_scene(previous, georef.get("transform"), georef.get("crs"))
    pad = 8  # pixels around a site, for the cloud test's patch width
    shares = np.zeros(len(sites))
    with closer, rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB):
        kinds = () if getattr(before, "has_mask", False) else ("cloud", "snow")
        scene_box = Window(0, 0, before.width, before.height)
        for i, geom in enumerate(sites.geometry.to_crs(before.crs)):
            win = rasterio.windows.from_bounds(*geom.bounds, transform=before.transform)
            c0, r0 = int(np.floor(win.col_off)) - pad, int(np.floor(win.row_off)) - pad
            c1 = int(np.ceil(win.col_off + win.width)) + pad
            r1 = int(np.ceil(win.row_off + win.height)) + pad
            win = Window(c0, r0, c1 - c0, r1 - r0)
            try:
                win = win.intersection(scene_box)
            except rasterio.errors.WindowError:  # off the previous scene
                continue
            cube = before.read(BANDS, window=win)
            seen = ~np.isnan(cube).any(axis=0)
            if kinds:
                seen &= ~spectral_mask(cube, kinds)
            to_win = rasterio.windows.transform(win, before.transform)
            for touched in (False, True):  # a sliver site covers no pixel centre
                mask = rfeatures.geometry_mask(
                    [geom], out_shape=seen.shape, transform=to_win, invert=True, all_touched=touched
                )
                if mask.any():
                    break
            shares[i] = (seen & mask).sum() / max(int(mask.sum()), 1)
    return shares


def _warn_not_observed(count: int, total: int) -> None:
    if count:
        warn_caller(
            f"{count} of {total} sites lie where the previous scene has no data (off its footprint, "
            f"nodata, cloud or snow): their change is {NOT_OBSERVED!r}, not new",
            KzgeoWarning,
        )


def _on_the_ground(sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The sites in their UTM zone when the scene's grid is not UTM: the site classifier measures
    shapes in metres, and a Web Mercator metre at 51° N is 0.63 m on the ground."""
    return sites if sites.crs.utm_zone is not None else sites.to_crs(sites.estimate_utm_crs())


def _finish(
    sites, th, landfills, previous, hectares, model, landfill_radius_m, georef, window_size, progress
) -> gpd.GeoDataFrame:
    sites = sites.copy()
    # the mean over the site's scored pixels: a filled hole of cloud or water has no score, not 0
    sites["pixel_score"] = (sites["score_sum"] / sites["n_scored"]).astype(float) if len(sites) else []
    sites["score"] = model.site_score(_on_the_ground(sites)) if len(sites) else []
    sites = sites[sites["score"] >= th.site].to_crs(4326)
    sites["area_ha"] = hectares(sites) if len(sites) else np.array([], dtype=float)
    sites = sites[sites["area_ha"] >= th.min_area_ha - 1e-9]
    # equal scores by area, then from north-west: the same ids whatever the window size
    order = np.lexsort(
        (sites.geometry.bounds["minx"], -sites.geometry.bounds["maxy"], -sites["area_ha"], -sites["score"])
    )
    sites = sites.iloc[order].reset_index(drop=True)
    sites["site_id"] = np.arange(1, len(sites) + 1, dtype=np.int64)
    confident = th.confident if th.confident is not None else (th.site + 1) / 2
    sites["tier"] = np.where(sites["score"] >= confident, "confident", "review")
    sites["status"] = assign_status(sites, landfills, landfill_radius_m=landfill_radius_m)
    columns = list(SITE_COLUMNS)
    if previous is not None:
        before = (
            previous
            if isinstance(previous, gpd.GeoDataFrame)
            # band arrays of the previous season lie on the scene's grid: they take its georeferencing
            else detect_dumps(
                previous,
                **(georef if isinstance(previous, Mapping) else {}),
                model=model,
                thresholds=th,
                window_size=window_size,  # the memory a user chose the window size for holds here too
                progress=progress,
            )
        )
        sites["change"] = compare_sites(sites, before)
        if not isinstance(previous, gpd.GeoDataFrame) and len(sites):
            seen = _observed_share(sites, previous, georef if isinstance(previous, Mapping) else {})
            sites.loc[seen < 0.5, "change"] = NOT_OBSERVED
            _warn_not_observed(int((seen < 0.5).sum()), len(sites))
        columns.append("change")
    return gpd.GeoDataFrame(pd.DataFrame(sites[columns]), geometry=sites.geometry.to_numpy(), crs=4326)

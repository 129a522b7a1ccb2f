"""Hectare statistics that can be published: flattened coverage, overlaps, planting progress.

Every area comes from :func:`kzgeo.area.hectares` (ellipsoidal, WGS84). Geometry operations run in
the CRS of the first layer given; overlapping designations are dissolved before anything is counted,
so nested or partly overlapping protected areas never count twice.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from shapely.errors import GEOSException

from kzgeo.area import (
    KZ_ALBERS,
    _has_area,
    _hectares,
    _polygonal_parts,
    _repaired,
    frame_of,
    geodesic_edges,
    hectares,
)
from kzgeo.errors import (
    CRSError,
    DataError,
    GeometryError,
    KzgeoWarning,
    RepairWarning,
    SchemaError,
    warn_caller,
)
from kzgeo.schemas import LAYER_KINDS, column_named, feature_ids
from kzgeo.validate import _and, _show_ids, _without_area

__all__ = [
    "NATIONAL",
    "NATIONAL_PLAN",
    "SLIVER_PCT",
    "TOTAL",
    "coverage",
    "flatten",
    "overlap_table",
    "planting_progress",
]

SLIVER_PCT = 0.1
"""Default sliver threshold of :func:`overlap_table`, percent: a pair whose overlap is below this share
of *both* features, and narrower than :data:`SLIVER_WIDTH_M`, is a digitising sliver along a shared
boundary, not a real overlap."""

SLIVER_WIDTH_M = 100.0
"""Mean width (twice the area over the perimeter) under which an overlap can be a sliver: boundaries
digitised apart at 1:100,000 (0.5 mm on the sheet is 50 m) leave strips narrower than this; a 900 m
wide lobe of a reserve in a neighbouring region is an overlap, however small a share of both."""

TOTAL = "total"
"""Zone id of the national total row of :func:`coverage`."""

NATIONAL = "Kazakhstan"
"""Region name of the national rows of :func:`planting_progress` and of a national plan row."""

NATIONAL_PLAN = pd.DataFrame(
    {"region": [NATIONAL], "year": [2025], "seedlings_plan": [336_500_000.0], "ha_plan": [494_000.0]}
)
"""The national plan used when no plan table is given: 2025, 336.5 million seedlings on 494,000 ha
(Taza Kazakhstan / 2 billion trees by 2027)."""

_NATIONAL_NAMES = {
    NATIONAL: "name_en", "Republic of Kazakhstan": "name_en", "Қазақстан": "name_kk",
    "Қазақстан Республикасы": "name_kk", "Казахстан": "name_ru", "Республика Казахстан": "name_ru",
    # a plan's total row, and the country's abbreviation, are its national row
    "Total": "name_en", "Барлығы": "name_kk", "ҚР": "name_kk", "Итого": "name_ru", "Всего": "name_ru",
    "РК": "name_ru",
}  # fmt: skip
"""Names a plan may give its national row, in en, kk and ru, with the name column of their language."""

_ALIASES = {
    "вко": "восточно-казахстанская область", "ско": "северо-казахстанская область",
    "зко": "западно-казахстанская область", "шқо": "шығыс қазақстан облысы",
    "сқо": "солтүстік қазақстан облысы", "бқо": "батыс қазақстан облысы",
    "нур-султан": "г. астана", "нұр-сұлтан": "астана қаласы", "nur-sultan": "astana city",
    # other Latin spellings of the regions' English names
    "abai": "abay", "aqmola": "akmola", "aqtobe": "aktobe", "jambyl": "zhambyl", "zhetisu": "zhetysu",
    "jetisu": "zhetysu", "karaganda": "karagandy", "qaragandy": "karagandy", "kostanai": "kostanay",
    "qostanay": "kostanay", "qyzylorda": "kyzylorda", "mangistau": "mangystau", "turkistan": "turkestan",
}  # fmt: skip
"""Names (without a unit word) that plans use and no name column of the bundled regions holds -> the
name they stand for: the Russian and Kazakh abbreviations of the three Kazakhstan regions, Astana's
name of 2019-2022, and other Latin spellings. Only names that stand for one region in every layer;
used only where the regions layer has no such name itself (geoBoundaries writes 'Aqmola')."""

PLAN_COLUMNS = ("region", "year", "seedlings_plan", "ha_plan")
# column -> (its Russian names, its Kazakh names), as _header_key writes them
_PLAN_HEADERS = {
    "region": (("регион", "область"), ("облыс", "аймақ")),
    "year": (("год",), ("жыл",)),
    "seedlings_plan": (("саженцы_план", "план_саженцев"), ("көшет_жоспар",)),
    "ha_plan": (("га_план", "план_га"), ("жоспар_га",)),
}
PLOT_COLUMNS = ("region", "year", "seedlings", "declared_ha", "survival_pct")

# A piece cut out of a feature can measure a little more than the feature: GEOS puts the cut's new
# vertices on edges drawn straight in the layer's CRS (under DENSIFY_M long), hectares() reads edges
# as geodesics. Measured up to 1.3e-6 relative (a 5,722 ha district of 2024 inside its region: 72 m²).
# An excess up to this is cut back to the whole; a larger one is a real error and is left to be seen.
_CUT_EXCESS = 1e-5
# precision grid for the fallback when GEOS fails: about 1 cm in degrees, 1 cm in metres
_GRID_DEG = 1e-7
_GRID_M = 0.01


def _need_crs(gdf: gpd.GeoDataFrame | gpd.GeoSeries, role: str) -> None:
    """Raise unless the layer has a CRS and, when it has geometries, polygons among them."""
    if gdf.crs is None:
        raise CRSError(
            f"{role}: the layer has no CRS; set one with gdf.set_crs(...) or read it with read_layer"
        )
    types = set(gdf.geom_type.dropna()) if len(gdf) else set()
    # GeometryCollections count their polygons, as hectares() does
    if types and not types & {"Polygon", "MultiPolygon"} and not _has_area(gdf.geometry.values):
        raise _without_area(role, types, "hectare")
    flat = gdf.geom_type.isin(["Point", "MultiPoint", "LineString", "MultiLineString", "LinearRing"])
    if flat.any():
        kinds = _and(sorted(set(gdf.geom_type[flat])))
        warnings.warn(
            f"{role}: {int(flat.sum())} of {len(gdf)} feature(s) are {kinds} and count 0 ha; "
            "remove them or buffer them into polygons",
            KzgeoWarning,
            stacklevel=3,
        )


def _in_crs(geoms: gpd.GeoSeries, crs) -> gpd.GeoSeries:
    return geoms if geoms.crs == crs else geoms.to_crs(crs)


def _grid(crs) -> float:
    return _GRID_DEG if crs.is_geographic else _GRID_M


def _robust(op: Callable, role: str, crs, *geoms):
    """Run a GEOS operation; on a topology failure, retry on a precision grid and warn."""
    try:
        return op(*geoms)
    except GEOSException as exc:
        grid = _grid(crs)
        warnings.warn(
            f"{role}: GEOS failed ({str(exc).splitlines()[0]}); retried with coordinates snapped to a "
            f"{grid:g} {'degree' if crs.is_geographic else 'metre'} grid (about 1 cm)",
            RepairWarning,
            stacklevel=3,
        )
        try:
            return op(*(shapely.set_precision(g, grid) for g in geoms))
        except GEOSException as exc2:
            raise GeometryError(
                f"{role}: geometries cannot be combined even on a {grid:g} grid "
                f"({str(exc2).splitlines()[0]}); repair the layer (kzgeo info shows the invalid features) "
                "and try again"
            ) from exc2


def _clean(
    geoms, role: str, crs, positions: np.ndarray | None = None, measured: np.ndarray | None = None
) -> np.ndarray:
    """Valid polygonal geometries with edges over 2 km split along their geodesics
    (:func:`~kzgeo.area.geodesic_edges`); invalid ones are repaired with a warning naming their
    ``positions`` in the caller's input (default 0..n-1), missing ones become empty. ``measured``, the
    :func:`_as_measured` of the same geometries when known, is reused for those needing no repair."""
    values = np.asarray(geoms, dtype=object)
    values = np.where(shapely.is_missing(values), shapely.Polygon(), values)
    repaired = _repaired(values, role, positions, stacklevel=4)
    if measured is None:
        return geodesic_edges(_polygonal_parts(repaired), crs)
    out = np.array(measured, dtype=object)
    changed = np.flatnonzero([new is not old for new, old in zip(repaired, values, strict=True)])
    if len(changed):
        out[changed] = geodesic_edges(_polygonal_parts(repaired[changed]), crs)
    return out


def _as_measured(values: np.ndarray, crs) -> np.ndarray:
    """The polygonal parts of geometries with their long edges on the geodesics, as kzgeo measures
    them, without repairing them: what finds a feature's neighbours and places a point inside it."""
    return geodesic_edges(_polygonal_parts(np.asarray(values, dtype=object)), crs)


def _valid_ha(values: np.ndarray, crs) -> np.ndarray:
    """Hectares of geometries :func:`_clean` (or GEOS on clean inputs) made: not checked again."""
    return _hectares(np.asarray(values, dtype=object), CRS.from_user_input(crs), KZ_ALBERS, checked=True)


def _at_most(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """Hectares of pieces ``part`` of features of ``whole`` hectares, a measuring excess over the whole
    (up to :data:`_CUT_EXCESS` relative) cut back to it, so that no share exceeds 100 %."""
    return np.where((part > whole) & (part <= whole * (1.0 + _CUT_EXCESS)), whole, part)


def _union(values: np.ndarray, role: str, crs):
    merged = _robust(shapely.union_all, role, crs, values)
    return _polygonal_parts(np.array([merged], dtype=object))[0]


def flatten(gdf: gpd.GeoDataFrame, by: str | Sequence[str] | None = None) -> gpd.GeoDataFrame:
    """Dissolve overlapping features so that no area is counted twice.

    Parameters
    ----------
    gdf : GeoDataFrame
        Polygonal features in any CRS; invalid ones are repaired with :class:`RepairWarning`.
    by : str or list of str, optional
        Column(s) to dissolve within (e.g. ``"iucn_cat"``); ``None`` dissolves everything into one
        feature.

    Returns
    -------
    GeoDataFrame
        One row per group (a single row without ``by``), with the ``by`` columns, ``features`` (how
        many input features were merged), ``area_ha`` (ellipsoidal) and the dissolved geometry, in
        the input CRS.

    Raises
    ------
    CRSError
        The layer has no CRS.
    SchemaError
        A ``by`` column is missing.
    GeometryError
        GEOS fails even after snapping to a 1 cm precision grid.

    Warns
    -----
    RepairWarning
        Invalid input repaired, or a union that only succeeded on a precision grid.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> pas = gpd.GeoDataFrame(geometry=[box(0, 0, 2, 1), box(1, 0, 3, 1)], crs="EPSG:32642")
    >>> flat = flatten(pas)
    >>> int(flat["features"][0]), round(float(shapely.area(flat.geometry[0])))
    (2, 3)
    """
    gdf = frame_of(gdf, "flatten")
    _need_crs(gdf, "flatten")
    keys = [] if by is None else [by] if isinstance(by, str) else list(by)
    missing = [k for k in keys if k not in gdf.columns]
    if missing:
        raise SchemaError(
            f"flatten: column(s) {', '.join(missing)} not in the layer "
            f"(columns: {', '.join(map(str, gdf.columns))}); pass by= with existing column names"
        )
    geoms = _clean(gdf.geometry, "flatten", gdf.crs)
    if keys:
        # categorical keys as plain values: groupby leaves a categorical's missing group out
        plain = pd.DataFrame(
            {
                k: gdf[k].astype(object) if isinstance(gdf[k].dtype, pd.CategoricalDtype) else gdf[k]
                for k in keys
            }
        )
        groups = plain.groupby(keys, sort=True, dropna=False).indices
        rows = pd.DataFrame([k if isinstance(k, tuple) else (k,) for k in groups], columns=keys)
        members = list(groups.values())
    else:
        rows = pd.DataFrame(index=range(1))
        members = [np.arange(len(gdf))]
    merged = [_union(geoms[m], f"flatten (group {i})", gdf.crs) for i, m in enumerate(members)]
    out = gpd.GeoDataFrame(rows, geometry=merged, crs=gdf.crs)
    out.insert(len(keys), "features", [len(m) for m in members])
    out.insert(len(keys) + 1, "area_ha", _valid_ha(merged, gdf.crs))
    return out


def _as_text(ids: pd.Series) -> list:
    """Ids of one type beside the total row: numbers (KATO codes read as integers, or as floats by
    a spreadsheet) become text, 100000000 and 100000000.0 alike, so that the table sorts and writes
    to Parquet; ids that become the same text (1 and '1') are an error."""
    if all(isinstance(i, str) for i in ids):
        return ids.tolist()

    def text(value) -> str:
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            return str(int(value))
        return str(value)

    out = [text(i) for i in ids]
    same = pd.Series(out)[pd.Series(out).duplicated()]
    if len(same):
        raise SchemaError(
            f"coverage zones: ids in column {ids.name!r} are the same as text ({same.iloc[0]!r} twice, as a "
            "number and as text); make them one type, or pass zone_id= naming another unique column"
        )
    return out


def coverage(zones: gpd.GeoDataFrame, layer: gpd.GeoDataFrame, *, zone_id: str | None = None) -> pd.DataFrame:
    """Hectares and share of each zone covered by a layer, overlapping features counted once.

    Parameters
    ----------
    zones : GeoDataFrame
        Zones such as regions or districts (any CRS).
    layer : GeoDataFrame
        The covering layer, e.g. protected areas; flattened with :func:`flatten` first, so nested
        and partly overlapping designations count once. Reprojected to the zones' CRS.
    zone_id : str, optional
        Column identifying the zones; by default the kind's id column (``kato`` for regions and
        districts, ``pa_id``, ...) or else the index. Must be unique.

    Returns
    -------
    DataFrame
        One row per zone, in input order, then a national total row whose id is ``"total"``:
        the zone id column (as text when the ids are numbers, so that the column has one type),
        ``name_en`` when the zones carry it, ``zone_ha``, ``covered_ha`` and ``covered_pct``
        (``100 * covered_ha / zone_ha``, at most 100: a piece measuring up to 1e-5 more than its zone,
        the rounding of cutting, counts as the zone). The total row measures the
        union of the zones and its intersection with the flattened layer, so it is right even if zones
        overlap.

    Raises
    ------
    CRSError
        Either layer has no CRS.
    SchemaError
        ``zone_id`` is missing or not unique, or a zone's id is ``"total"``.
    DataError
        ``zones`` has no features.

    Warns
    -----
    KzgeoWarning
        ``layer`` has no polygons: every zone is 0 % covered, which usually means the wrong layer.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> zones = gpd.GeoDataFrame({"zone": ["a", "b"]}, geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)],
    ...                          crs="EPSG:32642")
    >>> pas = gpd.GeoDataFrame(geometry=[box(50, 0, 150, 100), box(60, 0, 140, 100)], crs="EPSG:32642")
    >>> coverage(zones, pas, zone_id="zone")["covered_pct"].round(4).tolist()
    [50.0, 50.0, 50.0]
    """
    zones, layer = frame_of(zones, "coverage zones"), frame_of(layer, "coverage layer")
    _need_crs(zones, "coverage zones")
    _need_crs(layer, "coverage layer")
    if not len(zones):
        raise DataError(
            "coverage zones: the layer has no features; give the zones to measure (regions, districts)"
        )
    ids = feature_ids(zones, zone_id, role="coverage zones", param="zone_id")
    if (ids.astype(str) == TOTAL).any():
        raise SchemaError(
            f"coverage zones: a zone's id in column {ids.name!r} is {TOTAL!r}, the id of the total row; "
            "rename that zone or pass zone_id= naming another unique column"
        )
    zone_geoms = _clean(zones.geometry, "coverage zones", zones.crs)
    cover = _clean(_in_crs(layer.geometry, zones.crs), "coverage layer", zones.crs)
    cover = _union(cover, "coverage layer", zones.crs)
    if shapely.is_empty(cover):
        warnings.warn(
            f"coverage layer: the layer has no polygons ({len(layer)} feature(s)), so every zone is 0 % "
            "covered; check that the right layer was given",
            KzgeoWarning,
            stacklevel=2,
        )
    parts = shapely.get_parts(cover)
    tree = shapely.STRtree(parts)
    covered = np.empty(len(zone_geoms), dtype=object)
    for i, zone in enumerate(zone_geoms):
        near = parts[tree.query(zone, predicate="intersects")]
        covered[i] = _robust(shapely.intersection, "coverage", zones.crs, zone, shapely.multipolygons(near))
    all_zones = _union(zone_geoms, "coverage zones", zones.crs)
    total_cover = _robust(shapely.intersection, "coverage", zones.crs, all_zones, cover)
    zone_ha = _valid_ha(np.append(zone_geoms, all_zones), zones.crs)
    covered_ha = _at_most(_valid_ha(np.append(covered, total_cover), zones.crs), zone_ha)
    table = pd.DataFrame({ids.name: [*_as_text(ids), TOTAL]})
    name_en = column_named(zones.columns, "name_en")  # NAME_EN as well
    if name_en in zones.columns and ids.name != name_en:
        table["name_en"] = [*zones[name_en].tolist(), TOTAL]
    table["zone_ha"] = zone_ha
    table["covered_ha"] = covered_ha
    shapeless = np.flatnonzero(zone_ha[:-1] == 0)
    if len(shapeless):  # a zone read from a file without its polygon, or a point: no share to give
        warn_caller(
            f"coverage zones: {len(shapeless)} zone(s) have no area (a missing or empty geometry, a point "
            f"or a line): {ids.name} {_show_ids(ids.iloc[shapeless])}; their zone_ha is 0 and covered_pct "
            "NaN; give their polygons",
            KzgeoWarning,
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        table["covered_pct"] = np.where(zone_ha > 0, 100.0 * (covered_ha / zone_ha), np.nan)
    return table


def _mean_width_m(pieces: np.ndarray, ha: np.ndarray, crs) -> np.ndarray:
    """Twice the area over the perimeter of each polygonal piece, in metres (perimeters measured in
    :data:`~kzgeo.area.KZ_ALBERS`, true to about 1 % in Kazakhstan: enough to tell a strip from a lobe)."""
    drawn = gpd.GeoSeries(pieces, crs=crs).to_crs(KZ_ALBERS)
    with np.errstate(invalid="ignore", divide="ignore"):
        return 2 * ha * 10_000.0 / drawn.length.to_numpy()


def overlap_table(
    left: gpd.GeoDataFrame,
    right: gpd.GeoDataFrame,
    *,
    left_id: str | None = None,
    right_id: str | None = None,
    sliver_pct: float = SLIVER_PCT,
) -> pd.DataFrame:
    """Hectares of every overlapping pair of features of two layers.

    Candidate pairs come from an STR-tree; a pair where one feature contains the other needs no
    intersection (its overlap is the smaller feature's area), which is the common case of plots
    inside a reserve. Only the remaining pairs are intersected.

    Parameters
    ----------
    left, right : GeoDataFrame
        Polygonal layers in any CRS (``right`` is reprojected to ``left``'s CRS), e.g. plots and
        protected areas.
    left_id, right_id : str, optional
        Id columns; by default each layer's kind id column (``plot_id``, ``pa_id``, ``kato``, ...)
        or its index. Must be unique. If both have the same name they become ``<name>_left`` and
        ``<name>_right``.
    sliver_pct : float, default 0.1
        A pair whose overlap is below ``sliver_pct`` percent of **both** features, and on average
        narrower than :data:`SLIVER_WIDTH_M` (100 m: twice its area over its perimeter), is a sliver
        (boundaries digitised slightly apart) and is dropped; 0 keeps every pair with a positive
        overlap. Pairs that only touch are never listed, nor a feature with itself when ``left``
        and ``right`` are the same GeoDataFrame object (overlaps within one layer, each pair listed
        once). Two layers that hold the same features (an unchanged layer of another year, a copy)
        are two layers: each feature overlaps its twin by 100 %.

    Returns
    -------
    DataFrame
        One row per overlapping pair, sorted by left then right feature: the two id columns,
        ``overlap_ha``, ``left_share_pct`` (share of the left feature inside the right one) and
        ``right_share_pct`` (at most 100: an overlap measuring up to 1e-5 more than a feature, the
        rounding of cutting, counts as the feature). ``df.attrs`` holds ``sliver_pct``,
        ``slivers_dropped`` (count) and ``sliver_ha`` (their hectares).

    Raises
    ------
    CRSError
        Either layer has no CRS.
    SchemaError
        An id column is missing or not unique.
    DataError
        ``sliver_pct`` is not a percentage from 0 to 100.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> plots = gpd.GeoDataFrame({"plot_id": [1, 2]}, geometry=[box(0, 0, 100, 100), box(150, 0, 250, 100)],
    ...                          crs="EPSG:32642")
    >>> pas = gpd.GeoDataFrame({"pa_id": [7]}, geometry=[box(-50, -50, 200, 150)], crs="EPSG:32642")
    >>> overlap_table(plots, pas)[["plot_id", "pa_id", "left_share_pct"]].round(3).to_dict("records")
    [{'plot_id': 1, 'pa_id': 7, 'left_share_pct': 100.0}, {'plot_id': 2, 'pa_id': 7, 'left_share_pct': 50.0}]
    """
    # the same layer twice (gdf.geometry twice: two GeoSeries of one array): overlaps within one layer
    one_layer = left is right or (
        isinstance(left, gpd.GeoSeries) and isinstance(right, gpd.GeoSeries) and left.values is right.values
    )
    left, right = frame_of(left, "overlap_table left"), frame_of(right, "overlap_table right")
    right = left if one_layer else right
    _need_crs(left, "overlap_table left")
    _need_crs(right, "overlap_table right")
    if not isinstance(sliver_pct, (int, float, np.number)) or not 0 <= sliver_pct <= 100:
        raise DataError(
            f"overlap_table: sliver_pct={sliver_pct!r} must be a percentage from 0 to 100 "
            "(0 keeps every pair)"
        )
    lids = feature_ids(left, left_id, role="overlap_table left", param="left_id")
    rids = feature_ids(right, right_id, role="overlap_table right", param="right_id")
    lname, rname = str(lids.name), str(rids.name)
    if lname == rname:
        lname, rname = f"{lname}_left", f"{rname}_right"
    lg = np.asarray(left.geometry.values, dtype=object)
    rg = np.asarray(_in_crs(right.geometry, left.crs).values, dtype=object)
    # candidate pairs by the bounding boxes of the features as they are measured (a 400 km edge in
    # degrees bulges hundreds of metres along its geodesic, beyond the box of the straight edge); only
    # features in a candidate pair are repaired and measured
    measured_l, measured_r = _as_measured(lg, left.crs), _as_measured(rg, left.crs)
    ri, li = shapely.STRtree(measured_l).query(measured_r)
    if left is right:
        # overlaps within one layer: each pair once, never a feature with itself
        ri, li = ri[li < ri], li[li < ri]
    lu, li = np.unique(li, return_inverse=True)
    ru, ri = np.unique(ri, return_inverse=True)
    lg = _clean(lg[lu], "overlap_table left", left.crs, lu, measured_l[lu])
    rg = _clean(rg[ru], "overlap_table right", left.crs, ru, measured_r[ru])
    left_ha, right_ha = _valid_ha(lg, left.crs), _valid_ha(rg, left.crs)
    shapely.prepare(rg)
    # most plots lie wholly inside a reserve: test that first, on prepared reserves, and only the
    # other candidates for intersection at all
    inside = shapely.contains(rg[ri], lg[li])
    rest = np.flatnonzero(~inside)
    hit = inside.copy()
    hit[rest] = shapely.intersects(rg[ri[rest]], lg[li[rest]])
    order = np.lexsort((ru[ri[hit]], lu[li[hit]]))
    li, ri, inside = li[hit][order], ri[hit][order], inside[hit][order]

    overlap = np.full(len(li), np.nan)
    overlap[inside] = left_ha[li[inside]]
    rest = np.flatnonzero(~inside)
    holds = shapely.contains(lg[li[rest]], rg[ri[rest]])
    overlap[rest[holds]] = right_ha[ri[rest[holds]]]
    cut = rest[~holds]
    pieces = _robust(shapely.intersection, "overlap_table", left.crs, lg[li[cut]], rg[ri[cut]])
    overlap[cut] = _valid_ha(pieces, left.crs)
    overlap = _at_most(_at_most(overlap, left_ha[li]), right_ha[ri])

    with np.errstate(invalid="ignore", divide="ignore"):
        # a whole feature is 100 % exactly: 100 * (a / a), not (100 * a) / a
        left_share = 100.0 * (overlap / left_ha[li])
        right_share = 100.0 * (overlap / right_ha[ri])
    positive = overlap > 0
    sliver = positive & (np.fmax(left_share, right_share) < sliver_pct)
    if sliver.any():  # only a cut piece can be a small share of both: narrow ones are slivers
        at = np.searchsorted(cut, np.flatnonzero(sliver))
        sliver[cut[at]] = _mean_width_m(pieces[at], overlap[cut[at]], left.crs) < SLIVER_WIDTH_M
    keep = positive & ~sliver
    table = pd.DataFrame(
        {
            lname: lids.to_numpy()[lu[li[keep]]],
            rname: rids.to_numpy()[ru[ri[keep]]],
            "overlap_ha": overlap[keep],
            "left_share_pct": left_share[keep],
            "right_share_pct": right_share[keep],
        }
    )
    table.attrs.update(
        sliver_pct=float(sliver_pct),
        slivers_dropped=int(sliver.sum()),
        sliver_ha=float(overlap[sliver].sum()),
    )
    return table


_FOLD = str.maketrans("ёәғқңөұүһі", "еагкноуухи")
"""Letters matched as another: ё as е, and Kazakh letters as the Russian ones written for them where a
keyboard or code page has none ('Акмола облысы' for 'Ақмола облысы'; Windows-1251 has no Қ)."""


_LATIN_AS_CYRILLIC = str.maketrans("aceiopxyk", "асеіорхук")
"""Latin letters that look like Cyrillic ones, read as those inside a word with Cyrillic letters ('Aлматы'
typed with a Latin A)."""


def _cyrillic_word(word: str) -> str:
    """A word with Cyrillic letters, its Latin look-alikes as Cyrillic; any other word as it is."""
    return word.translate(_LATIN_AS_CYRILLIC) if re.search("[а-яёәғқңөұүһі]", word) else word


def _name_key(name) -> str:
    """How a region name is matched: in any case, ё as е and Kazakh letters as Russian ones
    (:data:`_FOLD`), Latin look-alikes in a Cyrillic word as Cyrillic, any dash as a hyphen, spaces
    (no-break ones too) collapsed and none around it, zero-width characters left out; a KATO code by
    its digits (100000000, '100000000' and a spreadsheet's 100000000.0 alike)."""
    text = re.sub("[\u200b-\u200d\u2060\ufeff]", "", str(name))  # zero-width characters
    text = " ".join(re.sub("[\u2010-\u2015\u2212]", "-", text).split())
    code = re.fullmatch(r"(\d+)(?:\.0*)?", text)
    if code:
        return code.group(1)
    return " ".join(_cyrillic_word(word) for word in text.casefold().split(" ")).translate(_FOLD)


_ALIASES = {_name_key(k): _name_key(v) for k, v in _ALIASES.items()}


# Words (as _name_key writes them) saying that a name is a city's or a region's: before the name
# ('г. алматы', 'область абай', as Russian names the regions of 2022), after it ('алматы қаласы',
# 'акмолинская обл.', 'akmola region') or after it in brackets ('astana (city)', as name_en and name_kk
# of the bundled regions name a city). (unit, the name column of the word's language) -> words
_UNIT_WORDS = {
    ("city", "name_en"): ("city",),
    ("city", "name_ru"): ("город", "г.", "г"),
    ("city", "name_kk"): ("қаласы", "қала", "қ.", "қ"),
    ("region", "name_en"): ("region", "oblast"),
    ("region", "name_ru"): ("область", "обл.", "обл"),
    ("region", "name_kk"): ("облысы", "облыс", "oblysy"),  # and in Latin letters: 'Almaty oblysy'
}
_UNIT_WORDS = {unit: tuple(dict.fromkeys(_name_key(w) for w in words)) for unit, words in _UNIT_WORDS.items()}
_UNIT_NAMES = {
    unit: re.compile(
        rf"(?:{words})(?:(?<=\.)\s*|\s+)(?P<before>\S.*)|(?P<after>.*\S)(?:\s+(?:{words})|\s*\((?:{words})\))"
    )
    for unit, words in ((u, "|".join(map(re.escape, w))) for u, w in _UNIT_WORDS.items())
}


def _without_unit(key: str) -> tuple[str, str | None, str | None]:
    """A name key without the word saying it is a city's or a region's, which it says and the name
    column of the word's language: ('алматы', 'city', 'name_ru') for 'г. алматы'; (key, None, None)
    for a name without such a word."""
    for (unit, language), pattern in _UNIT_NAMES.items():
        found = pattern.fullmatch(key)
        if found:
            return found["before"] or found["after"], unit, language
    return key, None, None


def _kato(regions: gpd.GeoDataFrame) -> str | None:
    """The regions' id column, ``kato`` (in any case), or None."""
    kato = column_named(regions.columns, LAYER_KINDS["regions"].id_column)
    return kato if kato in regions.columns else None


def _name_columns(regions: gpd.GeoDataFrame) -> list[str]:
    """The columns of ``regions`` that name a region: ``name_kk``, ``name_ru``, ``name_en`` and
    :func:`_kato`, those it has."""
    return [c for c in ("name_kk", "name_ru", "name_en", _kato(regions)) if c in regions.columns]


def _named_by(regions: gpd.GeoDataFrame) -> str:
    """What a region is named by, for messages: 'name_en, name_kk, name_ru or kato'."""
    if _kato(regions) is None:
        return "name_en, name_kk or name_ru"
    return f"name_en, name_kk, name_ru or {LAYER_KINDS['regions'].id_column}"


def _region_matches(
    values: pd.Series, regions: gpd.GeoDataFrame, *, loose: bool = False
) -> list[list[tuple[str, str]]]:
    """The regions each of ``values`` may name, as (name column it matches in, ``name_en``); the
    national name as (its language's column, ``"Kazakhstan"``). No match: an empty list; a name that
    two regions bear ('Алматы' is the region's name_kk and the city's name_ru): both.

    A name matches in any case (:func:`_name_key`), a region's or a city's name with or without its
    unit word (:data:`_UNIT_WORDS`), which then says which of the two it is: 'Алматинская область' and
    'Алматы облысы' are the region, 'г. Алматы' and 'Almaty city' the city. A name without a unit
    word matching a region's whole name also matches a city's without its unit word: 'Almaty' may be
    the region Almaty or 'Almaty (city)'. A region is a city when one of its names says so, a region when one
    says so or the layer's cities are named so. ``loose``: a name without a unit word matches every
    name it is with or without the name's unit word ('Астана' the name_ru, and the name_kk 'Астана
    (қала)'), to tell the languages it may be in.
    """
    whole: dict[str, list] = {}  # key -> [(column, name_en, unit)]
    bare: dict[str, list] = {}  # the same by key without its unit word
    columns = _name_columns(regions)
    keys = {c: [None if pd.isna(v) else _name_key(v) for v in regions[c]] for c in columns}
    rows = [{c: keys[c][i] for c in columns if keys[c][i] is not None} for i in range(len(regions))]
    stems = [{c: _without_unit(key) for c, key in row.items()} for row in rows]
    said = [{u for _, u, _ in stem.values()} - {None} for stem in stems]
    # a layer naming its cities so (the bundled one) makes the regions of plain names regions; in one
    # that does not (geoBoundaries: 'Akmola Region' beside the city 'Astana'), a plain name is either
    cities_said = any("city" in u for u in said)
    units = ["city" if "city" in u else "region" if u or cities_said else None for u in said]
    for row, stem, unit, name in zip(rows, stems, units, regions["name_en"], strict=True):
        for c, key in row.items():
            whole.setdefault(key, []).append((c, name, unit))
            bare.setdefault(stem[c][0], []).append((c, name, unit))
    national = {_name_key(n): col for n, col in _NATIONAL_NAMES.items()}

    def match(key: str) -> list[tuple[str, str]]:
        if key in national:
            return [(national[key], NATIONAL)]
        stem, unit, _ = _without_unit(key)
        alias = _ALIASES.get(stem) if stem not in bare else None  # 'ВКО', 'г. Нур-Султан', 'Abai Region'
        if alias is not None and unit in (None, _without_unit(alias)[1]):
            key = alias  # a name with its own unit word ('г. астана'), or a plain one without
            stem, unit, _ = _without_unit(key)
        elif alias is not None and _without_unit(alias)[1] is None:
            key = key.replace(stem, alias, 1)  # another spelling, its unit word kept ('abay region')
            stem = alias
        hits = whole.get(key, [])
        if unit is None and (loose or all(u == "region" for _, _, u in hits)):
            # 'Almaty' in a layer naming its cities so: the region's whole name_en, and the city's
            # without '(city)' (where a plain name is a city's, 'Almaty' beside 'Almaty Region', it is that)
            return list(dict.fromkeys((c, n) for c, n, _ in hits + bare.get(key, [])))
        for each in (hits, bare.get(stem, [])):
            named = list(dict.fromkeys((c, n) for c, n, u in each if None in (unit, u) or unit == u))
            if named:
                return named
        return []

    found: dict[str, list] = {}
    out = []
    for value in values:
        if pd.isna(value) or not str(value).strip():
            out.append([])
            continue
        key = _name_key(value)
        if key not in found:
            found[key] = match(key)
        out.append(found[key])
    return out


def _bearers(matches: list[tuple[str, str]]) -> list[str]:
    """The ``name_en`` of each region among :func:`_region_matches` of one name, once."""
    return list(dict.fromkeys(name for _, name in matches))


def _region_of_plots(plots: gpd.GeoDataFrame, regions: gpd.GeoDataFrame, ids: pd.Series) -> pd.Series:
    """Region name of each plot: its own ``region`` value (as :func:`_region_matches` matches it),
    else (blank, or the national name) the region holding its inner point."""
    raw = plots["region"] if "region" in plots.columns else pd.Series(None, index=plots.index, dtype=object)
    matches = _region_matches(raw, regions)
    order = _name_columns(regions)

    def named(value, found):
        if pd.isna(value) or not str(value).strip():
            return None
        if not found:  # a name the regions layer lacks: kept as given
            return value.strip() if isinstance(value, str) else value
        # a name two regions bear and where the plot lies cannot settle: name_en's, else name_ru's
        name = max(found, key=lambda m: order.index(m[0]) if m[0] in order else -1)[1]
        return None if name == NATIONAL else name

    # object dtype throughout: a column of only missing values maps to float64, which refuses names
    given = pd.Series(
        [named(v, m) for v, m in zip(raw, matches, strict=True)],
        index=plots.index,
        dtype=object,
        name=raw.name,
    )
    located = _region_holding(plots, regions)
    # a name two regions bear ('Алматы'): the one of them that holds the plot, else said
    twofold = [(i, _bearers(m)) for i, m in enumerate(matches) if len(_bearers(m)) > 1]
    unsettled = np.zeros(len(plots), dtype=bool)
    if twofold:
        values = given.to_numpy(dtype=object).copy()
        for i, bearers in twofold:
            if located[i] in bearers:
                values[i] = located[i]
            else:
                unsettled[i] = True
        given = pd.Series(values, index=given.index, dtype=object, name=given.name)
        if unsettled.any():
            rows = np.flatnonzero(unsettled)
            name = raw.iloc[rows[0]]
            warn_caller(
                f"planting_progress plots: {len(rows):,} plot(s) are named {name!r}, which "
                f"{_and(_bearers(matches[rows[0]]))} both bear, and lie in neither (or have no geometry): "
                f"{_show_ids(ids.iloc[rows])}; they are tabled under {given.iloc[rows[0]]}; name their "
                "region as the regions layer's name_en does",
                KzgeoWarning,
            )
    unknown = given.isna().to_numpy()
    _warn_if_elsewhere(given, located, unknown | unsettled, regions, ids)
    values = given.to_numpy(dtype=object).copy()
    values[unknown] = located[unknown]
    return pd.Series(values, index=given.index, dtype=object, name=given.name)


def _region_holding(plots: gpd.GeoDataFrame, regions: gpd.GeoDataFrame) -> np.ndarray:
    """The ``name_en`` of the region holding each plot's inner point (None: in none, or no geometry),
    inside the region as coverage() and hectares() draw it: long edges along their geodesics; a point
    on a shared border gets the first region."""
    geoms = np.asarray(plots.geometry.values, dtype=object)
    present = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    located = np.full(len(plots), None, dtype=object)
    if not len(present):
        return located
    points = gpd.GeoSeries(shapely.point_on_surface(geoms[present]), crs=plots.crs).to_crs(regions.crs)
    # the points in the tree, each region asked which it contains: 14x faster than each point asking
    # which region holds it (a region's prepared polygon serves all its points)
    rj, pi = shapely.STRtree(np.asarray(points.values)).query(
        _as_measured(regions.geometry.values, regions.crs), predicate="contains"
    )
    order = np.lexsort((rj, pi))  # by point, then region: a point on a shared border gets the first
    pi, rj = pi[order], rj[order]
    first = np.unique(pi, return_index=True)[1]
    located[present[pi[first]]] = regions["name_en"].to_numpy()[rj[first]]
    return located


def _warn_if_elsewhere(given: pd.Series, located: np.ndarray, unknown: np.ndarray, regions, ids) -> None:
    """Warn of plots whose region column names a region of ``regions`` other than the one that holds
    them (a plot filed under a neighbour): they stay under the name given."""
    known = given.isin(set(regions["name_en"])).to_numpy()
    located_known = pd.Series(located).notna().to_numpy()
    elsewhere = np.flatnonzero(known & ~unknown & located_known & (given.to_numpy() != located))
    if not len(elsewhere):
        return
    shown = _show_ids(elsewhere, lambda i: f"{ids.iloc[i]} ({given.iloc[i]}, lies in {located[i]})")
    warn_caller(
        f"planting_progress plots: {len(elsewhere):,} plot(s) lie in another region than their region "
        f"column says: {shown}; they are tabled under the region given; correct the column, or leave it "
        "blank to place a plot by where it lies",
        KzgeoWarning,
    )


def _plan_regions(plan: pd.DataFrame, regions: gpd.GeoDataFrame, planted: set) -> pd.DataFrame:
    """The plan with each region named as in ``regions.name_en`` (a plan may name them as
    :func:`_region_matches` matches them).

    A region neither in ``regions`` nor among the ``planted`` regions of the plots would become a row
    of 0 % done: it is an error instead.
    """
    given = plan["region"].astype(str).str.strip()
    matches = _region_matches(plan["region"], regions)
    only_plots = {_name_key(r): r for r in planted}  # names the plots use and the layer lacks
    bearers = [_bearers(m) or [only_plots.get(_name_key(g))] for g, m in zip(given, matches, strict=True)]
    unknown = sorted({g for g, b in zip(given, bearers, strict=True) if b == [None]})
    if unknown:
        known = ", ".join(sorted(map(str, regions["name_en"]))[:4])
        raise DataError(
            f"planting_progress plan: region(s) {_show_ids(unknown, repr)} are in no row of the "
            f"regions layer (by {_named_by(regions)}); name them as the regions do (e.g. {known}, ...) "
            f"or {NATIONAL!r} for the national plan"
        )
    twofold = [i for i, b in enumerate(bearers) if len(b) > 1]
    if twofold:
        named = {b[0] for b in bearers if len(b) == 1}  # the regions other rows name unmistakably
        # languages of the other names: a name the same in several ('Астана', the name_ru and the
        # name_kk without '(қала)') is evidence for none of them
        loose = _region_matches(plan["region"], regions, loose=True)
        languages = {_language(g, m) for g, m, b in zip(given, loose, bearers, strict=True) if len(b) == 1}
        for i in twofold:
            # 'Алматы' beside 'Алматы облысы' (or 'Almaty' beside 'Almaty (city)') is the other one;
            # in a Russian plan (other names in Russian, none in Kazakh) it is the city; any other plan
            # leaves doubt, and is refused
            meant = [b for b in bearers[i] if b not in named]
            if len(meant) > 1 and "name_ru" in languages and "name_kk" not in languages:
                meant = [b for b in meant if ("name_ru", b) in matches[i]]
            if len(meant) != 1:
                raise DataError(
                    f"planting_progress plan: region {given.iloc[i]!r} of row {plan.index[i] + 2} may be "
                    f"{' or '.join(bearers[i])} of the regions layer, and the plan's other rows do not tell "
                    "which (neither is named otherwise); name it "
                    f"{_unmistakably(given.iloc[i], bearers[i], regions)}"
                )
            bearers[i] = meant
    plan = plan.assign(region=[b[0] for b in bearers])
    twice = plan.duplicated(["region", "year"], keep=False).to_numpy()
    if twice.any():
        first = int(np.flatnonzero(twice)[0])
        same = np.flatnonzero(
            twice & (plan["region"] == plan["region"].iloc[first]).to_numpy()
            & (plan["year"] == plan["year"].iloc[first]).to_numpy()
        )  # fmt: skip
        rows = _and(f"{given.iloc[i]!r} (row {plan.index[i] + 2})" for i in same)
        raise DataError(
            f"planting_progress plan: {rows} plan one region for {plan['year'].iloc[first]} "
            f"({plan['region'].iloc[first]}); keep one row per region and year"
        )
    return plan


def _language(given: str, matches: list[tuple[str, str]]) -> str | None:
    """The name column of the language of a plan's region name: its unit word's ('область Абай' is
    Russian, though 'Абай' is the name_kk), else the one name column it matches in (with or without
    the names' unit words: 'Астана' is the name_ru and, without '(қала)', the name_kk), else None."""
    language = _without_unit(_name_key(given))[2]
    columns = {column for column, _ in matches}
    return language or (columns.pop() if len(columns) == 1 else None)


def _unmistakably(given: str, bearers: list[str], regions: gpd.GeoDataFrame) -> str:
    """How a plan names each of the ``bearers`` of the name ``given`` unmistakably: with a unit word
    when that tells them apart ('Алматы облысы' or 'Алматы қаласы'), by name_en when each of those
    is one region's only, or by kato."""
    ways = []
    words = ("облысы", "қаласы") if re.search("[а-яёәғқңөұүһі]", given, re.IGNORECASE) else ("region", "city")
    spelled = [f"{given} {word}" for word in words]
    named = [_bearers(m) for m in _region_matches(pd.Series(spelled), regions)]
    if sorted(n[0] for n in named if len(n) == 1) == sorted(bearers):
        ways.append(" or ".join(repr(spelled[named.index([b])]) for b in bearers))
    if all(len(_bearers(m)) == 1 for m in _region_matches(pd.Series(bearers), regions)):
        ways.append(f"by name_en ({' or '.join(map(repr, bearers))})")
    kato = _kato(regions)
    if kato is not None:
        codes = [_name_key(regions.loc[regions["name_en"] == b, kato].iloc[0]) for b in bearers]
        ways.append(f"{'by ' * (not ways)}{kato} ({' or '.join(codes)})")
    return ", or ".join(ways)


def _national_plan(plan: pd.DataFrame, planted: dict[int, set]) -> pd.DataFrame:
    """The plan with a national row for each year that has regional rows and no national row.

    The national row is the sum of the year's regional rows when they cover every region (of the
    regions layer) with plots that year (``planted``: year -> regions). When they leave a planted
    region out, their sum is a part of the country's plan: the year gets no national row (its
    national plan and share done stay empty), and one warning names those years and the regions
    left out.
    """
    years = set(plan.loc[plan["region"] == NATIONAL, "year"])
    regional = plan[(plan["region"] != NATIONAL) & ~plan["year"].isin(years)]
    if regional.empty:
        return plan
    partial = {}  # year -> (regions with plots the plan leaves out, regions with plots)
    for year, rows in regional.groupby("year", sort=True):
        with_plots = planted.get(int(year), set())
        left_out = sorted(map(str, with_plots - set(rows["region"])))
        if left_out:
            partial[int(year)] = (left_out, len(with_plots))
    if partial:
        one = len(partial) == 1
        each = "; ".join(
            f"{year} leaves out {len(left_out)} of {n}: {_show_ids(left_out)}"
            for year, (left_out, n) in partial.items()
        )
        warnings.warn(
            f"planting_progress plan: for {_and(partial)} the plan has no {NATIONAL!r} row and leaves out "
            f"regions with plots ({each}); the national rows of {'that year' if one else 'those years'} "
            "get no seedlings_plan, ha_plan or done %, not the sum of part of the country's plan; add a "
            f"{NATIONAL!r} row for {'that year' if one else 'each of those years'}, or rows for the missing "
            "regions",
            KzgeoWarning,
            stacklevel=3,
        )
    regional = regional[~regional["year"].isin(partial)]
    if regional.empty:
        return plan
    sums = regional.groupby("year", as_index=False)[["seedlings_plan", "ha_plan"]].sum()
    sums["region"] = NATIONAL
    programme = NATIONAL_PLAN.set_index("year")
    replaced = sums[sums["year"].isin(programme.index)]
    for year, seedlings, ha in replaced[["year", "seedlings_plan", "ha_plan"]].to_numpy():
        target = programme.loc[int(year)]
        warnings.warn(
            f"planting_progress plan: no {NATIONAL!r} row for {year:.0f}; the national plan is taken as the "
            f"sum of the regional rows ({seedlings:,.0f} seedlings on {ha:,.0f} ha), not the programme's "
            f"{target['seedlings_plan']:,.0f} seedlings on {target['ha_plan']:,.0f} ha; add a {NATIONAL!r} "
            "row to the plan to set it",
            KzgeoWarning,
            stacklevel=3,
        )
    return pd.concat([plan, sums[list(PLAN_COLUMNS)]], ignore_index=True)


def _check_plan(plan: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(plan, pd.DataFrame):
        raise DataError(
            f"planting_progress plan: got a {type(plan).__name__}; give a DataFrame with columns "
            f"{', '.join(PLAN_COLUMNS)} (pd.DataFrame(rows, columns=[...]) or pd.read_csv)"
        )
    headers = _plan_headers(plan.columns, "planting_progress plan")
    missing = [c for c in PLAN_COLUMNS if not headers[c]]
    if missing:
        ru, kk = (", ".join(names[i][0] for names in _PLAN_HEADERS.values()) for i in (0, 1))
        raise SchemaError(
            f"planting_progress plan: column(s) {', '.join(missing)} missing (columns: "
            f"{', '.join(map(str, plan.columns))}); the plan table needs {', '.join(PLAN_COLUMNS)} "
            f"(in Russian {ru}; in Kazakh {kk})"
        )
    plan = plan.reset_index(drop=True)
    # rows empty in every column (Excel's ';;;' lines at a CSV's end, a sheet's blank rows) are left
    # out; the others keep their place (the index) for row numbers
    text = plan.astype(str).apply(lambda column: column.str.strip())
    plan = plan[~(plan.isna() | text.isin(["", "nan", "None"])).all(axis=1)]
    plan = plan.loc[:, [headers[c][0] for c in PLAN_COLUMNS]].set_axis(list(PLAN_COLUMNS), axis=1)
    if plan.empty:  # a header alone would replace the programme's plan with none
        raise DataError(
            "planting_progress plan: the table has a header and no rows; add a row per region and year "
            f"(or {NATIONAL!r}), or leave the plan out to compare with the national 2025 plan"
        )
    rows = pd.Series([f"row {i + 2}" for i in plan.index], index=plan.index)  # row 1 is the header
    region = plan["region"]
    blank = region.isna() | region.astype(str).str.strip().isin(["", "nan", "None"])
    if blank.any():
        i = int(np.flatnonzero(blank.to_numpy())[0])
        raise DataError(
            f"planting_progress plan: region of {rows.iloc[i]} is empty; name the region as the regions "
            f"layer does, or {NATIONAL!r} for the national plan"
        )
    for col, rule in _PLAN_RULES.items():
        plan[col] = _checked_numbers(plan[col], rule, rows, "planting_progress plan", "fix the plan table")
    plan["year"] = plan["year"].astype(int)
    return plan


def _header_key(header) -> str:
    """How a plan's header is matched: in any case, ё as е, spaces and hyphens as underscores."""
    return re.sub(r"[\s\-]+", "_", str(header).strip()).casefold().replace("ё", "е")


def _plan_headers(headers, role: str | None = None) -> dict[str, list]:
    """Each of :data:`PLAN_COLUMNS` -> the ``headers`` that name it: itself or one of its Russian and
    Kazakh names (:data:`_PLAN_HEADERS`), as :func:`_header_key` matches them. With a ``role`` (the
    plan's name in messages), two headers naming one column are a SchemaError."""
    names = {
        _header_key(name): column for column, (ru, kk) in _PLAN_HEADERS.items() for name in (column, *ru, *kk)
    }
    found: dict[str, list] = {column: [] for column in PLAN_COLUMNS}
    for header in headers:
        if _header_key(header) in names:
            found[names[_header_key(header)]].append(header)
    for column, named in found.items():
        if role is not None and len(named) > 1:
            words = (column, *(name for names in _PLAN_HEADERS[column] for name in names))
            raise SchemaError(
                f"{role}: columns {_and(map(repr, named))} both name the plan's {column} column "
                f"({', '.join(words[:-1])} or {words[-1]}); keep one of them"
            )
    return found


# column -> (required, lowest, highest, whole numbers only)
_YEAR_RULE = (True, 1900, 2100, True)
_PLAN_RULES = {"year": _YEAR_RULE, "seedlings_plan": (True, 0, 1e12, False), "ha_plan": (True, 0, 3e8, False)}
_PLOT_RULES = {
    "year": _YEAR_RULE,
    "seedlings": (False, 0, 1e12, True),  # a count
    "declared_ha": (False, 0, 3e8, False),  # Kazakhstan is 272 million ha
    "survival_pct": (False, 0, 100, False),
}


def _checked_numbers(values: pd.Series, rule: tuple, where: pd.Series, label: str, fix: str) -> pd.Series:
    """``values`` as numbers, or a DataError naming the first one that is not a number in range.

    ``where`` names each value's row (``plot p7``, ``row 3``) for the message.
    """
    required, lo, hi, whole = rule
    fmt = ".0f" if whole else ",.0f"
    # '336 500 000' as Excel writes it in Kazakh and Russian settings: spaces group the thousands
    spaced = values.map(lambda v: re.sub(r"[\s\u00a0\u202f]", "", v) if isinstance(v, str) else v)
    numbers = pd.to_numeric(spaced, errors="coerce").astype(float)
    blank = values.isna() | values.astype(str).str.strip().isin(["", "nan", "None"])
    problems = [
        (numbers.isna() & ~blank, "is not a number"),
        (blank if required else pd.Series(False, index=values.index), "is empty"),
        (numbers.notna() & ~((numbers >= lo) & (numbers <= hi)), f"is outside {lo:{fmt}}-{hi:{fmt}}"),
        (numbers.notna() & np.isfinite(numbers) & (numbers % 1 != 0) if whole else numbers.isna() & False,
         "is not a whole number"),
    ]  # fmt: skip
    for bad, why in problems:
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            more = f" (and {int(bad.sum()) - 1} more)" if bad.sum() > 1 else ""
            v = values.iloc[i]
            shown = "" if blank.iloc[i] else f" {v!r}" if isinstance(v, str) else f" {float(v):.12g}"
            raise DataError(f"{label}: {values.name}{shown} of {where.iloc[i]} {why}{more}; {fix}")
    return numbers


def _warn_if_planted_twice(plots: gpd.GeoDataFrame, years: pd.Series, ids: pd.Series, plot_ha) -> None:
    """Warn when plots of one year overlap (a plot entered twice, boundaries drawn over each other):
    planted_ha counts their common hectares twice, as the plots' own areas do."""
    geoms = np.asarray(plots.geometry.values, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if present.sum() < 2:
        return
    rows = np.flatnonzero(present)
    a, b = shapely.STRtree(geoms[rows]).query(geoms[rows], predicate="intersects")
    a, b = rows[a], rows[b]
    year = years.to_numpy()
    keep = (a < b) & (year[a] == year[b])
    a, b = a[keep], b[keep]
    if not len(a):
        return
    ga, gb = shapely.make_valid(geoms[a]), shapely.make_valid(geoms[b])
    common = hectares(gpd.GeoSeries(shapely.intersection(ga, gb), crs=plots.crs))
    smaller = np.minimum(np.asarray(plot_ha)[a], np.asarray(plot_ha)[b])
    twice = common > smaller * SLIVER_PCT / 100  # not boundaries digitised a hair apart
    if not twice.any():
        return
    pairs = _show_ids(
        zip(a[twice], b[twice], strict=True), lambda p: f"{ids.iloc[p[0]]} with {ids.iloc[p[1]]}"
    )
    warnings.warn(
        f"planting_progress plots: {int(twice.sum())} pair(s) of plots of the same year overlap "
        f"({pairs}), {common[twice].sum():,.2f} ha in common "
        "that planted_ha counts twice, as the plots' own areas do; remove plots entered twice (coverage "
        "counts overlaps once)",
        KzgeoWarning,
        stacklevel=3,
    )


def _warn_of_unplaced(region: pd.Series, regions: gpd.GeoDataFrame, ids: pd.Series) -> None:
    """Warn of plots whose region name is in no row of ``regions`` (they get regional rows under that
    name) and of plots in no region (they count in the national rows only), each only when there are."""
    known = set(regions["name_en"])
    stray = region.notna() & ~region.isin(known)
    if stray.any():
        names = sorted({str(r) for r in region[stray]})
        example = ", ".join(sorted({str(n) for n in regions["name_en"].dropna()})[:3])  # each name once
        warnings.warn(
            f"planting_progress plots: {len(names)} region name(s) of {int(stray.sum()):,} plot(s) are in no "
            f"row of the regions layer (by {_named_by(regions)}): {_show_ids(names)}; these plots are "
            "tabled in regional rows under those names as given, and in the national rows; name the regions "
            f"as the regions layer does (e.g. {example}, ...), or give a regions layer with these names",
            KzgeoWarning,
            stacklevel=3,
        )
    nowhere = region.isna()
    if nowhere.any():
        warnings.warn(
            f"planting_progress plots: {int(nowhere.sum()):,} plot(s) without a region lie in no region of "
            f"the regions layer ({_show_ids(ids[nowhere])}); they are counted in the national rows only, "
            "in no regional row; give them a region, or check that the regions layer covers them",
            KzgeoWarning,
            stacklevel=3,
        )


def _places(regions: gpd.GeoDataFrame) -> dict:
    """Each region's ``name_en`` -> its place in the tables: in KATO order (:func:`_kato`, as numbers
    when they all are), as the layer lists its regions when it has no codes; in every language."""
    kato = _kato(regions)
    order = range(len(regions))
    if kato is not None:
        codes = [_name_key(code) for code in regions[kato]]
        numbers = all(code.isdigit() for code in codes)
        order = sorted(order, key=lambda i: int(codes[i]) if numbers else codes[i])
    places: dict = {}
    for place, i in enumerate(order):
        places.setdefault(regions["name_en"].iloc[i], place)
    return places


def planting_progress(
    plots: gpd.GeoDataFrame, regions: gpd.GeoDataFrame, plan: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Tree planting per region and year, with survival and progress against the plan.

    Parameters
    ----------
    plots : GeoDataFrame
        Planting plots with the ``plots`` kind's columns: ``region`` (named as below), ``year``,
        ``seedlings``, ``declared_ha`` and ``survival_pct`` (a percentage; may be missing). A plot
        without a region (missing, blank, or ``"Kazakhstan"``) gets the region that holds its inner
        point; a plot named under another region than the one holding it stays under the name given,
        with a warning.
    regions : GeoDataFrame
        Regions with ``name_en``; used to place plots without a region and to check region names.
        The plots and the plan name a region by its ``name_en``, ``name_kk`` or ``name_ru`` (those
        ``regions`` has) in any case, ё as е, with or without a unit word (``'Акмолинская
        область'``, ``'Ақмола облысы'``, ``'Akmola Region'``; ``'г. Алматы'``, ``'Алматы қаласы'``,
        ``'Almaty city'``), which tells a region from a city of the same name; by the abbreviations
        of the three Kazakhstan regions (``'ВКО'``, ``'ШҚО'``), Astana's former
        ``'Нур-Султан'`` and other Latin spellings (``'Abai'``, ``'Turkistan'``, ``'Karaganda'``);
        Kazakh written with the Russian letters for its own (``'Акмола облысы'``); or by its KATO
        code (``kato``, as a number or text). A name two regions
        may bear (``'Алматы'`` is the region's name_kk and the city's name_ru; ``'Almaty'`` the
        region's name_en and the city's without ``(city)``) is the one of them that holds a plot;
        in the plan, the other one when the plan names one of them otherwise (``'Алматы облысы'``,
        ``'Almaty (city)'``), the city in a plan of Russian names, and an error otherwise.
    plan : DataFrame, optional
        Columns ``region, year, seedlings_plan, ha_plan``, headers in any case, spaces or hyphens
        for underscores; or their Russian or Kazakh names: ``регион`` or ``область``, ``облыс`` or
        ``аймақ``; ``год``, ``жыл``; ``саженцы_план`` or ``план_саженцев``, ``көшет_жоспар``;
        ``га_план`` or ``план_га``, ``жоспар_га`` (two columns naming one are an error); other
        columns are left out; rows empty in every column are left out. A row whose region is
        ``"Kazakhstan"`` (or the country's name in kk or ru, or a total row: ``'Итого'``, ``'Всего'``,
        ``'Барлығы'``, ``'Total'``, ``'РК'``, ``'ҚР'``) is the national plan; for a
        year with regional rows but no national row, the national plan is the sum of the regional
        rows when they cover every region of ``regions`` with plots that year (plots under a region
        name ``regions`` lacks are warned of and do not count; with a warning for 2025, whose
        programme target it replaces), and is left empty (``nan``, with a warning) when they leave
        such a region out. By default only the national 2025 plan (:data:`NATIONAL_PLAN`).

    Returns
    -------
    DataFrame
        Year by year, one row per region with plots or a plan, the regions in KATO order (``kato``;
        in the order of ``regions`` without it; names only the plots or the plan use after them),
        then the national row (``region == "Kazakhstan"``): ``region``, ``year``, ``plots``,
        ``planted_ha`` (ellipsoidal area of the plots), ``declared_ha``, ``seedlings``,
        ``survival_pct`` (seedling-weighted mean over plots with a count, ``nan`` when none),
        ``seedlings_plan``, ``ha_plan``, ``seedlings_done_pct`` and ``ha_done_pct`` (``nan``
        without a plan).

    Raises
    ------
    SchemaError
        A column is missing from ``plots``, ``regions`` or ``plan``, or two plan columns name one.
    DataError
        A plan value is not a number, a plan region is in no name column of ``regions`` (or is
        a name two regions bear and the plan's other rows do not tell which), or a region and year
        are planned twice.

    Warns
    -----
    KzgeoWarning
        Plots whose region name is not among ``regions`` (tabled under that name), plots without a
        region that lie in none (national rows only); ``survival_pct`` values that all look like
        fractions (at most 1); a 2025 plan without a national row; years whose plan has no national
        row and leaves out a region with plots (national plan left empty); plots of one year that
        overlap by more than 0.1 % of the smaller (a plot entered twice), whose common hectares
        ``planted_ha`` counts twice.
    """
    plots = frame_of(plots, "planting_progress plots")
    regions = frame_of(regions, "planting_progress regions")
    _need_crs(plots, "planting_progress plots")
    _need_crs(regions, "planting_progress regions")
    missing = [c for c in PLOT_COLUMNS if c not in plots.columns and c not in ("region", "survival_pct")]
    if missing:
        raise SchemaError(
            f"planting_progress plots: column(s) {', '.join(missing)} missing; a plots layer has "
            f"{', '.join(PLOT_COLUMNS)} (read it with read_layer(..., kind='plots'))"
        )
    if "name_en" not in regions.columns:
        raise SchemaError(
            "planting_progress regions: no 'name_en' column; "
            "read the regions with read_layer(..., kind='regions')"
        )
    ids = plots["plot_id"] if "plot_id" in plots.columns else pd.Series(plots.index, index=plots.index)
    where = "plot " + ids.astype(str)
    numbers = {
        col: _checked_numbers(plots[col], rule, where, "planting_progress plots", "fix the plots layer")
        for col, rule in _PLOT_RULES.items()
        if col in plots.columns
    }
    if not len(plots):
        warn_caller(
            "planting_progress plots: the layer has no features, so nothing is planted in the table; check "
            "that the right layer (or filter) was given",
            KzgeoWarning,
        )
    region = _region_of_plots(plots, regions, ids)
    if plan is None:
        plan = NATIONAL_PLAN
    else:
        planted_in: dict[int, set] = {}  # year -> the regions (of the regions layer) with plots that year
        # a name only the plots use (a typo) is warned of below, and does not void the national plan
        placed = region.isin(set(regions["name_en"])).to_numpy()  # by position: labels may repeat
        for year, name in zip(numbers["year"].to_numpy()[placed], region.to_numpy()[placed], strict=True):
            planted_in.setdefault(int(year), set()).add(name)
        plan = _national_plan(_plan_regions(_check_plan(plan), regions, set(region.dropna())), planted_in)
    _warn_of_unplaced(region, regions, ids)
    seedlings = numbers["seedlings"]
    survival = numbers.get("survival_pct", pd.Series(np.nan, index=plots.index))
    if (survival > 0).any() and (survival.dropna() <= 1).all():
        warnings.warn(
            f"planting_progress plots: every survival_pct is at most 1 (e.g. {survival.max():g}); they look "
            "like fractions, but survival_pct is a percentage (0-100): multiply them by 100 if so",
            KzgeoWarning,
            stacklevel=2,
        )
    planted = hectares(plots)
    _warn_if_planted_twice(plots, numbers["year"], ids, planted)
    counted = survival.notna() & seedlings.notna()
    frame = pd.DataFrame(
        {
            "region": region,
            "year": numbers["year"].astype("Int64"),
            "planted_ha": planted,
            "declared_ha": numbers["declared_ha"],
            "seedlings": seedlings,
            "_alive": (seedlings * survival / 100.0).where(counted),
            "_counted": seedlings.where(counted),
        }
    )

    def summarise(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
        out = df.groupby(keys, sort=True).agg(
            plots=("planted_ha", "size"),
            planted_ha=("planted_ha", "sum"),
            declared_ha=("declared_ha", "sum"),
            seedlings=("seedlings", "sum"),
            _alive=("_alive", lambda s: s.sum(min_count=1)),
            _counted=("_counted", lambda s: s.sum(min_count=1)),
        )
        return out.reset_index()

    regional = summarise(frame.dropna(subset=["region", "year"]), ["region", "year"])
    national = summarise(frame.dropna(subset=["year"]), ["year"]).assign(region=NATIONAL)
    table = pd.concat([regional, national], ignore_index=True)
    table["year"] = table["year"].astype(int)
    table = table.merge(plan, on=["region", "year"], how="outer")
    table["_national"] = table["region"] == NATIONAL
    table["_place"] = table["region"].map(_places(regions))  # names of no region after the regions
    table = table.sort_values(["year", "_national", "_place", "region"], kind="stable", na_position="last")
    table = table.reset_index(drop=True)
    table["plots"] = table["plots"].fillna(0).astype(int)
    for col in ("planted_ha", "declared_ha", "seedlings"):
        table[col] = table[col].fillna(0.0)
    table["seedlings"] = table["seedlings"].astype("int64")  # whole counts (checked), summed
    with np.errstate(invalid="ignore", divide="ignore"):
        table["survival_pct"] = 100.0 * table["_alive"] / table["_counted"]
        # a plan of 0 has no share done
        table["seedlings_done_pct"] = 100.0 * table["seedlings"] / table["seedlings_plan"].replace(0, np.nan)
        table["ha_done_pct"] = 100.0 * table["planted_ha"] / table["ha_plan"].replace(0, np.nan)
    columns = [
        "region", "year", "plots", "planted_ha", "declared_ha", "seedlings", "survival_pct",
        "seedlings_plan", "ha_plan", "seedlings_done_pct", "ha_done_pct",
    ]  # fmt: skip
    return table[columns]

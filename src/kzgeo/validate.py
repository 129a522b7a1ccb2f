"""Validation and repair of layers: CRS, plausible coordinates, geometry validity and type, ids.

Everything here works on GeoDataFrames; :func:`kzgeo.read_layer` calls :func:`validate_layer` on
every file it reads.
"""

from __future__ import annotations

import contextvars
import functools
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError as ProjCRSError

from kzgeo.errors import CRSError, GeometryError, KzgeoWarning, RepairWarning, SchemaError
from kzgeo.schemas import LAYER_KINDS, OSM_PROTECT_CLASS_TO_IUCN, POLYGONAL, LayerKind, get_kind

__all__ = ["KAZAKHSTAN_BOUNDS", "MARGIN_DEG", "ValidationReport", "guess_kind", "validate_layer"]

# lon_min, lat_min, lon_max, lat_max of the country (46.49E..87.32E, 40.57N..55.44N)
KAZAKHSTAN_BOUNDS = (46.4, 40.5, 87.4, 55.5)
# How far beyond those bounds a feature may reach, in degrees: enough for layers that cross into
# neighbouring countries (the Aral and Balkhash basins, migration routes), not enough to take a
# misplaced or mislabelled layer for Kazakhstan.
MARGIN_DEG = 3.0
_MAX_IDS_SHOWN = 5
# WDPA STATUS values of sites that are not (yet) protected
_NOT_PROTECTED = ("proposed", "not reported")
# Kazakhstan's outline buffered by 58 km and simplified by 8 km (both in a Lambert azimuthal equal-area
# projection centred on 67E 48N), so 45-70 km around the border: the union of data/regions.gpkg (geokz
# ADM1 2024, see data/README.md), 146 vertices rounded to 0.01°. Swapped coordinates of western
# Kazakhstan fall inside the bounding box but outside this outline.
_OUTLINE_WKT = (
    "POLYGON ((45.8 48.19, 45.71 48.39, 46.05 49.15, 46.1 49.95, 46.62 50.6, 47.15 50.92, 47.89 50.95, "
    "48.54 51.17, 48.81 51.48, 49.68 51.73, 50.16 52.15, 50.78 52.29, 51.57 52.17, 52.63 52.25, 53.05 "
    "52.05, 53.81 51.95, 54.8 51.43, 55.63 51.3, 56.27 51.59, 58.36 51.68, 59.08 51.47, 59.39 51.19, "
    "59.77 51.35, 59.26 51.76, 59.22 52.05, 59.31 52.23, 59.9 52.53, 59.9 52.9, 60.31 53.26, 60.03 53.66, "
    "60.34 54.28, 60.97 54.56, 62.38 54.57, 64.62 54.92, 65.36 55.17, 66.84 55.3, 68.98 55.95, 70.21 "
    "55.77, 71.3 55.74, 72.1 54.89, 73.33 54.56, 74.14 54.52, 74.51 54.31, 75.93 54.85, 77.24 54.95, "
    "77.72 54.7, 77.68 54.1, 78.66 53.55, 80.25 51.75, 81.1 51.77, 82.2 51.3, 82.93 51.52, 83.69 51.51, "
    "84.46 51.22, 85.03 50.64, 85.65 50.37, 85.85 50.09, 86.61 50.32, 87.32 50.2, 87.59 49.7, 88.04 "
    "49.38, 88.04 48.88, 87.54 48.6, 87.17 48.19, 86.36 47.94, 86.45 47.14, 86.06 46.68, 84.84 46.32, "
    "83.52 46.53, 83.18 45.75, 83.35 45.22, 83.09 44.82, 82.6 44.61, 81.51 44.75, 81.19 44.65, 81.13 "
    "44.24, 81.51 43.13, 80.98 42.46, 80.95 42.08, 80.52 41.74, 79.77 41.75, 78.69 42.29, 77 42.43, 75.64 "
    "42.28, 75.04 42.34, 74.22 42.65, 74.16 42.21, 73.59 41.89, 71.71 42.25, 71.09 41.61, 70.02 41.19, "
    "69.38 40.78, 69.29 40.44, 69.04 40.19, 68.41 40.07, 67.76 40.3, 67.33 40.69, 66.5 40.73, 66.02 "
    "40.97, 65.89 41.43, 65.36 41.74, 65.34 42.49, 64.85 43.13, 63.38 43.14, 61.96 42.97, 61.58 43.07, "
    "60.63 43.88, 58.46 45.01, 56.73 44.62, 56.69 41.32, 56.51 40.97, 55.84 40.75, 55.24 40.77, 54.75 "
    "41.08, 54.29 41.67, 54 41.82, 53.35 41.67, 52.8 41.32, 52.28 41.26, 51.86 41.48, 51.76 41.66, 51.77 "
    "42.32, 50.65 42.89, 50.57 43.32, 50.22 43.79, 49.63 44.09, 49.26 44.91, 49.31 45.2, 49.7 45.52, "
    "50.66 45.53, 51.14 45.84, 51.88 45.94, 51.89 46.22, 51.01 46.36, 50.59 46.22, 50.28 45.8, 49.87 "
    "45.65, 49.26 45.65, 47.93 46.3, 47.72 46.64, 47.91 47.03, 47.68 47.21, 47.23 47.17, 46.69 47.36, "
    "46.25 47.94, 45.8 48.19))"
)
# features tested against the outline: a sample keeps the test cheap on large layers
_OUTLINE_SAMPLE = 1000


@dataclass
class ValidationReport:
    """What validation found and changed in a layer."""

    features_read: int = 0
    dropped_empty: list = field(default_factory=list)
    repaired: list = field(default_factory=list)
    repaired_ha_change: float = 0.0
    generated_ids: bool = False
    dropped_status: list = field(default_factory=list)
    renamed: dict = field(default_factory=dict)
    repeated_ids: list = field(default_factory=list)  # with unique_ids=False: ids that repeat
    id_column: str | None = None

    @property
    def clean(self) -> bool:
        return not (self.dropped_empty or self.repaired)

    def summary(self) -> str:
        parts = [f"{self.features_read} feature{'' if self.features_read == 1 else 's'} read"]
        parts.append(
            f"{len(self.dropped_empty)} empty dropped" if self.dropped_empty else "no empty geometries"
        )
        if self.dropped_status:
            parts.append(f"{len(self.dropped_status)} proposed or not reported dropped")
        if self.repaired:
            change = self.repaired_ha_change
            against = (
                "the hectares a zero-width buffer gives, to 0.01 ha"
                if abs(change) < 0.005
                else f"{change:+,.2f} ha against a zero-width buffer"
            )
            parts.append(f"{len(self.repaired)} invalid repaired ({against})")
        else:
            parts.append("all geometries valid")
        if self.repeated_ids:
            shown = _show_ids(self.repeated_ids)
            parts.append(
                f"{len(self.repeated_ids)} {self.id_column} value(s) repeat ({shown}): make them unique, "
                "or name another id column (zone_id=, left_id=, right_id=; CLI: --id, --zone-id)"
            )
        return ", ".join(parts)


def _which(gdf: gpd.GeoDataFrame, rows) -> str:
    """Features at positions ``rows`` of ``gdf`` as a person finds them: by an id column the file
    has (``plot_id b, c``), else by their place in the file as the tables number it (``index 1, 4
    (from 0)``)."""
    # a kind's id, then a generic one, in any case, and only a column that tells features apart
    # (ArcGIS gives Shapefiles an Id of zeros)
    kinds = {k.id_column for k in LAYER_KINDS.values()} | {"wdpaid"}
    named = [c for c in gdf.columns if str(c).casefold() in kinds] + [
        c for c in gdf.columns if str(c).casefold() in ("id", "fid", "osm_id")
    ]
    column = next((c for c in named if gdf[c].notna().all() and gdf[c].is_unique), None)
    if column is not None:
        return f"{column} {_show_ids(gdf[column].iloc[rows])}"
    return f"index {_show_ids(rows)} (from 0)"


def _show_ids(ids, show: Callable[[Any], str] = str) -> str:
    """Up to five ids or names, each as ``show`` writes it (``repr`` for values, a function of a row
    for a row's fuller description), then how many more: ``A, B, C, D, E and 14 more``."""
    ids = list(ids)
    shown = ", ".join(show(i) for i in ids[:_MAX_IDS_SHOWN])
    return shown + (f" and {len(ids) - _MAX_IDS_SHOWN:,} more" if len(ids) > _MAX_IDS_SHOWN else "")


def guess_kind(gdf: gpd.GeoDataFrame) -> str | None:
    """Guess the layer kind from column names and geometry type; ``None`` when nothing fits."""
    cols = {c.lower() for c in gdf.columns}
    types = set(gdf.geom_type.dropna())
    if types and types <= {"Point", "MultiPoint"}:
        return "landfills" if {"landfill_id", "asset_id"} & cols else None
    if "adm2_en" in cols or "adm2_pcode" in cols:
        return "districts"
    if "adm1_en" in cols or "adm1_pcode" in cols or "shapename" in cols:
        return "regions"
    if {"wdpaid", "desig_eng", "iucn_cat", "protect_class", "pa_id"} & cols:
        return "protected_areas"
    if "corridor_id" in cols:
        return "corridors"
    if "plot_id" in cols or "seedlings" in cols:
        return "plots"
    if "landfill_id" in cols or "asset_id" in cols:
        return "landfills"
    if "kato" in cols:  # kzgeo's own layers: a region has a KATO code, a district also its region's
        return "districts" if "region_kato" in cols else "regions"
    if "admin_level" in cols:
        return "regions"
    return None


def _in_metres(gdf: gpd.GeoDataFrame) -> bool:
    """Whether coordinates labelled in degrees reach beyond any longitude or latitude: metres."""
    present = gdf.geometry[~(gdf.geometry.isna() | gdf.geometry.is_empty)]
    if present.empty:
        return False
    x0, y0, x1, y1 = present.total_bounds
    return _beyond_degrees(x0, y0, x1, y1)


def _beyond_degrees(x0: float, y0: float, x1: float, y1: float) -> bool:
    return bool(max(abs(x0), abs(x1)) > 360 or max(abs(y0), abs(y1)) > 90)


def _crs_hint(gdf: gpd.GeoDataFrame) -> str:
    """The CRS a layer's coordinates are most likely in, as ``assume_crs='...'`` advice: degrees, the
    Gauss-Krüger zone that prefixes 8-digit eastings, or a UTM zone of Kazakhstan."""
    present = gdf.geometry[~(gdf.geometry.isna() | gdf.geometry.is_empty)]
    x0, y0, x1, y1 = present.total_bounds if not present.empty else (0.0, 0.0, 0.0, 0.0)
    if not _beyond_degrees(x0, y0, x1, y1):
        return "assume_crs='EPSG:4326' (longitude, latitude)"
    zone = int(x0 // 1_000_000)
    northings = y0 >= 4.0e6 and y1 <= 6.5e6  # 36-58 N
    if zone == int(x1 // 1_000_000) and 7 <= zone <= 16 and northings:  # Kazakhstan: zones 8-15
        return (
            f"assume_crs='EPSG:{28400 + zone}' (Pulkovo 1942 / Gauss-Kruger zone {zone}: the eastings begin "
            "with the zone number)"
        )
    if x0 >= 1.0e5 and x1 <= 9.0e5 and northings:
        return (
            "the UTM zone the area lies in, e.g. assume_crs='EPSG:32642' (UTM 42N; Kazakhstan spans 38N-45N)"
        )
    return "assume_crs='EPSG:32642' (UTM 42N) or whatever CRS its coordinates are in"


ASSUMED_CRS_USED: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "kzgeo_assumed_crs_used", default=False
)
"""Set when a layer was read in the CRS that ``assume_crs`` names (the CLI's --assume-crs applies to
every input of a command: it says it was ignored only when no input took it)."""


class AssumedCrsIgnored(KzgeoWarning):
    """``assume_crs`` was given for a layer that declares a CRS of its own, and was not used."""


class AnotherKindError(SchemaError):
    """A layer read as one kind that is plainly another: ``problem`` says why and what to give
    instead; ``other_kind`` is the kind it is (the CLI says where that kind goes in its command);
    ``way_out``, where the caller takes that kind instead (``give it as districts=``)."""

    def __init__(self, problem: str, other_kind: str, read_as: bool = True, way_out: str | None = None):
        # read_as: the layer was read with read_layer(kind=...), where kind= is the other way out
        if way_out is None and read_as:
            way_out = f"read this one as {other_kind} (kind={other_kind!r})"
        super().__init__(f"{problem}, or {way_out}" if way_out else problem)
        self.problem, self.other_kind = problem, other_kind


class GeometryTypeError(GeometryError):
    """A layer with geometries its kind does not take: ``problem`` says which; ``kinds``, the kinds
    of layer that take them (the CLI, where the kind is the place a file was given in, says where
    such a layer goes); none for lines, which no kind takes, and for a few strays among features of
    the right type (``fix`` then says to remove or convert them)."""

    def __init__(self, problem: str, kinds: tuple[str, ...], fix: str | None = None):
        fix = fix or (
            f"pass {' or '.join(f'kind={k!r}' for k in kinds)} or convert the geometries"
            if kinds
            else "no kind of layer takes them: give the polygons, or buffer the lines into polygons"
        )
        super().__init__(f"{problem}; {fix}")
        self.problem, self.kinds = problem, kinds


def _and(items) -> str:
    """``2023, 2024 and 2025``."""
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _without_area(role: str, types, statistics: str) -> GeometryError:
    """The error for a layer (``role``) of points or lines only, geometry types ``types``, given to
    ``statistics`` that need polygons (``hectare``, ``zonal``), in words the Python API and the CLI
    both say as they are (no code: the CLI has no buffer of its own)."""
    flat = sorted({"points" if "Point" in t else "lines" for t in types if "Point" in t or "Line" in t})
    what = f"the {' and '.join(reversed(flat))}" if flat else "its geometries"
    return GeometryError(
        f"{role}: the layer holds only {_and(sorted(types))} geometries and has no area; "
        f"{statistics} statistics need polygons (give the polygon layer, or buffer {what} into polygons)"
    )


def _set_crs(gdf: gpd.GeoDataFrame, name: str, assume_crs) -> gpd.GeoDataFrame:
    if gdf.crs is not None:
        if assume_crs is not None and gdf.crs.is_geographic and _in_metres(gdf):
            # a GeoJSON is WGS84 by definition, a .prj may be wrong: metres labelled as degrees take
            # the CRS the user names (the error below tells them to)
            crs = _parse_crs(assume_crs, name)
            if not crs.is_geographic:
                warnings.warn(
                    f"{name}: declares {gdf.crs.to_string()} but its coordinates are metres; read in "
                    f"{crs.to_string()} as assume_crs={assume_crs!r} says",
                    KzgeoWarning,
                    stacklevel=4,
                )
                ASSUMED_CRS_USED.set(True)
                return gdf.set_crs(crs, allow_override=True)
        if assume_crs is not None and not gdf.crs.equals(_parse_crs(assume_crs, name)):
            warnings.warn(
                f"{name}: declares {gdf.crs.to_string()}; assume_crs={assume_crs!r} applies only to files "
                "without a CRS and was ignored (reproject with gdf.to_crs or fix the file's CRS)",
                AssumedCrsIgnored,
                stacklevel=4,
            )
        return gdf
    if assume_crs is None:
        raise CRSError(
            f"{name}: the layer has no coordinate reference system; give the one its coordinates are in: "
            f"{_crs_hint(gdf)}"
        )
    crs = _parse_crs(assume_crs, name)
    ASSUMED_CRS_USED.set(True)
    return gdf.set_crs(crs)


def _parse_crs(value, name: str) -> CRS:
    try:
        return CRS.from_user_input(value)
    except ProjCRSError as exc:
        raise CRSError(f"{name}: assume_crs={value!r} is not a CRS PROJ knows; use e.g. 'EPSG:4326'") from exc


def _check_coordinates(
    gdf: gpd.GeoDataFrame,
    name: str,
    anywhere: bool = False,
    declared: CRS | bool | None = True,
    fix: str | None = None,
) -> None:
    """Raise when coordinates cannot be in Kazakhstan (``anywhere``: on Earth) for the layer's CRS;
    ``declared``: the CRS the file declares when the layer's was assumed (None: it declares none),
    True when the layer's CRS is the file's own; ``fix``: the advice for a declared CRS, in place of
    the reader's (``kzgeo info`` says what refuses the layer)."""
    present = gdf.geometry[~(gdf.geometry.isna() | gdf.geometry.is_empty)]
    if present.empty:
        return
    coords, which = shapely.get_coordinates(present.to_numpy(), include_z=True, return_index=True)
    broken = ~np.isfinite(coords[:, :2]).all(axis=1)
    if broken.any():
        rows = present.index[np.unique(which[broken])]
        raise GeometryError(
            f"{name}: {len(rows)} feature(s) have NaN or infinite coordinates (index {_show_ids(rows)}); "
            "fix or remove them in the source file"
        )
    x0, y0, x1, y1 = present.total_bounds
    crs = gdf.crs
    if crs.is_geographic and _beyond_degrees(x0, y0, x1, y1):
        raise CRSError(
            f"{name}: coordinates up to ({x1:.0f}, {y1:.0f}) are labelled {crs.to_string()} (degrees) "
            f"but look like projected metres; give the layer its real CRS, {_crs_hint(gdf)}, or fix the "
            "file's CRS"
        )
    try:
        in_degrees = present.to_crs(4326)
        lon0, lat0, lon1, lat1 = in_degrees.total_bounds
    except Exception as exc:  # PROJ fails on coordinates far outside the CRS's domain
        raise CRSError(
            f"{name}: coordinates cannot be transformed from {crs.to_string()} to WGS84: {exc}"
        ) from exc
    if anywhere:
        return
    x0, y0, x1, y1 = KAZAKHSTAN_BOUNDS
    x0, y0, x1, y1 = x0 - MARGIN_DEG, y0 - MARGIN_DEG, x1 + MARGIN_DEG, y1 + MARGIN_DEG
    inside_box = lon0 >= x0 and lon1 <= x1 and lat0 >= y0 and lat1 <= y1
    # swapped coordinates of western Kazakhstan (51.9E 47.1N as x=47.1, y=51.9) lie inside the box
    if (inside_box and crs.is_geographic and _looks_swapped(present)) or (
        not inside_box and lat0 >= x0 and lat1 <= x1 and lon0 >= y0 and lon1 <= y1
    ):
        raise CRSError(
            f"{name}: coordinates look like (lat, lon) instead of (lon, lat): "
            f"bounds x {lon0:.2f}..{lon1:.2f}, y {lat0:.2f}..{lat1:.2f}; "
            "re-export the file with longitude first (in Python: "
            "gdf.geometry.map(lambda g: shapely.transform(g, lambda c: c[:, ::-1])))"
        )
    if inside_box:
        return
    where = (
        f"{lon0:.2f}..{lon1:.2f}E, {lat0:.2f}..{lat1:.2f}N (WGS84), more than {MARGIN_DEG:g}° outside "
        "Kazakhstan"
    )
    b = in_degrees.bounds
    outside = ((b["minx"] < x0) | (b["maxx"] > x1) | (b["miny"] < y0) | (b["maxy"] > y1)).to_numpy()
    if outside.sum() < len(present):  # a few strays among features in place: which ones
        rows = gdf.index.get_indexer(present.index[outside])
        where += f" ({int(outside.sum())} of {len(present)} feature(s): {_which(gdf, rows)})"
    if declared is not True:  # the CRS was the user's guess: another guess is the fix
        says = "declares none" if declared is None else f"declares {declared.to_string()}"
        hint = _crs_hint(gdf)
        advice = (
            "that CRS fits its coordinates, so the features lie there: remove those that do not belong "
            "to the layer"
            if f"'{crs.to_string()}'" in hint
            else f"give the CRS its coordinates are really in ({hint}), or remove the features that do "
            "not belong to the layer"
        )
        raise CRSError(
            f"{name}: coordinates reach {where} in the assumed CRS {crs.to_string()} (the file {says}); "
            f"{advice}"
        )
    fix = fix or (
        "if that CRS is wrong, fix it in the file (assume_crs=... applies only to a file that declares "
        "none), or remove the features that do not belong to the layer"
    )
    raise CRSError(f"{name}: coordinates reach {where} for the declared CRS {crs.to_string()}; {fix}")


@functools.lru_cache(maxsize=1)
def _outline() -> shapely.Geometry:
    outline = shapely.from_wkt(_OUTLINE_WKT)
    shapely.prepare(outline)
    return outline


def _looks_swapped(present: gpd.GeoSeries) -> bool:
    """Whether most features (a sample) miss Kazakhstan's outline as read, but lie in it when swapped.

    A feature that touches the outline as read counts as in place: a corridor reaching into Russia
    is not swapped."""
    step = max(1, len(present) // _OUTLINE_SAMPLE)
    sample = present.iloc[::step].to_crs(4326).to_numpy()
    xy = shapely.get_coordinates(shapely.point_on_surface(sample))
    in_place = shapely.intersects(_outline(), sample).mean()
    swapped = shapely.contains_xy(_outline(), xy[:, 1], xy[:, 0]).mean()
    return in_place < 0.5 < swapped


def _own_columns_in_any_case(gdf: gpd.GeoDataFrame, name: str, kind: LayerKind) -> dict:
    """Columns named like the kind's own (``PLOT_ID``, ``Name_EN``) -> the schema name."""
    found: dict[str, list] = {}
    for col in gdf.columns:
        if isinstance(col, str) and col.lower() in kind.columns:
            found.setdefault(col.lower(), []).append(col)
    clash = {ours: cols for ours, cols in found.items() if len(cols) > 1}
    if clash:
        ours, cols = next(iter(clash.items()))
        raise SchemaError(
            f"{name}: columns {' and '.join(map(repr, cols))} differ only in case and both are {ours!r}; "
            "drop or rename all but one"
        )
    return {cols[0]: ours for ours, cols in found.items() if cols[0] != ours}


def _rename_columns(
    gdf: gpd.GeoDataFrame, name: str, kind: LayerKind, report: ValidationReport
) -> gpd.GeoDataFrame:
    mapping = _own_columns_in_any_case(gdf, name, kind)
    gdf = gdf.rename(columns=mapping)
    lower = {c.lower(): c for c in gdf.columns}
    multi_parcel = (
        kind.name == "protected_areas"
        and "pa_id" not in gdf.columns
        and {"wdpaid", "wdpa_pid"} <= set(lower)
        and gdf[lower["wdpaid"]].duplicated().any()
    )
    if multi_parcel:
        # a multi-parcel WDPA export: WDPAID repeats for the parcels of one site, WDPA_PID does not
        mapping[lower["wdpa_pid"]] = "pa_id"
    for foreign, ours in kind.renames.items():
        col = lower.get(foreign.lower())
        if col is None or col == ours or ours in gdf.columns or ours in mapping.values():
            continue
        mapping[col] = ours
    for ours in dict.fromkeys([kind.id_column, *kind.columns]):
        # a Shapefile cuts names to 10 characters: corridor_id is read back as corridor_i
        cut = lower.get(ours[:10].lower()) if len(ours) > 10 else None
        if (
            cut is not None
            and ours not in gdf.columns
            and cut not in mapping
            and ours not in mapping.values()
        ):
            mapping[cut] = ours
    if "rep_area" in lower and "official_area_ha" not in gdf.columns:
        # WDPA reports areas in km²
        gdf = gdf.assign(official_area_ha=pd.to_numeric(gdf[lower["rep_area"]], errors="coerce") * 100.0)
    report.renamed = mapping
    gdf = gdf.rename(columns=mapping)
    local = lower.get("name")
    if kind.renames.get("name") == "name_en" and mapping.get(lower.get("name:en")) == "name_en" and local:
        # OSM: a feature without name:en is still named, by its local name
        missing = gdf["name_en"].isna() | (gdf["name_en"].astype(str).str.strip() == "")
        gdf["name_en"] = gdf["name_en"].astype(object).where(~missing, gdf[local])
    if mapping.get(lower.get("status_yr")) == "year":
        # WDPA writes 0 for a year not reported
        year = pd.to_numeric(gdf["year"], errors="coerce").mask(lambda y: y == 0)
        gdf["year"] = year.astype("Int64") if (year.dropna() % 1 == 0).all() else year
    if kind.name == "protected_areas" and "iucn_cat" in gdf.columns and "protect_class" in lower:
        gdf["iucn_cat"] = gdf["iucn_cat"].map(lambda v: OSM_PROTECT_CLASS_TO_IUCN.get(str(v).strip(), v))
    return gdf


def _drop_empty(
    gdf: gpd.GeoDataFrame,
    name: str,
    id_col: str | None,
    report: ValidationReport,
    what: str = "with null or empty geometry",
):
    empty = gdf.geometry.isna() | gdf.geometry.is_empty
    if empty.any():
        ids = gdf.loc[empty, id_col] if id_col in gdf.columns else gdf.index[empty]
        report.dropped_empty = [*report.dropped_empty, *ids]
        # by the id the tables show: the id column, else the index (the position in the file, from 0)
        shown = f"{id_col} {_show_ids(ids)}" if id_col in gdf.columns else f"index {_show_ids(ids)} (from 0)"
        warnings.warn(
            f"{name}: dropped {int(empty.sum())} feature(s) {what}: {shown}",
            RepairWarning,
            stacklevel=4,
        )
        gdf = gdf.loc[~empty]
    return gdf


def _polygonal_part(geom):
    if geom is None:
        return None
    if geom.geom_type in POLYGONAL:
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in POLYGONAL]
    if not parts:
        return shapely.Polygon()
    polys = []
    for p in parts:
        polys.extend(shapely.get_parts(p))
    return shapely.MultiPolygon(polys) if len(polys) > 1 else polys[0]


def _problem(reason: str, crs, multi: bool = False) -> str:
    """GEOS's ``Self-intersection[68.7357897004143 48.6744831997641]`` as words and a place
    (``multi``: the geometry is a MultiPolygon, whose overlapping parts GEOS calls that too)."""
    found = re.fullmatch(r"([A-Za-z -]+?)\s*\[\s*(\S+)\s+(\S+)\s*\]", reason.strip())
    if found is None:
        return f"is invalid: {reason}"
    what, x, y = found.group(1).lower(), float(found.group(2)), float(found.group(3))
    words = {
        "self-intersection": "crosses itself",
        "ring self-intersection": "has a ring that touches itself",
        "interior is disconnected": "has a hole that cuts it in two",
        "hole lies outside shell": "has a hole outside its outline",
        "nested holes": "has a hole inside a hole",
        "nested shells": "has a part inside another part",
        "duplicate rings": "has a ring twice",
        "too few points": "has a ring of too few points",
        "ring is not closed": "has a ring that is not closed",
    }
    if multi and what == "self-intersection":
        words[what] = "crosses itself or has parts that overlap"
    at = f"{x:.5f}, {y:.5f}" if crs is not None and crs.is_geographic else f"{x:.1f}, {y:.1f}"  # no 1,000s
    return f"{words.get(what, f'is invalid ({what})')} at ({at})"


def _repair(gdf: gpd.GeoDataFrame, name: str, kind: LayerKind | None, report: ValidationReport):
    invalid = ~gdf.geometry.is_valid
    if not invalid.any():
        return gdf
    from kzgeo.area import hectares

    before = gdf.geometry[invalid]
    repaired = shapely.make_valid(before.values)
    polygonal = (
        kind is None
        or set(kind.geometry_types) <= set(POLYGONAL)
        or any(t in POLYGONAL for t in before.geom_type)
    )
    if polygonal:
        repaired = np.array([_polygonal_part(g) for g in repaired], dtype=object)
    after = gpd.GeoSeries(repaired, index=before.index, crs=gdf.crs)
    ha_before = np.nansum(hectares(gpd.GeoSeries(shapely.buffer(before.values, 0), crs=gdf.crs)))
    ha_after = np.nansum(hectares(after))
    id_col = kind.id_column if kind is not None else None
    if id_col not in gdf.columns and "id" in gdf.columns:  # a GeoJSON's feature ids, as the tables show
        id_col = "id"
    ids = gdf.loc[invalid, id_col] if id_col in gdf.columns else gdf.index[invalid]
    report.repaired = list(ids)
    report.repaired_ha_change = float(ha_after - ha_before)
    change = ha_after - ha_before
    other = (
        "the same, to 0.01 ha, as the other usual repair (a zero-width buffer)"
        if abs(change) < 0.005
        else f"{change:+,.2f} ha against the other usual repair (a zero-width buffer)"
    )
    n = int(invalid.sum())
    which = f"{id_col} " if id_col in gdf.columns else ("feature " if n == 1 else "features ")
    first = _problem(
        shapely.is_valid_reason(before.values[0]), gdf.crs, before.values[0].geom_type == "MultiPolygon"
    )
    warnings.warn(
        f"{name}: repaired {n} invalid geometr{'y' if n == 1 else 'ies'} ({which}{_show_ids(ids)}; "
        f"{'it' if n == 1 else 'the first'} {first}) by keeping {'its' if n == 1 else 'their'} valid "
        f"polygonal parts (make_valid): {ha_after:,.2f} ha after repair, {other}",
        RepairWarning,
        stacklevel=4,
    )
    gdf = gdf.copy()
    gdf.loc[invalid, gdf.geometry.name] = after
    # a ring whose points all lie on one line is invalid, and nothing once repaired
    return _drop_empty(
        gdf, name, id_col, report, "whose geometry has no area left once repaired (a ring with no inside)"
    )


def _collections_to_polygons(gdf: gpd.GeoDataFrame, name: str, kind: LayerKind) -> gpd.GeoDataFrame:
    """GeometryCollections holding polygons, in a polygon layer, as their polygons (as
    :func:`kzgeo.hectares` counts them), with a warning; collections without a polygon stay to be refused."""
    from kzgeo.area import _polygonal_parts

    if "MultiPolygon" not in kind.geometry_types:
        return gdf
    collection = (gdf.geom_type == "GeometryCollection").to_numpy()
    if not collection.any():
        return gdf
    parts = _polygonal_parts(np.asarray(gdf.geometry.values, dtype=object)[collection])
    usable = ~shapely.is_empty(parts)
    if not usable.any():
        return gdf
    rows = np.flatnonzero(collection)[usable]
    warnings.warn(
        f"{name}: {len(rows)} GeometryCollection(s) (index {_show_ids(gdf.index[rows])}) kept as their "
        "polygons; their points and lines have no area",
        RepairWarning,
        stacklevel=4,
    )
    gdf = gdf.copy()
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    geoms[rows] = parts[usable]
    gdf[gdf.geometry.name] = gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs)
    return gdf


def _check_types(gdf: gpd.GeoDataFrame, name: str, kind: LayerKind) -> None:
    wrong = ~gdf.geom_type.isin(kind.geometry_types)
    if wrong.any():
        found = ", ".join(sorted(set(gdf.geom_type[wrong])))
        problem = (
            f"{name}: {int(wrong.sum())} feature(s) are {found} but a {kind.name} layer takes "
            f"{' or '.join(kind.geometry_types)}"
        )
        if 2 * wrong.sum() < len(gdf):  # strays among features of the right type: not another kind
            rows = np.flatnonzero(wrong.to_numpy())
            raise GeometryTypeError(
                f"{problem} ({_which(gdf, rows)})", (), fix="remove them, or convert them to polygons"
            )
        types = set(gdf.geom_type[wrong])
        takers = tuple(k.name for k in LAYER_KINDS.values() if types <= set(k.geometry_types))
        raise GeometryTypeError(problem, takers)


def _distinctive_columns(kind: LayerKind) -> set[str]:
    """The kind's columns that no other kind has (a plot's ``seedlings``, a reserve's ``iucn_cat``)."""
    others = {c for k in LAYER_KINDS.values() if k.name != kind.name for c in (k.id_column, *k.columns)}
    return set(kind.columns) - others - {kind.id_column}


_DISTRICT_SIGNS = ("adm2_en", "adm2_pcode", "region_kato")
"""Columns only a districts layer has (its region's code beside its own KATO, an ADM2 name)."""
_REGION_SIGNS = ("adm1_en", "adm1_pcode", "iso_3166_2")
"""Columns of a regions layer, when no district sign is there (an ADM2 file has ADM1 names too)."""


def _code_text(value) -> str:
    """A code as written: 110000000 read into a float column is '110000000', not '110000000.0'."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _kato_level(gdf: gpd.GeoDataFrame) -> str | None:
    """``"regions"`` when every KATO code is a region's (``XX0000000``: Akmola 110000000), ``"districts"``
    when none is and each names a district (digits 3-4 not ``00``: 111000000 ... 117000000), else None
    (codes of other lengths, or a mix)."""
    col = next((c for c in gdf.columns if str(c).lower() == "kato"), None)
    if col is None:
        return None
    codes = gdf[col].dropna().map(_code_text).str.strip()
    if codes.empty or not codes.str.fullmatch(r"\d{9}").all() or codes.str.startswith("00").any():
        return None  # 000000000: the country's code, neither a region's nor a district's
    if codes.str.endswith("0000000").all():
        return "regions"
    return "districts" if not codes.str[2:4].eq("00").any() else None


def _check_admin_level(gdf: gpd.GeoDataFrame, name: str, kind: LayerKind) -> None:
    """Refuse districts read as regions and regions read as districts: both carry a KATO code, so
    the id check cannot tell them apart; their other columns can (only on positive signs: a layer of
    just kato and names is taken as asked). Points (a file of centroids) are left to the type check."""
    if not set(gdf.geom_type.dropna()) <= set(POLYGONAL):
        return
    cols = {str(c).lower(): str(c) for c in gdf.columns}  # lower case -> as the file has it
    districts = [cols[c] for c in _DISTRICT_SIGNS if c in cols]
    regions = [cols[c] for c in _REGION_SIGNS if c in cols] if not districts else []
    if "shapetype" in cols:  # geoBoundaries: shapeType is ADM1 for regions, ADM2 for districts
        level = set(gdf[cols["shapetype"]].dropna().astype(str).str.upper())
        if level == {"ADM1"} and not districts:
            regions.append(cols["shapetype"])
        elif level == {"ADM2"}:
            districts.append(cols["shapetype"])
            regions = []
    signs, other = (districts, "districts") if kind.name == "regions" else (regions, "regions")
    if kind.name not in ("regions", "districts"):
        return
    if signs:
        raise AnotherKindError(
            f"{name}: read as {kind.name}, but its column {signs[0]!r} says it is a {other} layer; give a "
            f"{kind.name} file",
            other,
        )
    if _kato_level(gdf) == other:
        codes = gdf[next(c for c in gdf.columns if str(c).lower() == "kato")].dropna().map(_code_text)
        shape = "XX0000000" if other == "regions" else "with a district in digits 3-4"
        raise AnotherKindError(
            f"{name}: read as {kind.name}, but its KATO codes ({_show_ids(codes)}) are "
            f"those of {other} ({shape}); give a {kind.name} file",
            other,
        )


def _check_role(gdf: gpd.GeoDataFrame, name: str, kind: LayerKind) -> None:
    """Refuse a layer given as one kind that carries another kind's id column and not its own: the
    plots given as regions would pass for regions without KATO codes, the regions given as plots get
    plot ids 1..n. A layer with a column only its asked kind has (a plots layer with ``seedlings`` and
    its region's ``kato``) is of that kind; one of the wrong geometry type is left to :func:`_check_types`,
    and an empty one, which gets no ids, to the caller that needs features.
    """
    if kind.id_column in gdf.columns or gdf.empty:
        return
    columns = {c.lower(): c for c in gdf.columns if isinstance(c, str)}
    if _distinctive_columns(kind) & set(columns):
        return
    types = set(gdf.geom_type.dropna()) - {"GeometryCollection"}
    if not types <= set(kind.geometry_types):
        return
    others = [
        other
        for other in LAYER_KINDS.values()
        if other.id_column != kind.id_column
        and types <= set(other.geometry_types)
        and set(other.id_names) & set(columns)
    ]
    if not others:
        return
    # kato is the id of regions and districts: the one the other columns say (ADM2_EN, region_kato)
    other = next((k for k in others if k.name == guess_kind(gdf)), others[0])
    found = columns[next(n for n in other.id_names if n in columns)]
    raise AnotherKindError(
        f"{name}: read as {kind.name}, but it has the {other.name} id column {found!r} and no "
        f"{kind.id_column!r}, so it looks like a {other.name} layer; give a {kind.name} file",
        other.name,
    )


def _generate_ids(gdf: gpd.GeoDataFrame, kind: LayerKind, report: ValidationReport) -> gpd.GeoDataFrame:
    """Number a layer without its id column by the features' positions in the file, from 1, before any
    feature is dropped, so that an id stays with its feature."""
    col = kind.id_column
    if col in gdf.columns or col == "kato":  # made-up numbers would pass for KATO codes
        return gdf
    report.generated_ids = True
    return gdf.assign(**{col: np.arange(1, len(gdf) + 1)})


def _drop_not_protected(
    gdf: gpd.GeoDataFrame, name: str, kind: LayerKind, report: ValidationReport
) -> gpd.GeoDataFrame:
    status_col = next((c for c in gdf.columns if isinstance(c, str) and c.lower() == "status"), None)
    if kind.name != "protected_areas" or status_col is None:
        return gdf
    status = gdf[status_col].astype("string").str.strip().str.lower()
    out = status.isin(_NOT_PROTECTED).fillna(False).to_numpy(dtype=bool)
    if not out.any():
        return gdf
    label = "name" if "name" in gdf.columns else kind.id_column
    report.dropped_status = list(gdf.loc[out, kind.id_column])
    warnings.warn(
        f"{name}: dropped {int(out.sum())} site(s) whose WDPA STATUS is Proposed or Not Reported, as "
        f"WDPA's statistics do ({label}: {_show_ids(gdf.loc[out, label])}); they are not protected areas "
        "(yet); set their STATUS to 'Designated' to count them",
        RepairWarning,
        stacklevel=4,
    )
    return gdf.loc[~out]


def _check_ids(gdf: gpd.GeoDataFrame, name: str, kind: LayerKind, report: ValidationReport, unique=True):
    col = kind.id_column
    if col == "kato" and col not in gdf.columns:
        return gdf  # an official code: numbers 1..n under its name would pass for KATO codes
    ids = gdf[col]
    if pd.api.types.is_float_dtype(ids) and ids.notna().any():
        whole = ids.dropna()
        if (whole == np.round(whole)).all() and whole.abs().max() < 2**53:
            # WDPA shapefiles and many exports store integer ids as floats: 101.0 is id 101
            gdf = gdf.assign(**{col: ids.astype("Int64")})
    dup = gdf[col].duplicated(keep=False) & gdf[col].notna()
    if not unique and dup.any():
        report.repeated_ids, report.id_column = list(pd.unique(gdf.loc[dup, col])), col
    if unique and dup.any():
        values = pd.unique(gdf.loc[dup, col])
        fix = (
            "give each feature its own code (dissolve the parts of one unit first)"
            if col == "kato"
            else "make the ids unique or drop the column to number the features 1..n"
        )
        raise SchemaError(
            f"{name}: column {col!r} must identify each feature, but {len(values)} value(s) repeat: "
            f"{_show_ids(values)}; {fix}"
        )
    return gdf


def validate_layer(
    gdf: gpd.GeoDataFrame,
    kind: str | None = None,
    *,
    name: str = "layer",
    assume_crs=None,
    report: ValidationReport | None = None,
    anywhere: bool = False,
    unique_ids: bool = True,
) -> gpd.GeoDataFrame:
    """Validate and repair a layer, returning it in EPSG:4326 with the kind's column names.

    Parameters
    ----------
    gdf : GeoDataFrame
        The layer as read.
    kind : str, optional
        One of :data:`kzgeo.schemas.KIND_NAMES`; ``None`` checks geometry and CRS only.
    name : str
        How the layer is named in messages (usually the file name).
    assume_crs : CRS-like, optional
        CRS to use when the layer has none.
    report : ValidationReport, optional
        Filled with what was found and changed.
    anywhere : bool
        The layer may lie outside Kazakhstan (dump sites of a scene elsewhere): only a CRS that
        cannot hold its coordinates is an error. By default coordinates more than a few degrees
        outside Kazakhstan are an error, the sign of a wrong CRS, and so are coordinates that
        lie in Kazakhstan only with latitude and longitude swapped.
    unique_ids : bool
        Refuse a layer whose id column repeats a value (default). ``False`` leaves that to the
        caller: a layer whose kind was guessed from its columns may be identified by another column
        (``kzgeo area plots.gpkg --id uid`` where ``plot_id`` repeats for the parts of one plot).

    Returns
    -------
    GeoDataFrame
        In EPSG:4326, invalid geometries repaired, empty ones dropped. Its index is the position of
        each feature in ``gdf`` (from 0) without a kind, ``0..n-1`` with one. Ids generated for a layer
        without its id column are the features' positions in the file (1, 2, ...), numbered before
        empty features are dropped. In a ``protected_areas`` layer, sites whose WDPA ``STATUS`` is
        ``Proposed`` or ``Not Reported`` are dropped with a warning (they are not protected, and
        WDPA's own statistics leave them out); set their status to ``Designated`` to count them.
        WDPA's ``STATUS_YR`` 0 (not reported) becomes a missing year.

    Raises
    ------
    CRSError, GeometryError, SchemaError
        When the layer cannot be used as the kind asked for: a ``SchemaError`` too for a layer that
        carries another kind's id column (``plot_id``, ``kato``, ``pa_id`` or ``WDPAID``, ...) and
        neither its kind's id column nor a column only its kind has.
    """
    report = report if report is not None else ValidationReport()
    report.features_read = len(gdf)
    from kzgeo.area import geometry_of

    geometry_of(gdf, name)
    # a named index (ids set as the index: gdf.set_index("pa_id")) comes back as columns, not lost
    named = [n for n in gdf.index.names if n is not None and n not in gdf.columns]
    if named:
        gdf = gdf.reset_index(level=named)
    # each feature's position in the file, which a layer without a kind keeps as its index
    gdf = gdf.reset_index(drop=True)
    spec = get_kind(kind) if kind is not None else None
    declared = gdf.crs
    gdf = _set_crs(gdf, name, assume_crs)
    _check_coordinates(
        gdf, name, anywhere, True if declared is not None and gdf.crs.equals(declared) else declared
    )
    if spec is not None:
        _check_admin_level(gdf, name, spec)
        gdf = _rename_columns(gdf, name, spec, report)
        _check_role(gdf, name, spec)
        gdf = _generate_ids(gdf, spec, report)
        gdf = _drop_not_protected(gdf, name, spec, report)
    id_col = spec.id_column if spec is not None else None
    gdf = _drop_empty(gdf, name, id_col, report)
    gdf = _repair(gdf, name, spec, report)
    if spec is not None:
        gdf = _collections_to_polygons(gdf, name, spec)
        _check_types(gdf, name, spec)
        gdf = _check_ids(gdf, name, spec, report, unique_ids)
    if not gdf.crs.equals(CRS.from_epsg(4326)):
        gdf = gdf.to_crs(4326)
    if spec is not None:
        gdf = gdf.reset_index(drop=True)
    gdf.attrs["kzgeo_kind"] = kind
    if report.renamed:  # a column asked for by the name it had in the file is found under its new one
        gdf.attrs["kzgeo_renamed"] = {str(k): v for k, v in report.renamed.items() if v in gdf.columns}
    return gdf

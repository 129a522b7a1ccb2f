"""Site status against authorised landfills, and change against an earlier season.

Both take and return GeoDataFrames (any CRS; lengths and areas are measured in the sites' local UTM
zone) and never touch files.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from kzgeo.errors import CRSError, DataError

__all__ = [
    "CHANGES",
    "MAX_SITE_HA",
    "NOT_OBSERVED",
    "STATUSES",
    "assign_status",
    "check_layers",
    "compare_sites",
]

STATUSES = ("illegal", "legal_landfill", "landfill_overspill")
NOT_OBSERVED = "not_observed"
"""``change`` of a site where a previous scene has no data (off its footprint, nodata, cloud or snow
on at least half the site): new, grown or persisting cannot be told there (``detect_dumps``)."""
CHANGES = ("new", "grown", "persisting", NOT_OBSERVED)
MAX_SITE_HA = 5_000.0
"""Largest landfill or earlier site taken as one: a bigger polygon (a district, a region, a reserve)
means the wrong layer was given, and would mark every site inside it legal or persisting."""


def _check_size(geoms: gpd.GeoSeries, what: str, fix: str) -> None:
    if geoms.empty:
        return
    if geoms.crs is not None and geoms.crs.is_geographic:
        geoms = geoms.to_crs(geoms.estimate_utm_crs())
    ha = geoms.area.to_numpy() / 10_000
    big = ha > MAX_SITE_HA
    if big.any():
        raise DataError(
            f"{what}: {int(big.sum())} of {len(ha)} polygons are larger than {MAX_SITE_HA:,.0f} ha "
            f"(the largest {ha.max():,.0f} ha); {fix}"
        )


def _local(gdf: gpd.GeoDataFrame, crs) -> gpd.GeoSeries:
    return gdf.geometry.to_crs(crs)


def check_layers(landfills: gpd.GeoDataFrame | None, previous: gpd.GeoDataFrame | None) -> None:
    """Raise :class:`~kzgeo.errors.DataError` for landfills or earlier sites larger than
    :data:`MAX_SITE_HA`: the check :func:`assign_status` and :func:`compare_sites` make, run before a
    long detection rather than after it. A layer without a CRS is a :class:`~kzgeo.errors.CRSError`."""
    for layer, role in ((landfills, "landfills"), (previous, "previous sites")):
        if layer is not None and layer.crs is None:
            raise CRSError(
                f"{role}: the layer has no CRS; set it (gdf.set_crs('EPSG:4326')) or read the file with "
                "kzgeo.read_layer(..., assume_crs=...)"
            )
    if landfills is not None:
        _refuse_another_kind(landfills, "landfills", "landfills", _LANDFILL_FIX)
        polygons = landfills.geom_type.isin(["Polygon", "MultiPolygon"])
        _check_size(landfills.geometry[polygons], "landfills", _LANDFILL_FIX)
    if previous is not None:
        _refuse_another_kind(previous, "previous sites", "sites", _PREVIOUS_FIX)
        kinds = set(previous.geom_type.dropna()) - {"Polygon", "MultiPolygon"}
        if kinds and not previous.geometry[previous.geom_type.isin(list(kinds))].is_empty.all():
            # points (site centres) have no area: every site overlapping one would count as grown
            raise DataError(
                f"previous sites: the layer holds {', '.join(sorted(kinds))} geometries; {_PREVIOUS_FIX} "
                "(its polygons)"
            )
        _check_size(previous.geometry, "previous sites", _PREVIOUS_FIX)


def _refuse_another_kind(layer: gpd.GeoDataFrame, role: str, kind: str, fix: str) -> None:
    """Refuse a layer of another kind, as :func:`kzgeo.read_layer` refuses one read as the wrong kind:
    plots or reserves given as landfills would make every site on them legal, given as the previous
    season every site on them persisting. A layer with its own id column (``landfill_id`` or
    ``asset_id`` of a landfill register, ``site_id`` of the sites detect_dumps writes) is taken as
    given. A KATO code alone, which a landfill register or a site layer may carry for its region, does
    not make points another kind, nor earlier sites (a region or district is refused for its size)."""
    from kzgeo.schemas import LAYER_KINDS
    from kzgeo.validate import AnotherKindError, _show_ids, guess_kind

    own = set(LAYER_KINDS[kind].id_names) if kind in LAYER_KINDS else {"site_id"}
    columns = {c.lower(): c for c in layer.columns if isinstance(c, str) and c != layer.geometry.name}
    if own & set(columns) and not _numbered(layer, columns):
        return
    other = guess_kind(layer)
    if other in (None, kind):  # points: guess_kind calls them landfills or nothing; their id says
        other = next(
            (
                k.name
                for k in LAYER_KINDS.values()
                if k.name != kind and k.id_column != "kato" and set(k.id_names) & set(columns)
            ),
            None,
        )
    if other in (None, kind) or (other in ("regions", "districts") and kind == "sites"):
        return
    raise AnotherKindError(
        f"{role}: the layer looks like {other.replace('_', ' ')}, not {kind} (its columns: "
        f"{_show_ids(columns.values())}); {fix}",
        other,
        read_as=False,
    )


def _numbered(layer: gpd.GeoDataFrame, columns: dict[str, str]) -> bool:
    """Whether the layer's only own id is ``landfill_id`` numbered 1..n, as :func:`kzgeo.read_layer`
    numbers a layer read as landfills that has none: plots read so must not pass for a register."""
    if "landfill_id" not in columns or "asset_id" in columns:
        return False
    ids = layer[columns["landfill_id"]].to_numpy()
    return ids.dtype.kind in "iu" and np.array_equal(ids, np.arange(1, len(ids) + 1))


_LANDFILL_FIX = "is this the layer of authorised landfills?"
_PREVIOUS_FIX = "give the sites kzgeo detect-dumps found in the earlier season"


def assign_status(
    sites: gpd.GeoDataFrame,
    landfills: gpd.GeoDataFrame | None,
    *,
    landfill_radius_m: float = 300.0,
    tolerance_m: float = 15.0,
    overspill_min_ha: float = 0.1,
) -> np.ndarray:
    """Status of each site: ``illegal``, ``legal_landfill`` or ``landfill_overspill``.

    Parameters
    ----------
    sites : GeoDataFrame
        Site polygons (any CRS).
    landfills : GeoDataFrame or None
        Authorised landfills as boundary polygons and/or points (any CRS). ``None`` or empty: every site
        is ``illegal``.
    landfill_radius_m : float
        A landfill known only as a point covers this radius around it: a site at least half of whose
        area lies within it is ``legal_landfill`` (a point has no boundary to spill over); one reaching
        further out is ``illegal``. A point within this radius of a landfill's polygon is the same
        landfill in another register (its gate, its office): the polygon decides.
    tolerance_m : float
        A polygon boundary is widened by this much before measuring a spill (one or two pixels of
        blur at 10 m must not turn a landfill into an overspill).
    overspill_min_ha : float
        A site touching a landfill polygon is ``landfill_overspill`` when at least this many hectares
        of it lie outside the widened boundary, or when it does not reach the polygon itself (waste
        beside the fence, within the tolerance of it); otherwise it is ``legal_landfill``.

    Returns
    -------
    ndarray of str
        One status per site, in the order of ``sites``.

    Raises
    ------
    DataError
        A landfill polygon larger than :data:`MAX_SITE_HA` (a region or district given by mistake).
    """
    status = np.full(len(sites), "illegal", dtype=object)
    if landfills is None or landfills.empty or sites.empty:
        return status
    crs = sites.estimate_utm_crs() if sites.crs.is_geographic else sites.crs
    geoms = _local(sites, crs)
    fills = _local(landfills, crs)
    is_area = fills.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    _check_size(fills[is_area], "landfills", _LANDFILL_FIX)
    polygons = fills[is_area].to_numpy()
    widened = list(shapely.buffer(polygons, tolerance_m))
    # a point on or near a landfill's polygon (its gate, its office: within the radius) is the same
    # landfill in another register: its radius must not swallow a spill past the polygon
    points = fills[~is_area].to_numpy()
    if len(points) and len(polygons):
        near = shapely.STRtree(polygons).query(points, predicate="dwithin", distance=landfill_radius_m)[0]
        points = np.delete(points, np.unique(near))
    zones = [*widened, *shapely.buffer(points, landfill_radius_m)]
    if not zones:
        return status
    zone_tree = shapely.STRtree(zones)
    site_idx, zone_idx = zone_tree.query(geoms.to_numpy(), predicate="intersects")
    n_area = len(widened)
    for i in np.unique(site_idx):
        hit = zone_idx[site_idx == i]
        geom = geoms.iloc[i]
        if not (hit < n_area).any():  # near a landfill known only as a point: no boundary to spill over,
            # but a site mostly beyond the point's radius is not that landfill's
            within = shapely.intersection(geom, shapely.union_all([zones[j] for j in hit])).area
            status[i] = "legal_landfill" if within >= 0.5 * geom.area else "illegal"
            continue
        outside = shapely.difference(geom, shapely.union_all([zones[j] for j in hit])).area
        # a site off the polygon itself, only within the blur tolerance of it, lies outside the fence
        off_fence = not shapely.intersects(geom, polygons[hit[hit < n_area]]).any()
        spilled = outside / 10_000 >= overspill_min_ha or (off_fence and not (hit >= n_area).any())
        status[i] = "landfill_overspill" if spilled else "legal_landfill"
    return status


def compare_sites(
    sites: gpd.GeoDataFrame,
    previous: gpd.GeoDataFrame,
    *,
    growth_factor: float = 1.25,
    growth_min_ha: float = 0.1,
    tolerance_m: float = 10.0,
) -> np.ndarray:
    """Change of each site against an earlier season: ``new``, ``grown`` or ``persisting``.

    Parameters
    ----------
    sites, previous : GeoDataFrame
        This season's and the earlier season's sites (any CRS each).
    growth_factor, growth_min_ha : float
        ``grown`` when the site's area is at least ``growth_factor`` times the area of the earlier
        sites it overlaps *and* at least ``growth_min_ha`` larger; else ``persisting``.
    tolerance_m : float
        Sites closer than this count as overlapping (registration differs by a pixel between dates).

    Returns
    -------
    ndarray of str

    Raises
    ------
    DataError
        An earlier site larger than :data:`MAX_SITE_HA` (another kind of layer given by mistake).
    """
    change = np.full(len(sites), "new", dtype=object)
    if previous is None or previous.empty or sites.empty:
        return change
    crs = sites.estimate_utm_crs() if sites.crs.is_geographic else sites.crs
    now = _local(sites, crs).to_numpy()
    earlier = _local(previous, crs)
    _check_size(earlier, "previous sites", _PREVIOUS_FIX)
    before = earlier.to_numpy()
    tree = shapely.STRtree(before)
    idx_now, idx_before = tree.query(shapely.buffer(now, tolerance_m), predicate="intersects")
    for i in np.unique(idx_now):
        old_area = shapely.area(before[idx_before[idx_now == i]]).sum()
        new_area = now[i].area
        grown = new_area >= growth_factor * old_area and (new_area - old_area) / 10_000 >= growth_min_ha
        change[i] = "grown" if grown else "persisting"
    return change

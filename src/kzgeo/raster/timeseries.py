"""Per-plot time series of a spectral index over several scenes, with a survival proxy.

The rule for ``greenness_lost`` (also in ``docs/indices.md``): with at least two valid observations
(``valid_pct >= min_valid_pct``), a plot has lost greenness when its latest index value is at least
``min_drop`` below the highest earlier value **and** the least-squares trend over all valid dates is
negative. Compare scenes of the same season (e.g. every July), or phenology will look like loss.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections.abc import Iterable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from kzgeo.errors import DataError, SchemaError
from kzgeo.raster.zonal import _zonal_stats, zone_hectares

__all__ = ["zonal_timeseries"]


_TREND_COLUMNS = (
    "n_valid_dates", "first_date", "last_date", "first", "last", "peak_before_last", "change",
    "slope_per_yr", "greenness_lost",
)  # fmt: skip


def _trend(group: pd.DataFrame, value: str, min_drop: float) -> pd.Series:
    days = (group["date"] - group["date"].min()).dt.days.to_numpy(dtype=float)
    y = group[value].to_numpy(dtype=float)
    n = len(y)
    slope = float(np.polyfit(days / 365.25, y, 1)[0]) if n >= 2 and np.ptp(days) > 0 else np.nan
    first, last = (y[0], y[-1]) if n else (np.nan, np.nan)
    peak_before = float(np.max(y[:-1])) if n >= 2 else np.nan
    lost = bool(slope < 0 and peak_before - last >= min_drop) if n >= 2 else pd.NA
    return pd.Series(
        {
            "n_valid_dates": n,
            "first_date": group["date"].iloc[0] if n else pd.NaT,
            "last_date": group["date"].iloc[-1] if n else pd.NaT,
            "first": first,
            "last": last,
            "peak_before_last": peak_before,
            "change": last - first if n >= 2 else np.nan,  # one date is no change, not a change of 0
            "slope_per_yr": slope,
            "greenness_lost": lost,
        }
    )


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}([T ].*)?")


def _day(when) -> pd.Timestamp:
    """The day of a scene key: a date, a datetime or an ISO string ('2024-07-01'). Other strings are
    refused: '01.07.2023' is the 1st of July here and the 7th of January to a month-first parser."""
    refused = DataError(
        f"zonal_timeseries: scene key {when!r} is not a date; key each scene by its acquisition date "
        "as 'YYYY-MM-DD' ('2024-07-01') or a datetime.date"
    )
    if isinstance(when, str) and not _ISO_DAY.fullmatch(when.strip()):
        raise refused
    if not isinstance(when, (str, dt.date, np.datetime64)):
        raise refused
    try:
        day = pd.Timestamp(when).as_unit("ns")  # as the long table holds it: 1677-2262
    except (ValueError, TypeError, OverflowError) as exc:  # OutOfBoundsDatetime is a ValueError
        raise refused from exc
    if pd.isna(day):
        raise refused
    return day.tz_localize(None).normalize() if day.tz is not None else day.normalize()


def zonal_timeseries(
    zones: gpd.GeoDataFrame,
    scenes: Mapping[dt.date | str, object],
    index: str = "ndvi",
    *,
    stats: Iterable[str] = ("mean",),
    zone_id: str | None = None,
    min_valid_pct: float = 50.0,
    min_drop: float = 0.15,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A long table of an index per zone and date, and a per-zone trend with a greenness-lost flag.

    Parameters
    ----------
    zones : GeoDataFrame
        Plots or other polygons, any CRS.
    scenes : mapping of date to scene
        Each value is anything :func:`kzgeo.zonal_stats` takes (a path or an open Scene).
        Keys are dates or ISO date strings.
    index : str
        Spectral index, default ``ndvi``.
    stats : iterable of str
        Statistics per zone and date; ``mean`` is always included (the trend uses it).
    zone_id : str, optional
        Id column, as in :func:`kzgeo.zonal_stats`.
    min_valid_pct : float
        Observations with less valid (cloud-free, non-nodata) coverage of the whole zone are kept in
        the long table but left out of the trend. A zone half off a scene's edge, its half on the
        scene clear, has ``valid_pct`` 100 (of its pixels) but is half observed: 50 here.
    min_drop : float
        Index drop from the earlier peak to the latest value that counts as lost greenness.

    Returns
    -------
    long : pandas.DataFrame
        Columns ``<zone id>, date, <index>_mean, ..., valid_pct, pixel_area_ha, used_in_trend``, one row
        per zone and date, sorted by zone and date.
    trend : pandas.DataFrame
        Indexed by zone id: ``n_valid_dates``, ``first_date`` and ``last_date`` (of the valid dates
        the trend uses), ``<index>_first``, ``<index>_last``, ``<index>_peak_before_last``,
        ``<index>_change`` (last minus first; NaN with fewer than two valid dates),
        ``<index>_slope_per_yr`` (per year, least squares; dates days apart give steep slopes) and
        ``greenness_lost``: true when the slope is negative **and** the last value is at least
        ``min_drop`` below the highest earlier one; NA with fewer than two valid dates. Compare
        scenes of the same season, or phenology will look like loss.

    Warns
    -----
    KzgeoWarning
        A zone without pixels in a scene, prefixed with the scene's date.
    """
    if not scenes:
        raise DataError("zonal_timeseries: no scenes given; pass a mapping {date: scene or path}")
    dates = {}
    for when in scenes:
        day = _day(when)
        if day in dates:
            raise DataError(
                f"zonal_timeseries: {dates[day]!r} and {when!r} are the same day; give one scene per date"
            )
        dates[day] = when
    stats = list(dict.fromkeys(["mean", *stats]))
    name = index.lower()
    if zone_id is not None and str(zone_id).lower() == "date":  # the table's own date column
        raise SchemaError(
            "zonal_timeseries: zone_id='date' would clash with the table's date column; rename the id "
            "column (zones.rename(columns={'date': 'zone_date'}))"
        )
    zone_ha = zone_hectares(zones)  # once, for every date's share of each zone on the scene
    frames = []
    said: dict[tuple[type, str], list[str]] = {}  # a warning -> the dates it is about
    for day, scene in zip(dates, scenes.values(), strict=True):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            table = _zonal_stats(zones, scene, stats, None, name, zone_id, refuse_none=False, zone_ha=zone_ha)
        for w in caught:
            said.setdefault((w.category, str(w.message)), []).append(str(day.date()))
        # valid_pct is of the pixels a zone has; the trend asks for a share of the whole zone, so a
        # plot half off the scene's edge, its half on the scene clear, is half observed, not fully
        with np.errstate(invalid="ignore", divide="ignore"):
            on_scene = table["pixel_area_ha"].to_numpy() / zone_ha
        # a zone wholly on the scene measures the same on cells as by itself, to ~1e-8: wholly
        on_scene = np.where(on_scene > 1 - 1e-6, 1.0, on_scene)
        whole = table["valid_pct"].to_numpy() * on_scene
        frames.append(table.reset_index().assign(date=day, _whole_pct=whole))
    for (category, message), days in said.items():  # once, saying which dates it is about
        shown = ", ".join(days[:5]) + (f" and {len(days) - 5} more dates" if len(days) > 5 else "")
        warnings.warn(f"{shown}: {message}", category, stacklevel=2)
    long = pd.concat(frames, ignore_index=True)
    id_col = long.columns[0]
    long = long[[id_col, "date", *[c for c in long.columns if c not in (id_col, "date")]]]
    long = long.sort_values([id_col, "date"], kind="stable").reset_index(drop=True)
    value = f"{name}_mean"
    long["used_in_trend"] = (long.pop("_whole_pct") >= min_valid_pct) & long[value].notna()
    used = long[long["used_in_trend"]]
    ids = pd.Index(long[id_col].unique(), name=id_col)
    rows = {key: _trend(group, value, min_drop) for key, group in used.groupby(id_col, sort=False)}
    # every column even when no zone has a valid date (a scene elsewhere, all cloud)
    trend = pd.DataFrame.from_dict(rows, orient="index").reindex(index=ids, columns=_TREND_COLUMNS)
    trend[["first_date", "last_date"]] = trend[["first_date", "last_date"]].astype("datetime64[ns]")
    trend["n_valid_dates"] = trend["n_valid_dates"].fillna(0).astype(int)
    trend["greenness_lost"] = trend["greenness_lost"].astype("boolean")
    trend = trend.rename(
        columns={c: f"{name}_{c}" for c in ("first", "last", "peak_before_last", "change", "slope_per_yr")}
    )
    return long, trend

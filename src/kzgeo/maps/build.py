"""``make_map``: the layers of a kzgeo web map, styled, labelled and lightened for the browser."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from kzgeo.area import hectares
from kzgeo.errors import DataError, KzgeoWarning, SchemaError
from kzgeo.maps.elements import (
    CollapseOnSmallScreens,
    Legend,
    MetricScale,
    PageStyle,
    PlotLayer,
    encode_geometries,
    guard_templates,
)
from kzgeo.maps.i18n import check_lang, fmt_number, labels
from kzgeo.maps.raster import score_overlay
from kzgeo.maps.simplify import MAX_CHANGE_PCT, area_change_pct, simplify_for_web

__all__ = ["LEAFLET_CSS", "LEAFLET_JS", "make_map"]

LayerInput = gpd.GeoDataFrame | str | os.PathLike | None

LEAFLET_JS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"
LEAFLET_CSS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"

# ColorBrewer YlGn, 5 classes
_SHADES = ("#ffffcc", "#c2e699", "#78c679", "#31a354", "#006837")
_PROTECTED_BINS_PCT = (0.0, 2.0, 5.0, 10.0, 20.0)
_STYLE = {
    "protected_areas": {"color": "#1b5e20", "weight": 1.5, "fillColor": "#43a047", "fillOpacity": 0.35},
    "corridors": {
        "color": "#6a1b9a",
        "weight": 2,
        "dashArray": "6 4",
        "fillColor": "#ab47bc",
        "fillOpacity": 0.15,
    },
    "plots": {"color": "#bf360c", "weight": 1, "fillColor": "#ff7043", "fillOpacity": 0.7},
    # thin lines over the region shading; the fill, transparent, is there to be hovered and clicked
    "districts": {"color": "#607d8b", "weight": 0.5, "opacity": 0.7, "fillOpacity": 0},
}
_DUMP_COLOURS = {"confident": "#b71c1c", "review": "#ff8f00"}
_UNKNOWN_TIER = "#616161"  # a site without a known tier is not drawn as confident
# values with a label in every language (locales/*.json: value_<value>); others are shown as they are
_CODED_COLUMNS = {"tier", "status", "change", "geometry_source", "species", "designation", "iucn_cat"}
_PLOT_OUTLINE_MIN_ZOOM = 11
_KAZAKHSTAN_CENTRE = (48.0, 67.0)


_MAP_LAYERS = ("regions", "districts", "protected_areas", "corridors", "plots")
"""The kinds of layer make_map draws (and dump sites)."""


def _read(
    source: LayerInput, kind: str | None, assume_crs=None, anywhere: bool = False
) -> gpd.GeoDataFrame | None:
    from kzgeo.io import read_layer
    from kzgeo.validate import AnotherKindError, GeometryTypeError

    if source is None:
        return None
    try:  # a layer in memory is named by its place in make_map, not 'GeoDataFrame'
        return read_layer(source, kind=kind, assume_crs=assume_crs, anywhere=anywhere, name=kind or "dumps")
    except AnotherKindError as exc:  # make_map has no kind=: say where such a layer goes, if anywhere
        way_out = f"give it as {exc.other_kind}=" if exc.other_kind in _MAP_LAYERS else None
        raise AnotherKindError(exc.problem, exc.other_kind, read_as=False, way_out=way_out) from exc
    except GeometryTypeError as exc:  # make_map has no kind=: say where such a layer goes, if anywhere
        if not exc.kinds:
            raise
        places = [k for k in exc.kinds if k in _MAP_LAYERS]
        fix = (
            f"give it as {' or '.join(f'{k}=' for k in places)} or convert the geometries"
            if places
            else f"make_map draws no {' or '.join(exc.kinds)} layer: convert the geometries"
        )
        raise GeometryTypeError(exc.problem, exc.kinds, fix) from exc


def _name_column(gdf: gpd.GeoDataFrame, lang: str) -> pd.Series:
    """Feature names in ``lang``, falling back to English, ``name``, the other languages, then to the
    layer's id (a KATO code, ``pa_id``, ...), then to the feature's number from 1."""
    from kzgeo.schemas import LAYER_KINDS

    names = pd.Series([None] * len(gdf), index=gdf.index, dtype=object)
    ids = [k.id_column for k in LAYER_KINDS.values()]
    for column in (f"name_{lang}", "name_en", "name", "name_ru", "name_kk", *ids):
        if column in gdf:
            text = gdf[column].map(_site_label)  # an id 101.0 read from a float column is 101
            names = names.fillna(text.where(gdf[column].notna() & (text.str.strip() != "")))
    return names.fillna(pd.Series(np.arange(1, len(gdf) + 1).astype(str), index=gdf.index)).astype(str)


def _text(value, lang: str, digits: int | None = 1) -> str:
    """A value as popup text: numbers in the language's format (``digits=None``: a plain integer, as
    for years and ids), missing values as "no data"."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return labels(lang)["no_data"]
    if digits is None and isinstance(value, (int, float, np.integer, np.floating)):
        return str(int(value))
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return fmt_number(value, lang, 0)
    if isinstance(value, (float, np.floating)):
        return fmt_number(value, lang, digits)
    return str(value)


def _ha_text(value, lang: str, digits: int = 1) -> str:
    """Hectares as popup text: to 1 m² (four decimals) under 0.1 ha, so that a 36 m² plot is not 0.0."""
    small = isinstance(value, (int, float, np.integer, np.floating)) and 0 < abs(value) < 0.1
    return _text(value, lang, 4 if small else digits)


def _coded(column: str, value, lang: str):
    """The label of a coded value (tier, status, geometry source) in ``lang``; other values as they are."""
    if column in _CODED_COLUMNS and isinstance(value, str):
        return labels(lang).get(f"value_{value}", value)
    return value


def _feature_collection(
    gdf: gpd.GeoDataFrame,
    titles: pd.Series,
    rows: list[list],
    styles: list[dict],
    tips: pd.Series | None = None,
) -> dict:
    """Features whose popups have a title and rows; their tooltips are ``tips`` (default: the titles)."""
    features = []
    tips = titles if tips is None else tips
    for geom, title, tip, row, style in zip(gdf.geometry, titles, tips, rows, styles, strict=True):
        features.append(
            {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(geom),
                "properties": {"title": title, "tip": tip, "rows": row, "style": style},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _add_geojson(m: folium.Map, collection: dict, name: str, bind: str = "kzgeo.bind") -> None:
    """A switchable layer whose popups and tooltips kzgeo's script builds from plain text (``bind``:
    ``kzgeo.bindOver`` for units whose popups also show the layer beneath)."""
    folium.GeoJson(collection, name=name, on_each_feature=folium.JsCode(bind), smooth_factor=0.5).add_to(m)


# Leaflet draws every vector layer on one SVG in the overlay pane (z-index 400), above any image in
# it: the score raster gets a pane above the region fills, and the dump sites one above the raster
# (the plots' canvas pane is at 450).
SCORE_PANE, SITES_PANE = "kzgeoScore", "kzgeoSites"


def _bin_index(values: np.ndarray, bins: tuple[float, ...]) -> np.ndarray:
    return np.clip(np.searchsorted(bins, values, side="right") - 1, 0, len(bins) - 1)


def _edge_digits(bins: tuple[float, ...]) -> int:
    """Decimals that print every class edge as it is (edges of 0.2 and 0.4 ha must not both read 0)."""
    return next((d for d in range(4) if all(round(b, d) == b for b in bins)), 4)


def _planted_bins(planted_ha: np.ndarray) -> tuple[float, ...]:
    top = float(np.nanmax(planted_ha)) if len(planted_ha) and np.nanmax(planted_ha) > 0 else 1.0
    return tuple(float(f"{top * q:.2g}") for q in (0.0, 0.2, 0.4, 0.6, 0.8))


def region_statistics(
    regions: gpd.GeoDataFrame,
    protected_areas: gpd.GeoDataFrame | None = None,
    plots: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Hectares of each region and what the map shades it by.

    Parameters
    ----------
    regions : GeoDataFrame
        The zones, in any CRS.
    protected_areas : GeoDataFrame, optional
        Flattened by :func:`kzgeo.stats.coverage` first, so nested designations count once.
    plots : GeoDataFrame, optional
        Each plot counts, whole, for the region that holds a point inside it.

    Returns
    -------
    DataFrame
        Indexed like ``regions``: ``area_ha``; with protected areas ``protected_ha`` and
        ``protected_pct``; with plots ``planted_ha`` and ``plots``.
    """
    from kzgeo.stats import _as_measured

    stats = pd.DataFrame({"area_ha": hectares(regions)}, index=regions.index)
    # the regions as kzgeo measures them (long edges along their geodesics), so that a plot by a long
    # border is in the region that coverage() and kzgeo progress put it in
    zones = gpd.GeoDataFrame(
        {"zone": np.arange(len(regions))},
        geometry=_as_measured(regions.geometry.values, regions.crs),
        crs=regions.crs,
    )
    if protected_areas is not None:
        from kzgeo.stats import coverage

        table = coverage(zones, protected_areas, zone_id="zone").iloc[: len(zones)]
        stats["protected_ha"] = table["covered_ha"].to_numpy()
        stats["protected_pct"] = table["covered_pct"].to_numpy()
    if plots is not None:
        points = gpd.GeoDataFrame(
            {"plot_ha": hectares(plots)}, geometry=plots.geometry.representative_point(), crs=plots.crs
        ).to_crs(zones.crs)
        joined = gpd.sjoin(points, zones, predicate="within", how="inner")
        grouped = joined.groupby("zone")["plot_ha"]
        stats["planted_ha"] = grouped.sum().reindex(zones["zone"]).fillna(0.0).to_numpy()
        stats["plots"] = grouped.size().reindex(zones["zone"]).fillna(0).astype(int).to_numpy()
    return stats


def _add_regions(m, regions, protected_areas, plots, lang, legend, name="regions") -> None:
    lab = labels(lang)
    stats = region_statistics(regions, protected_areas, plots)
    if "protected_pct" in stats:
        measure, bins, unit = stats["protected_pct"].to_numpy(), _PROTECTED_BINS_PCT, "protected_pct"
    elif "planted_ha" in stats:
        measure = stats["planted_ha"].to_numpy()
        bins, unit = _planted_bins(measure), "planted_ha"
    else:
        measure, bins, unit = None, None, None
    names = _name_column(regions, lang)
    # by name, so that a warning about regions that overlap in the source names them
    drawn = simplify_for_web(regions.set_axis(names.to_numpy()), coverage=True, digits=5, name=name)
    rows, styles = [], []
    shade = _bin_index(measure, bins) if measure is not None else None
    for i, key in enumerate(regions.index):
        row = [[lab["area_ha"], _ha_text(stats.at[key, "area_ha"], lang)]]
        for column in ("protected_ha", "protected_pct", "planted_ha", "plots"):
            if column in stats:
                label = lab["plots_count" if column == "plots" else column]
                show = _ha_text if column.endswith("_ha") else _text
                row.append([label, show(stats.at[key, column], lang)])
        rows.append(row)
        fill = _SHADES[shade[i]] if shade is not None else "#ffffff"
        styles.append({"color": "#555555", "weight": 1, "fillColor": fill, "fillOpacity": 0.55})
    _add_geojson(m, _feature_collection(drawn, names, rows, styles), lab["regions"])
    if bins is not None:
        edges, digits = [*bins[1:], None], _edge_digits(bins)
        entries = []
        for colour, low, high in zip(_SHADES, bins, edges, strict=True):
            span = (
                f"{_text(low, lang, digits)} – {_text(high, lang, digits)}"
                if high is not None
                else f"≥ {_text(low, lang, digits)}"
            )
            entries.append((colour, span))
        legend.swatches(f"{lab['regions']}: {lab[unit]}", entries)


def _add_polygons(m, gdf, kind, lang, legend, columns, *, coverage=False, name=None) -> None:
    """A layer of outlined polygons, popups giving their hectares and ``columns``; a ``region`` among
    them is named in the tooltip too. ``coverage``: units that tile the land (districts), simplified
    together, whose popups also give the popup of the layer beneath the click (their region)."""
    lab = labels(lang)
    names = _name_column(gdf, lang)
    # by name, so that a warning about units that overlap in the source names them
    drawn = simplify_for_web(gdf.set_axis(names.to_numpy()), coverage=coverage, digits=5, name=name or kind)
    area = hectares(gdf)
    tips = names
    if "region" in columns and "region" in gdf:
        tips = names.where(gdf["region"].isna(), names + ", " + gdf["region"].astype(str))
    rows = []
    for i, key in enumerate(gdf.index):
        row = [[lab["area_ha"], _ha_text(area[i], lang)]]
        for column in columns:
            if column in gdf and not pd.isna(gdf.at[key, column]):
                value = _coded(column, gdf.at[key, column], lang)
                show = _ha_text if column.endswith("_ha") else _text
                row.append([lab[column], show(value, lang, None if column == "year" else 1)])
        rows.append(row)
    styles = [_STYLE[kind]] * len(gdf)
    collection = _feature_collection(drawn, names, rows, styles, tips)
    _add_geojson(m, collection, lab[kind], "kzgeo.bindOver" if coverage else "kzgeo.bind")
    legend.swatches(None, [(_STYLE[kind].get("fillColor", "transparent"), lab[kind])])


def _region_names(region_en: pd.Series, regions: gpd.GeoDataFrame | None, lang: str) -> pd.Series:
    """Regions given by their English names (a plot's ``region``, a district's ``region_en``) in
    ``lang``, as the regions layer names them; names it does not have, as they are."""
    if regions is None or "name_en" not in regions:
        return region_en
    local = dict(zip(regions["name_en"], _name_column(regions, lang), strict=True))
    return region_en.map(lambda v: local.get(v, v))


def _source_name(source, role: str) -> str:
    """What to call a layer in a message: its file when it was given as one, else its role."""
    return str(source) if isinstance(source, (str, os.PathLike)) else role


def _add_dumps(m, dumps, lang, legend, name: str = "dumps") -> None:
    missing = [c for c in ("site_id", "score") if c not in dumps.columns]
    if missing:
        raise SchemaError(
            f"{name}: the layer has no {', '.join(missing)} column; it should be the sites that "
            "kzgeo detect-dumps writes (site_id, score, area_ha, tier, status)"
        )
    scores = pd.to_numeric(dumps["score"], errors="coerce")
    bad = (scores.isna() & dumps["score"].notna()) | (scores < 0) | (scores > 1)
    if bad.any():  # as a score raster's: a site's score is a probability
        score, site = (_site_label(v) for v in dumps[bad].iloc[0][["score", "site_id"]])
        raise SchemaError(
            f"{name}: score {score!r} of site {site} is not a number from 0 to 1; give the sites kzgeo "
            "detect-dumps writes"
        )
    lab = labels(lang)
    if dumps.empty:
        legend.note(lab["dumps"], lab["none_found"])
        return
    drawn = simplify_for_web(dumps, digits=6)
    area = hectares(dumps)
    # points (a list of reported dumps) have no area to show, and a float id 1.0 is site 1
    polygonal = dumps.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    titles = pd.Series(
        [f"{lab['site_id']} {_site_label(v) if pd.notna(v) else lab['no_data']}" for v in dumps["site_id"]],
        index=dumps.index,
    )
    # a tier as kzgeo writes it; "Confident" or " review" typed by hand are the same tiers
    tiers = (
        dumps["tier"].map(lambda t: t.strip().lower() if isinstance(t, str) else None)
        if "tier" in dumps
        else pd.Series(None, index=dumps.index, dtype=object)
    )
    # a point has no area of its own: the file's area_ha (a list of reported sites), if it has one
    given_ha = pd.to_numeric(dumps["area_ha"], errors="coerce").to_numpy() if "area_ha" in dumps else None
    shown_ha = np.where(polygonal, area, given_ha if given_ha is not None else np.nan)
    rows, styles = [], []
    for i, key in enumerate(dumps.index):
        row = [[lab["area_ha"], _ha_text(shown_ha[i], lang, 2)]] if np.isfinite(shown_ha[i]) else []
        for column in ("score", "tier", "status", "change"):
            if column in dumps:
                value = (
                    tiers[key] if column == "tier" and tiers[key] in _DUMP_COLOURS else dumps.at[key, column]
                )
                # a score of 0.9966 is not certainty: the decimals it takes not to print as 1.00
                digits = 2
                if column == "score" and isinstance(value, (float, np.floating)) and value < 1:
                    while digits < 6 and round(float(value), digits) >= 1:
                        digits += 1
                row.append([lab[column], _text(_coded(column, value, lang), lang, digits)])
        rows.append(row)
        colour = _DUMP_COLOURS.get(tiers[key], _UNKNOWN_TIER)
        styles.append({"color": colour, "weight": 2, "fillColor": colour, "fillOpacity": 0.5})
    if len(dumps) > _MANY_SITES and polygonal.all():
        # a country's pass (thousands of sites): clustered dots when zoomed out and, from zoom 11,
        # the outlines near the view, encoded as the plots are (every outline and dot as GeoJSON made
        # a page of 16.7 MB for 6,000 sites, 0.7 s a pan)
        PlotLayer(
            {
                "n": len(dumps),
                "pts": np.round(
                    shapely.get_coordinates(drawn.geometry.representative_point().values)[:, ::-1], 6
                )
                .ravel()
                .tolist(),
                "geom": encode_geometries(drawn.geometry.values, digits=6),
                "scale": 10**6,
                "title": lab["dumps"],
                "titles": titles.tolist(),
                "cols": [
                    _popup_column(row[0][0], [r[k][1] for r in rows])
                    for k, row in enumerate(zip(*rows, strict=True))
                ],
                "style": {"weight": 2, "fillOpacity": 0.5},
                "colours": [st["fillColor"] for st in styles],
                "pane": "kzgeoSitesMany",
                "min_zoom": _PLOT_OUTLINE_MIN_ZOOM,
            },
            name=lab["dumps"],
        ).add_to(m)
        legend.swatches(lab["dumps"], _tier_entries(dumps, tiers, lang))
        return
    folium.map.CustomPane(SITES_PANE, z_index=420, pointer_events=True).add_to(m)
    # one switchable layer: the outlines, and a dot on each site, which a site of a few hectares
    # needs to be seen at all on a map of the country
    group = folium.FeatureGroup(name=lab["dumps"]).add_to(m)
    bind = folium.JsCode("kzgeo.bind")
    # outlines of the sites that have one: a point would get Leaflet's default pin over its dot
    shaped = ~dumps.geometry.geom_type.isin(["Point", "MultiPoint"]).to_numpy()
    outlines = _feature_collection(
        drawn[shaped], titles[shaped], [r for r, k in zip(rows, shaped, strict=True) if k],
        [st for st, k in zip(styles, shaped, strict=True) if k],
    )  # fmt: skip
    folium.GeoJson(outlines, on_each_feature=bind, smooth_factor=0.5, pane=SITES_PANE, control=False).add_to(
        group
    )
    dots = _feature_collection(
        gpd.GeoDataFrame(geometry=dumps.geometry.representative_point().to_crs(4326).values, crs=4326),
        titles,
        rows,
        [{**s, "fillOpacity": 0.9} for s in styles],
    )
    dot = folium.CircleMarker(radius=5, pane=SITES_PANE)
    folium.GeoJson(dots, on_each_feature=bind, marker=dot, pane=SITES_PANE, control=False).add_to(group)
    legend.swatches(lab["dumps"], _tier_entries(dumps, tiers, lang))


_MANY_SITES = 1000
"""Above this many dump sites, the layer is drawn as the plots are: clustered, outlines near the view."""


def _tier_entries(dumps: gpd.GeoDataFrame, tiers: pd.Series, lang: str) -> list[tuple[str, str]]:
    """Legend swatches of the sites' tiers: confident, review, and grey for any other tier given."""
    lab = labels(lang)
    entries = [(colour, _coded("tier", tier, lang)) for tier, colour in _DUMP_COLOURS.items()]
    grey = ~tiers.isin(list(_DUMP_COLOURS))
    if grey.any():  # the grey sites' tiers as the layer gives them ("high"), missing ones as no data
        unknown = dumps.loc[grey, "tier"] if "tier" in dumps else tiers[grey]
        named = [v for v in unknown if pd.notna(v) and str(v).strip()]
        given = sorted({_text(v, lang) for v in named})
        shown = [
            *given[:5],
            *(["…"] if len(given) > 5 else []),
            *([lab["no_data"]] if len(named) < len(unknown) else []),
        ]
        entries.append((_UNKNOWN_TIER, f"{lab['tier']}: {', '.join(shown)}"))
    return entries


def _site_label(value) -> str:
    """A site id as printed in a popup title: 1.0 as 1, other values as they are."""
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _popup_column(label: str, text: list[str]) -> dict:
    """One popup row of every feature of a compact layer: the texts, or a dictionary of the few
    distinct ones and a code per feature."""
    uniques, codes = np.unique(text, return_inverse=True)
    if len(uniques) * 4 < len(text):
        return {"label": label, "dict": uniques.tolist(), "codes": codes.tolist()}
    return {"label": label, "values": text}


def _snapped(gdf: gpd.GeoDataFrame, digits: int) -> gpd.GeoSeries:
    """The geometries with coordinates rounded as :func:`encode_geometries` rounds them."""
    return gpd.GeoSeries(
        shapely.transform(gdf.geometry.values, lambda xy: np.rint(xy * 10**digits) / 10**digits), crs=gdf.crs
    )


def _plot_payload(plots: gpd.GeoDataFrame, lang: str, regions: gpd.GeoDataFrame | None = None) -> dict:
    lab = labels(lang)
    if "region" in plots:
        plots = plots.assign(region=_region_names(plots["region"], regions, lang))
    drawn = simplify_for_web(plots, digits=6)
    # the outlines as integers of 10^-digits degrees: more digits when a plot of a few m² would
    # otherwise change by more than the limit (the simplifier kept its finer coordinates)
    plot_ha = hectares(plots)
    places = next(
        (
            d
            for d in (6, 7)
            if area_change_pct(plot_ha, hectares(_snapped(drawn, d))).max(initial=0.0) <= MAX_CHANGE_PCT
        ),
        8,
    )
    points = shapely.get_coordinates(drawn.geometry.representative_point().values)
    columns = [("plot_id", plots.get("plot_id", pd.Series(plots.index, index=plots.index)), None)]
    columns.append(("area_ha", pd.Series(plot_ha, index=plots.index), 2))
    for column, digits in (
        ("region", 0),
        ("year", None),
        ("species", 0),
        ("seedlings", 0),
        ("declared_ha", 2),
        ("survival_pct", 1),
    ):
        if column in plots:
            columns.append((column, plots[column], digits))
    cols = []
    for column, values, digits in columns:
        show = _ha_text if column.endswith("_ha") else _text
        text = [show(_coded(column, v, lang), lang, digits) for v in values]
        cols.append(_popup_column(lab["region"] if column == "region" else lab[column], text))
    return {
        "n": len(plots),
        "pts": np.round(points[:, ::-1], 5).ravel().tolist(),
        "geom": encode_geometries(drawn.geometry.values, digits=places),
        "scale": 10**places,
        "title": lab["plots"],
        "cols": cols,
        "style": _STYLE["plots"],
        "min_zoom": _PLOT_OUTLINE_MIN_ZOOM,
    }


def _basemap(m: folium.Map, regions: gpd.GeoDataFrame, lang: str) -> None:
    """The offline basemap: the country's outline filled, drawn below every layer."""
    with warnings.catch_warnings():  # the regions layer itself says if its units overlap
        warnings.simplefilter("ignore", KzgeoWarning)
        outline = shapely.union_all(simplify_for_web(regions, coverage=True, digits=4).geometry.values)
    folium.GeoJson(
        shapely.geometry.mapping(outline),
        name=labels(lang)["basemap"],
        control=False,
        style_function=lambda _: {
            "color": "#8d8d8d",
            "weight": 1.5,
            "fillColor": "#f2efe6",
            "fillOpacity": 1,
        },
        interactive=False,
    ).add_to(m)


def make_map(
    *,
    regions: LayerInput = None,
    districts: LayerInput = None,
    protected_areas: LayerInput = None,
    corridors: LayerInput = None,
    plots: LayerInput = None,
    dumps: LayerInput = None,
    score_raster: str | os.PathLike | None = None,
    lang: str = "en",
    offline: bool = False,
    assume_crs=None,
) -> folium.Map:
    """A layered web map of the programmes' geography, in Kazakh, Russian or English.

    Parameters
    ----------
    regions, districts, protected_areas, corridors, plots : GeoDataFrame or path, optional
        Layers of those kinds (read with :func:`kzgeo.read_layer`). A layer left out is not drawn;
        :func:`kzgeo.maps.bundled_layers` gives the bundled Kazakhstan data. Regions are shaded by
        their protected share (when protected areas are given) or by planted hectares; districts
        are thin boundary lines over them, named with their region (``region_en``) when they have it.
    dumps : GeoDataFrame or path, optional
        Candidate dump sites: polygons with ``site_id, score, area_ha, tier, status``.
    score_raster : path, optional
        Single-band GeoTIFF of dump scores 0..1 in any CRS; reprojected to Web Mercator and laid
        on the map as a colour image.
    lang : {"en", "ru", "kk"}
        Language of labels, legend, popups and region names.
    offline : bool
        No tiles: a plain basemap, the country's outline drawn from the regions layer.
        :func:`kzgeo.maps.save_map` then inlines Leaflet so the file needs no network.
    assume_crs : CRS-like, optional
        CRS of layer files that declare none (as :func:`kzgeo.read_layer` takes it).

    Returns
    -------
    folium.Map
        With a layer control, legend and scale bar. Popups show hectares of the original geometry
        (drawn geometry is lighter, within 0.1 % of each feature's hectares).

    Examples
    --------
    >>> import kzgeo
    >>> m = kzgeo.make_map(regions=kzgeo.datasets.load("regions"), lang="kk")  # doctest: +SKIP
    >>> kzgeo.maps.save_map(m, "regions.html")  # doctest: +SKIP
    """
    check_lang(lang)
    lab = labels(lang)
    given = dict(zip(_MAP_LAYERS, (regions, districts, protected_areas, corridors, plots), strict=True))
    layers = {kind: _read(source, kind, assume_crs) for kind, source in given.items()}
    # detect-dumps works on any Sentinel-2 scene: its sites may lie outside Kazakhstan
    layers["dumps"] = _read(dumps, None, assume_crs, anywhere=True)
    for kind, gdf in layers.items():
        if gdf is not None and len(gdf) == 0 and kind != "dumps":  # no dump sites is a finding
            empty = DataError(
                f"{_source_name(given[kind], kind)}: the {kind} layer has no features; leave it out instead"
            )
            empty.empty_layer = kind  # the command line, which draws bundled layers, says more
            raise empty
    m = folium.Map(
        location=_KAZAKHSTAN_CENTRE,
        zoom_start=5,
        tiles=None,
        control_scale=False,  # MetricScale instead: no miles and feet on a map of Kazakhstan
    )
    if not offline:  # named as the project names itself, in the layer control of every language
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap").add_to(m)
    # the map's own zoom limits: marker clustering needs them even when there is no tile layer
    m.options.update(min_zoom=3, max_zoom=18)
    # Only Leaflet itself: folium's defaults also pull in jQuery, Bootstrap and web fonts, unused here.
    m.default_js = [("leaflet", LEAFLET_JS)]
    m.default_css = [("leaflet_css", LEAFLET_CSS)]
    m.kzgeo_offline = offline
    m.get_root().title = lab["title"]
    m.add_child(PageStyle(background="#cfdbe3" if offline else None))
    m.add_child(MetricScale())
    legend = Legend(lab["legend"])

    if offline and layers["regions"] is not None:
        _basemap(m, layers["regions"], lang)
    if layers["regions"] is not None:
        name = _source_name(given["regions"], "regions")
        _add_regions(m, layers["regions"], layers["protected_areas"], layers["plots"], lang, legend, name)
    if layers["districts"] is not None:
        districts = layers["districts"]
        if "region_en" in districts:
            districts = districts.assign(
                region=_region_names(districts["region_en"], layers["regions"], lang)
            )
        name = _source_name(given["districts"], "districts")
        _add_polygons(m, districts, "districts", lang, legend, ("region",), coverage=True, name=name)
    if layers["corridors"] is not None:
        _add_polygons(
            m, layers["corridors"], "corridors", lang, legend, ("official_area_ha", "year", "geometry_source")
        )
    if layers["protected_areas"] is not None:
        _add_polygons(
            m,
            layers["protected_areas"],
            "protected_areas",
            lang,
            legend,
            ("designation", "iucn_cat", "year", "official_area_ha", "geometry_source"),
        )
    if score_raster is not None:
        folium.map.CustomPane(SCORE_PANE, z_index=410, pointer_events=False).add_to(m)
        overlay, colours = score_overlay(Path(score_raster), name=lab["score_raster"], pane=SCORE_PANE)
        overlay.add_to(m)
        legend.colour_bar(lab["score_raster"], colours, f"0 ({lab['low']})", f"1 ({lab['high']})")
    if layers["plots"] is not None:
        PlotLayer(_plot_payload(layers["plots"], lang, layers["regions"]), name=lab["plots"]).add_to(m)
        # under its own heading: after the score bar, a bare swatch read as part of the score
        legend.swatches(lab["plots"], [(_STYLE["plots"]["fillColor"], lab["zoom_for_plots"])])
    if layers["dumps"] is not None:
        _add_dumps(m, layers["dumps"], lang, legend, _source_name(dumps, "dumps"))

    extents = [g.total_bounds for g in layers.values() if g is not None and not g.empty]
    if score_raster is not None:  # a scene of a few km² is not to be looked for on a map of the country
        (south, west), (north, east) = overlay.bounds
        extents.append((west, south, east, north))
    if extents:
        west, south, east, north = np.array(extents).T
        m.fit_bounds([[south.min(), west.min()], [north.max(), east.max()]])
    m.add_child(legend)
    control = folium.LayerControl(collapsed=False).add_to(m)
    m.add_child(CollapseOnSmallScreens(control))
    guard_templates(m.get_root())  # however the map is rendered later: save_map, m.save, a notebook
    return m

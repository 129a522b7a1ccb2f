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
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import Transformer

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

    The source polygons do not quite match along shared borders (vertices a few metres apart), so
    they are first cleaned into an exact coverage (``coverage_clean`` snaps them together); the
    coverage simplification then moves each shared edge once for both neighbours, leaving neither
    gaps nor overlaps. Tolerances are tried from coarse to fine (degrees, Visvalingam–Whyatt); the
    first that keeps every unit within ``MAX_AREA_CHANGE_PCT`` of the original wins. Returns the
    geometries, the tolerance and the largest change in percent.
    """
    before = hectares(gpd.GeoSeries(geoms, crs=4326))
    clean = shapely.coverage_clean(geoms)
    for tolerance in 0.01 * 0.85 ** np.arange(40):
        simplified = shapely.coverage_simplify(clean, float(tolerance))
        change = np.abs(hectares(gpd.GeoSeries(simplified, crs=4326)) / before - 1.0) * 100.0
        if change.max() < MAX_AREA_CHANGE_PCT and shapely.coverage_is_valid(simplified):
            return simplified, float(tolerance), float(change.max())
    raise RuntimeError("no tolerance keeps the areas within the limit")


def _read_admin(shared: Path, level: int) -> gpd.GeoDataFrame:
    year = 2024
    return gpd.read_file(shared / ADMIN / f"kaz_admbnda_adm{level}_{year}.shp", engine="pyogrio")


# Latin letters typed for their Cyrillic twins inside Kazakh and Russian names of the source
_CYRILLIC_TWINS = str.maketrans("AaBCcEeHIiKMOoPpTXxy", "АаВСсЕеНІіКМОоРрТХху")
# the Russian names the state uses today, where the source has an older one
_RENAMED_RU = {"Чимкент": "Шымкент"}


def local_name(values: pd.Series, lang: str) -> pd.Series:
    """Kazakh or Russian names without Latin look-alike letters, and with today's Russian names."""
    fixed = values.map(lambda v: v.translate(_CYRILLIC_TWINS) if isinstance(v, str) else v)
    return fixed.replace(_RENAMED_RU) if lang == "ru" else fixed


def build_regions(shared: Path) -> tuple[gpd.GeoDataFrame, dict]:
    """The 20 first-level units, simplified; with a dict of what was done."""
    raw = _read_admin(shared, 1).sort_values("KATO", ignore_index=True)
    geoms, tolerance, change = simplify_coverage(shapely.make_valid(raw.geometry.values))
    gdf = gpd.GeoDataFrame(
        {
            "kato": raw["KATO"],
            "name_en": raw["ADM1_EN"],
            "name_kk": local_name(raw["ADM1_KK"], "kk"),
            "name_ru": local_name(raw["ADM1_RU"], "ru"),
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
            "name_kk": local_name(raw["ADM2_KK"], "kk"),
            "name_ru": local_name(raw["ADM2_RU"], "ru"),
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


# --------------------------------------------------------------------------- illustrative shapes

AREA_TOLERANCE = 2e-4  # relative; shapes are rescaled until their hectares are this close to the target


@dataclass(frozen=True)
class Part:
    """One polygon of a site: centre (degrees), hectares, elongation and orientation (degrees from east)."""

    lon: float
    lat: float
    ha: float
    aspect: float = 1.4
    angle: float = 0.0


@dataclass(frozen=True)
class Site:
    """A protected area: names, designation and the parts its illustrative shape is made of."""

    pa_id: str
    name_en: str
    name_kk: str
    name_ru: str
    designation: str
    iucn_cat: str
    year: int
    official_area_ha: float
    area_source: str
    parts: tuple[Part, ...]
    nested: bool = False  # an overlapping designation (Ramsar, World Heritage); the others are kept apart


RESERVE = "State Nature Reserve (zapovednik)"
REZERVAT = "State Nature Reserve (rezervat)"
PARK = "State National Nature Park"
RAMSAR = "Ramsar Site, Wetland of International Importance"
REF = "kz_protected_areas_reference_areas.csv"
RECALLED = "published figure recalled, not checked against a source here (medium confidence)"
RAMSAR_RIS = "Ramsar Sites Information Service"

SITES = (
    Site("altyn-dala", "Altyn-Dala", "Алтын Дала", "Алтын-Дала", REZERVAT, "VI", 2012, 489_766,
         f"{REF} (high)", (Part(64.25, 50.35, 52_115, 1.4, 30), Part(63.55, 49.6, 95_981, 1.7, -25),
          Part(64.75, 49.0, 341_670, 1.9, 15))),
    Site("irgiz-torgai", "Irgiz-Torgai", "Ырғыз-Торғай", "Иргиз-Тургайский", REZERVAT, "VI", 2007, 763_549,
         "area at creation, Gov. Decree No. 109 of 14 Feb 2007 (silkadv.com); 1,173,511 ha also published",
         (Part(62.75, 48.3, 763_549, 1.5, 25),)),
    Site("ile-balkhash", "Ile-Balkhash", "Іле-Балқаш", "Иле-Балхаш", REZERVAT, "VI", 2018, 415_164.2,
         f"{REF} (high)", (Part(74.85, 45.7, 415_164.2, 1.7, 35),)),
    Site("akzhayik", "Akzhayik", "Ақжайық", "Акжайык", REZERVAT, "VI", 2009, 111_500, f"{REF} (high)",
         (Part(51.9, 46.9, 111_500, 1.5, 80),)),
    Site("buyratau", "Buyratau", "Бұйратау", "Буйратау", PARK, "II", 2011, 88_968, f"{REF} (high)",
         (Part(73.45, 51.3, 88_968, 1.6, 10),)),
    Site("zhongar-alatau", "Zhongar-Alatau", "Жоңғар Алатауы", "Жонгар-Алатау", PARK, "II", 2010, 356_022,
         f"{REF} (high)", (Part(80.3, 45.15, 356_022, 2.4, 5),)),
    Site("tarbagatai", "Tarbagatai", "Тарбағатай", "Тарбагатай", PARK, "II", 2018, 143_550.5, f"{REF} (high)",
         (Part(82.3, 47.2, 143_550.5, 3.0, 5),)),
    Site("korgalzhyn", "Korgalzhyn", "Қорғалжын", "Коргалжынский", RESERVE, "Ia", 1968, 543_171,
         f"{REF} (medium)", (Part(69.35, 50.45, 543_171, 1.4, 0),)),
    Site("naurzum", "Naurzum", "Наурызым", "Наурзумский", RESERVE, "Ia", 1931, 191_400,
         f"{REF} (medium); split over the three clusters is illustrative",
         (Part(64.45, 51.55, 100_000, 1.6, 40), Part(63.8, 51.9, 53_400, 1.5, -30),
          Part(65.0, 51.3, 38_000, 1.4, 60))),
    Site("aksu-zhabagly", "Aksu-Zhabagly", "Ақсу-Жабағылы", "Аксу-Жабаглинский", RESERVE, "Ia", 1926, 131_934,
         f"{REF} (medium)", (Part(70.55, 42.4, 131_934, 1.5, 30),)),
    Site("altyn-emel", "Altyn-Emel", "Алтынемел", "Алтын-Эмель", PARK, "II", 1996, 307_653.35,
         f"{REF} (low: 209,553 / 307,653 / 460,000 ha all published)",
         (Part(78.55, 44.05, 307_653.35, 2.0, 10),)),
    Site("ustyurt", "Ustyurt", "Үстірт", "Устюртский", RESERVE, "Ia", 1984, 223_300,
         "223.3 thousand ha (several sources; Wikipedia: 223,000 ha)",
         (Part(54.65, 43.15, 223_300, 1.6, -20),)),
    Site("katon-karagai", "Katon-Karagai", "Катонқарағай", "Катон-Карагайский", PARK, "II", 2001, 643_477,
         "Wikipedia (643,477 ha)", (Part(85.6, 49.25, 643_477, 2.6, 0),)),
    Site("markakol", "Markakol", "Марқакөл", "Маркакольский", RESERVE, "Ia", 1976, 102_979, RECALLED,
         (Part(85.9, 48.75, 102_979, 1.6, 10),)),
    Site("bayanaul", "Bayanaul", "Баянауыл", "Баянаульский", PARK, "II", 1985, 68_453, RECALLED,
         (Part(75.75, 50.8, 68_453, 1.3, 20),)),
    Site("burabay", "Burabay", "Бурабай", "Бурабай", PARK, "II", 2000, 129_935,
         "Wikipedia (129,935 ha since 2010; the park's site gives 129,299 ha)",
         (Part(70.3, 53.05, 129_935, 1.3, 60),)),
    Site("kokshetau", "Kokshetau", "Көкшетау", "Кокшетау", PARK, "II", 1996, 182_076, RECALLED,
         (Part(69.05, 53.05, 182_076, 1.5, -40),)),
    Site("karkaraly", "Karkaraly", "Қарқаралы", "Каркаралинский", PARK, "II", 1998, 112_120, RECALLED,
         (Part(75.5, 49.35, 112_120, 1.4, 30),)),
    Site("ile-alatau", "Ile-Alatau", "Іле Алатауы", "Иле-Алатауский", PARK, "II", 1996, 199_702, RECALLED,
         (Part(76.85, 43.08, 199_702, 4.0, 0),)),
    Site("almaty-reserve", "Almaty", "Алматы", "Алматинский", RESERVE, "Ia", 1931, 71_700, RECALLED,
         (Part(77.6, 43.1, 71_700, 1.5, 0),)),
    Site("charyn", "Charyn", "Шарын", "Чарынский", PARK, "II", 2004, 127_050,
         "charyn.kz: Gov. Decree No. 121 of 6 Feb 2009 (127,050 ha)",
         (Part(79.07, 43.35, 127_050, 3.0, 45),)),
    Site("kolsai-kolderi", "Kolsai Kolderi", "Көлсай көлдері", "Кольсай колдери", PARK, "II", 2007, 161_045,
         "Gov. Decree No. 88 of 7 Feb 2007 (161,045 ha)", (Part(78.4, 42.93, 161_045, 2.0, 0),)),
    Site("sairam-ugam", "Sairam-Ugam", "Сайрам-Өгем", "Сайрам-Угамский", PARK, "II", 2006, 149_053, RECALLED,
         (Part(69.95, 42.0, 149_053, 1.6, 45),)),
    Site("barsakelmes", "Barsakelmes", "Барсакелмес", "Барсакельмес", RESERVE, "Ia", 1939, 160_826,
         "kazmab.kz: clusters Barsakelmes 50,884 + Kaskakulan 109,942 ha (Kaskakulan placed approximately)",
         (Part(59.9, 45.63, 50_884, 1.4, 60), Part(60.5, 45.3, 109_942, 1.5, 20))),
    Site("karatau", "Karatau", "Қаратау", "Каратауский", RESERVE, "Ia", 2004, 34_300, RECALLED,
         (Part(68.85, 43.35, 34_300, 1.8, -50),)),
    Site("saryarka", "Saryarka – Steppe and Lakes of Northern Kazakhstan", "Сарыарқа", "Сарыарка",
         "World Heritage Site (natural)", "Not Applicable", 2008, 450_344,
         f"{REF} (high): Korgalzhyn 258,963 + Naurzum 191,381 ha",
         (Part(69.2, 50.4, 258_963, 1.3, 10), Part(64.4, 51.6, 191_381, 1.3, 40)), nested=True),
    Site("tengiz-korgalzhyn", "Tengiz-Korgalzhyn Lake System", "Теңіз-Қорғалжын көлдер жүйесі",
         "Система озёр Тенгиз-Коргалжын", RAMSAR, "Not Reported", 1976, 353_341, f"{RAMSAR_RIS}, site 107",
         (Part(69.2, 50.42, 353_341, 1.3, -10),), nested=True),
    Site("ili-delta-ramsar", "Ili River Delta and South Lake Balkhash",
         "Іле өзенінің атырауы және Оңтүстік Балқаш", "Дельта реки Или и Южное Прибалхашье", RAMSAR,
         "Not Reported", 2012, 976_630.3, f"{RAMSAR_RIS}, site 2020",
         (Part(74.85, 45.65, 976_630.3, 1.8, 35),), nested=True),
    Site("lower-turgay-irgiz", "Lakes of the lower Turgay and Irgiz", "Төменгі Торғай мен Ырғыз көлдері",
         "Озёра нижнего Тургая и Иргиза", RAMSAR, "Not Reported", 1976, 348_000,
         "Ramsar site 108 (Wikipedia, BirdLife)",
         (Part(62.4, 48.55, 348_000, 1.4, 30),), nested=True),
)  # fmt: skip


def _local(lon: float, lat: float) -> Transformer:
    """Metres in a Lambert azimuthal equal-area plane centred on (lon, lat) -> degrees."""
    return Transformer.from_crs(f"+proj=laea +lat_0={lat} +lon_0={lon} +ellps=WGS84", 4326, always_xy=True)


def _round(geom):
    return shapely.set_precision(geom, COORD_GRID_DEG)


def _polygonal(geom):
    """The polygonal parts of ``geom`` (intersections can leave lines and points behind)."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _multi(geom) -> shapely.MultiPolygon:
    """``geom`` as a MultiPolygon, the type a GeoPackage layer of mixed parts is stored as."""
    return shapely.MultiPolygon(list(shapely.get_parts(geom)))


def _without_specks(geom):
    """Drop the bits a clip cuts off (parts under 1 % of the largest), e.g. across a border bend."""
    parts = shapely.get_parts(geom)
    if len(parts) < 2:
        return geom
    areas = shapely.area(parts)
    return shapely.union_all(parts[areas >= 0.01 * areas.max()])


def _ha(geom) -> float:
    return float(hectares(gpd.GeoSeries([geom], crs=4326))[0])


def fit_area(make, target_ha: float, allowed, start: float) -> shapely.Geometry:
    """Rescale a shape until its hectares, once clipped to ``allowed``, are within ``AREA_TOLERANCE``.

    ``make(scale)`` returns the shape in degrees for a scale factor; the area grows about as the
    square of the scale for blobs and linearly for corridors, so the update uses the square root
    (it converges either way, the linear case just takes a few more steps).
    """
    scale = start
    for _ in range(60):
        geom = _round(_without_specks(_polygonal(shapely.intersection(make(scale), allowed))))
        ha = _ha(geom) if not geom.is_empty else 0.0
        if ha > 0 and abs(ha / target_ha - 1.0) < AREA_TOLERANCE:
            return geom
        scale *= np.sqrt(target_ha / ha) if ha > 0 else 2.0
    raise RuntimeError(f"could not fit a shape of {target_ha} ha")


def _blob_xy(rng: np.random.Generator, aspect: float, angle: float, vertices: int = 96) -> np.ndarray:
    """An irregular star-shaped outline of about unit radius: a circle with low-frequency wobbles."""
    theta = np.linspace(0.0, 2.0 * np.pi, vertices, endpoint=False)
    log_r = np.zeros(vertices)
    for k in range(2, 10):
        log_r += rng.normal(0.0, 0.22 / k**0.7) * np.cos(k * theta + rng.uniform(0.0, 2.0 * np.pi))
    r = np.exp(log_r)
    x, y = r * np.cos(theta) * np.sqrt(aspect), r * np.sin(theta) / np.sqrt(aspect)
    a = np.radians(angle)
    return np.column_stack([x * np.cos(a) - y * np.sin(a), x * np.sin(a) + y * np.cos(a)])


def blob(rng: np.random.Generator, part: Part, allowed) -> shapely.Geometry:
    """An irregular polygon centred on the part's location whose clipped hectares match ``part.ha``."""
    xy = _blob_xy(rng, part.aspect, part.angle)
    to_deg = _local(part.lon, part.lat)
    unit_m2 = shapely.Polygon(xy).area

    def make(scale: float):
        lon, lat = to_deg.transform(xy[:, 0] * scale, xy[:, 1] * scale)
        return shapely.Polygon(np.column_stack([lon, lat]))

    return fit_area(make, part.ha, allowed, np.sqrt(part.ha * 1e4 / unit_m2))


def build_protected_areas(country, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Illustrative protected areas at their real locations with their official hectares.

    Sites that are not nested designations are kept apart (each is clipped by those placed before
    it); Ramsar and World Heritage sites overlap the reserves they contain, as they do in reality.
    """
    shapely.prepare(country)
    taken = shapely.Polygon()
    rows, geoms = [], []
    for site in SITES:
        shapes = []
        for part in site.parts:
            # a 1 m gap keeps neighbours apart after their vertices are rounded to the grid
            allowed = country if site.nested else shapely.difference(country, shapely.buffer(taken, 1e-5))
            shape = blob(rng, part, allowed)
            if not site.nested:
                taken = shapely.union(taken, shape)
            shapes.append(shape)
        rows.append(
            {
                "pa_id": site.pa_id,
                "name": f"{site.name_en} {site.designation}",
                "name_en": site.name_en,
                "name_kk": site.name_kk,
                "name_ru": site.name_ru,
                "designation": site.designation,
                "iucn_cat": site.iucn_cat,
                "year": site.year,
                "official_area_ha": float(site.official_area_ha),
                "area_source": site.area_source,
                "geometry_source": "illustrative",
            }
        )
        geoms.append(_multi(shapely.union_all(shapes)))
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=4326)


@dataclass(frozen=True)
class Corridor:
    """An ecological corridor: names, year, the hectares given to it, and the lines it follows."""

    corridor_id: str
    name_en: str
    name_kk: str
    name_ru: str
    year: int
    ha: float
    lines: tuple[tuple[tuple[float, float], ...], ...]


# Only the total (2.9 million ha) is published; "more than 2 million ha" for Yrgyz-Torgay-Zhylanshyk.
CORRIDORS = (
    Corridor("yrgyz-torgay-zhylanshyk", "Yrgyz–Torgay–Zhylanshyk", "Ырғыз–Торғай–Жыланшық",
             "Иргиз–Тургай–Жыланшик", 2014, 2_300_000,
             (((62.75, 48.3), (63.1, 48.95), (63.55, 49.6), (64.25, 50.35)), ((63.55, 49.6), (64.75, 49.0)))),
    Corridor("kapshagay-balkhash", "Kapshagay–Balkhash", "Қапшағай–Балқаш", "Капчагай–Балхаш", 2018, 600_000,
             (((78.55, 44.05), (77.7, 44.25), (77.0, 44.55), (76.3, 44.95), (75.6, 45.35), (74.85, 45.7)),)),
)  # fmt: skip


def corridor_shape(rng: np.random.Generator, corridor: Corridor, allowed) -> shapely.Geometry:
    """A band of varying width along the corridor's lines, fitted to its hectares."""
    lon0, lat0 = np.mean([p for line in corridor.lines for p in line], axis=0)
    to_deg = _local(float(lon0), float(lat0))
    to_m = Transformer.from_crs(4326, to_deg.source_crs, always_xy=True)
    # stations every ~10 km along each line, each with a smoothly varying relative width
    stations = []
    for line in corridor.lines:
        x, y = to_m.transform(*np.array(line).T)
        path = shapely.segmentize(shapely.LineString(np.column_stack([x, y])), 10_000.0)
        xy = shapely.get_coordinates(path)
        t = np.linspace(0.0, 1.0, len(xy))
        width = 1.0 + sum(0.3 / k * np.sin(np.pi * k * t + rng.uniform(0, 2 * np.pi)) for k in (1, 2, 3, 5))
        stations.append((xy, width))
    length_m = sum(shapely.length(shapely.LineString(xy)) for xy, _ in stations)

    def make(half_width: float):
        pieces = []
        for xy, width in stations:
            discs = shapely.buffer(shapely.points(xy), half_width * width, quad_segs=8)
            pieces.extend(shapely.convex_hull(shapely.union(discs[:-1], discs[1:])))
        band = shapely.union_all(pieces)
        coords = shapely.get_coordinates(band)
        lon, lat = to_deg.transform(coords[:, 0], coords[:, 1])
        return _polygonal(shapely.make_valid(shapely.set_coordinates(band, np.column_stack([lon, lat]))))

    return fit_area(make, corridor.ha, allowed, corridor.ha * 1e4 / (2 * length_m))


def build_corridors(country, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """The two illustrative corridors, overlapping the protected areas they link."""
    rows, geoms = [], []
    for c in CORRIDORS:
        geoms.append(_multi(corridor_shape(rng, c, country)))
        rows.append(
            {
                "corridor_id": c.corridor_id,
                "name": f"{c.name_en} ecological corridor",
                "name_en": c.name_en,
                "name_kk": c.name_kk,
                "name_ru": c.name_ru,
                "year": c.year,
                "official_area_ha": float(c.ha),
                "geometry_source": "illustrative",
            }
        )
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=4326)


# --------------------------------------------------------------------------- planting plots


@dataclass(frozen=True)
class Species:
    name: str
    weight: float
    seedlings_per_ha: tuple[int, int]


@dataclass(frozen=True)
class Zone:
    """What is planted in a landscape zone, and how big the plots typically are."""

    species: tuple[Species, ...]
    median_ha: float
    max_ha: float = 500.0


ZONES = {
    "forest-steppe": Zone(
        (
            Species("Scots pine", 0.45, (2500, 4000)),
            Species("silver birch", 0.25, (2000, 3500)),
            Species("Siberian larch", 0.1, (2500, 4000)),
            Species("balsam poplar", 0.1, (1000, 2000)),
            Species("Siberian elm", 0.1, (1500, 3000)),
        ),
        median_ha=5.0,
    ),
    "mountain-east": Zone(
        (
            Species("Scots pine", 0.35, (2500, 4000)),
            Species("Siberian larch", 0.25, (2500, 4000)),
            Species("silver birch", 0.2, (2000, 3500)),
            Species("balsam poplar", 0.1, (1000, 2000)),
            Species("Siberian elm", 0.1, (1500, 3000)),
        ),
        median_ha=4.0,
    ),
    "dry-steppe": Zone(
        (
            Species("Siberian elm", 0.35, (1500, 3000)),
            Species("oleaster", 0.2, (1500, 2500)),
            Species("balsam poplar", 0.2, (1000, 2000)),
            Species("Scots pine", 0.15, (2500, 3500)),
            Species("silver birch", 0.1, (2000, 3000)),
        ),
        median_ha=4.0,
    ),
    "west": Zone(
        (
            Species("Siberian elm", 0.35, (1500, 3000)),
            Species("oleaster", 0.25, (1500, 2500)),
            Species("green ash", 0.15, (1500, 3000)),
            Species("white poplar", 0.15, (1000, 2000)),
            Species("black saxaul", 0.1, (400, 1200)),
        ),
        median_ha=4.0,
    ),
    "desert": Zone(
        (
            Species("black saxaul", 0.75, (400, 1200)),
            Species("white saxaul", 0.15, (400, 1000)),
            Species("tamarisk", 0.1, (800, 1500)),
        ),
        median_ha=12.0,
    ),
    "south": Zone(
        (
            Species("Siberian elm", 0.25, (1500, 3000)),
            Species("poplar", 0.2, (1000, 2000)),
            Species("green ash", 0.15, (1500, 3000)),
            Species("Tatar maple", 0.1, (1500, 3000)),
            Species("oleaster", 0.1, (1500, 2500)),
            Species("apricot", 0.1, (400, 1000)),
            Species("walnut", 0.05, (200, 600)),
            Species("Schrenk spruce", 0.05, (2500, 4000)),
        ),
        median_ha=3.0,
    ),
    "city": Zone(
        (
            Species("Siberian elm", 0.3, (400, 1200)),
            Species("green ash", 0.2, (400, 1200)),
            Species("Tatar maple", 0.2, (400, 1200)),
            Species("silver birch", 0.15, (400, 1200)),
            Species("poplar", 0.15, (400, 1200)),
        ),
        median_ha=1.5,
        max_ha=30.0,
    ),
}

# region -> number of plots and the zones its plots fall in (share of plots)
REGION_PLOTS = {
    "North Kazakhstan": (2200, {"forest-steppe": 1.0}),
    "Kostanay": (2000, {"forest-steppe": 0.65, "dry-steppe": 0.35}),
    "Almaty": (2000, {"south": 0.75, "desert": 0.25}),
    "Akmola": (1800, {"forest-steppe": 0.7, "dry-steppe": 0.3}),
    "East Kazakhstan": (1800, {"mountain-east": 1.0}),
    "Zhetysu": (1600, {"south": 0.8, "desert": 0.2}),
    "Pavlodar": (1500, {"forest-steppe": 0.6, "dry-steppe": 0.4}),
    "Turkestan": (1300, {"south": 0.5, "desert": 0.5}),
    "Abay": (1200, {"mountain-east": 0.6, "dry-steppe": 0.4}),
    "Zhambyl": (1100, {"south": 0.6, "desert": 0.4}),
    "Kyzylorda": (900, {"desert": 1.0}),
    "Karagandy": (900, {"dry-steppe": 1.0}),
    "Aktobe": (700, {"west": 0.6, "desert": 0.4}),
    "West Kazakhstan": (600, {"west": 1.0}),
    "Atyrau": (400, {"desert": 0.8, "west": 0.2}),
    "Ulytau": (350, {"dry-steppe": 0.5, "desert": 0.5}),
    "Mangystau": (350, {"desert": 1.0}),
    "Astana (city)": (60, {"city": 1.0}),
    "Almaty (city)": (50, {"city": 1.0}),
    "Shymkent (city)": (40, {"city": 1.0}),
}
YEARS = {2021: 0.15, 2022: 0.18, 2023: 0.2, 2024: 0.22, 2025: 0.25}
PLANTERS = {"state forestry institution": 0.55, "akimat": 0.3, "company": 0.15}
IN_PROTECTED_SHARE = 0.04  # share of a region's plots placed in the parks and corridors inside it
PLANTED_IN = (
    "buyratau",
    "zhongar-alatau",
    "tarbagatai",
    "ile-alatau",
    "katon-karagai",
    "bayanaul",
    "burabay",
    "kokshetau",
    "karkaraly",
    "charyn",
    "ile-balkhash",
    "altyn-dala",
)
PILOT = {"region": "Kostanay", "lon": 63.9, "lat": 53.05, "ha": 500.0, "species": "Scots pine", "year": 2024}
M_PER_DEG_LAT = 111_132.0
M_PER_DEG_LON_EQUATOR = 111_320.0


def _points_in(geom, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` random points inside a polygon, by rejection from its bounding box."""
    x0, y0, x1, y1 = geom.bounds
    shapely.prepare(geom)
    found = np.empty((0, 2))
    while len(found) < n:
        xy = rng.uniform((x0, y0), (x1, y1), size=(max(4 * (n - len(found)), 64), 2))
        found = np.vstack([found, xy[shapely.contains_xy(geom, xy[:, 0], xy[:, 1])]])
    return found[:n]


def _quadrilaterals(centres: np.ndarray, ha: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Irregular quadrilaterals (jittered, rotated rectangles) of about ``ha`` hectares around ``centres``."""
    n = len(centres)
    aspect = rng.uniform(1.0, 3.0, n)
    corners = np.array([(-1, -1), (1, -1), (1, 1), (-1, 1)], dtype=float) * 0.5
    xy = corners[None, :, :] * np.column_stack([np.sqrt(aspect), 1 / np.sqrt(aspect)])[:, None, :]
    xy = xy + rng.uniform(-0.12, 0.12, (n, 4, 2)) / np.sqrt(aspect)[:, None, None]
    x, y = xy[..., 0], xy[..., 1]
    unit_area = 0.5 * np.abs(np.sum(x * np.roll(y, -1, 1) - np.roll(x, -1, 1) * y, axis=1))
    side_m = np.sqrt(ha * 1e4 / unit_area)
    angle = rng.uniform(0.0, np.pi, n)[:, None]
    dx_m = (x * np.cos(angle) - y * np.sin(angle)) * side_m[:, None]
    dy_m = (x * np.sin(angle) + y * np.cos(angle)) * side_m[:, None]
    lon = centres[:, 0:1] + dx_m / (M_PER_DEG_LON_EQUATOR * np.cos(np.radians(centres[:, 1:2])))
    lat = centres[:, 1:2] + dy_m / M_PER_DEG_LAT
    rings = np.concatenate(
        [np.stack([lon, lat], axis=-1), np.stack([lon[:, :1], lat[:, :1]], axis=-1)], axis=1
    )
    polys = shapely.polygons(rings)
    # one correction on the ellipsoid, scaling each plot about its centre
    factor = np.sqrt(ha / hectares(gpd.GeoSeries(polys, crs=4326)))
    rings[..., 0] = centres[:, 0:1] + (rings[..., 0] - centres[:, 0:1]) * factor[:, None]
    rings[..., 1] = centres[:, 1:2] + (rings[..., 1] - centres[:, 1:2]) * factor[:, None]
    return shapely.polygons(np.round(rings, 6))


def _plot_sizes(zone: Zone, n: int, rng: np.random.Generator) -> np.ndarray:
    """Log-normal plot sizes: most plots small, a few large, within 0.5 ha .. the zone's maximum."""
    return np.round(np.clip(rng.lognormal(np.log(zone.median_ha), 1.1, n), 0.5, zone.max_ha), 2)


def _candidate_plots(region, protected, n: int, zone: Zone, rng: np.random.Generator) -> tuple:
    """Centres and sizes of ``n`` candidate plots in a region, some of them in its parks and corridors."""
    n_protected = round(n * IN_PROTECTED_SHARE) if not protected.is_empty else 0
    centres = [_points_in(region, n - n_protected, rng)]
    if n_protected:
        centres.append(_points_in(protected, n_protected, rng))
    centres = np.vstack(centres)
    return centres, _plot_sizes(zone, len(centres), rng)


def _drop_overlaps(geoms: np.ndarray, keep_first: int = 0) -> np.ndarray:
    """Mask of plots to keep so that none overlaps an earlier one (the first ``keep_first`` always stay)."""
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    later = left < right
    keep = np.ones(len(geoms), dtype=bool)
    for i, j in zip(left[later], right[later], strict=True):
        if keep[i] and keep[j]:
            keep[j if j >= keep_first else i] = False
    return keep


def _attributes(zone: Zone, region: str, ha: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    n = len(ha)
    weights = np.array([s.weight for s in zone.species])
    pick = rng.choice(len(zone.species), n, p=weights / weights.sum())
    low = np.array([zone.species[k].seedlings_per_ha[0] for k in pick])
    high = np.array([zone.species[k].seedlings_per_ha[1] for k in pick])
    year = rng.choice(list(YEARS), n, p=list(YEARS.values()))
    # survival is counted a season after planting: known for part of the older plots only
    known = (year < 2025) & (rng.random(n) < 0.6)
    survival = np.where(known, np.round(60.0 + 35.0 * rng.beta(4.0, 2.5, n), 1), np.nan)
    # a few planters declare more than they planted: the mapped plot is smaller than declared
    over = rng.random(n) < 0.05
    declared = np.round(np.minimum(ha * np.where(over, rng.uniform(1.05, 1.2, n), 1.0), zone.max_ha), 2)
    return pd.DataFrame(
        {
            "region": region,
            "year": year,
            "species": [zone.species[k].name for k in pick],
            "seedlings": np.round(ha * rng.uniform(low, high)).astype(np.int64),
            "declared_ha": declared,
            "survival_pct": survival,
            "planter": rng.choice(list(PLANTERS), n, p=list(PLANTERS.values())),
        }
    )


def build_plots(
    regions: gpd.GeoDataFrame,
    protected: gpd.GeoDataFrame,
    corridors: gpd.GeoDataFrame,
    rng: np.random.Generator,
    scale: float = 1.0,
    originals: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Illustrative planting plots inside their regions, none overlapping another.

    ``scale`` multiplies the number of plots per region (tests build a small set). With
    ``originals`` (the unsimplified regions), plots also lie inside the original boundaries.
    """
    pilot_centre = np.array([[PILOT["lon"], PILOT["lat"]]])
    pilot = _quadrilaterals(pilot_centre, np.array([PILOT["ha"]]), rng)
    frames, geoms = [], [pilot]
    plantable = shapely.union_all(
        [*protected.loc[protected["pa_id"].isin(PLANTED_IN)].geometry.values, *corridors.geometry.values]
    )
    # nothing is planted in strict nature reserves (zapovedniks)
    strict = shapely.union_all(protected.loc[protected["designation"].eq(RESERVE)].geometry.values)
    by_name = regions.set_index("name_en").geometry
    for region, (count, zones) in REGION_PLOTS.items():
        polygon = by_name[region]
        if originals is not None:
            polygon = _polygonal(
                shapely.intersection(polygon, originals.set_index("name_en").geometry[region])
            )
        shapely.prepare(polygon)
        open_land = shapely.difference(polygon, strict)
        in_protected = shapely.intersection(polygon, plantable)
        for zone_name, share in zones.items():
            zone = ZONES[zone_name]
            wanted = max(1, round(count * share * scale))
            while wanted > 0:
                centres, ha = _candidate_plots(open_land, in_protected, wanted, zone, rng)
                shapes = _quadrilaterals(centres, ha, rng)
                inside = shapely.contains(polygon, shapes)
                shapes, ha = shapes[inside], ha[inside]
                keep = _drop_overlaps(np.concatenate([*geoms, shapes]), keep_first=sum(map(len, geoms)))
                keep = keep[-len(shapes) :] if len(shapes) else keep[:0]
                shapes, ha = shapes[keep], ha[keep]
                geoms.append(shapes)
                frames.append(_attributes(zone, region, ha, rng))
                wanted -= len(shapes)
    table = pd.concat(frames, ignore_index=True)
    pilot_row = pd.DataFrame(
        {
            "region": [PILOT["region"]],
            "year": [PILOT["year"]],
            "species": [PILOT["species"]],
            "seedlings": [int(PILOT["ha"] * 3300)],
            "declared_ha": [PILOT["ha"]],
            "survival_pct": [np.nan],
            "planter": ["company (pilot forest, to grow to 1,500 ha)"],
        }
    )
    table = pd.concat([pilot_row, table], ignore_index=True)
    table.insert(0, "plot_id", [f"P{i:06d}" for i in range(1, len(table) + 1)])
    table["geometry_source"] = "illustrative"
    return gpd.GeoDataFrame(table, geometry=np.concatenate(geoms), crs=4326)


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
    rng = np.random.default_rng(SEED)
    country = shapely.union_all(regions.geometry.values)
    protected = build_protected_areas(country, rng)
    print(f"protected_areas: {len(protected)} sites")
    corridors = build_corridors(country, rng)
    print(f"corridors: {len(corridors)}, {hectares(corridors).round(0)} ha")
    originals = _read_admin(args.shared, 1).rename(columns={"ADM1_EN": "name_en"})
    originals["geometry"] = shapely.make_valid(originals.geometry.values)
    plots = build_plots(regions, protected, corridors, rng, originals=originals)
    print(f"plots: {len(plots)} in {plots['region'].nunique()} regions")
    layers = {"regions": regions, "districts": districts, "landfills": landfills,
              "protected_areas": protected, "corridors": corridors, "plots": plots}  # fmt: skip
    for name, gdf in layers.items():
        print(f"wrote {write(gdf, args.out, name)}")


if __name__ == "__main__":
    main()

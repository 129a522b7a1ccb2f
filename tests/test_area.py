"""hectares(): known answers, agreement with pyproj.Geod on real boundaries, any input CRS."""

from __future__ import annotations

import doctest
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pyproj import Geod
from shapely import box

from kzgeo import CRSError, DataError, GeometryError, KzgeoError, RepairWarning
from kzgeo.area import DENSIFY_M, hectares

GEOD = Geod(ellps="WGS84")
# Lambert azimuthal equal-area on the WGS84 ellipsoid centred in Kazakhstan: a 100 m square drawn
# near its centre is 1 ha on the ground (area is exact; edges of 100 m bend by nanometres). PROJ's
# inverse is a millimetre off right at the centre, so the squares below keep a few metres away.
LAEA = "+proj=laea +lat_0=48 +lon_0=68 +ellps=WGS84 +units=m +no_defs"
GEOKZ = "geokz/kaz_admbnda_adm{}_{}.shp"
# CRSs a ministry's files come in: degrees, UTM 40N/42N/44N, Web Mercator, SK-42 Gauss-Krüger zone 13,
# Kazakhstan's QazTRF-23 frame, EASE-Grid 2.0
CRSS = ["EPSG:4326", "EPSG:32640", "EPSG:32642", "EPSG:32644", "EPSG:3857", "EPSG:28413", "EPSG:6933"]


def geod_ha(geoms: gpd.GeoSeries) -> np.ndarray:
    """The reference: pyproj.Geod's geodesic area of each feature, holes subtracted.

    Each ring is measured on its own and taken positive: a few holes of the real files are so thin
    that their orientation flips in a reprojection round trip.
    """

    def ring_m2(ring) -> float:
        lon, lat = np.asarray(ring.coords).T
        return abs(GEOD.polygon_area_perimeter(lon, lat)[0])

    out = []
    for geom in geoms.to_crs(4326).values:
        parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]
        total = sum(ring_m2(p.exterior) - sum(ring_m2(h) for h in p.interiors) for p in parts)
        out.append(total / 10_000.0)
    return np.array(out)


def square_lonlat(lon: float, lat: float, side_deg: float) -> shapely.Polygon:
    """A 4-vertex 'square' whose sides are side_deg of latitude and the same length of longitude."""
    dx = side_deg / np.cos(np.radians(lat))
    return shapely.Polygon([(lon, lat), (lon + dx, lat), (lon + dx, lat + side_deg), (lon, lat + side_deg)])


# --- known answers worked out by hand -------------------------------------------------------------


def test_100m_square_in_an_equal_area_projection_is_one_hectare():
    square = gpd.GeoSeries([box(10, 10, 110, 110), box(-500, 300, -400, 400)], crs=LAEA)
    np.testing.assert_allclose(hectares(square), [1.0, 1.0], rtol=1e-9)


def test_utm_square_on_the_central_meridian_is_larger_by_the_scale_factor():
    # UTM shrinks lengths by k0 = 0.9996 on its central meridian: 100 m on the map is 100 / 0.9996 m
    square = gpd.GeoSeries([box(500_000, 5_300_000, 500_100, 5_300_100)], crs="EPSG:32642")
    assert hectares(square)[0] == pytest.approx(1 / 0.9996**2, rel=1e-9)


def test_web_mercator_square_shrinks_by_cos_squared_latitude():
    # Web Mercator enlarges lengths by 1/cos(lat) on the sphere: +90..190 % in area at 45..55°N
    lat = 50.0
    x, y = gpd.GeoSeries.from_xy([68.0], [lat], crs=4326).to_crs(3857).iloc[0].coords[0]
    square = gpd.GeoSeries([box(x, y, x + 100, y + 100)], crs="EPSG:3857")
    expected = np.cos(np.radians(lat)) ** 2
    # the sphere/ellipsoid difference of the radius of curvature at 50°N is below 0.5 %
    assert hectares(square)[0] == pytest.approx(expected, rel=5e-3)
    assert 1 / hectares(square)[0] - 1 > 0.9


def test_ease_grid_square_kilometre_is_100_hectares():
    square = gpd.GeoSeries([box(6_000_000, 5_000_000, 6_001_000, 5_001_000)], crs="EPSG:6933")
    assert hectares(square)[0] == pytest.approx(100.0, rel=1e-8)


def test_geodesic_circle_has_area_pi_r_squared():
    r = 10_000.0
    az = np.linspace(0, 360, 3600, endpoint=False)
    lon, lat, _ = GEOD.fwd(np.full(az.size, 70.0), np.full(az.size, 50.0), az, np.full(az.size, r))
    circle = gpd.GeoSeries([shapely.Polygon(np.column_stack([lon, lat]))], crs=4326)
    # a 3600-gon inscribed in the circle has (1 - (2π/3600)²/6) of its area; curvature adds -r²/(12 R²)
    expected = np.pi * r**2 / 10_000 * (1 - (2 * np.pi / 3600) ** 2 / 6)
    assert hectares(circle)[0] == pytest.approx(expected, rel=1e-5)
    assert hectares(circle)[0] == pytest.approx(geod_ha(circle)[0], rel=1e-9)


@pytest.mark.parametrize(
    ("crs", "centre", "scale", "rel"),
    [
        # UTM 42N on its central meridian (69°E): lengths on the map are 0.9996 of the ground's;
        # across a 1 km circle the scale varies by x²/2R² ≈ 1e-8
        ("EPSG:32642", (500_000, 5_300_000), 0.9996, 1e-7),
        # EASE-Grid 2.0 is equal-area on WGS84: the planar area is the ground area
        ("EPSG:6933", (6_500_000, 5_500_000), 1.0, 1e-7),
        # SK-42 Gauss-Krüger zone 13 on its central meridian (75°E) has scale 1 on the Krassowsky
        # ellipsoid; WGS84 lies some tens of metres away from it there, which scales areas on the two
        # ellipsoids by ~1e-5: kzgeo reports the WGS84 one
        ("EPSG:28413", (13_500_000, 5_000_000), 1.0, 5e-5),
    ],
)
def test_circles_of_known_size_in_projected_crs(crs, centre, scale, rel):
    circle = shapely.Point(centre).buffer(1_000, quad_segs=256)
    geoms = gpd.GeoSeries([circle], crs=crs)
    assert hectares(geoms)[0] == pytest.approx(circle.area / scale**2 / 10_000, rel=rel)
    assert hectares(geoms)[0] == pytest.approx(geod_ha(geoms)[0], rel=1e-9)


def test_holes_are_subtracted_and_multipolygon_parts_added():
    outer, hole = box(10, 10, 310, 310), box(110, 110, 210, 210)
    geoms = gpd.GeoSeries(
        [
            shapely.Polygon(outer.exterior, [hole.exterior]),
            shapely.MultiPolygon([box(10, 10, 110, 110), box(1000, 10, 1100, 210)]),
        ],
        crs=LAEA,
    )
    np.testing.assert_allclose(hectares(geoms), [8.0, 3.0], rtol=1e-9)


def test_missing_is_nan_and_non_polygons_are_zero():
    collection = shapely.GeometryCollection([box(10, 10, 110, 110), shapely.LineString([(0, 0), (5, 5)])])
    geoms = gpd.GeoSeries(
        [None, shapely.Polygon(), shapely.Point(1, 1), shapely.LineString([(0, 0), (1, 1)]), collection],
        crs=LAEA,
    )
    result = hectares(geoms)
    assert np.isnan(result[0])
    np.testing.assert_allclose(result[1:], [0.0, 0.0, 0.0, 1.0], rtol=1e-9)


def test_geodataframe_and_geoseries_give_the_same_array_in_input_order():
    gdf = gpd.GeoDataFrame({"v": [1, 2]}, geometry=[box(10, 10, 210, 110), box(10, 10, 110, 110)], crs=LAEA)
    gdf.index = [10, 5]
    result = hectares(gdf)
    assert isinstance(result, np.ndarray)
    np.testing.assert_allclose(result, [2.0, 1.0], rtol=1e-9)
    np.testing.assert_array_equal(result, hectares(gdf.geometry))


def test_errors_name_the_problem_and_derive_from_kzgeo_error():
    with pytest.raises(CRSError, match="no CRS") as info:
        hectares(gpd.GeoSeries([box(0, 0, 1, 1)]))
    assert isinstance(info.value, KzgeoError)
    with pytest.raises(DataError, match="unknown method 'utm'"):
        hectares(gpd.GeoSeries([box(0, 0, 1, 1)], crs=LAEA), method="utm")


# --- agreement with pyproj.Geod -------------------------------------------------------------------


def test_1000_km_square_with_four_vertices_agrees_with_geod():
    # 9° of latitude by ~12.7° of longitude: edges of 1,000 km that are geodesics, not parallels
    squares = gpd.GeoSeries([square_lonlat(60, 45, 9.0), square_lonlat(50, 41, 9.0)], crs=4326)
    perimeters = [GEOD.geometry_area_perimeter(p)[1] for p in squares]
    assert min(perimeters) > 3_800_000
    result, reference = hectares(squares), geod_ha(squares)
    assert np.abs(result / reference - 1).max() < 1e-9


def test_without_densification_the_1000_km_square_is_off(monkeypatch):
    # guards the test above: the densification step is what makes long edges right
    square = gpd.GeoSeries([square_lonlat(60, 45, 9.0)], crs=4326)
    monkeypatch.setattr("kzgeo.area.DENSIFY_M", 1e9)
    assert abs(hectares(square)[0] / geod_ha(square)[0] - 1) > 1e-6
    assert DENSIFY_M <= 5_000


@pytest.mark.parametrize("side_m", [10.0, 100.0, 1_000.0, 10_000.0, 100_000.0])
@pytest.mark.parametrize(("lon", "lat"), [(47.0, 41.0), (68.0, 48.0), (87.0, 55.0)])
def test_plots_to_regions_agree_with_geod_across_the_country(side_m, lon, lat):
    side = side_m / 111_320.0
    triangle = shapely.Polygon([(lon, lat), (lon + side / 0.6, lat + side / 3), (lon + side / 3, lat + side)])
    geoms = gpd.GeoSeries([square_lonlat(lon, lat, side), triangle], crs=4326)
    assert hectares(geoms)[0] == pytest.approx(geod_ha(geoms)[0], rel=1e-6)
    assert hectares(geoms)[1] == pytest.approx(geod_ha(geoms)[1], rel=1e-6)


@pytest.mark.parametrize(("level", "year", "count"), [(0, 2018, 1), (1, 2024, 20), (2, 2024, 224)])
def test_real_country_regions_and_districts_agree_with_geod(admin_dir, level, year, count):
    gdf = gpd.read_file(admin_dir / GEOKZ.format(level, year))
    assert len(gdf) == count
    gdf["geometry"] = shapely.make_valid(gdf.geometry.values)  # one district is invalid in the source
    relative = np.abs(hectares(gdf) / geod_ha(gdf.geometry) - 1)
    assert relative.max() < 1e-6
    if level == 0:
        # about 2,724,900 km² of land (the outline includes the Kazakh parts of the Caspian and Aral)
        assert 2.70e8 < hectares(gdf)[0] < 2.76e8


@pytest.mark.parametrize("crs", CRSS)
def test_real_regions_in_any_crs_agree_with_geod_on_the_same_vertices(admin_dir, crs):
    regions = gpd.read_file(admin_dir / GEOKZ.format(1, 2024)).to_crs(crs)
    relative = np.abs(hectares(regions) / geod_ha(regions.geometry) - 1)
    assert relative.max() < 1e-6


# --- the Mollweide compatibility mode -------------------------------------------------------------


def test_mollweide_mode_is_planar_area_in_esri_54009(admin_dir):
    regions = gpd.read_file(admin_dir / GEOKZ.format(1, 2024))
    planar = regions.to_crs("ESRI:54009").area.to_numpy() / 10_000
    np.testing.assert_allclose(hectares(regions, method="mollweide"), planar, rtol=1e-12)


def test_mollweide_differs_from_the_ellipsoid_by_latitude(admin_dir):
    regions = gpd.read_file(admin_dir / GEOKZ.format(1, 2024))
    diff_pct = 100 * (hectares(regions, method="mollweide") / hectares(regions) - 1)
    by_name = dict(zip(regions["ADM1_EN"], diff_pct, strict=True))
    # PROJ evaluates Mollweide on a sphere of radius a: too small in the north, too large in the south
    assert -0.21 < by_name["North Kazakhstan"] < -0.19
    assert 0.05 < by_name["Shymkent (city)"] < 0.07
    assert diff_pct.min() > -0.21
    assert diff_pct.max() < 0.07
    country = 100 * (hectares(regions, method="mollweide").sum() / hectares(regions).sum() - 1)
    assert -0.1 < country < -0.03


# --- properties -----------------------------------------------------------------------------------

lons = st.floats(47.0, 86.0)
lats = st.floats(41.0, 55.0)
sizes = st.floats(10.0, 50_000.0)  # metres: 0.01 ha plots to 2,500 km² areas
# pyproj.Geod sums, per edge, the area between the edge and the equator (some 5e7 m² for a 10 m edge in
# Kazakhstan) and keeps the difference: its own rounding leaves up to 2.2e-5 m² on the polygons below
# (measured against a local equal-area projection on 400 random 10 m – 3 km hulls), 2.3e-6 of the smallest.
GEOD_FLOOR_HA = 1e-4 / 10_000.0


def local_laea_ha(geoms: gpd.GeoSeries) -> float:
    """Area of one small feature in an equal-area projection centred on it (exact below a kilometre)."""
    c = geoms.iloc[0].centroid
    crs = f"+proj=laea +lat_0={c.y} +lon_0={c.x} +ellps=WGS84 +units=m +no_defs"
    return float(geoms.to_crs(crs).area.iloc[0]) / 10_000.0


@settings(max_examples=40, deadline=None)
@given(lon=lons, lat=lats, size=sizes, seed=st.integers(0, 2**31))
# a 21 m² hull on which pyproj.Geod is 1.08e-6 (2.1e-5 m²) off, kzgeo 1e-9 off the centred projection
@example(lon=64.914, lat=41.873, size=10.0, seed=2642)
def test_area_does_not_depend_on_the_input_crs(lon, lat, size, seed):
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, size / 111_320.0, (8, 2)) + np.array([lon, lat])
    hull = shapely.convex_hull(shapely.multipoints(pts))
    if hull.geom_type != "Polygon":
        return
    geoms = gpd.GeoSeries([hull], crs=4326)
    expected = hectares(geoms)[0]
    zone = int((lon + 180) // 6) + 1
    for crs in (f"EPSG:{32600 + zone}", "EPSG:3857", "EPSG:6933"):
        assert hectares(geoms.to_crs(crs))[0] == pytest.approx(expected, rel=1e-8)
    assert expected == pytest.approx(geod_ha(geoms)[0], rel=1e-6, abs=GEOD_FLOOR_HA)
    if size <= 1_000.0:
        # below a kilometre the centred projection has no floor: 1e-9 of the area measured
        assert expected == pytest.approx(local_laea_ha(geoms), rel=1e-8)


def test_documented_examples_run():
    # the worked example of docs/area-method.md and the docstring examples of kzgeo.area / kzgeo.stats
    import kzgeo.area
    import kzgeo.stats

    docs = Path(__file__).parents[1] / "docs" / "area-method.md"
    flags = doctest.NORMALIZE_WHITESPACE
    assert doctest.testfile(str(docs), module_relative=False, optionflags=flags).failed == 0
    for module in (kzgeo.area, kzgeo.stats):
        result = doctest.testmod(module, optionflags=flags)
        assert result.failed == 0
        assert result.attempted > 0


def test_a_bow_tie_is_repaired_not_measured_as_zero():
    # a self-intersecting 1 x 1 degree ring: its two triangles have opposite signed areas
    bow_tie = shapely.Polygon([(70, 50), (71, 51), (71, 50), (70, 51)])
    square = box(70, 50, 71, 51)
    layer = gpd.GeoSeries([square, bow_tie], crs=4326)
    with pytest.warns(RepairWarning, match=r"hectares: repaired 1 invalid geometry \(features 1 ") as w:
        ha = hectares(layer)
    assert str(w[0].message).endswith("shapely.is_valid_reason says why each was invalid (CLI: kzgeo info)")
    # make_valid keeps both triangles: half the square, measured on the ellipsoid
    triangles = shapely.make_valid(bow_tie)
    expected = sum(abs(Geod(ellps="WGS84").geometry_area_perimeter(t)[0]) for t in triangles.geoms) / 1e4
    assert ha[1] == pytest.approx(expected, rel=1e-6)
    assert 0.49 * ha[0] < ha[1] < 0.51 * ha[0]


def test_large_inputs_measured_in_chunks_give_the_same_hectares(monkeypatch):
    import kzgeo.area

    rng = np.random.default_rng(5)
    lon, lat = rng.uniform(50, 85, 30_000), rng.uniform(41, 55, 30_000)
    size = rng.uniform(0.0005, 0.02, 30_000)
    geoms = list(shapely.box(lon, lat, lon + size, lat + size))
    geoms[12_345] = shapely.Polygon([(70, 50), (70.1, 50.1), (70.1, 50), (70, 50.1)])  # a bow-tie
    geoms[20_000] = None
    layer = gpd.GeoSeries(geoms, crs=4326)
    filters = list(warnings.filters)
    with pytest.warns(RepairWarning, match=r"repaired 1 invalid geometry \(features 12345 "):
        chunked = hectares(layer)
    assert warnings.filters == filters  # worker threads left the process's warning filters alone
    monkeypatch.setattr(kzgeo.area, "_CHUNK_MIN", 10**9)
    with pytest.warns(RepairWarning):
        whole = hectares(layer)
    np.testing.assert_array_equal(chunked, whole)
    assert np.isnan(chunked[20_000]) and chunked[12_345] > 0


# --- far from Kazakhstan: the projection's seam (112°W), the antimeridian, the poles ----------------


@pytest.mark.parametrize(
    "geom",
    [
        box(-113, 40, -111, 41),  # across the seam of the Kazakhstan conic: was 40 times too large
        box(-112.001, 40, -111.999, 40.002),  # 0.002° on the seam: was 73,890 ha for 3.8 ha
        box(-111.99, 40, -111.98, 40.01),  # beside the seam
        box(179, 0, 181, 1),  # longitudes beyond 180° (was NaN with a RuntimeWarning)
        box(-60, -50, -59, -49),  # southern hemisphere
        box(10, 86, 40, 89),  # near the pole
        box(-74.01, 40.70, -73.99, 40.71).difference(box(-74.005, 40.702, -73.995, 40.708)),  # a hole
        shapely.MultiPolygon([box(70, 50, 71, 51), box(-100, 40, -99, 41)]),  # one part near, one far
        box(157.5, 45, 158.5, 46),  # straddles the edge of the fast path's zone
    ],
)
def test_hectares_far_from_kazakhstan_agree_with_geod(geom):
    layer = gpd.GeoSeries([geom], crs=4326)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ha = hectares(layer)
    assert ha[0] == pytest.approx(geod_ha(layer)[0], rel=1e-9)


def test_a_projected_polygon_across_the_antimeridian_is_measured():
    # 100 km x 100 km in UTM zone 1N, astride 180°: in longitude/latitude its edges jump from 180 to -180
    utm = gpd.GeoSeries([box(250_000, 5_500_000, 350_000, 5_600_000)], crs="EPSG:32601")
    lon = np.asarray(utm.to_crs(4326).geometry[0].exterior.coords)[:, 0]
    assert lon.max() > 179 and lon.min() < -179
    ha = hectares(utm)[0]
    assert ha == pytest.approx(geod_ha(utm)[0], rel=1e-9)
    assert ha == pytest.approx(10_000 * 100 / 0.9996**2, rel=2e-3)  # about 1e4 ha / 0.9996², UTM scale


def test_a_lonlat_polygon_jumping_across_the_antimeridian_is_an_error():
    # 179° -> -179° is a 2° strip across the antimeridian to pyproj.Geod and a 358° one to GEOS
    jump = shapely.Polygon([(179, 0), (-179, 0), (-179, 1), (179, 1)])
    layer = gpd.GeoSeries([box(70, 50, 71, 51), jump], crs=4326)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(GeometryError, match=r"feature\(s\) 1 \(in input order\) cross the antimeridian"):
            hectares(layer)

"""zonal_stats: hand-worked answers, agreement with exactextract, hectares, reprojection, stacks, errors."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from exactextract import exact_extract
from exactextract.raster import RasterioRasterSource
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pyproj import CRS

import kzgeo
from kzgeo.errors import CRSError, DataError, KzgeoWarning, RasterError
from test_raster_fixtures import DATA, ORIGIN, S2_CROP, UTM42, north_up, s2_stack, write_tif

X0, Y0 = ORIGIN
T10 = north_up(X0, Y0, 10)


def cell_box(col0, row0, col1, row1):
    """Box over grid cells [col0, col1) x [row0, row1) of the 10 m grid (fractions allowed)."""
    return shapely.box(X0 + 10 * col0, Y0 - 10 * row1, X0 + 10 * col1, Y0 - 10 * row0)


def zones(*geoms, crs=UTM42, ids=None):
    ids = ids if ids is not None else [f"p{i}" for i in range(len(geoms))]
    return gpd.GeoDataFrame({"plot_id": ids}, geometry=list(geoms), crs=crs)


@pytest.fixture
def block():
    """10 x 10 zeros with a 3 x 3 block of ones at rows/cols 3..5 (the rasterio test image)."""
    arr = np.zeros((10, 10), np.float32)
    arr[3:6, 3:6] = 1
    return arr


def test_three_by_three_block(block):
    z = zones(cell_box(3, 3, 6, 6), cell_box(3, 3, 6, 7), cell_box(0, 0, 10, 10))
    out = kzgeo.zonal_stats(z, (block, T10, UTM42), stats=["mean", "sum", "count", "min", "max"])
    assert list(out.index) == ["p0", "p1", "p2"] and out.index.name == "plot_id"
    np.testing.assert_allclose(out["band1_mean"], [1.0, 9 / 12, 9 / 100])
    np.testing.assert_allclose(out["band1_sum"], [9, 9, 9])
    np.testing.assert_allclose(out["band1_count_px"], [9, 12, 100])
    np.testing.assert_allclose(out["band1_min"], [1, 0, 0])
    # 0.09, 0.12 and 1 ha of grid; on the ellipsoid, as kzgeo.hectares measures them (UTM scale 0.9996)
    np.testing.assert_allclose(out["pixel_area_ha"], [0.09, 0.12, 1.0], rtol=1e-3)
    np.testing.assert_allclose(out["pixel_area_ha"], kzgeo.hectares(z), rtol=1e-7)
    np.testing.assert_allclose(out["valid_pct"], [100, 100, 100])


def test_polygon_covering_half_a_pixel():
    arr = np.array([[2, 8], [4, 6]], np.float32)
    z = zones(cell_box(0, 0, 0.5, 1), cell_box(0.5, 0, 2, 1), cell_box(0, 0.5, 1, 1))
    out = kzgeo.zonal_stats(z, (arr, T10, UTM42), stats=["mean", "count"])
    # half of the 2-pixel; half of the 2 plus all of the 8: (0.5*2 + 8) / 1.5; lower half of the 2
    np.testing.assert_allclose(out["band1_mean"], [2.0, 6.0, 2.0])
    np.testing.assert_allclose(out["band1_count_px"], [0.5, 1.5, 0.5])
    np.testing.assert_allclose(out["pixel_area_ha"], kzgeo.hectares(z), rtol=1e-7)
    np.testing.assert_allclose(out["pixel_area_ha"], [0.005, 0.015, 0.005], rtol=1e-3)


def test_nodata_lowers_valid_pct_not_the_mean():
    arr = np.array([[1, np.nan], [3, 5]], np.float32)
    out = kzgeo.zonal_stats(zones(cell_box(0, 0, 2, 2)), (arr, T10, UTM42), stats=["mean"])
    assert out["band1_mean"].iloc[0] == pytest.approx(3.0)
    assert out["valid_pct"].iloc[0] == pytest.approx(75.0)
    assert out["pixel_area_ha"].iloc[0] == pytest.approx(0.04, rel=1e-3)


def test_matches_exactextract_exactly(tmp_path):
    rng = np.random.default_rng(7)
    arr = rng.normal(0.4, 0.2, (60, 80)).astype(np.float32)
    arr[rng.random(arr.shape) < 0.05] = np.nan
    path = write_tif(tmp_path / "v.tif", arr, nodata=float("nan"))
    centers = shapely.points(X0 + rng.uniform(20, 780, 25), Y0 - rng.uniform(20, 580, 25))
    geoms = shapely.buffer(centers, rng.uniform(5, 120, 25), quad_segs=5)
    z = zones(*geoms)
    ours = kzgeo.zonal_stats(z, path, stats=["mean", "min", "max", "std", "sum", "count", "median"])
    theirs = exact_extract(
        str(path),
        z,
        ["mean", "min", "max", "stdev", "sum", "count", "median"],
        include_cols=["plot_id"],
        output="pandas",
    ).set_index("plot_id")
    for mine, ref in [
        ("mean", "mean"),
        ("min", "min"),
        ("max", "max"),
        ("std", "stdev"),
        ("sum", "sum"),
        ("count_px", "count"),
    ]:
        np.testing.assert_array_equal(ours[f"band1_{mine}"].to_numpy(), theirs[ref].to_numpy(), err_msg=mine)
    # the median is the coverage-weighted one, not exactextract's pooled quantile
    cells = exact_extract(str(path), z, ["values", "coverage"], include_cols=["plot_id"], output="pandas")
    medians = [_median_by_sorting(v, c) for v, c in zip(cells["values"], cells["coverage"], strict=True)]
    np.testing.assert_array_equal(ours["band1_median"].to_numpy(), np.float32(medians))


def _median_by_sorting(values, cover) -> float:
    """Coverage-weighted median written out plainly: cells sorted by value, the first whose running
    weight reaches half the total (between it and the next where the running weight is exactly half)."""
    values, cover = np.asarray(values, np.float64), np.asarray(cover, np.float64)
    keep = ~np.isnan(values) & (cover > 0)
    values, cover = values[keep], cover[keep]
    if not len(values):
        return np.nan
    order = np.argsort(values, kind="stable")
    values, cover = values[order], cover[order]
    running, half = np.cumsum(cover), cover.sum() / 2
    i = int(np.argmax(running >= half * (1 - 1e-12)))
    if abs(running[i] - half) <= 1e-12 * cover.sum() and i + 1 < len(values):
        return (values[i] + values[i + 1]) / 2
    return values[i]


@pytest.mark.parametrize("batch_px", [10**9, 800])
def test_median_is_the_coverage_weighted_median_in_batches(tmp_path, monkeypatch, batch_px):
    """Medians are computed by kzgeo from the zones' values and coverage, zones a few at a time (800 px
    a batch) or all at once: values repeat, NaN is left out, integers and floats alike; a zone wholly
    on its pixels has numpy's median of them."""
    from kzgeo.raster import zonal

    monkeypatch.setattr(zonal, "_MEDIAN_BATCH_PX", batch_px)
    calls = []
    monkeypatch.setattr(zonal, "exact_extract", lambda *a, **k: calls.append(1) or exact_extract(*a, **k))
    rng = np.random.default_rng(11)
    floats = np.round(rng.normal(0.4, 0.2, (60, 80)), 1).astype(np.float32)  # ~10 distinct values
    floats[rng.random(floats.shape) < 0.05] = np.nan
    counts = rng.integers(1, 6, (60, 80)).astype(np.uint16)
    centers = shapely.points(X0 + rng.uniform(20, 780, 25), Y0 - rng.uniform(20, 580, 25))
    z = zones(*shapely.buffer(centers, rng.uniform(5, 120, 25), quad_segs=5))
    # boxes on the pixel grid: every cell wholly covered
    rows, cols = rng.integers(0, 50, 10), rng.integers(0, 70, 10)
    hs, ws = rng.integers(1, 10, 10), rng.integers(1, 10, 10)
    aligned = zones(*(cell_box(c, r, c + w, r + h) for r, c, h, w in zip(rows, cols, hs, ws, strict=True)))
    n_calls = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KzgeoWarning)  # zones partly outside
        for name, arr, nodata in [("f", floats, float("nan")), ("u", counts, None)]:
            path = write_tif(tmp_path / f"{name}.tif", arr, nodata=nodata)
            ours = kzgeo.zonal_stats(z, path, stats=["median", "mean"])
            n_calls += 1
            cells = exact_extract(
                str(path), z, ["values", "coverage"], include_cols=["plot_id"], output="pandas"
            )
            want = [_median_by_sorting(v, c) for v, c in zip(cells["values"], cells["coverage"], strict=True)]
            assert ours["band1_median"].notna().sum() >= 20
            np.testing.assert_array_equal(ours["band1_median"].to_numpy(), np.asarray(want, arr.dtype))
            on_grid = kzgeo.zonal_stats(aligned, path, stats=["median"])["band1_median"].to_numpy()
            n_calls += 1
            for got, r, c, h, w in zip(on_grid, rows, cols, hs, ws, strict=True):
                own = arr[r : r + h, c : c + w].astype(np.float64)
                assert got == pytest.approx(
                    np.nanmedian(own) if np.isfinite(own).any() else np.nan, nan_ok=True
                )
    # one call of exactextract a run, or several batches
    assert len(calls) == n_calls if batch_px > 10**6 else len(calls) > 2 * n_calls


def test_weighted_median_by_hand():
    from kzgeo.raster.zonal import _weighted_median

    assert _weighted_median(np.array([3.0, 1.0, 2.0]), np.ones(3)) == 2.0
    assert _weighted_median(np.array([1.0, 2.0]), np.ones(2)) == 1.5
    # repeated values are a median, as np.median has them (exactextract's quantile gave 1.5, 2.0, 0.55)
    assert _weighted_median(np.array([1.0, 1.0, 2.0]), np.ones(3)) == 1.0
    assert _weighted_median(np.array([1.0, 1.0, 1.0, 3.0]), np.ones(4)) == 1.0
    assert _weighted_median(np.float32([0.2] * 9 + [0.9]), np.ones(10)) == np.float32(0.2)
    # weights: 1 weighs 0.5 of 1.1, so half (0.55) is reached at 2; at exactly half, between
    assert _weighted_median(np.array([1.0, 2.0, 3.0]), np.array([0.5, 0.2, 0.4])) == 2.0
    assert _weighted_median(np.array([1.0, 2.0, 3.0]), np.array([0.5, 0.25, 0.25])) == 1.5
    # NaN and cells the zone does not cover are left out; nothing left is NaN
    assert _weighted_median(np.array([np.nan, 5.0, 9.0]), np.array([1.0, 1.0, 0.0])) == 5.0
    assert np.isnan(_weighted_median(np.array([np.nan]), np.ones(1)))


@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:3857", "EPSG:6933"])
def test_a_zone_of_long_edges_has_the_hectares_of_hectares_on_any_grid(crs):
    # its edges are geodesics, as hectares reads them: drawn straight in degrees they gave -0.12 %
    tri = gpd.GeoDataFrame(
        {"zid": ["t"]}, geometry=[shapely.Polygon([(71.0, 51.0), (71.7, 51.05), (71.3, 51.4)])], crs=4326
    )
    x0, y0, x1, y1 = tri.to_crs(crs).total_bounds
    res = (x1 - x0) / 700
    grid = north_up(x0 - 20 * res, y1 + 20 * res, res)
    out = kzgeo.zonal_stats(
        tri, (np.ones((int((y1 - y0) / res) + 40, 740), np.float32), grid, crs), zone_id="zid"
    )
    assert out["pixel_area_ha"].iloc[0] == pytest.approx(kzgeo.hectares(tri)[0], rel=1e-6)


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(st.integers(0, 12), min_size=1, max_size=400),
    edge_share=st.sampled_from([0.0, 0.02, 0.3, 1.0]),
    weights=st.sampled_from(["random", "halves", "quarters"]),
    seed=st.integers(0, 2**16),
)
def test_weighted_median_selects_what_a_sort_gives(values, edge_share, weights, seed):
    # kzgeo partitions the cells wholly inside around the ranks where half can fall; a sort must agree
    from kzgeo.raster.zonal import _weighted_median

    rng = np.random.default_rng(seed)
    v = np.asarray(values, np.float32) / 7
    v[rng.random(len(v)) < 0.05] = np.nan
    cover = np.ones(len(v))
    edge = rng.random(len(v)) < edge_share
    cover[edge] = {"random": rng.random(edge.sum()), "halves": 0.5, "quarters": 0.25}[weights]
    got, want = _weighted_median(v, cover), _median_by_sorting(v, cover)
    assert got == want or (np.isnan(got) and np.isnan(want))


@pytest.mark.parametrize(
    ("easting", "side"), [(500_000, 5000), (600_000, 5000), (750_000, 300), (750_000, 1000)]
)
def test_a_zone_drawn_on_the_grid_lines_takes_no_slivers_of_its_neighbours(easting, side):
    # its edges' geodesics bow by micrometres to a millimetre from the grid's lines: splitting them
    # along the geodesics gave this square its neighbours' 100 as maximum
    n = side // 10 + 40
    arr = np.full((n, n), 100.0, np.float32)
    arr[20 : 20 + side // 10, 20 : 20 + side // 10] = 1.0
    grid = north_up(easting, 5_700_000, 10)
    square = shapely.box(easting + 200, 5_700_000 - 200 - side, easting + 200 + side, 5_700_000 - 200)
    out = kzgeo.zonal_stats(zones(square), (arr, grid, UTM42), stats=["max", "min", "count"])
    assert (out["band1_max"].iloc[0], out["band1_min"].iloc[0]) == (1.0, 1.0)
    assert out["band1_count_px"].iloc[0] == pytest.approx((side // 10) ** 2, rel=1e-9)


def test_the_median_of_a_zone_of_repeated_values_is_one_of_them():
    arr = np.array([[0.2] * 5, [0.2] * 4 + [0.9]], np.float32)
    out = kzgeo.zonal_stats(zones(cell_box(0, 0, 5, 2)), (arr, T10, UTM42), stats=["median", "mean"])
    assert out["band1_median"].iloc[0] == np.float32(0.2)  # exactextract's median: 0.55, the mean 0.27
    assert out["band1_mean"].iloc[0] == pytest.approx(0.27)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cx=st.floats(200, 1800),
    cy=st.floats(200, 1800),
    radius=st.floats(40, 150),
    n=st.integers(3, 12),
    seed=st.integers(0, 2**16),
)
def test_pixel_area_matches_hectares_for_plots_over_half_a_hectare(cx, cy, radius, n, seed):
    # an irregular polygon (random star) of >= 0.5 ha on a 10 m UTM grid in Kazakhstan
    rng = np.random.default_rng(seed)
    angles = np.sort(rng.uniform(0, 2 * np.pi, n))
    radii = radius * rng.uniform(0.6, 1.0, n)
    poly = shapely.Polygon(np.c_[X0 + cx + radii * np.cos(angles), Y0 - cy + radii * np.sin(angles)])
    assume(poly.is_valid and poly.area >= 5000)
    z = zones(poly)
    arr = np.ones((200, 200), np.float32)
    out = kzgeo.zonal_stats(z, (arr, T10, UTM42), stats=["mean"])
    assert out["pixel_area_ha"].iloc[0] == pytest.approx(kzgeo.hectares(z)[0], rel=1e-6)


def test_zones_in_another_crs_are_reprojected(block):
    z = zones(cell_box(2, 2, 7, 6), cell_box(0, 0, 4, 4))
    utm = kzgeo.zonal_stats(z, (block, T10, UTM42), stats=["mean"])
    wgs = kzgeo.zonal_stats(z.to_crs(4326), (block, T10, UTM42), stats=["mean"])
    pd.testing.assert_frame_equal(utm, wgs, rtol=1e-6)


def test_zones_outside_get_nan_and_a_warning(block):
    z = zones(cell_box(3, 3, 6, 6), cell_box(50, 50, 60, 60), shapely.Polygon(), ids=[1, 2, 3])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = kzgeo.zonal_stats(z, (block, T10, UTM42), stats=["mean", "count"])
    assert [str(w.message) for w in caught] == [
        "1 of 3 zones have no polygon (plot_id: 3 empty); their statistics are NaN",
        "1 of 3 zones have no pixel in the raster (plot_id: 2); their statistics are NaN",
    ]
    assert out.loc[1, "band1_mean"] == 1.0
    assert out.loc[[2, 3], ["band1_mean", "band1_count_px", "valid_pct"]].isna().all().all()
    assert (out.loc[[2, 3], "pixel_area_ha"] == 0).all()


def test_a_zone_partly_outside_the_raster_warns_with_its_share_inside(block):
    z = zones(
        cell_box(8, 0, 12, 4), cell_box(0, 0, 2, 2)
    )  # the first: 2 of its 4 columns on the 10 x 10 raster
    with pytest.warns(
        KzgeoWarning, match=r"1 of 2 zones lie partly outside the raster \(plot_id p0: 50 % inside\)"
    ):
        out = kzgeo.zonal_stats(z, (block, T10, UTM42), stats=["mean"])
    assert out.loc["p0", "valid_pct"] == 100.0  # of the pixels it has
    assert out.loc["p0", "pixel_area_ha"] == pytest.approx(kzgeo.hectares(z)[0] / 2, rel=1e-6)
    # a zone with a sliver on the raster: 0.1 of a column of 500 -> 0.020 %, never "0 %"
    sliver = zones(cell_box(9.9, 0, 509.9, 4), cell_box(0, 0, 2, 2))
    with pytest.warns(KzgeoWarning, match=r"\(plot_id p0: 0\.020 % inside\)"):
        kzgeo.zonal_stats(sliver, (block, T10, UTM42), stats=["mean"])


def test_no_zone_overlapping_the_raster_is_an_error(block):
    z = zones(cell_box(50, 50, 60, 60), cell_box(70, 0, 80, 5), shapely.Polygon())
    with pytest.raises(DataError, match=r"none of the 2 zone\(s\) overlaps the raster \(array\)"):
        kzgeo.zonal_stats(z, (block, T10, UTM42))


def test_no_zone_with_a_geometry(block):
    with pytest.warns(KzgeoWarning, match=r"2 of 2 zones have no polygon \(plot_id: p0 empty, p1 missing\)"):
        out = kzgeo.zonal_stats(zones(shapely.Polygon(), None), (block, T10, UTM42))
    assert list(out.index) == ["p0", "p1"] and out["band1_mean"].isna().all()
    assert (out["pixel_area_ha"] == 0).all()
    out = kzgeo.zonal_stats(zones(), (block, T10, UTM42), stats=["mean"])
    assert out.empty and {"band1_mean", "valid_pct", "pixel_area_ha"} <= set(out.columns)


def test_no_warning_when_all_zones_hit(block):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kzgeo.zonal_stats(zones(cell_box(0, 0, 1, 1)), (block, T10, UTM42))


def test_scene_bands_and_indices_in_one_call(tmp_path):
    # B04 3000, B08 7000 -> NDVI 0.4; a cloud (SCL 9) on one pixel of nine
    scl = np.full((3, 3), 4)
    scl[0, 0] = 9
    values = dict.fromkeys(["B02", "B03", "B05", "B06", "B07", "B8A", "B11", "B12"], 1000) | {
        "B04": 3000,
        "B08": 7000,
    }
    path = s2_stack(tmp_path / "s2.tif", values=values, scl=scl)
    z = zones(cell_box(0, 0, 3, 3), cell_box(1, 1, 3, 3))
    out = kzgeo.zonal_stats(z, path, stats=["mean"], band=["B04"], index=["ndvi", "pi"])
    np.testing.assert_allclose(out["ndvi_mean"], [0.4, 0.4], rtol=1e-6)
    np.testing.assert_allclose(out["pi_mean"], [0.7, 0.7], rtol=1e-6)
    np.testing.assert_allclose(out["b04_mean"], [0.3, 0.3], rtol=1e-6)
    np.testing.assert_allclose(out["ndvi_valid_pct"], [800 / 9, 100])
    all_bands = kzgeo.zonal_stats(z, path, stats=["mean"])
    assert [c for c in all_bands.columns if c.endswith("_mean")] == [
        "b02_mean",
        "b03_mean",
        "b04_mean",
        "b05_mean",
        "b06_mean",
        "b07_mean",
        "b08_mean",
        "b8a_mean",
        "b11_mean",
        "b12_mean",
    ]


def test_multi_date_mapping_in_one_call(tmp_path, block):
    z = zones(cell_box(3, 3, 6, 6))
    out = kzgeo.zonal_stats(
        z, {"2024-06-01": (block, T10, UTM42), "2025-06-01": (block * 2, T10, UTM42)}, stats=["mean"]
    )
    assert list(out.columns) == [
        "band1_mean_2024-06-01",
        "valid_pct_2024-06-01",
        "pixel_area_ha_2024-06-01",
        "band1_mean_2025-06-01",
        "valid_pct_2025-06-01",
        "pixel_area_ha_2025-06-01",
    ]
    assert out.iloc[0]["band1_mean_2025-06-01"] == 2.0


def test_open_scene_object_stays_open(tmp_path):
    with kzgeo.open_scene(s2_stack(tmp_path / "s2.tif")) as scene:
        kzgeo.zonal_stats(zones(cell_box(0, 0, 1, 1)), scene, index="ndvi")
        assert scene.read_band("B04").shape == (3, 3)


def test_real_crop_pixel_aligned_zone_equals_numpy_mean():
    with kzgeo.open_scene(S2_CROP) as scene:
        ndvi = kzgeo.spectral_index(scene, "ndvi")
        t = scene.transform
        box = shapely.box(t.c + 10 * 20, t.f - 10 * 70, t.c + 10 * 50, t.f - 10 * 30)
        z = gpd.GeoDataFrame({"zone_id": ["a"]}, geometry=[box], crs=scene.crs)
        out = kzgeo.zonal_stats(z, scene, index="ndvi", stats=["mean", "max"])
    assert out.loc["a", "ndvi_mean"] == pytest.approx(
        float(ndvi[30:70, 20:50].astype(float).mean()), rel=1e-6
    )
    assert out.loc["a", "ndvi_max"] == pytest.approx(float(ndvi[30:70, 20:50].max()))
    # 12 ha of grid (1,200 cells); on the ellipsoid what kzgeo.hectares gives the box
    assert out.loc["a", "pixel_area_ha"] == pytest.approx(12.0, rel=1e-3)
    assert out.loc["a", "pixel_area_ha"] == pytest.approx(kzgeo.hectares(z)[0], rel=1e-7)


@pytest.mark.parametrize("epsg", [3857, 32642, 32643, 6933, 3395, 28413])  # 28413: Pulkovo 1942 GK
def test_pixel_area_is_ellipsoidal_on_any_projected_grid(epsg):
    # a 3.1 x 3 km zone of grid near Astana: Web Mercator's grid hectares are 2.5 times the ground's
    from pyproj import Transformer

    x, y = Transformer.from_crs(4326, epsg, always_xy=True).transform(71.45, 51.15)
    transform = rasterio.transform.from_origin(x - 5000, y + 5000, 10, 10)
    z = gpd.GeoDataFrame(
        {"zone_id": ["a"]}, geometry=[shapely.box(x - 1200, y - 700, x + 1900, y + 2300)], crs=epsg
    )
    out = kzgeo.zonal_stats(z, (np.ones((1000, 1000), np.float32), transform, f"EPSG:{epsg}"), stats=["mean"])
    assert out.loc["a", "pixel_area_ha"] == pytest.approx(kzgeo.hectares(z)[0], rel=1e-6)
    if epsg == 3857:
        assert out.loc["a", "pixel_area_ha"] == pytest.approx(930 * np.cos(np.radians(51.15)) ** 2, rel=0.01)


def test_real_uint8_raster_with_nodata_matches_exactextract():
    path = DATA / "rgb_byte_crop" / "RGB.byte.crop.tif"
    with kzgeo.open_scene(path) as scene:
        assert scene.sensor == "unknown" and scene.bands == ("band1", "band2", "band3")
        red = scene.read_band("band1")
        left, bottom, right, top = scene.bounds
    assert 0.3 < np.isnan(red).mean() < 0.45  # the nodata (0) corner of the Landsat 7 swath
    rng = np.random.default_rng(11)
    centers = shapely.points(rng.uniform(left, right, 12), rng.uniform(bottom, top, 12))
    z = gpd.GeoDataFrame(
        {"zone_id": range(12)}, geometry=shapely.buffer(centers, rng.uniform(300, 3000, 12)), crs="EPSG:32618"
    )
    ours = kzgeo.zonal_stats(z, path, stats=["mean", "max", "count"], band=["band1", "band3"])
    with rasterio.open(path) as ds:
        for i, b in ((1, "band1"), (3, "band3")):
            theirs = exact_extract(RasterioRasterSource(ds, i), z, ["mean", "max", "count"], output="pandas")
            np.testing.assert_array_equal(ours[f"{b}_mean"].to_numpy(), theirs["mean"].to_numpy())
            np.testing.assert_array_equal(ours[f"{b}_max"].to_numpy(), theirs["max"].to_numpy())
            np.testing.assert_array_equal(ours[f"{b}_count_px"].to_numpy(), theirs["count"].to_numpy())
    valid = ours["band1_valid_pct"]
    assert ((valid == 0) == ours["band1_mean"].isna()).all()
    assert (valid == 0).any() and (valid == 100).any() and ((valid > 0) & (valid < 100)).any()


@pytest.mark.parametrize("epsg", [4326, 4284])  # 4284: Pulkovo 1942 longitude and latitude
def test_geographic_raster_pixel_area_is_ellipsoidal(epsg):
    """A zone's hectares on cells, on a WGS84 grid or one on another datum (another ellipsoid, 3.4e-5
    larger): as kzgeo.hectares measures the zone, on WGS84 after the datum shift."""
    arr = np.ones((100, 100), np.float32)
    t = north_up(70.0, 50.0, 0.001)
    z = zones(shapely.box(70.0123, 49.9456, 70.0789, 49.9877), crs=epsg)
    out = kzgeo.zonal_stats(z, (arr, t, f"EPSG:{epsg}"), stats=["mean"])
    assert out["pixel_area_ha"].iloc[0] == pytest.approx(kzgeo.hectares(z)[0], rel=1e-6)


def test_zone_id_choice(block):
    z = zones(cell_box(0, 0, 1, 1), ids=["a"]).assign(name=["Alpha"])
    assert kzgeo.zonal_stats(z, (block, T10, UTM42), zone_id="name").index.tolist() == ["Alpha"]
    named = kzgeo.zonal_stats(z, (block, T10, UTM42), zone_id="NAME")  # column names match in any case
    assert named.index.tolist() == ["Alpha"] and named.index.name == "name"
    with pytest.raises(
        kzgeo.SchemaError,
        match="no column 'NAME'; the columns are plot_id, geometry, name, Name; pass zone_id=",
    ):
        kzgeo.zonal_stats(z.assign(Name=["x"]), (block, T10, UTM42), zone_id="NAME")
    unnamed = gpd.GeoDataFrame(geometry=[cell_box(0, 0, 1, 1)], crs=UTM42, index=[7])
    assert kzgeo.zonal_stats(unnamed.geometry, (block, T10, UTM42)).index.tolist() == [7]
    # plots carrying their region's KATO code are named by plot_id once validated as plots
    with_kato = zones(cell_box(0, 0, 1, 1), cell_box(2, 2, 3, 3)).assign(kato=[111, 111])
    with pytest.raises(kzgeo.SchemaError, match="id column 'kato' repeats the value 111"):
        kzgeo.zonal_stats(with_kato, (block, T10, UTM42))
    plots = kzgeo.validate_layer(with_kato.to_crs(4326), "plots")
    assert kzgeo.zonal_stats(plots, (block, T10, UTM42)).index.tolist() == ["p0", "p1"]


def test_errors(tmp_path, block):
    z = zones(cell_box(0, 0, 1, 1))
    raster = (block, T10, UTM42)
    with pytest.raises(DataError, match="unknown statistic mode"):
        kzgeo.zonal_stats(z, raster, stats=["mode"])
    with pytest.raises(DataError, match="no column 'nope'"):
        kzgeo.zonal_stats(z, raster, zone_id="nope")
    with pytest.raises(DataError, match=r"zones: got a str; give a GeoDataFrame \(kzgeo.read_layer reads"):
        kzgeo.zonal_stats(str(tmp_path / "plots.gpkg"), raster)
    with pytest.raises(DataError, match="zones: got a DataFrame; give a GeoDataFrame"):
        kzgeo.zonal_stats(pd.DataFrame({"plot_id": ["p0"]}), raster)
    with pytest.raises(CRSError, match="no CRS"):
        kzgeo.zonal_stats(z.set_crs(None, allow_override=True), raster)
    with pytest.raises(RasterError, match="index needs named bands"):
        kzgeo.zonal_stats(z, raster, index="ndvi")
    with pytest.raises(RasterError, match="no band 'B04'"):
        kzgeo.zonal_stats(z, raster, band="B04")
    with pytest.raises(RasterError, match="tuple"):
        kzgeo.zonal_stats(z, 42)
    with pytest.raises(RasterError, match="no band 'B99'"):
        kzgeo.zonal_stats(z, s2_stack(tmp_path / "s2.tif"), band="B99")


@pytest.mark.parametrize("region_index", [0, 7, 15])
def test_demo_plots_pixel_area_matches_hectares(region_index):
    # real-shaped demo planting plots, on a 10 m grid in their own UTM zone
    plots = kzgeo.datasets.load("plots")
    region = sorted(plots["region"].unique())[region_index]
    plots = plots[plots["region"] == region]
    utm = plots.estimate_utm_crs()
    local = plots.to_crs(utm)
    near = local[local.distance(local.geometry.iloc[0].centroid) < 15_000]
    near = near[kzgeo.hectares(near) >= 0.5].head(150)
    assert len(near) >= 5
    x0, y0, x1, y1 = near.total_bounds
    left, top = np.floor(x0 / 10) * 10 - 20, np.ceil(y1 / 10) * 10 + 20
    shape = (int((top - y0) // 10) + 4, int((x1 - left) // 10) + 4)
    out = kzgeo.zonal_stats(near, (np.ones(shape, np.float32), north_up(left, top, 10), utm), stats=["mean"])
    np.testing.assert_allclose(out["pixel_area_ha"].to_numpy(), kzgeo.hectares(near), rtol=0.005)
    np.testing.assert_allclose(out["valid_pct"], 100.0)


def test_point_zones_and_repeated_ids_are_errors(block):
    points = gpd.GeoDataFrame({"plot_id": [1]}, geometry=[shapely.Point(X0 + 5, Y0 - 5)], crs=UTM42)
    with pytest.raises(
        kzgeo.GeometryError,
        match=r"^zones: the layer holds only Point geometries and has no area; zonal statistics need "
        r"polygons \(give the polygon layer, or buffer the points into polygons\)$",
    ):
        kzgeo.zonal_stats(points, (block, T10, UTM42))
    twice = zones(cell_box(0, 0, 1, 1), cell_box(1, 1, 2, 2), ids=[7, 7])
    with pytest.raises(
        kzgeo.SchemaError, match="id column 'plot_id' repeats the value 7; make the ids unique"
    ):
        kzgeo.zonal_stats(twice, (block, T10, UTM42))


def test_wide_integers_and_float64_arrays_keep_their_precision():
    big = np.full((10, 10), 16_777_217, np.int64)  # 2**24 + 1: not a float32
    out = kzgeo.zonal_stats(zones(cell_box(0, 0, 5, 5)), (big, T10, UTM42), stats=["mean", "max"])
    assert out["band1_max"].iloc[0] == 16_777_217 and out["band1_mean"].iloc[0] == 16_777_217


def test_a_transform_that_is_not_an_affine_is_named():
    with pytest.raises(RasterError, match=r"not an affine.Affine; give one \(Affine.from_gdal"):
        kzgeo.zonal_stats(zones(cell_box(0, 0, 5, 5)), (np.ones((10, 10)), (X0, 10, 0, Y0, 0, -10), UTM42))


def test_one_statistic_as_a_string_and_a_repeated_index(block):
    z = zones(cell_box(3, 3, 6, 6))
    out = kzgeo.zonal_stats(z, (block, T10, UTM42), stats="mean")
    assert list(out.columns[:1]) == ["band1_mean"] and out["band1_mean"].iloc[0] == 1.0
    twice = gpd.GeoDataFrame(geometry=[cell_box(0, 0, 2, 2), cell_box(2, 2, 4, 4)], crs=UTM42, index=[5, 5])
    with pytest.raises(kzgeo.SchemaError, match="the index repeats 5"):
        kzgeo.zonal_stats(twice, (block, T10, UTM42))


def test_wide_integer_file_raster_keeps_exact_codes(tmp_path):
    codes = np.full((10, 20), 751110000, np.int32)
    codes[:, 10:] = 751210000  # two districts' KATO codes, which float32 would round
    path = write_tif(tmp_path / "kato.tif", codes, nodata=0)
    out = kzgeo.zonal_stats(
        zones(cell_box(0, 0, 10, 10), cell_box(10, 0, 20, 10)), path, stats=["majority", "min"]
    )
    assert out["band1_majority"].tolist() == [751110000, 751210000]
    assert out["band1_min"].tolist() == [751110000, 751210000]


def test_bottom_up_array_is_read_north_up():
    arr = np.arange(30, dtype=np.float32).reshape(5, 6)
    bottom_up = rasterio.Affine(10, 0, X0, 0, 10, Y0 - 50)  # row 0 is the southernmost
    z = zones(cell_box(0, 0, 2, 1), cell_box(1, 1, 3.5, 3))
    want = kzgeo.zonal_stats(z, (arr, T10, UTM42), stats=["mean", "count"])
    got = kzgeo.zonal_stats(z, (arr[::-1], bottom_up, UTM42), stats=["mean", "count"])
    pd.testing.assert_frame_equal(got, want)
    assert got["band1_mean"].iloc[0] == 0.5  # cells 0 and 1 of the top row


def test_bands_are_named_in_any_case_and_numbers_are_refused(tmp_path, block):
    path = s2_stack(tmp_path / "s2.tif")
    z = zones(cell_box(0, 0, 3, 3))
    want = kzgeo.zonal_stats(z, path, stats=["mean"], band="B04")
    for name in ("b04", "B4"):  # lower case (as the output column), Earth Engine's name
        pd.testing.assert_frame_equal(kzgeo.zonal_stats(z, path, stats=["mean"], band=name), want)
    with pytest.raises(RasterError, match=r"band 1 is not a band name; name it as the scene does: B02"):
        kzgeo.zonal_stats(z, path, band=1)
    with pytest.raises(RasterError, match=r"raster array: no band 1; its bands are named band1"):
        kzgeo.zonal_stats(zones(cell_box(3, 3, 6, 6)), (block, T10, UTM42), band=1)
    got = kzgeo.zonal_stats(zones(cell_box(3, 3, 6, 6)), (block, T10, UTM42), band="Band1", stats=["mean"])
    assert got["band1_mean"].iloc[0] == 1.0


def test_bands_described_by_common_name_give_indices(tmp_path):
    red_nir = np.stack([np.full((3, 3), 0.1, np.float32), np.full((3, 3), 0.5, np.float32)])
    path = write_tif(tmp_path / "rn.tif", red_nir, descriptions=["Red", "NIR"])
    out = kzgeo.zonal_stats(zones(cell_box(0, 0, 3, 3)), path, index="ndvi", stats=["mean"])
    np.testing.assert_allclose(out["ndvi_mean"], [(0.5 - 0.1) / (0.5 + 0.1)], rtol=1e-6)
    with pytest.raises(RasterError, match=r"no 'swir16' band .* or describe the band as 'swir16'"):
        kzgeo.zonal_stats(zones(cell_box(0, 0, 3, 3)), path, index="bsi")


def test_a_zone_without_a_valid_pixel_has_no_sum_and_is_named():
    arr = np.array([[1, np.nan], [np.nan, np.nan]], np.float32)
    z = zones(cell_box(0, 0, 1, 1), cell_box(1, 1, 2, 2), ids=["clear", "clouded"])
    with pytest.warns(KzgeoWarning, match=r"1 of 2 zones have no valid pixel .*plot_id: clouded\)"):
        out = kzgeo.zonal_stats(z, (arr, T10, UTM42), stats=["sum", "count", "mean"])
    assert out.loc["clear", "band1_sum"] == 1.0
    assert np.isnan(out.loc["clouded", "band1_sum"]) and np.isnan(
        out.loc["clouded", "band1_mean"]
    )  # sum was 0
    assert out.loc["clouded", "band1_count_px"] == 0 and out.loc["clouded", "valid_pct"] == 0


def test_zones_that_went_through_lonlat_do_not_pick_up_their_neighbours(block):
    """read_layer hands zones over in EPSG:4326: a pixel-aligned zone comes back to UTM off by ~1e-9 m,
    touching its neighbours by slivers of ~1e-10 of a pixel. Those slivers are not part of the zone:
    min/max/median/minority and valid_pct must be those of the zone's own pixels."""
    arr = block.copy()
    arr[2, 4], arr[6, 4] = 9.0, -9.0  # neighbours of the 3 x 3 block above and below
    arr[4, 2] = np.nan  # and a nodata neighbour to its left
    lonlat = zones(cell_box(3, 3, 6, 6), cell_box(4, 4, 5, 5)).to_crs(4326)
    stats = ["min", "max", "median", "minority", "majority", "mean", "count"]
    out = kzgeo.zonal_stats(lonlat, (arr, T10, UTM42), stats=stats)
    np.testing.assert_array_equal(out["band1_min"], [1, 1])
    np.testing.assert_array_equal(out["band1_max"], [1, 1])
    np.testing.assert_array_equal(out["band1_median"], [1, 1])
    np.testing.assert_array_equal(out["band1_minority"], [1, 1])
    np.testing.assert_allclose(out["band1_mean"], [1, 1], rtol=1e-12)
    np.testing.assert_allclose(out["band1_count_px"], [9, 1], rtol=1e-6)
    np.testing.assert_array_equal(out["valid_pct"], [100, 100])


def test_a_clouded_zone_that_went_through_lonlat_is_clouded():
    """All of the zone's pixels nodata, its neighbours clear: no mean from the neighbours' slivers."""
    arr = np.ones((10, 10), np.float32)
    arr[3:6, 3:6] = np.nan
    lonlat = zones(cell_box(3, 3, 6, 6)).to_crs(4326)
    with pytest.warns(KzgeoWarning, match="no valid pixel"):
        out = kzgeo.zonal_stats(lonlat, (arr, T10, UTM42), stats=["mean", "max", "sum"])
    assert out[["band1_mean", "band1_max", "band1_sum"]].isna().all(axis=None)
    assert out["valid_pct"].iloc[0] == 0
    np.testing.assert_allclose(out["pixel_area_ha"], kzgeo.hectares(lonlat), rtol=1e-7)


def test_collections_count_their_polygons_and_points_in_a_polygon_layer_are_named(block):
    """A GeometryCollection zone is its polygons (as kzgeo.hectares counts it); a point or a line among
    polygons has no statistics and is named, not reported as lying off the raster."""
    square = cell_box(3, 3, 6, 6)
    collection = shapely.GeometryCollection([square, shapely.Point(X0 + 5, Y0 - 5)])
    line = shapely.LineString([(X0, Y0 - 5), (X0 + 50, Y0 - 5)])
    z = zones(square, collection, shapely.Point(X0 + 35, Y0 - 35), line, None, ids=[1, 2, 3, 4, 5])
    with pytest.warns(KzgeoWarning) as caught:
        out = kzgeo.zonal_stats(z, (block, T10, UTM42), stats=["mean", "max", "count"])
    assert [str(w.message) for w in caught] == [
        "3 of 5 zones have no polygon (plot_id: 3 Point, 4 LineString, 5 missing); their statistics are NaN"
    ]
    pd.testing.assert_series_equal(out.loc[1], out.loc[2], check_names=False)
    assert out.loc[2, "band1_count_px"] == pytest.approx(9)
    np.testing.assert_allclose(out.loc[[1, 2], "pixel_area_ha"], kzgeo.hectares(z.iloc[:2]), rtol=1e-7)
    assert out.loc[[3, 4, 5], ["band1_mean", "band1_max", "valid_pct"]].isna().all(axis=None)
    assert (out.loc[[3, 4, 5], "pixel_area_ha"] == 0).all()
    # seven points among polygons: five named, and how many more
    many = zones(square, *[shapely.Point(X0 + 5 * i, Y0 - 5) for i in range(1, 8)], ids=list(range(1, 9)))
    with pytest.warns(KzgeoWarning) as caught:
        kzgeo.zonal_stats(many, (block, T10, UTM42), stats=["mean"])
    assert [str(w.message) for w in caught] == [
        "7 of 8 zones have no polygon (plot_id: 2 Point, 3 Point, 4 Point, 5 Point, 6 Point and 2 more); "
        "their statistics are NaN"
    ]
    lines = zones(line, shapely.GeometryCollection([line]), crs=UTM42)
    with pytest.raises(
        kzgeo.GeometryError,
        match=r"^zones: the layer holds only GeometryCollection and LineString geometries and has no area; "
        r"zonal statistics need polygons \(give the polygon layer, or buffer the lines into polygons\)$",
    ):
        kzgeo.zonal_stats(lines, (block, T10, UTM42))


def test_a_small_plot_on_a_coarse_grid_keeps_its_pixel(tmp_path):
    """A 20 m plot on a 0.25° grid (ERA5, CHIRPS) covers 5e-7 of its pixel: still that pixel's value,
    not a 'no valid pixel' NaN; the slivers left out are 10 micrometres wide, not a share of a pixel."""
    arr = np.full((4, 4), 3.0, np.float32)
    t = north_up(70.0, 52.0, 0.25)
    z = zones(shapely.box(70.3, 51.6, 70.3 + 0.000289, 51.6 + 0.00018), crs=4326, ids=["p"])  # 20 x 20 m
    assert kzgeo.hectares(z)[0] == pytest.approx(0.04, rel=0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("error", KzgeoWarning)
        out = kzgeo.zonal_stats(z, (arr, t, "EPSG:4326"), stats=["mean"])
    assert out.loc["p", "band1_mean"] == 3.0 and out.loc["p", "valid_pct"] == pytest.approx(100)


def test_a_wgs84_geotiff_measures_its_cells_by_row(tmp_path):
    """A GeoTIFF in EPSG:4326 names its datum 'World Geodetic System 1984' (no 'ensemble'): its cells
    are still measured exactly by row, and a one-cell zone is its cell's hectares."""
    path = write_tif(
        tmp_path / "wgs84.tif", np.ones((8, 8), np.float32), res=0.25, crs="EPSG:4326", origin=(70.0, 52.0)
    )
    from kzgeo.raster.zonal import _on_wgs84

    with rasterio.open(path) as ds:
        assert _on_wgs84(CRS.from_wkt(ds.crs.to_wkt()))
    cell = zones(shapely.box(70.25, 51.25, 70.5, 51.5), crs=4326)
    out = kzgeo.zonal_stats(cell, path, stats=["mean"])
    assert out["pixel_area_ha"].iloc[0] == pytest.approx(kzgeo.hectares(cell)[0], rel=1e-9)


def test_zones_wholly_on_clear_pixels_are_100_percent_valid():
    """Coverage summed two ways differs in the last bits: 99.99999999999999 % would miss a rule of 100."""
    rng = np.random.default_rng(5)
    arr = np.ones((200, 200), np.float32)
    centres = shapely.points(X0 + rng.uniform(400, 1600, 100), Y0 - rng.uniform(400, 1600, 100))
    z = zones(*shapely.buffer(centres, rng.uniform(8, 150, 100), quad_segs=3), ids=list(range(100)))
    out = kzgeo.zonal_stats(z.to_crs(4326), (arr, T10, UTM42), stats=["mean"])
    assert (out["valid_pct"] == 100).all()


def test_a_bow_tie_zone_is_repaired_as_hectares_repairs_it():
    # left half of the 10 x 10 grid is 1, right half 3; the bow-tie's two triangles (0.25 ha each)
    # lie one in each half... measured as drawn, it gave mean 1.81, 42 pixels and a false 'outside'
    arr = np.ones((10, 10), np.float32)
    arr[:, 5:] = 3
    tie = shapely.Polygon([(X0, Y0), (X0 + 100, Y0 - 100), (X0 + 100, Y0), (X0, Y0 - 100)])
    with pytest.warns(kzgeo.RepairWarning, match="zones: repaired 1 invalid geometry .* zonal statistics"):
        out = kzgeo.zonal_stats(zones(tie), (arr, T10, UTM42), stats=["mean", "count"])
    assert out["band1_mean"].iloc[0] == pytest.approx(2.0)
    assert out["band1_count_px"].iloc[0] == pytest.approx(50.0)
    assert out["pixel_area_ha"].iloc[0] == pytest.approx(kzgeo.hectares(zones(shapely.make_valid(tie)))[0])


def test_a_band_asked_for_twice_is_summarised_once(tmp_path):
    path = s2_stack(tmp_path / "s2.tif")
    box = zones(cell_box(0, 0, 3, 3))
    out = kzgeo.zonal_stats(box, path, stats=["mean"], band=["b04", "B04"])
    assert list(out.columns) == ["b04_mean", "valid_pct", "pixel_area_ha"]  # one band: plain valid_pct
    out = kzgeo.zonal_stats(box, path, stats=["mean"], index=["ndvi", "NDVI"])
    assert list(out.columns) == ["ndvi_mean", "valid_pct", "pixel_area_ha"]


def test_saturated_or_defective_pixels_are_masked(tmp_path):
    path = s2_stack(tmp_path / "s2.tif", scl=[[4, 1, 4], [4, 4, 4], [4, 4, 4]])
    with kzgeo.open_scene(path) as scene:
        assert np.isnan(scene.read_band("B04")).sum() == 1


def test_zone_ids_in_any_case_missing_or_in_a_multiindex(tmp_path):
    arr = np.ones((10, 10), np.float32)
    z = zones(cell_box(0, 0, 2, 2), cell_box(3, 3, 5, 5)).rename(columns={"plot_id": "PLOT_ID"})
    assert list(kzgeo.zonal_stats(z, (arr, T10, UTM42)).index) == ["p0", "p1"]  # not 0, 1
    with pytest.raises(kzgeo.SchemaError, match=r"'PLOT_ID' is empty for 1 of 2 feature\(s\)"):
        kzgeo.zonal_stats(z.assign(PLOT_ID=["p0", None]), (arr, T10, UTM42))
    with pytest.raises(kzgeo.SchemaError, match="the index has 2 levels"):
        kzgeo.zonal_stats(
            z.drop(columns="PLOT_ID").set_index([pd.Index([1, 2]), pd.Index(["a", "b"])]), (arr, T10, UTM42)
        )
    with pytest.raises(kzgeo.SchemaError, match="zone_id='date' would clash"):
        kzgeo.zonal_timeseries(
            z.rename(columns={"PLOT_ID": "date"}),
            {"2023-07-01": s2_stack(tmp_path / "s.tif")},
            zone_id="date",
        )


def test_an_array_without_a_crs_or_of_wrong_dimensions_is_told_which(block):
    """An array of 2 dimensions without a CRS was told 'shape (1, 10, 10): needs 2 or 3 dimensions
    and a CRS'."""
    z = zones(cell_box(3, 3, 6, 6))
    with pytest.raises(RasterError, match=r"^raster array: its CRS is None; give the CRS of the grid"):
        kzgeo.zonal_stats(z, (block, T10, None))
    with pytest.raises(RasterError, match=r"^raster array of shape \(1, 1, 10, 10\): has 4 dimension\(s\)"):
        kzgeo.zonal_stats(z, (block[None, None], T10, UTM42))

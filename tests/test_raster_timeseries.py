"""zonal_timeseries: long table per plot and date, and the greenness-lost rule on hand-made scenes."""

from __future__ import annotations

import datetime as dt
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import kzgeo
from kzgeo.errors import DataError, KzgeoWarning
from test_raster_fixtures import ORIGIN, UTM42, s2_stack

X0, Y0 = ORIGIN
# plot "lost" covers the left 2 x 2 pixels, plot "kept" the right 2 x 2 of a 2 x 4 scene
PLOTS = gpd.GeoDataFrame(
    {"plot_id": ["lost", "kept"]},
    geometry=[shapely.box(X0, Y0 - 20, X0 + 20, Y0), shapely.box(X0 + 20, Y0 - 20, X0 + 40, Y0)],
    crs=UTM42,
)


def scene_with_ndvi(path, left: float, right: float, cloud_left: bool = False):
    """A 2 x 4 Sentinel-2 stack with red 0.1 and NIR set so NDVI is `left` / `right` on each half."""
    nir = np.empty((2, 4))
    nir[:, :2] = 0.1 * (1 + left) / (1 - left)
    nir[:, 2:] = 0.1 * (1 + right) / (1 - right)
    values = {n: np.full((2, 4), 1000) for n in ["B02", "B03", "B05", "B06", "B07", "B8A", "B11", "B12"]}
    values |= {"B04": np.full((2, 4), 1000), "B08": np.round(nir * 10000)}
    scl = np.full((2, 4), 4)
    if cloud_left:
        scl[:, :2] = 9
    return s2_stack(path, h=2, w=4, values=values, scl=scl)


@pytest.fixture
def scenes(tmp_path):
    return {
        dt.date(2022, 7, 1): scene_with_ndvi(tmp_path / "a.tif", 0.60, 0.50),
        dt.date(2023, 7, 1): scene_with_ndvi(tmp_path / "b.tif", 0.55, 0.50, cloud_left=True),
        dt.date(2024, 7, 1): scene_with_ndvi(tmp_path / "c.tif", 0.20, 0.52),
    }


def test_long_table_and_trend(scenes):
    long, trend = kzgeo.zonal_timeseries(PLOTS, scenes, "NDVI", stats=["max"])
    assert list(long.columns[:3]) == ["plot_id", "date", "ndvi_mean"]
    assert {"ndvi_max", "valid_pct", "pixel_area_ha", "used_in_trend"} <= set(long.columns)
    assert len(long) == 6 and long["plot_id"].tolist() == ["kept"] * 3 + ["lost"] * 3
    lost = long[long.plot_id == "lost"]
    np.testing.assert_allclose(lost["ndvi_mean"].to_numpy()[[0, 2]], [0.60, 0.20], atol=1e-3)
    assert lost["ndvi_mean"].isna().tolist() == [False, True, False]  # cloud on 2023
    assert lost["used_in_trend"].tolist() == [True, False, True]
    assert trend.loc["lost", "greenness_lost"] and not trend.loc["kept", "greenness_lost"]
    assert trend.loc["lost", "n_valid_dates"] == 2 and trend.loc["kept", "n_valid_dates"] == 3
    assert trend.loc["lost", "ndvi_change"] == pytest.approx(-0.4, abs=1e-3)
    assert trend.loc["lost", "ndvi_slope_per_yr"] == pytest.approx(-0.4 / (731 / 365.25), abs=1e-3)
    assert trend.loc["kept", "ndvi_slope_per_yr"] == pytest.approx(0.01, abs=2e-3)


def test_small_drop_is_not_loss(scenes):
    _, trend = kzgeo.zonal_timeseries(PLOTS, scenes, min_drop=0.5)
    assert not trend["greenness_lost"].any()


def test_one_valid_date_gives_na(tmp_path):
    one = {"2024-07-01": scene_with_ndvi(tmp_path / "a.tif", 0.6, 0.5)}
    _, trend = kzgeo.zonal_timeseries(PLOTS, one)
    assert trend["greenness_lost"].isna().all() and (trend["n_valid_dates"] == 1).all()


def test_no_scenes_is_an_error():
    with pytest.raises(DataError, match="no scenes"):
        kzgeo.zonal_timeseries(PLOTS, {})


def test_scene_keys_must_be_distinct_dates(scenes):
    one = scenes[dt.date(2024, 7, 1)]
    with pytest.raises(DataError, match="scene key 'summer' is not a date"):
        kzgeo.zonal_timeseries(PLOTS, {"summer": one})
    with pytest.raises(DataError, match=r"'2024-07-01' and datetime.date\(2024, 7, 1\) are the same day"):
        kzgeo.zonal_timeseries(PLOTS, {"2024-07-01": one, dt.date(2024, 7, 1): one})


@pytest.mark.parametrize(
    "key", ["01.07.2023", "07/01/2023", "July", "1 July 2023", "0001-01-01", "2023-13-01", 2023]
)
def test_scene_keys_that_are_not_iso_dates_are_refused_before_any_work(scenes, key, monkeypatch):
    """'01.07.2023' is the 1st of July to a Kazakh analyst and the 7th of January to a month-first
    parser: refused, not guessed; so is a year alone, a month name and a date pandas cannot hold."""
    import kzgeo.raster.timeseries as ts

    monkeypatch.setattr(
        ts, "_zonal_stats", lambda *a, **k: pytest.fail("work began before the keys were checked")
    )
    one = scenes[dt.date(2024, 7, 1)]
    with pytest.raises(DataError, match=rf"scene key {key!r} is not a date; .*'YYYY-MM-DD'"):
        kzgeo.zonal_timeseries(PLOTS, {dt.date(2024, 7, 1): one, key: one})


def test_scene_keys_as_datetimes_and_iso_strings_with_a_time_are_their_day(scenes):
    one = scenes[dt.date(2024, 7, 1)]
    keys = [
        dt.datetime(2024, 7, 1, 10, 30),
        "2023-07-01T06:12:00",
        pd.Timestamp("2022-07-01 23:59", tz="Asia/Almaty"),
    ]
    long, _ = kzgeo.zonal_timeseries(PLOTS, dict.fromkeys(keys, one))
    assert sorted(long["date"].unique()) == [pd.Timestamp(f"{y}-07-01") for y in (2022, 2023, 2024)]


def test_dates_of_the_trend_one_date_and_warnings_say_which_date(scenes, tmp_path):
    _, trend = kzgeo.zonal_timeseries(PLOTS, scenes)
    assert trend.loc["lost", "first_date"] == pd.Timestamp("2022-07-01")
    assert trend.loc["lost", "last_date"] == pd.Timestamp("2024-07-01")  # 2023 was cloud
    one = {dt.date(2024, 7, 1): scenes[dt.date(2024, 7, 1)]}
    _, trend = kzgeo.zonal_timeseries(PLOTS, one)
    assert trend["ndvi_change"].isna().all() and trend["greenness_lost"].isna().all()
    away = PLOTS.assign(geometry=PLOTS.geometry.translate(xoff=10_000))
    with pytest.warns(KzgeoWarning, match=r"^2024-07-01: 2 of 2 zones have no pixel"):
        _, nothing = kzgeo.zonal_timeseries(away, one)
    assert nothing["first_date"].isna().all() and str(nothing["first_date"].dtype).startswith("datetime64")
    # the same warning for several dates is given once, naming the dates (not once a date)
    half = PLOTS.assign(geometry=[PLOTS.geometry[0], shapely.affinity.translate(PLOTS.geometry[1], 10_000)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        kzgeo.zonal_timeseries(half, scenes)
    assert [str(w.message) for w in caught] == [
        "2022-07-01, 2023-07-01, 2024-07-01: 1 of 2 zones have no pixel in the raster (plot_id: kept); "
        "their statistics are NaN",
        "2023-07-01: 1 of 2 zones have no valid pixel (nodata, cloud, shadow or snow) (plot_id: lost); "
        "their statistics are NaN",
    ]


def test_a_plot_mostly_off_a_scene_is_not_observed_enough_for_the_trend(tmp_path):
    """Plot 'edge' hangs three quarters off the scene's left edge; the quarter on it is clear, so its
    valid_pct is 100 (of its pixels) but a quarter of the plot is observed: below the 50 % rule."""
    edge = gpd.GeoDataFrame(
        {"plot_id": ["edge", "kept"]},
        geometry=[shapely.box(X0 - 30, Y0 - 20, X0 + 10, Y0), PLOTS.geometry.iloc[1]],
        crs=UTM42,
    )
    scenes = {
        dt.date(2022, 7, 1): scene_with_ndvi(tmp_path / "a.tif", 0.60, 0.50),
        dt.date(2024, 7, 1): scene_with_ndvi(tmp_path / "c.tif", 0.20, 0.52),
    }
    with pytest.warns(KzgeoWarning, match="lie partly outside the raster"):
        long, trend = kzgeo.zonal_timeseries(edge, scenes, min_valid_pct=30)
    rows = long.set_index(["plot_id", "date"])
    assert (rows.loc["edge", "valid_pct"] == 100).all()
    assert rows.loc["edge", "pixel_area_ha"].to_numpy() == pytest.approx([0.02, 0.02], rel=1e-3)
    assert not rows.loc["edge", "used_in_trend"].any() and rows.loc["kept", "used_in_trend"].all()
    assert trend.loc["edge", "n_valid_dates"] == 0 and pd.isna(trend.loc["edge", "greenness_lost"])
    # a rule below 25 % counts the quarter on the scene
    with pytest.warns(KzgeoWarning):
        long, trend = kzgeo.zonal_timeseries(edge, scenes, min_valid_pct=24)
    assert trend.loc["edge", "n_valid_dates"] == 2 and bool(trend.loc["edge", "greenness_lost"])


def test_a_plot_wholly_on_clear_scenes_meets_a_rule_of_100_percent(scenes):
    """Its hectares on cells and by itself agree to ~1e-8, not exactly: that is still the whole plot."""
    long, trend = kzgeo.zonal_timeseries(PLOTS, scenes, min_valid_pct=100)
    assert long.set_index("plot_id").loc["kept", "used_in_trend"].all()
    assert trend.loc["kept", "n_valid_dates"] == 3 and trend.loc["lost", "n_valid_dates"] == 2

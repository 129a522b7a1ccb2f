"""The dump detector end to end on generated scenes: finds dumps, not clean ground, windows, CLI."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine

import kzgeo
from kzgeo.cli import main
from kzgeo.dumps import SITE_COLUMNS, detect_dumps, load_model
from kzgeo.dumps.evaluate import match_sites
from kzgeo.errors import DataError, KzgeoWarning, RasterError

pytest.importorskip("earthlib")
from kzgeo.synth import BANDS, generate_scene, write_scene


@pytest.fixture(scope="module")
def scene():
    # large dumps only would make the test trivial; the generator draws 0.03-5 ha
    return generate_scene(
        4242,
        384,
        n_dumps=12,
        n_lookalikes=4,
        clouds=False,
        swath_edge=False,
        landfills=1,
        biome="steppe",
        month=7,
    )


@pytest.fixture(scope="module")
def sites(scene):
    return detect_dumps(scene, landfills=scene.landfills)


@pytest.fixture(scope="module")
def scene_path(scene, tmp_path_factory):
    return write_scene(scene, tmp_path_factory.mktemp("dumps") / "scene.tif")


def test_finds_the_large_implanted_dumps(scene, sites):
    ev = match_sites(sites, scene.truth)
    large = ev.truth[ev.truth.area_ha >= 0.5]
    assert len(large) >= 3
    assert large.matched.mean() >= 0.75


def test_site_layer_schema(sites):
    assert list(sites.columns) == [*SITE_COLUMNS, "geometry"]
    assert sites.crs.to_epsg() == 4326
    assert sites["site_id"].tolist() == list(range(1, len(sites) + 1))
    assert sites["score"].between(0, 1).all() and sites["score"].is_monotonic_decreasing
    assert set(sites["tier"]) <= {"confident", "review"}
    assert (sites["area_ha"] >= 0.03).all()


def test_the_landfill_is_legal(scene, sites):
    fill = scene.landfills.to_crs(4326).geometry.iloc[0]
    on_fill = sites[sites.intersects(fill)]
    assert len(on_fill) >= 1
    assert set(on_fill["status"]) <= {"legal_landfill", "landfill_overspill"}
    assert (sites[~sites.intersects(fill.buffer(0.001))]["status"] == "illegal").all()


def test_nothing_on_clean_ground():
    clean = generate_scene(
        4243, 384, clean=True, n_lookalikes=0, clouds=False, swath_edge=False, biome="steppe", month=7
    )
    assert len(detect_dumps(clean)) <= 1


def test_windows_do_not_split_sites(scene, sites, capsys):
    # put a window border through the middle of the largest site
    big = sites.to_crs(scene.crs).geometry.loc[sites["area_ha"].idxmax()]
    x0, _, x1, _ = big.bounds
    border = round(((x0 + x1) / 2 - scene.transform.c) / 10)
    assert (x0 - scene.transform.c) / 10 < border < (x1 - scene.transform.c) / 10
    windowed = detect_dumps(scene, landfills=scene.landfills, window_size=border)
    assert len(windowed) == len(sites)
    np.testing.assert_allclose(windowed["area_ha"].max(), sites["area_ha"].max(), rtol=1e-9)
    np.testing.assert_allclose(windowed["area_ha"].sum(), sites["area_ha"].sum(), rtol=0.01)
    # the site features, ring sums included, add up across the border: the same site scores
    np.testing.assert_allclose(np.sort(windowed["score"]), np.sort(sites["score"]), atol=1e-6)
    # and the small windows of a large scene: eight borders across 384 px
    small = detect_dumps(scene, landfills=scene.landfills, window_size=128, progress=True)
    assert len(small) == len(sites)
    bar = capsys.readouterr().err  # a progress bar over the 3 x 3 windows
    assert "detect-dumps band arrays: 100%" in bar and "9/9" in bar
    detect_dumps(scene, window_size=128, progress=False)
    assert "detect-dumps" not in capsys.readouterr().err
    np.testing.assert_allclose(np.sort(small["score"]), np.sort(sites["score"]), atol=1e-6)


def test_from_disk_matches_in_memory_and_writes_scores(scene, sites, scene_path, tmp_path):
    score_path = tmp_path / "score.tif"
    from_disk = detect_dumps(scene_path, landfills=scene.landfills, score_raster=score_path)
    assert len(from_disk) == len(sites)
    with rasterio.open(score_path) as ds:
        score = ds.read(1)
        assert ds.dtypes[0] == "float32" and ds.crs.to_epsg() == scene.crs.to_epsg()
    finite = score[np.isfinite(score)]
    assert finite.min() >= 0 and finite.max() <= 1
    assert np.isnan(score).any()  # dense vegetation and water are not scored


def test_change_against_the_previous_season(scene, sites):
    # the previous season is the same scene without its dumps: every illegal dump is new
    before = sites[sites["status"] != "illegal"]
    now = detect_dumps(scene, landfills=scene.landfills, previous=before)
    assert (now.loc[now["status"] == "illegal", "change"] == "new").all()
    assert (now.loc[now["status"] != "illegal", "change"] == "persisting").all()


def test_scene_without_a_band(tmp_path):
    data = np.full((9, 64, 64), 1000, np.uint16)
    path = tmp_path / "nine.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=64,
        height=64,
        count=9,
        dtype="uint16",
        nodata=0,
        crs="EPSG:32642",
        transform=Affine(10, 0, 500_000, 0, -10, 5_600_000),
    ) as ds:
        ds.write(data)
        for i, name in enumerate(BANDS[:9], start=1):
            ds.set_band_description(i, name)
    with pytest.raises(RasterError, match="B12"):
        detect_dumps(path)


def test_a_landsat_scene_is_told_the_detector_needs_sentinel_2(capsys, tmp_path):
    from test_raster_fixtures import L8_CROP

    with pytest.raises(RasterError, match=r"is a Landsat scene; .*give a Sentinel-2 scene"):
        detect_dumps(L8_CROP)
    assert main(["detect-dumps", str(L8_CROP), "-o", str(tmp_path / "s.gpkg")]) == 1
    assert "missing band" not in capsys.readouterr().err


def test_scene_without_georeferencing(tmp_path):
    path = tmp_path / "nogeo.tif"
    with rasterio.open(path, "w", driver="GTiff", width=64, height=64, count=10, dtype="uint16") as ds:
        ds.write(np.full((10, 64, 64), 1000, np.uint16))
    with pytest.raises(RasterError, match="georeferencing"):
        detect_dumps(path)


def test_model_card_matches_the_features():
    model = load_model()
    assert model.sites is not None
    assert 0 < model.card["thresholds"]["site"] < 1


def test_cli_writes_sites_and_refuses_to_overwrite(scene, scene_path, tmp_path, capsys):
    out = tmp_path / "sites.gpkg"
    fills = tmp_path / "landfills.geojson"
    scene.landfills.to_crs(4326).to_file(fills)
    args = ["detect-dumps", str(scene_path), "-o", str(out), "--landfills", str(fills)]
    assert main(args) == 0
    written = gpd.read_file(out)
    assert len(written) > 0 and "status" in written
    assert main(args) == 1
    assert "already exists" in capsys.readouterr().err
    # the previous season's sites are an input: never the output, even with --overwrite
    assert main([*args, "--overwrite", "--previous", str(out)]) == 1
    assert "is also the input --previous" in capsys.readouterr().err
    later = out.with_name("sites_later.gpkg")
    score = tmp_path / "score.tif"
    again = [
        *[str(later) if a == str(out) else a for a in args],
        "--previous",
        str(out),
        "--score-raster",
        str(score),
    ]
    capsys.readouterr()
    assert main(again) == 0
    assert set(gpd.read_file(later)["change"]) == {"persisting"}
    # the closing note counts the changes and names both files written
    n = len(gpd.read_file(later))
    assert f"; persisting {n}); wrote {later} and {score}" in capsys.readouterr().err


def test_cli_progress_bar_follows_quiet(scene_path, tmp_path, monkeypatch):
    import kzgeo.dumps

    given = []

    def detect(*args, progress=None, **kwargs):
        given.append(progress)
        return detect_dumps(*args, progress=progress, **kwargs)

    monkeypatch.setattr(kzgeo.dumps, "detect_dumps", detect)
    assert main(["detect-dumps", str(scene_path), "-o", str(tmp_path / "a.gpkg")]) == 0
    assert main(["-q", "detect-dumps", str(scene_path), "-o", str(tmp_path / "b.gpkg")]) == 0
    assert given == [None, False]  # a bar on a terminal by default; none with -q


def test_cli_says_status_unchecked_without_landfills(scene, scene_path, tmp_path, capsys):
    assert main(["detect-dumps", str(scene_path), "-o", str(tmp_path / "a.gpkg")]) == 0
    err = capsys.readouterr().err
    assert set(gpd.read_file(tmp_path / "a.gpkg")["status"]) == {"illegal"}
    assert "\nnote: no --landfills given: status 'illegal' only means that no site was checked" in err
    fills = tmp_path / "landfills.geojson"
    scene.landfills.to_crs(4326).to_file(fills)
    args = ["detect-dumps", str(scene_path), "-o", str(tmp_path / "b.gpkg"), "--landfills", str(fills)]
    assert main(args) == 0
    assert "no --landfills" not in capsys.readouterr().err


def test_cli_missing_scene(tmp_path, capsys):
    assert main(["detect-dumps", str(tmp_path / "nope.tif"), "-o", str(tmp_path / "s.gpkg")]) == 1
    assert "nope.tif" in capsys.readouterr().err


def test_wrong_layers_for_landfills_or_previous_sites_are_refused(scene, sites):
    # a district given as the landfills would make every site inside it legal; as the previous
    # season, every site persisting
    district = gpd.GeoDataFrame(
        {"landfill_id": [1]},
        geometry=[gpd.GeoSeries(scene.truth.geometry).union_all().envelope.buffer(20_000)],
        crs=scene.crs,
    )
    with pytest.raises(DataError, match=r"landfills: 1 of 1 polygons are larger than 5,000 ha"):
        detect_dumps(scene, landfills=district)
    with pytest.raises(DataError, match="previous sites: 1 of 1 polygons are larger"):
        detect_dumps(scene, previous=district[["geometry"]])
    # sites of another place
    elsewhere = sites.to_crs(scene.crs).translate(xoff=100_000)
    with pytest.raises(DataError, match=r"none of the \d+ sites lies in the scene"):
        detect_dumps(scene, previous=gpd.GeoDataFrame(geometry=elsewhere))


def test_previous_scene_of_another_place_is_refused_before_any_work(scene, scene_path, tmp_path, capsys):
    moved = generate_scene(7, 128)  # same generator, another UTM zone and place
    other = write_scene(moved, tmp_path / "other.tif")
    with pytest.raises(RasterError, match="does not overlap the scene"):
        detect_dumps(scene_path, previous=other)
    args = ["detect-dumps", str(scene_path), "-o", str(tmp_path / "s.gpkg")]
    assert main([*args, "--previous", str(tmp_path / "missing.gpkg")]) == 1
    err = capsys.readouterr().err
    assert "missing.gpkg: the previous season (--previous) does not exist" in err
    assert not (tmp_path / "s.gpkg").exists()


def test_cli_landfills_without_a_crs_take_assume_crs(scene, scene_path, tmp_path, capsys):
    fills = tmp_path / "nocrs.gpkg"
    scene.landfills.set_crs(None, allow_override=True).to_file(fills)  # UTM metres, no CRS declared
    args = ["detect-dumps", str(scene_path), "-o", str(tmp_path / "s.gpkg"), "--landfills", str(fills)]
    assert main(args) == 1
    assert "--assume-crs" in capsys.readouterr().err
    assert main([*args, "--assume-crs", scene.crs.to_string()]) == 0
    written = gpd.read_file(tmp_path / "s.gpkg")
    assert "legal_landfill" in set(written["status"])  # the landfill is known again


def test_sigterm_leaves_no_half_written_file(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    scene = write_scene(generate_scene(77, 1024, clouds=False), tmp_path / "big.tif")
    out, score = tmp_path / "sites.gpkg", tmp_path / "score.tif"
    cmd = [sys.executable, "-m", "kzgeo", "detect-dumps", str(scene), "-o", str(out)]
    proc = subprocess.Popen([*cmd, "--score-raster", str(score), "--window-size", "128"])
    deadline = time.monotonic() + 120
    try:
        # the score raster's temporary GeoTIFF exists (detect_dumps writes it as a temporary file of
        # the command's own temporary name, '..score.*.tif'): the detection is under way, writing
        while (
            not list(tmp_path.glob("..score.*.tif")) and proc.poll() is None and time.monotonic() < deadline
        ):
            time.sleep(0.05)
        assert proc.poll() is None, "the detection ended before it could be interrupted"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 128 + signal.SIGTERM
    finally:
        proc.kill()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.tif"]


def test_main_restores_the_callers_sigterm_handler(tmp_path):
    import signal

    def mine(signum, frame):
        pass

    before = signal.signal(signal.SIGTERM, mine)
    try:
        assert main(["detect-dumps", str(tmp_path / "nope.tif"), "-o", str(tmp_path / "s.gpkg")]) == 1
        assert signal.getsignal(signal.SIGTERM) is mine
    finally:
        signal.signal(signal.SIGTERM, before)


def test_cli_previous_sites_of_a_scene_outside_kazakhstan(tmp_path, capsys):
    # the bundled real crop lies near Berlin: its sites must be readable as the previous season
    import kzgeo
    from test_raster_fixtures import S2_CROP

    with kzgeo.open_scene(S2_CROP) as scene:
        footprint = gpd.GeoSeries([shapely.box(*scene.bounds)], crs=scene.crs).to_crs(4326)
    earlier = gpd.GeoDataFrame(
        {"site_id": [1]}, geometry=[footprint.iloc[0].centroid.buffer(0.001)], crs=4326
    )
    earlier.to_file(tmp_path / "earlier.gpkg")
    # and its landfills: the scene may lie anywhere, so may they (they were refused as "check the CRS")
    gpd.GeoDataFrame({"landfill_id": [1]}, geometry=[footprint.iloc[0].centroid], crs=4326).to_file(
        tmp_path / "landfills.gpkg"
    )
    out = tmp_path / "now.gpkg"
    args = ["detect-dumps", str(S2_CROP), "-o", str(out), "--previous", str(tmp_path / "earlier.gpkg")]
    assert main([*args, "--landfills", str(tmp_path / "landfills.gpkg")]) == 0, capsys.readouterr().err
    assert "change" in gpd.read_file(out).columns
    # the crop is Level-1C (it has the cirrus band B10): said, as the model knows surface reflectance
    err = capsys.readouterr().err
    assert "a Level-1C scene (top-of-atmosphere reflectance: it carries the cirrus band B10" in err


def test_a_level_2a_scene_is_not_called_top_of_atmosphere(scene_path):
    import kzgeo

    with kzgeo.open_scene(scene_path) as opened:
        assert opened.sensor == "sentinel-2" and not opened.top_of_atmosphere


def test_a_web_mercator_grid_gives_the_sites_the_same_scores(scene, sites):
    # the same pixels on a Web Mercator grid of 10 m on the ground: the site classifier must measure
    # shapes on the ground (a Mercator metre at 45° N is 0.71 m), not in grid units
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(scene.crs, 4326, always_xy=True).transform(
        scene.transform.c, scene.transform.f
    )
    x, y = Transformer.from_crs(4326, 3857, always_xy=True).transform(lon, lat)
    size = 10 / np.cos(np.radians(lat))
    bands = dict(zip(BANDS, scene.data, strict=True))
    merc = detect_dumps(bands, transform=Affine(size, 0, x, 0, -size, y), crs="EPSG:3857")
    utm = detect_dumps(scene)
    assert len(merc) == len(utm) > 0
    by_pixels = lambda df: df.sort_values("pixel_score")["score"].to_numpy()  # noqa: E731
    np.testing.assert_allclose(by_pixels(merc), by_pixels(utm), atol=1e-3)  # 0.03 apart before


def test_a_bad_previous_scene_is_refused_before_any_work_and_leaves_no_score_raster(
    scene_path, tmp_path, capsys
):
    with rasterio.open(scene_path) as src:
        profile, data, names = src.profile, src.read(), src.descriptions
    nine = tmp_path / "nine.tif"
    with rasterio.open(nine, "w", **{**profile, "count": 9}) as dst:
        dst.write(data[:9])
        for i, name in enumerate(names[:9], start=1):
            dst.set_band_description(i, name)
    score = tmp_path / "score.tif"
    with pytest.raises(RasterError, match=r"previous season: .*nine\.tif: missing band.*B12"):
        detect_dumps(scene_path, previous=nine, score_raster=score)
    assert not score.exists()
    args = ["detect-dumps", str(scene_path), "-o", str(tmp_path / "s.gpkg"), "--score-raster", str(score)]
    assert main([*args, "--previous", str(nine)]) == 1
    assert "B12" in capsys.readouterr().err
    assert not score.exists() and not (tmp_path / "s.gpkg").exists()


def test_sites_the_previous_scene_did_not_see_are_not_called_new(scene, scene_path, tmp_path):
    # the previous scene is the left third of this one: sites beyond it were not observed
    from rasterio.windows import Window

    with rasterio.open(scene_path) as src:
        part = Window(0, 0, 128, src.height)
        profile = {**src.profile, "width": 128, "transform": src.window_transform(part)}
        data, names = src.read(window=part), src.descriptions
    left = tmp_path / "left.tif"
    with rasterio.open(
        left, "w", **{k: v for k, v in profile.items() if k not in ("blockxsize", "blockysize", "tiled")}
    ) as dst:
        dst.write(data)
        for i, name in enumerate(names, start=1):
            dst.set_band_description(i, name)
    with pytest.warns(Warning, match="lie where the previous scene has no data"):
        now = detect_dumps(scene_path, previous=left)
    x = now.to_crs(scene.crs).geometry.centroid.x - scene.transform.c
    inside, beyond = now[x < 1_200], now[x > 1_400]
    assert len(beyond) and (beyond["change"] == "not_observed").all()
    assert len(inside) and (inside["change"] == "persisting").all()


def test_ring_sums_whose_site_the_next_window_did_not_label_are_not_a_site():
    import pandas as pd

    from kzgeo.dumps.detect import _merge

    pixel = 10.0
    part = pd.DataFrame(
        {"geometry": [shapely.box(0, 0, 2 * pixel, 2 * pixel)], "n_px": [4.0], "score_sum": [3.6]}
        | {"max_score": [0.95], "ring_n": [12.0], "seeded": [1.0]}
    )
    # ring sums placed on one halo pixel of a site that the neighbouring window did not keep
    orphan = pd.DataFrame(
        {"geometry": [shapely.box(500, 500, 500 + pixel, 500 + pixel)], "n_px": [0.0], "score_sum": [0.0]}
        | {"max_score": [0.0], "ring_n": [7.0], "seeded": [1.0]}
    )
    merged = _merge([part, orphan], "EPSG:32642")
    assert merged["n_px"].tolist() == [4.0] and merged["ring_n"].tolist() == [12.0]
    # a part of the same site across the border still adds its ring sums
    beside = orphan.assign(geometry=[shapely.box(2 * pixel, 0, 3 * pixel, pixel)])
    assert _merge([part, beside], "EPSG:32642")["ring_n"].tolist() == [19.0]


# --- review of 2026-12-03 --------------------------------------------------------------------------


def test_a_float_scene_of_digital_numbers_or_percentages_is_refused(scene_path, tmp_path, capsys):
    """A float GeoTIFF holds reflectance as is: one of DN x 10000 (as some exports write) would be
    scored and give no site, silently."""
    with rasterio.open(scene_path) as src:
        profile = src.profile | {"dtype": "float32", "nodata": None}
        dn, descriptions = src.read().astype("float32"), src.descriptions
    for name, scale, typical in (("dn.tif", 1.0, r"1\d\d\d"), ("pct.tif", 100.0, r"1\d\.\d+")):
        with rasterio.open(tmp_path / name, "w", **profile) as dst:
            dst.write(dn / scale)
            dst.descriptions = descriptions
        with pytest.raises(RasterError, match=rf"{name}: .*\b{typical}\b.*0\.\.1"):
            detect_dumps(tmp_path / name)  # refused by open_scene, as every command refuses it
        assert main(["detect-dumps", str(tmp_path / name), "-o", str(tmp_path / "s.gpkg")]) == 1
        assert "gdal_edit.py -scale 0.0001" in capsys.readouterr().err
    with rasterio.open(tmp_path / "ok.tif", "w", **profile) as dst:  # reflectance 0..1 as floats: fine
        dst.write(dn / 10_000)
        dst.descriptions = descriptions
    assert len(detect_dumps(tmp_path / "ok.tif")) > 0


def test_pixels_of_zero_reflectance_are_left_out_not_spread(scene, sites, scene_path, tmp_path):
    """A pixel of reflectance 0 in every band (a float scene's fill beyond the swath, not tagged as
    nodata) has no ratios; its NaN went through every neighbourhood mean up to 310 m around it and
    blanked the score there: sites vanished, silently, and how many depended on the window size."""
    cube = scene.data.copy()
    point = sites.to_crs(scene.crs).geometry.iloc[0].representative_point()
    row, col = rasterio.transform.rowcol(scene.transform, point.x, point.y)
    cube[:, row + 12, col + 12] = 0.0  # one pixel 170 m from the first site
    holed = detect_dumps(dict(zip(BANDS, cube, strict=True)), transform=scene.transform, crs=scene.crs,
                         landfills=scene.landfills)  # fmt: skip
    assert len(holed) == len(sites)
    assert holed["score"].to_numpy() == pytest.approx(sites["score"].to_numpy(), abs=0.02)
    # the same as a float GeoTIFF whose first 40 columns are 0 with no nodata declared: said, not spread
    with rasterio.open(scene_path) as src:
        profile = src.profile | {"dtype": "float32", "nodata": None}
        data, descriptions = src.read().astype("float32") / 10_000, src.descriptions
    data[:, :, :40] = 0.0
    with rasterio.open(tmp_path / "fill.tif", "w", **profile) as dst:
        dst.write(data)
        dst.descriptions = descriptions
    with pytest.warns(KzgeoWarning, match=r"% of the sampled red pixels are exactly 0.*-a_nodata 0"):
        filled = detect_dumps(tmp_path / "fill.tif", landfills=scene.landfills)
    local = sites.to_crs(scene.crs)
    far = local[local.geometry.bounds["minx"] > scene.transform.c + 10 * 80]  # 400 m clear of the fill
    found = filled.to_crs(scene.crs).geometry
    assert len(far) and all(found.intersects(g).any() for g in far.geometry)


def test_a_fill_of_a_few_rows_that_the_sample_misses_is_said(scene_path, tmp_path):
    """Five rows of 0 with no nodata declared fill 0.5 % of the four windows the red band is sampled in,
    under the 1 % that warns before scoring: the rows are counted as the scene is scored instead."""
    with rasterio.open(scene_path) as src:
        profile = src.profile | {"dtype": "float32", "nodata": None}
        data, descriptions = src.read().astype("float32") / 10_000, src.descriptions
    data[:, -5:, :] = 0.0
    with rasterio.open(tmp_path / "rows.tif", "w", **profile) as dst:
        dst.write(data)
        dst.descriptions = descriptions
    with pytest.warns(KzgeoWarning) as caught:
        detect_dumps(tmp_path / "rows.tif")
    said = [str(w.message) for w in caught if "exactly 0" in str(w.message)]
    assert said == [
        f"{tmp_path / 'rows.tif'}: {5 * data.shape[2]:,} pixels are exactly 0 in every band, which no ground "
        "reflects: they are not scored, and the ground within 150 m of them is scored on less context (fill "
        "beyond the swath edge?); declare the fill as nodata (gdal_edit.py -a_nodata 0)"
    ]


def test_the_score_raster_never_replaces_a_file_of_the_scene(scene_path, tmp_path, capsys):
    import shutil

    copy = tmp_path / "copy.tif"
    shutil.copy(scene_path, copy)
    with pytest.raises(
        kzgeo.OutputError, match=r"copy\.tif: is the input .*copy\.tif; write the result to another"
    ):
        detect_dumps(copy, score_raster=copy, overwrite=True)
    assert copy.read_bytes() == scene_path.read_bytes()
    folder = tmp_path / "granule"
    folder.mkdir()
    band = folder / "T42UXB_20230715T062629_B04_10m.tif"
    shutil.copy(scene_path, band)  # a band file inside a scene folder
    before = band.read_bytes()
    argv = ["detect-dumps", str(folder), "-o", str(tmp_path / "s.gpkg"), "--score-raster", str(band)]
    assert main([*argv, "--overwrite"]) == 1
    assert "is also the input SCENE" in capsys.readouterr().err
    assert band.read_bytes() == before
    # a result written into the folder by an earlier run is no file of the scene: it may be replaced
    (folder / "ndvi.tif").write_bytes(b"an earlier result")
    assert kzgeo.io._shared_file(folder / "ndvi.tif", folder) is None
    assert kzgeo.io._shared_file(band, folder) == band


def test_the_previous_scene_is_read_in_windows_of_the_size_asked_for(scene_path, monkeypatch):
    import kzgeo.dumps.detect as detect

    sizes = []
    windows = detect._windows
    monkeypatch.setattr(
        detect, "_windows", lambda h, w, size, halo: sizes.append(size) or windows(h, w, size, halo)
    )
    with pytest.warns(KzgeoWarning, match=r"scene\.tif: is the scene .*scene\.tif itself"):
        detect_dumps(scene_path, previous=scene_path, window_size=128)
    assert sizes == [128, 128]  # this season's scene, then the previous one


def test_cli_the_scene_itself_as_previous_or_a_scene_smaller_than_310_m_is_said(scene_path, tmp_path, capsys):
    """The same file by another name as --previous made every site 'persisting', and a 20 x 20 pixel
    crop reported 0 sites: both without a word."""
    (tmp_path / "link.tif").symlink_to(scene_path)
    out = str(tmp_path / "s.gpkg")
    assert main(["detect-dumps", str(scene_path), "-o", out, "--previous", str(tmp_path / "link.tif")]) == 0
    err = capsys.readouterr().err
    assert f"warning: previous season {tmp_path / 'link.tif'}: is the scene {scene_path} itself" in err
    with rasterio.open(scene_path) as src:
        window = rasterio.windows.Window(100, 100, 20, 20)
        profile = src.profile | {
            "width": 20,
            "height": 20,
            "transform": src.window_transform(window),
            "tiled": False,
        }
        data, descriptions = src.read(window=window), src.descriptions
    with rasterio.open(tmp_path / "tiny.tif", "w", **profile) as dst:
        dst.write(data)
        dst.descriptions = descriptions
    assert main(["detect-dumps", str(tmp_path / "tiny.tif"), "-o", out, "--overwrite"]) == 0
    assert "tiny.tif: the scene is 20 x 20 pixels, smaller than the 31 x 31 pixels (310 m)" in (
        capsys.readouterr().err
    )


def test_cli_plots_or_landfills_as_previous_sites_or_plot_points_as_landfills(scene_path, tmp_path, capsys):
    """Refused as a layer of another kind is (the CLI named no file and ended in a TypeError once the
    refusal was an AnotherKindError): plots would make every site on them persisting, plot points
    every site near them legal."""
    with rasterio.open(scene_path) as src:
        x0, y0, crs = src.bounds.left, src.bounds.top, src.crs
    plots = gpd.GeoDataFrame(
        {"plot_id": ["A"]}, geometry=[shapely.box(x0 + 1000, y0 - 1100, x0 + 1100, y0 - 1000)], crs=crs
    )
    plots.to_file(tmp_path / "plots.gpkg")
    plots.set_geometry(plots.centroid).to_file(tmp_path / "plot_points.gpkg")
    out = str(tmp_path / "s.gpkg")
    args = ["detect-dumps", str(scene_path), "-o", out]
    assert main([*args, "--previous", str(tmp_path / "plots.gpkg")]) == 1
    assert capsys.readouterr().err == (
        f"kzgeo: error: {tmp_path / 'plots.gpkg'}: the layer looks like plots, not sites (its columns: "
        "plot_id); give the sites kzgeo detect-dumps found in the earlier season\n"
    )
    assert main([*args, "--landfills", str(tmp_path / "plot_points.gpkg")]) == 1
    assert capsys.readouterr().err.startswith(
        f"kzgeo: error: {tmp_path / 'plot_points.gpkg'}: the layer looks like plots, not landfills"
    )
    assert main([*args, "--previous", str(kzgeo.datasets.path("landfills"))]) == 1
    assert capsys.readouterr().err.endswith(
        "looks like landfills, not sites (its columns: landfill_id, name, permitted_ha, source, region); "
        "give the sites kzgeo detect-dumps found in the earlier season, or give it as landfills "
        "(--landfills)\n"
    )
    assert not (tmp_path / "s.gpkg").exists()


def test_layers_of_the_wrong_kind_for_landfills_or_previous_sites(scene, sites, scene_path, tmp_path, capsys):
    """Site centres as the previous season would make every site 'grown'; tree-planting plots as the
    landfills, every site on a plot legal: both refused, naming the file at the command line."""
    centres = gpd.GeoDataFrame(sites[["site_id"]], geometry=sites.geometry.centroid, crs=sites.crs)
    with pytest.raises(DataError, match="previous sites: the layer holds Point geometries"):
        detect_dumps(scene, previous=centres)
    plots = gpd.GeoDataFrame(
        {"plot_id": [1], "seedlings": [100], "year": [2024]}, geometry=[sites.geometry.iloc[0]], crs=sites.crs
    )
    with pytest.raises(
        DataError, match=r"landfills: the layer looks like plots, not landfills \(its columns: plot_id"
    ):
        detect_dumps(scene, landfills=plots)
    centres.to_file(tmp_path / "centres.gpkg")
    out = str(tmp_path / "s.gpkg")
    assert (
        main(["detect-dumps", str(scene_path), "-o", out, "--previous", str(tmp_path / "centres.gpkg")]) == 1
    )
    assert capsys.readouterr().err.startswith(
        f"kzgeo: error: {tmp_path / 'centres.gpkg'}: the layer holds Point"
    )


def test_a_multi_layer_file_of_landfills_or_previous_sites(scene, sites, scene_path, tmp_path, capsys):
    fills = scene.landfills.to_crs(4326)
    fills.to_file(tmp_path / "two.gpkg", layer="fills")
    fills.to_file(tmp_path / "two.gpkg", layer="other")
    out = str(tmp_path / "s.gpkg")
    base = ["detect-dumps", str(scene_path), "-o", out, "--landfills", str(tmp_path / "two.gpkg")]
    assert main(base) == 1
    assert capsys.readouterr().err.rstrip().endswith("choose one with --landfills-layer")
    assert main([*base, "--landfills-layer", "fills"]) == 0
    assert "legal_landfill" in gpd.read_file(out)["status"].tolist()
    sites.to_file(tmp_path / "before.gpkg", layer="sites")
    sites.to_file(tmp_path / "before.gpkg", layer="copy")
    again = [
        "detect-dumps",
        str(scene_path),
        "-o",
        out,
        "--overwrite",
        "--previous",
        str(tmp_path / "before.gpkg"),
    ]
    assert main(again) == 1
    assert capsys.readouterr().err.rstrip().endswith("choose one with --previous-layer")
    assert main([*again, "--previous-layer", "sites"]) == 0
    assert set(gpd.read_file(out)["change"]) == {"persisting"}


def test_the_python_api_takes_files_and_refuses_odd_window_sizes(scene, sites, scene_path, tmp_path):
    scene.landfills.to_file(tmp_path / "fills.gpkg")
    from_file = detect_dumps(scene_path, landfills=tmp_path / "fills.gpkg")
    assert "legal_landfill" in set(from_file["status"])
    with pytest.raises(DataError, match=r"window_size=200\.5: a window is a whole number of pixels"):
        detect_dumps(scene_path, window_size=200.5)
    # landfills as a GeoSeries work; a list or a GDAL geotransform is named, not an AttributeError
    as_series = detect_dumps(scene_path, landfills=scene.landfills.geometry)
    assert as_series["status"].tolist() == from_file["status"].tolist()
    with pytest.raises(DataError, match=r"landfills=list: give a GeoDataFrame or GeoSeries"):
        detect_dumps(scene_path, landfills=list(scene.landfills.geometry))
    bands = dict(zip(BANDS, scene.data, strict=True))
    with pytest.raises(RasterError, match=r"is not an affine\.Affine; .*Affine\.from_gdal"):
        detect_dumps(bands, transform=scene.transform.to_gdal(), crs=scene.crs)
    # an earlier run that found nothing makes every site new: said
    with pytest.warns(
        KzgeoWarning, match="previous sites: the layer holds no site, so every site is 'new'"
    ) as w:
        detect_dumps(scene_path, previous=sites.iloc[:0])
    # ... in Python's words, from the caller's line (not from inside kzgeo, nor from sys:1)
    assert "give that scene itself as previous= (CLI: --previous SCENE)" in str(w[0].message)
    assert [x.filename for x in w if issubclass(x.category, KzgeoWarning)] == [__file__]


def test_no_score_raster_is_left_when_the_sites_cannot_be_written(scene_path, tmp_path, monkeypatch, capsys):
    import kzgeo.io

    def fail(*args, **kwargs):
        raise kzgeo.OutputError("sites.gpkg: cannot be written (disk full)")

    monkeypatch.setattr(kzgeo.io, "write_layer", fail)
    score = tmp_path / "score.tif"
    argv = ["detect-dumps", str(scene_path), "-o", str(tmp_path / "sites.gpkg"), "--score-raster", str(score)]
    assert main(argv) == 1
    assert "disk full" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # neither file, nor a temporary one


def test_a_zipped_product_is_told_to_be_unzipped(scene_path, sites, tmp_path, capsys):
    """Products come as zip files: one holding band files is not a shapefile zip, as scene or previous."""
    import zipfile

    product = tmp_path / "S2B_MSIL2A_20240715.zip"
    with zipfile.ZipFile(product, "w") as archive:
        archive.write(scene_path, "S2B_MSIL2A_20240715.SAFE/GRANULE/L2A/IMG_DATA/bands.tif")
    out = str(tmp_path / "s.gpkg")
    for argv in (
        ["detect-dumps", str(product), "-o", out],
        ["detect-dumps", str(scene_path), "-o", out, "--previous", str(product)],
    ):
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert (
            f"{product}: is a zip archive (a Sentinel-2 or Landsat product as downloaded?); unzip it" in err
        )
    sites.to_file(tmp_path / "sites.shp")
    with zipfile.ZipFile(tmp_path / "sites.zip", "w") as archive:  # a zipped shapefile stays a layer
        for part in tmp_path.glob("sites.*"):
            if part.suffix != ".zip":
                archive.write(part, part.name)
    assert kzgeo.io.is_layer_file(tmp_path / "sites.zip") and not kzgeo.io.is_layer_file(product)
    assert main(["detect-dumps", str(scene_path), "-o", out, "--previous", str(tmp_path / "sites.zip")]) == 0


def test_quiet_hides_the_bar_of_the_previous_scene_too(scene_path, tmp_path, monkeypatch):
    import kzgeo.dumps.detect as detect

    shown = []
    real = detect.tqdm
    monkeypatch.setattr(
        detect, "tqdm", lambda *a, disable=None, **k: shown.append(disable) or real(*a, disable=True, **k)
    )
    argv = [
        "-q",
        "detect-dumps",
        str(scene_path),
        "-o",
        str(tmp_path / "s.gpkg"),
        "--previous",
        str(scene_path),
    ]
    assert main([*argv, "--window-size", "128"]) == 0  # windows enough for a bar
    assert shown == [True, True]  # this season's pass and the previous one's: no bar under -q


def test_a_geoparquet_of_previous_sites_with_a_layer_names_the_option(sites, scene_path, tmp_path, capsys):
    sites.to_parquet(tmp_path / "before.parquet")
    argv = [
        "detect-dumps",
        str(scene_path),
        "-o",
        str(tmp_path / "s.gpkg"),
        "--previous",
        str(tmp_path / "before.parquet"),
    ]
    assert main([*argv, "--previous-layer", "foo"]) == 1
    assert capsys.readouterr().err.rstrip().endswith("not 'foo'; drop --previous-layer")


def test_landfills_none_of_which_lies_in_the_scene_are_said(scene, scene_path):
    """Landfills in a wrongly assumed CRS, or of another region, leave every site illegal: said."""
    elsewhere = scene.landfills.to_crs(scene.crs).translate(xoff=100_000)
    with pytest.warns(
        kzgeo.KzgeoWarning,
        match=r"landfills: none of the 1 landfills lies in the scene .*no site can be legal",
    ):
        sites = detect_dumps(scene_path, landfills=gpd.GeoDataFrame(geometry=elsewhere))
    assert set(sites["status"]) == {"illegal"}
    with warnings.catch_warnings():
        warnings.simplefilter("error", kzgeo.KzgeoWarning)
        detect_dumps(scene_path, landfills=scene.landfills)


def test_cli_band_names_for_a_stack_without_descriptions(scene_path, tmp_path, capsys):
    """A stack exported without band descriptions is named with --band-names, for the scene and for a
    previous scene alike: the same sites as the described file, every one persisting."""
    with rasterio.open(scene_path) as src:
        profile, data, names = src.profile, src.read(), list(src.descriptions)
    plain = tmp_path / "plain.tif"
    with rasterio.open(plain, "w", **profile) as dst:
        dst.write(data)  # no descriptions: band1..band10
    assert main(["detect-dumps", str(plain), "-o", str(tmp_path / "x.gpkg")]) == 1
    assert "plain.tif" in capsys.readouterr().err
    named = ["--band-names", ",".join(names)]
    assert main(["detect-dumps", str(scene_path), "-o", str(tmp_path / "a.gpkg")]) == 0
    assert main(["detect-dumps", str(plain), "-o", str(tmp_path / "b.gpkg"), *named]) == 0
    a, b = gpd.read_file(tmp_path / "a.gpkg"), gpd.read_file(tmp_path / "b.gpkg")
    assert len(a) > 0 and a.drop(columns="geometry").equals(b.drop(columns="geometry"))
    later = ["detect-dumps", str(plain), "-o", str(tmp_path / "c.gpkg"), "--previous", str(plain), *named]
    assert main(later) == 0
    assert set(gpd.read_file(tmp_path / "c.gpkg")["change"]) == {"persisting"}


def test_cli_band_names_leave_a_previous_folder_to_its_files(scene_path, tmp_path, monkeypatch):
    """--band-names name the scene's bands; a previous scene that is a granule folder keeps its files'
    names (it was refused: 'a folder's bands are named by their files')."""
    import kzgeo.dumps
    from test_raster_fixtures import S2_CROP

    given = []

    def detect(scene, previous=None, **kwargs):
        given.append(previous)
        return gpd.GeoDataFrame({"site_id": [], "tier": [], "status": []}, geometry=[], crs=scene.crs)

    monkeypatch.setattr(kzgeo.dumps, "detect_dumps", detect)
    names = "B02,B03,B04,B05,B06,B07,B08,B8A,B11,B12"
    args = ["detect-dumps", str(scene_path), "-o", str(tmp_path / "s.gpkg"), "--band-names", names]
    assert main([*args, "--previous", str(S2_CROP)]) == 0
    assert given == [S2_CROP]

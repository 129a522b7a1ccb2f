"""Spectral indices: hand-worked values for every formula, windows, and the COG writer."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from hypothesis import given, settings
from hypothesis import strategies as st
from rasterio.windows import Window

import kzgeo
from kzgeo.errors import KzgeoWarning, OutputExistsError, RasterError
from kzgeo.raster import INDICES, compute_index, write_index
from test_raster_fixtures import S2_CROP, s2_stack, write_tif

# reflectance: blue .1, green .2, red .3, nir .6, swir16 .4, swir22 .2
REFL = {"blue": 0.1, "green": 0.2, "red": 0.3, "nir": 0.6, "swir16": 0.4, "swir22": 0.2}
EXPECTED = {
    "ndvi": 0.3 / 0.9,
    "ndwi": -0.4 / 0.8,
    "mndwi": -0.2 / 0.6,
    "ndbi": -0.2 / 1.0,
    "bsi": 0.0,
    "savi": 1.5 * 0.3 / 1.4,
    "nbr": 0.4 / 0.8,
    "pi": 0.6 / 0.9,
    "ndsw": -0.2 / 0.6,
}
S2_DN = {
    "B02": 1000,
    "B03": 2000,
    "B04": 3000,
    "B05": 1,
    "B06": 1,
    "B07": 1,
    "B08": 6000,
    "B8A": 1,
    "B11": 4000,
    "B12": 2000,
}


def test_every_index_has_a_known_answer():
    assert set(EXPECTED) == set(INDICES)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sentinel2_known_values(tmp_path, name):
    with kzgeo.open_scene(s2_stack(tmp_path / "s2.tif", values=S2_DN)) as scene:
        out = kzgeo.spectral_index(scene, name.upper())
    assert out.dtype == np.float32 and out.shape == (3, 3)
    np.testing.assert_allclose(out, EXPECTED[name], atol=1e-6)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_landsat_uses_its_own_band_numbers(tmp_path, name):
    # Landsat 8 OLI: B2 blue, B3 green, B4 red, B5 nir, B6 swir16, B7 swir22; C2 DN = (refl + 0.2) / 2.75e-5
    order = ["coastal", "blue", "green", "red", "nir", "swir16", "swir22"]
    refl = {**REFL, "coastal": 0.1}
    dn = np.stack([np.full((2, 2), round((refl[c] + 0.2) / 2.75e-5), np.uint16) for c in order])
    path = write_tif(tmp_path / "l8.tif", dn, descriptions=[f"B{i}" for i in range(1, 8)])
    with kzgeo.open_scene(path) as scene:
        np.testing.assert_allclose(kzgeo.spectral_index(scene, name), EXPECTED[name], atol=1e-4)


def test_zero_denominator_and_nan_inputs_give_nan():
    out = compute_index("ndvi", {"nir": np.array([0.0, np.nan, 0.5]), "red": np.array([0.0, 0.1, 0.5])})
    assert np.isnan(out[0]) and np.isnan(out[1]) and out[2] == 0.0


def test_unknown_index_and_missing_band(tmp_path):
    with pytest.raises(RasterError, match="unknown spectral index 'evi'"):
        compute_index("evi", REFL)
    with pytest.raises(RasterError, match="needs the swir16"):
        compute_index("bsi", {"red": 1, "nir": 1, "blue": 1})
    path = write_tif(tmp_path / "rg.tif", np.ones((2, 2, 2), np.uint16), descriptions=["B03", "B04"])
    with kzgeo.open_scene(path) as scene, pytest.raises(RasterError, match="no 'nir' band"):
        kzgeo.spectral_index(scene, "ndvi")


def test_window_equals_slice_on_real_crop():
    with kzgeo.open_scene(S2_CROP) as scene:
        full = kzgeo.spectral_index(scene, "ndvi")
        part = kzgeo.spectral_index(scene, "ndvi", window=Window(10, 20, 30, 40))
        nir, red = scene.read_band("B08"), scene.read_band("B04")
    np.testing.assert_array_equal(part, full[20:60, 10:40])
    np.testing.assert_allclose(full, (nir - red) / (nir + red), rtol=1e-6)
    assert np.nanmin(full) >= -1 and np.nanmax(full) <= 1


def test_write_index_is_a_cog_with_the_same_values(tmp_path):
    rng = np.random.default_rng(3)
    names = list(S2_DN)
    dn = rng.integers(1, 10000, (10, 150, 200), dtype=np.uint16)
    dn[:, :5, :5] = 0  # nodata corner
    src = write_tif(tmp_path / "s2.tif", dn, descriptions=names)
    out = tmp_path / "ndvi.tif"
    with kzgeo.open_scene(src) as scene:
        assert write_index(scene, "ndvi", out, block=64) == out
        expected = kzgeo.spectral_index(scene, "ndvi")
        with pytest.raises(OutputExistsError, match="already exists"):
            write_index(scene, "ndvi", out)
        write_index(scene, "bsi", out, overwrite=True, block=64)
        write_index(scene, "ndvi", out, overwrite=True, block=1024)
    with rasterio.open(out) as ds:
        assert ds.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
        assert ds.profile["compress"] == "deflate" and ds.profile["tiled"]
        assert ds.descriptions == ("NDVI",) and ds.dtypes == ("float32",)
        assert ds.crs.to_epsg() == 32642 and ds.transform == scene.transform
        np.testing.assert_array_equal(ds.read(1), expected)
    assert np.isnan(expected[:5, :5]).all()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ndvi.tif", "s2.tif"]


def test_write_index_with_overviews(tmp_path):
    names = list(S2_DN)
    dn = np.broadcast_to(np.array(list(S2_DN.values()), np.uint16)[:, None, None], (10, 600, 700)).copy()
    with kzgeo.open_scene(write_tif(tmp_path / "s2.tif", dn, descriptions=names)) as scene:
        write_index(scene, "ndvi", tmp_path / "ndvi.tif", block=256)
    with rasterio.open(tmp_path / "ndvi.tif") as ds:
        assert ds.overviews(1)
        np.testing.assert_allclose(ds.read(1, out_shape=(1, 150, 175)), 1 / 3, rtol=1e-6)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(1e-4, 1.0), min_size=6, max_size=6))
def test_normalised_indices_are_bounded(values):
    bands = dict(
        zip(["blue", "green", "red", "nir", "swir16", "swir22"], np.array(values)[:, None], strict=True)
    )
    for name in ("ndvi", "ndwi", "mndwi", "ndbi", "bsi", "nbr", "ndsw"):
        out = compute_index(name, bands)
        assert -1.0 <= out[0] <= 1.0, name
    assert 0.0 <= compute_index("pi", bands)[0] <= 1.0
    # swapping NIR and red flips the sign of NDVI
    swapped = {**bands, "nir": bands["red"], "red": bands["nir"]}
    np.testing.assert_allclose(compute_index("ndvi", swapped), -compute_index("ndvi", bands), atol=1e-6)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-0.05, 1.0), min_size=6, max_size=6))
def test_indices_stay_bounded_when_reflectance_dips_below_zero(values):
    # baseline 04.00 products give dark pixels DN below 1000, reflectance a little under 0
    bands = dict(
        zip(["blue", "green", "red", "nir", "swir16", "swir22"], np.array(values)[:, None], strict=True)
    )
    for name in ("ndvi", "ndwi", "mndwi", "ndbi", "bsi", "nbr", "ndsw", "pi"):
        out = float(compute_index(name, bands)[0])
        low = 0.0 if name == "pi" else -1.0
        assert np.isnan(out) or low <= out <= 1.0, name


def test_negative_reflectance_counts_as_zero(tmp_path):
    # B04 DN 900 and B08 DN 3000 at baseline 04.00: red -0.01, NIR 0.2; NDVI was 1.105, PI 1.053
    ndvi = compute_index("ndvi", {"nir": np.array([0.2]), "red": np.array([-0.01])})
    pi = compute_index("pi", {"nir": np.array([0.2]), "red": np.array([-0.01])})
    assert ndvi[0] == 1.0 and pi[0] == 1.0
    assert np.isnan(compute_index("ndvi", {"nir": np.array([-0.01]), "red": np.array([-0.02])})[0])


def test_write_index_of_a_scene_without_data_warns(tmp_path):
    src = write_tif(tmp_path / "empty.tif", np.zeros((10, 20, 20), np.uint16), descriptions=list(S2_DN))
    with kzgeo.open_scene(src) as scene, pytest.warns(KzgeoWarning, match="no pixel holds data"):
        write_index(scene, "ndvi", tmp_path / "ndvi.tif")


def test_indices_take_a_path_and_a_closed_scene_is_named(tmp_path):
    from test_raster_fixtures import S2_CROP

    with kzgeo.open_scene(S2_CROP) as scene:
        opened = kzgeo.spectral_index(scene, "ndvi")
    np.testing.assert_array_equal(
        kzgeo.spectral_index(S2_CROP, "ndvi"), opened
    )  # a path, as zonal_stats takes
    assert kzgeo.write_index(str(S2_CROP), "ndvi", tmp_path / "ndvi.tif").exists()
    with pytest.raises(kzgeo.RasterError, match=r"the scene was closed .*open it again"):
        kzgeo.spectral_index(scene, "ndvi")  # not 'the file is truncated or damaged'


def test_savi_of_digital_numbers_is_refused_and_ratios_are_not(tmp_path):
    """SAVI's L = 0.5 is a reflectance: on DN x 10000 of a raster of unknown sensor (common names),
    which kzgeo cannot scale, it was 0.6492 where the same pixels named B02..B12 give 0.3381."""
    names = ["blue", "green", "red", "nir", "swir16", "swir22"]
    dn = np.stack([np.full((4, 4), v, np.uint16) for v in (1000, 2000, 3000, 6000, 4000, 2000)])
    path = write_tif(tmp_path / "common.tif", dn, descriptions=names)
    with kzgeo.open_scene(path) as scene:
        assert scene.sensor == "unknown"
        with pytest.raises(
            RasterError,
            match=r"common.tif: band nir \(nir\) reads 6000 in most sampled pixels, not reflectance 0..1, "
            r"and SAVI depends on the scale; .*name the bands as Sentinel-2 .*gdal_edit.py -scale 0.0001",
        ):
            kzgeo.spectral_index(scene, "savi")
        # a ratio is the same on DN: (6000 - 3000) / 9000
        np.testing.assert_allclose(kzgeo.spectral_index(scene, "ndvi"), 3000 / 9000, rtol=1e-6)
    with pytest.raises(RasterError, match="SAVI depends on the scale"):
        write_index(path, "savi", tmp_path / "savi.tif")
    assert not (tmp_path / "savi.tif").exists()
    # the fix the message gives: a GDAL scale makes the values reflectance, SAVI 1.5 * 0.3 / 1.4
    with rasterio.open(path, "r+") as ds:
        ds.scales = (0.0001,) * 6
    np.testing.assert_allclose(kzgeo.spectral_index(path, "savi"), EXPECTED["savi"], rtol=1e-6)
    with pytest.raises(RasterError, match=r"savi: the nir values are typically 6000, not reflectance"):
        compute_index("savi", {"nir": np.full(4, 6000.0), "red": np.full(4, 3000.0)})

"""open_scene: band names, reflectance scaling, masks, resampling onto one grid, windows, errors."""

from __future__ import annotations

import shutil
import warnings

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine
from rasterio.windows import Window

import kzgeo
from kzgeo.errors import KzgeoError, KzgeoWarning, LayerReadError, RasterError
from kzgeo.raster.scene import LANDSAT_BANDS
from test_raster_fixtures import L8_CROP, S2_CROP, s2_stack, write_tif


def test_multiband_s2_names_and_scaling(tmp_path):
    path = s2_stack(tmp_path / "s2.tif")
    with kzgeo.open_scene(path) as scene:
        assert scene.sensor == "sentinel-2"
        assert scene.bands == ("B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B11", "B12")
        assert (scene.width, scene.height, scene.res) == (3, 3, (10.0, 10.0))
        assert scene.crs.to_epsg() == 32642
        data = scene.read()
        assert data.dtype == np.float32 and data.shape == (10, 3, 3)
        # DN 1000*(i+1) / 10000 -> 0.1, 0.2, ...
        np.testing.assert_allclose(data[:, 1, 1], np.arange(1, 11) / 10, rtol=1e-6)
        np.testing.assert_allclose(scene.read_band("B04"), np.full((3, 3), 0.3), rtol=1e-6)
        assert scene.scl() is None
        assert scene.band_name("nir") == "B08"


@pytest.mark.parametrize(
    "tags",
    [
        {"PROCESSING_BASELINE": "04.00"},
        {"PROCESSING_BASELINE": "05.09"},
        {"BOA_ADD_OFFSET": "-1000"},
        {"RADIO_ADD_OFFSET": "-1000"},
    ],
)
def test_baseline_04_offset(tmp_path, tags):
    with kzgeo.open_scene(s2_stack(tmp_path / "s2.tif", tags=tags)) as scene:
        # (2000 - 1000) / 10000
        np.testing.assert_allclose(scene.read_band("B03"), 0.1, rtol=1e-6)


def test_untagged_scene_that_looks_like_baseline_04_warns(tmp_path):
    with pytest.warns(KzgeoWarning, match="no processing baseline in its tags.*may be 0.1 too high"):
        scene = kzgeo.open_scene(s2_stack(tmp_path / "s2.tif", tags={}, h=8, w=8))
    with scene:  # the offset is still taken as 0: the warning says what to do, it does not guess
        np.testing.assert_allclose(scene.read_band("B03"), 0.2, rtol=1e-6)
    dark = dict.fromkeys(["B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B11", "B12"], 1500) | {
        "B02": 400
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kzgeo.open_scene(s2_stack(tmp_path / "dark.tif", tags={}, values=dark)).close()
        kzgeo.open_scene(s2_stack(tmp_path / "tagged.tif", tags={"PROCESSING_BASELINE": "05.10"})).close()


def test_baseline_before_04_has_no_offset(tmp_path):
    with kzgeo.open_scene(s2_stack(tmp_path / "s2.tif", tags={"PROCESSING_BASELINE": "02.14"})) as scene:
        np.testing.assert_allclose(scene.read_band("B03"), 0.2, rtol=1e-6)


def test_baseline_from_product_name_in_folder(tmp_path):
    folder = tmp_path / "S2B_MSIL2A_20230601T061629_N0509_R034_T42UXE_20230601T091013.SAFE" / "IMG_DATA"
    folder.mkdir(parents=True)
    for name, dn in (("B04", 2000), ("B08", 5000)):
        write_tif(folder / f"T42UXE_20230601T061629_{name}_10m.tif", np.full((2, 2), dn, np.uint16))
    with kzgeo.open_scene(folder) as scene:
        np.testing.assert_allclose(scene.read_band("B04"), 0.1, rtol=1e-6)
        np.testing.assert_allclose(scene.read_band("B08"), 0.4, rtol=1e-6)


def test_band_files_copied_out_of_a_baseline_04_product_warn_of_the_offset(tmp_path):
    """Band files without their MTD_MSI*.xml and without _N0400_ in any name: as for a GeoTIFF without
    tags, no DN below 1000 in B02, B08 and B12 is the mark of the +1000 offset, and a warning says so."""
    for label, low in (("offset", 1200), ("plain", 200)):
        folder = tmp_path / label
        folder.mkdir()
        for name, dn in (("B02", low), ("B04", 2000), ("B08", 5000), ("B12", 1500)):
            write_tif(folder / f"T42UXE_20230601T061629_{name}_10m.tif", np.full((4, 4), dn, np.uint16))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            kzgeo.open_scene(folder).close()
        said = [str(w.message) for w in caught if "processing baseline" in str(w.message)]
        if label == "offset":
            assert len(said) == 1 and said[0].startswith(f"{folder}: no processing baseline")
            fix = "copy the granule's MTD_MSIL2A.xml (or MTD_MSIL1C.xml) into the folder, or keep the product"
            assert said[0].endswith(f"{fix} name with _N0400_")
        else:
            assert said == []


def test_nodata_and_scl_mask(tmp_path):
    scl = np.array([[4, 3, 8], [9, 10, 11], [5, 6, 7]])
    values = dict.fromkeys(["B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B11", "B12"], 3000)
    values["B04"] = np.array([[0, 3000, 3000], [3000, 3000, 3000], [3000, 3000, 0]])
    with kzgeo.open_scene(s2_stack(tmp_path / "s2.tif", scl=scl, values=values)) as scene:
        assert "SCL" not in scene.bands and scene.has_mask
        np.testing.assert_array_equal(scene.scl(), scl.astype(np.uint8))
        red = scene.read_band("B04")
        expected_nan = np.array(
            [[1, 1, 1], [1, 1, 1], [0, 0, 1]], bool
        )  # nodata, shadow, cloud, cirrus, snow
        np.testing.assert_array_equal(np.isnan(red), expected_nan)
        np.testing.assert_allclose(red[2, :2], 0.3, rtol=1e-6)
        green = scene.read(["B03"])[0]
        np.testing.assert_array_equal(np.isnan(green), np.isin(scl, (3, 8, 9, 10, 11)))


def test_window_reads_the_same_pixels(tmp_path):
    rng = np.random.default_rng(1)
    arr = rng.integers(1, 10000, (10, 7, 9), dtype=np.uint16)
    names = ["B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B11", "B12"]
    path = write_tif(tmp_path / "s.tif", arr, descriptions=names)
    with kzgeo.open_scene(path) as scene:
        full = scene.read()
        w = Window(2, 3, 4, 2)
        np.testing.assert_array_equal(scene.read(window=w), full[:, 3:5, 2:6])
        np.testing.assert_array_equal(scene.read_band("B8A", window=w), full[7, 3:5, 2:6])
        with pytest.raises(RasterError, match="outside"):
            scene.read(window=Window(5, 0, 10, 2))
        with pytest.raises(RasterError, match="no band 'B99'"):
            scene.read_band("B99")


@pytest.mark.parametrize("chunk_mb", [256, 0])
def test_bands_read_together_equal_bands_read_one_by_one(tmp_path, monkeypatch, chunk_mb):
    # read() takes a file's bands in one call (chunk_mb 0: one band a call); any order, a band twice,
    # and the SCL band in the same file give what read_band gives band by band
    from kzgeo.raster import scene as scene_module

    monkeypatch.setattr(scene_module, "RAW_CHUNK_MB", chunk_mb)
    rng = np.random.default_rng(2)
    names = ["B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B11", "B12"]
    values = {b: rng.integers(0, 10000, (6, 8)).astype(np.uint16) for b in names}
    scl = rng.choice([4, 5, 8, 9], (6, 8))
    with kzgeo.open_scene(s2_stack(tmp_path / "s2.tif", h=6, w=8, scl=scl, values=values)) as scene:
        order = ["B12", "B02", "B8A", "B02", "B04"]
        w = Window(1, 2, 5, 3)
        together = scene.read(order, window=w)
        for got, name in zip(together, order, strict=True):
            np.testing.assert_array_equal(got, scene.read_band(name, window=w))
        assert np.isnan(together[:, np.isin(scl[2:5, 1:6], (8, 9))]).all()
        assert np.isnan(together[2][values["B8A"][2:5, 1:6] == 0]).all()


@pytest.mark.parametrize("size,overlap", [(1, 0), (3, 0), (4, 1), (5, 2), (100, 3)])
def test_windows_cover_the_scene(tmp_path, size, overlap):
    path = write_tif(tmp_path / "s.tif", np.ones((7, 9), np.uint16), descriptions=["B04"])
    with kzgeo.open_scene(path) as scene:
        hits = np.zeros((7, 9), int)
        for w in scene.windows(size=size, overlap=overlap):
            assert w.col_off >= 0 and w.row_off >= 0
            assert w.col_off + w.width <= 9 and w.row_off + w.height <= 7
            assert w.width <= size + 2 * overlap and w.height <= size + 2 * overlap
            hits[w.row_off : w.row_off + w.height, w.col_off : w.col_off + w.width] += 1
        assert hits.min() >= 1
        if overlap == 0:
            assert hits.max() == 1
        with pytest.raises(RasterError, match="size >= 1"):
            list(scene.windows(size=0))


def test_unknown_raster_keeps_values_and_nodata(tmp_path):
    arr = np.array([[1.5, -9999.0], [2.5, 3.5]], np.float32)
    with kzgeo.open_scene(write_tif(tmp_path / "f.tif", arr, nodata=-9999.0)) as scene:
        assert scene.sensor == "unknown" and scene.bands == ("band1",)
        out = scene.read_band("band1")
        assert np.isnan(out[0, 1]) and out[1, 1] == 3.5
        with pytest.raises(RasterError, match="no 'red' band"):
            scene.band_name("red")


def test_landsat_multiband_c2_scaling(tmp_path):
    arr = np.full((7, 2, 2), 10000, np.uint16)
    arr[:, 0, 0] = 0
    path = write_tif(tmp_path / "l.tif", arr, descriptions=[f"B{i}" for i in range(1, 8)])
    with kzgeo.open_scene(path) as scene:
        assert scene.sensor == "landsat" and scene.band_name("nir") == "B5"
        out = scene.read_band("B5")
        np.testing.assert_allclose(out[1, 1], 10000 * 2.75e-5 - 0.2, rtol=1e-6)
        assert np.isnan(out[0, 0])


def test_real_sentinel2_folder_resamples_onto_10m_grid():
    with kzgeo.open_scene(S2_CROP) as scene:
        assert scene.sensor == "sentinel-2"
        assert scene.bands == ("B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B11", "B12")
        assert (scene.width, scene.height, scene.res) == (120, 120, (10.0, 10.0))
        data = scene.read()
        assert not np.isnan(data).any()
        assert np.nanmin(data) > 0.0 and np.nanmax(data) < 1.0
        # a 20 m band resampled bilinearly keeps the mean of the native band (within 1 %)
        with rasterio.open(next(S2_CROP.glob("*_B11.tif"))) as src:
            native = src.read(1).astype(float) / 10000
        assert native.shape == (60, 60)
        assert scene.read_band("B11").mean() == pytest.approx(native.mean(), rel=0.01)
        # a 10 m band is read unchanged
        with rasterio.open(next(S2_CROP.glob("*_B04.tif"))) as src:
            np.testing.assert_allclose(scene.read_band("B04"), src.read(1) / 10000, rtol=1e-6)
        # the 60 m atmospheric bands are readable by name but not part of `bands`
        assert scene.read_band("B01").shape == (120, 120)


def test_real_landsat_folder_toa_and_bqa_mask():
    with kzgeo.open_scene(L8_CROP) as scene:
        assert scene.sensor == "landsat" and scene.has_mask and scene.scl() is None
        assert scene.bands == ("B2", "B3", "B4", "B5", "B6")
        b4 = scene.read_band("B4")
        with rasterio.open(next(L8_CROP.glob("*_B4.TIF"))) as src:
            dn = src.read(1).astype(float)
        with rasterio.open(next(L8_CROP.glob("*_BQA.TIF"))) as src:
            qa = src.read(1)
        # MTL: REFLECTANCE_MULT 2e-5, ADD -0.1, SUN_ELEVATION 62.17310472
        toa = (dn * 2e-5 - 0.1) / np.sin(np.radians(62.17310472))
        cloud = (
            (qa & 1).astype(bool)
            | ((qa >> 4) & 1).astype(bool)
            | ((qa >> 7) & 3 == 3)
            | ((qa >> 9) & 3 == 3)
            | ((qa >> 11) & 3 == 3)
        )
        assert cloud.any() and (~cloud).any()
        np.testing.assert_array_equal(np.isnan(b4), cloud | (dn == 0))
        np.testing.assert_allclose(b4[~np.isnan(b4)], toa[~np.isnan(b4)], rtol=1e-5)


def test_landsat_folder_needs_mtl(tmp_path):
    for f in L8_CROP.glob("*.TIF"):
        shutil.copy(f, tmp_path / f.name)
    with pytest.raises(RasterError, match="MTL"):
        kzgeo.open_scene(tmp_path)


@pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")  # writing the bad input
def test_no_georeferencing_is_a_raster_error(tmp_path):
    path = tmp_path / "plain.tif"
    with rasterio.open(path, "w", driver="GTiff", width=2, height=2, count=1, dtype="uint16") as dst:
        dst.write(np.ones((1, 2, 2), np.uint16))
    with pytest.raises(RasterError, match="no georeferencing") as info:
        kzgeo.open_scene(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_errors_for_missing_and_empty_sources(tmp_path):
    with pytest.raises(LayerReadError, match="no such file"):
        kzgeo.open_scene(tmp_path / "nope.tif")
    with pytest.raises(RasterError, match="no band files"):
        kzgeo.open_scene(tmp_path)
    (tmp_path / "junk.tif").write_text("not a raster")
    with pytest.raises(KzgeoError, match="cannot be read"):
        kzgeo.open_scene(tmp_path / "junk.tif")


def test_two_scenes_in_one_folder_is_an_error(tmp_path):
    for date in ("20230601", "20230611"):
        write_tif(tmp_path / f"T42UXE_{date}T061629_B04_10m.tif", np.ones((2, 2), np.uint16))
    with pytest.raises(RasterError, match="two files for band B04"):
        kzgeo.open_scene(tmp_path)


def test_s2_metadata_xml_gives_the_offset_and_scl_is_resampled_by_nearest(tmp_path):
    granule = tmp_path / "S2A_MSIL2A.SAFE"
    img = granule / "GRANULE" / "L2A_T42UXE" / "IMG_DATA"
    img.mkdir(parents=True)
    (granule / "MTD_MSIL2A.xml").write_text(
        "<root><PROCESSING_BASELINE>05.10</PROCESSING_BASELINE>"
        '<BOA_ADD_OFFSET band_id="3">-1000</BOA_ADD_OFFSET>'
        '<BOA_QUANTIFICATION_VALUE unit="none">10000</BOA_QUANTIFICATION_VALUE></root>'
    )
    write_tif(img / "T42UXE_20230601T061629_B04_10m.tif", np.full((4, 4), 3000, np.uint16))
    write_tif(img / "T42UXE_20230601T061629_B11_20m.tif", np.full((2, 2), 5000, np.uint16), res=20.0)
    write_tif(img / "T42UXE_20230601T061629_SCL_20m.tif", np.array([[4, 9], [5, 3]], np.uint16), res=20.0)
    with kzgeo.open_scene(tmp_path) as scene:
        assert scene.bands == ("B04", "B11") and scene.res == (10.0, 10.0)
        expected_scl = np.repeat(np.repeat(np.array([[4, 9], [5, 3]], np.uint8), 2, 0), 2, 1)
        np.testing.assert_array_equal(scene.scl(), expected_scl)
        red = scene.read_band("B04")
        np.testing.assert_array_equal(np.isnan(red), np.isin(expected_scl, (3, 9)))
        np.testing.assert_allclose(red[0, 0], 0.2, rtol=1e-6)  # (3000 - 1000) / 10000
        np.testing.assert_allclose(scene.read_band("B11")[2, 0], 0.4, rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.uint16, np.float32])
def test_sentinel2_fill_of_a_20m_band_is_nodata_on_the_10m_grid_and_not_blended(tmp_path, dtype):
    """DN 0 and 65535 of a 20 m band are nodata before it is resampled to 10 m: a saturated pixel
    read 3.77 beneath it and 0.6 to 1.4 around it, interpolated with its 65535 (of band files stored
    as float, rare, too)."""
    folder = tmp_path / "S2A_MSIL2A_20210601T061629_N0300_R034_T42UXE_20210601T091013.SAFE"
    folder.mkdir()
    write_tif(folder / "T42UXE_20210601T061629_B04_10m.tif", np.full((8, 8), 3000, dtype))
    b11 = np.full((4, 4), 2000, dtype)
    b11[1, 1], b11[2, 3] = 65535, 0
    write_tif(folder / "T42UXE_20210601T061629_B11_20m.tif", b11, res=20.0)
    with kzgeo.open_scene(folder) as scene:
        swir = scene.read_band("B11")
        both = scene.read(["B04", "B11"])
    under = np.repeat(np.repeat(np.isin(b11, (0, 65535)), 2, 0), 2, 1)  # the 10 m pixels beneath
    np.testing.assert_array_equal(np.isnan(swir), under)
    np.testing.assert_allclose(swir[~under], 0.2, rtol=1e-6)  # no valid pixel blends in a fill
    np.testing.assert_array_equal(both[1], swir)


def test_a_sentinel2_folder_opened_by_a_relative_path_reads_after_a_change_of_directory(
    tmp_path, monkeypatch
):
    folder = tmp_path / "S2A_MSIL2A_20210601T061629_N0300_R034_T42UXE_20210601T091013.SAFE"
    folder.mkdir()
    write_tif(folder / "T42UXE_20210601T061629_B04_10m.tif", np.full((4, 4), 3000, np.uint16))
    write_tif(folder / "T42UXE_20210601T061629_B11_20m.tif", np.full((2, 2), 2000, np.uint16), res=20.0)
    monkeypatch.chdir(tmp_path)
    with kzgeo.open_scene(folder.name) as scene:
        monkeypatch.chdir(folder)
        np.testing.assert_allclose(scene.read_band("B11"), 0.2, rtol=1e-6)


def test_landsat_collection2_level2_folder_with_qa_pixel(tmp_path):
    stem = "LC09_L2SP_153026_20230715_20230717_02_T1"
    (tmp_path / f"{stem}_MTL.txt").write_text(
        'GROUP = L2_METADATA\n  COLLECTION_NUMBER = 02\n  PROCESSING_LEVEL = "L2SP"\n'
        '  SPACECRAFT_ID = "LANDSAT_9"\n  SUN_ELEVATION = 60.0\nEND_GROUP = L2_METADATA\nEND\n'
    )
    for b in range(1, 8):
        write_tif(tmp_path / f"{stem}_SR_B{b}.TIF", np.full((2, 2), 20000, np.uint16), res=30.0)
    # clear (0b1000000 = clear bit 6), cloud (bit 3), shadow (bit 4), fill (bit 0)
    qa = np.array([[1 << 6, 1 << 3], [1 << 4, 1]], np.uint16)
    write_tif(tmp_path / f"{stem}_QA_PIXEL.TIF", qa, res=30.0)
    with kzgeo.open_scene(tmp_path) as scene:
        assert scene.sensor == "landsat" and scene.band_name("nir") == "B5"
        nir = scene.read_band("B5")
        np.testing.assert_allclose(nir[0, 0], 20000 * 2.75e-5 - 0.2, rtol=1e-6)
        assert np.isnan(nir).tolist() == [[False, True], [True, True]]


def test_float_bands_are_reflectance_already(tmp_path):
    arr = np.full((10, 2, 2), 0.25, np.float32)
    arr[:, 0, 0] = np.nan
    names = ["B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B11", "B12"]
    path = write_tif(
        tmp_path / "f.tif",
        arr,
        descriptions=names,
        nodata=float("nan"),
        tags={"PROCESSING_BASELINE": "05.00"},
    )
    with kzgeo.open_scene(path) as scene:
        assert scene.sensor == "sentinel-2"
        out = scene.read_band("B04")
    assert np.isnan(out[0, 0]) and out[1, 1] == np.float32(0.25)


def test_gdal_scale_and_offset_win(tmp_path):
    path = write_tif(
        tmp_path / "s.tif",
        np.full((1, 2, 2), 3000, np.uint16),
        descriptions=["B04"],
        tags={"PROCESSING_BASELINE": "05.00"},
    )
    with rasterio.open(path, "r+") as ds:
        ds.scales, ds.offsets = (0.0001,), (-0.05,)
    with kzgeo.open_scene(path) as scene:
        np.testing.assert_allclose(scene.read_band("B04"), 0.25, rtol=1e-6)


def test_dn_zero_of_a_gdal_scaled_sentinel2_band_is_nodata(tmp_path):
    dn = np.full((2, 2, 2), 1600, np.uint16)
    dn[:, :, 1] = 0  # half the tile outside the swath
    path = write_tif(tmp_path / "s.tif", dn, descriptions=["B04", "B08"])
    with rasterio.open(path, "r+") as ds:
        ds.scales, ds.offsets = (0.0001, 0.0001), (-0.1, -0.1)
    with kzgeo.open_scene(path) as scene:
        red = scene.read_band("B04")
    np.testing.assert_allclose(red[:, 0], 0.06, rtol=1e-6)
    assert np.isnan(red[:, 1]).all()  # it read -0.1, and counted in means and valid_pct


@pytest.mark.parametrize(
    ("transform", "message"),
    [
        (Affine(10, 2, 500_000, 2, -10, 5_600_000), "rotated"),
        (Affine(10, 0, 500_000, 0, 10, 5_600_000), r"bottom-up.*gdalwarp"),  # first row southernmost
    ],
)
def test_rotated_or_bottom_up_grid_is_a_raster_error(tmp_path, transform, message):
    path = tmp_path / "odd.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=2,
        height=2,
        count=1,
        dtype="uint16",
        crs="EPSG:32642",
        transform=transform,
    ) as dst:
        dst.write(np.ones((1, 2, 2), np.uint16))
    with pytest.raises(RasterError, match=message):
        kzgeo.open_scene(path)


def test_a_band_name_given_twice_is_refused(tmp_path):
    data = np.full((3, 2, 2), 1000, np.uint16)
    path = write_tif(tmp_path / "dup.tif", data, descriptions=["B04", "b04", "B08"])
    with pytest.raises(RasterError, match="band description\\(s\\) B04 name more than one band"):
        kzgeo.open_scene(path)


def test_a_file_of_subdatasets_names_them(tmp_path):
    path = tmp_path / "tables.gpkg"
    profile = {"driver": "GPKG", "height": 8, "width": 8, "count": 1, "dtype": "uint8", "crs": "EPSG:32642"}
    profile["transform"] = Affine(10, 0, 500_000, 0, -10, 5_600_000)
    for table in "abcdefg":  # seven: five are named, as every list of names is ('... and 2 more')
        extra = {"APPEND_SUBDATASET": "YES"} if table != "a" else {}
        with rasterio.open(path, "w", RASTER_TABLE=table, **profile, **extra) as dst:
            dst.write(np.ones((1, 8, 8), np.uint8))
    named = ", ".join(f"GPKG:[^,]*:{t}" for t in "abcde")
    with pytest.raises(
        RasterError, match=rf"holds 7 subdatasets \({named} and 2 more\) and no band of its own"
    ):
        kzgeo.open_scene(path)


@pytest.mark.parametrize(
    ("names", "sensor", "nir"),
    [
        (["B2", "B3", "B4", "B5", "B8"], "sentinel-2", "B08"),  # Earth Engine's Sentinel-2 names
        (["B2", "B3", "B4", "B8", "B11", "B12"], "sentinel-2", "B08"),
        (["B2", "B3", "B4", "B5", "B8A"], "sentinel-2", None),
        (["B1", "B2", "B3", "B4", "B5", "B6", "B7"], "landsat", "B5"),
        (["B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B9", "B10", "B11"], "landsat", "B5"),
    ],
)
def test_unpadded_band_names_of_sentinel2_and_landsat(tmp_path, names, sensor, nir):
    dn = np.full((len(names), 2, 2), 3000, np.uint16)
    path = write_tif(tmp_path / "s.tif", dn, descriptions=names, tags={"PROCESSING_BASELINE": "02.14"})
    with kzgeo.open_scene(path) as scene:
        assert scene.sensor == sensor
        if nir is not None:
            assert scene.band_name("nir") == nir
    if sensor == "sentinel-2":
        with kzgeo.open_scene(path) as scene:
            assert "B02" in scene.bands and scene.read_band("B02")[0, 0] == pytest.approx(0.3)


def test_earth_engine_sentinel2_ndvi_uses_b8(tmp_path):
    names = ["B2", "B3", "B4", "B5", "B8"]
    dn = {"B2": 1500, "B3": 1800, "B4": 1600, "B5": 2000, "B8": 4000}
    stack = np.stack([np.full((4, 4), dn[n], np.uint16) for n in names])
    path = write_tif(tmp_path / "gee.tif", stack, descriptions=names, tags={"PROCESSING_BASELINE": "02.14"})
    with kzgeo.open_scene(path) as scene:
        ndvi = kzgeo.spectral_index(scene, "ndvi")
    np.testing.assert_allclose(ndvi, (4000 - 1600) / (4000 + 1600), rtol=1e-6)  # 0.4286, not B5's


def test_untagged_landsat_stacks_are_read_by_their_bands(tmp_path):
    """A Landsat 4-7 surface-reflectance stack (B1-B5, B7; its B6 is thermal) has red in B3 and nir in
    B4: without a SPACECRAFT_ID its NDVI is (B4 - B3) / (B4 + B3), not Landsat 8's (B5 - B4) / (B5 + B4).
    An untagged B1-B7 stack is read as Landsat 8/9 with a warning saying how to tag it."""
    dn = {"B1": 9000, "B2": 10000, "B3": 11000, "B4": 20000, "B5": 25000, "B6": 30000, "B7": 22000}
    tm = ["B1", "B2", "B3", "B4", "B5", "B7"]
    path = write_tif(
        tmp_path / "tm.tif", np.stack([np.full((2, 2), dn[n], np.uint16) for n in tm]), descriptions=tm
    )
    red, nir = (np.array([dn["B3"], dn["B4"]]) * 2.75e-5 - 0.2).tolist()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with kzgeo.open_scene(path) as scene:
            assert scene.band_name("red") == "B3" and scene.band_name("nir") == "B4"
            ndvi = kzgeo.spectral_index(scene, "ndvi")
    np.testing.assert_allclose(ndvi, (nir - red) / (nir + red), rtol=1e-5)
    oli = [f"B{i}" for i in range(1, 8)]
    path = write_tif(
        tmp_path / "oli.tif", np.stack([np.full((2, 2), dn[n], np.uint16) for n in oli]), descriptions=oli
    )
    with (
        pytest.warns(
            KzgeoWarning, match=r"oli.tif: a Landsat scene without a SPACECRAFT_ID tag, read as Landsat 8/9"
        ),
        kzgeo.open_scene(path) as scene,
    ):
        assert scene.band_name("nir") == "B5"
    tagged = write_tif(
        tmp_path / "l5.tif",
        np.stack([np.full((2, 2), dn[n], np.uint16) for n in oli]),
        descriptions=oli,
        tags={"SPACECRAFT_ID": "LANDSAT_5"},
    )
    with kzgeo.open_scene(tagged) as scene:
        assert scene.band_name("nir") == "B4"


def test_landsat_tag_keeps_b8_stack_landsat(tmp_path):
    names = ["B2", "B3", "B4", "B5", "B8"]
    path = write_tif(
        tmp_path / "l.tif",
        np.full((5, 2, 2), 9000, np.uint16),
        descriptions=names,
        tags={"SPACECRAFT_ID": "LANDSAT_8"},
    )
    with kzgeo.open_scene(path) as scene:
        assert scene.sensor == "landsat" and scene.band_name("nir") == "B5"


def test_b2_and_b02_in_one_file_is_a_name_given_twice(tmp_path):
    path = write_tif(tmp_path / "t.tif", np.ones((2, 2, 2), np.uint16), descriptions=["B2", "B02"])
    with pytest.raises(RasterError, match="B02 name more than one band"):
        kzgeo.open_scene(path)


@pytest.mark.parametrize(
    ("dtype", "value"),
    [("int32", 751110000), ("uint32", 16777217), ("int32", 123456789), ("float64", 0.100000001)],
)
def test_wide_bands_are_read_without_float32_rounding(tmp_path, dtype, value):
    path = write_tif(tmp_path / "w.tif", np.full((2, 2), value, dtype))
    with kzgeo.open_scene(path) as scene:
        band = scene.read_band("band1")
        assert band.dtype == np.float64 and band[0, 0] == value
        assert scene.read()[0, 0, 0] == value
    # bytes and 16-bit integers stay float32: exact there, half the memory
    with kzgeo.open_scene(write_tif(tmp_path / "n.tif", np.full((2, 2), 65535, np.uint16))) as scene:
        assert scene.read_band("band1").dtype == np.float32


def _l2a_product(root, *, masks=True):
    """A baseline 05.09 L2A product as unzipped: R10m bands four folders below the .SAFE folder (its
    name without _N0509_, so only MTD_MSIL2A.xml gives the offset), and QI_DATA's masks."""
    granule = root / "S2B_MSIL2A_20230701.SAFE" / "GRANULE" / "L2A_T42UWB_A000001"
    (granule / "IMG_DATA" / "R10m").mkdir(parents=True)
    (granule / "QI_DATA").mkdir()
    (root / "S2B_MSIL2A_20230701.SAFE" / "MTD_MSIL2A.xml").write_text(
        "<root><PROCESSING_BASELINE>05.09</PROCESSING_BASELINE>"
        '<BOA_ADD_OFFSET band_id="3">-1000</BOA_ADD_OFFSET></root>'
    )
    for name in ("B02", "B04", "B08"):
        write_tif(
            granule / "IMG_DATA" / "R10m" / f"T42UWB_20230701T061631_{name}_10m.tif",
            np.full((4, 4), 3128, np.uint16),
        )
        if masks:  # detector numbers and quality bits of baseline 04.00+, as stored
            write_tif(granule / "QI_DATA" / f"MSK_DETFOO_{name}.tif", np.full((4, 4), 7, np.uint8))
            write_tif(granule / "QI_DATA" / f"MSK_QUALIT_{name}.tif", np.zeros((8, 4, 4), np.uint8))
    write_tif(granule / "QI_DATA" / "MSK_CLASSI_B00.tif", np.zeros((3, 4, 4), np.uint8))
    return root / "S2B_MSIL2A_20230701.SAFE", granule


def test_a_product_opened_at_any_level_reads_its_bands_not_its_masks(tmp_path):
    safe, granule = _l2a_product(tmp_path)
    for level in (safe, granule, granule / "IMG_DATA", granule / "IMG_DATA" / "R10m"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # the offset is known at every level: no warning
            with kzgeo.open_scene(level) as scene:
                assert scene.bands == ("B02", "B04", "B08"), level
                # (3128 - 1000) / 10000; a mask read as B04 gave 7 / 10000 - 0.1, or refused the folder
                np.testing.assert_allclose(scene.read_band("B04"), 0.2128, rtol=1e-6)


@pytest.mark.parametrize(
    ("tags", "reflectance"),
    [
        ({"PROCESSING_BASELINE": "N0509"}, 0.2128),  # as in the product name
        ({"PROCESSING_BASELINE": "5.09"}, 0.2128),
        ({"PROCESSING_BASELINE": "02.14"}, 0.3128),
        ({"BOA_ADD_OFFSET": "-1000.0"}, 0.2128),
        ({"QUANTIFICATION_VALUE": "0"}, "QUANTIFICATION_VALUE tag '0' is not a positive number"),
        ({"BOA_ADD_OFFSET": "abc"}, "BOA_ADD_OFFSET tag 'abc' is not a number.*gdal_edit.py -mo"),
        ({"PROCESSING_BASELINE": "new"}, "PROCESSING_BASELINE tag 'new' is not a number"),
    ],
)
def test_baseline_tags_are_read_in_either_form_and_bad_ones_named(tmp_path, tags, reflectance):
    path = s2_stack(
        tmp_path / "s2.tif",
        tags=tags,
        values=dict.fromkeys(["B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B11", "B12"], 3128),
    )
    if isinstance(reflectance, str):
        with pytest.raises(RasterError, match=reflectance):
            kzgeo.open_scene(path)
    else:
        with kzgeo.open_scene(path) as scene:
            np.testing.assert_allclose(scene.read_band("B04"), reflectance, rtol=1e-6)


def test_an_earth_engine_stack_keeps_its_scaling_beside_qa60_aot_and_wvp(tmp_path):
    names = ["B2", "B3", "B4", "B8", "B11", "B12", "AOT", "WVP", "QA60"]
    arrays = np.full((9, 2, 2), 3128, np.uint16)
    arrays[6:8] = 150
    arrays[8] = [[0, 1 << 10], [1 << 11, 0]]  # clear, opaque cloud, cirrus, clear
    path = write_tif(tmp_path / "gee.tif", arrays, descriptions=names, tags={"PROCESSING_BASELINE": "05.09"})
    with kzgeo.open_scene(path) as scene:
        assert scene.sensor == "sentinel-2" and scene.bands == ("B02", "B03", "B04", "B08", "B11", "B12")
        red = scene.read_band("B4")
        assert np.isnan(red).tolist() == [[False, True], [True, False]]
        assert not scene.has_mask  # QA60 has no snow or shadow bits: the detector still looks at spectra
        np.testing.assert_allclose(red[0, 0], 0.2128, rtol=1e-6)  # reflectance, not DN 3128
        assert scene.read_band("AOT")[0, 0] == 150  # as stored
        assert np.isfinite(kzgeo.spectral_index(scene, "ndvi")[0, 0])


def test_alpha_band_and_gdal_mask_mark_pixels_without_data(tmp_path):
    from rasterio.enums import ColorInterp

    data = np.full((3, 4, 4), 100, np.uint8)
    data[:, :1] = 0
    keep = np.full((4, 4), 255, np.uint8)
    keep[:1] = 0  # the first row has no data, though its values are 0 and no nodata is declared
    profile = {"driver": "GTiff", "width": 4, "height": 4, "dtype": "uint8", "crs": "EPSG:32642"}
    profile["transform"] = Affine(10, 0, 500_000, 0, -10, 5_600_000)
    with rasterio.open(tmp_path / "alpha.tif", "w", count=4, photometric="RGB", **profile) as dst:
        dst.write(data, [1, 2, 3])
        dst.write(keep, 4)
        dst.colorinterp = [ColorInterp.red, ColorInterp.green, ColorInterp.blue, ColorInterp.alpha]
    with (
        rasterio.Env(GDAL_TIFF_INTERNAL_MASK=True),
        rasterio.open(tmp_path / "mask.tif", "w", count=3, **profile) as dst,
    ):
        dst.write(data)
        dst.write_mask(keep)
    for name in ("alpha.tif", "mask.tif"):
        with kzgeo.open_scene(tmp_path / name) as scene:
            assert scene.bands == ("band1", "band2", "band3")  # the alpha band is not a band
            stack = scene.read()
            assert np.isnan(stack[:, 0]).all() and not np.isnan(stack[:, 1:]).any()
        zones = kzgeo.zonal_stats(
            gpd.GeoDataFrame(geometry=[shapely.box(500_000, 5_599_960, 500_040, 5_600_000)], crs=32642),
            tmp_path / name,
            stats=["mean"],
        )
        assert zones["band1_mean"].iloc[0] == pytest.approx(100.0) and zones["band1_valid_pct"].iloc[
            0
        ] == pytest.approx(75.0)


def test_landsat_5_folder_leaves_out_its_thermal_band(tmp_path):
    stem = "LT05_L1TP_154026_20110712_20161008_01_T1"
    mtl = ["GROUP = L1_METADATA_FILE", '  SPACECRAFT_ID = "LANDSAT_5"', "  SUN_ELEVATION = 90.0"]
    for b in (1, 2, 3, 4, 5, 7):  # band 6 is thermal: its MTL has radiance, not reflectance factors
        mtl += [f"  REFLECTANCE_MULT_BAND_{b} = 0.001", f"  REFLECTANCE_ADD_BAND_{b} = -0.01"]
    (tmp_path / f"{stem}_MTL.txt").write_text("\n".join([*mtl, "END_GROUP = L1_METADATA_FILE", "END"]) + "\n")
    for b in range(1, 8):
        write_tif(tmp_path / f"{stem}_B{b}.TIF", np.full((2, 2), 200, np.uint8), res=30.0)
    with kzgeo.open_scene(tmp_path) as scene:
        assert scene.bands == ("B1", "B2", "B3", "B4", "B5", "B7") and scene.band_name("nir") == "B4"
        np.testing.assert_allclose(scene.read_band("B4"), 0.19, rtol=1e-6)
    (tmp_path / f"{stem}_MTL.txt").write_text("\n".join([*mtl[:3], "END"]) + "\n")
    with pytest.raises(RasterError, match=r"no REFLECTANCE_MULT_BAND_1 .*product's own MTL"):
        kzgeo.open_scene(tmp_path)


def test_a_local_or_martian_crs_is_a_raster_error(tmp_path):
    local = 'LOCAL_CS["site grid",UNIT["metre",1,AUTHORITY["EPSG","9001"]]]'
    write_tif(tmp_path / "local.tif", np.ones((2, 2), np.float32), crs=local)
    with pytest.raises(RasterError, match=r"local.tif: its CRS .* cannot be related to longitude"):
        kzgeo.open_scene(tmp_path / "local.tif")


def test_gdal_scale_without_the_tagged_offset_warns(tmp_path):
    path = s2_stack(tmp_path / "s2.tif", tags={"PROCESSING_BASELINE": "05.09"})
    with rasterio.open(path, "r+") as dst:
        dst.scales = [1e-4] * dst.count
    with pytest.warns(KzgeoWarning, match="GDAL scale and offset 0.*-1000.*gdal_edit.py -offset -0.1"):
        kzgeo.open_scene(path).close()


def test_a_sentinel_2_stack_with_an_alpha_band_is_still_sentinel_2_and_masked(tmp_path):
    from rasterio.enums import ColorInterp

    # five bands and an alpha, as gdalwarp -dstalpha writes: GDAL makes the alpha band 1's mask only
    # in 2- and 4-band files, and its empty description made the stack an unknown raster
    data = np.full((5, 3, 3), 3128, np.uint16)
    alpha = np.full((3, 3), 255, np.uint16)
    alpha[0] = 0
    profile = {"driver": "GTiff", "width": 3, "height": 3, "count": 6, "dtype": "uint16", "crs": "EPSG:32642"}
    with rasterio.open(
        tmp_path / "s2a.tif", "w", transform=Affine(10, 0, 500_000, 0, -10, 5_600_000), **profile
    ) as dst:
        dst.write(data, [1, 2, 3, 4, 5])
        dst.write(alpha, 6)
        dst.descriptions = ("B02", "B03", "B04", "B08", "B11", None)
        dst.colorinterp = [ColorInterp.gray] * 5 + [ColorInterp.alpha]
        dst.update_tags(PROCESSING_BASELINE="05.09")
    with kzgeo.open_scene(tmp_path / "s2a.tif") as scene:
        assert scene.sensor == "sentinel-2" and scene.bands == ("B02", "B03", "B04", "B08", "B11")
        red = scene.read_band("B04")
        assert np.isnan(red[0]).all() and red[1:] == pytest.approx(0.2128)


def test_band_names_given_when_opening(tmp_path):
    """Names given in file order replace missing descriptions: Sentinel-2 names make a Sentinel-2
    scene (scaled as one), common names an unknown one read by those names; a folder refuses them."""
    dn = np.stack([np.full((2, 2), v, np.uint16) for v in (1000, 2000, 3000, 7000)])
    path = write_tif(tmp_path / "plain.tif", dn)
    with kzgeo.open_scene(path, bands="B02,B03,B04,B08") as scene:
        assert scene.sensor == "sentinel-2" and scene.bands == ("B02", "B03", "B04", "B08")
        assert scene.band_key("nir") == "B08" and scene.band_key("red") == "B04"
        np.testing.assert_allclose(scene.read_band("B08"), 0.7, rtol=1e-6)
    with kzgeo.open_scene(path, bands=["blue", "green", "red", "nir"]) as scene:
        assert scene.sensor == "unknown" and scene.band_name("nir") == "nir"
    with pytest.raises(
        RasterError, match=r"plain.tif: 3 band name\(s\) given \(a, b, c\) for its 4 band\(s\)"
    ):
        kzgeo.open_scene(path, bands=["a", "b", "c"])
    with pytest.raises(RasterError, match="a folder's bands are named by their files"):
        kzgeo.open_scene(S2_CROP, bands=["B02"])
    with pytest.raises(
        RasterError, match=r"plain.tif: band name\(s\) red given to more than one band; give each"
    ):
        kzgeo.open_scene(path, bands="red,RED,blue,nir")  # the names given, not the descriptions


S2_NAMES = ["B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B11", "B12"]


def test_a_float_sentinel2_stack_of_digital_numbers_is_refused(tmp_path):
    """A float band is read as reflectance: DN x 10000 stored as float32 would give every statistic
    10000 times too large and SAVI a wrong number, silently."""
    dn = np.full((10, 4, 4), 3000.0, np.float32)
    path = write_tif(tmp_path / "f.tif", dn, descriptions=S2_NAMES, tags={"PROCESSING_BASELINE": "02.14"})
    with pytest.raises(
        RasterError,
        match=r"f.tif: red reflectance of 3000 is typical of this scene; .*store digital numbers as "
        r"uint16, or give the bands their scale \(gdal_edit.py -scale 0.0001 f.tif",
    ):
        kzgeo.open_scene(path)
    with rasterio.open(path, "r+") as ds:  # the fix it names
        ds.scales = (0.0001,) * 10
    with kzgeo.open_scene(path) as scene:
        np.testing.assert_allclose(scene.read_band("B04"), 0.3, rtol=1e-6)


def test_an_undeclared_fill_of_a_float_scene_is_nodata_with_a_warning(tmp_path):
    """-9999 in a float reflectance scene that does not declare it was read as data: a zone's mean
    of B04 came out -4,999.42."""
    refl = np.full((10, 4, 4), 0.25, np.float32)
    refl[:, :2, :] = -9999.0  # the top half beyond the swath
    path = write_tif(tmp_path / "f.tif", refl, descriptions=S2_NAMES, tags={"PROCESSING_BASELINE": "05.09"})
    with kzgeo.open_scene(path) as scene:
        with pytest.warns(
            KzgeoWarning,
            match=r"f.tif: band B04 holds -9999, far outside reflectance \(-0.5 to 2\): taken as a fill "
            r"value .*declare it \(gdal_edit.py -a_nodata -9999 f.tif\)",
        ):
            red = scene.read_band("B04")
        assert np.isnan(red[:2]).all() and (red[2:] == np.float32(0.25)).all()
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # said once per scene
            scene.read(["B04", "B08"])
    plot = gpd.GeoDataFrame(geometry=[shapely.box(500_000, 5_599_960, 500_040, 5_600_000)], crs=32642)
    with pytest.warns(KzgeoWarning, match="band B08 holds -9999") as said:
        table = kzgeo.zonal_stats(plot, path, stats=["mean"], index="savi")
    assert len([w for w in said if "holds -9999" in str(w.message)]) == 1
    # the valid half: SAVI of red = nir = 0.25 is 0; half the zone valid
    assert table.loc[0, "savi_mean"] == pytest.approx(0.0) and table.loc[0, "valid_pct"] == pytest.approx(50)
    # a band read by exactextract, which calls back into kzgeo: said from this line, not exactextract's
    with pytest.warns(KzgeoWarning, match="band B04 holds -9999") as said:
        kzgeo.zonal_stats(plot, path, stats=["mean"], band="B04")
    assert {w.filename for w in said if "holds -9999" in str(w.message)} == {__file__}


@pytest.mark.parametrize("nodata", [None, 65535, 0])
def test_sentinel2_dn_0_and_65535_are_nodata_whatever_nodata_is_declared(tmp_path, nodata):
    """ESA's special values: 0 no data, 65535 saturated or defective; a declared nodata of 65535 kept
    DN 0 as data (zone mean 0.0762 at 100 % valid where 0.1524 at 50 % is right), and 65535 read as
    reflectance 6.55 without an SCL band."""
    dn = np.full((10, 4, 4), 1524, np.uint16)
    dn[:, 0, :] = 0
    dn[:, 1, :] = 65535
    path = write_tif(
        tmp_path / "s.tif", dn, descriptions=S2_NAMES, nodata=nodata, tags={"PROCESSING_BASELINE": "02.14"}
    )
    with kzgeo.open_scene(path) as scene:
        red = scene.read_band("B04")
        plot = gpd.GeoDataFrame(geometry=[shapely.box(500_000, 5_599_960, 500_040, 5_600_000)], crs=32642)
        table = kzgeo.zonal_stats(plot, scene, stats=["mean"], band="B04")
    assert np.isnan(red[:2]).all() and red[2:] == pytest.approx(0.1524)
    assert table.loc[0, "b04_mean"] == pytest.approx(0.1524) and table.loc[0, "valid_pct"] == pytest.approx(
        50
    )


def test_band_names_given_may_not_contradict_the_files_descriptions(tmp_path):
    """Names given are for bands without descriptions: naming B08 first on a file whose band 1 is
    described B02 computed (B02 - B04) / (B02 + B04) as NDVI."""
    path = s2_stack(tmp_path / "s2.tif")
    swapped = ["B08", "B03", "B04", "B05", "B06", "B07", "B02", "B8A", "B11", "B12"]
    with pytest.raises(
        RasterError,
        match=r"s2.tif: the band names given contradict the file's own band descriptions \(band 1 is B02, "
        r"not B08; band 7 is B08, not B02\); leave out bands=\[...\]",
    ):
        kzgeo.open_scene(path, bands=swapped)
    same = ["b02", "B3", *S2_NAMES[2:]]  # the same names in another case or Earth Engine's form
    with kzgeo.open_scene(path, bands=same) as scene:
        np.testing.assert_allclose(scene.read_band("B08"), 0.7, rtol=1e-6)
    # a file describing some bands only: the others may be named
    partly = write_tif(tmp_path / "p.tif", np.full((2, 2, 2), 1000, np.uint16), descriptions=["B04", ""])
    with pytest.warns(KzgeoWarning):  # no baseline tag, no DN below 1000
        scene = kzgeo.open_scene(partly, bands=["B04", "B08"])
    with scene:
        assert scene.bands == ("B04", "B08")
    with pytest.raises(RasterError, match=r"band 1 is B04, not blue"):
        kzgeo.open_scene(partly, bands=["blue", "nir"])
    # another name of the same band is no contradiction: the sensor's name stays (its scaling with it),
    # a common name takes the sensor's, and descriptions that name no band ('Band_1') may be renamed
    common = write_tif(tmp_path / "c.tif", np.full((2, 2, 2), 1000, np.uint16), descriptions=["red", "nir"])
    generic = write_tif(
        tmp_path / "g.tif", np.full((2, 2, 2), 1000, np.uint16), descriptions=["Band_1", "Band_2"]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KzgeoWarning)  # no baseline tag, no DN below 1000
        with kzgeo.open_scene(partly, bands=["red", "nir"]) as scene:
            assert scene.bands == ("B04", "B08")  # nir beside Sentinel-2's B04 is its B08
        with kzgeo.open_scene(common, bands=["B04", "B08"]) as scene:
            assert scene.bands == ("B04", "B08") and scene.read_band("B04")[0, 0] == pytest.approx(0.1)
        with kzgeo.open_scene(generic, bands=["B04", "B08"]) as scene:
            assert scene.bands == ("B04", "B08")
    # a description that is no band's name (the SCL classes, a QA band) is not renamed: its mask stays
    scl = write_tif(tmp_path / "scl.tif", np.full((2, 2, 2), 1000, np.uint16), descriptions=["B04", "SCL"])
    with pytest.raises(RasterError, match=r"band 2 is SCL, not B08"):
        kzgeo.open_scene(scl, bands=["B04", "B08"])
    # the same names mean what the scene will read them as: Landsat 8's B1 is coastal, not blue
    landsat = write_tif(
        tmp_path / "l8.tif",
        np.full((4, 2, 2), 1000, np.uint16),
        descriptions=["blue", "green", "red", "nir"],
        tags={"SPACECRAFT_ID": "LANDSAT_8"},
    )
    with pytest.raises(RasterError, match=r"band 1 is blue, not B1; band 2 is green, not B2"):
        kzgeo.open_scene(landsat, bands=["B1", "B2", "B3", "B4"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KzgeoWarning)
        with kzgeo.open_scene(landsat, bands=["B2", "B3", "B4", "B5"]) as scene:
            assert scene.bands == ("B2", "B3", "B4", "B5")
    # Earth Engine's Sentinel-2 names (B5 is red edge 1) given as Sentinel-2's: read as Sentinel-2, not
    # as Landsat (whose B5 is nir, scaled otherwise)
    dn = np.stack([np.full((2, 2), 1000 + 100 * i, np.uint16) for i in range(6)])
    gee = write_tif(tmp_path / "gee.tif", dn, descriptions=["B2", "B3", "B4", "B5", "B6", "B7"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KzgeoWarning)
        with kzgeo.open_scene(gee, bands=["B02", "B03", "B04", "B05", "B06", "B07"]) as scene:
            assert scene.sensor == "sentinel-2" and scene.read_band("red")[0, 0] == pytest.approx(0.12)
    # a file tagged Landsat 8 is not made Sentinel-2 by one band's name
    tagged = write_tif(
        tmp_path / "l8b.tif",
        dn[:5],
        descriptions=["B2", "B3", "B4", "B5", "swir22"],
        tags={"SPACECRAFT_ID": "LANDSAT_8"},
    )
    with pytest.raises(
        RasterError, match=r"tagged SPACECRAFT_ID=LANDSAT_8, the names given are Sentinel-2's"
    ):
        kzgeo.open_scene(tagged, bands=["B2", "B3", "B4", "B5", "B12"])


@pytest.mark.parametrize(
    ("described", "tags", "wrong", "right", "said"),
    [
        (
            ["blue", "green", "red", "nir", "NDVI"],
            {"SPACECRAFT_ID": "LANDSAT_8"},
            ["B2", "B3", "B4", "B5", "EVI"],
            ["B2", "B3", "B4", "B5", "NDVI"],
            "band 5 is NDVI, not EVI",
        ),
        (
            ["B04", "B08", "cloud_mask"],
            {"PROCESSING_BASELINE": "05.09"},
            ["red", "nir", "cloud"],
            ["red", "nir", "cloud_mask"],
            "band 3 is cloud_mask, not cloud",
        ),
    ],
)
def test_a_refusal_of_band_names_names_only_the_bands_contradicted(
    tmp_path, described, tags, wrong, right, said
):
    """A band that is no sensor's (an NDVI, a cloud mask) among the names made every band's name
    meaningless: the refusal listed 'band 1 is blue, not B2' of a Landsat 8 file beside the one
    band named wrong."""
    dn = np.full((len(described), 2, 2), 2000, np.uint16)
    path = write_tif(tmp_path / "s.tif", dn, descriptions=described, tags=tags)
    with pytest.raises(RasterError, match=rf"descriptions \({said}\); leave out"):
        kzgeo.open_scene(path, bands=wrong)
    with kzgeo.open_scene(path, bands=right) as scene:  # the sensor's, with the other band read as stored
        assert scene.sensor != "unknown" and described[-1] not in scene.bands
        assert scene.read_band(described[-1])[0, 0] == 2000


@pytest.mark.parametrize(
    ("spacecraft", "described", "given", "nir", "thermal"),
    [
        (
            "LANDSAT_9",
            ["coastal", "blue", "green", "red", "nir08", "swir16", "swir22", "lwir11"],
            ["B1", "B2", "B3", "B4", "B5", "B6", "B7", "B10"],
            "B5",
            ("lwir11", "B10"),
        ),
        (
            "LANDSAT_5",
            ["blue", "green", "red", "nir08", "swir16", "lwir", "swir22"],
            ["B1", "B2", "B3", "B4", "B5", "B6", "B7"],
            "B4",
            ("lwir", "B6"),
        ),
    ],
)
def test_landsat_stac_asset_names_are_the_bands_they_name(
    tmp_path, spacecraft, described, given, nir, thermal
):
    """Landsat Collection 2's STAC asset names (nir08 is band 5 of Landsat 8/9 and band 4 of Landsat
    4-7; lwir11 and lwir their thermal bands) are no contradiction of the band numbers given."""
    dn = np.full((len(given), 2, 2), 20000, np.uint16)
    path = write_tif(tmp_path / "l.tif", dn, descriptions=described, tags={"SPACECRAFT_ID": spacecraft})
    with kzgeo.open_scene(path, bands=given) as scene:
        assert scene.sensor == "landsat" and scene.band_name("nir") == nir
        assert scene.band_key("nir08") == nir and scene.band_key(thermal[0]) == thermal[1]
        np.testing.assert_allclose(scene.read_band("nir"), 20000 * 2.75e-5 - 0.2, rtol=1e-6)
    wrong = [("B3" if d == "nir08" else n) for d, n in zip(described, given, strict=True)]
    with pytest.raises(RasterError, match=rf"\(band {described.index('nir08') + 1} is nir08, not B3\)"):
        kzgeo.open_scene(path, bands=wrong)


def _band_tagged_stack(path, dataset_tags, every_band, b04=None):
    """A Sentinel-2 stack of DN 1500 whose bands carry ``every_band`` as their own tags (B04, band 3,
    carries ``b04`` if given)."""
    path = s2_stack(path, tags=dataset_tags, values=dict.fromkeys(S2_NAMES, 1500))
    with rasterio.open(path, "r+") as dst:
        for index in range(1, dst.count + 1):
            dst.update_tags(index, **(b04 if index == 3 and b04 is not None else every_band))
    return path


@pytest.mark.parametrize(
    ("dataset_tags", "b04_tags", "b04", "others"),
    [
        ({}, {"BOA_ADD_OFFSET": "-1000"}, 0.05, 0.05),  # ESA's offset band by band, no dataset tag
        ({}, {"RADIO_ADD_OFFSET": "-1000"}, 0.05, 0.05),
        ({"BOA_ADD_OFFSET": "-1000"}, {"BOA_ADD_OFFSET": "0"}, 0.15, 0.05),  # the band's own wins
        ({"BOA_ADD_OFFSET": "-1000"}, {"RADIO_ADD_OFFSET": "0"}, 0.15, 0.05),
        ({"PROCESSING_BASELINE": "02.14"}, {"BOA_ADD_OFFSET": "-1000"}, 0.05, 0.05),
    ],
)
def test_band_level_offset_tags_are_read_band_by_band(tmp_path, dataset_tags, b04_tags, b04, others):
    """BOA_ADD_OFFSET given as each band's metadata (ESA lists it per band) was not read: B04 DN 1500
    read 0.15, not (1500 - 1000) / 10000. Every band but B04 carries -1000; B04 carries b04_tags."""
    path = _band_tagged_stack(tmp_path / "s2.tif", dataset_tags, {"BOA_ADD_OFFSET": "-1000"}, b04_tags)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the offset is said: no 'no processing baseline' warning
        with kzgeo.open_scene(path) as scene:
            np.testing.assert_allclose(scene.read_band("B04"), b04, rtol=1e-5)
            np.testing.assert_allclose(scene.read(["B03", "B08"]), others, rtol=1e-5)


def test_a_gdal_scale_wins_over_a_band_level_offset_tag_and_a_bad_one_is_named(tmp_path):
    path = _band_tagged_stack(tmp_path / "s2.tif", {}, {"BOA_ADD_OFFSET": "-1000"})
    with rasterio.open(path, "r+") as dst:
        dst.scales = [1e-4] * dst.count
    with pytest.warns(KzgeoWarning, match="GDAL scale and offset 0.*-1000.*gdal_edit.py -offset -0.1"):
        scene = kzgeo.open_scene(path)
    with scene:
        np.testing.assert_allclose(scene.read_band("B04"), 0.15, rtol=1e-5)
    bad = _band_tagged_stack(
        tmp_path / "bad.tif", {"PROCESSING_BASELINE": "05.09"}, {}, {"BOA_ADD_OFFSET": "abc"}
    )
    with pytest.raises(
        RasterError,
        match=r"bad.tif: band 3's BOA_ADD_OFFSET tag 'abc' is not a number; correct it \(rasterio: "
        r"dst.update_tags\(3, BOA_ADD_OFFSET='-1000'\)\) or remove it",
    ):
        kzgeo.open_scene(bad)


@pytest.mark.parametrize(
    ("spacecraft", "names", "thermal"),
    [
        ("LANDSAT_7", ["B1", "B2", "B3", "B4", "B5", "B6", "B7"], ["B6"]),
        ("LANDSAT_5", ["B1", "B2", "B3", "B4", "B5", "B6", "B7"], ["B6"]),
        ("LANDSAT_8", ["B1", "B2", "B3", "B4", "B5", "B6", "B7", "B10", "B11"], ["B10", "B11"]),
    ],
)
def test_thermal_bands_of_a_landsat_stack_are_not_reflectance(tmp_path, spacecraft, names, thermal):
    """Landsat 4-7's B6 is thermal: a stack of B1..B7 listed it among the surface bands and read its
    DN as reflectance (45000 * 2.75e-5 - 0.2 = 1.04), and zonal_stats reported a b6_mean. Thermal
    bands (B6 of Landsat 4-7, B10 and B11 of Landsat 8/9) are read by name as stored."""
    dn = np.stack([np.full((4, 4), 45000 if n in thermal else 20000, np.uint16) for n in names])
    path = write_tif(tmp_path / "l.tif", dn, descriptions=names, tags={"SPACECRAFT_ID": spacecraft})
    with kzgeo.open_scene(path) as scene:
        assert scene.bands == tuple(n for n in names if n not in thermal and n in LANDSAT_BANDS)
        for band in thermal:
            assert scene.read_band(band)[0, 0] == 45000  # as stored, never reflectance
        np.testing.assert_allclose(scene.read_band("nir"), 20000 * 2.75e-5 - 0.2, rtol=1e-6)
    plot = gpd.GeoDataFrame(geometry=[shapely.box(500_000, 5_599_960, 500_040, 5_600_000)], crs=32642)
    table = kzgeo.zonal_stats(plot, path, stats=["mean"])
    assert not {f"{b.lower()}_mean" for b in thermal} & set(table.columns)
    assert table.loc[0, "b4_mean"] == pytest.approx(20000 * 2.75e-5 - 0.2)


def test_a_float_thermal_band_of_a_landsat_stack_is_not_taken_for_a_fill(tmp_path):
    """Kelvin stored as float beside float reflectance is not a fill far outside reflectance."""
    names = ["B1", "B2", "B3", "B4", "B5", "B6", "B7"]
    data = np.stack([np.full((4, 4), 301.5 if n == "B6" else 0.25, np.float32) for n in names])
    path = write_tif(tmp_path / "l.tif", data, descriptions=names, tags={"SPACECRAFT_ID": "LANDSAT_7"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with kzgeo.open_scene(path) as scene:
            assert scene.read_band("lwir")[0, 0] == np.float32(301.5) and "B6" not in scene.bands
            np.testing.assert_allclose(scene.read(), 0.25)


@pytest.mark.parametrize(
    ("names", "tags", "sensor", "red", "nir", "extra"),
    [
        (
            ["B02", "B03", "B04", "B08", "NDVI"],
            {"PROCESSING_BASELINE": "05.09"},
            "sentinel-2",
            "B04",
            "B08",
            "NDVI",
        ),
        (
            ["B2", "B3", "B4", "B8", "B12", "cloud_mask"],
            {"PROCESSING_BASELINE": "05.09"},
            "sentinel-2",
            "B04",
            "B08",
            "cloud_mask",
        ),
        (
            ["B2", "B3", "B4", "B5", "cloud_mask"],
            {"SPACECRAFT_ID": "LANDSAT_8"},
            "landsat",
            "B4",
            "B5",
            "cloud_mask",
        ),
        (["B1", "B2", "B3", "B4", "B5", "B7", "NDVI"], {}, "landsat", "B3", "B4", "NDVI"),  # Landsat 4-7
    ],
)
def test_a_band_that_is_no_sensors_leaves_the_stack_the_sensor_its_band_names_say(
    tmp_path, names, tags, sensor, red, nir, extra
):
    """An NDVI or a cloud mask stacked with sensor bands made the file an unknown raster: its DN were
    not scaled, and its NDVI refused ('name the bands B02..B12 or B1..B7', which they were). Such a band
    is read by name as stored, and is not a surface band."""
    dn = np.stack([np.full((4, 4), 7 if n == extra else 12000, np.uint16) for n in names])
    path = write_tif(tmp_path / "s.tif", dn, descriptions=names, tags=tags)
    expected = (12000 - 1000) / 10000 if sensor == "sentinel-2" else 12000 * 2.75e-5 - 0.2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with kzgeo.open_scene(path) as scene:
            assert scene.sensor == sensor and extra not in scene.bands and len(scene.bands) == len(names) - 1
            assert (scene.band_name("red"), scene.band_name("nir")) == (red, nir)
            np.testing.assert_allclose(scene.read_band("red"), expected, rtol=1e-6)
            assert scene.read_band(extra)[0, 0] == 7  # as stored
            assert kzgeo.spectral_index(scene, "ndvi")[0, 0] == pytest.approx(0.0)
        plot = gpd.GeoDataFrame(geometry=[shapely.box(500_000, 5_599_960, 500_040, 5_600_000)], crs=32642)
        table = kzgeo.zonal_stats(plot, path, stats=["mean"])
    assert f"{extra.lower()}_mean" not in table.columns
    assert table.loc[0, f"{red.lower()}_mean"] == pytest.approx(expected)


def test_a_float_band_that_is_no_sensors_is_not_checked_as_reflectance(tmp_path):
    """An elevation beside float reflectance is neither refused as digital numbers nor a fill."""
    names = ["B02", "B03", "B04", "B08", "elevation"]
    data = np.stack([np.full((4, 4), 450.0 if n == "elevation" else 0.25, np.float32) for n in names])
    path = write_tif(tmp_path / "s.tif", data, descriptions=names, tags={"PROCESSING_BASELINE": "05.09"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with kzgeo.open_scene(path) as scene:
            assert scene.sensor == "sentinel-2" and scene.read_band("elevation")[0, 0] == 450.0
            np.testing.assert_allclose(scene.read(), 0.25)


def test_a_common_name_beside_sensor_names_is_the_sensors_band(tmp_path):
    """A band described 'nir' beside B02..B04 is Sentinel-2's B08, scaled as the others are; beside
    Landsat 8's thermal B10 and B11 (Sentinel-2 has bands of those names too), nir is B5."""
    names = ["B02", "B03", "B04", "nir", "swir1"]
    dn = np.stack([np.full((2, 2), 3000 + 1000 * i, np.uint16) for i in range(5)])
    path = write_tif(tmp_path / "s.tif", dn, descriptions=names, tags={"PROCESSING_BASELINE": "02.14"})
    with kzgeo.open_scene(path) as scene:
        assert scene.sensor == "sentinel-2" and scene.bands == ("B02", "B03", "B04", "B08", "B11")
        np.testing.assert_allclose(scene.read_band("nir"), 0.6, rtol=1e-6)
    names = ["blue", "green", "red", "nir", "B10", "B11"]
    dn = np.stack([np.full((2, 2), 45000 if n.startswith("B") else 20000, np.uint16) for n in names])
    path = write_tif(tmp_path / "l8.tif", dn, descriptions=names, tags={"SPACECRAFT_ID": "LANDSAT_8"})
    with kzgeo.open_scene(path) as scene:
        assert scene.sensor == "landsat" and scene.bands == ("B2", "B3", "B4", "B5")
        np.testing.assert_allclose(scene.read_band("nir"), 20000 * 2.75e-5 - 0.2, rtol=1e-6)
        assert scene.read_band("B10")[0, 0] == 45000

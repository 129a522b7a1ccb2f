"""Reading and writing layers in every supported format; errors for bad files; atomic writes."""

from __future__ import annotations

import tempfile
import zipfile

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

import kzgeo
from kzgeo.errors import DataError, LayerReadError, OutputError, OutputExistsError
from kzgeo.io import atomic_output, list_layers

SQUARES = [box(71.4, 51.1, 71.5, 51.2), box(76.9, 43.2, 77.0, 43.3)]


@pytest.fixture
def layer() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "plot_id": [1, 2],
            "species": ["Scots pine", "elm"],
            "seedlings": [2500, 1800],
            "declared_ha": [1.0, 2.5],
        },
        geometry=SQUARES,
        crs=4326,
    )


@pytest.mark.filterwarnings("ignore:Column names longer than 10", "ignore:Normalized/laundered field name")
@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".shp", ".parquet", ".fgb"])
def test_round_trip_every_format(tmp_path, layer, suffix):
    dest = kzgeo.write_layer(layer, tmp_path / f"plots{suffix}")
    back = kzgeo.read_layer(dest, kind="plots")
    assert list(back["plot_id"]) == [1, 2]
    assert list(back["species"]) == ["Scots pine", "elm"]
    assert back.crs.to_epsg() == 4326
    assert all(
        a.normalize().equals_exact(b.normalize(), 1e-9)
        for a, b in zip(back.geometry, layer.geometry, strict=True)
    )
    # Shapefile truncates names to 10 characters; reading maps them back onto the schema
    assert back["declared_ha"].tolist() == [1.0, 2.5]


@pytest.mark.filterwarnings("ignore:Column names longer than 10", "ignore:Normalized/laundered field name")
def test_zipped_shapefile(tmp_path, layer):
    kzgeo.write_layer(layer, tmp_path / "plots.shp")
    archive = tmp_path / "plots.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in tmp_path.glob("plots.*"):
            if part.suffix != ".zip":
                zf.write(part, part.name)
    back = kzgeo.read_layer(archive, kind="plots")
    assert len(back) == 2


def test_zipped_shapefile_inside_a_folder_of_the_zip(tmp_path, layer):
    kzgeo.write_layer(layer, tmp_path / "plots.shp")
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in tmp_path.glob("plots.*"):
            zf.write(part, f"download/data/{part.name}")
    assert list_layers(archive) == ["plots"]
    assert len(kzgeo.read_layer(archive, kind="plots")) == 2
    with zipfile.ZipFile(archive, "a") as zf:
        zf.write(tmp_path / "plots.shp", "other/plots.shp")
    with pytest.raises(LayerReadError, match=r"holds shapefiles in 2 folders \(download/data, other\)"):
        kzgeo.read_layer(archive)


def test_projected_file_is_returned_in_wgs84(tmp_path, layer):
    kzgeo.write_layer(layer.to_crs(32643), tmp_path / "utm.gpkg")
    back = kzgeo.read_layer(tmp_path / "utm.gpkg", kind="plots")
    assert back.crs.to_epsg() == 4326
    assert back.total_bounds == pytest.approx(layer.total_bounds, abs=1e-7)


def test_missing_file(tmp_path):
    with pytest.raises(LayerReadError, match=r"nope\.gpkg: no such file"):
        kzgeo.read_layer(tmp_path / "nope.gpkg")


def test_unknown_format(tmp_path):
    path = tmp_path / "plots.kml2"
    path.write_text("x")
    with pytest.raises(LayerReadError, match=r"unknown format '\.kml2'; kzgeo reads and writes"):
        kzgeo.read_layer(path)


def test_unreadable_file(tmp_path):
    path = tmp_path / "broken.gpkg"
    path.write_bytes(b"this is not a geopackage")
    with pytest.raises(LayerReadError, match=r"broken\.gpkg: cannot be read") as err:
        kzgeo.read_layer(path)
    assert "its content is not in GeoPackage format; check that this is the file you meant" in str(err.value)
    assert "DRIVER" not in str(err.value)  # GDAL's own advice does not fit a kzgeo user


def test_shapefile_without_its_index(tmp_path, layer):
    (tmp_path / "my data").mkdir()
    kzgeo.write_layer(layer, tmp_path / "my data" / "plots.shp")
    (tmp_path / "my data" / "plots.shx").unlink()
    with pytest.raises(LayerReadError, match=r"index file plots\.shx is missing; copy a shapefile's"):
        kzgeo.read_layer(tmp_path / "my data" / "plots.shp")


def test_shapefile_without_its_attributes(tmp_path, layer):
    kzgeo.write_layer(layer, tmp_path / "plots.shp")
    (tmp_path / "plots.dbf").unlink()
    with pytest.raises(LayerReadError, match=r"attribute file plots\.dbf is missing, so every id and name"):
        kzgeo.read_layer(tmp_path / "plots.shp")


def test_multilayer_geopackage_picks_kind_or_asks(tmp_path, layer):
    path = tmp_path / "all.gpkg"
    layer.to_file(path, layer="plots")
    layer.rename(columns={"plot_id": "corridor_id"}).to_file(path, layer="corridors")
    assert sorted(list_layers(path)) == ["corridors", "plots"]
    assert len(kzgeo.read_layer(path, kind="plots")) == 2
    assert "corridor_id" in kzgeo.read_layer(path, layer="corridors").columns
    with pytest.raises(LayerReadError, match=r"holds 2 layers .*choose one with layer="):
        kzgeo.read_layer(path)
    with pytest.raises(LayerReadError, match=r"has no layer 'plot'; its layers: plots, corridors"):
        kzgeo.read_layer(path, layer="plot")
    assert len(kzgeo.read_layer(path, layer="PLOTS")) == 2  # as GDAL, in any case


def test_zip_with_two_shapefiles_asks_which(tmp_path, layer):
    for name in ("north", "south"):
        kzgeo.write_layer(layer, tmp_path / f"{name}.shp")
    archive = tmp_path / "two.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for file in sorted(tmp_path.glob("*.*")):
            if file.suffix != ".zip":
                z.write(file, file.name)
    with pytest.raises(LayerReadError, match=r"holds 2 layers \(north, south\); choose one"):
        kzgeo.read_layer(archive)
    assert len(kzgeo.read_layer(archive, layer="south")) == len(layer)


def test_info_of_an_empty_layer_is_valid_json(tmp_path, layer, capsys):
    import json

    from kzgeo.cli import main

    layer.iloc[:0].to_file(tmp_path / "empty.gpkg")
    assert main(["info", str(tmp_path / "empty.gpkg"), "--json"]) == 0
    desc = json.loads(capsys.readouterr().out, parse_constant=lambda name: pytest.fail(f"{name} in JSON"))
    assert desc["features"] == 0 and desc["bounds_wgs84"] is None and desc["area_ha"] == 0.0


def test_wdpa_columns_are_mapped(tmp_path):
    wdpa = gpd.GeoDataFrame(
        {
            "WDPAID": [555, 556],
            "NAME": ["Korgalzhyn", "Naurzum"],
            "DESIG_ENG": ["State Nature Reserve"] * 2,
            "IUCN_CAT": ["Ia", "Ia"],
            "STATUS_YR": [1968, 1931],
            "REP_AREA": [5431.71, 1914.0],
        },
        geometry=SQUARES,
        crs=4326,
    )
    kzgeo.write_layer(wdpa, tmp_path / "wdpa.gpkg")
    pa = kzgeo.read_layer(tmp_path / "wdpa.gpkg", kind="protected_areas")
    assert list(pa["pa_id"]) == [555, 556]
    assert list(pa["name"]) == ["Korgalzhyn", "Naurzum"]
    assert list(pa["designation"]) == ["State Nature Reserve"] * 2
    assert list(pa["year"]) == [1968, 1931]
    # WDPA reports km²; the schema column is hectares
    assert pa["official_area_ha"].tolist() == pytest.approx([543171.0, 191400.0])


def test_wdpa_multi_parcel_export_and_float_ids(tmp_path):
    # two parcels of one site share WDPAID and differ in WDPA_PID; shapefiles store WDPAID as a float
    wdpa = gpd.GeoDataFrame(
        {"WDPAID": [101.0, 101.0], "WDPA_PID": ["101_A", "101_B"], "NAME": ["Altyn-Emel"] * 2},
        geometry=SQUARES,
        crs=4326,
    )
    kzgeo.write_layer(wdpa, tmp_path / "parcels.shp")
    pa = kzgeo.read_layer(tmp_path / "parcels.shp", kind="protected_areas")
    assert list(pa["pa_id"]) == ["101_A", "101_B"]
    # not for a layer of another kind, nor over a pa_id the layer has
    assert "pa_id" not in kzgeo.read_layer(tmp_path / "parcels.shp", kind="plots").columns
    own = wdpa.assign(pa_id=["x", "y"])
    assert list(kzgeo.read_layer(own, kind="protected_areas")["pa_id"]) == ["x", "y"]
    single = wdpa.iloc[:1].assign(WDPAID=[101.0])
    kzgeo.write_layer(single, tmp_path / "site.shp")
    pa = kzgeo.read_layer(tmp_path / "site.shp", kind="protected_areas")
    assert pa["pa_id"].tolist() == [101] and str(pa["pa_id"].dtype) == "Int64"


def test_osm_columns_are_mapped(tmp_path):
    osm = gpd.GeoDataFrame(
        {
            "osm_id": [6056653, 2676852],
            "name": ["Коргалжын", "Наурзум"],
            "name:kk": ["Қорғалжын", "Наурызым"],
            "name:ru": ["Коргалжынский", "Наурзумский"],
            "protect_class": ["1a", "2"],
        },
        geometry=SQUARES,
        crs=4326,
    )
    osm.to_file(tmp_path / "osm.geojson")
    pa = kzgeo.read_layer(tmp_path / "osm.geojson", kind="protected_areas")
    assert list(pa["pa_id"]) == [6056653, 2676852]
    assert list(pa["name_kk"]) == ["Қорғалжын", "Наурызым"]
    assert list(pa["iucn_cat"]) == ["Ia", "II"]


def test_geodataframe_source_is_validated(layer):
    assert len(kzgeo.read_layer(layer, kind="plots")) == 2


def test_write_never_clobbers_without_overwrite(tmp_path, layer):
    dest = tmp_path / "plots.gpkg"
    kzgeo.write_layer(layer, dest)
    with pytest.raises(OutputExistsError, match="already exists; pass overwrite=True"):
        kzgeo.write_layer(layer.iloc[:1], dest)
    assert len(kzgeo.read_layer(dest)) == 2
    kzgeo.write_layer(layer.iloc[:1], dest, overwrite=True)
    assert len(kzgeo.read_layer(dest)) == 1


def test_failed_write_leaves_no_half_written_file(tmp_path, layer, monkeypatch):
    dest = tmp_path / "plots.gpkg"
    kzgeo.write_layer(layer, dest)
    before = dest.read_bytes()

    def boom(self, path, *args, **kwargs):
        with open(path, "wb") as fh:
            fh.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", boom)
    with pytest.raises(OSError, match="disk full"):
        kzgeo.write_layer(layer, dest, overwrite=True)
    assert dest.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plots.gpkg"]


def test_atomic_output_removes_temp_file_on_error(tmp_path):
    dest = tmp_path / "table.csv"
    with pytest.raises(RuntimeError), atomic_output(dest) as tmp:
        tmp.write_text("half")
        raise RuntimeError("stop")
    assert list(tmp_path.iterdir()) == []


def test_write_into_missing_folder(tmp_path, layer):
    with pytest.raises(OutputError, match="does not exist; create it first"):
        kzgeo.write_layer(layer, tmp_path / "no" / "plots.gpkg")


def test_write_below_a_file_or_onto_a_folder(tmp_path, layer):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(OutputError, match=r"notes\.txt is a file, not a folder"):
        kzgeo.write_layer(layer, tmp_path / "notes.txt" / "plots.gpkg")
    (tmp_path / "out.gpkg").mkdir()
    with pytest.raises(OutputError, match="is a folder; give a file name"):
        kzgeo.write_layer(layer, tmp_path / "out.gpkg", overwrite=True)


def test_write_into_a_folder_without_permission(tmp_path, layer, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(OutputError, match=r"cannot write in .*Permission denied.*choose a folder"):
        kzgeo.write_layer(layer, tmp_path / "plots.gpkg")
    assert list(tmp_path.iterdir()) == []


def test_write_without_crs(tmp_path, layer):
    with pytest.raises(kzgeo.DataError, match="has no CRS"):
        kzgeo.write_layer(layer.set_crs(None, allow_override=True), tmp_path / "x.gpkg")


def test_geoparquet_keeps_attributes(tmp_path, layer):
    kzgeo.write_layer(layer, tmp_path / "plots.parquet")
    back = kzgeo.read_layer(tmp_path / "plots.parquet", kind="plots")
    pd.testing.assert_series_equal(back["seedlings"], layer["seedlings"], check_dtype=False)


def test_a_layer_the_writer_refuses_is_a_data_error_and_leaves_no_file(tmp_path, layer):
    with pytest.raises(DataError, match=r"column name\(s\) \[1\] are not text"):
        kzgeo.write_layer(layer.rename(columns={"plot_id": 1}), tmp_path / "a.gpkg")
    with pytest.raises(DataError, match=r"cannot be written as GeoPackage .*UNIQUE constraint failed"):
        kzgeo.write_layer(layer.assign(fid=[1, 1]), tmp_path / "b.gpkg")
    with pytest.raises(OutputError, match="does not write zipped Shapefiles"):
        kzgeo.write_layer(layer, tmp_path / "c.zip")
    assert list(tmp_path.iterdir()) == []


def test_read_layer_takes_a_geoseries_and_names_other_objects(layer):
    back = kzgeo.read_layer(layer.geometry.set_crs(4326, allow_override=True))
    assert len(back) == len(layer) and back.crs.to_epsg() == 4326
    with pytest.raises(LayerReadError, match="list given as a layer: give a file path, a GeoDataFrame"):
        kzgeo.read_layer([1, 2])


@pytest.mark.parametrize("suffix", [".geojson", ".shp", ".gpkg", ".fgb", ".parquet"])
def test_whole_number_columns_come_back_as_int64_from_every_format(tmp_path, layer, suffix):
    kzgeo.write_layer(layer, tmp_path / f"plots{suffix}")
    back = kzgeo.read_layer(tmp_path / f"plots{suffix}")
    assert back["seedlings"].dtype == "int64" and back["plot_id"].dtype == "int64"

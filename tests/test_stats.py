"""flatten, coverage, overlap_table and planting_progress: hand-worked answers, real regions, properties."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import box
from shapely.errors import GEOSException

from kzgeo import CRSError, DataError, GeometryError, KzgeoError, KzgeoWarning, RepairWarning, SchemaError
from kzgeo.area import hectares
from kzgeo.io import read_layer
from kzgeo.stats import NATIONAL, TOTAL, coverage, flatten, overlap_table, planting_progress
from kzgeo.validate import validate_layer

# Lambert azimuthal equal-area (WGS84) centred in Kazakhstan: 100 m squares drawn a few km from the
# centre are 1 ha on the ground to 1e-9, so every expected value below is worked out by hand.
LAEA = "+proj=laea +lat_0=48 +lon_0=68 +ellps=WGS84 +units=m +no_defs"
GEOKZ = "geokz/kaz_admbnda_adm{}_2024.shp"


def ha_box(x0: float, y0: float, width_ha: float, height_ha: float = 1.0) -> shapely.Polygon:
    """A rectangle of width_ha × height_ha hectare-squares (100 m cells) with its corner at (x0, y0) km."""
    x, y = 1000 * x0 + 10, 1000 * y0 + 10
    return box(x, y, x + 100 * width_ha, y + 100 * height_ha)


def layer(geoms, crs=LAEA, **columns) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=list(geoms), crs=crs)


# --- flatten --------------------------------------------------------------------------------------


def test_flatten_counts_overlaps_once():
    # 4 ha and 4 ha sharing 2 ha -> 6 ha; a 1 ha square nested inside adds nothing
    pas = layer([ha_box(0, 0, 4), ha_box(0, 0, 4).union(ha_box(0, 0, 4)).buffer(0), ha_box(0, 0, 1)])
    pas.loc[1, "geometry"] = shapely.affinity.translate(pas.geometry[1], 200, 0)
    flat = flatten(pas)
    assert len(flat) == 1
    assert flat["features"][0] == 3
    assert flat["area_ha"][0] == pytest.approx(6.0, rel=1e-7)
    assert flat.crs == pas.crs


def test_flatten_by_column_dissolves_within_groups():
    pas = layer(
        [ha_box(0, 0, 2), ha_box(0, 0, 2), ha_box(5, 0, 3), ha_box(9, 0, 1)],
        iucn_cat=["Ia", "Ia", "II", "II"],
    )
    flat = flatten(pas, by="iucn_cat")
    assert flat["iucn_cat"].tolist() == ["II", "Ia"]
    assert flat["features"].tolist() == [2, 2]
    np.testing.assert_allclose(flat["area_ha"], [4.0, 2.0], rtol=1e-7)


def test_flatten_repairs_invalid_input_with_a_warning():
    bowtie = shapely.Polygon([(10, 10), (210, 210), (210, 10), (10, 210)])  # two 1 ha triangles
    with pytest.warns(RepairWarning, match="repaired 1 invalid geometry"):
        flat = flatten(layer([bowtie]))
    assert flat.geometry[0].is_valid
    assert flat["area_ha"][0] == pytest.approx(2.0, rel=1e-7)


def test_flatten_nearly_coincident_boundaries():
    # the same 100 ha twice, one copy shifted by a micrometre and with extra vertices along its edges
    a = ha_box(0, 0, 10, 10)
    b = shapely.segmentize(shapely.affinity.translate(a, 1e-6, -1e-6), 7.0)
    flat = flatten(layer([a, b]))
    assert flat["area_ha"][0] == pytest.approx(100.0, rel=1e-6)


def test_flatten_falls_back_to_a_precision_grid_when_geos_fails(monkeypatch):
    real_union = shapely.union_all
    calls = []

    def flaky(geoms, *args, **kwargs):
        calls.append(geoms)
        if len(calls) == 1:
            raise GEOSException("TopologyException: side location conflict at 10 10")
        return real_union(geoms, *args, **kwargs)

    monkeypatch.setattr(shapely, "union_all", flaky)
    with pytest.warns(RepairWarning, match="TopologyException.*snapped to a 0.01 metre grid"):
        flat = flatten(layer([ha_box(0, 0, 2), ha_box(0, 0, 3)]))
    assert flat["area_ha"][0] == pytest.approx(3.0, rel=1e-7)
    assert len(calls) == 2


def test_no_topology_exception_reaches_the_user(monkeypatch):
    def broken(*args, **kwargs):
        raise GEOSException("TopologyException: found non-noded intersection")

    monkeypatch.setattr(shapely, "union_all", broken)
    with pytest.warns(RepairWarning), pytest.raises(GeometryError, match=r"even on a 0\.01 grid") as info:
        flatten(layer([ha_box(0, 0, 2)]))
    assert isinstance(info.value, KzgeoError)


def test_flatten_errors():
    with pytest.raises(CRSError, match="no CRS"):
        flatten(gpd.GeoDataFrame(geometry=[ha_box(0, 0, 1)]))
    with pytest.raises(SchemaError, match="column\\(s\\) kind not in the layer"):
        flatten(layer([ha_box(0, 0, 1)]), by="kind")


def test_region_is_the_union_of_its_districts_synthetic():
    # a 3 × 2 km region cut into six 1 km² districts: 600 ha
    districts = layer([ha_box(x, y, 10, 10) for x in range(3) for y in range(2)], region=["R"] * 6)
    flat = flatten(districts, by="region")
    assert flat["area_ha"][0] == pytest.approx(600.0, rel=1e-7)
    assert flat.geometry[0].geom_type == "Polygon"


def test_real_regions_sum_equals_their_union(admin_dir):
    regions = gpd.read_file(admin_dir / GEOKZ.format(1))
    union = flatten(regions)
    assert union["features"][0] == 20
    assert union["area_ha"][0] == pytest.approx(hectares(regions).sum(), rel=1e-4)  # 0.01 %


def test_real_regions_equal_the_union_of_their_districts(admin_dir):
    regions = gpd.read_file(admin_dir / GEOKZ.format(1))
    districts = gpd.read_file(admin_dir / GEOKZ.format(2))
    with pytest.warns(RepairWarning):  # one district polygon of the source is invalid
        flat = flatten(districts, by="ADM1_EN")
    relative = (
        flat.set_index("ADM1_EN")["area_ha"] / pd.Series(hectares(regions), index=regions["ADM1_EN"]) - 1
    )
    # 17 of the 20 units match to 1e-6; Akmola, Zhambyl, Turkestan and Zhetysu differ by up to
    # 0.012 % and Astana by 0.96 %: the 2024 district file was cut from slightly different lines
    assert (relative.abs() < 1e-6).sum() >= 15
    assert relative.drop("Astana (city)").abs().max() < 2e-4


# --- coverage -------------------------------------------------------------------------------------


def zones_and_pas():
    # zone a: 30 ha at x 0..1 km; zone b: 30 ha at x 2..3 km (both 300 m tall)
    zones = layer([ha_box(0, 0, 10, 3), ha_box(2, 0, 10, 3)], zone=["a", "b"], name_en=["Alpha", "Beta"])
    # reserve 4 ha in a; a nested sanctuary of 2 ha inside it; a park of 3 ha half in b, half outside
    pas = layer(
        [ha_box(0.1, 0.1, 4), ha_box(0.1, 0.1, 2), ha_box(2.85, 0.1, 3)],
        pa_id=["reserve", "sanctuary", "park"],
    )
    return zones, pas


def test_coverage_counts_nested_designations_once():
    zones, pas = zones_and_pas()
    table = coverage(zones, pas, zone_id="zone")
    assert table["zone"].tolist() == ["a", "b", TOTAL]
    assert table["name_en"].tolist() == ["Alpha", "Beta", TOTAL]
    np.testing.assert_allclose(table["zone_ha"], [30.0, 30.0, 60.0], rtol=1e-7)
    np.testing.assert_allclose(table["covered_ha"], [4.0, 1.5, 5.5], rtol=1e-7)
    np.testing.assert_allclose(table["covered_pct"], [40 / 3, 5.0, 55 / 6], rtol=1e-7)


def test_coverage_total_is_not_fooled_by_overlapping_zones():
    # the same zone listed twice: the total row measures the union, 10 ha with 4 ha covered
    zones = layer([ha_box(0, 0, 10), ha_box(0, 0, 10)], zone=["a", "a-again"])
    table = coverage(zones, layer([ha_box(0, 0, 4)]), zone_id="zone")
    np.testing.assert_allclose(table["zone_ha"], [10.0, 10.0, 10.0], rtol=1e-7)
    np.testing.assert_allclose(table["covered_pct"], [40.0, 40.0, 40.0], rtol=1e-7)


def test_coverage_does_not_depend_on_the_layers_crs():
    zones, pas = zones_and_pas()
    base = coverage(zones, pas, zone_id="zone")
    for crs in ("EPSG:4326", "EPSG:32642", "EPSG:3857"):
        other = coverage(zones.to_crs(crs), pas.to_crs("EPSG:32641"), zone_id="zone")
        np.testing.assert_allclose(other["zone_ha"], base["zone_ha"], rtol=1e-8)
        # the park is cut by zone b's edge, a line that is straight in the zones' CRS only: between
        # CRSs it moves by under a millimetre over 300 m
        np.testing.assert_allclose(other["covered_ha"], base["covered_ha"], rtol=1e-5)


def test_coverage_default_id_is_the_kind_id_then_the_index(tmp_path):
    zones, pas = zones_and_pas()
    by_kato = coverage(zones.assign(kato=[100, 200]), pas)
    # numeric ids become text beside the total row: one type, so the table sorts and writes to Parquet
    assert by_kato["kato"].tolist() == ["100", "200", TOTAL]
    assert by_kato.sort_values("kato")["kato"].tolist() == ["100", "200", TOTAL]
    by_kato.to_parquet(tmp_path / "coverage.parquet")
    # codes a spreadsheet made floats are the same text; a number and its text are one id twice
    as_floats = coverage(zones.assign(kato=[100.0, 200.0]), pas)
    assert as_floats["kato"].tolist() == ["100", "200", TOTAL]
    with pytest.raises(SchemaError, match=r"ids in column 'kato' are the same as text \('1' twice"):
        coverage(zones.assign(kato=[1, "1"]), pas)
    by_index = coverage(zones.set_index(pd.Index([7, 8], name="zone_no")), pas)
    assert by_index["zone_no"].tolist() == ["7", "8", TOTAL]


def test_a_zone_without_area_and_progress_without_plots_are_said():
    zones, pas = zones_and_pas()
    zones.loc[1, "geometry"] = None
    with pytest.warns(
        KzgeoWarning, match=r"coverage zones: 1 zone\(s\) have no area .*: zone b; their zone_ha"
    ):
        table = coverage(zones, pas, zone_id="zone")
    assert table["zone_ha"].iloc[1] == 0 and np.isnan(table["covered_pct"].iloc[1])
    # seven zones without area: five named, and how many more
    shapeless = layer([ha_box(0, 0, 1), *[None] * 7], zone=list("abcdefgh"))
    with pytest.warns(
        KzgeoWarning, match=r"7 zone\(s\) have no area .*: zone b, c, d, e, f and 2 more; their zone_ha"
    ):
        coverage(shapeless, pas, zone_id="zone")
    regions, plots = regions_and_plots()
    with pytest.warns(
        KzgeoWarning, match="planting_progress plots: the layer has no features, so nothing is"
    ):
        table = planting_progress(plots.iloc[:0], regions)
    assert table["plots"].sum() == 0


def test_coverage_of_an_empty_layer_is_zero_with_a_warning():
    zones, _ = zones_and_pas()
    # 0 % everywhere is what a wrong layer (or a wrong filter) gives: say so
    with pytest.warns(KzgeoWarning, match=r"coverage layer: the layer has no polygons \(0 feature"):
        table = coverage(zones, layer([]), zone_id="zone")
    assert table["covered_ha"].tolist() == [0.0, 0.0, 0.0]


def test_coverage_of_no_zones_is_an_error():
    _, pas = zones_and_pas()
    with pytest.raises(DataError, match="coverage zones: the layer has no features; give the zones"):
        coverage(layer([], zone=[]), pas, zone_id="zone")


def test_a_zone_named_total_is_refused_not_confused_with_the_total_row():
    zones, pas = zones_and_pas()
    with pytest.raises(SchemaError, match="a zone's id in column 'zone' is 'total', the id of the total row"):
        coverage(zones.assign(zone=["a", TOTAL]), pas, zone_id="zone")


def test_duplicate_ids_are_named_as_plain_values():
    zones, pas = zones_and_pas()
    with pytest.raises(SchemaError, match=r"repeats the value 111;"):
        coverage(zones.assign(kato=np.array([111, 111], dtype=np.int64)), pas)


def test_an_id_column_is_named_in_any_case():
    """Column names match in any case (README): zone_id='ZONE' is the column 'zone'; a name two
    columns answer to in different cases is not guessed."""
    zones, pas = zones_and_pas()
    pd.testing.assert_frame_equal(coverage(zones, pas, zone_id="ZONE"), coverage(zones, pas, zone_id="zone"))
    with pytest.raises(SchemaError, match=r"no column 'ZONE'"):
        coverage(zones.assign(Zone=zones["zone"]), pas, zone_id="ZONE")


def test_coverage_errors():
    zones, pas = zones_and_pas()
    with pytest.raises(SchemaError, match=r"no column 'code'.*pass zone_id="):
        coverage(zones, pas, zone_id="code")
    with pytest.raises(SchemaError, match="repeats the value 'a'"):
        coverage(zones.assign(zone=["a", "a"]), pas, zone_id="zone")
    with pytest.raises(CRSError, match="coverage layer: the layer has no CRS"):
        coverage(zones, gpd.GeoDataFrame(geometry=list(pas.geometry)), zone_id="zone")
    with pytest.raises(SchemaError, match="id column 'zone' is empty for 1 of 2 feature"):
        coverage(zones.assign(zone=["a", None]), pas, zone_id="zone")
    # without an id column the index names the zones: a repeated index is said to be one
    unnamed = zones.drop(columns="zone").set_axis([7, 7])
    with pytest.raises(SchemaError, match=r"no id column, and the index repeats 7; pass zone_id= naming"):
        coverage(unnamed, pas)
    several = pd.concat([zones, zones, zones.assign(zone=["c", "d"])], ignore_index=True)
    with pytest.raises(SchemaError, match=r"id column 'zone' repeats 2 values \('a', 'b'\); make"):
        coverage(several, pas, zone_id="zone")
    # seven values repeated: five of them, as values (numbers, not np.int64), and how many more
    sevenfold = layer([ha_box(0, 0, 1)] * 14, zone=np.tile(np.arange(7), 2))
    with pytest.raises(
        SchemaError, match=r"id column 'zone' repeats 7 values \(0, 1, 2, 3, 4 and 2 more\); make"
    ):
        coverage(sevenfold, pas, zone_id="zone")


def test_a_layers_own_id_column_names_its_rows():
    zones, pas = zones_and_pas()
    table = coverage(zones.drop(columns="zone").assign(id=["north", "south"]), pas)
    assert table["id"].tolist()[:2] == ["north", "south"]


def test_coverage_of_real_regions_by_their_own_districts_is_complete(admin_dir):
    regions = gpd.read_file(admin_dir / GEOKZ.format(1))
    districts = gpd.read_file(admin_dir / GEOKZ.format(2))
    with pytest.warns(RepairWarning):
        table = coverage(regions, districts, zone_id="ADM1_EN")
    total = table.set_index("ADM1_EN").loc[TOTAL]
    # Kazakhstan: about 2,724,900 km² = 272.5 M ha
    assert total["zone_ha"] == pytest.approx(2.7249e8, rel=2e-3)
    assert total["covered_pct"] == pytest.approx(100.0, abs=0.01)
    assert table["zone_ha"].iloc[:-1].sum() == pytest.approx(total["zone_ha"], rel=1e-4)


# --- overlap_table --------------------------------------------------------------------------------


def plots_and_pas():
    plots = layer(
        [ha_box(0.1, 0, 1), ha_box(0.35, 0, 2), ha_box(0.95, 0, 1), ha_box(5, 0, 1)],
        plot_id=["inside", "straddles", "touches", "far"],
    )
    # plot 'straddles' spans x 350..550 m: half in the reserve (x ..450 m); 'touches' starts at 960 m
    pas = layer([box(10, 10, 460, 1010), box(960, 110, 2000, 1000)], pa_id=["reserve", "park"])
    return plots, pas


def test_overlap_table_hand_worked():
    plots, pas = plots_and_pas()
    table = overlap_table(plots, pas, left_id="plot_id", right_id="pa_id")
    assert list(table.columns) == ["plot_id", "pa_id", "overlap_ha", "left_share_pct", "right_share_pct"]
    assert table[["plot_id", "pa_id"]].values.tolist() == [["inside", "reserve"], ["straddles", "reserve"]]
    np.testing.assert_allclose(table["overlap_ha"], [1.0, 1.0], rtol=1e-7)
    np.testing.assert_allclose(table["left_share_pct"], [100.0, 50.0], rtol=1e-7)
    np.testing.assert_allclose(table["right_share_pct"], [100 / 45, 100 / 45], rtol=1e-7)
    assert table.attrs["slivers_dropped"] == 0


def test_overlap_table_drops_and_counts_slivers():
    # a 10 ha plot and a 10 ha reserve digitised 2 cm apart along a shared edge: 0.002 % overlap
    plot = layer([ha_box(0, 0, 10)], plot_id=[1])
    reserve = layer([shapely.affinity.translate(ha_box(1, 0, 10), -0.02, 0)], pa_id=[9])
    table = overlap_table(plot, reserve)
    assert table.empty
    assert table.attrs["slivers_dropped"] == 1
    assert table.attrs["sliver_ha"] == pytest.approx(0.02 * 100 / 10_000, rel=1e-6)
    assert table.attrs["sliver_pct"] == 0.1
    kept = overlap_table(plot, reserve, sliver_pct=0)
    assert len(kept) == 1
    assert kept.attrs["slivers_dropped"] == 0


def test_overlap_table_keeps_a_wide_lobe_of_a_large_reserve_in_the_next_region():
    # a 10,000 km² reserve reaching 900 m x 10 km (900 ha) into the next region: 0.05 % of the reserve
    # and of the region, but no digitising sliver (900 m wide); a 20 m x 10 km strip (20 ha) is one
    regions = layer([box(-200_000, 0, 0, 100_000), box(0, 0, 200_000, 100_000)], kato=[1, 2])
    lobe = box(-100_000, 0, 0, 100_000).union(box(0, 0, 900, 10_000))
    strip = box(-100_000, 0, 0, 100_000).union(box(0, 20_000, 20, 30_000))
    table = overlap_table(layer([lobe, strip], pa_id=["lobe", "strip"]), regions)
    pairs = table.set_index(["pa_id", "kato"])["overlap_ha"]
    assert pairs[("lobe", 2)] == pytest.approx(900.0, rel=1e-5)  # edges read as geodesics
    assert ("strip", 2) not in pairs.index
    assert table.attrs["slivers_dropped"] == 1
    assert table.attrs["sliver_ha"] == pytest.approx(20.0, rel=1e-5)
    # the reserve with the lobe is in the two regions (to where their 100 km edges, geodesics split
    # at other vertices, part by 1e-5; without the lobe 99.91 %)
    assert table[table["pa_id"] == "lobe"]["left_share_pct"].sum() == pytest.approx(100.0, abs=0.005)


def test_overlap_table_keeps_a_small_plot_inside_a_huge_reserve():
    # 0.01 ha is 1e-6 of the reserve but 100 % of the plot: not a sliver
    plot = layer([box(5000, 5000, 5010, 5010)], plot_id=[1])
    reserve = layer([box(0, 0, 100_000, 100_000)], pa_id=[2])
    table = overlap_table(plot, reserve)
    assert table["overlap_ha"].iloc[0] == pytest.approx(0.01, rel=1e-8)


def test_overlap_within_one_layer_skips_self_pairs_and_names_both_ids():
    pas = layer([ha_box(0, 0, 4), ha_box(0.2, 0, 4)], pa_id=["a", "b"])
    table = overlap_table(pas, pas)
    # one row per pair, so that the overlap_ha column sums to the overlapping hectares
    assert table[["pa_id_left", "pa_id_right"]].values.tolist() == [["a", "b"]]
    np.testing.assert_allclose(table["overlap_ha"], [2.0], rtol=1e-7)


def test_overlap_table_errors():
    plots, pas = plots_and_pas()
    for bad in (-1, 200, float("nan")):
        with pytest.raises(DataError, match=f"sliver_pct={bad!r} must be a percentage from 0 to 100"):
            overlap_table(plots, pas, sliver_pct=bad)
    with pytest.raises(SchemaError, match=r"no column 'id'.*pass right_id="):
        overlap_table(plots, pas, right_id="id")
    with pytest.raises(CRSError):
        overlap_table(plots, gpd.GeoDataFrame(geometry=list(pas.geometry)))


def test_overlap_total_matches_geopandas_overlay():
    rng = np.random.default_rng(3)
    centres = rng.uniform(0, 20_000, (300, 2))
    sizes = rng.uniform(50, 400, 300)
    plots = layer(
        [box(x, y, x + s, y + s) for (x, y), s in zip(centres, sizes, strict=True)], plot_id=range(300)
    )
    pas = layer(
        [
            shapely.Point(x, y).buffer(r)
            for x, y, r in rng.uniform([0, 0, 1000], [20_000, 20_000, 4000], (12, 3))
        ],
        pa_id=range(12),
    )
    ours = overlap_table(plots, pas, sliver_pct=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = gpd.overlay(plots, pas, how="intersection")
    assert ours["overlap_ha"].sum() == pytest.approx(hectares(theirs).sum(), rel=1e-7)
    assert len(ours) == len(theirs)


# corners kept 10 m off the LAEA centre, where PROJ's inverse is a millimetre off
boxes = st.tuples(st.floats(10, 3000), st.floats(10, 3000), st.floats(10, 2000), st.floats(10, 2000)).map(
    lambda t: box(t[0], t[1], t[0] + t[2], t[1] + t[3])
)


@settings(max_examples=30, deadline=None)
@given(left=st.lists(boxes, min_size=1, max_size=6), right=st.lists(boxes, min_size=1, max_size=6))
def test_overlap_is_symmetric_and_union_at_most_sum(left, right):
    a = layer(left, a_id=range(len(left)))
    b = layer(right, b_id=range(len(right)))
    ab = overlap_table(a, b, left_id="a_id", right_id="b_id", sliver_pct=0)
    ba = overlap_table(b, a, left_id="b_id", right_id="a_id", sliver_pct=0)
    merged = ab.merge(ba, on=["a_id", "b_id"], suffixes=("", "_ba"))
    assert len(merged) == len(ab) == len(ba)
    np.testing.assert_allclose(merged["overlap_ha"], merged["overlap_ha_ba"], rtol=1e-7)
    np.testing.assert_allclose(merged["left_share_pct"], merged["right_share_pct_ba"], rtol=1e-7)
    assert (ab["left_share_pct"] <= 100 + 1e-9).all()
    both = pd.concat([a, b], ignore_index=True)
    # union ≤ sum, up to measuring an edge of about 2 km once whole (the parts) and once in halves (the
    # union's edges are split along the geodesic before GEOS cuts): 0.4 m² on a 2 km x 10 m strip, 2e-5
    assert flatten(both)["area_ha"][0] <= hectares(both).sum() * (1 + 1e-4)


# --- planting_progress ----------------------------------------------------------------------------


def regions_and_plots():
    regions = layer([ha_box(0, 0, 100, 100), ha_box(20, 0, 100, 100)], name_en=["Kostanay", "Akmola"])
    plots = layer(
        [ha_box(1, 1, 5), ha_box(2, 1, 3), ha_box(21, 1, 2), ha_box(22, 2, 4), ha_box(3, 3, 1)],
        plot_id=["p1", "p2", "p3", "p4", "p5"],
        region=["Kostanay", "Kostanay", "Akmola", "Akmola", None],
        year=[2024, 2025, 2025, 2025, 2025],
        species=["pine"] * 5,
        seedlings=[10_000, 6_000, 4_000, 8_000, 2_000],
        declared_ha=[5.0, 3.2, 2.0, 4.0, 1.0],
        survival_pct=[80.0, 90.0, np.nan, 50.0, 100.0],
    )
    return regions, plots


def test_plots_filed_under_another_region_than_the_one_holding_them_are_reported():
    regions, plots = regions_and_plots()
    moved = plots.assign(region=["Kostanay", "Akmola", "Akmola", "Akmola", None])  # p2 lies in Kostanay
    with pytest.warns(
        KzgeoWarning,
        match=r"1 plot\(s\) lie in another region than their region column says: p2 \(Akmola, lies in "
        r"Kostanay\); they are tabled under the region given",
    ):
        table = planting_progress(moved, regions).set_index(["region", "year"])
    assert table.loc[("Akmola", 2025), "plots"] == 3  # as given
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the right regions, or none: nothing to say
        planting_progress(plots, regions)


def test_a_city_is_found_by_its_name_without_city():
    regions, plots = regions_and_plots()
    regions = regions.assign(
        name_en=["Almaty", "Almaty (city)"],
        name_ru=["Алматинская", "Алматы"],
        name_kk=["Алматы", "Алматы (қала)"],
    )
    named = plots.assign(region=["Almaty", "almaty", "Алматы (қала)", "Almaty (city)", None])
    table = planting_progress(named, regions)  # 'Almaty' is the region, not the city
    assert table.groupby("region")["plots"].sum().to_dict() == {"Almaty": 3, "Almaty (city)": 2, NATIONAL: 5}
    astana = regions.assign(name_en=["Kostanay", "Astana (city)"], name_kk=["Қостанай", "Астана (қала)"])
    named = plots.assign(region=["Kostanay", "Kostanay", "Astana", "астана", None])
    table = planting_progress(named, astana)
    assert table.groupby("region")["plots"].sum().to_dict() == {
        "Astana (city)": 2,
        "Kostanay": 3,
        NATIONAL: 5,
    }


def test_a_name_two_regions_bear_is_told_apart_by_where_the_plot_lies():
    """'Алматы' is the region Almaty in Kazakh and the city in Russian: the later column won, and
    plots of the region named in Kazakh were tabled under the city."""
    regions, plots = regions_and_plots()
    regions = regions.assign(
        name_en=["Almaty", "Almaty (city)"],
        name_kk=["Алматы", "Алматы (қала)"],
        name_ru=["Алматинская", "Алматы"],
    )
    named = plots.assign(region=["Алматы"] * 5)  # p1, p2, p5 lie in the region, p3, p4 in the city
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # each where it lies: nothing to warn of
        table = planting_progress(named, regions)
    assert table.groupby("region")["plots"].sum().to_dict() == {"Almaty": 3, "Almaty (city)": 2, NATIONAL: 5}
    # one that location cannot settle (no geometry) is said, not filed under either in silence
    lost = pd.concat([named, named.iloc[[0]].assign(plot_id="p6", geometry=None)], ignore_index=True)
    with pytest.warns(
        KzgeoWarning,
        match=r"1 plot\(s\) are named 'Алматы', which Almaty and Almaty \(city\) both bear, and lie in "
        r"neither \(or have no geometry\): p6; they are tabled under Almaty \(city\)",
    ) as said:
        planting_progress(lost, regions)
    assert not [w for w in said if "another region than" in str(w.message)]
    plan = pd.DataFrame({"region": ["Алматы"], "year": [2025], "seedlings_plan": [1], "ha_plan": [1]})
    with pytest.raises(
        DataError,
        match=r"region 'Алматы' of row 2 may be Almaty or Almaty \(city\) of the regions layer, .* name it "
        r"'Алматы облысы' or 'Алматы қаласы'$",
    ):
        planting_progress(named, regions, plan=plan)


def test_plots_of_one_year_drawn_over_each_other_are_reported():
    """A plot entered twice counts its hectares twice in planted_ha (as the plots' own areas do): a
    warning names the pair and the hectares; plots that only touch, a sliver of boundary noise or
    the same land planted again in another year are no such pair."""
    regions, plots = regions_and_plots()
    twice = pd.concat([plots, plots.iloc[[2]].assign(plot_id="p3-again")], ignore_index=True)
    with pytest.warns(
        KzgeoWarning, match=r"1 pair\(s\) of plots of the same year overlap \(p3 with p3-again\), 2\.00 ha"
    ):
        table = planting_progress(twice, regions).set_index(["region", "year"])
    assert table.loc[("Akmola", 2025), "planted_ha"] == pytest.approx(2.0 + 4.0 + 2.0, rel=1e-7)
    # seven plots entered twice: five pairs named, and how many more
    seven = layer([ha_box(21 + 2 * i, 10, 1) for i in range(7)] * 2, plot_id=[f"q{i}" for i in range(14)],
                  region=["Akmola"] * 14, year=[2025] * 14, species=["pine"] * 14, seedlings=[1] * 14,
                  declared_ha=[1.0] * 14, survival_pct=[np.nan] * 14)  # fmt: skip
    with pytest.warns(
        KzgeoWarning,
        match=r"7 pair\(s\) of plots of the same year overlap \(q0 with q7, q1 with q8, q2 with q9, q3 with "
        r"q10, q4 with q11 and 2 more\), 7\.00 ha in common",
    ):
        planting_progress(seven, regions)
    touching = ha_box(21, 1, 2).union(box(21_210, 1_010, 21_220, 1_110))  # p3 and a strip along its side
    sliver = box(21_210 - 0.05, 1_010, 21_310, 1_110)  # p3's neighbour, drawn 5 cm into it: 0.05 %
    replanted = plots.iloc[[2]].assign(plot_id="p3-2024", year=2024)
    others = layer([touching.difference(ha_box(21, 1, 2)), sliver], plot_id=["strip", "neighbour"],
                   region=["Akmola", "Akmola"], year=[2025, 2026], species=["pine"] * 2, seedlings=[1, 1],
                   declared_ha=[0.1, 1.0], survival_pct=[np.nan, np.nan])  # fmt: skip
    fine = pd.concat([plots, replanted, others.iloc[[0]]], ignore_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", KzgeoWarning)
        warnings.filterwarnings("ignore", message=".*no 'Kazakhstan' row|.*lie in no region")
        planting_progress(fine, regions)
        planting_progress(pd.concat([plots.iloc[[2]], others.iloc[[1]].assign(year=2025)]), regions)


def test_a_plan_table_in_kazakh_names_headers_in_any_case_and_spaced_thousands():
    regions, plots = regions_and_plots()
    plain = pd.DataFrame(
        {"region": ["Kazakhstan"], "year": [2025], "seedlings_plan": [12_000.0], "ha_plan": [7.0]}
    )
    local = pd.DataFrame(
        {"Region": ["Қазақстан"], "YEAR": ["2025"], "Seedlings_Plan": ["12 000"], "ha_plan": ["7"]}
    )
    pd.testing.assert_frame_equal(
        planting_progress(plots, regions, plan=local), planting_progress(plots, regions, plan=plain)
    )


def test_planting_progress_by_region_and_year_with_the_national_plan():
    regions, plots = regions_and_plots()
    table = planting_progress(plots, regions).set_index(["region", "year"])
    # the regions' order (they have no KATO codes), the national row last in each year
    assert list(table.index) == [
        ("Kostanay", 2024), (NATIONAL, 2024), ("Kostanay", 2025), ("Akmola", 2025), (NATIONAL, 2025)
    ]  # fmt: skip
    kostanay = table.loc[("Kostanay", 2025)]  # p2 and p5 (placed by its location)
    assert kostanay["plots"] == 2
    assert kostanay["planted_ha"] == pytest.approx(4.0, rel=1e-7)
    assert kostanay["declared_ha"] == pytest.approx(4.2)
    # seedling-weighted: (6000·0.9 + 2000·1.0) / 8000
    assert kostanay["survival_pct"] == pytest.approx(92.5)
    akmola = table.loc[("Akmola", 2025)]
    assert akmola["survival_pct"] == pytest.approx(50.0)  # p3 has no count
    national = table.loc[(NATIONAL, 2025)]
    assert national["seedlings"] == 20_000
    assert national["planted_ha"] == pytest.approx(10.0, rel=1e-7)
    assert national["seedlings_plan"] == 336_500_000
    assert national["ha_plan"] == 494_000
    assert national["seedlings_done_pct"] == pytest.approx(100 * 20_000 / 336.5e6)
    assert national["ha_done_pct"] == pytest.approx(100 * 10.0 / 494_000, rel=1e-7)
    assert np.isnan(table.loc[(NATIONAL, 2024), "ha_plan"])


def test_planting_progress_against_a_regional_plan():
    regions, plots = regions_and_plots()
    plan = pd.DataFrame(
        {"region": ["Akmola", "Akmola", NATIONAL], "year": [2025, 2026, 2025],
         "seedlings_plan": [24_000, 5_000, 1e6], "ha_plan": [12.0, 3.0, 100.0]}
    )  # fmt: skip
    table = planting_progress(plots, regions, plan=plan).set_index(["region", "year"])
    assert table.loc[("Akmola", 2025), "seedlings_done_pct"] == pytest.approx(50.0)
    assert table.loc[("Akmola", 2025), "ha_done_pct"] == pytest.approx(50.0, rel=1e-7)
    planned_only = table.loc[("Akmola", 2026)]
    assert planned_only["plots"] == 0
    assert planned_only["ha_done_pct"] == 0.0
    assert table.loc[(NATIONAL, 2025), "ha_done_pct"] == pytest.approx(10.0, rel=1e-7)


def _warned(*args, **kwargs) -> tuple[pd.DataFrame, list[str]]:
    """planting_progress(*args, **kwargs) and the messages of the KzgeoWarnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = planting_progress(*args, **kwargs)
    return table, [str(w.message) for w in caught if issubclass(w.category, KzgeoWarning)]


def test_planting_progress_warns_about_unknown_regions():
    """A region name the regions layer lacks is tabled under that name; a plot without a region that
    lies in none counts only in the national rows: each said precisely, only when it happens."""
    regions, plots = regions_and_plots()
    plots.loc[0, "region"] = "Semey"  # a region until 1997 ('Kostanai', a spelling of Kostanay, is read)
    table, said = _warned(plots, regions)
    assert said == [
        "planting_progress plots: 1 region name(s) of 1 plot(s) are in no row of the regions layer (by "
        "name_en, name_kk or name_ru): Semey; these plots are tabled in regional rows under those names "
        "as given, and in the national rows; name the regions as the regions layer does (e.g. Akmola, "
        "Kostanay, ...), or give a regions layer with these names"
    ]  # and not "0 plot(s) lie in no region"
    table = table.set_index(["region", "year"])
    assert table.loc[("Semey", 2024), "plots"] == 1 and ("Kostanay", 2024) not in table.index
    assert table.loc[(NATIONAL, 2024), "plots"] == 1
    # seven names on ten plots: five named, and how many more
    many = pd.concat([plots, plots.assign(year=2026)], ignore_index=True)
    many["region"] = ["R1", "R2", "R3", "R4", "R5", "R6", "R7", "R1", "R2", "R3"]
    _, said = _warned(many, regions)
    assert len(said) == 1
    assert said[0].startswith(
        "planting_progress plots: 7 region name(s) of 10 plot(s) are in no row of the regions layer (by "
        "name_en, name_kk or name_ru): R1, R2, R3, R4, R5 and 2 more; these plots are tabled"
    )
    # districts given as regions repeat their region's name: each name once in the example
    districts = layer(
        [ha_box(0, 0, 100, 100), ha_box(20, 0, 100, 100), ha_box(40, 0, 100, 100)],
        name_en=["Abay", "Abay", "Zhetysu"],
    )
    _, said = _warned(regions_and_plots()[1], districts)
    assert "as the regions layer does (e.g. Abay, Zhetysu, ...)" in said[0]
    # a plot without a region, drawn outside both regions
    regions, plots = regions_and_plots()
    plots.loc[4, "geometry"] = ha_box(500, 500, 1)
    table, said = _warned(plots, regions)
    assert said == [
        "planting_progress plots: 1 plot(s) without a region lie in no region of the regions layer (p5); "
        "they are counted in the national rows only, in no regional row; give them a region, or check "
        "that the regions layer covers them"
    ]
    table = table.set_index(["region", "year"])
    assert table.loc[("Kostanay", 2025), "plots"] == 1 and table.loc[(NATIONAL, 2025), "plots"] == 4
    assert table.loc[(NATIONAL, 2025), "planted_ha"] == pytest.approx(10.0, rel=1e-6)


def test_planting_progress_errors():
    regions, plots = regions_and_plots()
    with pytest.raises(SchemaError, match="seedlings missing"):
        planting_progress(plots.drop(columns="seedlings"), regions)
    with pytest.raises(SchemaError, match="no 'name_en' column"):
        planting_progress(plots, regions.drop(columns="name_en"))
    with pytest.raises(SchemaError, match="ha_plan missing"):
        planting_progress(
            plots, regions, plan=pd.DataFrame({"region": ["A"], "year": [2025], "seedlings_plan": [1]})
        )
    bad = pd.DataFrame({"region": ["A"], "year": [2025], "seedlings_plan": ["many"], "ha_plan": [1.0]})
    with pytest.raises(DataError, match="seedlings_plan 'many' of row 2 is not a number"):
        planting_progress(plots, regions, plan=bad)
    twice = pd.DataFrame(
        {"region": ["Akmola", "Akmola"], "year": [2025, 2025], "seedlings_plan": [1, 2], "ha_plan": [1, 2]}
    )
    with pytest.raises(
        DataError,
        match=r"^planting_progress plan: 'Akmola' \(row 2\) and 'Akmola' \(row 3\) plan one region for 2025 "
        r"\(Akmola\); keep one row per region and year$",
    ):
        planting_progress(plots, regions, plan=twice)
    # a region the regions layer does not have would be a row of 0 % done
    unknown = pd.DataFrame({"region": ["Абай"], "year": [2025], "seedlings_plan": [1], "ha_plan": [1]})
    with pytest.raises(DataError, match=r"region\(s\) 'Абай' are in no row of the regions layer"):
        planting_progress(plots, regions, plan=unknown)
    unknown = pd.DataFrame(
        {
            "region": [f"R{i}" for i in range(7)],
            "year": [2025] * 7,
            "seedlings_plan": [1] * 7,
            "ha_plan": [1] * 7,
        }
    )
    with pytest.raises(
        DataError, match=r"region\(s\) 'R0', 'R1', 'R2', 'R3', 'R4' and 2 more are in no row of the regions"
    ):
        planting_progress(plots, regions, plan=unknown)
    blank = pd.DataFrame(
        {"region": ["Akmola", " "], "year": [2025] * 2, "seedlings_plan": [1, 2], "ha_plan": [1, 2]}
    )
    with pytest.raises(DataError, match="region of row 3 is empty; name the region"):  # not "region(s) nan"
        planting_progress(plots, regions, plan=blank)
    with pytest.raises(DataError, match="a header and no rows"):  # not silently no plan at all
        planting_progress(plots, regions, plan=blank.iloc[:0])


def test_wholly_empty_plan_rows_are_left_out():
    """Excel's ';;;' lines at a CSV's end and a sheet's blank rows refused the plan ('region of row
    3 is empty'): a row empty in every column is no row; others keep their row numbers."""
    regions, plots = regions_and_plots()
    plan = pd.DataFrame(
        {"region": ["Akmola", None, " ", "Kostanay", ""], "year": [2025, None, "", 2025, np.nan],
         "seedlings_plan": [24_000, None, "", 8_000, None], "ha_plan": [12.0, None, " ", 3.0, None],
         "note": [None, None, None, None, ""]}
    )  # fmt: skip
    expected = planting_progress(plots, regions, plan=plan.iloc[[0, 3]])
    pd.testing.assert_frame_equal(planting_progress(plots, regions, plan=plan), expected)
    # a row with something in it is still a row
    with pytest.raises(DataError, match="region of row 4 is empty"):
        planting_progress(plots, regions, plan=plan.assign(note=[None, None, "?", None, None]))
    with pytest.raises(DataError, match="year of row 6 is empty"):
        planting_progress(plots, regions, plan=plan.assign(region=["Akmola", None, "", "Kostanay", "Akmola"]))


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("year", None, "year of plot p3 is empty"),
        ("year", "abc", "year 'abc' of plot p3 is not a number"),
        ("year", 2025.5, "year 2025.5 of plot p3 is not a whole number"),
        ("year", 99_999, "year 99999 of plot p3 is outside 1900-2100"),
        ("seedlings", -5, "seedlings -5 of plot p3 is outside 0-"),
        ("seedlings", "x", "seedlings 'x' of plot p3 is not a number"),
        ("seedlings", 2.5, r"seedlings 2\.5 of plot p3 is not a whole number"),
        ("declared_ha", 1e12, r"declared_ha 1e\+12 of plot p3 is outside 0-300,000,000"),
        ("survival_pct", 150, "survival_pct 150 of plot p3 is outside 0-100"),
    ],
)
def test_plot_values_out_of_range_are_errors_not_dropped_or_summed(column, value, message):
    regions, plots = regions_and_plots()
    plots[column] = plots[column].astype(object)
    plots.loc[2, column] = value
    with pytest.raises(DataError, match=message):
        planting_progress(plots, regions)


def test_missing_seedlings_survival_and_declared_hectares_are_allowed():
    regions, plots = regions_and_plots()
    plots.loc[0, ["seedlings", "declared_ha", "survival_pct"]] = np.nan
    table = planting_progress(plots, regions)
    row = table.set_index(["region", "year"]).loc[("Kostanay", 2024)]
    assert row["plots"] == 1 and row["seedlings"] == 0 and np.isnan(row["survival_pct"])
    assert table["seedlings"].dtype == "int64"  # counts stay counts


def test_plan_rows_and_a_plan_of_zero():
    regions, plots = regions_and_plots()

    def plan(**values):
        return pd.DataFrame(
            {"region": ["Akmola"], "year": [2025], "seedlings_plan": [10], "ha_plan": [1.0]} | values
        )

    with pytest.raises(DataError, match="ha_plan of row 2 is empty"):
        planting_progress(plots, regions, plan=plan(ha_plan=[np.nan]))
    with pytest.raises(DataError, match=r"year 2025\.7 of row 2 is not a whole number"):
        planting_progress(plots, regions, plan=plan(year=[2025.7]))
    with pytest.raises(DataError, match="seedlings_plan inf of row 2 is outside"):
        planting_progress(plots, regions, plan=plan(seedlings_plan=[np.inf]))
    # nothing planned: no share done (not inf)
    table = planting_progress(plots, regions, plan=plan(ha_plan=[0.0])).set_index(["region", "year"])
    assert np.isnan(table.loc[("Akmola", 2025), "ha_done_pct"])
    assert table.loc[("Akmola", 2025), "seedlings_done_pct"] == pytest.approx(120_000.0)


def test_plots_without_a_region_column_are_placed_by_location():
    regions, plots = regions_and_plots()
    table = planting_progress(plots.drop(columns="region"), regions).set_index(["region", "year"])
    assert table.loc[("Kostanay", 2025), "plots"] == 2 and table.loc[("Akmola", 2025), "plots"] == 2
    assert table.loc[(NATIONAL, 2025), "plots"] == 4


def test_plan_regions_may_be_named_in_kazakh_or_russian():
    regions, plots = regions_and_plots()
    regions["name_kk"], regions["name_ru"] = (
        ["Қостанай облысы", "Ақмола облысы"],
        ["Костанайская", "Акмолинская"],
    )
    plan = pd.DataFrame(
        {
            "region": ["Қостанай облысы", "Акмолинская"],
            "year": [2025, 2025],
            "seedlings_plan": [8_000, 24_000],
            "ha_plan": [3.0, 12.0],
        }
    )
    table = planting_progress(plots, regions, plan=plan).set_index(["region", "year"])
    assert table.loc[("Kostanay", 2025), "seedlings_done_pct"] == pytest.approx(100.0)
    assert table.loc[("Akmola", 2025), "seedlings_done_pct"] == pytest.approx(50.0)
    # plots may name their region in kk or ru too: the same rows
    plots_kk = plots.assign(
        region=plots["region"].map({"Kostanay": "Қостанай облысы", "Akmola": "Ақмола облысы"})
    )
    pd.testing.assert_frame_equal(planting_progress(plots_kk, regions, plan=plan), table.reset_index())
    # a region only the plots name (not in the regions layer) can be planned
    stray = plots.assign(region=["Kostanay", "Kostanay", "Abai", "Abai", None])
    abai = pd.DataFrame({"region": ["Abai"], "year": [2025], "seedlings_plan": [24_000], "ha_plan": [1.0]})
    with pytest.warns(KzgeoWarning, match="in no row of the regions layer"):
        rows = planting_progress(stray, regions, plan=abai).set_index(["region", "year"])
    assert rows.loc[("Abai", 2025), "seedlings_done_pct"] == pytest.approx(50.0)
    both = pd.concat([plan, plan.assign(region=["Kostanay", "Akmola"])])
    # the plan's own spellings and rows are named, not the English name the user did not write
    with pytest.raises(
        DataError, match=r": 'Қостанай облысы' \(row 2\) and 'Kostanay' \(row 4\) plan one region for 2025 \("
    ):
        planting_progress(plots, regions, plan=both)


def test_points_and_lines_among_polygons_count_zero_with_a_warning():
    zones, pas = zones_and_pas()
    mixed = pd.concat(
        [pas, layer([shapely.Point(0, 0), shapely.LineString([(0, 0), (1, 1)])])], ignore_index=True
    )
    mixed["pa_id"] = ["reserve", "sanctuary", "park", "well", "track"]
    with pytest.warns(KzgeoWarning, match=r"2 of 5 feature\(s\) are LineString and Point and count 0 ha"):
        coverage(zones, mixed, zone_id="zone")
    # only points and lines: an error, worded as zonal_stats words it
    with pytest.raises(
        GeometryError,
        match=r"^coverage layer: the layer holds only LineString and Point geometries and has no area; "
        r"hectare statistics need polygons \(give the polygon layer, or buffer the points and lines into "
        r"polygons\)$",
    ):
        coverage(zones, mixed.iloc[3:], zone_id="zone")


def _real_regions_and_districts(admin_dir):
    """The geokz 2024 regions and districts (one invalid district repaired)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RepairWarning)
        regions = read_layer(admin_dir / GEOKZ.format(1), kind="regions")
        return regions, read_layer(admin_dir / GEOKZ.format(2), kind="districts")


def test_real_districts_cover_their_regions_at_most_wholly_in_any_crs(admin_dir):
    # the regions' long edges (Mangystau: 254 km) are geodesics for the hectares; GEOS must cut the
    # districts along the same lines, or the districts cover 100.0007 % of Aktobe
    regions, districts = _real_regions_and_districts(admin_dir)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RepairWarning)
        table = coverage(regions, districts)
        utm = coverage(regions.to_crs("EPSG:32642"), districts)
    assert table["covered_pct"].max() <= 100.0 + 1e-6
    np.testing.assert_allclose(utm["covered_ha"], table["covered_ha"], rtol=1e-7)


def test_flatten_gives_the_same_hectares_in_any_crs():
    # B lies inside A in degrees; with geodesic edges its corners stick out of A's 79 km southern edge
    pas = gpd.GeoDataFrame(
        {"pa_id": ["A", "B"]}, geometry=[box(60.5, 45, 61.5, 46), box(60.6, 45, 61.4, 46)], crs=4326
    )
    flat = flatten(pas)["area_ha"][0]
    assert flatten(pas.to_crs(32642))["area_ha"][0] == pytest.approx(flat, rel=1e-9)
    assert flat >= hectares(pas)[0]


def test_planting_progress_with_a_repeated_index_keeps_each_plots_own_region():
    regions, plots = regions_and_plots()
    plots.index = [0, 1, 1, 2, 3]  # p2 (its region cleared below) shares its label with p3 in Akmola
    plots.loc[plots["plot_id"] == "p2", "region"] = None
    table = planting_progress(plots, regions).set_index(["region", "year"])
    assert table.loc[("Kostanay", 2024), "plots"] == 1 and table.loc[("Kostanay", 2025), "plots"] == 2
    assert table.loc[("Akmola", 2025), "plots"] == 2


def test_flatten_by_a_categorical_column_keeps_the_missing_group():
    geoms = [ha_box(0, 0, 1), ha_box(2, 0, 1), ha_box(4, 0, 1), ha_box(6, 0, 1)]
    pas = layer(geoms, cat=["a", None, "a", None])
    plain = flatten(pas, by="cat")
    categorical = flatten(pas.assign(cat=pas["cat"].astype("category")), by="cat")
    assert len(plain) == len(categorical) == 2
    np.testing.assert_allclose(categorical["area_ha"], plain["area_ha"], rtol=1e-12)


def test_geoseries_are_taken_and_other_inputs_named():
    zones, pas = zones_and_pas()
    table = coverage(zones.geometry, pas.geometry)
    np.testing.assert_allclose(table["covered_ha"], coverage(zones, pas, zone_id="zone")["covered_ha"])
    assert len(overlap_table(pas.geometry, pas.geometry)) == len(overlap_table(pas, pas))
    assert flatten(pas.geometry)["area_ha"][0] == pytest.approx(flatten(pas)["area_ha"][0])
    with pytest.raises(DataError, match="coverage zones: got a list; give a GeoDataFrame"):
        coverage(list(zones.geometry), pas)
    with pytest.raises(DataError, match="hectares: got a list; give a GeoDataFrame or GeoSeries"):
        hectares(list(zones.geometry))
    with pytest.raises(DataError, match=r"sliver_pct='0\.1' must be a percentage"):
        overlap_table(pas, pas, sliver_pct="0.1")


def test_a_layer_against_a_copy_of_itself_is_two_layers():
    """The same GeoDataFrame twice: overlaps within one layer, each pair once. A copy (last year's
    layer, unchanged): two layers, every feature overlapping its twin by 100 %, every pair both ways."""
    _, pas = zones_and_pas()
    within = overlap_table(pas, pas)
    both = overlap_table(pas, pas.copy())
    ids = list(both.columns[:2])
    twins = both[both[ids[0]] == both[ids[1]]]
    assert len(twins) == len(pas) and (twins[["left_share_pct", "right_share_pct"]] == 100).all(axis=None)
    others = both[both[ids[0]] != both[ids[1]]]
    assert len(others) == 2 * len(within)
    np.testing.assert_allclose(
        sorted(others["overlap_ha"]), sorted(np.repeat(within["overlap_ha"], 2)), rtol=1e-12
    )


# --- review of 2026-12-02 --------------------------------------------------------------------------


def test_a_plots_layer_is_identified_by_plot_id_even_with_a_kato_column():
    # a plots layer carrying its region's KATO code: the plots' own id names them, whatever the order
    # in which kind id columns are tried for a layer of unknown kind
    plots = gpd.GeoDataFrame(
        {"plot_id": ["P1", "P2", "P3"], "kato": [111, 111, 222], "year": [2025] * 3,
         "seedlings": [1, 2, 3], "declared_ha": [1.0, 1.0, 1.0]},
        geometry=[box(70, 50, 70.001, 50.001), box(70.01, 50, 70.011, 50.001), box(80, 45, 80.001, 45.001)],
        crs=4326,
    )  # fmt: skip
    plots = validate_layer(plots, "plots", name="plots.gpkg")
    assert plots.attrs["kzgeo_kind"] == "plots"
    reserve = gpd.GeoDataFrame({"pa_id": ["r"]}, geometry=[box(69.9, 49.9, 70.1, 50.1)], crs=4326)
    table = overlap_table(plots, reserve)
    assert table["plot_id"].tolist() == ["P1", "P2"]
    # a layer of unknown kind still tries kato first
    plots.attrs.clear()
    with pytest.raises(SchemaError, match="id column 'kato' repeats the value 111;"):
        overlap_table(plots, reserve)


def test_region_names_match_in_any_case_and_without_spaces():
    regions, plots = regions_and_plots()
    regions["name_kk"] = ["Қостанай облысы", "Ақмола облысы"]
    expected = planting_progress(plots, regions)
    loose = plots.assign(region=[" kostanay", "KOSTANAY ", "ақмола облысы", " Akmola", None])
    pd.testing.assert_frame_equal(planting_progress(loose, regions), expected)
    plan = pd.DataFrame({"region": [" akmola ", "kazakhstan"], "year": [2025, 2025],
                         "seedlings_plan": [24_000, 1e6], "ha_plan": [12.0, 100.0]})  # fmt: skip
    table = planting_progress(plots, regions, plan=plan).set_index(["region", "year"])
    assert table.loc[("Akmola", 2025), "seedlings_done_pct"] == pytest.approx(50.0)
    assert table.loc[(NATIONAL, 2025), "ha_plan"] == 100.0


@pytest.mark.parametrize("blank", ["", " ", "\t", NATIONAL, " kazakhstan "])
def test_a_plot_with_a_blank_or_national_region_is_placed_by_its_location(blank):
    # p5 lies in Kostanay: without a region of its own it counts there, not as a region of its own
    # and not as a second national row with a second national plan
    regions, plots = regions_and_plots()
    expected = planting_progress(plots, regions)
    plots["region"] = plots["region"].astype(object)
    plots.loc[4, "region"] = blank
    table = planting_progress(plots, regions)
    pd.testing.assert_frame_equal(table, expected)
    assert (table["region"] == NATIONAL).sum() == 2  # 2024 and 2025, once each
    assert table.set_index(["region", "year"]).loc[("Kostanay", 2025), "plots"] == 2


def test_covered_hectares_and_shares_never_exceed_the_whole(admin_dir):
    # districts cut by their own regions: each district measures up to 2e-7 (coverage) and 1.3e-6
    # (overlap_table) less than its piece inside the region, the rounding of cutting; 100 % at most
    regions, districts = _real_regions_and_districts(admin_dir)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RepairWarning)
        table = coverage(districts, regions)
        pairs = overlap_table(districts, regions)
    assert (table["covered_ha"] <= table["zone_ha"]).all()
    assert table["covered_pct"].max() == 100.0
    assert pairs["left_share_pct"].max() == 100.0
    assert pairs["right_share_pct"].between(0, 100).all()


def test_only_a_rounding_excess_is_cut_back_to_the_whole():
    from kzgeo.stats import _at_most

    whole = np.array([100.0, 100.0, 100.0, 0.0])
    part = np.array([100.0005, 101.0, 50.0, 0.0])
    # 5e-6 over: rounding, cut back; 1 % over: a real error, left for the user to see
    np.testing.assert_array_equal(_at_most(part, whole), [100.0, 101.0, 50.0, 0.0])


def test_a_regional_plan_without_a_national_row_sums_to_the_national_plan():
    regions, plots = regions_and_plots()
    plan = pd.DataFrame({"region": ["Akmola", "Kostanay", "Akmola"], "year": [2025, 2025, 2026],
                         "seedlings_plan": [24_000, 16_000, 5_000], "ha_plan": [12.0, 8.0, 3.0]})  # fmt: skip
    with pytest.warns(
        KzgeoWarning,
        match=r"no 'Kazakhstan' row for 2025; .*sum of the regional rows "
        r"\(40,000 seedlings on 20 ha\), not the programme's 336,500,000 seedlings on 494,000",
    ):
        table = planting_progress(plots, regions, plan=plan).set_index(["region", "year"])
    national = table.loc[(NATIONAL, 2025)]
    assert national["seedlings_plan"] == 40_000 and national["ha_plan"] == 20.0
    assert national["seedlings_done_pct"] == pytest.approx(50.0)  # 20,000 of 40,000
    assert national["ha_done_pct"] == pytest.approx(50.0, rel=1e-7)  # 10 of 20 ha
    assert table.loc[(NATIONAL, 2026), "ha_plan"] == 3.0


def test_a_plan_leaving_out_a_region_with_plots_gives_no_national_plan():
    """A year without a national row whose regional rows leave out a region with plots: the sum of
    the rows is part of the country's plan, not the national plan. Every such year (not only 2025)
    gets an empty national plan and share done, and one warning names the years and the regions."""
    regions, plots = regions_and_plots()  # Kostanay plants in 2024 and 2025, Akmola in 2025
    plan = pd.DataFrame({"region": ["Akmola", "Akmola", "Akmola"], "year": [2024, 2025, 2026],
                         "seedlings_plan": [1_000, 24_000, 5_000], "ha_plan": [1.0, 12.0, 3.0]})  # fmt: skip
    table, said = _warned(plots, regions, plan=plan)
    assert said == [
        "planting_progress plan: for 2024 and 2025 the plan has no 'Kazakhstan' row and leaves out "
        "regions with plots (2024 leaves out 1 of 1: Kostanay; 2025 leaves out 1 of 2: Kostanay); the "
        "national rows of those years get no seedlings_plan, ha_plan or done %, not the sum of part of "
        "the country's plan; add a 'Kazakhstan' row for each of those years, or rows for the missing "
        "regions"
    ]  # and no note that 24,000 seedlings replace the programme's 2025 target
    table = table.set_index(["region", "year"])
    plan_columns = ["seedlings_plan", "ha_plan", "seedlings_done_pct", "ha_done_pct"]
    for year in (2024, 2025):  # was 1,000 % and 83 % done of Akmola's plan alone
        assert table.loc[(NATIONAL, year), plan_columns].isna().all(), year
    assert table.loc[(NATIONAL, 2025), "seedlings"] == 20_000  # the planting itself is all there
    assert table.loc[(NATIONAL, 2025), "planted_ha"] == pytest.approx(10.0, rel=1e-7)
    assert table.loc[("Akmola", 2025), "seedlings_done_pct"] == pytest.approx(50.0)  # regional rows kept
    # 2026 has no plots: the regional rows leave no planting out, their sum is the national plan
    assert table.loc[(NATIONAL, 2026), ["seedlings_plan", "ha_plan", "ha_done_pct"]].tolist() == [5e3, 3, 0]
    # the fix the warning gives: a national row for 2024, the missing region for 2025
    more = pd.DataFrame({"region": [NATIONAL, "Kostanay"], "year": [2024, 2025],
                         "seedlings_plan": [50_000, 16_000], "ha_plan": [25.0, 8.0]})  # fmt: skip
    fixed = pd.concat([plan, more], ignore_index=True)
    table, said = _warned(plots, regions, plan=fixed)
    assert len(said) == 1 and said[0].startswith("planting_progress plan: no 'Kazakhstan' row for 2025; ")
    table = table.set_index(["region", "year"])
    assert table.loc[(NATIONAL, 2024), plan_columns].tolist() == pytest.approx([5e4, 25, 20, 20], rel=1e-7)
    assert table.loc[(NATIONAL, 2025), plan_columns].tolist() == pytest.approx([4e4, 20, 50, 50], rel=1e-7)
    # a region name only the plots use (a typo) is said, and does not void a plan of every real region
    abai = plots.assign(region=["Kostanay", "Kostanay", "Akmola", "Akmolinskaya obl.", None])
    table, said = _warned(abai, regions, plan=fixed)
    assert said[0].startswith("planting_progress plan: no 'Kazakhstan' row for 2025; ")
    assert said[1].startswith("planting_progress plots: 1 region name(s) of 1 plot(s) are in no row")
    table = table.set_index(["region", "year"])
    assert table.loc[(NATIONAL, 2025), "seedlings_plan"] == pytest.approx(4e4)


def test_survival_given_as_fractions_is_warned_about_not_multiplied():
    regions, plots = regions_and_plots()
    plots["survival_pct"] = plots["survival_pct"] / 100
    with pytest.warns(KzgeoWarning, match=r"every survival_pct is at most 1 \(e\.g\. 1\); they look like"):
        table = planting_progress(plots, regions).set_index(["region", "year"])
    assert table.loc[("Kostanay", 2025), "survival_pct"] == pytest.approx(0.925)
    regions, plots = regions_and_plots()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        planting_progress(plots, regions)  # percentages: no warning


def test_a_plot_by_a_long_border_is_in_one_region_for_every_table():
    # the top edge of a 6 x 2 degree region runs 464 km along 46 N; kzgeo measures it along its
    # geodesic, which bulges up to 46.039 N. A 1 ha plot at 46.01 N, north of the straight edge and
    # south of the geodesic, is in the region for coverage; overlap_table found no candidate pair
    # (bounding box of the straight edge) and progress and the map put it in the region to the north.
    from kzgeo.maps import region_statistics

    regions = gpd.GeoDataFrame(
        {"kato": ["S", "N"], "name_en": ["South", "North"]},
        geometry=[box(60, 44, 66, 46), box(60, 46, 66, 48)],
        crs=4326,
    )
    plot = gpd.GeoDataFrame(
        {"plot_id": ["P1"], "year": [2025], "seedlings": [1500], "declared_ha": [1.0]},
        geometry=[box(63.0, 46.01, 63.0013, 46.0109)],
        crs=4326,
    )
    assert coverage(plot, regions.iloc[[0]], zone_id="plot_id")["covered_pct"].iloc[0] == pytest.approx(100)
    pairs = overlap_table(plot, regions)
    assert pairs["kato"].tolist() == ["S"] and pairs["left_share_pct"].iloc[0] == pytest.approx(100)
    progress = planting_progress(plot, regions)
    assert progress.loc[progress["region"] != NATIONAL, "region"].tolist() == ["South"]
    assert region_statistics(regions, plots=plot)["plots"].tolist() == [1, 0]


def test_default_ids_match_in_any_case_and_odd_layers_are_named():
    regions = read_layer(
        __import__("pathlib").Path(__file__).parents[1] / "data" / "regions.gpkg", kind="regions"
    )
    pas = read_layer(
        __import__("pathlib").Path(__file__).parents[1] / "data" / "protected_areas.gpkg",
        kind="protected_areas",
    )
    upper = regions.rename(columns={"kato": "KATO", "name_en": "NAME_EN"})
    table = coverage(upper, pas)
    assert table.columns[0] == "KATO" and table["name_en"].iloc[1] == "Akmola"  # not ids 0..19, names kept
    with pytest.raises(SchemaError, match="the index has 2 levels; pass zone_id= naming a column"):
        coverage(regions.drop(columns="kato").set_index(["name_en", "name_kk"]), pas)
    unset = gpd.GeoDataFrame({"a": [1], "shape": gpd.GeoSeries([box(70, 50, 71, 51)], crs=4326)})
    with pytest.raises(GeometryError, match="hectares: the GeoDataFrame has no active geometry column"):
        hectares(unset)
    with pytest.raises(GeometryError, match="coverage zones: the GeoDataFrame has no active geometry"):
        coverage(unset, pas)
    with pytest.raises(DataError, match="planting_progress plan: got a list; give a DataFrame"):
        planting_progress(*regions_and_plots()[::-1], plan=[("Akmola", 2025, 1, 1)])


# --- plans as a ministry writes them --------------------------------------------------------------


@pytest.fixture(scope="module")
def country():
    """The bundled 2024 regions (kato, name_en, name_kk, name_ru) and the demo plots of 2025."""
    from kzgeo import datasets

    plots = datasets.load("plots")
    return datasets.load("regions"), plots[plots["year"] == 2025]


def _planned(country, names, **kwargs) -> dict:
    """The regional seedlings_plan of 2025 by name_en when plan row i (region ``names[i]``, beside a
    national row) plans i + 1 seedlings."""
    regions, plots = country
    plan = pd.DataFrame(
        {"region": [*names, NATIONAL], "year": 2025, "seedlings_plan": [*range(1, len(names) + 1), 1e9],
         "ha_plan": 1.0}
    )  # fmt: skip
    table = planting_progress(plots, regions, plan=plan, **kwargs)
    rows = table[(table["year"] == 2025) & (table["region"] != NATIONAL) & table["seedlings_plan"].notna()]
    return dict(zip(rows["region"], rows["seedlings_plan"].astype(int), strict=True))


def test_a_plan_in_the_layers_own_russian_or_kazakh_names_reads_almaty_in_its_language(country):
    """'Алматы' is the city's name_ru and the region's name_kk: a plan of all 20 regions by their
    name_ru (or name_kk) was refused on it; the plan's other names tell which language it is in."""
    regions, _ = country
    expected = {name: i + 1 for i, name in enumerate(regions["name_en"])}
    assert _planned(country, regions["name_ru"].tolist()) == expected  # 'Алматы' is Almaty (city)
    assert _planned(country, regions["name_kk"].tolist()) == expected  # 'Алматы' is Almaty
    # a few rows are enough, the national row's name too
    assert _planned(country, ["Алматы", "Алматинская"]) == {"Almaty (city)": 1, "Almaty": 2}
    plan = pd.DataFrame({"region": ["Казахстан", "Алматы"], "year": 2025, "seedlings_plan": [9, 1],
                         "ha_plan": 1.0})  # fmt: skip
    table = planting_progress(country[1], regions, plan=plan).set_index(["region", "year"])
    assert table.loc[("Almaty (city)", 2025), "seedlings_plan"] == 1
    # a unit word is in a language too: 'область Абай' is Russian, though 'Абай' is the name_kk
    assert _planned(country, ["Алматы", "область Абай"]) == {"Almaty (city)": 1, "Abay": 2}
    # no other name, names in English, in both languages, or in Kazakh (whose bare 'Алматы' is the
    # city, though the layer's name_kk is the region's): no way to tell, and how to name it said
    for names in (["Алматы"], ["Алматы", "Akmola"], ["Алматы", "Акмолинская", "Абай"], ["Алматы", "Ақмола"]):
        with pytest.raises(
            DataError,
            match=r"^planting_progress plan: region 'Алматы' of row 2 may be Almaty or Almaty \(city\) of "
            r"the regions layer, and the plan's other rows do not tell which \(neither is named otherwise\); "
            r"name it 'Алматы облысы' or 'Алматы қаласы', or kato \(190000000 or 750000000\)$",
        ):
            _planned(country, names)


CITIES_KK = ["Астана", "Алматы", "Шымкент"]


def test_a_bare_almaty_is_the_other_almaty_of_the_plan_or_refused(country):
    """Bare 'Алматы' (or 'Almaty') beside cities and no other Almaty went to the region in silence,
    though Kazakh writes the region 'Алматы облысы'; beside the other Almaty it is the one left."""
    regions, _ = country
    expected = {name: i + 1 for i, name in enumerate(regions["name_en"])}
    # the usual Kazakh plan: 17 'X облысы', then the cities bare ('Астана' is the name_ru and, without
    # '(қала)', the name_kk: evidence for neither language)
    assert _planned(country, [*OFFICIAL_KK[:17], *CITIES_KK]) == expected
    assert _planned(country, [*OFFICIAL_KK[:17], "Астана қаласы", "Алматы", "Шымкент қаласы"]) == expected
    english = [f"{n} Region" for n in regions["name_en"][:17]]
    assert _planned(country, [*english, "Astana", "Almaty", "Shymkent"]) == expected
    assert _planned(country, regions["name_en"].tolist()) == expected  # 'Almaty' beside 'Almaty (city)'
    assert _planned(country, ["Almaty", "Almaty (city)"]) == {"Almaty": 1, "Almaty (city)": 2}
    # cities only, cities bare beside regions with their word, or marked beside a bare 'Алматы': refused
    for names, row in (
        (["Астана қаласы", "Алматы", "Шымкент қаласы", "Қазақстан"], 3),
        (CITIES_KK, 3),
        (["Astana", "Almaty", "Shymkent", "Kazakhstan"], 3),
        (["Akmola Region", "Astana", "Almaty"], 4),
        (["Ақмола облысы", "Астана", "Алматы"], 4),
    ):
        bare = names[row - 2]
        words = (
            "'Алматы облысы' or 'Алматы қаласы'" if bare == "Алматы" else "'Almaty region' or 'Almaty city'"
        )
        with pytest.raises(
            DataError,
            match=rf"^planting_progress plan: region '{bare}' of row {row} may be Almaty or Almaty "
            rf"\(city\) .* name it {words}, or kato \(190000000 or 750000000\)$",
        ):
            _planned(country, names)


def test_a_plan_may_name_regions_by_their_kato_code(country):
    """KATO is the regions layer's id: a plan of codes, as numbers, text or a spreadsheet's floats."""
    codes = [100000000, "110000000", 150000000.0, " 190000000 ", np.int64(750000000)]
    assert _planned(country, codes) == {"Abay": 1, "Akmola": 2, "Aktobe": 3, "Almaty": 4, "Almaty (city)": 5}
    assert _planned(country, ["750000000.0"]) == {"Almaty (city)": 1}
    with pytest.raises(DataError, match=r"region\(s\) '999999999' are in no row of the regions layer \(by "
                       r"name_en, name_kk, name_ru or kato\)"):  # fmt: skip
        _planned(country, [999999999])
    # a layer without kato has no codes to match
    regions, plots = country
    with pytest.raises(DataError, match=r"'100000000' are in no row .* \(by name_en, name_kk or name_ru\)"):
        _planned((regions.drop(columns="kato"), plots), [100000000])


OFFICIAL_RU = [
    "область Абай", "Акмолинская область", "Актюбинская область", "Алматинская область", "Атырауская область",
    "Западно-Казахстанская область", "Жамбылская область", "область Жетісу", "Карагандинская область",
    "Костанайская область", "Кызылординская область", "Мангистауская область", "Павлодарская область",
    "Северо-Казахстанская область", "Туркестанская область", "область Ұлытау",
    "Восточно-Казахстанская область", "г. Астана", "г. Алматы", "г. Шымкент",
]  # fmt: skip
OFFICIAL_KK = [
    "Абай облысы", "Ақмола облысы", "Ақтөбе облысы", "Алматы облысы", "Атырау облысы",
    "Батыс Қазақстан облысы", "Жамбыл облысы", "Жетісу облысы", "Қарағанды облысы", "Қостанай облысы",
    "Қызылорда облысы", "Маңғыстау облысы", "Павлодар облысы", "Солтүстік Қазақстан облысы",
    "Түркістан облысы", "Ұлытау облысы", "Шығыс Қазақстан облысы", "Астана қаласы", "Алматы қаласы",
    "Шымкент қаласы",
]  # fmt: skip


def test_a_plan_may_name_regions_as_officially_written_with_their_unit_word(country):
    """'Акмолинская область', 'Ақмола облысы', 'г. Алматы', 'Almaty city' were in no row of the regions
    layer: a region's or a city's word is left out, and says which of the two a name is."""
    regions, _ = country
    expected = {name: i + 1 for i, name in enumerate(regions["name_en"])}
    english = [n.replace(" (city)", " city") if "(city)" in n else f"{n} Region" for n in regions["name_en"]]
    for names in (OFFICIAL_RU, OFFICIAL_KK, english):
        assert _planned(country, names) == expected, names[0]
    for name in ("Акмолинская обл.", "АКМОЛИНСКАЯ ОБЛ", "Akmola oblast", "Ақмола облысы ", "akmola  region"):
        assert _planned(country, [name]) == {"Akmola": 1}, name
    for name in ("город Алматы", "г.Алматы", "Алматы г.", "Алматы қ.", "ALMATY CITY", "Алматы (город)"):
        assert _planned(country, [name]) == {"Almaty (city)": 1}, name
    # the region and the city of one name stay apart, whichever language names them
    for pair in (["Алматинская область", "г. Алматы"], ["Алматы облысы", "Алматы қаласы"],
                 ["Almaty region", "Almaty city"], ["Almaty", "Almaty city"]):  # fmt: skip
        assert _planned(country, pair) == {"Almaty": 1, "Almaty (city)": 2}, pair
    # a unit word that the named one is not: no such region
    for name in ("Astana region", "г. Акмолинская"):
        with pytest.raises(DataError, match=rf"region\(s\) '{name}' are in no row of the regions layer"):
            _planned(country, [name])


def test_region_names_match_with_yo_as_ye_and_plots_with_their_unit_word():
    regions, plots = regions_and_plots()
    regions["name_ru"] = ["Костанайская", "Берёзовская"]
    plan = pd.DataFrame({"region": ["Березовская обл."], "year": [2025], "seedlings_plan": [24_000],
                         "ha_plan": [12.0]})  # fmt: skip
    named = plots.assign(region=["Kostanay region", "Костанайская область", "БЕРЕЗОВСКАЯ", "Akmola", None])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # each plot where its name says: nothing to warn of
        warnings.filterwarnings("ignore", message=".*no 'Kazakhstan' row")
        table = planting_progress(named, regions, plan=plan).set_index(["region", "year"])
    assert table.loc[("Akmola", 2025), "seedlings_done_pct"] == pytest.approx(50.0)
    assert table.loc[("Kostanay", 2025), "plots"] == 2 and table.loc[("Kostanay", 2024), "plots"] == 1


def test_a_plan_may_have_russian_or_kazakh_headers():
    regions, plots = regions_and_plots()
    plain = pd.DataFrame({"region": ["Akmola", NATIONAL], "year": [2025, 2025],
                          "seedlings_plan": [24_000, 40_000], "ha_plan": [12.0, 20.0]})  # fmt: skip
    expected = planting_progress(plots, regions, plan=plain)
    for headers in (
        ["Регион", "Год", "Саженцы_план", "Га_план"],
        ["область", "ГОД", "План саженцев", "план га"],  # any case, a space for the underscore
        ["Облыс", "Жыл", "Көшет_жоспар", "Жоспар_га"],
        [" аймақ ", "жыл", "көшет-жоспар", "Жоспар ГА"],
    ):
        local = plain.set_axis(headers, axis=1).assign(примечание="")  # other columns are left alone
        pd.testing.assert_frame_equal(planting_progress(plots, regions, plan=local), expected)
    # two columns naming one of the plan's: which one is meant is not guessed
    with pytest.raises(
        SchemaError,
        match=r"^planting_progress plan: columns 'region' and 'Регион' both name the plan's region column "
        r"\(region, регион, область, облыс or аймақ\); keep one of them$",
    ):
        planting_progress(plots, regions, plan=plain.assign(Регион=plain["region"]))
    with pytest.raises(SchemaError, match=r"columns 'ha_plan' and 'HA_PLAN' both name the plan's ha_plan"):
        planting_progress(plots, regions, plan=plain.assign(HA_PLAN=1.0))
    with pytest.raises(
        SchemaError,
        match=r"column\(s\) ha_plan missing \(columns: регион, год, саженцы_план\); the plan table needs "
        r"region, year, seedlings_plan, ha_plan \(in Russian регион, год, саженцы_план, га_план; in Kazakh "
        r"облыс, жыл, көшет_жоспар, жоспар_га\)$",
    ):
        planting_progress(
            plots, regions, plan=plain.iloc[:, :3].set_axis(["регион", "год", "саженцы_план"], axis=1)
        )


def test_progress_rows_follow_the_regions_kato_order_not_their_english_names():
    regions, plots = regions_and_plots()  # Kostanay, then Akmola
    plots = plots.assign(region=["Kostanay", "Kostanay", "Akmola", "Abai", None])  # Abai: no row

    def order(regions):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Abai is in no row of the regions layer
            table = planting_progress(plots, regions)
        return list(zip(table["region"], table["year"], strict=True))

    akmola_first = [("Kostanay", 2024), (NATIONAL, 2024), ("Akmola", 2025), ("Kostanay", 2025),
                    ("Abai", 2025), (NATIONAL, 2025)]  # fmt: skip
    kostanay_first = [("Kostanay", 2024), (NATIONAL, 2024), ("Kostanay", 2025), ("Akmola", 2025),
                      ("Abai", 2025), (NATIONAL, 2025)]  # fmt: skip
    assert order(regions.assign(kato=[390000000, 110000000])) == akmola_first
    assert order(regions.assign(KATO=["110000000", "390000000"])) == kostanay_first
    assert order(regions.assign(kato=["9", "10"])) == kostanay_first  # as numbers: 9 before 10
    # without KATO codes, in the layer's order; names of no row after its regions
    assert order(regions) == kostanay_first
    assert order(regions.iloc[::-1]) == akmola_first


def test_a_plan_may_use_common_abbreviations_former_names_and_total_rows(country):
    """'ВКО', 'Нур-Султан', 'г Алматы', 'Almaty oblysy' and a total row 'Итого' were refused as in no
    row of the regions layer."""
    for names, expected in (
        (["ВКО", "СКО", "ЗКО"], {"West Kazakhstan": 3, "North Kazakhstan": 2, "East Kazakhstan": 1}),
        (["ШҚО", "СҚО", "БҚО"], {"West Kazakhstan": 3, "North Kazakhstan": 2, "East Kazakhstan": 1}),
        (["Нур-Султан", "г Алматы"], {"Astana (city)": 1, "Almaty (city)": 2}),
        (["Нұр-Сұлтан", "Алматы қ", "Almaty oblysy"], {"Astana (city)": 1, "Almaty (city)": 2, "Almaty": 3}),
        (["Nur-Sultan", "г. Нур-Султан"], None),  # one city twice: refused as planned twice
    ):
        if expected is None:
            with pytest.raises(DataError, match=r"'Nur-Sultan' \(row 2\) and 'г. Нур-Султан' \(row 3\) plan"):
                _planned(country, names)
        else:
            assert _planned(country, names) == expected, names
    regions, plots = country
    for total in ("Итого", "Всего", "Барлығы", "Total", "РК", "ҚР"):
        plan = pd.DataFrame(
            {"region": ["Akmola", total], "year": 2025, "seedlings_plan": [1, 9], "ha_plan": 1.0}
        )
        table = planting_progress(plots, regions, plan=plan).set_index(["region", "year"])
        assert table.loc[(NATIONAL, 2025), "seedlings_plan"] == 9, total
    # a former name's unit word must fit it
    with pytest.raises(DataError, match=r"region\(s\) 'Nur-Sultan region' are in no row"):
        _planned(country, ["Nur-Sultan region"])


def test_region_names_in_other_latin_spellings_or_without_kazakh_letters_are_read():
    # Kazakh typed with Russian letters where a keyboard or Windows-1251 has no Қ, Ғ, Ө ...; Latin
    # spellings of the English names (Abai, Turkistan, Karaganda ...) as other sources write them
    from kzgeo import datasets
    from kzgeo.stats import _region_matches

    regions = datasets.load("regions")
    names = pd.Series(
        ["Акмола облысы", "Актобе облысы", "Шыгыс Казакстан облысы", "Жетису облысы", "Улытау облысы",
         "Abai Region", "Turkistan Region", "Karaganda", "Kostanai", "Jetisu", "Mangistau oblast"]
    )  # fmt: skip
    matched = [[name for _, name in m] for m in _region_matches(names, regions)]
    assert matched == [
        ["Akmola"], ["Aktobe"], ["East Kazakhstan"], ["Zhetysu"], ["Ulytau"], ["Abay"], ["Turkestan"],
        ["Karagandy"], ["Kostanay"], ["Zhetysu"], ["Mangystau"],
    ]  # fmt: skip
    # a layer that writes a region so itself is read as it writes it
    own = regions.assign(name_en=regions["name_en"].replace({"Akmola": "Aqmola"}))
    assert [[n for _, n in m] for m in _region_matches(pd.Series(["Aqmola"]), own)] == [["Aqmola"]]


def test_region_names_typed_with_look_alike_letters_dashes_or_invisible_characters_are_read():
    from kzgeo import datasets
    from kzgeo.stats import _region_matches

    regions = datasets.load("regions")
    names = pd.Series(
        ["Aлматинская область",  # a Latin A
         "Северо\u2011Казахстанская", "Северо\u2013Казахстанская",  # a no-break hyphen, an en dash
         "Акмолинская\u200b область", "Алматы\u00a0облысы"]  # a zero-width and a no-break space
    )  # fmt: skip
    matched = [[name for _, name in m] for m in _region_matches(names, regions)]
    assert matched == [["Almaty"], ["North Kazakhstan"], ["North Kazakhstan"], ["Akmola"], ["Almaty"]]
    # a Latin name keeps its letters: 'Aktobe' is not read in Cyrillic
    assert [[n for _, n in m] for m in _region_matches(pd.Series(["Aktobe", "Pavlodar"]), regions)] == [
        ["Aktobe"],
        ["Pavlodar"],
    ]

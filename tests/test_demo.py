"""`kzgeo demo`, the main job: every section on the bundled data, the map written, no clobbering."""

from __future__ import annotations

import pytest

from kzgeo.cli import main

pytestmark = pytest.mark.slow


def test_demo_runs_every_step_and_writes_the_map(tmp_path, capsys):
    dest = tmp_path / "kazakhstan.html"
    assert main(["demo", "--map", str(dest)]) == 0
    out = capsys.readouterr().out
    for heading in (
        "Bundled layers",
        "Protected share of each region",
        "Tree planting by year",
        "Candidate dump sites",
        "Web map",
    ):
        assert heading in out
    # the regions of the bundled data are the real 2024 units: about 272.8 M ha together
    total = next(line for line in out.splitlines() if line.strip().startswith("total"))
    assert total.split()[1] == "272,818,792.61"
    assert "336,500,000 " in out  # the national 2025 plan (a count: no decimals)
    html = dest.read_text(encoding="utf-8")
    assert "leaflet" in html.lower() and dest.stat().st_size < 5_000_000
    assert '"Districts"' in html and '"tip": "Zharasemey, Abay"' in html  # the bundled districts drawn
    # a second run refuses to replace the map before doing any work
    assert main(["demo", "--map", str(dest)]) == 1
    assert "already exists; pass --overwrite" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["k.html", "k.txt"])
def test_a_map_in_a_missing_folder_is_refused_and_no_folder_is_made(tmp_path, capsys, name):
    dest = tmp_path / "x" / "sub" / name
    assert main(["demo", "--map", str(dest)]) == 1
    assert str(dest) in capsys.readouterr().err
    assert not (tmp_path / "x").exists()

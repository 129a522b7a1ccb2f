"""The benchmark scripts' own pieces that no benchmark run checks before it has spent minutes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("earthlib")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import eval_dumps

from kzgeo.synth import generate_scene


@pytest.mark.parametrize("name", ["BSI", "NDBI", "PI"])
def test_every_baseline_cut_of_the_grid_segments_a_scene(name):
    # the index cuts run below 0 (PI is negated): they are cuts of an index, not detector scores
    scene, grid = generate_scene(11, 128), eval_dumps.BASELINE_GRIDS[name]
    lowest, highest = (
        eval_dumps._baseline_sites(scene, name, float(cut)) for cut in (grid.min(), grid.max())
    )
    assert lowest.area.sum() >= highest.area.sum()  # a lower cut flags at least as much ground

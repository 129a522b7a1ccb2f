"""Benchmark kzgeo's hectare statistics against what a user would otherwise write.

1. ``hectares`` of 1,000,000 polygons (0.01–100 ha) against a ``pyproj.Geod.geometry_area_perimeter``
   loop: time ratio, largest relative difference per polygon (target ≤ 1e-6).
2. ``overlap_table`` of 100,000 plots × 500 protected areas against ``geopandas.overlay(how=
   "intersection")`` followed by hectares of the pieces: time ratio, relative difference of the total
   (target ≤ 1e-9).

Each case runs once, in its own Python process, so that its peak memory (``ru_maxrss``) is its own;
the inputs are generated in that process before the clock starts (``stats_inputs.py``). Run::

    .venv/bin/python benchmarks/bench_stats.py

and it prints a Markdown table with the machine, the load and the figures. ``--smoke`` runs the same
cases on 1 % of the data, to check the script in seconds.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
SIZES = {"full": (1_000_000, 100_000, 500), "smoke": (10_000, 1_000, 50)}
N_POLYGONS, N_PLOTS, N_AREAS = SIZES["full"]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _hectares_inputs():
    from stats_inputs import polygons

    return polygons(N_POLYGONS)


def _overlap_inputs():
    from stats_inputs import plots_near, protected_areas

    pas = protected_areas(N_AREAS)
    return plots_near(pas, N_PLOTS), pas


def case_hectares_kzgeo(out: Path) -> dict:
    from kzgeo.area import hectares

    gdf = _hectares_inputs()
    before, start = _rss_mb(), time.perf_counter()
    result = hectares(gdf)
    seconds = time.perf_counter() - start
    np.save(out, result)
    return {"seconds": seconds, "rss_before_mb": before, "total_ha": float(result.sum())}


def case_hectares_geod(out: Path) -> dict:
    from pyproj import Geod

    gdf = _hectares_inputs()
    geod = Geod(ellps="WGS84")
    before, start = _rss_mb(), time.perf_counter()
    result = np.array([abs(geod.geometry_area_perimeter(g)[0]) for g in gdf.geometry.values]) / 10_000.0
    seconds = time.perf_counter() - start
    np.save(out, result)
    return {"seconds": seconds, "rss_before_mb": before, "total_ha": float(result.sum())}


def case_overlap_kzgeo(out: Path) -> dict:
    from kzgeo.stats import overlap_table

    plots, pas = _overlap_inputs()
    before, start = _rss_mb(), time.perf_counter()
    table = overlap_table(plots, pas, left_id="plot_id", right_id="pa_id", sliver_pct=0)
    seconds = time.perf_counter() - start
    inside = float((table["left_share_pct"] >= 100 - 1e-9).mean())
    return {"seconds": seconds, "rss_before_mb": before, "total_ha": float(table["overlap_ha"].sum()),
            "pairs": len(table), "plots_wholly_inside": inside}  # fmt: skip


def case_overlap_geopandas(out: Path) -> dict:
    import geopandas as gpd

    from kzgeo.area import hectares

    plots, pas = _overlap_inputs()
    before, start = _rss_mb(), time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pieces = gpd.overlay(plots, pas, how="intersection")
    total = float(hectares(pieces).sum())
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rss_before_mb": before, "total_ha": total, "pairs": len(pieces)}


CASES = {
    "hectares-kzgeo": case_hectares_kzgeo,
    "hectares-geod": case_hectares_geod,
    "overlap-kzgeo": case_overlap_kzgeo,
    "overlap-geopandas": case_overlap_geopandas,
}


def run_case(name: str, out: Path, size: str) -> None:
    """Child process: run one case and print its figures as JSON."""
    global N_POLYGONS, N_PLOTS, N_AREAS
    N_POLYGONS, N_PLOTS, N_AREAS = SIZES[size]
    sys.path.insert(0, str(HERE))
    load = os.getloadavg()[0]
    figures = CASES[name](out)
    figures.update(peak_rss_mb=_rss_mb(), load_start=load, load_end=os.getloadavg()[0])
    print(json.dumps(figures))


def spawn(name: str, out: Path, size: str) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--case", name, str(out), size], capture_output=True, text=True, check=True
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(size: str) -> None:
    global N_POLYGONS, N_PLOTS, N_AREAS
    N_POLYGONS, N_PLOTS, N_AREAS = SIZES[size]
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"# bench_stats — {stamp}, {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}\n")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        results = {name: spawn(name, Path(tmp) / f"{name}.npy", size) for name in CASES}
        ours, geod = np.load(Path(tmp) / "hectares-kzgeo.npy"), np.load(Path(tmp) / "hectares-geod.npy")
    rel_ha = float(np.max(np.abs(ours / geod - 1)))
    ov_k, ov_g = results["overlap-kzgeo"], results["overlap-geopandas"]
    rel_total = abs(ov_k["total_ha"] / ov_g["total_ha"] - 1)
    print(
        "| case | kzgeo s | baseline s | speed-up | agreement | peak RSS kzgeo / baseline MB "
        "(added by the call) | load 1-min |"
    )
    print("|---|---:|---:|---:|---|---|---|")
    for label, k, b, agreement in (
        (f"hectares of {N_POLYGONS:,} polygons vs pyproj.Geod loop", results["hectares-kzgeo"],
         results["hectares-geod"], f"max relative difference {rel_ha:.1e}"),
        (f"overlap table {N_PLOTS:,} plots × {N_AREAS} areas vs geopandas.overlay + area", ov_k, ov_g,
         f"total {ov_k['total_ha']:,.2f} ha, relative difference {rel_total:.1e}; pairs {ov_k['pairs']:,} / "
         f"{ov_g['pairs']:,}"),
    ):  # fmt: skip
        memory = (f"{k['peak_rss_mb']:,.0f} ({k['peak_rss_mb'] - k['rss_before_mb']:+,.0f}) / "
                  f"{b['peak_rss_mb']:,.0f} ({b['peak_rss_mb'] - b['rss_before_mb']:+,.0f})")  # fmt: skip
        loads = f"{k['load_start']:.1f}–{k['load_end']:.1f} / {b['load_start']:.1f}–{b['load_end']:.1f}"
        print(f"| {label} | {k['seconds']:.2f} | {b['seconds']:.2f} | {b['seconds'] / k['seconds']:.1f}× | "
              f"{agreement} | {memory} | {loads} |")  # fmt: skip
    print(
        f"\nplots wholly inside an area (contains fast path): {ov_k['plots_wholly_inside']:.0%} of the pairs"
    )


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--case":
        run_case(sys.argv[2], Path(sys.argv[3]), sys.argv[4])
    else:
        main("smoke" if "--smoke" in sys.argv[1:] else "full")

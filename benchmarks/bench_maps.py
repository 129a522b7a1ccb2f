"""Benchmark: the demo web map with kzgeo against plain folium, in one run.

Both draw the same bundled layers (20 regions, protected areas, 2 corridors, about 20,000 planting
plots) with their attributes on hover or click, and write one HTML file. Plain folium is what a
Python user would otherwise write (and what ``GeoDataFrame.explore`` does): one ``GeoJson`` layer per
GeoDataFrame, full-precision coordinates, a ``GeoJsonTooltip`` of every column. Printed: seconds to
build and save, and HTML megabytes, for each, with the ratios; kzgeo both online (OpenStreetMap
tiles) and offline (Leaflet inlined, no tiles); and, with headless Chromium, the seconds each page
takes to load.

    .venv/bin/python benchmarks/bench_maps.py
"""

from __future__ import annotations

import os
import platform
import re
import sys
import tempfile
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path


def _kzgeo(layers: dict, dest: Path, offline: bool) -> float:
    from kzgeo.maps import make_map, save_map

    start = time.perf_counter()
    save_map(make_map(**layers, offline=offline), dest)
    return time.perf_counter() - start


def _folium(layers: dict, dest: Path) -> float:
    import folium

    start = time.perf_counter()
    m = folium.Map(location=(48, 67), zoom_start=5)
    for name, gdf in layers.items():
        fields = [c for c in gdf.columns if c != "geometry"]
        data = gdf.assign(**{c: gdf[c].astype(str) for c in fields})  # as explore does for non-JSON types
        folium.GeoJson(data, name=name, tooltip=folium.GeoJsonTooltip(fields=fields)).add_to(m)
    folium.LayerControl().add_to(m)
    m.save(dest)
    return time.perf_counter() - start


def _load_seconds(page: Path) -> float | None:
    """Seconds from navigation to the end of the load event in headless Chromium (None without it).

    The page is first made self-contained (Leaflet and folium's other files inlined, tiles pointed at an
    empty data URL), so both maps load from disk alone, as they must on this machine without network.
    """
    sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
    from browser import chromium_page
    from kzgeo.maps.save import _inline

    local = page.with_suffix(".local.html")
    text = re.sub(r"https://tile\.openstreetmap\.org/[^\"]*", "data:,", page.read_text(encoding="utf-8"))
    local.write_text(_inline(text), encoding="utf-8")
    try:
        with chromium_page() as browser:
            browser.open(local, settle_js="return performance.timing.loadEventEnd > 0")
            timing = browser.js("return performance.timing.loadEventEnd - performance.timing.navigationStart")
            errors = browser.js_errors()
    except BaseException:  # pytest's skip (an exception outside pytest) when Chromium is missing
        return None
    if errors:
        raise RuntimeError(f"{page.name} does not load cleanly: {errors[:3]}")
    return timing / 1000.0


def main() -> None:
    import kzgeo.maps

    warnings.simplefilter("ignore")
    layers = kzgeo.maps.bundled_layers()
    counts = ", ".join(f"{len(g):,} {k}" for k, g in layers.items())
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        runs = {
            "folium GeoJson + GeoJsonTooltip": lambda p: _folium(layers, p),
            "kzgeo make_map, online": lambda p: _kzgeo(layers, p, offline=False),
            "kzgeo make_map, offline": lambda p: _kzgeo(layers, p, offline=True),
        }
        for i, (label, run) in enumerate(runs.items()):
            dest = folder / f"map{i}.html"
            seconds = run(dest)
            rows.append((label, seconds, dest.stat().st_size / 1e6, _load_seconds(dest)))
    base_s, base_mb, base_load = rows[0][1], rows[0][2], rows[0][3]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load {os.getloadavg()[0]:.1f}"
    )
    print(f"layers: {counts}\n")
    print(
        "| map | build + save, s | HTML, MB | load, s | size vs folium | build vs folium | load vs folium |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, seconds, mb, load in rows:
        load_text = f"{load:.1f} | " if load is not None else "n/a | "
        load_ratio = f"{load / base_load:.2f}" if load is not None and base_load else "n/a"
        ratios = f"{mb / base_mb:.2f} | {seconds / base_s:.2f} | {load_ratio}"
        print(f"| {label} | {seconds:.1f} | {mb:.2f} | {load_text}{ratios} |")


if __name__ == "__main__":
    main()

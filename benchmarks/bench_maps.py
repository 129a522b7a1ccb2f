"""Benchmark: the demo web map with kzgeo against plain folium, in one run.

Both draw the same bundled layers (20 regions, protected areas, 2 corridors, about 20,000 planting
plots) with their attributes on hover or click, and write one HTML file. Plain folium is what a
Python user would otherwise write (and what ``GeoDataFrame.explore`` does): one ``GeoJson`` layer per
GeoDataFrame, full-precision coordinates, a ``GeoJsonTooltip`` of every column. Printed: seconds to
build and save, and HTML megabytes, for each, with the ratios; kzgeo both online (OpenStreetMap
tiles) and offline (Leaflet inlined, no tiles); and, with headless Chromium, the seconds each page
takes to load and the milliseconds a jump of the view takes (between the whole country and a city
with plots: what a reader feels as responsiveness).

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


# four jumps between the whole country and a city with plots (Kostanay, Almaty) at zoom 11-12
_JUMPS = """
const map = window[Object.keys(window).find(k => k.startsWith('map_') && window[k] instanceof L.Map)];
const took = [];
for (const [lat, lon, zoom] of [[53.2, 63.6, 12], [48, 67, 5], [43.3, 76.9, 11], [48, 67, 6]]) {
  const start = performance.now();
  map.setView([lat, lon], zoom, {animate: false});
  took.push(performance.now() - start);
}
return took;
"""


def _in_browser(page: Path) -> tuple[float, float] | None:
    """Seconds to load the page in headless Chromium, and mean milliseconds of a jump in the view.

    The page is first made self-contained (Leaflet and folium's other files inlined, tiles pointed at an
    empty data URL), so both maps load from disk alone, as they must on this machine without network.
    ``None`` when Chromium is not there.
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
            load_ms = browser.js(
                "return performance.timing.loadEventEnd - performance.timing.navigationStart"
            )
            jumps_ms = browser.js(_JUMPS)
            errors = browser.js_errors()
    except BaseException:  # pytest's skip (an exception outside pytest) when Chromium is missing
        return None
    if errors:
        raise RuntimeError(f"{page.name} does not load cleanly: {errors[:3]}")
    return load_ms / 1000.0, sum(jumps_ms) / len(jumps_ms)


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
            rows.append((label, seconds, dest.stat().st_size / 1e6, _in_browser(dest)))
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load {os.getloadavg()[0]:.1f}"
    )
    print(f"layers: {counts}\n")
    base = rows[0]
    print("| map | build + save, s | HTML, MB | size : folium | build : folium |")
    print("|---|---:|---:|---:|---:|")
    for label, seconds, mb, _ in rows:
        print(f"| {label} | {seconds:.1f} | {mb:.2f} | {mb / base[2]:.2f} | {seconds / base[1]:.2f} |")
    if base[3] is None:
        print("\n(no Chromium: load and view times not measured)")
        return
    print("\n| map (in headless Chromium) | load, s | view jump, ms | load : folium | jump : folium |")
    print("|---|---:|---:|---:|---:|")
    for label, _, _, (load, jump) in rows:
        print(f"| {label} | {load:.1f} | {jump:.0f} | {load / base[3][0]:.2f} | {jump / base[3][1]:.2f} |")


if __name__ == "__main__":
    main()

"""Benchmark: kzgeo.zonal_stats against rasterstats, and peak memory on a 20000 x 20000 scene.

1. Zonal mean of an NDVI raster (8000 x 8000, 10 m, float32, DEFLATE tiles) over 2,000 planting plots
   (0.5-5 ha irregular polygons), with kzgeo (exactextract, coverage-weighted) and with
   rasterstats (the tool a Python user would otherwise reach for), in one run; prints the ratio.
2. A 20000 x 20000 two-band Sentinel-2 scene (B04, B08, uint16, DEFLATE tiles) is processed in a
   subprocess: NDVI written as a COG with ``write_index`` and a zonal NDVI mean of 2,000 plots computed
   from the scene on the fly; the subprocess's peak resident memory (ru_maxrss) is reported.
   Linux carries the parent's peak into a child's ru_maxrss across fork/exec, so this part runs first,
   while the parent is small, and the scene is generated in a subprocess of its own; the child also
   reports VmHWM (its own high-water mark) as a cross-check.

3. The median of one district-sized zone (an irregular polygon over 4000 x 4000 pixels, 1,600 km²) of
   the NDVI raster, with kzgeo, rasterstats and exactextract alone, each in a subprocess of its own
   (time and VmHWM): a median keeps every distinct value of the zone.

The rasters are generated in a temporary directory and deleted afterwards.

Run: ``.venv/bin/python benchmarks/bench_zonal.py`` (``--small`` for a quick smoke run).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from rasterio.transform import from_origin
from rasterio.windows import Window

CRS = "EPSG:32642"  # UTM 42N, central Kazakhstan
ORIGIN = (400_000.0, 5_700_000.0)
RES = 10.0


def make_raster(path: Path, size: int, bands: dict[str, str]) -> None:
    """Write a size x size raster window by window; ``bands`` maps description -> 'ndvi' | 'red' | 'nir'."""
    profile = {
        "driver": "GTiff",
        "width": size,
        "height": size,
        "count": len(bands),
        "dtype": "float32" if "ndvi" in bands.values() else "uint16",
        "crs": CRS,
        "transform": from_origin(*ORIGIN, RES, RES),
        "tiled": True,
        "blockxsize": 512,
        "blockysize": 512,
        "compress": "deflate",
        "zlevel": 1,
        "predictor": 2,
        "bigtiff": "IF_SAFER",
    }
    if profile["dtype"] == "float32":
        profile["predictor"] = 3
    rng = np.random.default_rng(0)
    step = 2048
    with rasterio.open(path, "w", **profile) as dst:
        for i, desc in enumerate(bands):
            dst.set_band_description(i + 1, desc)
        for row in range(0, size, step):
            h = min(step, size - row)
            y = np.arange(row, row + h)[:, None]
            for col in range(0, size, step):
                w = min(step, size - col)
                x = np.arange(col, col + w)[None, :]
                field = 0.5 + 0.3 * np.sin(x / 700.0) * np.cos(y / 900.0)  # smooth "greenness"
                noise = rng.normal(0, 0.03, (h, w))
                for i, kind in enumerate(bands.values()):
                    if kind == "ndvi":
                        data = (field - 0.2 + noise).astype(np.float32)
                    elif kind == "red":
                        data = (1500 - 800 * field + 300 * noise).astype(np.uint16)
                    else:
                        data = (1500 + 3500 * field + 300 * noise).astype(np.uint16)
                    dst.write(data, i + 1, window=Window(col, row, w, h))


def make_plots(n: int, size: int, seed: int = 1) -> gpd.GeoDataFrame:
    """n irregular plots of about 0.5-5 ha scattered over the raster (in WGS84, as users hold them)."""
    rng = np.random.default_rng(seed)
    extent = size * RES
    cx = ORIGIN[0] + rng.uniform(500, extent - 500, n)
    cy = ORIGIN[1] - rng.uniform(500, extent - 500, n)
    polys = []
    for x, y, r in zip(cx, cy, rng.uniform(45, 125, n), strict=True):
        k = rng.integers(5, 12)
        a = np.sort(rng.uniform(0, 2 * np.pi, k))
        rr = r * rng.uniform(0.75, 1.0, k)
        polys.append(shapely.Polygon(np.c_[x + rr * np.cos(a), y + rr * np.sin(a)]))
    return gpd.GeoDataFrame({"plot_id": np.arange(1, n + 1)}, geometry=polys, crs=CRS).to_crs(4326)


def bench_rasterstats(tmp: Path, size: int, n_plots: int) -> dict:
    import rasterstats

    import kzgeo

    ndvi = tmp / "ndvi.tif"
    t0 = time.perf_counter()
    make_raster(ndvi, size, {"NDVI": "ndvi"})
    gen_s = time.perf_counter() - t0
    plots = make_plots(n_plots, size)
    plots_utm = plots.to_crs(CRS)  # rasterstats does not reproject; give it the raster's CRS

    t0 = time.perf_counter()
    ours = kzgeo.zonal_stats(plots, ndvi, stats=["mean"])
    kz_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = rasterstats.zonal_stats(plots_utm, str(ndvi), stats=["mean"], nodata=np.nan)
    rs_s = time.perf_counter() - t0
    rs_mean = np.array([r["mean"] for r in theirs], dtype=float)
    diff = np.abs(ours["ndvi_mean"].to_numpy() - rs_mean)
    return {
        "raster_px": f"{size}x{size}",
        "plots": n_plots,
        "generate_s": round(gen_s, 1),
        "kzgeo_s": round(kz_s, 2),
        "rasterstats_s": round(rs_s, 2),
        "speedup": round(rs_s / kz_s, 1),
        "mean_abs_diff_vs_rasterstats": float(np.nanmean(diff)),
    }


def _vmhwm_mb() -> float | None:
    """This process's own resident high-water mark (Linux), which exec does not inherit."""
    status = Path("/proc/self/status")
    if not status.exists():
        return None
    line = next(ln for ln in status.read_text().splitlines() if ln.startswith("VmHWM"))
    return round(int(line.split()[1]) / 1024, 1)


def _child(scene_path: str, out_dir: str, n_plots: int, size: int) -> None:
    """Run in a subprocess: write NDVI as a COG and a zonal NDVI mean, print timings as JSON."""
    import kzgeo
    from kzgeo.raster import write_index

    t0 = time.perf_counter()
    with kzgeo.open_scene(scene_path) as scene:
        write_index(scene, "ndvi", Path(out_dir) / "ndvi_big.tif", block=1024, progress=False)
        t1 = time.perf_counter()
        table = kzgeo.zonal_stats(make_plots(n_plots, size, seed=2), scene, stats=["mean"], index="ndvi")
    t2 = time.perf_counter()
    result = {
        "write_index_s": round(t1 - t0, 1),
        "zonal_s": round(t2 - t1, 1),
        "zones_with_values": int(table["ndvi_mean"].notna().sum()),
        "child_ru_maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "child_vmhwm_mb": _vmhwm_mb(),
    }
    print(json.dumps(result))


def bench_memory(tmp: Path, size: int, n_plots: int) -> dict:
    scene = tmp / "scene_big.tif"
    t0 = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--generate", str(scene), str(size)], check=True)
    gen_s = time.perf_counter() - t0
    parent_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    proc = subprocess.run(
        [sys.executable, __file__, "--child", str(scene), str(tmp), str(n_plots), str(size)],
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return {
        "raster_px": f"{size}x{size}",
        "scene_file_mb": round(scene.stat().st_size / 2**20, 1),
        "generate_s": round(gen_s, 1),
        "parent_ru_maxrss_mb": round(parent_mb, 1),
        **result,
    }


def big_zone(size: int) -> gpd.GeoDataFrame:
    """One irregular zone of about 4000 x 4000 pixels in the middle of the raster (a district)."""
    side = min(4000, size - 200) * RES
    cx, cy = ORIGIN[0] + size * RES / 2, ORIGIN[1] - size * RES / 2
    a = np.linspace(0, 2 * np.pi, 240, endpoint=False)
    r = side / 2 * (0.85 + 0.15 * np.sin(5 * a))
    poly = shapely.Polygon(np.c_[cx + r * np.cos(a), cy + r * np.sin(a)])
    return gpd.GeoDataFrame({"zone_id": ["district"]}, geometry=[poly], crs=CRS)


def _zone_child(tool: str, raster: str, size: int) -> None:
    """Run in a subprocess: the median of the big zone with one tool; print time and VmHWM as JSON."""
    import rasterstats
    from exactextract import exact_extract

    import kzgeo

    zone = big_zone(size)
    t0 = time.perf_counter()
    if tool == "kzgeo":
        median = float(kzgeo.zonal_stats(zone, raster, stats=["median"])["ndvi_median"].iloc[0])
    elif tool == "rasterstats":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            median = rasterstats.zonal_stats(zone, raster, stats=["median"], nodata=np.nan)[0]["median"]
    else:
        median = float(exact_extract(raster, zone, "median", output="pandas")["median"].iloc[0])
    print(json.dumps({"s": round(time.perf_counter() - t0, 2), "vmhwm_mb": _vmhwm_mb(), "median": median}))


def bench_big_zone(tmp: Path, size: int) -> dict:
    result: dict = {"zone_px": round(float(big_zone(size).area.iloc[0]) / RES**2)}
    for tool in ("kzgeo", "rasterstats", "exactextract"):
        proc = subprocess.run(
            [sys.executable, __file__, "--zone-child", tool, str(tmp / "ndvi.tif"), str(size)],
            check=True,
            capture_output=True,
            text=True,
        )
        result[tool] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["speedup_vs_rasterstats"] = round(result["rasterstats"]["s"] / result["kzgeo"]["s"], 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="quick smoke run on small rasters")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--generate", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--zone-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.zone_child:
        _zone_child(args.zone_child[0], args.zone_child[1], int(args.zone_child[2]))
        return
    if args.generate:
        make_raster(Path(args.generate[0]), int(args.generate[1]), {"B04": "red", "B08": "nir"})
        return
    if args.child:
        _child(args.child[0], args.child[1], int(args.child[2]), int(args.child[3]))
        return
    size, big, n = (1000, 3000, 200) if args.small else (8000, 20000, 2000)
    with tempfile.TemporaryDirectory(dir=os.environ.get("KZGEO_BENCH_TMP")) as tmp:
        memory = bench_memory(Path(tmp), big, n)
        print(json.dumps({"large_raster_memory": memory}), flush=True)
        (Path(tmp) / "scene_big.tif").unlink()
        speed = bench_rasterstats(Path(tmp), size, n)
        print(json.dumps({"zonal_vs_rasterstats": speed}), flush=True)
        print(json.dumps({"median_of_one_district": bench_big_zone(Path(tmp), size)}), flush=True)


if __name__ == "__main__":
    main()

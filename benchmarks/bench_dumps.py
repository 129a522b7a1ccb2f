"""Throughput and peak memory of ``kzgeo.detect_dumps`` from a scene on disk, against a BSI threshold.

    .venv/bin/python benchmarks/bench_dumps.py [--tiles 2 4]

Builds mosaics of generated 1024 x 1024 px scenes (2 x 2 = 419 km², 4 x 4 = 1,678 km²) as tiled, DEFLATE
compressed uint16 GeoTIFFs following the input contract, then runs in a fresh process each (2 threads,
``OMP_NUM_THREADS=2``):

* ``kzgeo``: ``detect_dumps(path)`` — masking, features, both classifiers, hysteresis, polygons,
  window by window;
* ``bsi``: what a user would otherwise write: read the whole scene with rasterio, BSI > 0.2,
  ``rasterio.features.shapes`` — one index, no model, whole scene in memory.

Reports wall time, km² per hour and peak resident memory (``ru_maxrss``), and the ratio. Writes
``benchmarks/out/bench_dumps.json``.
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
from pathlib import Path

import numpy as np
import rasterio
from rasterio.windows import Window

ROOT = Path(__file__).resolve().parent


def build_mosaic(dest: Path, tiles: int, size: int = 1024) -> Path:
    """A tiles x tiles mosaic of generated scenes, written window by window."""
    from kzgeo.synth import BANDS, generate_scene, scene_profile, to_uint16

    first = generate_scene(7000, size, split="test", clouds=False, swath_edge=False)
    profile = scene_profile(first.crs, first.transform, size * tiles, size * tiles)
    with rasterio.open(dest, "w", **profile) as dst:
        for i, name in enumerate(BANDS, start=1):
            dst.set_band_description(i, name)
        for r in range(tiles):
            for c in range(tiles):
                scene = first if r == c == 0 else generate_scene(7000 + r * tiles + c, size, split="test")
                dst.write(to_uint16(scene.data), window=Window(c * size, r * size, size, size))
    return dest


def worker(method: str, path: str) -> dict:
    t0 = time.perf_counter()
    if method == "kzgeo":
        from kzgeo.dumps import detect_dumps

        n = len(detect_dumps(path))
    else:
        from rasterio import features

        with rasterio.open(path) as ds:
            names = list(ds.descriptions)
            data = (
                ds.read([names.index(b) + 1 for b in ("B02", "B04", "B08", "B11")]).astype(np.float32) / 1e4
            )
            transform = ds.transform
        blue, red, nir, swir = data
        with np.errstate(divide="ignore", invalid="ignore"):
            bsi = ((swir + red) - (nir + blue)) / ((swir + red) + (nir + blue))
        mask = (bsi > 0.2) & (blue > 0)
        n = sum(1 for _ in features.shapes(mask.astype(np.uint8), mask=mask, transform=transform))
    seconds = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"method": method, "seconds": seconds, "peak_mb": peak_mb, "sites": n}


def run(method: str, path: Path) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2"}
    out = subprocess.run(
        [sys.executable, __file__, "--worker", method, str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiles", type=int, nargs="+", default=[2, 4], help="mosaic sides, in 1024 px scenes")
    ap.add_argument("--worker", nargs=2, metavar=("METHOD", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(*args.worker)))
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for tiles in args.tiles:
            path = build_mosaic(Path(tmp) / f"mosaic_{tiles}.tif", tiles)
            with rasterio.open(path) as ds:
                km2 = ds.width * ds.height * 100 / 1e6
            for method in ("kzgeo", "bsi"):
                r = run(method, path)
                r.update(km2=km2, km2_per_hour=km2 / r["seconds"] * 3600, pixels=(tiles * 1024) ** 2)
                rows.append(r)
                print(
                    f"{tiles * 1024} px ({km2:.0f} km²) {method:6s}: {r['seconds']:.1f} s, "
                    f"{r['km2_per_hour']:,.0f} km²/h, peak {r['peak_mb']:.0f} MB, {r['sites']} sites",
                    flush=True,
                )
    for tiles in args.tiles:
        k = next(r for r in rows if r["method"] == "kzgeo" and r["pixels"] == (tiles * 1024) ** 2)
        b = next(r for r in rows if r["method"] == "bsi" and r["pixels"] == (tiles * 1024) ** 2)
        print(
            f"{tiles * 1024} px: kzgeo takes {k['seconds'] / b['seconds']:.1f}x the time of a BSI threshold, "
            f"{k['peak_mb'] / b['peak_mb']:.2f}x its peak memory"
        )
    out = ROOT / "out"
    out.mkdir(exist_ok=True)
    result = {"date": time.strftime("%Y-%m-%d"), "cpus": os.cpu_count(), "rows": rows}
    (out / "bench_dumps.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

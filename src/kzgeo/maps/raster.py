"""A score raster (0..1, any CRS) as a colour image laid on a web map.

Leaflet stretches an image linearly between its corner coordinates in Web Mercator, so the raster is
reprojected to EPSG:3857 first; laid on in its own UTM grid it would be misplaced by up to hundreds of
metres at the edges of a scene.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import folium
import numpy as np
import rasterio
from pyproj import Transformer
from rasterio.errors import RasterioIOError
from rasterio.warp import Resampling, calculate_default_transform, reproject

from kzgeo.errors import KzgeoWarning, LayerReadError, RasterError

__all__ = ["SCORE_COLOURS", "colourise", "score_overlay", "to_web_mercator"]

# transparent below SCORE_FLOOR, then yellow -> orange -> dark red
SCORE_COLOURS = ("#ffeda0", "#feb24c", "#f03b20", "#99000d")
SCORE_FLOOR = 0.05
_MAX_SIDE_PX = 1500


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))


def colourise(score: np.ndarray) -> np.ndarray:
    """RGBA image (uint8, rows x cols x 4) of a score array: ``nan`` and scores below 0.05 transparent."""
    stops = np.linspace(0.0, 1.0, len(SCORE_COLOURS))
    rgb = np.array([_rgb(c) for c in SCORE_COLOURS], dtype=float)
    clipped = np.clip(np.nan_to_num(score, nan=0.0), 0.0, 1.0)
    out = np.zeros((*score.shape, 4), dtype=np.uint8)
    for band in range(3):
        out[..., band] = np.rint(np.interp(clipped, stops, rgb[:, band]))
    visible = np.isfinite(score) & (score >= SCORE_FLOOR)
    out[..., 3] = np.where(visible, 200, 0)
    return out


def to_web_mercator(path: Path) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """Read band 1 of a GeoTIFF and reproject it to EPSG:3857.

    Returns
    -------
    (ndarray, (west, south, east, north))
        Float32 scores with ``nan`` for nodata, and the image's bounds in degrees (EPSG:4326).
    """
    try:
        src = rasterio.open(path)
    except RasterioIOError as exc:
        raise LayerReadError(
            f"{path}: cannot be read as a raster ({exc}); the score raster is a GeoTIFF, "
            "e.g. the one kzgeo detect-dumps --score-raster writes"
        ) from exc
    with src:
        if src.count != 1:
            raise RasterError(f"{path}: has {src.count} bands; a score raster has one band (0..1)")
        if src.crs is None:
            raise RasterError(f"{path}: declares no CRS; write the raster with its CRS (e.g. its UTM zone)")
        transform, width, height = calculate_default_transform(
            src.crs, "EPSG:3857", src.width, src.height, *src.bounds
        )
        shrink = max(width, height) / _MAX_SIDE_PX
        if shrink > 1:
            transform, width, height = calculate_default_transform(
                src.crs,
                "EPSG:3857",
                src.width,
                src.height,
                *src.bounds,
                resolution=(transform.a * shrink, -transform.e * shrink),
            )
        score = np.full((height, width), np.nan, dtype=np.float32)
        reproject(
            source=rasterio.band(src, 1),
            destination=score,
            src_nodata=src.nodata,
            dst_transform=transform,
            dst_crs="EPSG:3857",
            dst_nodata=np.nan,
            # a raster shrunk to fit the page keeps each hot spot's score: the highest of the pixels
            # a drawn pixel covers (an average made a 1 ha site of 0.95 in a tile read 0.4-0.8)
            resampling=Resampling.max if shrink > 1 else Resampling.bilinear,
        )
    finite = score[np.isfinite(score)]
    if not finite.size:  # a scene under cloud scores nothing: a finding, but one to be told
        warnings.warn(
            f"{path}: no pixel holds a score (all nodata: cloud, or outside the scene's swath); "
            "the score layer is drawn empty",
            KzgeoWarning,
            stacklevel=3,
        )
    if finite.size and (finite.min() < -1e-6 or finite.max() > 1 + 1e-6):
        raise RasterError(
            f"{path}: scores run from {finite.min():.3g} to {finite.max():.3g} (as resampled for the map); "
            "a score raster holds 0..1 "
            "(as kzgeo detect-dumps --score-raster writes it): divide percentages by 100, bytes by 255"
        )
    west, north = transform @ (0, 0)
    east, south = transform @ (width, height)
    to_degrees = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)
    (lon_w, lon_e), (lat_s, lat_n) = to_degrees.transform([west, east], [south, north])
    return score, (lon_w, lat_s, lon_e, lat_n)


def score_overlay(
    path: Path, *, name: str, pane: str | None = None
) -> tuple[folium.raster_layers.ImageOverlay, list[str]]:
    """An image layer of a score GeoTIFF (in ``pane``, if given), and the colours of its legend bar."""
    score, (west, south, east, north) = to_web_mercator(path)
    overlay = folium.raster_layers.ImageOverlay(
        image=colourise(score),
        bounds=[[south, west], [north, east]],
        mercator_project=False,
        name=name,
        interactive=False,
        **({"pane": pane} if pane else {}),
    )
    return overlay, list(SCORE_COLOURS)

"""Synthetic, deterministic inputs for ``bench_stats.py``: plots and protected areas in Kazakhstan.

Shapes are built with vectorised shapely calls so that generating a million polygons takes seconds
and is not part of any timing.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

# lon/lat box well inside Kazakhstan's territory
LON, LAT = (50.0, 84.0), (42.0, 54.0)
M_PER_DEG = 111_320.0


def _quads(rng: np.random.Generator, lon, lat, side_m) -> np.ndarray:
    """Irregular quadrilaterals (corners jittered by up to 15 % of the side) around the given centres."""
    n = len(lon)
    half_lat = side_m / 2 / M_PER_DEG
    half_lon = half_lat / np.cos(np.radians(lat))
    unit = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], dtype=float)
    corners = unit[None] * (1 + rng.uniform(-0.15, 0.15, (n, 4, 2)))
    coords = np.stack([lon[:, None] + corners[..., 0] * half_lon[:, None],
                       lat[:, None] + corners[..., 1] * half_lat[:, None]], axis=-1)  # fmt: skip
    return shapely.polygons(coords)


def polygons(n: int, seed: int = 1) -> gpd.GeoDataFrame:
    """``n`` quadrilaterals from 0.01 ha to 100 ha (log-uniform) anywhere in the box."""
    rng = np.random.default_rng(seed)
    lon, lat = rng.uniform(*LON, n), rng.uniform(*LAT, n)
    side = 10 ** rng.uniform(1, 3, n)  # 10 m .. 1 km
    return gpd.GeoDataFrame({"plot_id": np.arange(n)}, geometry=_quads(rng, lon, lat, side), crs=4326)


def protected_areas(n: int = 500, vertices: int = 1024, seed: int = 2) -> gpd.GeoDataFrame:
    """``n`` star-shaped areas of 3–30 km radius with ``vertices`` vertices and a wavy boundary.

    1,024 vertices put one every 20–200 m along the boundary: coarser than a boundary digitised at
    1:100,000 (a vertex every 50–100 m along a 20–200 km perimeter), so the baseline is not
    handicapped by unrealistically detailed areas.
    """
    rng = np.random.default_rng(seed)
    lon, lat = rng.uniform(*LON, n), rng.uniform(*LAT, n)
    radius = rng.uniform(3_000, 30_000, n)
    theta = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    phase = rng.uniform(0, 2 * np.pi, (n, 3))
    wave = 1 + 0.25 * np.sin(3 * theta[None] + phase[:, :1]) + 0.1 * np.sin(11 * theta[None] + phase[:, 1:2])
    r_deg = (radius[:, None] * wave) / M_PER_DEG
    coords = np.stack([lon[:, None] + r_deg * np.cos(theta) / np.cos(np.radians(lat[:, None])),
                       lat[:, None] + r_deg * np.sin(theta)], axis=-1)  # fmt: skip
    gdf = gpd.GeoDataFrame({"pa_id": np.arange(n)}, geometry=shapely.polygons(coords), crs=4326)
    gdf.attrs["radius_m"] = radius
    return gdf


def plots_near(pas: gpd.GeoDataFrame, n: int = 100_000, seed: int = 3) -> gpd.GeoDataFrame:
    """``n`` plots of 1–20 ha: 70 % placed around the protected areas (most inside, some across the
    boundary, some just outside), 30 % anywhere."""
    rng = np.random.default_rng(seed)
    near = int(n * 0.7)
    which = rng.integers(0, len(pas), near)
    centre = shapely.get_coordinates(shapely.centroid(pas.geometry.values))[which]
    dist = pas.attrs["radius_m"][which] * np.sqrt(rng.uniform(0, 1.3, near))
    angle = rng.uniform(0, 2 * np.pi, near)
    lat_near = centre[:, 1] + dist * np.sin(angle) / M_PER_DEG
    lon_near = centre[:, 0] + dist * np.cos(angle) / M_PER_DEG / np.cos(np.radians(centre[:, 1]))
    lon = np.concatenate([lon_near, rng.uniform(*LON, n - near)])
    lat = np.concatenate([lat_near, rng.uniform(*LAT, n - near)])
    side = np.sqrt(rng.uniform(1, 20, n)) * 100
    return gpd.GeoDataFrame({"plot_id": np.arange(n)}, geometry=_quads(rng, lon, lat, side), crs=4326)

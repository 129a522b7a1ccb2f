"""Satellite raster overlay: scenes read by band name, spectral indices, exact zonal statistics.

``open_scene`` reads Sentinel-2 and Landsat scenes as masked reflectance, ``spectral_index`` and
``write_index`` compute indices window by window, ``zonal_stats`` summarises rasters per zone with
exact pixel coverage, and ``zonal_timeseries`` follows an index per plot through several dates.
"""

from __future__ import annotations

from kzgeo.raster.indices import INDICES, compute_index, spectral_index, write_index
from kzgeo.raster.scene import Scene, open_scene
from kzgeo.raster.timeseries import zonal_timeseries
from kzgeo.raster.zonal import STATS, zonal_stats

__all__ = [
    "INDICES",
    "STATS",
    "Scene",
    "compute_index",
    "open_scene",
    "spectral_index",
    "write_index",
    "zonal_stats",
    "zonal_timeseries",
]

"""Satellite raster overlay: scenes read by band name, spectral indices, exact zonal statistics."""

from __future__ import annotations

from kzgeo.raster.scene import Scene, open_scene

__all__ = ["Scene", "open_scene"]

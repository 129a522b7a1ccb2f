"""kzgeo: the geography of Kazakhstan's environmental programmes.

Protected areas, ecological corridors, tree-planting plots and illegal waste dumps, as validated
GeoDataFrames, publishable hectare statistics, satellite-raster overlays and web maps.

The public functions are re-exported here and imported on first use, so ``import kzgeo`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

from kzgeo.errors import (
    CRSError,
    DataError,
    GeometryError,
    KzgeoError,
    KzgeoWarning,
    LayerReadError,
    OutputError,
    OutputExistsError,
    RasterError,
    RepairWarning,
    SchemaError,
)

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY = {
    "read_layer": "kzgeo.io",
    "write_layer": "kzgeo.io",
    "validate_layer": "kzgeo.validate",
    "LAYER_KINDS": "kzgeo.schemas",
    "hectares": "kzgeo.area",
    "flatten": "kzgeo.stats",
    "coverage": "kzgeo.stats",
    "overlap_table": "kzgeo.stats",
    "planting_progress": "kzgeo.stats",
    "open_scene": "kzgeo.raster",
    "spectral_index": "kzgeo.raster",
    "zonal_stats": "kzgeo.raster",
    "zonal_timeseries": "kzgeo.raster",
    "write_index": "kzgeo.raster",
    "detect_dumps": "kzgeo.dumps",
    "make_map": "kzgeo.maps",
    "save_map": "kzgeo.maps",
}
_SUBMODULES = {"area", "datasets", "dumps", "io", "maps", "raster", "schemas", "stats", "synth", "validate"}
"""Submodules reachable as attributes of kzgeo (kzgeo.schemas.LAYER_KINDS), imported on first use."""

__all__ = [
    "CRSError",
    "DataError",
    "GeometryError",
    "KzgeoError",
    "KzgeoWarning",
    "LayerReadError",
    "OutputError",
    "OutputExistsError",
    "RasterError",
    "RepairWarning",
    "SchemaError",
    "__version__",
    *_LAZY,
    *_SUBMODULES,
]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"kzgeo.{name}")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'kzgeo' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(__all__)

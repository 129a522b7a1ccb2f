"""Synthetic Sentinel-2 scenes with known dump sites, for training, testing and the demo.

>>> from kzgeo.synth import generate_scene, write_scene
>>> scene = generate_scene(seed=7, size=512)          # doctest: +SKIP
>>> write_scene(scene, "scene.tif")                   # doctest: +SKIP

Scenes follow the input contract of :func:`kzgeo.detect_dumps`: a multiband GeoTIFF with band
descriptions ``B02 B03 B04 B05 B06 B07 B08 B8A B11 B12``, uint16 reflectance x 10000, nodata 0, a 10 m
grid in a UTM zone of Kazakhstan. Generating needs the ``earthlib`` spectral library
(``pip install 'kzgeo[train]'``); detecting does not.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio

from kzgeo.synth.scene import (
    BACKGROUND_KINDS,
    BIOMES,
    DUMP_FAMILIES,
    DUMP_KINDS,
    LOOKALIKE_KINDS,
    PLACES,
    SENSOR_PARAMETERS,
    SyntheticScene,
    generate_scene,
)
from kzgeo.synth.spectra import BANDS, FAMILIES, family_spectra

__all__ = [
    "BACKGROUND_KINDS",
    "BANDS",
    "BIOMES",
    "DUMP_FAMILIES",
    "DUMP_KINDS",
    "FAMILIES",
    "LOOKALIKE_KINDS",
    "PLACES",
    "SENSOR_PARAMETERS",
    "DemoScene",
    "SyntheticScene",
    "demo_scene",
    "family_spectra",
    "generate_scene",
    "scene_profile",
    "to_uint16",
    "write_scene",
]


def to_uint16(data: np.ndarray) -> np.ndarray:
    """Reflectance (NaN = nodata) to the contract's uint16 (reflectance x 10000, nodata 0)."""
    out = np.clip(np.round(np.nan_to_num(data, nan=0.0) * 10_000), 0, 65_535).astype(np.uint16)
    out[:, np.isnan(data).any(axis=0)] = 0
    return out


def scene_profile(crs, transform, width: int, height: int) -> dict:
    """Rasterio profile of the detector's input contract: 10 bands, uint16, nodata 0, tiled, DEFLATE."""
    return {
        "driver": "GTiff",
        "width": width,
        "height": height,
        "count": len(BANDS),
        "dtype": "uint16",
        "nodata": 0,
        "crs": crs.to_wkt(),
        "transform": transform,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
        "compress": "deflate",
        "predictor": 2,
        "interleave": "pixel",
    }


def write_scene(scene: SyntheticScene, dest: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Write a scene as a tiled, compressed multiband GeoTIFF (atomically).

    Parameters
    ----------
    scene : SyntheticScene
    dest : path
        The ``.tif`` to write.
    overwrite : bool
        Replace ``dest`` if it exists (otherwise :class:`~kzgeo.errors.OutputExistsError`).
    """
    from kzgeo.io import atomic_output

    _, h, w = scene.data.shape
    profile = scene_profile(scene.crs, scene.transform, w, h)
    with atomic_output(dest, overwrite=overwrite) as tmp, rasterio.open(tmp, "w", **profile) as dst:
        dst.write(to_uint16(scene.data))
        for i, name in enumerate(BANDS, start=1):
            dst.set_band_description(i, name)
        # reflectance x 10000 with no offset added, said the way Sentinel-2 metadata says it
        tags = {k: str(v) for k, v in scene.params.items()}
        dst.update_tags(generator="kzgeo.synth", BOA_ADD_OFFSET="0", **tags)
    return Path(dest)


@dataclass(frozen=True)
class DemoScene:
    """Paths written by :func:`demo_scene`."""

    scene: Path
    truth: Path
    landfills: Path


def demo_scene(dest_dir: str | os.PathLike, seed: int = 2029, *, size: int = 512) -> DemoScene:
    """Write a small deterministic scene near Astana, with its truth and a generated landfill of its own.

    Parameters
    ----------
    dest_dir : path
        A folder (created if missing); ``demo_scene.tif``, ``demo_truth.geojson`` and
        ``demo_landfills.geojson`` are written (replaced) there.
    seed : int
        The same seed always gives the same files. The default was picked among ten so that the demo
        shows a landfill with an overspill that the detector finds (it finds the landfill body for
        only four of the ten seeds); the demo illustrates the output, it does not measure quality.
    size : int
        Width and height in 10 m pixels (512 px is 5.12 km, 26 km²).

    Returns
    -------
    DemoScene
    """
    from kzgeo.io import write_layer

    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    scene = generate_scene(
        seed,
        size,
        place="astana",
        biome="steppe",
        month=7,
        clouds=False,
        swath_edge=False,
        landfills=1,
        n_dumps=10,
        n_lookalikes=10,
    )
    paths = DemoScene(dest / "demo_scene.tif", dest / "demo_truth.geojson", dest / "demo_landfills.geojson")
    write_scene(scene, paths.scene, overwrite=True)
    write_layer(scene.truth.to_crs(4326), paths.truth, overwrite=True)
    write_layer(scene.landfills.to_crs(4326), paths.landfills, overwrite=True)
    return paths

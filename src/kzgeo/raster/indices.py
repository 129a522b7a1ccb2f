"""Spectral indices of a scene, computed window by window, and a COG writer for them.

Formulas and their sources are in ``docs/indices.md``. Bands are addressed by common name (``red``,
``nir``, ``swir16`` ...), so one formula serves Sentinel-2 and Landsat. Division by zero gives NaN.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
import rasterio.shutil
from rasterio.windows import Window

from kzgeo.errors import KzgeoWarning, RasterError
from kzgeo.raster.scene import TYPICAL_REFLECTANCE_MAX, Scene, bounded_cache, open_scene

__all__ = ["INDICES", "SpectralIndex", "compute_index", "spectral_index", "write_index"]


def _nd(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Normalised difference (a - b) / (a + b); NaN where a + b is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (a - b) / (a + b)
    out[~np.isfinite(out)] = np.nan
    return out


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / den
    out[~np.isfinite(out)] = np.nan
    return out


@dataclass(frozen=True)
class SpectralIndex:
    """A spectral index: its bands (common names), formula and source."""

    name: str
    bands: tuple[str, ...]
    formula: Callable[..., np.ndarray]
    description: str
    needs_reflectance: bool = False
    """Whether the index changes with the scale of its bands (SAVI's L = 0.5 is a reflectance): the
    others are ratios, the same on reflectance and on digital numbers of one scale."""


SAVI_L = 0.5


def _bsi(swir16, red, nir, blue):
    return _nd(swir16 + red, nir + blue)


def _savi(nir, red):
    return _ratio((1 + SAVI_L) * (nir - red), nir + red + SAVI_L)


def _pi(nir, red):
    return _ratio(nir, nir + red)


INDICES: dict[str, SpectralIndex] = {
    i.name: i
    for i in (
        SpectralIndex("ndvi", ("nir", "red"), _nd, "(NIR - Red) / (NIR + Red); Rouse et al. 1974"),
        SpectralIndex("ndwi", ("green", "nir"), _nd, "(Green - NIR) / (Green + NIR); McFeeters 1996"),
        SpectralIndex("mndwi", ("green", "swir16"), _nd, "(Green - SWIR1) / (Green + SWIR1); Xu 2006"),
        SpectralIndex("ndbi", ("swir16", "nir"), _nd, "(SWIR1 - NIR) / (SWIR1 + NIR); Zha et al. 2003"),
        SpectralIndex(
            "bsi",
            ("swir16", "red", "nir", "blue"),
            _bsi,
            "((SWIR1 + Red) - (NIR + Blue)) / ((SWIR1 + Red) + (NIR + Blue)); Rikimaru et al. 2002",
        ),
        SpectralIndex(
            "savi",
            ("nir", "red"),
            _savi,
            "(1 + L)(NIR - Red) / (NIR + Red + L), L = 0.5; Huete 1988",
            needs_reflectance=True,
        ),
        SpectralIndex("nbr", ("nir", "swir22"), _nd, "(NIR - SWIR2) / (NIR + SWIR2); Key & Benson 2006"),
        SpectralIndex(
            "pi", ("nir", "red"), _pi, "NIR / (NIR + Red); plastic index, Themistocleous et al. 2020"
        ),
        SpectralIndex(
            "ndsw",
            ("swir22", "swir16"),
            _nd,
            "(SWIR2 - SWIR1) / (SWIR2 + SWIR1); normalised difference of the SWIR bands",
        ),
    )
}


def _lookup(name: str) -> SpectralIndex:
    index = INDICES.get(str(name).lower())
    if index is None:
        raise RasterError(f"unknown spectral index {name!r}; choose one of {', '.join(INDICES)}")
    return index


def compute_index(name: str, bands: Mapping[str, np.ndarray]) -> np.ndarray:
    """Compute an index from reflectance arrays keyed by common band name.

    Parameters
    ----------
    name : str
        ``ndvi``, ``ndwi``, ``mndwi``, ``ndbi``, ``bsi``, ``savi``, ``nbr``, ``pi`` or ``ndsw``
        (case-insensitive).
    bands : mapping of str to ndarray
        Reflectance (0..1) by common name: ``blue``, ``green``, ``red``, ``nir``, ``swir16``, ``swir22``.

    Returns
    -------
    numpy.ndarray of float32
        NaN where an input is NaN or the denominator is 0. Reflectance below 0 counts as 0, so the
        normalised differences stay within -1..1 and the plastic index within 0..1.

    Examples
    --------
    >>> import numpy as np
    >>> round(float(compute_index("ndvi", {"nir": np.array([0.5]), "red": np.array([0.1])})[0]), 3)
    0.667
    """
    index = _lookup(name)
    missing = [b for b in index.bands if b not in bands]
    if missing:
        raise RasterError(f"{index.name}: needs the {', '.join(missing)} band(s); pass them by common name")
    if index.needs_reflectance:
        for b in index.bands:
            values = np.asarray(bands[b]).ravel()
            values = values[:: max(1, values.size // 65536)]  # a sample is enough to tell the scale
            values = values[np.isfinite(values) & (values != 0)]
            typical = float(np.median(values)) if values.size else np.nan
            if typical > TYPICAL_REFLECTANCE_MAX:
                raise RasterError(
                    f"{index.name}: the {b} values are typically {typical:g}, not reflectance 0..1, and "
                    f"{index.name.upper()} depends on the scale; divide digital numbers by their scale "
                    "(Sentinel-2: 10000) first"
                )
    return _compute(index, bands)


def _compute(index: SpectralIndex, bands: Mapping[str, np.ndarray]) -> np.ndarray:
    """:func:`compute_index` without the checks (the scene's bands were checked once)."""
    # reflectance below 0 (noise on dark ground, once baseline 04.00's offset is taken off) is 0:
    # otherwise a normalised difference leaves -1..1 (red -0.01, NIR 0.2 gave NDVI 1.1); NaN stays NaN
    args = [np.maximum(np.asarray(bands[b], dtype=np.float32), np.float32(0)) for b in index.bands]
    return index.formula(*args).astype(np.float32, copy=False)


@contextlib.contextmanager
def _opened(scene):
    """A scene given as a path, opened for the call and closed after it."""
    if not isinstance(scene, (str, os.PathLike)):
        raise RasterError(
            f"got a {type(scene).__name__} as the scene; give the path of a scene or a Scene from "
            "kzgeo.open_scene"
        )
    with open_scene(scene) as opened:
        yield opened


def spectral_index(scene: Scene, name: str, *, window: Window | None = None) -> np.ndarray:
    """A spectral index of a scene (or of one window of it) as float32.

    Parameters
    ----------
    scene : Scene or path
        From :func:`kzgeo.open_scene`, or the path of a scene (opened for the call).
    name : str
        One of :data:`INDICES` (case-insensitive).
    window : rasterio.windows.Window, optional
        Part of the scene grid; default the whole scene. Use windows for rasters larger than memory.

    Returns
    -------
    numpy.ndarray of float32, shape (h, w)
        NaN where a band is nodata, masked (cloud, shadow, snow) or the denominator is 0.

    Raises
    ------
    RasterError
        For an unknown index or a scene lacking a band the index needs.
    """
    if not isinstance(scene, Scene):  # a path, as zonal_stats and detect_dumps take
        with _opened(scene) as opened:
            return spectral_index(opened, name, window=window)
    index = _lookup(name)
    names = [scene.band_name(b) for b in index.bands]
    _check_scale(scene, index, names)
    data = scene.read(list(dict.fromkeys(names)), window=window)
    by_name = dict(zip(dict.fromkeys(names), data, strict=True))
    return _compute(index, {common: by_name[n] for common, n in zip(index.bands, names, strict=True)})


def _check_scale(scene: Scene, index: SpectralIndex, names: list[str]) -> None:
    """Refuse an index that depends on the scale (SAVI) of bands that do not read as reflectance
    (typically above 1.5 in four sample windows, computed once per band): digital numbers of a raster
    of unknown sensor, which kzgeo cannot scale (Sentinel-2 divides by 10000, Landsat Collection 2
    multiplies by 2.75e-5 and subtracts 0.2)."""
    if not index.needs_reflectance:
        return
    for common, band in zip(index.bands, names, strict=True):
        typical = scene.typical_value(band)
        if typical > TYPICAL_REFLECTANCE_MAX:
            file = Path(scene.source).name
            scale = f"give the bands their scale (gdal_edit.py -scale 0.0001 {file} for DN x 10000)"
            fix = (
                "a raster of unknown sensor is read as stored: name the bands as Sentinel-2 (B02..B12) "
                "or Landsat (B1..B7) so kzgeo scales their digital numbers (open_scene(path, "
                f"bands=[...])), or {scale}"
                if scene.sensor == "unknown"
                else scale
            )
            raise RasterError(
                f"{scene.source}: band {band} ({common}) reads {typical:g} in most sampled pixels, not "
                f"reflectance 0..1, and {index.name.upper()} depends on the scale; {fix}; ratio indices "
                "(NDVI, NDWI, BSI, ...) do not depend on it"
            )


def write_index(
    scene: Scene,
    name: str,
    dest: str | os.PathLike,
    *,
    overwrite: bool = False,
    block: int = 1024,
    progress: bool | None = None,
) -> Path:
    """Write a spectral index as a Cloud-Optimized GeoTIFF, window by window.

    Memory use depends on ``block``, not on the scene size (GDAL's block cache is capped at
    :data:`~kzgeo.raster.scene.GDAL_CACHE_MB` while writing). The output is float32, NaN nodata,
    512 × 512 tiles, DEFLATE with the floating-point predictor, with overviews (COG layout); it is
    written next to ``dest`` and renamed onto it only when complete.

    Parameters
    ----------
    scene : Scene or path
    name : str
        Index name, see :data:`INDICES`.
    dest : path
        Output ``.tif``.
    overwrite : bool
        Replace an existing ``dest``; otherwise it raises :class:`~kzgeo.errors.OutputExistsError`.
    block : int
        Side of the square windows computed at a time, in pixels.
    progress : bool, optional
        Show a tqdm progress bar; default: when there is more than one window and stderr is a terminal.

    Returns
    -------
    pathlib.Path
        ``dest``.
    """
    from tqdm import tqdm

    from kzgeo.io import GEOTIFF_SUFFIXES, atomic_output

    if not isinstance(scene, Scene):
        with _opened(scene) as opened:
            return write_index(opened, name, dest, overwrite=overwrite, block=block, progress=progress)
    index = _lookup(name)
    for b in index.bands:
        scene.band_name(b)
    windows = list(scene.windows(size=block))
    profile = {
        "driver": "GTiff",
        "width": scene.width,
        "height": scene.height,
        "count": 1,
        "dtype": "float32",
        "crs": scene.crs,
        "transform": scene.transform,
        "nodata": float("nan"),
        "tiled": True,
        "blockxsize": 512,
        "blockysize": 512,
        "compress": "deflate",
        "predictor": 3,
        "bigtiff": "IF_SAFER",
    }
    disable = (not progress) if progress is not None else (None if len(windows) > 1 else True)
    with bounded_cache(), atomic_output(dest, overwrite=overwrite, suffixes=GEOTIFF_SUFFIXES) as tmp:
        stage = tmp.with_name(tmp.stem + ".stage.tif")
        try:
            valid = 0
            with rasterio.open(stage, "w", **profile) as dst:
                for w in tqdm(windows, desc=f"{index.name} {Path(dest).name}", unit="win", disable=disable):
                    values = spectral_index(scene, index.name, window=w)
                    valid += int(np.isfinite(values).sum())
                    dst.write(values, 1, window=w)
                dst.set_band_description(1, index.name.upper())
                dst.update_tags(KZGEO_INDEX=index.name, KZGEO_FORMULA=index.description)
            rasterio.shutil.copy(
                stage,
                tmp,
                driver="COG",
                compress="DEFLATE",
                predictor="YES",
                blocksize=512,
                overview_resampling="average",
                bigtiff="IF_SAFER",
            )
        finally:
            stage.unlink(missing_ok=True)
    if not valid:
        warnings.warn(
            f"{scene.source}: no pixel holds data (all nodata, masked or 0 in the bands of "
            f"{index.name.upper()}); {Path(dest).name} holds NaN only",
            KzgeoWarning,
            stacklevel=2,
        )
    return Path(dest)

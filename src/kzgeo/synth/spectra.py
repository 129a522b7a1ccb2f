"""Material spectra for the scene generator, from the measured spectra of ``earthlib``.

``earthlib`` (MIT) carries about 7,000 measured or simulated reflectance spectra (soils, vegetation,
litter, char, roofs, asphalt, paint...) and resamples them to the Sentinel-2 band responses. It is
needed only to *generate* scenes (training and evaluation); the detector never imports it.

Spectra of each family are split into two disjoint halves, ``"train"`` and ``"test"``, so that held-out
evaluation scenes are built from spectra the model never saw. The ``"train"`` half is split again into
two disjoint folds, ``"train_a"`` and ``"train_b"``, so that training can score one fold with a model
fitted on the other (cross-fitting) and never touch the ``"test"`` half.
"""

from __future__ import annotations

import functools
import zlib

import numpy as np

__all__ = ["BANDS", "FAMILIES", "SPLITS", "family_spectra"]

BANDS = ("B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B11", "B12")
"""Band order of every spectrum and of the generated scenes (the order of the input contract)."""

# family -> earthlib LEVEL_3 classes it is drawn from
FAMILIES: dict[str, tuple[str, ...]] = {
    "soil": ("soil", "dirt"),
    "sand": ("sand",),
    "vegetation": ("canopy",),
    "dry_vegetation": ("litter", "npv"),
    "burned": ("char",),
    "wood": ("wood", "bark"),
    "asphalt": ("asphalt", "road", "parking_lot"),
    "roof": ("comp_shingle", "metal", "tile", "concrete_tile", "wood_shingle"),
    "concrete": ("concrete_tile", "sidewalk", "driveway", "bridge", "manhole"),
    "gravel": ("gravel",),
    # polymers and other bright synthetic materials stand in for plastics, which earthlib lacks
    "plastics": ("paint", "other", "glass", "mixed", "metal"),
}

SPLITS = ("all", "train", "test", "train_a", "train_b")
"""Parts of the library: all of it, its two halves, and the two folds of the ``train`` half."""

# materials earthlib lacks, built from physical shapes (reflectance per band, before random scaling)
_WATER = np.array([0.065, 0.055, 0.035, 0.025, 0.015, 0.011, 0.009, 0.008, 0.003, 0.002], dtype=np.float32)
_SALT = np.array([0.62, 0.64, 0.65, 0.65, 0.65, 0.65, 0.64, 0.63, 0.52, 0.45], dtype=np.float32)
_CLOUD = np.array([0.55, 0.54, 0.53, 0.53, 0.53, 0.53, 0.53, 0.52, 0.38, 0.26], dtype=np.float32)


@functools.lru_cache(maxsize=1)
def _library() -> tuple[np.ndarray, np.ndarray]:
    try:
        import earthlib
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "kzgeo.synth needs the earthlib spectral library; install it with pip install 'kzgeo[train]'"
        ) from exc
    s2 = earthlib.full_library.to_sensor(earthlib.sensors.Sentinel2)
    data = np.clip(np.asarray(s2.data, dtype=np.float32), 0.001, 1.0)
    return data, s2.metadata["LEVEL_3"].to_numpy()


@functools.lru_cache(maxsize=64)
def family_spectra(family: str, split: str = "all") -> np.ndarray:
    """Sentinel-2 reflectance spectra of one material family, shape ``(n, 10)``.

    Parameters
    ----------
    family : str
        A key of :data:`FAMILIES`, or ``"water"``, ``"salt"``, ``"cloud"`` (built, not measured).
    split : {"all", "train", "test", "train_a", "train_b"}
        ``"train"`` and ``"test"`` are disjoint halves chosen by a hash of the spectrum's position, so
        evaluation scenes can use spectra the model never saw; ``"train_a"`` and ``"train_b"`` are
        disjoint folds of the ``"train"`` half, chosen by another hash.
    """
    if split not in SPLITS:
        raise ValueError(f"split={split!r}: choose from {SPLITS}")
    if family in ("water", "salt", "cloud"):
        base = {"water": _WATER, "salt": _SALT, "cloud": _CLOUD}[family]
        scale = np.linspace(0.75, 1.25, 9, dtype=np.float32)[:, None]
        return (base[None, :] * scale).astype(np.float32)
    if family not in FAMILIES:
        raise KeyError(f"unknown material family {family!r}; choose from {sorted(FAMILIES)}")
    data, level3 = _library()
    idx = np.flatnonzero(np.isin(level3, FAMILIES[family]))
    if split != "all":
        odd = np.array([zlib.crc32(f"{family}{i}".encode()) % 2 for i in idx], dtype=bool)
        idx = idx[odd] if split == "test" else idx[~odd]
    if split in ("train_a", "train_b"):
        fold_b = np.array([zlib.crc32(f"{family}{i}/fold".encode()) % 2 for i in idx], dtype=bool)
        idx = idx[fold_b] if split == "train_b" else idx[~fold_b]
    return data[idx]

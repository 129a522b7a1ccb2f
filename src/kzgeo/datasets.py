"""The bundled Kazakhstan demo layers: real boundaries and landfills, illustrative protected areas.

Six GeoPackages, one per layer kind, built by ``scripts/build_demo_data.py`` (``make data``) from
the open data described in ``data/README.md``:

============================  ==============================================================
name                          what
============================  ==============================================================
``regions``                   the 20 first-level units of 2024 (geokz / HDX COD-AB), simplified
``districts``                 the 224 districts of 2024, simplified, one invalid polygon repaired
``landfills``                 33 landfill points (Climate TRACE 2023, mostly OpenStreetMap)
``protected_areas``           reserves, national parks and nested designations: illustrative
                              shapes at the real locations with the official hectares
``corridors``                 the Kapshagay–Balkhash and Yrgyz–Torgay–Zhylanshyk corridors
                              (illustrative, 2.9 million ha together)
``plots``                     over 20,000 illustrative tree-planting plots in all 20 regions
============================  ==============================================================

The folder is ``data/`` next to ``src/`` in a source checkout (editable install), or the folder
named by the environment variable ``KZGEO_DATA``.

Examples
--------
>>> from kzgeo import datasets
>>> datasets.names()
('regions', 'districts', 'landfills', 'protected_areas', 'corridors', 'plots')
>>> len(datasets.load("regions"))
20
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd

from kzgeo.errors import DataError, LayerReadError

__all__ = ["DATA_ENV", "load", "names", "path"]

DATA_ENV = "KZGEO_DATA"

# each dataset is read as the layer kind of the same name
_NAMES = ("regions", "districts", "landfills", "protected_areas", "corridors", "plots")


def names() -> tuple[str, ...]:
    """Names of the bundled datasets, each also the layer kind it is read as.

    Returns
    -------
    tuple of str
    """
    return _NAMES


def _data_dir() -> Path:
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env)
    # src/kzgeo/datasets.py -> repository root
    return Path(__file__).resolve().parents[2] / "data"


def path(name: str) -> Path:
    """Path of a bundled dataset's GeoPackage.

    Parameters
    ----------
    name : str
        One of :func:`names`.

    Returns
    -------
    pathlib.Path
        ``<data folder>/<name>.gpkg``.

    Raises
    ------
    DataError
        ``name`` is not a bundled dataset.
    LayerReadError
        The file is missing (the data were not built, or ``KZGEO_DATA`` points elsewhere).
    """
    if name not in _NAMES:
        raise DataError(f"unknown dataset {name!r}; kzgeo bundles: {', '.join(_NAMES)}")
    file = _data_dir() / f"{name}.gpkg"
    if not file.is_file():
        raise LayerReadError(
            f"{file}: bundled dataset {name!r} is missing; run `make data` in the repository "
            f"(or set {DATA_ENV} to the folder holding {name}.gpkg)"
        )
    return file


def load(name: str) -> gpd.GeoDataFrame:
    """Read a bundled dataset, validated as the layer kind of the same name.

    Parameters
    ----------
    name : str
        One of :func:`names`.

    Returns
    -------
    GeoDataFrame
        In EPSG:4326 with the kind's schema columns (see :mod:`kzgeo.schemas`).

    Raises
    ------
    DataError
        ``name`` is not a bundled dataset.
    LayerReadError
        The file is missing; run ``make data``.

    Examples
    --------
    >>> from kzgeo import datasets
    >>> plots = datasets.load("plots")
    >>> plots["region"].nunique()
    20
    """
    from kzgeo.io import read_layer

    return read_layer(path(name), kind=name)

"""Ellipsoidal area in hectares.

Areas are computed on the WGS84 ellipsoid through an Albers equal-area conic tuned to Kazakhstan
(standard parallels 42°N and 52°N, central meridian 68°E), with long edges densified first, so that
straight edges in the projection follow the geodesic closely.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

__all__ = ["KZ_ALBERS", "hectares"]

KZ_ALBERS = CRS.from_proj4("+proj=aea +lat_0=48 +lon_0=68 +lat_1=42 +lat_2=52 +ellps=WGS84 +units=m +no_defs")

_DENSIFY_DEG = 0.05


def hectares(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> np.ndarray:
    """Area of each feature in hectares on the WGS84 ellipsoid.

    Parameters
    ----------
    gdf : GeoDataFrame or GeoSeries
        Features in any CRS.

    Returns
    -------
    numpy.ndarray of float
        Hectares per feature; ``nan`` for missing geometries.
    """
    geoms = gdf.geometry if isinstance(gdf, gpd.GeoDataFrame) else gdf
    lonlat = geoms.to_crs(4326)
    dense = shapely.segmentize(lonlat.values, _DENSIFY_DEG)
    projected = gpd.GeoSeries(dense, crs=4326).to_crs(KZ_ALBERS)
    return shapely.area(projected.values) / 10_000.0

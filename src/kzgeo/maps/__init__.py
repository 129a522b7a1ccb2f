"""Web maps: layered, trilingual (kk/ru/en), offline-capable Folium maps of the programmes' geography.

``make_map`` builds a :class:`folium.Map`; ``save_map`` writes it as one HTML file (self-contained when
the map is offline); ``bundled_layers`` loads the bundled Kazakhstan demo layers.
"""

from __future__ import annotations

import geopandas as gpd

from kzgeo.maps.build import make_map, region_statistics
from kzgeo.maps.i18n import LANGS
from kzgeo.maps.save import map_html, save_map
from kzgeo.maps.simplify import simplify_for_web

__all__ = [
    "LANGS",
    "bundled_layers",
    "make_map",
    "map_html",
    "region_statistics",
    "save_map",
    "simplify_for_web",
]

BUNDLED_KINDS = ("regions", "districts", "protected_areas", "corridors", "plots")


def bundled_layers() -> dict[str, gpd.GeoDataFrame]:
    """The bundled demo layers a map draws by default, keyed like :func:`make_map`'s arguments."""
    from kzgeo import datasets

    return {kind: datasets.load(kind) for kind in BUNDLED_KINDS}

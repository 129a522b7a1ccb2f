"""Writing a map as one HTML file; for offline maps, with Leaflet and its plugins inlined.

The offline copies of Leaflet and its plugins come from the ``folium-offline`` package (MIT), which
ships the files folium links to, keyed by their URL. kzgeo does not carry copies of its own.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import folium

from kzgeo.errors import KzgeoError

__all__ = ["map_html", "save_map"]

_SCRIPT = re.compile(r'<script src="(https?://[^"]+)"></script>')
_STYLESHEET = re.compile(r'<link rel="stylesheet" href="(https?://[^"]+)"\s*/?>')
# relative images in Leaflet's CSS (layer-control and marker icons); kzgeo maps use neither
_CSS_URL = re.compile(r"url\((?!['\"]?data:)[^)]*\)")


def _offline_copies() -> dict[str, str]:
    try:
        from offlinefolium.elements import _res  # URL -> file contents
    except ImportError as exc:
        raise KzgeoError(
            "offline maps need the folium-offline package for Leaflet's files; "
            "install it with: pip install folium-offline"
        ) from exc
    return _res


def _inline(page: str) -> str:
    copies = _offline_copies()

    def content(url: str) -> str:
        if url not in copies:
            raise KzgeoError(f"no offline copy of {url}; update folium-offline or draw the map online")
        return copies[url]

    def script(match: re.Match) -> str:
        code = content(match.group(1)).replace("</script", "<\\/script")
        return f"<script>{code}</script>"

    def stylesheet(match: re.Match) -> str:
        return f"<style>{_CSS_URL.sub('none', content(match.group(1)))}</style>"

    return _STYLESHEET.sub(stylesheet, _SCRIPT.sub(script, page))


def map_html(m: folium.Map) -> str:
    """The map as a complete HTML page; self-contained when the map was made with ``offline=True``."""
    page = m.get_root().render()
    return _inline(page) if getattr(m, "kzgeo_offline", False) else page


def save_map(m: folium.Map, dest: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Write a map as one HTML file, atomically.

    Parameters
    ----------
    m : folium.Map
        A map from :func:`kzgeo.make_map` (or any folium map).
    dest : path
        The ``.html`` file to write.
    overwrite : bool
        Replace an existing file; otherwise an existing ``dest`` raises
        :class:`~kzgeo.errors.OutputExistsError`.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    from kzgeo.io import HTML_SUFFIXES, atomic_output

    page = map_html(m)
    with atomic_output(dest, overwrite=overwrite, suffixes=HTML_SUFFIXES) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return Path(dest)

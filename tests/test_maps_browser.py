"""Maps opened in real headless Chromium: no JavaScript errors, every layer, no network, no script from
attribute values, a screenshot that is not blank."""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from PIL import Image
from rasterio.transform import from_origin
from shapely import Point, box

import kzgeo
from browser import chromium_page
from kzgeo.maps import make_map, save_map

pytestmark = pytest.mark.browser

# HTML that would run as script, and Jinja tags that folium's second rendering pass would evaluate
HOSTILE = "<img src=x onerror=alert(1)> {{ 6*7 }} {% raw %} {# x"
UTM42 = "EPSG:32642"

# the folium map object's global name, and every layer's popup and tooltip opened in turn
_FIND_MAP = "return Object.keys(window).find(k => k.startsWith('map_') && window[k] instanceof L.Map);"
_OPEN_ALL = """
const map = window[arguments[0]];
const seen = [];
map.eachLayer(layer => {
  if (layer.getPopup && layer.getPopup()) {
    layer.openPopup(layer.getBounds ? layer.getBounds().getCenter() : undefined);
    const box = document.querySelector('.leaflet-popup-content');
    seen.push(box ? box.textContent : '');
  }
  if (layer.getTooltip && layer.getTooltip()) {
    layer.openTooltip(layer.getBounds ? layer.getBounds().getCenter() : undefined);
    const tips = document.querySelectorAll('.leaflet-tooltip');
    seen.push(tips.length ? tips[tips.length - 1].textContent : '');
  }
});
return seen;
"""


def _square(x0, y0, side):
    return box(x0, y0, x0 + side, y0 + side)


@pytest.fixture(scope="module")
def hostile_map(tmp_path_factory) -> str:
    """An offline map with every kind of layer, a hostile attribute in each."""
    folder = tmp_path_factory.mktemp("maps")
    regions = gpd.GeoDataFrame(
        {"kato": ["A", "B"], "name_en": [HOSTILE, "East"]},
        geometry=[_square(500_000, 5_000_000, 10_000), _square(510_000, 5_000_000, 10_000)],
        crs=UTM42,
    )
    districts = gpd.GeoDataFrame(  # region A as one district, named as it is; East without districts
        {"kato": ["A1"], "name_en": [HOSTILE], "region_en": [HOSTILE], "region_kato": ["A"]},
        geometry=[_square(500_000, 5_000_000, 10_000)],
        crs=UTM42,
    )
    pas = gpd.GeoDataFrame(
        {"pa_id": [1], "name": [HOSTILE], "designation": [HOSTILE]},
        geometry=[box(500_000, 5_000_000, 505_000, 5_010_000)],
        crs=UTM42,
    )
    corridors = gpd.GeoDataFrame(
        {"corridor_id": [1], "name": [HOSTILE]},
        geometry=[box(505_000, 5_004_000, 515_000, 5_006_000)],
        crs=UTM42,
    )
    plots = gpd.GeoDataFrame(
        {"plot_id": [1, 2], "species": [HOSTILE, "elm"]},
        geometry=[_square(512_000, 5_002_000, 100), _square(512_500, 5_002_000, 100)],
        crs=UTM42,
    )
    dumps = gpd.GeoDataFrame(
        {"site_id": [HOSTILE], "score": [0.9], "area_ha": [4.0], "tier": ["review"], "status": [HOSTILE]},
        geometry=[_square(515_000, 5_005_000, 200)],
        crs=UTM42,
    )
    raster = folder / "score.tif"
    data = np.zeros((1, 10, 10), dtype="float32")
    data[0, 2:5, 2:5] = 1.0
    with rasterio.open(raster, "w", driver="GTiff", width=10, height=10, count=1, dtype="float32", crs=UTM42,
                       transform=from_origin(510_000, 5_010_000, 100, 100)) as dst:  # fmt: skip
        dst.write(data)
    m = make_map(regions=regions, districts=districts, protected_areas=pas, corridors=corridors, plots=plots,
                 dumps=dumps, score_raster=raster, lang="en", offline=True)  # fmt: skip
    return save_map(m, folder / "hostile.html")


@pytest.fixture(scope="module")
def page():
    with chromium_page() as opened:
        yield opened


def _only_the_page(requests: list[str], path) -> list[str]:
    return [u for u in requests if not u.startswith("data:") and u != path.resolve().as_uri()]


def test_offline_map_loads_with_every_layer_and_no_network(page, hostile_map):
    page.open(hostile_map, settle_js="return document.readyState === 'complete'")
    assert page.js_errors() == []
    assert _only_the_page(page.requests(), hostile_map) == []
    overlays = page.js(
        "return [...document.querySelectorAll('.leaflet-control-layers-overlays label > span > span')]"
        ".map(e => e.textContent.trim())"
    )
    assert overlays == ["Regions", "Districts", "Ecological corridors", "Protected areas", "Dump score",
                        "Tree-planting plots", "Candidate dump sites"]  # fmt: skip
    assert page.js("return document.querySelectorAll('.leaflet-overlay-pane path').length") >= 5
    assert page.js("return document.querySelectorAll('.leaflet-kzgeoSites-pane path').length") >= 1
    assert (
        page.js("return document.querySelectorAll('.leaflet-kzgeoScore-pane img.leaflet-image-layer').length")
        == 1
    )
    # the score image above the region fills, the dump sites above the image
    z = page.js(
        "return ['overlay', 'kzgeoScore', 'kzgeoSites'].map("
        "p => +getComputedStyle(document.querySelector('.leaflet-' + p + '-pane')).zIndex)"
    )
    assert z[0] < z[1] < z[2], z
    assert page.js("return document.querySelectorAll('.kzgeo-legend').length") == 1
    assert page.js("return document.querySelectorAll('.leaflet-control-scale').length") == 1
    # kilometres only: one line in the scale, no miles or feet
    assert page.js("return document.querySelectorAll('.leaflet-control-scale-line').length") == 1


def test_hostile_attribute_is_shown_as_text_and_runs_nothing(page, hostile_map):
    page.open(hostile_map, settle_js="return document.readyState === 'complete'")
    page.js("window.__alerts = []; window.alert = m => window.__alerts.push(m);")
    name = page.js(_FIND_MAP)
    # zoom in far enough for plot outlines, so that they too carry their popups on the map
    page.js(f"window['{name}'].setView([45.156, 69.16], 15, {{animate: false}});")
    shown = page.js(_OPEN_ALL, name)
    page.js(f"window['{name}'].setView([45.1, 69.1], 9, {{animate: false}});")
    shown += page.js(_OPEN_ALL, name)
    time.sleep(0.5)  # an injected <img src=x> would fail to load and fire onerror by now
    assert sum(HOSTILE in text for text in shown) >= 6
    assert (
        page.js("return document.querySelectorAll('.leaflet-popup-content img, .leaflet-tooltip img').length")
        == 0
    )
    assert page.js("return window.__alerts") == []
    assert _only_the_page(page.requests(), hostile_map) == []
    assert page.js_errors() == []


@pytest.mark.slow
def test_demo_map_renders_offline_and_its_screenshot_is_not_blank(page, tmp_path):
    layers = kzgeo.maps.bundled_layers()
    demo = save_map(make_map(**layers, lang="kk", offline=True), tmp_path / "kazakhstan.html")
    page.open(demo, settle_js="return document.readyState === 'complete'")
    assert page.js_errors() == []
    assert _only_the_page(page.requests(), demo) == []
    assert page.js("return document.querySelectorAll('.leaflet-control-layers-overlays label').length") == 5
    assert page.js("return document.querySelectorAll('.marker-cluster').length") > 10
    shot = page.screenshot(tmp_path / "demo.png")
    pixels = np.asarray(Image.open(shot).convert("RGB")).reshape(-1, 3)
    assert len(np.unique(pixels, axis=0)) > 50
    assert pixels.std(axis=0).mean() > 20
    # zoomed in on a plot, its outline is drawn on top of the regions; beside it, and once zoomed out
    # again, a click reaches the region below (a canvas over the map took every click from then on)
    inside = layers["plots"].geometry.iloc[0].representative_point()
    name = page.js(_FIND_MAP)

    def pane_at(lat, lon, zoom):
        page.js(f"window['{name}'].setView([{inside.y}, {inside.x}], {zoom}, {{animate: false}});")
        time.sleep(0.3)
        return page.js(
            f"const p = window['{name}'].latLngToContainerPoint([{lat}, {lon}]);"
            f"const box = window['{name}'].getContainer().getBoundingClientRect();"
            "const e = document.elementFromPoint(box.left + p.x, box.top + p.y);"
            "const pane = e.closest('.leaflet-pane'); return e.tagName + ' ' + (pane ? pane.className : '');"
        )

    assert pane_at(inside.y, inside.x, 14).startswith("path leaflet-pane leaflet-kzgeoPlots-pane")
    beside = pane_at(inside.y + 0.01, inside.x + 0.01, 14)  # 1 km away: no plot there
    assert "kzgeoPlots" not in beside and beside.startswith("path leaflet-pane leaflet-overlay-pane"), beside
    assert pane_at(inside.y, inside.x, 6).startswith("path leaflet-pane leaflet-overlay-pane")
    assert page.js_errors() == []


def test_layer_list_folds_away_on_a_small_screen(page, hostile_map):
    expanded = "return document.querySelector('.leaflet-control-layers').classList.contains('leaflet-control-layers-expanded')"  # noqa: E501
    page.open(hostile_map, settle_js="return document.readyState === 'complete'")
    assert page.js(expanded)
    width, height = page.driver.get_window_size().values()
    page.driver.set_window_size(800, 600)
    try:
        page.open(hostile_map, settle_js="return document.readyState === 'complete'")
        assert page.js("return window.innerWidth") < 900 and not page.js(expanded)
    finally:
        page.driver.set_window_size(width, height)


def test_point_dump_sites_are_dots_not_pins(page, tmp_path):
    """A list of reported dumps as points: each is its tier-coloured dot, without Leaflet's default
    blue pin drawn over it by the outline layer."""
    sites = gpd.GeoDataFrame(
        {"site_id": [1, 2], "score": [0.95, 0.7], "tier": ["confident", "review"], "status": ["illegal"] * 2},
        geometry=[Point(71.40, 51.10), Point(71.50, 51.20)],
        crs=4326,
    )
    html = save_map(
        make_map(regions=kzgeo.datasets.load("regions"), dumps=sites, offline=True), tmp_path / "p.html"
    )
    page.open(html, settle_js="return document.readyState === 'complete'")
    assert page.js_errors() == []
    assert page.js("return document.querySelectorAll('.leaflet-marker-icon').length") == 0
    name = page.js(_FIND_MAP)
    dots = page.js(
        f"let n = 0; window['{name}'].eachLayer(l => {{ if (l instanceof L.CircleMarker) n++; }}); return n;"
    )
    assert dots == 2


def test_a_clicked_region_gets_no_black_focus_box(page, hostile_map):
    """Chrome outlined a clicked Leaflet 1.9.3 path (Leaflet issue 8659): a black rectangle round the
    region, as a person clicking it saw."""
    page.open(hostile_map, settle_js="return document.readyState === 'complete'")
    name = page.js(_FIND_MAP)
    east = page.js(
        f"const m = window['{name}']; let e = null;"
        "m.eachLayer(l => { const f = l.feature || {}; if ((f.properties || {}).title === 'East') e = l; });"
        "const b = e.getBounds(), sw = b.getSouthWest(), ne = b.getNorthEast();"  # clear of the site
        "const p = m.latLngToContainerPoint("
        "[sw.lat + 0.8 * (ne.lat - sw.lat), sw.lng + 0.8 * (ne.lng - sw.lng)]);"
        "const box = m.getContainer().getBoundingClientRect(); return [box.left + p.x, box.top + p.y];"
    )
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    action = ActionBuilder(page.driver)
    action.pointer_action.move_to_location(int(east[0]), int(east[1])).click()
    action.perform()
    time.sleep(0.3)
    focused = page.js(
        "const e = document.activeElement; const s = getComputedStyle(e);"
        "return [e.tagName, s.outlineStyle, s.outlineWidth];"
    )
    assert focused[0] == "path", focused  # the click reached the region
    assert focused[1] == "none" or focused[2] == "0px", focused
    assert "East" in page.js(
        "const p = document.querySelector('.leaflet-popup-content'); return p ? p.textContent : ''"
    )


def test_thousands_of_dump_sites_open_their_popups_zoomed_in(page, tmp_path):
    from test_maps import _many_sites

    sites = _many_sites(1500)
    html = save_map(make_map(dumps=sites, offline=True), tmp_path / "sites.html")
    page.open(html, settle_js="return document.readyState === 'complete'")
    assert page.js_errors() == []
    assert page.js("return document.querySelectorAll('.marker-cluster').length") > 5  # zoomed out: clusters
    centre = sites.geometry.iloc[0].representative_point()
    name = page.js(_FIND_MAP)
    page.js(f"window['{name}'].setView([{centre.y}, {centre.x}], 14, {{animate: false}});")
    time.sleep(0.5)
    popup = _click(page, name, centre.y, centre.x)
    assert popup.startswith("Site 1") and "Score" in popup
    assert page.js_errors() == []


def _click(page, name: str, lat: float, lon: float) -> str:
    """Click the map at a place as a person would; the text of the popup that opens."""
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    page.js(f"window['{name}'].closePopup();")
    xy = page.js(
        f"const m = window['{name}']; const p = m.latLngToContainerPoint([{lat}, {lon}]);"
        "const b = m.getContainer().getBoundingClientRect(); return [b.left + p.x, b.top + p.y];"
    )
    action = ActionBuilder(page.driver)
    action.pointer_action.move_to_location(int(xy[0]), int(xy[1])).click()
    action.perform()
    time.sleep(0.3)
    return page.js("const p = document.querySelector('.leaflet-popup-content'); return p ? p.innerText : ''")


def test_a_clicked_district_shows_its_popup_and_its_regions(page, tmp_path):
    """The districts' clear fill covers the regions: a click on one gives the district and, beneath
    it, the region's figures, which it would otherwise take from the region below."""
    from test_maps import district_layer

    regions = gpd.GeoDataFrame(
        {"kato": ["A", "B"], "name_en": ["West", "East"]},
        geometry=[_square(500_000, 5_000_000, 10_000), _square(510_000, 5_000_000, 10_000)],
        crs=UTM42,
    )
    pas = gpd.GeoDataFrame({"pa_id": [1]}, geometry=[box(500_000, 5_000_000, 505_000, 5_010_000)], crs=UTM42)
    html = save_map(
        make_map(regions=regions, districts=district_layer(), protected_areas=pas, offline=True),
        tmp_path / "districts.html",
    )
    page.open(html, settle_js="return document.readyState === 'complete'")
    name = page.js(_FIND_MAP)
    shu = gpd.GeoSeries([Point(507_500, 5_005_000)], crs=UTM42).to_crs(4326).iloc[0]
    popup = _click(page, name, shu.y, shu.x)
    district, region = popup.split("West\nArea, ha")
    assert district.startswith("Shu\nArea, ha\t5,004.0\nRegion\tWest")
    assert "Protected share, %\t50.0" in region  # the region's popup, under the district's
    page.js(
        f"const m = window['{name}'];"
        "m.eachLayer(l => { if (((l.feature || {}).properties || {}).title === 'West') m.removeLayer(l); });"
    )
    assert _click(page, name, shu.y, shu.x) == "Shu\nArea, ha\t5,004.0\nRegion\tWest"  # nothing beneath
    # a protected area above the districts keeps its own popup
    ile = gpd.GeoSeries([Point(502_500, 5_005_000)], crs=UTM42).to_crs(4326).iloc[0]
    assert _click(page, name, ile.y, ile.x).startswith("1\nArea, ha\t5,004.0")
    assert page.js_errors() == []

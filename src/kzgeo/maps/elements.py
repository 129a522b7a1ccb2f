"""The pieces of a kzgeo map that folium does not offer: safe popups, a plot layer for 20,000+ plots,
and a legend.

Safety: folium's ``GeoJsonPopup`` and ``GeoJsonTooltip`` put attribute values into the page as HTML, so
a feature named ``<img src=x onerror=alert(1)>`` runs script. kzgeo never does that: popups and tooltips
are built as DOM nodes whose text is set with ``textContent``, which the browser never parses as HTML,
and the legend's text is escaped with :func:`html.escape`. Data reach the page through Jinja's
``tojson``, which escapes ``<``, ``>`` and ``&``, so no value can close the surrounding ``<script>``.

Folium renders each element's script, then renders that text again as a Jinja template (branca's
``Element``): a name such as ``{{ lipsum.__globals__.os.popen('id').read() }}`` would run on the
machine making the map. The JSON that folium's templates write (``tojson``) therefore writes ``{``
and ``}`` inside strings as ``\u007b`` and ``\u007d``, the same characters to JavaScript, which the
second pass leaves alone (:func:`json_without_braces`, set on the templates' shared environment).
"""

from __future__ import annotations

import html
import itertools
import json
import re

import numpy as np
import shapely
from branca.element import Element, Figure, MacroElement
from folium.elements import JSCSSMixin
from folium.map import Layer
from folium.plugins import MarkerCluster
from folium.template import Template

from kzgeo.errors import GeometryError

_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def json_without_braces(obj, **kwargs) -> str:
    r"""``json.dumps`` with the braces inside strings escaped (``"{{x}}"`` as
    ``"\u007b\u007bx\u007d\u007d"``): the same JSON, in which no Jinja tag can be read.

    Examples
    --------
    >>> print(json_without_braces({"name": "{{ 7*7 }}", "n": [{"a": 1}]}))
    {"name": "\u007b\u007b 7*7 \u007d\u007d", "n": [{"a": 1}]}
    """
    text = json.dumps(obj, **kwargs)
    if "{" not in text:
        return text
    return _JSON_STRING.sub(lambda m: m.group(0).replace("{", "\\u007b").replace("}", "\\u007d"), text)


def guard_templates(root) -> None:
    """Have the Jinja environment of every element under ``root`` (a map) write JSON without braces
    in strings. Folium's templates share one environment, taken from jinja2's cache of ten when folium
    was imported; an environment made later may be another: each element's own is set."""
    stack = [root]
    while stack:
        element = stack.pop()
        template = getattr(element, "_template", None)
        if template is not None:
            template.environment.policies["json.dumps_function"] = json_without_braces
        stack.extend(getattr(element, "_children", {}).values())


# folium's own templates and kzgeo's: set at import, and again on each map's elements by make_map
Template("").environment.policies["json.dumps_function"] = json_without_braces

__all__ = [
    "KZGEO_JS",
    "CollapseOnSmallScreens",
    "Legend",
    "MetricScale",
    "PageStyle",
    "PlotLayer",
    "encode_geometries",
]

# Builds popups and tooltips from plain text: values go through textContent, never innerHTML.
KZGEO_JS = """
window.kzgeo = {
  text: function (s) {
    var e = document.createElement('span');
    e.textContent = s;
    return e;
  },
  table: function (title, rows) {
    var box = document.createElement('div');
    box.className = 'kzgeo-popup';
    if (title) {
      var h = document.createElement('div');
      h.className = 'kzgeo-title';
      h.textContent = title;
      box.appendChild(h);
    }
    var t = document.createElement('table');
    rows.forEach(function (r) {
      var tr = t.insertRow();
      var th = document.createElement('th');
      th.textContent = r[0];
      tr.appendChild(th);
      tr.insertCell().textContent = r[1];
    });
    box.appendChild(t);
    return box;
  },
  bind: function (feature, layer) {
    var p = feature.properties;
    if (p.tip) layer.bindTooltip(function () { return kzgeo.text(p.tip); }, {sticky: true});
    if (p.rows) layer.bindPopup(function () { return kzgeo.table(p.title, p.rows); });
  },
  // A unit drawn over the whole of another (a district over its region, clear inside) would take
  // every click from the layer beneath: its popup also holds the popup of what lies under the click.
  bindOver: function (feature, layer) {
    var below = null;
    layer.on('click', function (e) {  // before the popup's own click handler, which opens it
      var ev = e.originalEvent, path = layer.getElement && layer.getElement();
      below = null;
      if (!ev || !path) return;
      path.style.pointerEvents = 'none';
      var under = document.elementFromPoint(ev.clientX, ev.clientY);
      path.style.pointerEvents = '';
      layer._map.eachLayer(function (other) {
        if (other !== layer && other.getElement && other.getElement() === under && other.getPopup()) {
          below = other;
        }
      });
    });
    kzgeo.bind(feature, layer);
    var own = layer.getPopup().getContent();
    layer.setPopupContent(function () {
      var box = own(layer);
      if (below) box.appendChild(below.getPopup().getContent()(below));
      return box;
    });
  }
};
"""

_CSS = """
.kzgeo-popup table { border-collapse: collapse; font: 12px/1.4 sans-serif; width: 100%; }
.kzgeo-popup th { text-align: left; padding: 1px 8px 1px 0; color: #555; font-weight: normal; }
.kzgeo-popup td { text-align: right; padding: 1px 0; }
.kzgeo-title { font: bold 13px/1.4 sans-serif; margin-bottom: 4px; }
.kzgeo-popup .kzgeo-popup { margin-top: 6px; padding-top: 4px; border-top: 1px solid #ddd; }
.kzgeo-legend { background: rgba(255,255,255,0.92); padding: 6px 9px; font: 12px/1.5 sans-serif;
  border-radius: 4px; box-shadow: 0 1px 5px rgba(0,0,0,0.4); max-width: 260px; }
.kzgeo-legend .h { font-weight: bold; margin: 4px 0 2px; }
.kzgeo-legend i { display: inline-block; width: 14px; height: 12px; margin-right: 6px;
  vertical-align: middle; border: 1px solid #666; }
.kzgeo-legend .bar { height: 10px; width: 180px; border: 1px solid #666; }
.kzgeo-legend .ends { display: flex; justify-content: space-between; width: 182px; }
/* Chrome outlines a clicked path with Leaflet 1.9.3 (Leaflet issue 8659): a black box round a region */
path.leaflet-interactive:focus:not(:focus-visible) { outline: 0; }
/* on a phone the legend scrolls within a third of the screen instead of covering the country */
@media (max-width: 600px) { .kzgeo-legend { max-height: 30vh; overflow-y: auto; font-size: 11px; } }
"""


class PageStyle(MacroElement):
    """kzgeo's CSS and popup helper in the page header; an optional background colour for the map."""

    def __init__(self, background: str | None = None):
        super().__init__()
        self._name = "KzgeoPageStyle"
        self.background = background

    def render(self, **kwargs) -> None:
        figure = self.get_root()
        if not isinstance(figure, Figure):
            raise TypeError("KzgeoPageStyle renders only inside a map that belongs to a folium Figure")
        css = _CSS
        if self.background:
            css += f".leaflet-container {{ background: {self.background}; }}\n"
        figure.header.add_child(Element(f"<style>{css}</style>"), name="kzgeo_css")
        figure.header.add_child(Element(f"<script>{KZGEO_JS}</script>"), name="kzgeo_js")
        super().render(**kwargs)


class MetricScale(MacroElement):
    """Leaflet's scale bar in metres and kilometres only (folium's also shows miles and feet)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self):
        super().__init__()
        self._name = "MetricScale"


class CollapseOnSmallScreens(MacroElement):
    """Fold a layer control into its icon on screens narrower than ``width`` px (a phone, a small
    window), where the open list and the legend would cover much of the country."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        if (window.innerWidth < {{ this.width }}) { {{ this.control.get_name() }}.collapse(); }
        {% endmacro %}
        """
    )

    def __init__(self, control, width: int = 900):
        super().__init__()
        self._name = "CollapseOnSmallScreens"
        self.control, self.width = control, int(width)


class Legend(MacroElement):
    """A legend control; ``items`` are ``(heading, [(swatch_css, label), ...])`` or a colour bar."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: 'bottomright'});
        {{ this.get_name() }}.onAdd = function () {
            var div = L.DomUtil.create('div', 'kzgeo-legend');
            div.innerHTML = {{ this.html|tojson }};
            L.DomEvent.disableClickPropagation(div);
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, title: str):
        super().__init__()
        self._name = "KzgeoLegend"
        self.parts = [f'<div class="h">{html.escape(title)}</div>']

    def swatches(self, heading: str | None, entries: list[tuple[str, str]]) -> None:
        """Add a heading (if any) and one coloured box per ``(css_background, label)``."""
        if heading:
            self.parts.append(f'<div class="h">{html.escape(heading)}</div>')
        for colour, label in entries:
            self.parts.append(
                f'<div><i style="background:{html.escape(colour)}"></i>{html.escape(label)}</div>'
            )

    def note(self, heading: str, text: str) -> None:
        """Add a heading and a line of plain text (a layer with nothing to show)."""
        self.parts.append(f'<div class="h">{html.escape(heading)}</div><div>{html.escape(text)}</div>')

    def colour_bar(self, heading: str, colours: list[str], low: str, high: str) -> None:
        """Add a heading and a gradient bar from ``low`` to ``high``."""
        gradient = ",".join(html.escape(c) for c in colours)
        self.parts.append(f'<div class="h">{html.escape(heading)}</div>')
        self.parts.append(f'<div class="bar" style="background:linear-gradient(to right,{gradient})"></div>')
        self.parts.append(
            f'<div class="ends"><span>{html.escape(low)}</span><span>{html.escape(high)}</span></div>'
        )

    @property
    def html(self) -> str:
        return "".join(self.parts)


def encode_geometries(geoms: np.ndarray, digits: int = 6) -> list:
    """Polygons as nested lists of delta-encoded integers, about a third of the size of GeoJSON.

    Each geometry becomes ``[part, ...]``, each part ``[ring, ...]`` (exterior first), each ring a flat
    list ``[x0, y0, dx1, dy1, ...]`` in units of ``10**-digits`` degrees, without the closing vertex.

    Examples
    --------
    >>> encode_geometries(np.array([shapely.box(0, 0, 0.5, 0.25)]), digits=1)
    [[[[5, 0, 0, 2, -5, 0, 0, -2]]]]
    """
    if len(geoms) == 0:
        return []
    kind, coords, offsets = shapely.to_ragged_array(geoms)
    if kind == shapely.GeometryType.POLYGON:
        ring_offsets, part_offsets = offsets
        geom_offsets = np.arange(len(part_offsets))
    elif kind == shapely.GeometryType.MULTIPOLYGON:
        ring_offsets, part_offsets, geom_offsets = offsets
    else:
        raise GeometryError(f"cannot draw {kind.name.lower()} geometries as polygons; pass a polygon layer")
    xy = np.rint(coords * 10**digits).astype(np.int64)
    deltas = np.diff(xy, axis=0, prepend=xy[:1])
    starts = ring_offsets[:-1]
    deltas[starts] = xy[starts]
    flat = deltas.ravel().tolist()
    rings = [flat[2 * s : 2 * (e - 1)] for s, e in itertools.pairwise(ring_offsets)]
    parts = [rings[s:e] for s, e in itertools.pairwise(part_offsets)]
    return [parts[s:e] for s, e in itertools.pairwise(geom_offsets)]


class PlotLayer(JSCSSMixin, Layer):
    """Many small polygons: clustered points when zoomed out; zoomed in, the outlines near the view,
    made on first use and drawn as SVG in a pane above the other overlays (clicks between plots reach
    the layers below).

    Parameters
    ----------
    payload : dict
        ``n`` (count), ``pts`` (flat lat, lon of a point inside each plot), ``geom`` (from
        :func:`encode_geometries`), ``scale``, ``title``, ``cols`` (``{"label", "values"}`` or
        ``{"label", "dict", "codes"}`` per popup row), ``style`` (Leaflet path options), ``min_zoom``;
        optionally ``titles`` (a popup title per feature), ``colours`` (a colour per feature, as dump
        sites by tier) and ``pane`` (a pane of their own, above the plots').
    name : str
        Name in the layer control.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var d = {{ this.payload|tojson }};
            var map = {{ this._parent.get_name() }};
            var group = L.layerGroup();
            // a pane of their own above the other overlays, drawn as SVG: a canvas there would take
            // every click on the map, also where there is no plot (regions and dump sites below it
            // would lose their popups once the map had been zoomed in on plots)
            var pane = d.pane || 'kzgeoPlots';
            if (!map.getPane(pane)) map.createPane(pane).style.zIndex = d.pane ? 455 : 450;
            var renderer = L.svg({padding: 0.5, pane: pane});
            // one colour per feature (dump sites by tier), or the layer's
            function style(i) {
                if (!d.colours) return d.style;
                return Object.assign({}, d.style, {color: d.colours[i], fillColor: d.colours[i]});
            }
            var cluster = L.markerClusterGroup({showCoverageOnHover: false});
            var outlines = L.featureGroup();
            function value(col, i) { return col.dict ? col.dict[col.codes[i]] : col.values[i]; }
            function popup(i) {
                return function () {
                    return kzgeo.table(d.titles ? d.titles[i] : d.title,
                        d.cols.map(function (c) { return [c.label, value(c, i)]; }));
                };
            }
            function decode(parts) {
                return parts.map(function (rings) {
                    return rings.map(function (r) {
                        var out = [], x = 0, y = 0;
                        for (var k = 0; k < r.length; k += 2) {
                            x += r[k]; y += r[k + 1];
                            out.push([y / d.scale, x / d.scale]);
                        }
                        return out;
                    });
                });
            }
            var markers = [];
            for (var i = 0; i < d.n; i++) {
                markers.push(L.circleMarker([d.pts[2 * i], d.pts[2 * i + 1]],
                    Object.assign({radius: 5}, style(i))).bindPopup(popup(i)));
            }
            cluster.addLayers(markers);
            // Outlines are made when first needed and only those near the view are on the map, so a
            // zoomed-in map handles a few hundred paths, not every plot in the country.
            var shapes = {};
            function outline(i) {
                if (!shapes[i]) {
                    shapes[i] = L.polygon(decode(d.geom[i]),
                        Object.assign({renderer: renderer, pane: pane}, style(i))).bindPopup(popup(i));
                }
                return shapes[i];
            }
            function showNearby() {
                var near = map.getBounds().pad(0.5), wanted = {};
                for (var i = 0; i < d.n; i++) {
                    if (near.contains([d.pts[2 * i], d.pts[2 * i + 1]])) wanted[i] = true;
                }
                outlines.eachLayer(function (layer) {
                    if (!wanted[layer.kzgeoIndex]) outlines.removeLayer(layer);
                });
                for (var k in wanted) {
                    var shape = outline(k);
                    shape.kzgeoIndex = k;
                    if (!outlines.hasLayer(shape)) outlines.addLayer(shape);
                }
            }
            function sync() {
                if (!map.hasLayer(group)) return;
                var near = map.getZoom() >= d.min_zoom;
                if (near) showNearby();
                var show = near ? outlines : cluster, hide = near ? cluster : outlines;
                if (group.hasLayer(hide)) group.removeLayer(hide);
                if (!group.hasLayer(show)) group.addLayer(show);
            }
            map.on('moveend', sync);
            group.on('add', sync);
            return group;
        })();
        {%- if this.show %}
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {%- endif %}
        {% endmacro %}
        """
    )

    default_js = MarkerCluster.default_js
    default_css = MarkerCluster.default_css

    def __init__(self, payload: dict, name: str):
        super().__init__(name=name, overlay=True, control=True, show=True)
        self._name = "KzgeoPlotLayer"
        self.payload = payload

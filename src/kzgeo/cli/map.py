"""``kzgeo map``: write a layered, trilingual web map as one HTML file."""

from __future__ import annotations

from pathlib import Path

import click

from kzgeo.cli._options import (
    Command,
    advise,
    assume_crs_opt,
    examples,
    lang_opt,
    note,
    overwrite_opt,
    written_file_opt,
)

_LAYER_FILE = click.Path(dir_okay=False, path_type=Path)
_REAL_BOUNDARIES = ("regions", "districts")
"""Bundled layers that are real (the others are illustrative shapes at real places)."""


@click.command(
    cls=Command,
    epilog=examples(
        "kzgeo map --plots my_plots.gpkg --lang kk -o map.html",
        "kzgeo map --dumps sites.gpkg --score-raster score.tif --only-given --offline -o dumps.html",
    ),
)
@click.option("--regions", type=_LAYER_FILE, help="Regions layer; default: the bundled 20 regions.")
@click.option("--districts", type=_LAYER_FILE, help="Districts layer; default: the bundled 224 districts.")
@click.option("--protected-areas", type=_LAYER_FILE, help="Protected areas; default: the bundled ones.")
@click.option("--corridors", type=_LAYER_FILE, help="Ecological corridors; default: the bundled two.")
@click.option("--plots", type=_LAYER_FILE, help="Tree-planting plots; default: the bundled plots.")
@click.option("--dumps", type=_LAYER_FILE, help="Candidate dump sites (from kzgeo detect-dumps).")
@click.option("--score-raster", type=_LAYER_FILE, help="Dump score GeoTIFF (0..1), laid on as an image.")
@lang_opt("Language of labels, legend, popups and region names.")
@click.option("--offline", is_flag=True, help="No tiles and Leaflet inlined: the file needs no network.")
@click.option(
    "--only-given",
    is_flag=True,
    help="Draw only the layers given (and the bundled 2024 regions unless --regions is given): no "
    "bundled districts, nor the illustrative protected areas, corridors or plots.",
)
@assume_crs_opt
@overwrite_opt
@written_file_opt("The HTML file to write.")
def map_command(
    regions: Path | None,
    districts: Path | None,
    protected_areas: Path | None,
    corridors: Path | None,
    plots: Path | None,
    dumps: Path | None,
    score_raster: Path | None,
    lang: str,
    offline: bool,
    only_given: bool,
    assume_crs: str | None,
    overwrite: bool,
    output: Path,
) -> None:
    """Write a web map of the regions, districts, protected areas, corridors, planting plots and dump sites.

    Every layer not given comes from the bundled Kazakhstan data: the real 2024 regions and
    districts, and illustrative protected areas, corridors and plots (--only-given leaves out all but
    the regions). A layer of a GeoPackage holding several is taken when it is named like its option
    (plots, protected_areas, corridors, districts, regions).
    """
    from kzgeo import datasets
    from kzgeo.errors import DataError, LayerReadError
    from kzgeo.io import HTML_SUFFIXES, LAYER_HINT, check_output
    from kzgeo.maps import BUNDLED_KINDS, make_map, save_map

    check_output(output, overwrite=overwrite, suffixes=HTML_SUFFIXES)  # fail before the slow part
    given = dict(zip(BUNDLED_KINDS, (regions, districts, protected_areas, corridors, plots), strict=True))
    bundled = [k for k, v in given.items() if v is None and (k == "regions" or not only_given)]
    layers = {kind: datasets.load(kind) if kind in bundled else source for kind, source in given.items()}
    illustrative = [k.replace("_", " ") for k in bundled if k not in _REAL_BOUNDARIES]
    if illustrative and any(v is not None for v in (*given.values(), dumps, score_raster)):
        advise(
            f"{', '.join(illustrative)}: the bundled illustrative layers (and the regions' "
            "shares drawn from them); --only-given leaves them out"
        )
    try:
        m = make_map(
            **layers,
            dumps=dumps,
            score_raster=score_raster,
            lang=lang,
            offline=offline,
            assume_crs=assume_crs,
        )
    except DataError as exc:  # an empty layer: left out, the bundled one would be drawn in its place
        if only_given or getattr(exc, "empty_layer", None) is None:
            raise
        raise DataError(
            f"{exc}".removesuffix(" instead")
            + " and pass --only-given (without it the bundled layer is drawn)"
        ) from exc
    except LayerReadError as exc:
        if LAYER_HINT not in str(exc):
            raise
        hint = (
            "kzgeo map reads the layer named like its option (e.g. plots); "
            "or copy one out: ogr2ogr one.gpkg FILE LAYER"
        )
        message = (
            str(exc).replace(f"choose one with layer=... {LAYER_HINT}", hint).replace(LAYER_HINT, f"({hint})")
        )
        raise LayerReadError(message) from exc
    written = save_map(m, output, overwrite=overwrite)
    size_mb = written.stat().st_size / 1e6
    note(f"wrote {written} ({size_mb:.1f} MB{', offline' if offline else ''})")

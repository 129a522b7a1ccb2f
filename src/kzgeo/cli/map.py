"""``kzgeo map``: write a layered, trilingual web map as one HTML file."""

from __future__ import annotations

from pathlib import Path

import click

from kzgeo.cli._options import Command, assume_crs_opt, overwrite_opt, written_file_opt

_LAYER_FILE = click.Path(dir_okay=False, path_type=Path)


@click.command(cls=Command)
@click.option("--regions", type=_LAYER_FILE, help="Regions layer; default: the bundled 20 regions.")
@click.option("--protected-areas", type=_LAYER_FILE, help="Protected areas; default: the bundled ones.")
@click.option("--corridors", type=_LAYER_FILE, help="Ecological corridors; default: the bundled two.")
@click.option("--plots", type=_LAYER_FILE, help="Tree-planting plots; default: the bundled plots.")
@click.option("--dumps", type=_LAYER_FILE, help="Candidate dump sites (from kzgeo detect-dumps).")
@click.option("--score-raster", type=_LAYER_FILE, help="Dump score GeoTIFF (0..1), laid on as an image.")
@click.option(
    "--lang",
    type=click.Choice(["kk", "ru", "en"]),
    default="en",
    show_default=True,
    help="Language of labels, legend, popups and region names.",
)
@click.option("--offline", is_flag=True, help="No tiles and Leaflet inlined: the file needs no network.")
@assume_crs_opt
@overwrite_opt
@written_file_opt("The HTML file to write.")
def map_command(
    regions: Path | None,
    protected_areas: Path | None,
    corridors: Path | None,
    plots: Path | None,
    dumps: Path | None,
    score_raster: Path | None,
    lang: str,
    offline: bool,
    assume_crs: str | None,
    overwrite: bool,
    output: Path,
) -> None:
    """Write a web map of the regions, protected areas, corridors, planting plots and dump sites.

    Every layer not given comes from the bundled Kazakhstan demo data.
    """
    from kzgeo import datasets
    from kzgeo.io import HTML_SUFFIXES, check_output
    from kzgeo.maps import make_map, save_map

    check_output(output, overwrite=overwrite, suffixes=HTML_SUFFIXES)  # fail before the slow part
    given = {"regions": regions, "protected_areas": protected_areas, "corridors": corridors, "plots": plots}
    layers = {kind: source if source is not None else datasets.load(kind) for kind, source in given.items()}
    m = make_map(
        **layers, dumps=dumps, score_raster=score_raster, lang=lang, offline=offline, assume_crs=assume_crs
    )
    written = save_map(m, output, overwrite=overwrite)
    size_mb = written.stat().st_size / 1e6
    click.echo(f"wrote {written} ({size_mb:.1f} MB{', offline' if offline else ''})", err=True)

"""``kzgeo index`` and ``kzgeo zonal``: spectral indices of a scene and zonal statistics per zone."""

from __future__ import annotations

from pathlib import Path

import click

from kzgeo.cli._options import (
    NAMES_HELP,
    Command,
    advise,
    assume_crs_opt,
    encoding,
    examples,
    files_named,
    format_opt,
    kind_opt,
    lang_opt,
    layer_opt,
    name_column,
    note,
    output_opt,
    overwrite_opt,
    progress_bar,
    quiet_libtiff,
    written_file_opt,
)

band_names_opt = click.option(
    "--band-names",
    default=None,
    metavar="NAMES",
    help="Names of a multiband file's bands in file order, comma-separated, for a file without band "
    "descriptions (or with descriptions such as Band_1): e.g. red,green,blue,nir or B02,B03,B04,B08 "
    "(a name of another band than the file's description says is refused).",
)


def say_if_unmasked(scene, path: Path) -> None:
    """A note when a Sentinel-2 or Landsat scene has no band that masks clouds: they count as data."""
    if scene.sensor not in ("sentinel-2", "landsat") or scene.has_mask:
        return
    if scene.mask_band == "QA60":  # Earth Engine's cloud bits: opaque cloud and cirrus only
        advise(
            f"{path}: its QA60 band masks opaque cloud and cirrus only: cloud shadow and snow are not "
            "masked and count as valid pixels; check the scene over your area, or give one with an SCL band"
        )
        return
    unmasked = "clouds, shadow and snow are not masked and count as valid pixels"
    if scene.top_of_atmosphere:  # Level-1C: ESA classifies the scene only in Level-2A
        advise(
            f"{path}: a Level-1C scene (top-of-atmosphere, with band B10), which has no SCL band: "
            f"{unmasked}; check the scene is clear over your area, or give the Level-2A product "
            "with its SCL band"
        )
        return
    band = "SCL band (the scene classification of Level-2A products)"
    advise(
        f"{path}: no {band if scene.sensor == 'sentinel-2' else 'QA_PIXEL band'}: {unmasked}; "
        "check the scene is clear over your area, or give one with that band"
    )


_INDEX_NAMES = ["ndvi", "ndwi", "mndwi", "ndbi", "bsi", "savi", "nbr", "pi", "ndsw"]
_STAT_NAMES = [
    "mean",
    "min",
    "max",
    "std",
    "variance",
    "median",
    "sum",
    "count",
    "majority",
    "minority",
    "cv",
]


@click.command(
    cls=Command,
    epilog=examples(
        "kzgeo index S2_scene.tif --index ndvi -o ndvi.tif",
    ),
)
@click.argument("scene", type=click.Path(path_type=Path))
@click.option(
    "--index",
    "index_name",
    type=click.Choice(_INDEX_NAMES, case_sensitive=False),
    required=True,
    help="Spectral index to compute.",
)
@written_file_opt("Output GeoTIFF (Cloud-Optimized, DEFLATE, float32 with NaN nodata).")
@click.option(
    "--block",
    type=click.IntRange(64),
    default=1024,
    show_default=True,
    help="Side of the windows computed at a time, in pixels (memory use grows with its square).",
)
@band_names_opt
@overwrite_opt
def index(
    scene: Path, index_name: str, output: Path, block: int, band_names: str | None, overwrite: bool
) -> None:
    """Write a spectral index of SCENE (a multiband GeoTIFF or a folder of band files) as a GeoTIFF."""
    from kzgeo.raster import open_scene, write_index

    quiet_libtiff()
    with open_scene(scene, bands=band_names) as opened:
        write_index(opened, index_name, output, overwrite=overwrite, block=block, progress=progress_bar())
        say_if_unmasked(opened, scene)
        note(f"wrote {output} ({index_name.upper()}, {opened.width}x{opened.height} px)")


@click.command(
    cls=Command,
    epilog=examples(
        "kzgeo zonal my_plots.gpkg S2_scene.tif --index ndvi --stat mean -o ndvi_by_plot.csv",
    ),
)
@click.argument("zones", type=click.Path(path_type=Path))
@click.argument("raster", type=click.Path(path_type=Path))
@click.option(
    "--stat",
    "stats",
    multiple=True,
    type=click.Choice(_STAT_NAMES, case_sensitive=False),
    default=("mean",),
    show_default=True,
    help="Statistic per zone; repeat for several.",
)
@click.option(
    "--index",
    "indices",
    multiple=True,
    type=click.Choice(_INDEX_NAMES, case_sensitive=False),
    help="Spectral index computed from the scene's bands; repeat for several.",
)
@click.option("--band", "bands", multiple=True, help="Band to summarise (e.g. B04); repeat for several.")
@click.option("--zone-id", default=None, help="Column identifying the zones (default: the kind's id column).")
@lang_opt(NAMES_HELP)
@band_names_opt
@kind_opt
@layer_opt
@assume_crs_opt
@output_opt
@format_opt
@overwrite_opt
def zonal(
    zones: Path,
    raster: Path,
    stats: tuple[str, ...],
    indices: tuple[str, ...],
    bands: tuple[str, ...],
    zone_id: str | None,
    lang: str,
    band_names: str | None,
    kind: str | None,
    layer: str | None,
    assume_crs: str | None,
    output: Path | None,
    fmt: str | None,
    overwrite: bool,
) -> None:
    """Coverage-weighted statistics of RASTER (a scene, a band folder or any GeoTIFF) per zone of ZONES.

    Each pixel counts by the share of it inside the zone; clouds, shadow, snow and nodata are left out.
    One row per zone, columns: its id, its name (name_en, or as --lang says, when the zones have names),
    <band or index>_<stat> (reflectance 0-1 for a scene's bands, the index's
    own scale, a raster's stored values after its scale/offset), <...>_count_px (pixels, fractions
    counted), valid_pct (share of the zone's pixels with data, %; <...>_valid_pct with several), and
    pixel_area_ha (the zone's hectares on the raster's pixels: below its own area when it reaches
    beyond the raster).
    """
    from kzgeo.cli._options import emit_table
    from kzgeo.io import read_layer
    from kzgeo.raster import open_scene, zonal_stats

    # zones lie where the raster does, in Kazakhstan or not: a wrong CRS shows as no zone on the raster
    layer_gdf = read_layer(
        zones, kind, layer=layer, assume_crs=assume_crs, encoding=encoding(), anywhere=True
    )
    with files_named({"zones": zones}), open_scene(raster, bands=band_names) as opened:
        table = zonal_stats(
            layer_gdf,
            opened,
            stats=stats,
            band=list(bands) or None,
            index=[i.lower() for i in indices] or None,
            zone_id=zone_id,
        )
        say_if_unmasked(opened, raster)
    table = table.reset_index()
    name = name_column(layer_gdf, lang, zones)
    if name is not None and name not in table.columns:  # the zones' names beside their ids
        table.insert(1, name, layer_gdf[name].to_numpy())
    emit_table(table, output, fmt, overwrite)

"""``kzgeo detect-dumps``: candidate illegal dump sites in a Sentinel-2 scene."""

from __future__ import annotations

import contextlib
from pathlib import Path

import click

from kzgeo.cli._options import (
    Command,
    advise,
    check_crs,
    examples,
    files_named,
    note,
    overwrite_opt,
    progress_bar,
    quiet_libtiff,
    written_file_opt,
)
from kzgeo.cli.raster import band_names_opt


@click.command(
    cls=Command,
    epilog=examples(
        "kzgeo detect-dumps S2_scene.tif -o sites.gpkg --landfills data/landfills.gpkg",
        "kzgeo detect-dumps S2_scene.tif -o sites.gpkg --previous S2_last_year.tif --score-raster score.tif",
    ),
)
@click.argument("scene", type=click.Path(path_type=Path))
@written_file_opt("Site polygons to write (.gpkg, .geojson, .fgb or .parquet).")
@click.option(
    "--previous",
    type=click.Path(path_type=Path),
    default=None,
    help="The previous season: a scene, or a site layer written earlier; adds a change column.",
)
@click.option(
    "--landfills",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Authorised landfills (points or polygons) for the status column.",
)
@click.option(
    "--score-raster",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the per-pixel score (0..1, float32 GeoTIFF).",
)
@click.option(
    "--window-size",
    type=click.IntRange(128, 8192),
    default=1024,
    show_default=True,
    help="Processing window, pixels (memory grows with its square).",
)
@click.option("--landfills-layer", default=None, help="Layer of a multi-layer LANDFILLS file.")
@click.option("--previous-layer", default=None, help="Layer of a multi-layer file of previous sites.")
@click.option(
    "--assume-crs",
    default=None,
    metavar="CRS",
    callback=check_crs,
    help="CRS of a --landfills or --previous file that declares none, e.g. EPSG:4326 (a scene must "
    "declare its own).",
)
@band_names_opt
@overwrite_opt
def detect_dumps(
    scene: Path,
    output: Path,
    previous: Path | None,
    landfills: Path | None,
    score_raster: Path | None,
    window_size: int,
    landfills_layer: str | None,
    previous_layer: str | None,
    assume_crs: str | None,
    band_names: str | None,
    overwrite: bool,
) -> None:
    """Find candidate dump sites in SCENE (a Sentinel-2 GeoTIFF or granule folder).

    Writes polygons with site_id, score, pixel_score, area_ha, tier (confident/review) and status
    (illegal/legal_landfill/landfill_overspill), plus change (new/grown/persisting, or not_observed
    where a previous scene has no data) with --previous.
    """
    from kzgeo.dumps import detect_dumps as detect
    from kzgeo.errors import LayerReadError
    from kzgeo.io import (
        FORMATS,
        GEOTIFF_SUFFIXES,
        atomic_output,
        check_output,
        is_layer_file,
        read_layer,
        write_layer,
    )
    from kzgeo.raster import open_scene

    if score_raster is not None:
        quiet_libtiff()
    inputs = [p for p in (scene, previous, landfills) if p is not None]

    # every layer format but a Shapefile, which would cut pixel_score to ten characters
    suffixes = tuple(s for s, (driver, _) in FORMATS.items() if driver != "ESRI Shapefile")
    check_output(output, overwrite=overwrite, suffixes=suffixes)
    if score_raster is not None:
        check_output(score_raster, overwrite=overwrite, suffixes=GEOTIFF_SUFFIXES)

    def read(path: Path, option: str, **kwargs):
        """The layer, its layer advice naming this command's option (there is no --layer here)."""
        try:
            return read_layer(path, assume_crs=assume_crs, anywhere=True, **kwargs)
        except LayerReadError as exc:
            message = str(exc).replace("layer=... (CLI: --layer)", f"{option}-layer")
            message = message.replace("drop the layer argument (CLI: --layer)", f"drop {option}-layer")
            if message == str(exc):
                raise
            raise LayerReadError(message) from exc

    fills = (
        read(landfills, "--landfills", kind="landfills", layer=landfills_layer)
        if landfills is not None
        else None
    )
    before = None
    if previous is not None:
        if not previous.exists():
            raise LayerReadError(
                f"{previous}: the previous season (--previous) does not exist; check the path"
            )
        is_layer = is_layer_file(previous)
        # the sites of an earlier run, which may be of a scene outside Kazakhstan
        before = read(previous, "--previous", layer=previous_layer) if is_layer else previous
    with contextlib.ExitStack() as stack:
        # the score raster is put in place only once the sites are written: never a new score raster
        # beside an old or missing site layer
        score_tmp = (
            stack.enter_context(
                atomic_output(score_raster, overwrite=overwrite, suffixes=GEOTIFF_SUFFIXES, inputs=inputs)
            )
            if score_raster is not None
            else None
        )
        if band_names is not None:  # the scene's bands, and the previous scene's if it is one
            scene = stack.enter_context(open_scene(scene, bands=band_names))
            if (
                previous is not None and previous.is_file() and not is_layer_file(previous)
            ):  # a folder: its files
                before = stack.enter_context(open_scene(previous, bands=band_names))
        with files_named({"landfills": landfills, "previous sites": previous}):
            sites = detect(
                scene,
                landfills=fills,
                previous=before,
                window_size=window_size,
                score_raster=score_tmp,
                progress=progress_bar(),
            )
        write_layer(sites, output, overwrite=overwrite)
    counts = sites["status"].value_counts().to_dict() if len(sites) else {}
    confident = int((sites["tier"] == "confident").sum()) if len(sites) else 0
    detail = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    changes = sites["change"].value_counts().to_dict() if "change" in sites and len(sites) else {}
    change = ", ".join(f"{k} {v}" for k, v in sorted(changes.items()))
    written = f"{output}" + (f" and {score_raster}" if score_raster is not None else "")
    note(
        f"{len(sites)} candidate sites ({confident} confident{'; ' + detail if detail else ''}"
        f"{'; ' + change if change else ''}); wrote {written}"
    )
    if landfills is None and len(sites):
        advise(
            "no --landfills given: status 'illegal' only means that no site was checked against "
            "authorised landfills (a landfill itself is reported); give --landfills FILE, e.g. "
            "data/landfills.gpkg or your region's register"
        )

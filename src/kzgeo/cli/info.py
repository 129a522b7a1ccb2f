"""``kzgeo info``: describe a layer."""

from __future__ import annotations

from pathlib import Path

import click

from kzgeo.cli._options import Command, assume_crs_opt, encoding, examples, kind_opt, layer_opt


@click.command(
    cls=Command,
    epilog=examples(
        "kzgeo info regions.gpkg",
        "kzgeo info wdpa.zip --kind protected_areas --format json",
    ),
)
@click.argument("source", type=click.Path(path_type=Path))
@kind_opt
@layer_opt
@assume_crs_opt
@click.option(
    "--format",
    "info_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="How to print the description (like the table commands' --format).",
)
@click.option("--json", "as_json", is_flag=True, help="The same as --format json.")
def info(
    source: Path, kind: str | None, layer: str | None, assume_crs: str | None, info_format: str, as_json: bool
) -> None:
    """Describe SOURCE: kind, CRS, feature count, bounds, hectares and a validity report."""
    import json
    import warnings

    from kzgeo.io import describe
    from kzgeo.validate import AssumedCrsIgnored

    desc = describe(source, kind, layer=layer, assume_crs=assume_crs, encoding=encoding())
    declared = desc["declared_crs"]
    ignored = (
        desc["crs_source"] == "declared" and assume_crs is not None and not _same_crs(declared, assume_crs)
    )
    if ignored:  # describe keeps the library's warning to itself: said here as the other commands say it
        warnings.warn(
            f"{source}: declares {declared}; --assume-crs {assume_crs} applies only to files without a CRS "
            "and was ignored: it is read in its own CRS",
            AssumedCrsIgnored,
            stacklevel=2,
        )
    if as_json or info_format == "json":
        click.echo(json.dumps(desc, ensure_ascii=False, indent=2))
        return
    rows = {key: value for key, value in desc.items() if key not in ("crs_source", "declared_crs")}
    width = max(map(len, rows))
    empty = desc["features"] == 0
    for key, value in rows.items():
        if key == "crs":
            value = _short_crs(value)
            if desc["crs_source"] == "assumed":
                why = f"declares {declared} but its coordinates are metres" if declared else "declares none"
                value += f"  (assumed with --assume-crs: the file {why})"
            elif ignored:
                value += f"  (declared by the file; --assume-crs {assume_crs} was ignored)"
            else:
                value += "  (declared by the file)"
        elif key in ("outside_kazakhstan", "validity"):  # advice as typed at the command line
            from kzgeo.cli import _for_cli

            value = _for_cli(value)
        elif key in ("area_ha", "footprint_ha"):
            digits = 4 if value is not None and 0 < value < 0.1 else 2  # 1 m² for a small plot
            value = (
                "— (no features)"
                if empty
                else f"{value:,.{digits}f}"
                if value is not None
                else "— (no polygons: points and lines have no area)"
            )
            if key == "area_ha" and value[0].isdigit():
                value += "  (sum of the features)"
            elif key == "footprint_ha" and value[0].isdigit():
                value += "  (the ground covered: overlaps counted once)"
        elif key in ("geometry_types", "bounds_wgs84") and not value:
            value = "(none)"
        click.echo(f"{key:<{width}}  {value}")


def _short_crs(crs: str) -> str:
    """A CRS without an authority code (PROJ gives its WKT, hundreds of characters) by its name."""
    if not crs.startswith(("PROJCS[", "GEOGCS[", "PROJCRS[", "GEOGCRS[", "BOUNDCRS[", "COMPOUNDCRS[")):
        return crs
    import warnings

    from pyproj import CRS

    parsed = CRS.from_user_input(crs)
    if parsed.name.strip().lower() in ("", "unknown", "unnamed"):
        with warnings.catch_warnings():  # 'you will likely lose important projection information'
            warnings.simplefilter("ignore", UserWarning)
            shown = parsed.to_proj4().replace(" +no_defs", "").replace(" +type=crs", "")
    else:
        shown = repr(parsed.name)
    return f"{shown}, no EPSG code (kzgeo info --json gives its WKT)"


def _same_crs(a: str | None, b: str) -> bool:
    from pyproj import CRS

    return a is not None and CRS.from_user_input(a).equals(CRS.from_user_input(b))

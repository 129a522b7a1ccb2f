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

    from kzgeo.io import describe

    desc = describe(source, kind, layer=layer, assume_crs=assume_crs, encoding=encoding())
    if as_json or info_format == "json":
        click.echo(json.dumps(desc, ensure_ascii=False, indent=2))
        return
    width = max(map(len, desc))
    for key, value in desc.items():
        if key in ("area_ha", "footprint_ha"):
            digits = 4 if value is not None and 0 < value < 0.1 else 2  # 1 m² for a small plot
            value = (
                f"{value:,.{digits}f}"
                if value is not None
                else "— (no polygons: points and lines have no area)"
            )
            if key == "area_ha" and value[0].isdigit():
                value += "  (sum of the features)"
            elif key == "footprint_ha" and value[0].isdigit():
                value += "  (the ground covered: overlaps counted once)"
        click.echo(f"{key:<{width}}  {value}")

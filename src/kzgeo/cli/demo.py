"""``kzgeo demo``: the main job on the bundled Kazakhstan data.

Reads every bundled layer, prints what it holds, the protected share of each region (overlapping
designations counted once), planting progress against the 2025 plan, runs the dump detector on a
generated Sentinel-2 scene near a real landfill, and writes the web map.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from kzgeo.cli._options import Command, examples, lang_opt, quiet_libtiff, render_table

LAYERS = ("regions", "districts", "protected_areas", "corridors", "plots", "landfills")


def _heading(text: str) -> None:
    click.echo()
    click.secho(text, bold=True)
    click.echo("-" * len(text))


def layer_summary(layers: dict):
    """One row per bundled layer: features, hectares, where the geometry comes from."""
    import pandas as pd

    from kzgeo.area import hectares

    rows = []
    for name, gdf in layers.items():
        polygonal = gdf.geom_type.isin(["Polygon", "MultiPolygon"]).all()
        source = ", ".join(sorted(set(gdf["geometry_source"]))) if "geometry_source" in gdf else "real"
        rows.append(
            {
                "layer": name,
                "features": len(gdf),
                "area_ha": float(hectares(gdf).sum()) if polygonal else float("nan"),
                "geometry": source,
            }
        )
    return pd.DataFrame(rows)


DEFAULT_MAP = Path("maps/kazakhstan.html")


@click.command(
    cls=Command,
    epilog=examples(
        "kzgeo demo --lang ru --map /tmp/kazakhstan_ru.html",
    ),
)
@click.option(
    "--map",
    "map_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_MAP,
    show_default=True,
    help="Where to write the web map.",
)
@lang_opt("Language of the map's labels: English, Kazakh or Russian.")
@click.option("--offline", is_flag=True, help="Write a map that needs no network.")
@click.option("--overwrite", is_flag=True, help="Replace the map if it exists.")
@click.option(
    "--work-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Keep the generated scene, its score raster and the dump sites (demo_sites.gpkg) here "
    "(default: a temporary folder).",
)
def demo(map_path: Path, lang: str, offline: bool, overwrite: bool, work_dir: Path | None) -> None:
    """Run the main job on the bundled Kazakhstan data and write maps/kazakhstan.html."""
    from kzgeo import datasets
    from kzgeo.io import HTML_SUFFIXES, check_output
    from kzgeo.maps import make_map, save_map
    from kzgeo.stats import coverage, planting_progress

    quiet_libtiff()  # it writes a scene and a score GeoTIFF
    if map_path == DEFAULT_MAP:  # run from another folder: the demo's own maps/ is made for it
        map_path.parent.mkdir(exist_ok=True)
    check_output(map_path, overwrite=overwrite, suffixes=HTML_SUFFIXES)  # refuse before the work
    layers = {name: datasets.load(name) for name in LAYERS}
    _heading("Bundled layers (boundaries real; protected areas, corridors and plots illustrative)")
    click.echo(render_table(layer_summary(layers), "table"), nl=False)

    _heading("Protected share of each region (overlapping designations counted once)")
    cover = coverage(layers["regions"], layers["protected_areas"], zone_id="kato")
    click.echo(render_table(cover.drop(columns="kato"), "table"), nl=False)
    click.echo(
        f"({len(layers['protected_areas'])} illustrative protected areas of the demo data; the official "
        "national figure is 30.9 M ha, 11.3 % of the territory, Dec 2024)"
    )

    _heading("Tree planting by year against the national 2025 plan")
    progress = planting_progress(layers["plots"], layers["regions"])
    national = progress[progress["region"] == "Kazakhstan"].drop(columns="region")
    click.echo(render_table(national, "table"), nl=False)
    click.echo(
        f"({len(layers['plots']):,} illustrative plots of the demo data, so their totals are not the "
        "programme's: over 1.1 billion trees were planted in 2021-2024. The plan columns hold the official "
        "2025 plan, 336.5 million seedlings on 494 thousand ha; — where a year has no plan or a plot no "
        "survival count yet)"
    )

    with tempfile.TemporaryDirectory() as tmp:
        work = work_dir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        sites, score_path, check = _detect(work)
        _heading(f"Candidate dump sites on a generated Sentinel-2 scene near Astana ({len(sites)} found)")
        shown = sites.drop(columns="geometry").sort_values("score", ascending=False)
        click.echo(render_table(shown, "table"), nl=False)
        click.echo(check)

        m = make_map(
            regions=layers["regions"],
            districts=layers["districts"],
            protected_areas=layers["protected_areas"],
            corridors=layers["corridors"],
            plots=layers["plots"],
            dumps=sites,
            score_raster=score_path,
            lang=lang,
            offline=offline,
        )
        save_map(m, map_path, overwrite=overwrite)
    size_mb = map_path.stat().st_size / 1e6
    _heading("Web map")
    click.echo(f"wrote {map_path} ({size_mb:.1f} MB, {lang}{', offline' if offline else ''})")


def _detect(work: Path):
    """Generate the demo scene (deterministic) and run the detector with the scene's landfills."""
    from kzgeo.dumps import detect_dumps
    from kzgeo.dumps.evaluate import match_sites
    from kzgeo.io import read_layer, write_layer
    from kzgeo.synth import demo_scene

    paths = demo_scene(work)
    landfills = read_layer(paths.landfills, kind="landfills")
    score_path = work / "demo_score.tif"
    sites = detect_dumps(paths.scene, landfills=landfills, score_raster=score_path, overwrite=True)
    write_layer(sites, work / "demo_sites.gpkg", overwrite=True)
    truth = read_layer(paths.truth)
    truth = truth.to_crs(truth.estimate_utm_crs())
    found = match_sites(sites, truth)
    t, d = found.truth, found.detections
    large, small = t[t.area_ha >= 0.5], t[t.area_ha < 0.1]
    check = (
        f"(checked against the scene's implanted truth at IoU >= 0.25: {int(t.matched.sum())} of {len(t)} "
        f"dumps and landfills found, {int(large.matched.sum())} of {len(large)} of 0.5 ha and more, "
        f"{int(small.matched.sum())} of {len(small)} under 0.1 ha (a few 10 m pixels, mostly below what "
        f"the detector outlines); {int((~d.matched).sum())} false alarm(s). Synthetic scenes are an upper "
        "bound for real imagery: see benchmarks/dumps.md)"
    )
    return sites, score_path, check

"""The ``kzgeo`` command line: a click group, one module per subcommand.

Subcommands are imported only when run, so ``kzgeo --help`` stays fast. Every
:class:`~kzgeo.errors.KzgeoError` becomes a one-line message on stderr and exit status 1.
"""

from __future__ import annotations

import importlib
import logging
import re
import signal
import sys
import threading
import time
import warnings

import click

from kzgeo.errors import KzgeoError

STARTED: float | None = None
"""When the running :func:`main` was called (None outside it): ``-v`` counts loading the libraries in
the time a command took."""

__all__ = ["cli", "main"]

# command name -> (module, function, one-line help)
_COMMANDS = {
    "info": ("kzgeo.cli.info", "info", "Describe a layer: kind, CRS, features, bounds, hectares, validity."),
    "demo": ("kzgeo.cli.demo", "demo", "Run the main job on the bundled Kazakhstan data."),
    "area": ("kzgeo.cli.stats", "area", "Hectares of each feature on the WGS84 ellipsoid."),
    "coverage": (
        "kzgeo.cli.stats",
        "coverage",
        "Share of each zone covered by a layer, overlaps counted once.",
    ),
    "overlap": ("kzgeo.cli.stats", "overlap", "Hectares of every intersecting pair of two layers."),
    "progress": ("kzgeo.cli.stats", "progress", "Tree planting per region and year against the plan."),
    "index": (
        "kzgeo.cli.raster",
        "index",
        "Write a spectral index (NDVI, BSI, ...) of a scene as a GeoTIFF.",
    ),
    "zonal": ("kzgeo.cli.raster", "zonal", "Coverage-weighted zonal statistics of a raster per zone."),
    "detect-dumps": (
        "kzgeo.cli.dumps",
        "detect_dumps",
        "Find candidate illegal dump sites in a Sentinel-2 scene.",
    ),
    "map": ("kzgeo.cli.map", "map_command", "Write a layered, trilingual web map as one HTML file."),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in _COMMANDS:
            return None
        module, attr, _ = _COMMANDS[name]
        return getattr(importlib.import_module(module), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, _COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


class _StderrHandler(logging.Handler):
    """Log records on the current stderr, as ``info: ...`` (looked up at each record, like click.echo)."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"{record.levelname.lower()}: {record.getMessage()}", err=True)


_HANDLER = _StderrHandler()


def _configure_logging(verbose: int, quiet: int) -> None:
    """kzgeo's messages at INFO with -v; with -vv, DEBUG from kzgeo and the libraries that log (rasterio)."""
    level = logging.WARNING - 10 * verbose + 10 * quiet
    for name in ("kzgeo", "rasterio"):
        logger = logging.getLogger(name)
        logger.setLevel(level if name == "kzgeo" or verbose >= 2 else logging.WARNING)
        if _HANDLER not in logger.handlers:
            logger.addHandler(_HANDLER)
        logger.propagate = False


def _add_global(ctx: click.Context, param: click.Parameter, value):
    """Keep a global option on the root context, wherever it was given: counts of -v and -q add up,
    the last --encoding given wins."""
    obj = ctx.find_root().ensure_object(dict)
    if param.name == "encoding":
        if value is not None:
            obj["encoding"] = value
    else:
        obj[param.name] = obj.get(param.name, 0) + value
    return value


def global_options() -> list[click.Option]:
    """``-v``, ``-q`` and ``--encoding``, as options of the group and of each subcommand, so that
    ``kzgeo area x.shp -q`` is ``kzgeo -q area x.shp``; :func:`apply_global_options` puts them in force."""

    def counted(flags: list[str], help: str) -> click.Option:
        return click.Option(flags, count=True, expose_value=False, callback=_add_global, help=help)

    return [
        counted(["-v", "--verbose"], "Say how long the command took; -vv adds debug messages (rasterio's)."),
        counted(["-q", "--quiet"], "Only results and errors: -q hides notes and warnings."),
        click.Option(
            ["--encoding"],
            default=None,
            metavar="NAME",
            expose_value=False,
            callback=_add_global,
            help="Text encoding of Shapefiles without a .cpg file, e.g. cp1251 or kz1048; other files are "
            "read as they declare.",
        ),
    ]


def apply_global_options(ctx: click.Context) -> None:
    """The logging level, warnings shown or hidden, and ``verbosity`` (read by notes and progress bars)
    for the -v and -q given so far, before and after the command name."""
    obj = ctx.find_root().ensure_object(dict)
    verbose, quiet = obj.get("verbose", 0), obj.get("quiet", 0)
    _configure_logging(verbose, quiet)
    obj["verbosity"] = verbose - quiet
    # said or not by the net count: -v before the command and -q after it is neither (warnings shown)
    global _QUIET
    _QUIET = verbose - quiet < 0
    warnings.showwarning = _show_warning


_QUIET = False
"""Whether warnings are hidden (-q outnumbers -v)."""


_DEFERRED: list[str] = []
"""Warnings that --assume-crs was ignored for a file with its own CRS, said at the end only if no input
of the command took it (``kzgeo coverage regions.gpkg plots.shp --assume-crs EPSG:32642`` is for the
Shapefile without a .prj)."""


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    from kzgeo.cli._options import name_files
    from kzgeo.validate import AssumedCrsIgnored

    if _QUIET:
        return
    text = f"warning: {_for_cli(name_files(str(message)))}"
    if issubclass(category, AssumedCrsIgnored):
        _DEFERRED.append(text)
        return
    click.echo(text, err=True)


def _say_deferred() -> None:
    if not _DEFERRED:  # nothing to say: kzgeo.validate (geopandas) is not imported for --help
        return
    from kzgeo.validate import ASSUMED_CRS_USED

    if not ASSUMED_CRS_USED.get():
        for text in dict.fromkeys(_DEFERRED):
            click.echo(text, err=True)
    _DEFERRED.clear()


@click.group(cls=LazyGroup, params=global_options(), context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kzgeo")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """kzgeo: hectares, satellite overlays, dump detection and web maps for Kazakhstan.

    -v, -q and --encoding may also follow the command name (kzgeo area x.shp --encoding cp1251 -q).
    """
    apply_global_options(ctx)


_CLI_WORDS = (
    ("pass overwrite=True (CLI: --overwrite)", "pass --overwrite"),
    ("pass assume_crs='EPSG:4326' (CLI: --assume-crs)", "pass --assume-crs EPSG:4326"),
    ("assume_crs='EPSG:32642'", "--assume-crs EPSG:32642"),
    ("(assume_crs=...)", "(--assume-crs)"),
    ("choose one with layer=... (CLI: --layer)", "choose one with --layer"),
    ("drop the layer argument (CLI: --layer)", "drop --layer"),
    *(
        (
            f"pass encoding={name!r} (CLI: kzgeo --encoding {name} COMMAND ...)",
            f"run kzgeo --encoding {name} COMMAND ...",
        )
        for name in ("utf-8", "cp1251", "kz1048")
    ),
    ("(CLI: kzgeo --encoding NAME COMMAND ...)", "(kzgeo --encoding NAME COMMAND ...)"),
    ("pass the right kind=", "pass the right --kind"),
    ("(zone_id=, left_id=, right_id=; CLI: --id, --zone-id)", "(--id, --zone-id)"),
    (
        "shapely.is_valid_reason says why each was invalid (CLI: kzgeo info)",
        "kzgeo info shows why each was invalid",
    ),
    ("as previous= (CLI: --previous SCENE)", "(--previous SCENE)"),
    ("overlap_table: sliver_pct=", "--sliver-pct "),
    ("assume_crs=", "--assume-crs "),  # after the fuller forms above
    (
        "was ignored (reproject with gdf.to_crs or fix the file's CRS)",
        "was ignored: it is read in its own CRS",
    ),
    (
        " (in Python: gdf.geometry.map(lambda g: shapely.transform(g, lambda c: c[:, ::-1])))",
        "",
    ),
    (
        "so kzgeo scales their digital numbers (open_scene(path, bands=[...]))",
        "so kzgeo scales their digital numbers (--band-names)",
    ),
    (
        "leave out bands=[...] to read the bands by their descriptions",
        "leave out --band-names to read the bands by their descriptions",
    ),
    ("(band=..., not index=...; CLI: --band, not --index)", "(--band, not --index)"),
    ("pass zone_id=", "pass --zone-id"),
    ("pass left_id=", "pass --left-id"),
    ("pass right_id=", "pass --right-id"),
    ("pass --id=", "pass --id"),
    ("(read it with read_layer(..., kind='plots'))", "(kzgeo info FILE --kind plots shows what it holds)"),
    (
        "read the regions with read_layer(..., kind='regions')",
        "give a regions layer (kzgeo info --kind regions)",
    ),
)
"""Python-API advice in error messages and what to type at the command line instead."""


def _for_cli(message: str) -> str:
    message = re.sub(r"assume_crs='([^']+)'", r"--assume-crs \1", message)
    for api, cli_words in _CLI_WORDS:
        message = message.replace(api, cli_words)
    return re.sub(r"\bkind='([a-z_]+)'", r"--kind \1", message)


_NO_ARGS = getattr(click.exceptions, "NoArgsIsHelpError", ())


def _terminated(signum, frame) -> None:
    raise SystemExit(128 + signum)  # unwinds like Ctrl-C: temporary output files are removed


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``kzgeo`` console script."""
    global STARTED
    STARTED = time.perf_counter()
    # for this call only: a program (or a test runner) that calls main() keeps its own handler after
    previous = signal.signal(signal.SIGTERM, _terminated) if _in_main_thread() else None
    global _QUIET
    _QUIET = False
    validate = sys.modules.get("kzgeo.validate")  # not imported (geopandas) just for --help
    if validate is not None:
        validate.ASSUMED_CRS_USED.set(False)
    _DEFERRED.clear()
    try:
        cli.main(args=argv, prog_name="kzgeo", standalone_mode=False)
        _say_deferred()
    except KzgeoError as exc:
        _say_deferred()  # an error about the CRS reads differently once told --assume-crs was not used
        click.echo(f"kzgeo: error: {_for_cli(str(exc))}", err=True)
        return 1
    except OSError as exc:  # what no check foresaw (a disk gone, a file locked): one line, no traceback
        _say_deferred()
        where = f"{exc.filename}: " if exc.filename else ""
        click.echo(f"kzgeo: error: {where}{exc.strerror or exc}", err=True)
        return 1
    except click.exceptions.Abort:
        click.echo("kzgeo: aborted", err=True)
        return 130
    except _NO_ARGS as exc:  # bare 'kzgeo' (click >= 8.2 raises it; 8.1 prints the help itself)
        click.echo(exc.ctx.get_help() if exc.ctx is not None else str(exc))
        return 0
    except click.UsageError as exc:  # one line, as every error: what was wrong and where help is
        ctx = exc.ctx
        where = ctx.command_path if ctx is not None else "kzgeo"
        click.echo(f"kzgeo: error: {exc.format_message()} (see {where} --help)", err=True)
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    finally:
        STARTED = None
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()

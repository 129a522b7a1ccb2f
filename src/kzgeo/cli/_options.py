"""Options and output helpers shared by the subcommands."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

import kzgeo.cli
from kzgeo.cli import apply_global_options, global_options

if TYPE_CHECKING:  # numpy and pandas load on first use: --help answers without them
    import pandas as pd

from kzgeo.errors import DataError, GeometryError, KzgeoError, OutputError, SchemaError

__all__ = [
    "NAMES_HELP",
    "OUTPUT_PARAMS",
    "Command",
    "advise",
    "assume_crs_opt",
    "emit_table",
    "encoding",
    "examples",
    "files_named",
    "format_opt",
    "kind_opt",
    "lang_opt",
    "layer_opt",
    "name_column",
    "note",
    "output_opt",
    "overwrite_opt",
    "progress_bar",
    "quiet_libtiff",
    "table_format",
    "written_file_opt",
]

log = logging.getLogger("kzgeo")


def quiet_libtiff() -> None:
    """Keep libtiff's own error lines off stderr in a command that writes a GeoTIFF (unless -vv).

    On a full disk libtiff prints ``_tiffWriteProc: No space left on device.`` through its
    process-wide default handler, which GDAL leaves in place, before kzgeo's one-line error (GDAL
    hears of the failure from libtiff's return codes, rasterio raises it, kzgeo answers it). That
    handler is cleared in the libtiff the rasterio wheel bundles; a rasterio built on a system GDAL
    is left as it is.
    """
    import ctypes

    import rasterio  # loads GDAL and its libtiff: a libtiff loaded alone would miss its own libraries

    if click.get_current_context().find_root().ensure_object(dict).get("verbose", 0) >= 2:
        return
    for path in sorted((Path(rasterio.__file__).parent.parent / "rasterio.libs").glob("libtiff-*.so*")):
        try:
            handler = ctypes.CDLL(str(path)).TIFFSetErrorHandler
        except (OSError, AttributeError):
            continue
        handler.restype, handler.argtypes = ctypes.c_void_p, [ctypes.c_void_p]
        handler(None)


OUTPUT_PARAMS = ("output", "score_raster", "map_path")
"""Parameters that name files a command writes; every other path parameter is read."""


class Command(click.Command):
    """A subcommand that takes the global options after its name too (``kzgeo area x.shp -q``, listed in
    its ``--help``) and refuses to write over one of its own inputs, whatever ``--overwrite`` says
    (``index scene.tif -o scene.tif --overwrite`` would replace the scene by its index)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.params.extend(global_options())

    def invoke(self, ctx: click.Context):
        apply_global_options(ctx)
        outputs = {name: ctx.params.get(name) for name in OUTPUT_PARAMS if ctx.params.get(name) is not None}
        inputs = [
            (max(p.opts, key=len) if isinstance(p, click.Option) else p.name.upper(), value)
            for p in self.params
            if p.name not in OUTPUT_PARAMS and isinstance(p.type, click.Path)
            for value in _paths(ctx.params.get(p.name))
        ]
        from kzgeo.io import _shared_file

        for out in outputs.values():
            for in_name, source in inputs:
                shared = _shared_file(Path(out), source)
                if shared is not None:
                    part = "" if shared == Path(out) else f"its {shared.name} "
                    raise OutputError(
                        f"{out}: {part}is also the input {in_name}; write the result to another file"
                    )
        seen = set()
        for out in outputs.values():
            key = Path(os.path.realpath(out))  # Path.resolve raises on a loop of links
            if key in seen:
                raise OutputError(f"{out}: named for two outputs; give each output its own file")
            seen.add(key)
        if "fmt" in ctx.params:  # a table command: refuse a bad or existing output before the work
            from kzgeo.io import check_output

            output = ctx.params.get("output")
            table_format(output, ctx.params["fmt"])
            if output is not None:
                check_output(output, overwrite=bool(ctx.params.get("overwrite")))
        start = time.perf_counter()
        try:
            result = super().invoke(ctx)
        except GeometryError as exc:  # without --kind, a layer's kind is the place it was given in
            problem = getattr(exc, "problem", None)  # kzgeo.validate.GeometryTypeError (not imported)
            if "kind" in ctx.params or problem is None or not exc.kinds:
                raise
            place = next((p for k in exc.kinds for p in ctx.command.params if p.name == k), None)
            if place is None:
                fix = f"kzgeo {ctx.info_name} takes no {' or '.join(exc.kinds)} layer: convert the geometries"
            else:
                where = (
                    place.opts[0] if isinstance(place, click.Option) else f"the {place.name.upper()} argument"
                )
                fix = f"give it as {place.name} ({where}) or convert the geometries"
            raise GeometryError(f"{problem}; {fix}") from exc
        except SchemaError as exc:  # a layer of another kind: say where it goes in this command
            kind = getattr(exc, "other_kind", None)  # kzgeo.validate.AnotherKindError (not imported)
            if kind is None:
                raise
            place = next((p for p in ctx.command.params if p.name == kind), None)
            if "kind" not in ctx.params and place is None:  # no place for it here: only the first fix
                raise SchemaError(exc.problem) from exc
            where = (
                f"--kind {kind}"
                if "kind" in ctx.params
                else place.opts[0]
                if isinstance(place, click.Option)
                else f"the {kind.upper()} argument"
            )
            raise SchemaError(f"{exc.problem}, or give it as {kind} ({where})") from exc
        began = kzgeo.cli.STARTED if kzgeo.cli.STARTED is not None else start  # from main(), else here
        log.info(
            "kzgeo %s: done in %.1f s (%.1f s of it loading the libraries)",
            ctx.info_name,
            time.perf_counter() - began,
            start - began,
        )
        return result


def examples(*lines: str) -> str:
    """A subcommand's ``--help`` epilog: example command lines, printed as written (not rewrapped)."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


def encoding() -> str | None:
    """The ``--encoding`` given for Shapefile text (before or after the command name), or None."""
    ctx = click.get_current_context(silent=True)
    return None if ctx is None else (ctx.find_root().obj or {}).get("encoding")


@contextlib.contextmanager
def files_named(roles: dict[str, Path | None]):
    """Within it, errors and warnings that name a Python argument (``coverage zones: ...``) name the
    file given for it instead (``zones.gpkg: ...``): what the user typed, not what the code calls it."""
    ctx = click.get_current_context()
    obj = ctx.find_root().ensure_object(dict)
    obj["roles"] = {role: path for role, path in roles.items() if path is not None}
    try:
        yield
    except KzgeoError as exc:
        message = name_files(str(exc))
        if message == str(exc):
            raise
        # a copy, as errors with more to say than a message (AnotherKindError's problem and kind)
        # are not built from the message alone
        named = type(exc).__new__(type(exc), message)
        named.__dict__.update(exc.__dict__)
        if isinstance(getattr(exc, "problem", None), str):
            named.problem = name_files(exc.problem)
        raise named from exc
    finally:
        obj.pop("roles", None)


def name_files(message: str) -> str:
    """``message`` with the argument names of :func:`files_named` replaced by their files."""
    ctx = click.get_current_context(silent=True)
    roles = {} if ctx is None else (ctx.find_root().obj or {}).get("roles", {})
    for role, path in roles.items():
        message = message.replace(f"{role}:", f"{path}:")
    return message


def progress_bar() -> bool | None:
    """``progress=`` for long raster work: off under ``kzgeo -q``, else the library's default (a bar
    when stderr is a terminal)."""
    ctx = click.get_current_context(silent=True)
    quiet = ctx is not None and (ctx.find_root().obj or {}).get("verbosity", 0) < 0
    return False if quiet else None


def note(message: str) -> None:
    """A note on stderr (what was written, what was dropped); ``kzgeo -q`` hides it."""
    ctx = click.get_current_context(silent=True)
    if ctx is None or (ctx.find_root().obj or {}).get("verbosity", 0) >= 0:
        click.echo(message, err=True)


def advise(message: str) -> None:
    """A note of advice on stderr, ``note: ...`` (beside ``warning: ...`` and ``error: ...``; what was
    written is said plainly); ``kzgeo -q`` hides it."""
    note(f"note: {message}")


def _paths(value) -> list[Path]:
    if value is None:
        return []
    return [Path(v) for v in value] if isinstance(value, (tuple, list)) else [Path(value)]


overwrite_opt = click.option("--overwrite", is_flag=True, help="Replace the output file if it exists.")
layer_opt = click.option(
    "--layer",
    default=None,
    help="Layer of a multi-layer file (a GeoPackage, or a zip of several shapefiles).",
)


def check_crs(ctx, param, value: str | None) -> str | None:
    """An ``--assume-crs`` value PROJ knows, checked before any file is read."""
    if value is None:
        return None
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        CRS.from_user_input(value)
    except CRSError as exc:
        raise click.BadParameter(f"{value!r} is not a CRS PROJ knows; use e.g. EPSG:4326") from exc
    return value


assume_crs_opt = click.option(
    "--assume-crs",
    default=None,
    metavar="CRS",
    callback=check_crs,
    help="CRS of a file that declares none, e.g. EPSG:4326, or of one that declares degrees but holds "
    "metres (e.g. EPSG:32642).",
)


class _Lang(click.Choice):
    """en, kk or ru in any case; ``kz`` (the country's code, often typed for Kazakh) is ``kk``."""

    def __init__(self) -> None:
        super().__init__(["en", "kk", "ru"])

    def convert(self, value, param, ctx):
        if isinstance(value, str):
            value = {"kz": "kk"}.get(value.strip().lower(), value.strip().lower())
        return super().convert(value, param, ctx)


NAMES_HELP = "Language of the names column: name_en, name_kk or name_ru, as the layer has them."


def name_column(gdf, lang: str, source: Path) -> str | None:
    """The layer's name column in ``lang``, else its English one, else its plain ``name`` (a WDPA or
    OpenStreetMap layer's) with a note when another language was asked for, else None."""
    if f"name_{lang}" in gdf.columns:
        return f"name_{lang}"
    found = next((c for c in ("name_en", "name") if c in gdf.columns), None)
    if found is not None and lang != "en":
        said = "in English (name_en)" if found == "name_en" else "as its name column has them"
        advise(f"{source}: the layer has no name_{lang} column; its names are given {said}")
    return found


def lang_opt(help: str):
    """``--lang``: the language of a map's labels (English by default)."""
    return click.option("--lang", type=_Lang(), default="en", show_default=True, help=help)


kind_opt = click.option(
    "--kind",
    type=click.Choice(["regions", "districts", "protected_areas", "corridors", "plots", "landfills"]),
    default=None,
    help="Layer kind; guessed from the columns when not given.",
)
output_opt = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    callback=lambda ctx, param, value: None if value is not None and str(value) == "-" else value,
    help="Write the table to this file (.csv, .json, .md, .xlsx); default (or -): a table on stdout.",
)


def written_file_opt(help: str):
    """``-o/--output``: the file a command writes (required), with the command's own help text."""
    return click.option(
        "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help=help
    )


format_opt = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json", "markdown", "xlsx"]),
    default=None,
    help="Output format; by default taken from the output file's extension (xlsx: an Excel workbook, "
    "which opens in any locale; CSV is UTF-8 with commas).",
)

_SUFFIX_FORMATS = {
    ".csv": "csv",
    ".json": "json",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "table",
    ".xlsx": "xlsx",
}
_FORMAT_SUFFIX = {fmt: suffix for suffix, fmt in reversed(_SUFFIX_FORMATS.items())}
"""The first suffix of each format (``markdown`` -> ``.md``)."""


def render_table(df: pd.DataFrame, fmt: str) -> str:
    """Render a DataFrame as text in one of the CLI's formats."""
    import pandas as pd

    if fmt == "csv":
        return df.to_csv(index=False)
    if fmt == "json":
        # full precision, as in CSV (to_json keeps 10 digits); NaN and infinity become null
        records = [
            {str(k): _json_value(v) for k, v in row.items()}
            for row in df.astype(object).where(df.notna(), None).to_dict(orient="records")
        ]
        return json.dumps(records, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
    if fmt == "markdown":
        return _markdown(df)
    if df.empty:
        return "  ".join(map(str, df.columns)) + "\n(no rows)\n"
    # counts with thousands separators (not years, codes or ids); a missing value as a dash, not NaN
    counts = {
        c: "{:,}".format
        for c in df.columns
        if pd.api.types.is_integer_dtype(df[c]) and not _is_code(str(c)) and not df[c].isna().any()
    }
    counts.update({c: _float_format(c, df[c], "—") for c in df.columns if pd.api.types.is_float_dtype(df[c])})
    with pd.option_context(
        "display.max_rows",
        500,
        "display.max_columns",
        50,
        "display.width",
        200,
        "display.float_format",
        "{:,.2f}".format,
    ):
        return df.to_string(index=False, na_rep="—", formatters=counts) + "\n"


def _json_value(v):
    """A table value as JSON takes it: numpy numbers as Python ones, NaN and infinity as null,
    timestamps in ISO 8601."""
    import numpy as np

    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float):
        return v if np.isfinite(v) else None
    if isinstance(v, (int, str, bool)) or v is None:
        return v
    return v.isoformat() if hasattr(v, "isoformat") else str(v)


def _is_code(column: str) -> bool:
    """Integer columns printed as they are: years, KATO codes and ids."""
    column = column.lower()  # KATO, PLOT_ID and an ArcGIS Id are codes too
    return column in ("year", "kato", "id") or column.endswith(("_id", "_kato"))


_UNIT_COLUMNS = ("_ha", "_pct", "_km2")
"""Columns of hectares, shares and km², printed with two decimals (0.01 ha is 100 m²); hectares with
four (1 m²) when a column holds a value under 0.1 ha, so that a 36 m² plot is not printed as 0.00."""


def _float_format(column, values: pd.Series, missing: str):
    """Formatter of a float column in a table: ids and codes as written (1.5, no thousands
    separators); hectares, shares and km² with two decimals; other values (reflectance, index
    statistics) with enough decimals that 0.0557 is not printed as 0.06."""
    import numpy as np

    if _is_code(str(column)):
        return lambda v: missing if v != v else f"{v:.17g}"
    finite = np.abs(values.to_numpy(dtype=float, na_value=np.nan))
    finite = finite[np.isfinite(finite)]
    if str(column).endswith(_UNIT_COLUMNS):
        small = str(column).endswith("_ha") and bool(((finite > 0) & (finite < 0.1)).any())
        digits = 4 if small else 2
    elif finite.size and bool((finite == np.round(finite)).all()):
        digits = 0  # counts held as floats for their missing values: seedlings 8,000,000, not .00
    else:
        largest = float(finite.max()) if finite.size else 0.0
        digits = 2 if largest >= 100 else 3 if largest >= 1 else 4
    return lambda v: missing if v != v else f"{v:,.{digits}f}"


def _markdown(df: pd.DataFrame) -> str:
    import numpy as np
    import pandas as pd

    floats = {c: _float_format(c, df[c], "") for c in df.columns if pd.api.types.is_float_dtype(df[c])}
    counts = {c for c in df.columns if pd.api.types.is_integer_dtype(df[c]) and not _is_code(str(c))}

    def cell(column, v) -> str:
        if isinstance(v, float):
            # NaN: an empty cell
            return (floats.get(column) or _float_format(column, pd.Series([v]), ""))(v)
        if column in counts and isinstance(v, (int, np.integer)):  # 4,250,525 seedlings, as in the console
            return f"{v:,}"
        # a pipe or a line break inside a value would end the cell or the row
        return " ".join(str(v).replace("|", "\\|").split("\n")).replace("\r", " ")

    buf = io.StringIO()
    buf.write("| " + " | ".join(map(str, df.columns)) + " |\n")
    buf.write(
        "|" + "|".join("---:" if pd.api.types.is_numeric_dtype(df[c]) else "---" for c in df.columns) + "|\n"
    )
    for row in df.itertuples(index=False):
        buf.write("| " + " | ".join(cell(c, v) for c, v in zip(df.columns, row, strict=True)) + " |\n")
    return buf.getvalue()


_OTHER_FORMATS = frozenset(
    [
        *(".gpkg", ".shp", ".dbf", ".zip", ".geojson", ".parquet", ".geoparquet", ".fgb", ".kml", ".gml"),
        *(".tif", ".tiff", ".html", ".htm", ".xls", ".ods"),
    ]
)
"""Extensions of files that are not text tables (a table under one would be opened as what it is not)."""


def table_format(output: Path | None, fmt: str | None) -> str:
    """The format a table is written in: ``fmt``, else the output's extension, else ``table``.

    Raises
    ------
    DataError
        The output's extension disagrees with ``fmt``, belongs to another kind of file (``--format csv``
        into ``out.gpkg`` would leave CSV text under a GeoPackage's name), or implies no format and
        ``fmt`` is not given.
    """
    if output is None:
        return fmt or "table"
    suffix = output.suffix.lower()
    implied = _SUFFIX_FORMATS.get(suffix)
    if suffix in _OTHER_FORMATS:
        raise DataError(
            f"{output}: a {suffix} file is not a table kzgeo writes; write the table as .csv, .json, .md "
            "or .xlsx "
            f"(e.g. {output.with_suffix(_FORMAT_SUFFIX[fmt or 'csv']).name})"
        )
    if fmt is None and implied is None:
        raise DataError(
            f"{output}: cannot tell the format from {output.suffix!r}; use .csv, .json, .md, .xlsx or pass "
            "--format"
        )
    if fmt is not None and implied is not None and implied != fmt:
        raise DataError(
            f"{output}: --format {fmt} would write {fmt} into a {output.suffix} file; name the file "
            f"for its format (e.g. {output.with_suffix(_FORMAT_SUFFIX[fmt]).name}) or drop --format"
        )
    return fmt or implied


def emit_table(df: pd.DataFrame, output: Path | None, fmt: str | None, overwrite: bool) -> None:
    """Write ``df`` to ``output`` (atomically) or print it, in the format asked for or implied."""
    from kzgeo.io import atomic_output

    fmt = table_format(output, fmt)
    if fmt == "xlsx":
        if output is None:
            raise DataError("--format xlsx writes a workbook, not text: give -o FILE.xlsx")
        with atomic_output(output, overwrite=overwrite) as tmp:
            write_xlsx(df, tmp)
        note(f"wrote {output} ({len(df)} rows)")
        return
    text = render_table(df, fmt)
    if output is None:
        click.echo(text, nl=False)
        return
    with atomic_output(output, overwrite=overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8")
    note(f"wrote {output} ({len(df)} rows)")


def write_xlsx(df: pd.DataFrame, path: Path) -> None:
    """``df`` as one sheet of an Excel workbook: numbers as numbers (full precision, shown with the
    table's decimals and thousands separators), the header row frozen, columns wide enough to read."""
    import pandas as pd
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "kzgeo"
    ws.append([str(c) for c in df.columns])
    for row in df.astype(object).where(df.notna(), None).itertuples(index=False):
        ws.append([_json_value(v) for v in row])
    for i, column in enumerate(df.columns, start=1):
        values = df[column]
        if pd.api.types.is_float_dtype(values) and not _is_code(str(column)):
            sample = _float_format(column, values, "")(1.0)  # "1.00", "1.0000", ...
            decimals = len(sample.partition(".")[2])
            number_format = "#,##0" + ("." + "0" * decimals if decimals else "")
        elif pd.api.types.is_integer_dtype(values) and not _is_code(str(column)):
            number_format = "#,##0"
        else:
            number_format = None
        if number_format:
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = number_format
        width = max([len(str(column)), *(len(str(v)) for v in values.head(1000))], default=8)
        ws.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), 60)
    ws.freeze_panes = "A2"
    # built in memory, then written: openpyxl leaves its zip file open when a write fails (a full
    # disk), and Python then reports the failure again as it collects it
    buffer = io.BytesIO()
    wb.save(buffer)
    path.write_bytes(buffer.getvalue())

"""Reading and writing layers. The only module (with the CLI) that touches file paths.

``read_layer`` reads GeoPackage, GeoJSON, Shapefile (also zipped), GeoParquet and FlatGeobuf
through pyogrio, validates the layer and returns it in EPSG:4326. Every writer here writes to a
temporary file next to the destination and renames it into place, so a failure never leaves a
half-written output.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import errno
import os
import re
import struct
import tempfile
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError, FeatureError, FieldError

from kzgeo.errors import (
    CRSError,
    DataError,
    GeometryError,
    KzgeoError,
    KzgeoWarning,
    LayerReadError,
    OutputError,
    OutputExistsError,
    warn_caller,
)
from kzgeo.validate import (
    ValidationReport,
    _check_coordinates,
    _set_crs,
    _show_ids,
    guess_kind,
    validate_layer,
)

__all__ = [
    "FORMATS",
    "SHAPEFILE_PARTS",
    "atomic_output",
    "check_output",
    "list_layers",
    "read_layer",
    "write_layer",
]

# file suffix -> (pyogrio driver or "parquet", description)
GEOTIFF_SUFFIXES = (".tif", ".tiff")
"""File name endings of the GeoTIFFs kzgeo writes."""
HTML_SUFFIXES = (".html", ".htm")
"""File name endings of the web maps kzgeo writes."""

FORMATS = {
    ".gpkg": ("GPKG", "GeoPackage"),
    ".geojson": ("GeoJSON", "GeoJSON"),
    ".json": ("GeoJSON", "GeoJSON"),
    ".shp": ("ESRI Shapefile", "Shapefile"),
    ".zip": ("ESRI Shapefile", "zipped Shapefile"),
    ".parquet": ("parquet", "GeoParquet"),
    ".geoparquet": ("parquet", "GeoParquet"),
    ".fgb": ("FlatGeobuf", "FlatGeobuf"),
}


def _suffix(path: Path) -> str:
    return path.suffix.lower()


RASTER_SUFFIXES = (".tif", ".tiff", ".jp2", ".vrt")
"""File name endings of rasters, which the raster commands take and :func:`read_layer` does not."""
TABLE_SUFFIXES = (".csv", ".tsv", ".xlsx")
"""File name endings of tables, which may hold points as longitude and latitude columns."""

# column names (lower case) of longitudes and latitudes in English, Russian and Kazakh, whole or as a
# word of the name (site_lon, lat_wgs84)
_LON = re.compile(r"(?:^|[\W_])(lon|lng|long|longitude|долгота|бойлық)(?:$|[\W_])")
_LAT = re.compile(r"(?:^|[\W_])(lat|latitude|широта|ендік)(?:$|[\W_])")
_SHAPEFILE_SIDECARS = {
    ".dbf": "attribute table",
    ".shx": "index",
    ".prj": "projection file",
    ".cpg": "encoding file",
    ".qix": "spatial index",
    ".sbn": "spatial index",
    ".sbx": "spatial index",
}


def _check_format(path: Path) -> str:
    suffix = _suffix(path)
    if suffix not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise LayerReadError(f"{path}: {_not_a_layer(path, known)}")
    return FORMATS[suffix][0]


def _not_a_layer(path: Path, known: str) -> str:
    """What a file of a suffix kzgeo reads no layer from is, and what to give instead."""
    suffix = _suffix(path)
    if suffix in RASTER_SUFFIXES:
        return (
            f"is a raster, not a vector layer (kzgeo reads layers from {known}); use it with kzgeo index, "
            "kzgeo zonal or kzgeo detect-dumps (Python: kzgeo.open_scene, kzgeo.zonal_stats, "
            "kzgeo.detect_dumps), and give a vector layer here"
        )
    if suffix in _SHAPEFILE_SIDECARS:
        shp = next((s for s in (path.with_suffix(".shp"), path.with_suffix(".SHP")) if s.exists()), None)
        what = f"is the {_SHAPEFILE_SIDECARS[suffix]} of a Shapefile, not a layer by itself"
        if shp is not None:
            return f"{what}; give its .shp, {shp}"
        return (
            f"{what}, and there is no {path.with_suffix('.shp').name} next to it; copy the Shapefile's .shp, "
            ".shx, .dbf and .prj together (or zip them) and give the .shp"
        )
    if suffix in TABLE_SUFFIXES:
        return _table_advice(path, known)
    return (
        f"unknown format {suffix or '(no suffix)'!r}, not one kzgeo reads layers from ({known}); save the "
        "layer in one of them, e.g. as a GeoPackage (.gpkg)"
    )


def _table_advice(path: Path, known: str) -> str:
    """What to do with a table given as a layer: with longitude and latitude columns, the line of
    Python that makes it a point layer."""
    found = _coordinate_columns(path)
    what = f"is a table, not a vector layer (kzgeo reads layers from {known})"
    if found is None:
        return (
            f"{what}, and kzgeo finds no longitude and latitude columns in it; give the layer file, or add "
            "lon and lat columns (WGS84 degrees) and make it a point layer with geopandas.points_from_xy"
        )
    lon, lat, options = found
    reader = "read_excel" if _suffix(path) == ".xlsx" else "read_csv"
    out = Path(path.name).with_suffix(".gpkg")  # in the current folder: the table's may be read-only
    return (
        f"{what}; its columns {lon!r} and {lat!r} look like longitude and latitude: make it a point layer "
        f'with python -c "import geopandas as gpd, pandas as pd; df = pd.{reader}({str(path)!r}{options}); '
        f"gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df[{lon!r}], df[{lat!r}]), crs='EPSG:4326')"
        f'.to_file({str(out)!r})" and give {out}'
    )


def _table_rows(path: Path, rows: int = 6) -> tuple[list[list], str]:
    """The first ``rows`` rows of a table (header first), and the pandas options that read it as
    saved (Excel in Kazakh or Russian settings: semicolons, decimal commas, cp1251)."""
    if _suffix(path) == ".xlsx":
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]  # what pandas.read_excel reads by default
            return [list(row) for row in sheet.iter_rows(max_row=rows, values_only=True)], ""
        finally:
            book.close()
    with open(path, "rb") as fh:
        raw = b"".join(fh.readline() for _ in range(rows))
    options = ""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text, options = raw.decode("cp1251", errors="replace"), ", encoding='cp1251'"
    lines = text.splitlines()
    sep = max((",", ";", "\t"), key=lines[0].count) if lines else ","
    if sep != ",":
        options = f", sep={sep!r}" + options
    return list(csv.reader(lines, delimiter=sep)), options


def _coordinate_columns(path: Path) -> tuple[str, str, str] | None:
    """(longitude column, latitude column, pandas read options) of a table, or None without both."""
    try:
        table, options = _table_rows(path)
    except Exception:  # an unreadable table gets the advice of one without coordinates
        return None
    if not table:
        return None
    header = [str(name).strip() for name in table[0]]
    lon = [name for name in header if _LON.search(name.lower())]
    lat = [name for name in header if _LAT.search(name.lower())]
    if len(lon) != 1 or len(lat) != 1:
        return None
    column = header.index(lon[0])
    values = [row[column] for row in table[1:] if len(row) > column]
    if any(isinstance(v, str) and "," in v for v in values):  # 51,17 saved by Excel in Kazakh settings
        options += ", decimal=','"
    return lon[0], lat[0], options


def _reason(exc: Exception, path: Path) -> str:
    """GDAL's message about ``path`` in words that say what to do."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "not recognized as being in a supported file format" in text:
        what = FORMATS.get(_suffix(path), ("", "a vector file"))[1]
        return f"its content is not in {what} format; check that this is the file you meant"
    if "SHAPE_RESTORE_SHX" in text:
        return (
            f"its index file {path.with_suffix('.shx').name} is missing; copy a shapefile's .shp, .shx, "
            ".dbf and .prj together, or zip them"
        )
    return text


def _zip_source(path: Path) -> str:
    """What GDAL opens for a zip: the zip itself when its shapefiles lie at its root, else the one folder
    inside it that holds them (downloads often wrap the files in a folder)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.namelist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise LayerReadError(
            f"{path}: is not a zip archive ({exc}); check that this is the file you meant"
        ) from exc
    folders = sorted({str(Path(m).parent) for m in members if m.lower().endswith(".shp")})
    if not folders:
        inner = [m for m in members if m.lower().endswith(".zip")]
        if inner:  # the WDPA download: a zip of zipped shapefiles
            raise LayerReadError(
                f"{path}: holds zipped files {_show_ids(inner)}; unzip it and read one of them"
            )
        files = [m for m in members if not m.endswith("/")]
        raise LayerReadError(
            f"{path}: holds no shapefile (.shp)"
            + (f", only {_show_ids(files)}" if files else ", it is empty")
            + "; zip a shapefile's .shp, .shx, .dbf and .prj together"
        )
    if len(folders) > 1:
        raise LayerReadError(
            f"{path}: holds shapefiles in {len(folders)} folders ({', '.join(folders[:5])}); unzip it and "
            "read the .shp you mean"
        )
    # /vsizip/ also opens a zip named .ZIP, which GDAL does not take for a zip by itself
    return f"/vsizip/{path}" + ("" if folders[0] == "." else f"/{folders[0]}")


def is_layer_file(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a file of a vector format kzgeo reads, by its name; a zip only when it holds
    a shapefile (a zip of band files is a satellite product as downloaded)."""
    import zipfile

    path = Path(path)
    if not path.is_file() or _suffix(path) not in FORMATS:
        return False
    if _suffix(path) != ".zip":
        return True
    with contextlib.suppress(zipfile.BadZipFile, OSError), zipfile.ZipFile(path) as archive:
        return any(name.lower().endswith(".shp") for name in archive.namelist())
    return False


def _gdal_source(path: Path) -> str | Path:
    return _zip_source(path) if _suffix(path) == ".zip" else path


def _check_source(path: Path) -> str:
    """The driver for ``path``, once it is known to be a file of a format kzgeo reads."""
    if not path.exists():
        raise LayerReadError(f"{path}: no such file; check the path")
    if path.is_dir():
        inside = sorted(p.name for p in path.iterdir() if _suffix(p) in FORMATS and _suffix(p) != ".json")
        example = f", e.g. {path / inside[0]}" if inside else ""
        raise LayerReadError(f"{path}: is a folder; give the .shp (or other file) inside it{example}")
    return _check_format(path)


def _layer_table(path: Path) -> list[tuple[str, bool]]:
    """(name, has geometry) of each layer in a file GDAL reads."""
    try:
        table = pyogrio.list_layers(_gdal_source(path))
    except (DataSourceError, DataLayerError) as exc:
        raise LayerReadError(f"{path}: cannot be read as a vector file ({_reason(exc, path)})") from exc
    return [(str(name), geometry_type is not None) for name, geometry_type in table]


def list_layers(source: str | os.PathLike) -> list[str]:
    """Names of the layers with geometry in a file (one name for single-layer formats); attribute tables
    without geometry are left out."""
    path = Path(source)
    if _check_source(path) == "parquet":
        return [path.stem]
    return [name for name, spatial in _layer_table(path) if spatial]


LAYER_HINT = "(CLI: --layer)"
"""How the commands name a layer of a multi-layer file (``kzgeo map``, reading several, says otherwise)."""


def _pick_layer(path: Path, kind: str | None, layer: str | int | None) -> str | int | None:
    if _suffix(path) not in (".gpkg", ".zip"):
        return layer  # a zip may hold several shapefiles, a GeoPackage several layers
    table = _layer_table(path)
    names = [name for name, spatial in table if spatial]
    if isinstance(layer, str):
        same = [n for n, _ in table if n.lower() == layer.lower()]  # GDAL matches names in any case
        if not same:
            raise LayerReadError(
                f"{path}: has no layer {layer!r}; its layers: {', '.join(names)}; choose one with layer=... "
                f"{LAYER_HINT}"
            )
        if same[0] not in names:
            raise LayerReadError(
                f"{path}: layer {same[0]!r} has no geometry; its layers with geometry: {', '.join(names)}; "
                f"choose one with layer=... {LAYER_HINT}"
                if names
                else f"{path}: layer {same[0]!r} has no geometry, nor has any layer of the file; give a file "
                "with a vector layer"
            )
        return same[0]
    if layer is not None:
        return layer
    if not names:
        raise LayerReadError(
            f"{path}: holds no layer with geometry, only the table(s) {_show_ids([n for n, _ in table])}; "
            "give a file with a vector layer"
        )
    if len(names) == 1:
        return names[0]
    if kind in names:
        return kind
    raise LayerReadError(
        f"{path}: holds {len(names)} layers ({', '.join(names)}); choose one with layer=... {LAYER_HINT}"
    )


def _check_encoding(encoding: str | None) -> None:
    if encoding is None:
        return
    try:
        codecs.lookup(encoding)
    except (LookupError, TypeError) as exc:
        raise DataError(
            f"encoding={encoding!r} is not a text encoding Python knows; use e.g. 'cp1251', 'utf-8' or "
            "'kz1048' (CLI: kzgeo --encoding NAME COMMAND ...)"
        ) from exc


def _misread_encoding(gdf: gpd.GeoDataFrame) -> tuple[str, str, str] | None:
    """(encoding, text as read, text in that encoding) when the layer's text looks like UTF-8 or cp1251
    read as latin-1, as GDAL reads a Shapefile without a .cpg."""
    values = [
        v
        for col in gdf.columns
        if col != gdf.geometry.name and pd.api.types.is_string_dtype(gdf[col])
        for v in gdf[col].dropna().unique()[:200]
        if isinstance(v, str) and not v.isascii()
    ]
    if not values:
        return None
    text = "\n".join(values)
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:
        return None  # decoded with an encoding that has letters latin-1 lacks: not latin-1
    with contextlib.suppress(UnicodeDecodeError):
        # latin-1 text almost never forms valid UTF-8 sequences
        return "utf-8", values[0], raw.decode("utf-8").split("\n")[0]
    fixed = raw.decode("cp1251", errors="replace")
    # Western text read as cp1251 gains a few Cyrillic letters among its Latin ones; Cyrillic gains all
    if sum("\u0400" <= ch <= "\u04ff" for ch in fixed) > sum(ch.isalpha() for ch in fixed) / 2:
        if any(ch in _KZ1048_IN_CP1251 for ch in fixed):  # Қ, Ғ, Ө, Ұ, Ү, Һ, Ә, Ң of kz1048
            return "kz1048", values[0], raw.decode("kz1048", errors="replace").split("\n")[0]
        return "cp1251", values[0], fixed.split("\n")[0]
    return None


_KZ1048_IN_CP1251 = frozenset("ЌЋќћЎўЈҐЄЇґєјЅѕї")
"""The letters that kz1048's Kazakh letters become when read as cp1251 (the two differ only there)."""


_WESTERN = ("", "ISO-8859-1", "ISO8859-1", "LATIN1", "LATIN-1", "CP1252", "WINDOWS-1252", "1252")
"""Encodings a Shapefile may declare (or GDAL assume without a .cpg) that cannot hold Cyrillic: a
user's encoding overrides them."""


def _cpg_text(path: Path, layer) -> str | None:
    """The text of the .cpg of a Shapefile (or of the chosen layer of a zip of them), None without."""
    import zipfile

    if _suffix(path) == ".shp":
        cpg = next((c for c in (path.with_suffix(".cpg"), path.with_suffix(".CPG")) if c.exists()), None)
        return None if cpg is None else cpg.read_bytes().decode("utf-8-sig", errors="replace")
    with contextlib.suppress(zipfile.BadZipFile, OSError), zipfile.ZipFile(path) as archive:
        cpgs = [m for m in archive.namelist() if m.lower().endswith(".cpg")]
        if isinstance(layer, str):
            cpgs = [m for m in cpgs if Path(m).stem.lower() == layer.lower()]
        if len(cpgs) == 1:
            return archive.read(cpgs[0]).decode("utf-8-sig", errors="replace")
    return None


def _declared_encoding(path: Path, source, layer) -> str:
    """The encoding a Shapefile's text is read in: its .cpg's, else what GDAL takes (a code page in
    the .dbf, or latin-1), upper case."""
    declared = _cpg_text(path, layer)
    if declared is None:
        declared = pyogrio.read_info(source, layer=layer).get("encoding") or ""
    return declared.strip().upper().replace("_", "-")


def _western(declared: str) -> bool:
    return declared in _WESTERN or any(code in declared for code in ("1252", "8859-1", "88591", "LATIN1"))


def _read_shapefile(path: Path, source, layer, encoding: str | None) -> tuple[gpd.GeoDataFrame, str | None]:
    """The layer, and the encoding its text is still to be decoded in (:func:`_recode`), if any.

    A given ``encoding`` applies to a Shapefile that declares none or a Western one (cp1252 cannot
    hold Cyrillic), and to one whose .cpg says UTF-8 of text that is not; a Shapefile whose .cpg says
    another encoding (UTF-8 that is) is read as it says: ``kzgeo --encoding`` applies to every file
    of a command; one saying Windows-1251 is decoded as that here. Text to recode is read as latin-1,
    byte for byte."""
    declared = _declared_encoding(path, source, layer)
    # Kazakh software marks its kz1048 files as Windows-1251 (the two differ only in Kazakh letters)
    kazakh = "1251" in declared and encoding is not None and codecs.lookup(encoding).name == "kz1048"
    if encoding is not None and (_western(declared) or kazakh):
        return gpd.read_file(source, engine="pyogrio", layer=layer, encoding="ISO-8859-1"), encoding
    if "1251" in declared:  # decoded here as it says, where a kz1048 file marked so is told apart
        return gpd.read_file(source, engine="pyogrio", layer=layer, encoding="ISO-8859-1"), "cp1251"
    # a .cpg of UTF-8 named for GDAL, which cannot read one written with a byte-order mark before it
    named = "UTF-8" if declared in ("UTF-8", "UTF8") else None
    try:
        return gpd.read_file(source, engine="pyogrio", layer=layer, encoding=named), None
    except UnicodeDecodeError as exc:
        declared = declared or "UTF-8"
        if encoding is None:
            raise LayerReadError(
                f"{path}: its text is not {declared}, as its .cpg says ({exc.reason}); pass "
                "encoding='cp1251' (CLI: kzgeo --encoding cp1251 COMMAND ...), or 'kz1048' for Kazakh "
                "software's files"
            ) from exc
        warnings.warn(
            f"{path}: its .cpg says {declared}, but its text is not; read as {encoding}",
            KzgeoWarning,
            stacklevel=5,
        )
        return gpd.read_file(source, engine="pyogrio", layer=layer, encoding="ISO-8859-1"), encoding


def _recode(gdf: gpd.GeoDataFrame, encoding: str, path: Path) -> gpd.GeoDataFrame:
    """The text of a Shapefile that GDAL read as latin-1 (its bytes, one character each), decoded as
    ``encoding``: any codec Python knows (kz1048 too, which GDAL's iconv may not)."""

    def text(value):
        return value.encode("latin-1").decode(encoding) if isinstance(value, str) else value

    geometry = gdf.geometry.name
    try:
        out = gdf.copy()
        for col in gdf.columns:
            if col != geometry and (gdf[col].dtype == object or pd.api.types.is_string_dtype(gdf[col])):
                out[col] = gdf[col].map(text)
        return out.rename(columns={c: text(c) for c in gdf.columns if c != geometry})
    except UnicodeError as exc:
        raise DataError(
            f"{path}: its text is not {encoding} ({exc.reason}); read it without an encoding to see "
            "kzgeo's guess, or try another, e.g. 'cp1251' or 'kz1048'"
        ) from exc


def _warn_if_misread(gdf: gpd.GeoDataFrame, path: Path) -> None:
    found = _misread_encoding(gdf)
    if found is not None:
        encoding, value, fixed = found
        warnings.warn(
            f"{path}: text looks like {encoding} read as latin-1 ({value!r} would be {fixed!r}); pass "
            f"encoding={encoding!r} (CLI: kzgeo --encoding {encoding} COMMAND ...)",
            KzgeoWarning,
            stacklevel=4,
        )


def _warn_if_kazakh_in_cp1251(gdf: gpd.GeoDataFrame, path: Path, encoding: str) -> None:
    """Warn when text decoded as cp1251 has the letters kz1048's Kazakh letters become in it among its
    Cyrillic (kz1048 is cp1251 with Қ, Ғ, Ө, Ұ, Ү, Һ, Ә, Ң in place of Serbian and Ukrainian letters):
    'Ырєыз-Торєай' is 'Ырғыз-Торғай' read as cp1251."""
    if codecs.lookup(encoding).name != "cp1251":
        return
    raw = "\n".join(
        v
        for col in gdf.columns
        if col != gdf.geometry.name and pd.api.types.is_string_dtype(gdf[col])
        for v in gdf[col].dropna().unique()[:200]
        if isinstance(v, str) and not v.isascii()
    )
    cyrillic = sum("\u0400" <= ch <= "\u04ff" for ch in raw)
    # Ә, Қ, Ң, Һ become Ј, Ќ, Ѕ, Ћ, which no Russian or Ukrainian word has (Ғ, Ү, Ө become Ukrainian's
    # Є, Ї, Ґ, and Ұ Belarusian's Ў): one of those four, or the text is taken as it reads
    odd = next((v for v in raw.split("\n") if any(ch in "ЈјЌќЅѕЋћ" for ch in v)), None)
    if odd is None or cyrillic < 2 * sum(ch in _KZ1048_IN_CP1251 for ch in raw):
        return
    fixed = odd.encode("cp1251").decode("kz1048")
    warnings.warn(
        f"{path}: text read as cp1251 has letters that are kz1048's Kazakh letters read as cp1251 "
        f"({odd!r} would be {fixed!r}); pass encoding='kz1048' (CLI: kzgeo --encoding kz1048 COMMAND ...)",
        KzgeoWarning,
        stacklevel=4,
    )


def _check_dbf(path: Path) -> None:
    dbf = next((d for d in (path.with_suffix(".dbf"), path.with_suffix(".DBF")) if d.exists()), None)
    if dbf is None:
        raise LayerReadError(
            f"{path}: its attribute file {path.with_suffix('.dbf').name} is missing, so every id and name "
            "would be lost; copy a shapefile's .shp, .shx, .dbf and .prj together, or zip them"
        )
    # GDAL reads the geometries without an attribute file it cannot open, and says nothing
    problem = _dbf_problem(dbf)
    if problem:
        raise LayerReadError(
            f"{path}: its attribute file {dbf.name} {problem}, so every id and name would be lost; copy it "
            "again from the source, with the .shp, .shx and .prj"
        )


def _dbf_problem(dbf: Path) -> str | None:
    """What is wrong with a dBASE file's header (records, header and record length, little-endian)."""
    size = dbf.stat().st_size
    with open(dbf, "rb") as fh:
        head = fh.read(32)
    if len(head) < 32:
        return f"has {size} bytes, too few for a dBASE file"
    records, header, record = struct.unpack("<IHH", head[4:12])
    if header < 33 or record < 1 or header > size:
        return "is not a dBASE file"
    if header + records * record > size:
        return f"is cut short ({size:,} bytes for {records:,} records of {record} bytes)"
    return None


def _read_parquet(path: Path) -> gpd.GeoDataFrame:
    if path.stat().st_size == 0:
        raise LayerReadError(f"{path}: is empty (0 bytes); check that this is the file you meant")
    try:
        return gpd.read_parquet(path)
    except ValueError as exc:
        if "geo metadata" not in str(exc):
            raise
        raise LayerReadError(
            f"{path}: is a Parquet file without GeoParquet metadata, so kzgeo cannot tell which column is "
            "the geometry; write it with GeoDataFrame.to_parquet (or read it with pandas)"
        ) from exc


def _read_raw(path: Path, kind: str | None, layer, encoding: str | None = None) -> gpd.GeoDataFrame:
    driver = _check_source(path)
    _check_encoding(encoding)
    if _suffix(path) == ".shp":
        _check_dbf(path)
    try:
        with warnings.catch_warnings():
            _quiet_reader_warnings()
            gdf, recode = _read_any(path, driver, kind, layer, encoding)
    except LayerReadError:
        raise
    except (DataSourceError, DataLayerError, OSError, ValueError) as exc:
        raise LayerReadError(
            f"{path}: cannot be read as {FORMATS[_suffix(path)][1]} ({_reason(exc, path)})"
        ) from exc
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise LayerReadError(f"{path}: the layer has no geometry; give a file with a vector layer")
    if recode is not None:
        gdf = _recode(gdf, recode, path)
        _warn_if_kazakh_in_cp1251(gdf, path, recode)
    elif driver == "ESRI Shapefile" and encoding is None:  # only text read as latin-1 can look misread
        _warn_if_misread(gdf, path)
    # GDAL types small whole numbers of GeoJSON and Shapefiles as 32-bit: the same columns as 64-bit
    # whatever format they came in
    narrow = [c for c in gdf.columns if c != gdf.geometry.name and gdf[c].dtype == "int32"]
    return gdf.astype(dict.fromkeys(narrow, "int64")) if narrow else gdf


def _quiet_reader_warnings() -> None:
    """Leave out what the readers say that kzgeo says better or that changes nothing: NaN coordinates
    (validation names the features), a GeoJSON column of mixed types kept as text (validation reads
    its numbers or names the value that is not one), M values dropped (hectares use x and y)."""
    warnings.filterwarnings("ignore", "invalid value encountered in from_wkb", RuntimeWarning)
    warnings.filterwarnings("ignore", "Could not parse column .* as JSON")
    warnings.filterwarnings("ignore", r"Measured \(M\) geometry types are not supported")


def _read_any(path: Path, driver: str, kind, layer, encoding) -> tuple[gpd.GeoDataFrame, str | None]:
    """The layer as read, and the encoding its text must still be decoded from (a Shapefile read as
    latin-1 for want of a .cpg), or None."""
    if driver == "parquet":
        if layer not in (None, 0, path.stem):
            raise LayerReadError(
                f"{path}: a GeoParquet file holds one layer, {path.stem!r}, not {layer!r}; drop the "
                "layer argument (CLI: --layer)"
            )
        return _read_parquet(path), None
    chosen = _pick_layer(path, kind, layer)
    # an encoding is a Shapefile's: a GeoPackage, GeoJSON or GeoParquet is UTF-8
    if driver == "ESRI Shapefile":
        return _read_shapefile(path, _gdal_source(path), chosen, encoding)
    return gpd.read_file(_gdal_source(path), engine="pyogrio", layer=chosen), None


def read_layer(
    source: str | os.PathLike | gpd.GeoDataFrame | gpd.GeoSeries,
    kind: str | None = None,
    *,
    layer: str | int | None = None,
    assume_crs=None,
    report: ValidationReport | None = None,
    anywhere: bool = False,
    encoding: str | None = None,
    name: str | None = None,
) -> gpd.GeoDataFrame:
    """Read a layer of a given kind, validated and in EPSG:4326.

    Parameters
    ----------
    source : path, GeoDataFrame or GeoSeries
        A GeoPackage, GeoJSON, Shapefile (``.shp`` or ``.zip``), GeoParquet or FlatGeobuf file;
        a GeoDataFrame (or GeoSeries) is validated as it is, its rows numbered anew from 0. Read with
        ``kind=None``, a layer keeps each feature's position in the file (from 0) as its index when
        empty features are dropped; with a kind it is numbered 0..n-1.
    kind : str, optional
        ``regions``, ``districts``, ``protected_areas``, ``corridors``, ``plots`` or ``landfills``.
        Foreign column names (WDPA, OpenStreetMap, HDX) are renamed onto the kind's schema; ``None``
        validates geometry and CRS only; ``"guess"`` takes the kind from the columns
        (:func:`kzgeo.validate.guess_kind`), or ``None`` when nothing fits; a guessed kind's id
        column may repeat a value (the layer may be identified by another column).
    layer : str or int, optional
        Layer of a multi-layer file; by default the only layer, or the one named like ``kind``.
    assume_crs : CRS-like, optional
        CRS for a file that declares none.
    report : ValidationReport, optional
        Filled with what validation found and changed.
    anywhere : bool
        The layer may lie outside Kazakhstan (see :func:`kzgeo.validate.validate_layer`).
    encoding : str, optional
        Text encoding of a Shapefile without a ``.cpg``, e.g. ``"cp1251"`` (Russian-language software)
        or ``"kz1048"`` (Kazakh); any codec Python knows. Other files say their own encoding (a
        ``.cpg``; GeoPackage, GeoJSON and GeoParquet are UTF-8) and are read as they say. A Shapefile
        without a ``.cpg`` whose text looks mis-decoded gives a :class:`~kzgeo.errors.KzgeoWarning`
        naming the likely encoding.
    name : str, optional
        What messages call a GeoDataFrame or GeoSeries given as ``source`` (its place in the caller,
        e.g. ``"plots"``); ``"GeoDataFrame"`` by default. A file is named by its path.

    Returns
    -------
    GeoDataFrame
        In EPSG:4326, geometries valid, with the kind's id column.

    Raises
    ------
    LayerReadError
        Missing, unreadable or unknown-format file, a folder, a zip without a shapefile, a layer
        without geometry; a raster, a table (with the line that makes one with longitude and latitude
        columns a point layer) or a Shapefile's ``.dbf``, ``.shx`` or ``.prj``, each told what to do.
    DataError
        ``encoding`` is not a text encoding.
    CRSError, GeometryError, SchemaError
        A layer that cannot be used as the kind asked for, or that carries another kind's id column
        and not its own (plots given as regions: a :class:`~kzgeo.errors.SchemaError` naming both).

    Examples
    --------
    >>> import kzgeo
    >>> regions = kzgeo.read_layer(kzgeo.datasets.path("regions"), kind="regions")
    >>> len(regions)
    20
    """
    if isinstance(source, gpd.GeoSeries):
        source = gpd.GeoDataFrame(geometry=source)
    if isinstance(source, gpd.GeoDataFrame):
        name, raw = name or "GeoDataFrame", source
    elif not isinstance(source, (str, os.PathLike)):
        raise LayerReadError(
            f"{type(source).__name__} given as a layer: give a file path, a GeoDataFrame or a GeoSeries"
        )
    else:
        name = str(source)
        raw = _read_raw(Path(source), None if kind == "guess" else kind, layer, encoding)
    guessed = kind == "guess"
    if guessed:
        kind = guess_kind(raw)
    return validate_layer(
        raw, kind, name=name, assume_crs=assume_crs, report=report, anywhere=anywhere, unique_ids=not guessed
    )


SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx")
"""File name endings of the files that make up one Shapefile, besides the ``.shp``."""


def _dataset_files(path: Path) -> list[Path]:
    """The files ``path`` stands for: a Shapefile's ``.shp`` and its sidecars (either case), else itself."""
    if _suffix(path) != ".shp":
        return [path]
    return [path] + [path.with_suffix(s) for part in SHAPEFILE_PARTS[1:] for s in (part, part.upper())]


def _scene_file(path: Path) -> bool:
    """Whether a file in a scene folder is one the scene is read from (a band file, its metadata):
    not a result written beside them (an NDVI GeoTIFF, a site layer) by an earlier run."""
    from kzgeo.raster.scene import _LANDSAT_FILE, _RASTER_SUFFIXES, _S2_FILE

    name = path.name.upper()
    if name.startswith("MTD_") or name.endswith("_MTL.TXT"):
        return True
    return path.suffix.lower() in _RASTER_SUFFIXES and bool(
        _S2_FILE.search(path.stem) or _LANDSAT_FILE.search(path.stem)
    )


def _shared_file(dest: Path, source: Path) -> Path | None:
    """The file of ``dest`` (or its sidecars) that is also ``source`` or one of its sidecars, or one
    of the files a scene folder ``source`` is read from (the band files of a granule)."""
    if source.is_dir():
        sources = [s for s in source.rglob("*") if s.is_file() and _scene_file(s)]
    else:
        sources = [s for s in _dataset_files(source) if s.exists()]
    for out in _dataset_files(dest):
        with contextlib.suppress(OSError):
            if out.exists() and any(out.samefile(s) for s in sources):
                return out
    return None


def check_output(
    dest: str | os.PathLike,
    *,
    overwrite: bool = False,
    suffixes: tuple[str, ...] | None = None,
    inputs: Iterable[str | os.PathLike] = (),
) -> Path:
    """The output path, once it is known that a file can be written there (a symbolic link's target:
    the file is written through the link).

    ``suffixes`` (lower case, e.g. ``(".tif", ".tiff")``), when given, are the only file name endings
    accepted: a GeoTIFF named ``.gpkg`` would be opened by the next tool as what it is not. A
    Shapefile ``.shp`` stands for all its files (:data:`SHAPEFILE_PARTS`), as output and as input.

    Raises
    ------
    OutputExistsError
        ``dest`` (or, for a ``.shp``, one of its sidecar files) exists and ``overwrite`` is false.
    OutputError
        ``dest`` is one of ``inputs`` or of their sidecar files (whatever ``overwrite`` says), is a
        folder, a device, pipe or socket or ``-``, its folder does not exist or is a file, or no file
        can be created in it (tried with an empty temporary file, removed at once); or a suffix not in
        ``suffixes``.
    """
    path = Path(dest)
    if str(dest) == "-":
        raise OutputError("-: this output is a file, not standard output; give a file name")
    if path.is_symlink():  # written through, as the shell's > does: the link stays (a dangling one too)
        path = Path(os.path.realpath(path))
        if path.is_symlink():  # realpath stops where links go round in a loop
            raise OutputError(f"{dest}: is a symbolic link in a loop of links; give a file name")
    if suffixes is not None and path.suffix.lower() not in suffixes:
        raise OutputError(
            f"{path}: this file is written as {' or '.join(suffixes)}, not {path.suffix or '(no suffix)'!r}; "
            f"name it e.g. {path.with_suffix(suffixes[0]).name}"
        )
    for source in inputs:
        shared = _shared_file(path, Path(source))
        if shared is not None:
            if shared != path:
                what = f"would replace {shared.name}, part of"
            else:
                what = "is" if shared.samefile(source) else "is part of"
            raise OutputError(f"{path}: {what} the input {source}; write the result to another file")
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; give a file name inside it, e.g. {path / 'out'}")
    if path.exists() and not path.is_file():  # replaced by a rename, a device or a pipe would be lost
        raise OutputError(f"{path}: is not a regular file (a device, pipe or socket); give a file name")
    existing = [p for p in _dataset_files(path) if p.exists()]
    if existing and not overwrite:
        what = "already exists" if existing[0] == path else f"{existing[0].name}, part of it, already exists"
        raise OutputExistsError(f"{path}: {what}; pass overwrite=True (CLI: --overwrite) to replace it")
    folder = path.parent
    if not folder.exists():
        raise OutputError(f"{path}: the folder {folder} does not exist; create it first")
    if not folder.is_dir():
        raise OutputError(f"{path}: {folder} is a file, not a folder; write to a folder instead")
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".probe", dir=folder)
    except OSError as exc:
        raise OutputError(
            f"{path}: cannot write in {folder} ({exc.strerror or exc}); choose a folder you can write to"
        ) from exc
    os.close(fd)
    os.unlink(probe)
    return path


_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
_DATA_PROBLEM = re.compile(
    r"\b(constraints?|unique|not null|invalid|types?|fields?|columns?|geometr\w*)\b", re.IGNORECASE
)
"""Words of a writer's message that name a cause in the data, not the disk (whole words: the SQL a
GeoPackage writer quotes, ``... data_type ...) failed: no such table``, names none)."""
_PROBE_BYTES = 1 << 16
"""Bytes written beside a write that failed without an errno (GDAL loses it): if they cannot be
written for want of space, the disk is full."""


def _full_disk(path: Path, exc: Exception) -> OutputError | None:
    """An OutputError saying the disk is full when that is why writing ``path`` failed, else None
    (a KzgeoError keeps its own message)."""
    if isinstance(exc, KzgeoError):
        return None
    said = isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS
    # SQLite (a GeoPackage) says so in words, and frees its journal before it does
    said = said or any(w in str(exc).lower() for w in ("disk is full", "no space left"))
    if not said and _DATA_PROBLEM.search(str(exc)):
        return None  # the writer named another cause ('UNIQUE constraint failed'): its word stands
    if not said and not _no_space(path.parent):
        return None  # probed before the partial output is removed: the disk as the writer left it
    return _disk_full(path)


def _disk_full(path: Path) -> OutputError:
    """The error for ``path`` on a full disk; its ``disk_full`` is ``path``, so that the output whose
    temporary file ``path`` is can say it under its own name."""
    error = OutputError(
        f"{path}: cannot be written, the disk is full (no space left in {path.parent}); free some space or "
        "write it elsewhere"
    )
    error.disk_full = path
    return error


def _no_space(folder: Path) -> bool:
    """Whether a probe of :data:`_PROBE_BYTES` cannot be written in ``folder`` for want of space."""
    try:
        fd, probe = tempfile.mkstemp(prefix=".kzgeo.", suffix=".probe", dir=folder)
    except OSError as exc:
        return exc.errno in _FULL_ERRNOS
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(b"\0" * _PROBE_BYTES)
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        return exc.errno in _FULL_ERRNOS
    finally:
        with contextlib.suppress(OSError):
            os.unlink(probe)
    return False


@contextlib.contextmanager
def atomic_output(
    dest: str | os.PathLike,
    *,
    overwrite: bool = False,
    suffixes: tuple[str, ...] | None = None,
    inputs: Iterable[str | os.PathLike] = (),
) -> Iterator[Path]:
    """Yield a temporary path next to ``dest``; rename it onto ``dest`` when the block succeeds.

    ``dest`` is checked first with :func:`check_output` (never one of ``inputs``). On any exception
    the temporary file is removed and ``dest`` is left as it was.
    """
    path = check_output(dest, overwrite=overwrite, suffixes=suffixes, inputs=inputs)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    os.unlink(tmp)  # writers such as GDAL refuse to write over an existing empty file
    tmp_path = Path(tmp)
    try:
        try:
            yield tmp_path
        except Exception as exc:
            # a writer of the temporary file that said the disk is full (an atomic_output in the block)
            full = _disk_full(path) if getattr(exc, "disk_full", None) == tmp_path else _full_disk(path, exc)
            if full is None:
                raise
            raise full from exc
        try:
            os.replace(tmp_path, path)
        except OSError as exc:
            raise OutputError(
                f"{path}: cannot be replaced ({exc.strerror or exc}); check its permissions"
            ) from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()


def write_layer(
    gdf: gpd.GeoDataFrame,
    dest: str | os.PathLike,
    *,
    overwrite: bool = False,
    layer: str | None = None,
    inputs: Iterable[str | os.PathLike] = (),
) -> Path:
    """Write a layer atomically; the format follows the file suffix.

    The layer is written in its own CRS (a frame in UTM 42N is written as EPSG:32642; reproject
    with ``gdf.to_crs(4326)`` first for a GeoJSON other tools read as WGS84). Nothing is left
    behind when writing fails, and an existing file is replaced only once the new one is whole.

    Parameters
    ----------
    gdf : GeoDataFrame or GeoSeries
        The layer; it must have a CRS.
    dest : path
        ``.gpkg``, ``.geojson``, ``.shp``, ``.parquet`` or ``.fgb``.
    overwrite : bool
        Replace an existing file. Without it an existing ``dest`` (for a ``.shp``, any of its files:
        ``.dbf``, ``.prj`` ...) raises :class:`OutputExistsError`.
    layer : str, optional
        Layer name inside a GeoPackage (default: the file's stem).
    inputs : paths, optional
        Files the layer was read from: ``dest`` is never one of them, nor one of their sidecar files,
        even with ``overwrite``.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    OutputExistsError
        ``dest`` exists (for a Shapefile, one of its files) and ``overwrite`` is false.
    OutputError
        A format kzgeo does not write, ``dest`` one of ``inputs``, a folder, a device or ``-``, a
        missing or unwritable folder, or a full disk.
    DataError
        Not a GeoDataFrame, no CRS, column names that are not text, or columns or geometries the
        format cannot hold.
    """
    path = Path(dest)
    if _suffix(path) not in FORMATS:  # a write, not a read: the formats kzgeo writes
        writable = ", ".join(s for s in sorted(FORMATS) if s != ".zip")
        raise OutputError(
            f"{path}: kzgeo does not write {_suffix(path) or 'files without a suffix'}; use {writable}"
        )
    driver = _check_format(path)
    from kzgeo.area import frame_of

    gdf = frame_of(gdf, "write_layer")  # geometries alone as well, as read_layer and the statistics take them
    if gdf.crs is None:
        raise DataError(f"{path}: the GeoDataFrame has no CRS; set one with gdf.set_crs(...) before writing")
    if _suffix(path) == ".zip":
        raise OutputError(f"{path}: kzgeo does not write zipped Shapefiles; write .shp or .gpkg")
    odd = [c for c in gdf.columns if not isinstance(c, str)]
    if odd:
        raise DataError(f"{path}: column name(s) {odd[:5]} are not text; rename them (gdf.columns = [...])")
    try:
        return _write(gdf, path, driver, overwrite, layer, inputs)
    except (DataSourceError, DataLayerError, FeatureError, FieldError, ValueError, TypeError) as exc:
        if isinstance(exc, KzgeoError):
            raise
        raise DataError(
            f"{path}: the layer cannot be written as {FORMATS[_suffix(path)][1]} "
            f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__}); fix the column or geometries "
            "named, or write another format (.gpkg takes the most)"
        ) from exc


def _write(
    gdf: gpd.GeoDataFrame, path: Path, driver: str, overwrite: bool, layer: str | None, inputs: Iterable
) -> Path:
    if driver == "ESRI Shapefile":
        # a Shapefile is several files; write them into a temporary folder, then move each into place
        path = check_output(path, overwrite=overwrite, inputs=inputs)
        long = [c for c in gdf.columns if c != gdf.geometry.name and len(str(c)) > 10]
        if long:
            warn_caller(
                f"{path}: a Shapefile cuts column names to 10 characters: {', '.join(map(str, long[:6]))}"
                f"{' ...' if len(long) > 6 else ''}; kzgeo.read_layer(..., kind=...) reads kzgeo's own "
                "columns back, other tools see the cut names (.gpkg keeps them whole)",
                KzgeoWarning,
            )
        with tempfile.TemporaryDirectory(dir=path.parent) as tmpdir, warnings.catch_warnings():
            # GDAL's own 'Normalized/laundered field name' per column: said once above
            warnings.filterwarnings("ignore", "Normalized/laundered field name")
            warnings.filterwarnings("ignore", ".*Column names longer than 10 characters will be truncated")
            tmp = Path(tmpdir) / path.name
            try:
                gdf.to_file(tmp, driver=driver, engine="pyogrio")
            except Exception as exc:  # a full disk is judged before the partial files are removed
                full = _full_disk(path, exc)
                if full is not None:
                    raise full from exc
                raise
            written = [path.with_suffix(part.suffix) for part in Path(tmpdir).iterdir()]
            for part in Path(tmpdir).iterdir():
                os.replace(part, path.with_suffix(part.suffix))
        # a spatial index or .cpg of the file replaced would describe the old features
        for stale in _dataset_files(path):
            if stale.exists() and not any(stale.samefile(w) for w in written):
                stale.unlink()
        return path
    with atomic_output(path, overwrite=overwrite, inputs=inputs) as tmp:
        if driver == "parquet":
            gdf.to_parquet(tmp)
        elif driver == "FlatGeobuf":
            # the packed spatial index reorders features; keep the caller's order
            gdf.to_file(tmp, driver=driver, engine="pyogrio", SPATIAL_INDEX="NO")
        else:
            gdf.to_file(tmp, driver=driver, engine="pyogrio", layer=layer or path.stem)
    return path


def describe(
    source: str | os.PathLike,
    kind: str | None = None,
    *,
    layer=None,
    assume_crs=None,
    encoding: str | None = None,
) -> dict:
    """Read a layer and return what ``kzgeo info`` prints: kind, CRS, counts, bounds, hectares, validity.

    ``layer``, ``assume_crs`` and ``encoding`` are those of :func:`read_layer`. ``crs`` is the CRS the
    layer was read in, ``crs_source`` whether the file ``declared`` it or it was ``assumed``
    (``assume_crs``), ``declared_crs`` the file's own (None when it has none)."""
    from kzgeo.area import _has_area, hectares
    from kzgeo.stats import flatten

    path = Path(source)
    raw = _read_raw(path, kind, layer, encoding)
    declared_crs = raw.crs.to_string() if raw.crs is not None else None
    kind = kind or guess_kind(raw)
    report = ValidationReport()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # repeated ids are reported, not refused: info is where a user looks for what is wrong
        # described wherever it lies; a layer outside Kazakhstan is said to be (the tables refuse it)
        gdf = validate_layer(
            raw, kind, name=str(path), assume_crs=assume_crs, report=report, unique_ids=False, anywhere=True
        )
        read_in = _set_crs(raw, str(path), assume_crs).crs  # the file's own CRS, or the one assumed
    assumed = raw.crs is None or not read_in.equals(raw.crs)
    outside = None
    try:  # in the CRS it was read in, as the tables would say it
        _check_coordinates(
            gdf.to_crs(read_in),
            str(path),
            declared=raw.crs if assumed else True,
            fix="area, coverage, overlap and progress refuse it: check its CRS, or remove the features "
            "that do not belong to it",
        )
    except CRSError as exc:
        outside = str(exc).removeprefix(f"{path}: ")
    try:
        area = hectares(gdf) if _has_area(gdf.geometry.values) else None
    except GeometryError as exc:  # a polygon across the antimeridian: named by its file, not 'hectares'
        raise GeometryError(f"{path}: {str(exc).removeprefix('hectares: ')}") from exc
    footprint = None
    if area is not None and len(gdf) > 1:
        # features that overlap (nested designations) add up to more than the ground they cover
        geoms = np.asarray(gdf.geometry.values, dtype=object)
        a, b = shapely.STRtree(geoms).query(geoms, predicate="intersects")
        a, b = a[a < b], b[a < b]
        shared = shapely.relate_pattern(geoms[a], geoms[b], "T********").any()  # interiors meet
        footprint = float(flatten(gdf)["area_ha"].sum()) if shared else float(area.sum())
    return {
        "source": str(path),
        "kind": kind or "(unknown)",
        # the CRS the layer was read in, whether the file declares it or assume_crs gave it
        "crs": read_in.to_string(),
        "crs_source": "assumed" if assumed else "declared",
        "declared_crs": declared_crs,
        "features": len(raw),
        "geometry_types": ", ".join(sorted(set(raw.geom_type.dropna()))),
        # an empty layer has no bounds: None (JSON null), not NaN, which JSON does not have
        "bounds_wgs84": tuple(round(float(v), 4) for v in gdf.total_bounds) if len(gdf) else None,
        # no polygon: no area (None); an empty layer: 0 ha
        "area_ha": float(area.sum()) if area is not None else (0.0 if not len(gdf) else None),
        # the ground the layer covers, overlaps counted once (area_ha is the features' sum)
        "footprint_ha": footprint
        if footprint is not None
        else (float(area.sum()) if area is not None else None),
        "validity": report.summary(),
        # only for a layer the hectare commands would refuse: why (a wrong CRS, swapped coordinates)
        **({"outside_kazakhstan": outside} if outside is not None else {}),
    }

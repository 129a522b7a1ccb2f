"""Reading and writing layers. The only module (with the CLI) that touches file paths.

``read_layer`` reads GeoPackage, GeoJSON, Shapefile (also zipped), GeoParquet and FlatGeobuf
through pyogrio, validates the layer and returns it in EPSG:4326. Every writer here writes to a
temporary file next to the destination and renames it into place, so a failure never leaves a
half-written output.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError, FeatureError, FieldError

from kzgeo.errors import DataError, KzgeoError, LayerReadError, OutputError, OutputExistsError
from kzgeo.validate import ValidationReport, guess_kind, validate_layer

__all__ = ["FORMATS", "atomic_output", "check_output", "list_layers", "read_layer", "write_layer"]

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


def _check_format(path: Path) -> str:
    suffix = _suffix(path)
    if suffix not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise LayerReadError(
            f"{path}: unknown format {suffix or '(no suffix)'!r}; kzgeo reads and writes {known}"
        )
    return FORMATS[suffix][0]


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


def _zip_folder(path: Path) -> str | Path:
    """What GDAL opens for a zip: the zip itself when its shapefiles lie at its root, else the one folder
    inside it that holds them (downloads often wrap the files in a folder)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.namelist()
    except (zipfile.BadZipFile, OSError):
        return path  # GDAL says what is wrong with it
    folders = sorted({str(Path(m).parent) for m in members if m.lower().endswith(".shp")})
    if not folders or "." in folders:
        return path
    if len(folders) > 1:
        raise LayerReadError(
            f"{path}: holds shapefiles in {len(folders)} folders ({', '.join(folders[:5])}); unzip it and "
            "read the .shp you mean"
        )
    return f"/vsizip/{path}/{folders[0]}"


def _gdal_source(path: Path) -> str | Path:
    return _zip_folder(path) if _suffix(path) == ".zip" else path


def list_layers(source: str | os.PathLike) -> list[str]:
    """Names of the layers in a file (one name for single-layer formats)."""
    path = Path(source)
    if FORMATS.get(_suffix(path), ("",))[0] == "parquet":
        return [path.stem]
    try:
        return [str(name) for name in pyogrio.list_layers(_gdal_source(path))[:, 0]]
    except (DataSourceError, DataLayerError) as exc:
        raise LayerReadError(f"{path}: cannot be read as a vector file ({_reason(exc, path)})") from exc


LAYER_HINT = "(CLI: --layer)"
"""How the commands name a layer of a multi-layer file (``kzgeo map``, reading several, says otherwise)."""


def _pick_layer(path: Path, kind: str | None, layer: str | int | None) -> str | int | None:
    if _suffix(path) not in (".gpkg", ".zip"):
        return layer  # a zip may hold several shapefiles, a GeoPackage several layers
    names = list_layers(path)
    if isinstance(layer, str):
        same = [n for n in names if n.lower() == layer.lower()]  # GDAL matches names in any case
        if not same:
            raise LayerReadError(
                f"{path}: has no layer {layer!r}; its layers: {', '.join(names)} (CLI: --layer NAME)"
            )
        return same[0]
    if layer is not None:
        return layer
    if len(names) == 1:
        return names[0]
    if kind in names:
        return kind
    raise LayerReadError(
        f"{path}: holds {len(names)} layers ({', '.join(names)}); choose one with layer=... {LAYER_HINT}"
    )


def _read_raw(path: Path, kind: str | None, layer) -> gpd.GeoDataFrame:
    if not path.exists():
        raise LayerReadError(f"{path}: no such file; check the path")
    driver = _check_format(path)
    if _suffix(path) == ".shp" and not any(path.with_suffix(s).exists() for s in (".dbf", ".DBF")):
        raise LayerReadError(
            f"{path}: its attribute file {path.with_suffix('.dbf').name} is missing, so every id and name "
            "would be lost; copy a shapefile's .shp, .shx, .dbf and .prj together, or zip them"
        )
    try:
        if driver == "parquet":
            return gpd.read_parquet(path)
        gdf = gpd.read_file(_gdal_source(path), engine="pyogrio", layer=_pick_layer(path, kind, layer))
    except LayerReadError:
        raise
    except (DataSourceError, DataLayerError, OSError, ValueError) as exc:
        raise LayerReadError(
            f"{path}: cannot be read as {FORMATS[_suffix(path)][1]} ({_reason(exc, path)})"
        ) from exc
    # GDAL types small whole numbers of GeoJSON and Shapefiles as 32-bit: the same columns as 64-bit
    # whatever format they came in
    narrow = [c for c in gdf.columns if c != gdf.geometry.name and gdf[c].dtype == "int32"]
    return gdf.astype(dict.fromkeys(narrow, "int64")) if narrow else gdf


def read_layer(
    source: str | os.PathLike | gpd.GeoDataFrame | gpd.GeoSeries,
    kind: str | None = None,
    *,
    layer: str | int | None = None,
    assume_crs=None,
    report: ValidationReport | None = None,
    anywhere: bool = False,
) -> gpd.GeoDataFrame:
    """Read a layer of a given kind, validated and in EPSG:4326.

    Parameters
    ----------
    source : path, GeoDataFrame or GeoSeries
        A GeoPackage, GeoJSON, Shapefile (``.shp`` or ``.zip``), GeoParquet or FlatGeobuf file;
        a GeoDataFrame (or GeoSeries) is validated as it is, its rows numbered anew from 0.
    kind : str, optional
        ``regions``, ``districts``, ``protected_areas``, ``corridors``, ``plots`` or ``landfills``.
        Foreign column names (WDPA, OpenStreetMap, HDX) are renamed onto the kind's schema; ``None``
        validates geometry and CRS only; ``"guess"`` takes the kind from the columns
        (:func:`kzgeo.validate.guess_kind`), or ``None`` when nothing fits.
    layer : str or int, optional
        Layer of a multi-layer file; by default the only layer, or the one named like ``kind``.
    assume_crs : CRS-like, optional
        CRS for a file that declares none.
    report : ValidationReport, optional
        Filled with what validation found and changed.
    anywhere : bool
        The layer may lie outside Kazakhstan (see :func:`kzgeo.validate.validate_layer`).

    Returns
    -------
    GeoDataFrame
        In EPSG:4326, geometries valid, with the kind's id column.

    Raises
    ------
    LayerReadError
        Missing, unreadable or unknown-format file.
    CRSError, GeometryError, SchemaError
        A layer that cannot be used as the kind asked for.

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
        name, raw = "GeoDataFrame", source
    elif not isinstance(source, (str, os.PathLike)):
        raise LayerReadError(
            f"{type(source).__name__} given as a layer: give a file path, a GeoDataFrame or a GeoSeries"
        )
    else:
        name = str(source)
        raw = _read_raw(Path(source), None if kind == "guess" else kind, layer)
    if kind == "guess":
        kind = guess_kind(raw)
    return validate_layer(raw, kind, name=name, assume_crs=assume_crs, report=report, anywhere=anywhere)


def check_output(
    dest: str | os.PathLike, *, overwrite: bool = False, suffixes: tuple[str, ...] | None = None
) -> Path:
    """The output path, once it is known that a file can be written there.

    ``suffixes`` (lower case, e.g. ``(".tif", ".tiff")``), when given, are the only file name endings
    accepted: a GeoTIFF named ``.gpkg`` would be opened by the next tool as what it is not.

    Raises
    ------
    OutputExistsError
        ``dest`` exists and ``overwrite`` is false.
    OutputError
        ``dest`` is a folder, its folder does not exist or is a file, or no file can be created in it
        (tried with an empty temporary file, removed at once); or a suffix not in ``suffixes``.
    """
    path = Path(dest)
    if suffixes is not None and path.suffix.lower() not in suffixes:
        raise OutputError(
            f"{path}: this file is written as {' or '.join(suffixes)}, not {path.suffix or '(no suffix)'!r}; "
            f"name it e.g. {path.with_suffix(suffixes[0]).name}"
        )
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; give a file name inside it, e.g. {path / 'out'}")
    if path.exists() and not overwrite:
        raise OutputExistsError(
            f"{path}: already exists; pass overwrite=True (CLI: --overwrite) to replace it"
        )
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


@contextlib.contextmanager
def atomic_output(
    dest: str | os.PathLike, *, overwrite: bool = False, suffixes: tuple[str, ...] | None = None
) -> Iterator[Path]:
    """Yield a temporary path next to ``dest``; rename it onto ``dest`` when the block succeeds.

    ``dest`` is checked first with :func:`check_output`. On any exception the temporary file is
    removed and ``dest`` is left as it was.
    """
    path = check_output(dest, overwrite=overwrite, suffixes=suffixes)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    os.unlink(tmp)  # writers such as GDAL refuse to write over an existing empty file
    tmp_path = Path(tmp)
    try:
        yield tmp_path
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
) -> Path:
    """Write a layer atomically; the format follows the file suffix.

    Parameters
    ----------
    gdf : GeoDataFrame
        The layer; it must have a CRS.
    dest : path
        ``.gpkg``, ``.geojson``, ``.shp``, ``.parquet`` or ``.fgb``.
    overwrite : bool
        Replace an existing file. Without it an existing ``dest`` raises :class:`OutputExistsError`.
    layer : str, optional
        Layer name inside a GeoPackage (default: the file's stem).

    Returns
    -------
    pathlib.Path
        The path written.
    """
    path = Path(dest)
    driver = _check_format(path)
    if gdf.crs is None:
        raise DataError(f"{path}: the GeoDataFrame has no CRS; set one with gdf.set_crs(...) before writing")
    if _suffix(path) == ".zip":
        raise OutputError(f"{path}: kzgeo does not write zipped Shapefiles; write .shp or .gpkg")
    odd = [c for c in gdf.columns if not isinstance(c, str)]
    if odd:
        raise DataError(f"{path}: column name(s) {odd[:5]} are not text; rename them (gdf.columns = [...])")
    try:
        return _write(gdf, path, driver, overwrite, layer)
    except (DataSourceError, DataLayerError, FeatureError, FieldError, ValueError, TypeError) as exc:
        if isinstance(exc, KzgeoError):
            raise
        raise DataError(
            f"{path}: the layer cannot be written as {FORMATS[_suffix(path)][1]} "
            f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__}); fix the column or geometries "
            "named, or write another format (.gpkg takes the most)"
        ) from exc


def _write(gdf: gpd.GeoDataFrame, path: Path, driver: str, overwrite: bool, layer: str | None) -> Path:
    if driver == "ESRI Shapefile":
        # a Shapefile is several files; write them into a temporary folder, then move each into place
        check_output(path, overwrite=overwrite)
        with tempfile.TemporaryDirectory(dir=path.parent) as tmpdir:
            tmp = Path(tmpdir) / path.name
            gdf.to_file(tmp, driver=driver, engine="pyogrio")
            for part in Path(tmpdir).iterdir():
                os.replace(part, path.with_suffix(part.suffix))
        return path
    with atomic_output(path, overwrite=overwrite) as tmp:
        if driver == "parquet":
            gdf.to_parquet(tmp)
        elif driver == "FlatGeobuf":
            # the packed spatial index reorders features; keep the caller's order
            gdf.to_file(tmp, driver=driver, engine="pyogrio", SPATIAL_INDEX="NO")
        else:
            gdf.to_file(tmp, driver=driver, engine="pyogrio", layer=layer or path.stem)
    return path


def describe(source: str | os.PathLike, kind: str | None = None, *, layer=None, assume_crs=None) -> dict:
    """Read a layer and return what ``kzgeo info`` prints: kind, CRS, counts, bounds, hectares, validity."""
    from kzgeo.area import hectares

    path = Path(source)
    raw = _read_raw(path, kind, layer)
    declared_crs = raw.crs.to_string() if raw.crs is not None else None
    kind = kind or guess_kind(raw)
    report = ValidationReport()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gdf = validate_layer(raw, kind, name=str(path), assume_crs=assume_crs, report=report)
    area = hectares(gdf) if gdf.geom_type.isin(["Polygon", "MultiPolygon"]).any() else None
    return {
        "source": str(path),
        "kind": kind or "(unknown)",
        "crs": declared_crs,
        "features": len(raw),
        "geometry_types": ", ".join(sorted(set(raw.geom_type.dropna()))),
        # an empty layer has no bounds: None (JSON null), not NaN, which JSON does not have
        "bounds_wgs84": tuple(round(float(v), 4) for v in gdf.total_bounds) if len(gdf) else None,
        # no polygon: no area (None); an empty layer: 0 ha
        "area_ha": float(area.sum()) if area is not None else (0.0 if not len(gdf) else None),
        "validity": report.summary(),
    }

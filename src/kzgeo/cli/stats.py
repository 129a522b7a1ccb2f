"""``kzgeo area``, ``kzgeo coverage``, ``kzgeo overlap`` and ``kzgeo progress``: hectare tables.

Each command reads its layers with :func:`kzgeo.io.read_layer` (any supported format) and writes
its table with :func:`~kzgeo.cli._options.emit_table`: CSV, JSON or Markdown by the output's
extension or ``--format``, a readable table on stdout by default.
"""

from __future__ import annotations

from pathlib import Path

import click

from kzgeo.cli._options import (
    NAMES_HELP,
    Command,
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
)

__all__ = ["area", "coverage", "overlap", "progress"]

_source = click.Path(path_type=Path)


def _read(source: Path, kind: str | None, layer: str | None, assume_crs: str | None):
    """Read a polygon layer; without a kind, guess it so its columns get the kind's names (kato, pa_id)."""
    from kzgeo.io import read_layer
    from kzgeo.stats import _need_crs

    gdf = read_layer(source, kind or "guess", layer=layer, assume_crs=assume_crs, encoding=encoding())
    _need_crs(gdf, str(source))
    return gdf


@click.command(
    cls=Command,
    epilog=examples(
        "kzgeo area my_plots.gpkg -o plots_ha.csv",
        "kzgeo area reserves.shp --method mollweide --format markdown",
    ),
)
@click.argument("source", type=_source)
@kind_opt
@layer_opt
@assume_crs_opt
@click.option(
    "--method",
    type=click.Choice(["albers", "mollweide"]),
    default="albers",
    show_default=True,
    help="albers: ellipsoidal (WGS84) hectares; mollweide: ESRI:54009, as global protected-area statistics.",
)
@click.option("--id", "id_column", default=None, help="Column identifying features (default: the kind's id).")
@lang_opt(NAMES_HELP)
@output_opt
@format_opt
@overwrite_opt
def area(source, kind, layer, assume_crs, method, id_column, lang, output, fmt, overwrite) -> None:
    """Hectares of each feature of SOURCE on the WGS84 ellipsoid, whatever its CRS."""
    import pandas as pd

    from kzgeo.area import hectares
    from kzgeo.cli._options import emit_table
    from kzgeo.schemas import feature_ids

    gdf = _read(source, kind, layer, assume_crs)
    ids = feature_ids(gdf, id_column, role=str(source), param="--id")
    table = pd.DataFrame({ids.name: ids.to_numpy()})
    name = name_column(gdf, lang, source)
    if name is not None and ids.name != name:
        table[name] = gdf[name].to_numpy()
    table["area_ha"] = hectares(gdf, method=method)
    if table.empty:
        import warnings

        from kzgeo.errors import KzgeoWarning

        warnings.warn(
            f"{source}: the layer has no features, so the table is empty", KzgeoWarning, stacklevel=2
        )
    emit_table(table, output, fmt, overwrite)


@click.command(
    cls=Command,
    epilog=examples(
        "kzgeo coverage data/regions.gpkg my_reserves.gpkg -o protected_share.csv",
        "kzgeo coverage districts.gpkg plots.gpkg --zone-id kato --format json",
    ),
)
@click.argument("zones", type=_source)
@click.argument("layer", type=_source)
@click.option(
    "--zone-id", default=None, help="Column identifying the zones (default: the kind's id, e.g. kato)."
)
@click.option("--zones-layer", default=None, help="Layer of a multi-layer ZONES file (GeoPackage).")
@click.option("--layer", "layer_name", default=None, help="Layer of a multi-layer LAYER file (GeoPackage).")
@assume_crs_opt
@lang_opt(NAMES_HELP)
@output_opt
@format_opt
@overwrite_opt
def coverage(
    zones, layer, zone_id, zones_layer, layer_name, assume_crs, lang, output, fmt, overwrite
) -> None:
    """Hectares and share of each zone of ZONES covered by LAYER, overlaps counted once.

    Ends with a national total row (zone id "total").
    """
    from kzgeo.cli._options import emit_table
    from kzgeo.stats import TOTAL
    from kzgeo.stats import coverage as compute

    with files_named({"coverage zones": zones, "coverage layer": layer}):
        zone_layer = _read(zones, None, zones_layer, assume_crs)
        table = compute(zone_layer, _read(layer, None, layer_name, assume_crs), zone_id=zone_id)
    name = name_column(zone_layer, lang, zones)
    # the zones' names in kk or ru in place of name_en (after the ids, which stay as they are)
    if name not in (None, "name_en", table.columns[0]):
        # the total row's name in the names' language (its id stays "total")
        total = {"name_kk": "Барлығы", "name_ru": "Итого"}.get(name, TOTAL)
        names = [*zone_layer[name].tolist(), total]
        if "name_en" in table.columns[1:]:
            table.insert(table.columns.get_loc("name_en"), name, names)
            table = table.drop(columns="name_en")
        else:
            table.insert(1, name, names)
    emit_table(table, output, fmt, overwrite)


@click.command(
    cls=Command,
    epilog=examples(
        "kzgeo overlap my_plots.gpkg my_reserves.gpkg -o plots_in_reserves.csv",
    ),
)
@click.argument("left", type=_source)
@click.argument("right", type=_source)
@click.option("--left-id", default=None, help="Id column of LEFT (default: the kind's id, e.g. plot_id).")
@click.option("--right-id", default=None, help="Id column of RIGHT (default: the kind's id, e.g. pa_id).")
@click.option("--left-layer", default=None, help="Layer of a multi-layer LEFT file.")
@click.option("--right-layer", default=None, help="Layer of a multi-layer RIGHT file.")
@click.option(
    "--sliver-pct",
    type=float,
    default=None,
    help="Drop pairs overlapping less than this percent of both features in a strip under 100 m wide "
    "(a digitising sliver) [default: 0.1]; 0 keeps all.",
)
@assume_crs_opt
@output_opt
@format_opt
@overwrite_opt
def overlap(
    left, right, left_id, right_id, left_layer, right_layer, sliver_pct, assume_crs, output, fmt, overwrite
) -> None:
    """Hectares of every overlapping pair of LEFT and RIGHT features (e.g. plots inside reserves).

    Give the same file twice to list the overlaps within one layer.
    """
    from kzgeo.cli._options import emit_table
    from kzgeo.stats import SLIVER_PCT, SLIVER_WIDTH_M, overlap_table

    left_gdf = _read(left, None, left_layer, assume_crs)
    same = left.resolve() == right.resolve() and left_layer == right_layer
    with files_named({"overlap_table left": left, "overlap_table right": right}):
        table = overlap_table(
            left_gdf,
            left_gdf if same else _read(right, None, right_layer, assume_crs),
            left_id=left_id,
            right_id=right_id,
            sliver_pct=SLIVER_PCT if sliver_pct is None else sliver_pct,
        )
    attrs = table.attrs
    dropped = attrs["slivers_dropped"]
    sliver_ha = attrs["sliver_ha"]
    in_all = f"{sliver_ha:,.4f}" if sliver_ha >= 1e-4 else "under 0.0001"
    note(
        f"{len(table)} overlapping pairs"
        + (
            f"; {dropped} sliver(s) dropped, pairs overlapping by less than {attrs['sliver_pct']:g} % of "
            f"both features in strips under {SLIVER_WIDTH_M:g} m wide ({in_all} ha in all; "
            "--sliver-pct 0 keeps them)"
            if dropped
            else ""
        )
    )
    emit_table(table, output, fmt, overwrite)


@click.command(
    cls=Command,
    epilog=examples(
        "kzgeo progress my_plots.gpkg data/regions.gpkg --plan plan.csv -o progress.csv",
    ),
)
@click.argument("plots", type=_source)
@click.argument("regions", type=_source)
@click.option(
    "--plan",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Plan (CSV, or the first sheet of an .xlsx workbook) with columns region, year, seedlings_plan, "
    "ha_plan, or in Russian регион, год, саженцы_план, га_план, or in Kazakh облыс, жыл, көшет_жоспар, "
    "жоспар_га (default: the national 2025 plan).",
)
@click.option("--plots-layer", default=None, help="Layer of a multi-layer PLOTS file.")
@click.option("--regions-layer", default=None, help="Layer of a multi-layer REGIONS file.")
@assume_crs_opt
@lang_opt("Language of the region names: as the regions layer's name_en, name_kk or name_ru.")
@output_opt
@format_opt
@overwrite_opt
def progress(
    plots, regions, plan, plots_layer, regions_layer, assume_crs, lang, output, fmt, overwrite
) -> None:
    """Tree planting of PLOTS per region of REGIONS and year: hectares, seedlings, survival, plan."""
    from kzgeo.cli._options import emit_table
    from kzgeo.stats import planting_progress

    layers = (
        _read(plots, "plots", plots_layer, assume_crs),
        _read(regions, "regions", regions_layer, assume_crs),
    )
    plan_table = None if plan is None else _read_plan(plan)
    roles = {
        "planting_progress plan": plan,
        "planting_progress plots": plots,
        "planting_progress regions": regions,
    }
    with files_named(roles):
        table = planting_progress(*layers, plan=plan_table)
    name = name_column(layers[1], lang, regions)
    if name not in (None, "name_en", "name") and "name_en" in layers[1]:  # the regions named in kk or ru
        from kzgeo.stats import NATIONAL

        local = dict(zip(layers[1]["name_en"], layers[1][name], strict=True))
        local[NATIONAL] = {"kk": "Қазақстан", "ru": "Казахстан"}[lang]
        table["region"] = table["region"].map(lambda r: local.get(r, r))
    emit_table(table, output, fmt, overwrite)


def _read_plan(path: Path):
    """The plan CSV: comma-separated UTF-8, or as Excel saves it in Kazakh and Russian settings
    (semicolons, decimal commas, a byte-order mark)."""
    import io

    import numpy as np
    import pandas as pd

    from kzgeo.errors import DataError, LayerReadError
    from kzgeo.stats import _plan_headers

    if not path.exists():
        raise LayerReadError(f"{path}: no such plan file; check the path given to --plan")
    fix = "save it as CSV UTF-8 or .xlsx with columns region, year, seedlings_plan, ha_plan"
    if path.suffix.lower() in (".xls", ".xlsm", ".xlsb", ".ods"):  # not text: no encoding to speak of
        raise LayerReadError(
            f"{path}: a {path.suffix.lower()} workbook is not read; save it as .xlsx (Excel Workbook) or as "
            "CSV UTF-8 with columns region, year, seedlings_plan, ha_plan"
        )
    if path.suffix.lower() == ".xlsx":  # the plan as the ministry keeps it: the first sheet
        try:
            table = pd.read_excel(path, dtype=str, engine="openpyxl", header=None)
        except Exception as exc:  # openpyxl raises zipfile, KeyError and others for a damaged file
            raise LayerReadError(f"{path}: cannot be read as an Excel plan ({exc}); {fix}") from exc
        return _headed(path, table)
    try:
        raw = path.read_bytes()
        windows = False
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's 'Unicode Text': UTF-16, tabs
            text = raw.decode("utf-16")
        else:
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                text, windows = _windows_1251(path, raw, fix, exc), True
        header = text.split("\n", 1)[0].rstrip("\r")
        sep = max((";", ",", "\t"), key=header.count)  # the first of the most frequent in the header
        if not header.endswith(sep):  # data rows ending in a separator the header lacks: one more field
            n = header.count(sep)
            text = "\n".join(
                line.rstrip("\r")[:-1]
                if line.rstrip("\r").endswith(sep) and line.count(sep) == n + 1
                else line
                for line in text.split("\n")
            )
        semicolons = sep != ","  # Kazakh and Russian settings write ';' (or tabs) and decimal commas
        table = _headed(path, pd.read_csv(io.StringIO(text), sep=sep, dtype=str, header=None))
        if windows:
            _said_windows_1251(path, table)
        if semicolons:  # Kazakh and Russian settings: '336 500 000' and '494 000,5'
            headers = _plan_headers(table.columns)  # the region's names keep their spaces and commas
            for column in [h for c in ("year", "seedlings_plan", "ha_plan") for h in headers[c]]:
                values = table[column].str.replace(r"[\s\u00a0\u202f]", "", regex=True)
                # dots beside a decimal comma, or several, group thousands ('1.000,5', '336.500.000');
                # one before three digits ('1.000') may be a thousands dot or a decimal point: asked
                grouped = values.str.fullmatch(r"[+-]?[1-9]\d{0,2}\.\d{3}", na=False)  # not 0.500
                if grouped.any():
                    row = int(np.flatnonzero(grouped.to_numpy())[0])
                    value = table[column].iloc[row]
                    raise DataError(
                        f"{path}: {column.strip()} {value!r} on row {row + 2}: in a file of semicolons "
                        f"and decimal commas a dot may group thousands or mark decimals; write "
                        f"{value.replace('.', '')} for thousands or {value.replace('.', ',')} for decimals"
                    )
                thousands = values.str.contains(",", regex=False, na=False) | (values.str.count(r"\.") > 1)
                values = values.where(~thousands, values.str.replace(".", "", regex=False))
                table[column] = values.str.replace(",", ".", regex=False)
        return table
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise LayerReadError(
            f"{path}: cannot be read as a CSV plan ({str(exc).splitlines()[0]}); {fix}"
        ) from exc


def _headed(path: Path, table):
    """The plan ``table`` read without a header, with its first row as the header, kept as written
    (pandas would rename a second 'ha_plan' 'ha_plan.1' and leave it out): two naming one column
    are refused."""
    from kzgeo.stats import _plan_headers

    if table.empty:
        return table
    headers = [("" if h is None or h != h else str(h)) for h in table.iloc[0]]  # h != h: a blank cell
    _plan_headers(headers, str(path))
    return table.iloc[1:].set_axis(headers, axis=1).reset_index(drop=True)


_RUSSIAN = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ")
# what else Excel writes in Windows-1251: і (Kazakh as well), Russian settings' no-break space
# grouping thousands ('20 000 000'), '№' and «», the dashes
_WINDOWS_1251 = _RUSSIAN | frozenset("іІ\u00a0№«»–—")


def _windows_1251(path: Path, raw: bytes, fix: str, exc: UnicodeDecodeError) -> str:
    """The text of a plan that is not UTF-8 as Windows-1251 (Excel's plain 'CSV' in Kazakh and Russian
    settings), when that gives Russian letters and the characters of :data:`_WINDOWS_1251` and no
    others: Kazakh software's KZ-1048 or DOS's 866 would give other letters or signs, and are refused."""
    from kzgeo.errors import LayerReadError

    text = raw.decode("cp1251", errors="replace")  # 0x98, undefined there, becomes U+FFFD
    if {c for c in text if not c.isascii()} - _WINDOWS_1251:
        raise LayerReadError(
            f"{path}: is not UTF-8 text, nor Russian in Windows-1251 (Excel's plain 'CSV'); {fix}"
        ) from exc
    return text


def _said_windows_1251(path: Path, table) -> None:
    """Warn that a plan was read as Windows-1251; refuse it when its headers or region names hold a
    '?' beside a Cyrillic letter, a Kazakh letter Excel could not write in that code page (no region is
    so named; a '?' in a note is left alone)."""
    import re
    import warnings

    from kzgeo.errors import KzgeoWarning, LayerReadError
    from kzgeo.stats import _plan_headers

    cells = [(1, str(h)) for h in table.columns]  # the header is row 1
    for column in _plan_headers(table.columns)["region"]:
        cells += [(i + 2, v) for i, v in enumerate(table[column]) if isinstance(v, str)]
    lost = [(row, value) for row, value in cells if re.search(r"[а-яёі]\?|\?[а-яёі]", value, re.IGNORECASE)]
    if lost:
        (row, value), more = lost[0], len(lost) - 1
        raise LayerReadError(
            f"{path}: is Windows-1251 text (Excel's plain 'CSV'), which has no Kazakh letters: they were "
            f"written as '?' in {value!r} (row {row})"
            + (f" and {more} more name{'s' * (more > 1)}" if more else "")
            + "; save the plan as CSV UTF-8"
        )
    warnings.warn(
        f"{path}: is not UTF-8 text and was read as Windows-1251 (Excel's plain 'CSV' in Kazakh and Russian "
        "settings), which has no Kazakh letters ә, ғ, қ, ң, ө, ұ, ү, һ; to name regions in Kazakh, save the "
        "plan as CSV UTF-8",
        KzgeoWarning,
        stacklevel=2,
    )

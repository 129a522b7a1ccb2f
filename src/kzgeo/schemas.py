"""Layer kinds: the columns each kind of layer carries, and how foreign files map onto them.

Each kind has an id column (unique per feature), a set of named columns with units in their
names, and the geometry types it accepts. :func:`kzgeo.read_layer` renames the columns of
WDPA, OpenStreetMap, geoBoundaries and HDX/geokz files onto these names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["KIND_NAMES", "LAYER_KINDS", "LayerKind", "get_kind"]

POLYGONAL = ("Polygon", "MultiPolygon")
PUNCTUAL = ("Point", "MultiPoint")
GENERIC_IDS = frozenset({"id", "@id", "osm_id"})
"""Id columns (lower case) that exports of any kind carry (OpenStreetMap regions have an ``osm_id``
too): renamed onto a kind's id column, but no sign of which kind a layer is."""


def column_named(columns, name):
    """The column of ``columns`` called ``name``, in any case (``PLOT_ID`` for ``plot_id``) when only
    one column is called so; ``name`` itself when none or several are (for the caller to refuse)."""
    if name in columns or not isinstance(name, str):
        return name
    same = [c for c in columns if isinstance(c, str) and c.casefold() == name.casefold()]
    return same[0] if len(same) == 1 else name


@dataclass(frozen=True)
class LayerKind:
    """The schema of one kind of layer.

    Attributes
    ----------
    name : str
        The kind's name, as passed to ``read_layer(kind=...)``.
    id_column : str
        Column that identifies a feature; must be unique. Generated as 1..n when the source has none.
    columns : dict
        Column name -> description (units in the name where there are units).
    geometry_types : tuple of str
        Geometry types accepted, after repair.
    renames : dict
        Foreign column name (case-insensitive) -> schema column.
    """

    name: str
    id_column: str
    columns: dict[str, str]
    geometry_types: tuple[str, ...] = POLYGONAL
    renames: dict[str, str] = field(default_factory=dict)
    description: str = ""

    @property
    def id_names(self) -> tuple[str, ...]:
        """Column names (lower case) that mark a layer as of this kind: the id column, as a Shapefile
        cuts it to 10 characters, and the foreign ids renamed onto it that only this kind's sources
        carry (``WDPAID``, ``asset_id``; not the ``id`` or ``osm_id`` of any export)."""
        foreign = [f.lower() for f, ours in self.renames.items() if ours == self.id_column]
        names = [self.id_column, self.id_column[:10], *foreign]
        return tuple(dict.fromkeys(n for n in names if n not in GENERIC_IDS))


_NAMES = {
    "name_en": "name in English",
    "name_kk": "name in Kazakh (Cyrillic)",
    "name_ru": "name in Russian",
}

LAYER_KINDS: dict[str, LayerKind] = {
    kind.name: kind
    for kind in (
        LayerKind(
            name="regions",
            id_column="kato",
            description="first-level administrative units (17 regions and 3 cities of republican status)",
            columns={
                "kato": "KATO code of the unit (classifier of administrative-territorial objects)",
                **_NAMES,
                "iso_3166_2": "ISO 3166-2 code, e.g. KZ-AKM",
            },
            renames={
                "KATO": "kato",
                "ADM1_EN": "name_en",
                "ADM1_KK": "name_kk",
                "ADM1_RU": "name_ru",
                "ADM1_PCODE": "pcode",
                "ISO_3166_2": "iso_3166_2",
                "shapeName": "name_en",
                "shapeISO": "iso_3166_2",
                "name:en": "name_en",  # before OSM's local name, which in Kazakhstan is Kazakh or Russian
                "name": "name_en",
                "name:kk": "name_kk",
                "name:ru": "name_ru",
            },
        ),
        LayerKind(
            name="districts",
            id_column="kato",
            description="second-level units (districts and cities of regional status)",
            columns={
                "kato": "KATO code of the district",
                **_NAMES,
                "region_en": "name of the region in English",
                "region_kato": "KATO code of the region",
            },
            renames={
                "KATO": "kato",
                "ADM2_EN": "name_en",
                "ADM2_KK": "name_kk",
                "ADM2_RU": "name_ru",
                "ADM2_PCODE": "pcode",
                "ADM1_EN": "region_en",
                "ADM1_PCODE": "region_pcode",
                "shapeName": "name_en",
                "name:en": "name_en",  # before OSM's local name, which in Kazakhstan is Kazakh or Russian
                "name": "name_en",
                "name:kk": "name_kk",
                "name:ru": "name_ru",
            },
        ),
        LayerKind(
            name="protected_areas",
            id_column="pa_id",
            description="specially protected natural areas (reserves, national parks, sanctuaries)",
            columns={
                "pa_id": "identifier (WDPA id, OSM id, or 1..n)",
                "name": "name",
                **_NAMES,
                "designation": "designation, e.g. State Nature Reserve",
                "iucn_cat": "IUCN management category (Ia, Ib, II ... VI)",
                "year": "year of establishment",
                "official_area_ha": "area in the founding act, hectares",
                "area_source": "where official_area_ha comes from (and whether it was checked)",
                "geometry_source": "'official', 'osm', 'wdpa' or 'illustrative'",
            },
            renames={
                "WDPAID": "pa_id",
                "WDPA_PID": "pa_id",
                "NAME": "name",
                "ORIG_NAME": "name_local",
                "DESIG_ENG": "designation",
                "DESIG": "designation_local",
                "IUCN_CAT": "iucn_cat",
                "STATUS_YR": "year",
                "official_a": "official_area_ha",
                "geometry_s": "geometry_source",
                "osm_id": "pa_id",
                # Overpass GeoJSON (osmtogeojson): "relation/111"
                "@id": "pa_id",
                "id": "pa_id",
                "name:en": "name_en",
                "name:kk": "name_kk",
                "name:ru": "name_ru",
                "protect_class": "iucn_cat",
                "protection_title": "designation",
            },
        ),
        LayerKind(
            name="corridors",
            id_column="corridor_id",
            description="ecological corridors linking protected areas along migration routes",
            columns={
                "corridor_id": "identifier",
                "name": "name",
                **_NAMES,
                "year": "year of establishment",
                "official_area_ha": "declared area, hectares",
                "geometry_source": "'official' or 'illustrative'",
            },
            renames={"NAME": "name", "name:en": "name_en", "name:kk": "name_kk", "name:ru": "name_ru"},
        ),
        LayerKind(
            name="plots",
            id_column="plot_id",
            description="tree-planting plots",
            columns={
                "plot_id": "identifier",
                "region": "region (English name)",
                "year": "planting year",
                "species": "main species planted",
                "seedlings": "number of seedlings planted",
                "planter": "who planted: forestry institution, akimat or company",
                "declared_ha": "area declared by the planter, hectares",
                "survival_pct": "share of seedlings alive at the last count, percent (may be missing)",
                "geometry_source": "'surveyed' or 'illustrative'",
            },
            renames={
                "id": "plot_id",
                "area_ha": "declared_ha",
                "survival": "survival_pct",
                # Shapefile field names are cut to 10 characters
                "declared_h": "declared_ha",
                "survival_p": "survival_pct",
                "geometry_s": "geometry_source",
            },
        ),
        LayerKind(
            name="landfills",
            id_column="landfill_id",
            description="authorised waste disposal sites, as points or boundary polygons",
            columns={
                "landfill_id": "identifier",
                "name": "name",
                "permitted_ha": "permitted area, hectares (polygons)",
                "source": "where the record comes from",
            },
            geometry_types=POLYGONAL + PUNCTUAL,
            renames={"asset_id": "landfill_id", "asset_name": "name", "name:en": "name_en"},
        ),
    )
}

KIND_NAMES = tuple(LAYER_KINDS)

# OSM protect_class -> IUCN category (https://wiki.openstreetmap.org/wiki/Key:protect_class)
OSM_PROTECT_CLASS_TO_IUCN = {
    "1a": "Ia",
    "1b": "Ib",
    "1": "Ia",
    "2": "II",
    "3": "III",
    "4": "IV",
    "5": "V",
    "6": "VI",
}


def get_kind(kind: str) -> LayerKind:
    """Return the schema of ``kind``, or raise a :class:`~kzgeo.errors.DataError` listing the kinds."""
    from kzgeo.errors import DataError

    try:
        return LAYER_KINDS[kind]
    except KeyError:
        raise DataError(f"unknown layer kind {kind!r}; use one of: {', '.join(KIND_NAMES)}") from None


def feature_ids(gdf, given: str | None, *, role: str, param: str, also: tuple[str, ...] = ()):
    """The ids of a layer's features as a Series: the column ``given`` (in any case), else the layer's
    own kind's id column (its ``kzgeo_kind`` attribute, set by :func:`kzgeo.validate_layer`), else the
    first kind's id column it has (or ``site_id``), else a column of ``also`` or ``id`` as written,
    else the index. A SchemaError naming ``role`` (the layer) and ``param`` (the parameter that names
    the column) when they are missing, empty or repeat."""
    import pandas as pd

    from kzgeo.errors import SchemaError

    if given is not None:
        given = column_named(gdf.columns, given)
        renamed = {k.casefold(): v for k, v in gdf.attrs.get("kzgeo_renamed", {}).items()}
        if given not in gdf.columns and isinstance(given, str) and given.casefold() in renamed:
            given = renamed[given.casefold()]  # shapeName, read as name_en (kzgeo.validate_layer)
        if given not in gdf.columns:
            raise SchemaError(
                f"{role}: no column {given!r}; the columns are {', '.join(map(str, gdf.columns))}; "
                f"pass {param}= naming one of them"
            )
        ids = gdf[given]
    else:
        kind = LAYER_KINDS.get(gdf.attrs.get("kzgeo_kind"))
        own = (kind.id_column,) if kind is not None else ()
        # a kind's id column in any case: KATO is kato, PLOT_ID plot_id (numbering by position would
        # hide it) ... but zone_id and id only as written: ArcGIS gives every Shapefile an Id of zeros
        kinds = (*own, *dict.fromkeys(k.id_column for k in LAYER_KINDS.values()), "site_id")
        named = [column_named(gdf.columns, c) for c in kinds]
        found = next((c for c in (*named, *also, "id") if c in gdf.columns), None)
        if found is not None:
            ids = gdf[found]
        elif isinstance(gdf.index, pd.MultiIndex):
            raise SchemaError(
                f"{role}: no id column, and the index has {gdf.index.nlevels} levels; pass {param}= naming "
                "a column, or reset_index() to make the levels columns"
            )
        else:
            ids = pd.Series(gdf.index, index=gdf.index, name=gdf.index.name or (also or ("id",))[0])
            if ids.duplicated().any():
                raise SchemaError(
                    f"{role}: no id column, and the index repeats {_shown(ids[ids.duplicated()].iloc[0])}; "
                    f"pass {param}= naming a unique column, or reset_index(drop=True) to number the features"
                )
    if ids.isna().any():  # a feature without an id would be a row no one can name
        raise SchemaError(
            f"{role}: id column {ids.name!r} is empty for {int(ids.isna().sum())} of {len(ids)} feature(s); "
            f"fill in the ids or pass {param}= naming a complete, unique column"
        )
    repeated = ids[ids.duplicated()].unique()
    if len(repeated):
        from kzgeo.validate import _show_ids  # imports this module

        values = _show_ids(repeated, lambda v: repr(_shown(v)))
        what = f"the value {values}" if len(repeated) == 1 else f"{len(repeated)} values ({values})"
        raise SchemaError(
            f"{role}: id column {ids.name!r} repeats {what}; make the ids unique or pass {param}= naming a "
            "unique column"
        )
    return ids


def _shown(value):
    """A value as a person reads it: 111, not np.int64(111)."""
    import numpy as np

    return value.item() if isinstance(value, np.generic) else value

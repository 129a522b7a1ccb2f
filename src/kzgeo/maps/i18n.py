"""Map labels in Kazakh, Russian and English, and numbers written the way each language writes them.

The strings live in ``kzgeo/locales/<lang>.json`` so that translators edit data, not code.
"""

from __future__ import annotations

import json
import math
from functools import cache
from importlib import resources

from kzgeo.errors import DataError

__all__ = ["LANGS", "check_lang", "fmt_number", "labels"]

LANGS = ("kk", "ru", "en")

# thousands separator and decimal mark; Kazakh and Russian use a (narrow no-break) space and a comma
_SEPARATORS = {"en": (",", "."), "ru": ("\u202f", ","), "kk": ("\u202f", ",")}


def check_lang(lang: str) -> str:
    """Return ``lang`` if kzgeo has labels for it, else raise :class:`DataError`."""
    if lang not in LANGS:
        kazakh = " (Kazakh is 'kk', its ISO 639-1 code)" if str(lang).strip().lower() in ("kz", "kaz") else ""
        raise DataError(f"language {lang!r} is not available; use one of: {', '.join(LANGS)}{kazakh}")
    return lang


@cache
def labels(lang: str) -> dict[str, str]:
    """The map's labels in ``lang`` (``kk``, ``ru`` or ``en``)."""
    text = resources.files("kzgeo").joinpath("locales", f"{check_lang(lang)}.json").read_text("utf-8")
    return json.loads(text)


def fmt_number(value, lang: str, digits: int = 1) -> str:
    """Write a number with the thousands separator and decimal mark of ``lang``.

    Missing values (``None``, ``nan``) give the language's "no data".

    Examples
    --------
    >>> fmt_number(1234567.891, "en")
    '1,234,567.9'
    >>> fmt_number(1234.5, "ru", 2)
    '1\\u202f234,50'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return labels(lang)["no_data"]
    thousands, decimal = _SEPARATORS[lang]
    text = f"{float(value):,.{digits}f}"
    return text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)

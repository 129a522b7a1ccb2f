"""The exception and warning hierarchy of kzgeo.

Every error kzgeo raises derives from :class:`KzgeoError`; each subclass also derives from the
matching built-in exception, so ``except ValueError`` or ``except OSError`` keeps working.
Messages name the input, the problem and the fix, on one line.
"""

from __future__ import annotations

__all__ = [
    "CRSError",
    "DataError",
    "GeometryError",
    "KzgeoError",
    "KzgeoWarning",
    "LayerReadError",
    "OutputError",
    "OutputExistsError",
    "RasterError",
    "RepairWarning",
    "SchemaError",
]


class KzgeoError(Exception):
    """Root of every error kzgeo raises."""


class DataError(KzgeoError, ValueError):
    """The input data are unusable as given (wrong values, wrong shape, wrong kind)."""


class SchemaError(DataError):
    """A layer lacks a column its kind requires, or has duplicate ids."""


class GeometryError(DataError):
    """Geometries of the wrong type, or that cannot be repaired."""


class CRSError(DataError):
    """A missing coordinate reference system, or coordinates that cannot be in the declared one."""


class LayerReadError(KzgeoError, OSError):
    """A file that is missing, unreadable or of an unknown format."""


class OutputExistsError(KzgeoError, FileExistsError):
    """An output file exists and ``overwrite`` was not asked for."""


class OutputError(KzgeoError, OSError):
    """An output file cannot be written where it was asked for (no such folder, no permission)."""


class RasterError(KzgeoError, ValueError):
    """A raster without georeferencing, without the bands asked for, or otherwise unusable."""


class KzgeoWarning(UserWarning):
    """Root of kzgeo's warnings."""


class RepairWarning(KzgeoWarning):
    """Input was repaired or features were dropped; the message gives counts, ids and hectares."""


def warn_caller(message: str, category: type[Warning] = KzgeoWarning) -> None:
    """Warn as from the line that called kzgeo (the user's script or notebook cell), however deep in
    kzgeo the warning is raised, and through libraries that call back into kzgeo (exactextract)."""
    import os
    import sys
    import warnings

    package = os.path.dirname(__file__) + os.sep
    frame, level, outermost = sys._getframe(1), 2, 2  # level 1 is this function, 2 its caller
    while frame is not None:
        if frame.f_code.co_filename.startswith(package):
            outermost = level
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=outermost + 1)

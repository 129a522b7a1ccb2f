"""Fixtures shared by the test modules."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
ADMIN = DATA / "admin"


@pytest.fixture
def admin_dir() -> Path:
    """Folder with the real Kazakhstan boundary files (see tests/data/admin/PROVENANCE.md)."""
    return ADMIN

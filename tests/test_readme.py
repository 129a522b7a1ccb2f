"""The README's Python examples run as written and print what the README shows."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_examples(tmp_path, monkeypatch):
    pytest.importorskip("earthlib")

    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 4
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    names: dict = {}
    for i, block in enumerate(blocks):  # one session: later blocks use names made by earlier ones
        test = parser.get_doctest(block, names, f"README.md python block {i + 1}", str(README), 0)
        runner.run(test, clear_globs=False)
        names = test.globs
    failed, attempted = runner.summarize(verbose=False)
    assert attempted >= 15 and failed == 0, (
        f"{failed} of {attempted} README examples fail (see the output above)"
    )


def test_submodules_named_in_the_readme_are_attributes_of_kzgeo():
    import subprocess
    import sys

    code = (
        "import kzgeo; "
        "print(len(kzgeo.schemas.LAYER_KINDS), kzgeo.dumps.Thresholds.__name__, kzgeo.maps.make_map.__name__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["6", "Thresholds", "make_map"]

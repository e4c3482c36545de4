"""Where the generated reports (the fault matrix, the soak) go.

A test run leaves the working tree as it found it, so by default a report is written to the run's
temporary directory (pytest's basetemp; the path is printed). ``UPDATE_DOCS=1`` writes it to ``docs/``
instead, the explicit way to refresh the committed copies (see README.md, Tests).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def write_report(name: str, text: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Write ``text`` to ``docs/<name>`` under UPDATE_DOCS=1, else to the run's temporary directory."""
    target = DOCS / name if os.environ.get("UPDATE_DOCS") == "1" else tmp_path_factory.getbasetemp() / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    print(f"\n{name} written to {target}")
    return target

"""The README's configuration table, parsed: the list of variables the deploy files are checked against."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


@dataclass(frozen=True)
class Variable:
    name: str
    needed: str  # the table's "needed" column: "always", "HTTP mode", "no", ...
    meaning: str


def readme_variables() -> dict[str, Variable]:
    """Every row of the table whose header is ``| variable | needed | meaning |``, by name."""
    lines = README.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(r"^\|\s*variable\s*\|\s*needed\s*\|", line))
    variables: dict[str, Variable] = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        name = cells[0].strip("`")
        variables[name] = Variable(name, cells[1], " | ".join(cells[2:]))
    assert variables, "README.md has no configuration table"
    return variables

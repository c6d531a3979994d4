"""Print the project's dependencies, plus the extras named as arguments.

``make venv`` installs exactly these with the ``dev`` extras, the Dockerfile
the runtime ones. The project itself is never installed: it runs from the
repository root, and our top-level package names also exist on PyPI.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def requirements(extras: tuple[str, ...] = ()) -> list[str]:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    found = list(project["dependencies"])
    for extra in extras:
        found += project.get("optional-dependencies", {}).get(extra, [])
    return found


if __name__ == "__main__":
    sys.stdout.write("".join(f"{line}\n" for line in requirements(tuple(sys.argv[1:]))))

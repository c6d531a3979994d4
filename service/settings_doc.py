"""README's table of environment variables, made from ``Settings``.

``python -m service.settings_doc --write`` rewrites the table in README.md
from the fields' names, defaults and descriptions; without ``--write`` it
prints it. ``tests/test_settings.py`` fails when README and the class differ.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from pydantic import AliasChoices
from pydantic.fields import FieldInfo

from service.settings import REPO_ROOT, Settings

README = REPO_ROOT / "README.md"
HEADER = "| Variable | Default | Meaning |\n| --- | --- | --- |\n"


def variable_names(field: FieldInfo) -> list[str]:
    """The environment variables a field is read from, in order of precedence."""
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return [str(choice) for choice in alias.choices]
    return [str(alias)]


def _shown(field: FieldInfo) -> str:
    extra = field.json_schema_extra
    if isinstance(extra, dict) and "shown_default" in extra:
        return str(extra["shown_default"])
    value: Any = field.default
    if isinstance(value, bool):
        return "on" if value else "off"
    if value is None:
        return "unset"
    if value == ():
        return "none"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"`{value}`"


def markdown_table() -> str:
    rows = [
        f"| {' / '.join(f'`{name}`' for name in variable_names(field))} "
        f"| {_shown(field)} | {field.description} |\n"
        for field in Settings.model_fields.values()
    ]
    return HEADER + "".join(rows)


def readme_table(text: str) -> str:
    """The table as README has it: from its header to the first blank line."""
    start = text.index(HEADER)
    return text[start : text.index("\n\n", start) + 1]


def main(argv: list[str]) -> int:
    table = markdown_table()
    if argv != ["--write"]:
        sys.stdout.write(table)
        return 0
    text = README.read_text(encoding="utf-8")
    Path(README).write_text(text.replace(readme_table(text), table), encoding="utf-8")
    print(f"Wrote the table of variables in {README.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

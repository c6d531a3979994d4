"""What the client selected below the field being resolved."""

from __future__ import annotations

from strawberry.types.nodes import SelectedField, Selection

from schema.context import Info


def _reaches(selections: list[Selection], path: tuple[str, ...]) -> bool:
    for selection in selections:
        if not isinstance(selection, SelectedField):
            # A fragment: look through it.
            if _reaches(selection.selections, path):
                return True
        elif selection.name == path[0] and (
            len(path) == 1 or _reaches(selection.selections, path[1:])
        ):
            return True
    return False


def selects(info: Info, *path: str) -> bool:
    """Whether the client's selection of this field reaches ``path`` (field
    names, through fragments too): a mass action loads its entries only for
    ``results { entry }``."""
    return any(_reaches(field.selections, path) for field in info.selected_fields)

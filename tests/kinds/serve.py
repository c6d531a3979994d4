"""``python -m tests.kinds.serve [uvicorn options]``: the app with the
tests' LOYALTY kind registered, served by uvicorn like ``service.app``.

The one registry line a kind needs, made here instead of in
``domain/kinds/builtin.py``, so production never has the kind.
"""

from __future__ import annotations

import sys

import uvicorn

from domain.kinds import registry


def main() -> None:
    registry.register("LOYALTY", "tests.kinds.loyalty")
    sys.argv = ["uvicorn", "service.app:create_app", "--factory", *sys.argv[1:]]
    uvicorn.main()


if __name__ == "__main__":
    main()

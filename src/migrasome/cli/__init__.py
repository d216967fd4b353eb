"""`migrasome simulate | presets | perturbations | shape | render | analyze | compare | report`.

Each command lives in its own module and registers itself on the shared ``app``; heavy
imports happen inside the commands so that ``migrasome --help`` stays fast.
"""

from ._app import app
from . import simulate, shape, render, analyze  # noqa: F401  (register commands)
from . import sweep  # noqa: F401,E402  (register the sweep command)

__all__ = ["app", "main"]


def main() -> None:
    app()

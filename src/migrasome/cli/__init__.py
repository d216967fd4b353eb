"""`migrasome simulate | presets | perturbations | shape | render | analyze | compare | report`.

Each command lives in its own module and registers itself on the shared ``app``; heavy
imports happen inside the commands so that ``migrasome --help`` stays fast.
"""

from . import (  # noqa: F401  (each registers its commands)
    analyze,
    calibrate,
    export,
    markers,
    render,
    shape,
    simulate,
    sweep,
)
from ._app import app

__all__ = ["app", "main"]


def main() -> None:
    app()

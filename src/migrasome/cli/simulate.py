"""`migrasome simulate`, `presets`, `perturbations`."""

from ._app import app  # noqa: F401

"""`migrasome render`."""

from ._app import app  # noqa: F401

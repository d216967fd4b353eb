"""Optional dependencies: a clear message naming the extra to install when one is missing."""

from __future__ import annotations

from importlib.util import find_spec

__all__ = ["MissingExtraError", "require"]

#: What each extra brings (pyproject.toml [project.optional-dependencies]).
EXTRAS = {"imaging": ("tifffile", "zarr"), "analysis": ("skimage", "skan", "tifffile", "zarr")}


class MissingExtraError(ImportError):
    """An optional dependency is not installed."""


def require(extra: str, *modules: str) -> None:
    """Raise ``MissingExtraError`` unless ``modules`` (default: all of ``extra``) import."""
    missing = [m for m in (modules or EXTRAS[extra]) if find_spec(m) is None]
    if missing:
        names = {"skimage": "scikit-image"}
        raise MissingExtraError(
            f"this needs {', '.join(names.get(m, m) for m in missing)}, from the "
            f"'{extra}' extra: pip install \"migrasome[{extra}]\"")

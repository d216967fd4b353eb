"""Optional dependencies: a clear message naming the extra to install when one is missing.

Owns which modules each extra of ``pyproject.toml`` brings and the check that lazy imports
of heavy dependencies go through.
"""

from __future__ import annotations

from importlib.util import find_spec

__all__ = ["MissingExtraError", "require"]

#: What each extra brings (pyproject.toml [project.optional-dependencies]).
EXTRAS = {"imaging": ("tifffile", "zarr"), "analysis": ("skimage", "skan", "tifffile", "zarr")}


class MissingExtraError(ImportError):
    """An optional dependency is not installed; the message names the extra to install."""


def require(extra: str, *modules: str) -> None:
    """Raise ``MissingExtraError`` unless ``modules`` (default: all of ``extra``) import.

    Parameters
    ----------
    extra : str
        The extra that brings them (``"imaging"``, ``"analysis"``).
    *modules : str
        Import names to check; none: every module of ``extra``.

    Raises
    ------
    MissingExtraError
        Naming the missing distributions and the ``pip install "migrasome[extra]"`` command.
    KeyError
        If no modules are given and ``extra`` is unknown.

    Examples
    --------
    >>> require("imaging", "numpy")
    >>> require("imaging", "no_such_module")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    migrasome.extras.MissingExtraError: this needs no_such_module, from the 'imaging' extra: ...
    """
    missing = [m for m in (modules or EXTRAS[extra]) if find_spec(m) is None]
    if missing:
        names = {"skimage": "scikit-image"}
        raise MissingExtraError(
            f"this needs {', '.join(names.get(m, m) for m in missing)}, from the "
            f"'{extra}' extra: pip install \"migrasome[{extra}]\"")

"""The package's own warning class, at the bottom of the layers so every module may use it.

Every warning the package issues derives from :class:`MigrasomeWarning`; the test suite turns
them into errors (``filterwarnings`` in ``pyproject.toml``), so a test that triggers one
without expecting it fails.
"""

__all__ = ["MigrasomeWarning"]


class MigrasomeWarning(UserWarning):
    """A warning issued by migrasome."""

"""Integer codes of the simulation's states, and their labels in the tables.

The one home of these codes: the engine and its mechanism modules store them in integer
columns, the recorder turns them into the labels written to the tables.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["Stage", "Fate", "SiteType", "labels"]


class Stage(IntEnum):
    """Where a site is in biogenesis (MODEL.md §4).

    ``ABORTED`` sites never became migrasomes; ``GONE`` ones ended (broke down, ruptured or
    were taken up).

    Examples
    --------
    >>> Stage.EXPANDING > Stage.MATURING, int(Stage.RELEASED)
    (True, 4)
    """

    ABORTED = -1
    NUCLEATING = 0
    MATURING = 1
    EXPANDING = 2
    FULL = 3
    RELEASED = 4
    GONE = 5


class Fate(IntEnum):
    """How a site ended; ``PRESENT`` while it has not."""

    PRESENT = 0
    BREAKDOWN = 1
    RUPTURE = 2
    UPTAKE = 3
    ABORTED = 4


class SiteType(IntEnum):
    """Where on the RF network a site sits: an RF tip (its adhesion) or a branch point."""

    TIP = 0
    BRANCH = 1


def labels(code: type[IntEnum]) -> dict[int, str]:
    """``{value: lower-case name}``, the labels written to the tables.

    Parameters
    ----------
    code : type[IntEnum]
        One of the code enums (:class:`Stage`, :class:`Fate`, :class:`SiteType`).

    Returns
    -------
    dict of int to str
        Each member's value and its lower-case name.

    Examples
    --------
    >>> labels(Fate)[2]
    'rupture'
    >>> labels(SiteType)
    {0: 'tip', 1: 'branch'}
    """
    return {int(m): m.name.lower() for m in code}

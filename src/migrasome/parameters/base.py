"""The building blocks of every parameter: a value with its unit, bounds and source.

Also the one place where a dotted parameter path (``"cells.n_cells"``) is read or written,
and the error every bad scenario input raises.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = ["param", "Section", "sources_table", "ScenarioError", "get_path", "set_path",
           "explain_validation"]


class ScenarioError(ValueError):
    """A scenario, preset or perturbation that cannot be used, with what is allowed.

    A ``ValueError``; its message names the field or file, the value and what is allowed.
    """


def param(default: Any, source: str, *, unit: str = "", description: str = "", **bounds: Any):
    """A validated parameter: a pydantic field that carries its unit and source.

    Parameters
    ----------
    default : Any
        The default value.
    source : str
        A literature reference ("Wu 2017 J Cell Biol, fig") or ``"assumed: <reason>"``.
    unit : str
        Unit text, for tables and docs (the field name carries it too).
    description : str
        Longer description, for tables and docs.
    **bounds
        ``ge``, ``gt``, ``le``, ``lt`` as in ``pydantic.Field``.

    Returns
    -------
    pydantic.fields.FieldInfo
        The field, with ``source`` and ``unit`` in its ``json_schema_extra``.

    Raises
    ------
    ValueError
        If ``source`` is empty.

    Examples
    --------
    >>> class Dish(Section):
    ...     width_um: float = param(800.0, "assumed: a sparse dish region", unit="µm", gt=0)
    >>> Dish().width_um, sources_table(Dish())[0]["unit"]
    (800.0, 'µm')
    """
    if not source:
        raise ValueError("every parameter needs a source (or 'assumed: reason')")
    return Field(default, description=description,
                 json_schema_extra={"source": source, "unit": unit}, **bounds)


class Section(BaseModel):
    """A group of parameters; unknown keys are an error, assignments are validated.

    Subclasses declare their parameters with :func:`param`; each field's unit and source are
    in its metadata (see :func:`sources_table`).
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def sources_table(model: BaseModel, prefix: str = "") -> list[dict[str, Any]]:
    """Rows (path, value, unit, source, description) for every parameter of ``model``.

    Parameters
    ----------
    model : pydantic.BaseModel
        A section or a whole scenario; nested sections are walked.
    prefix : str
        Prepended to every path (used for the nesting).

    Returns
    -------
    list of dict
        One dict per parameter with keys ``path`` (dotted), ``value``, ``unit``, ``source``,
        ``description``.

    Examples
    --------
    >>> from migrasome.parameters import RunParams
    >>> row = sources_table(RunParams())[0]
    >>> row["path"], row["value"], row["unit"]
    ('hours', 12.0, 'h')
    """
    rows = []
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        path = f"{prefix}{name}"
        if isinstance(value, BaseModel):
            rows += sources_table(value, prefix=f"{path}.")
            continue
        extra = info.json_schema_extra or {}
        rows.append({"path": path, "value": value, "unit": extra.get("unit", ""),
                     "source": extra.get("source", ""), "description": info.description or ""})
    return rows


def set_path(data: dict, path: str, value: Any) -> None:
    """Set the dotted ``path`` (e.g. ``"cells.n_cells"``) in a scenario dict, in place.

    Parameters
    ----------
    data : dict
        A scenario as nested dicts (``Scenario.model_dump()``).
    path : str
        Dotted field path; every key must exist already.
    value : Any
        The new value (validated later, when the dict becomes a scenario).

    Raises
    ------
    ScenarioError
        If the path does not name a field.

    Examples
    --------
    >>> d = {"cells": {"n_cells": 30}}
    >>> set_path(d, "cells.n_cells", 100)
    >>> d
    {'cells': {'n_cells': 100}}
    """
    keys = path.split(".")
    node = data
    for k in keys[:-1]:
        if not isinstance(node, dict) or k not in node:
            raise ScenarioError(f"unknown scenario field {path!r}")
        node = node[k]
    if keys[-1] not in node:
        raise ScenarioError(f"unknown scenario field {path!r}")
    node[keys[-1]] = value


def get_path(data: dict, path: str) -> Any:
    """The value at the dotted ``path`` of a scenario dict.

    Parameters
    ----------
    data : dict
        A scenario as nested dicts.
    path : str
        Dotted field path.

    Returns
    -------
    Any
        The value (a nested dict for a section).

    Raises
    ------
    ScenarioError
        If the path does not name a field.

    Examples
    --------
    >>> get_path({"cells": {"n_cells": 30}}, "cells.n_cells")
    30
    """
    node = data
    for k in path.split("."):
        if not isinstance(node, dict) or k not in node:
            raise ScenarioError(f"unknown scenario field {path!r}")
        node = node[k]
    return node


def explain_validation(e: ValidationError, origin: str) -> str:
    """A validation error as lines naming each field, its value and what is wrong.

    Parameters
    ----------
    e : pydantic.ValidationError
        The error pydantic raised.
    origin : str
        What was being read (a file name, a preset), for the first line.

    Returns
    -------
    str
        ``"invalid <origin>:"`` then one line ``"  <field> = <value>: <message>"`` per error.

    Examples
    --------
    >>> from pydantic import ValidationError
    >>> from migrasome.parameters import RunParams
    >>> try:
    ...     RunParams(dt_min=-1)
    ... except ValidationError as e:
    ...     print(explain_validation(e, "scenario.toml"))
    invalid scenario.toml:
      dt_min = -1: Input should be greater than 0
    """
    lines = [f"invalid {origin}:"]
    for err in e.errors():
        loc = ".".join(str(p) for p in err["loc"])
        val = err.get("input")
        lines.append(f"  {loc} = {val!r}: {err['msg']}")
    return "\n".join(lines)

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
    """A scenario, preset or perturbation that cannot be used, with what is allowed."""


def param(default: Any, source: str, *, unit: str = "", description: str = "", **bounds: Any):
    """A validated parameter.

    Parameters
    ----------
    default
        The default value.
    source
        A literature reference ("Wu 2017 J Cell Biol, fig") or ``"assumed: <reason>"``.
    unit
        Unit text, for tables and docs (the field name carries it too).
    **bounds
        ``ge``, ``gt``, ``le``, ``lt`` as in ``pydantic.Field``.
    """
    if not source:
        raise ValueError("every parameter needs a source (or 'assumed: reason')")
    return Field(default, description=description,
                 json_schema_extra={"source": source, "unit": unit}, **bounds)


class Section(BaseModel):
    """A group of parameters; unknown keys are an error, types are strict, numbers finite,
    assignments are validated."""

    # strict: a boolean is no number, 3.5 no count; finite: NaN and ±inf are refused
    model_config = ConfigDict(extra="forbid", validate_assignment=True, strict=True,
                              allow_inf_nan=False)


def sources_table(model: BaseModel, prefix: str = "") -> list[dict[str, Any]]:
    """Rows (path, value, unit, source, description) for every parameter of ``model``."""
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

    Raises
    ------
    ScenarioError
        If the path names no field, with the fields allowed at the level where it fails.
    """
    keys = path.split(".")
    node = _walk(data, path, keys[:-1])
    if keys[-1] not in node:
        raise ScenarioError(_unknown(path, node))
    node[keys[-1]] = value


def get_path(data: dict, path: str) -> Any:
    """The value at the dotted ``path`` of a scenario dict.

    Raises
    ------
    ScenarioError
        If the path names no field.
    """
    keys = path.split(".")
    node = _walk(data, path, keys[:-1])
    if keys[-1] not in node:
        raise ScenarioError(_unknown(path, node))
    return node[keys[-1]]


def _walk(data: dict, path: str, keys: list[str]) -> dict:
    node = data
    for depth, k in enumerate(keys):
        if k not in node:
            raise ScenarioError(_unknown(path, node))
        node = node[k]
        if not isinstance(node, dict):
            head = ".".join(keys[: depth + 1])
            raise ScenarioError(f"unknown scenario field {path!r}: {head!r} is a value, "
                                "not a section")
    return node


def _unknown(path: str, node: dict) -> str:
    return (f"unknown scenario field {path!r}; fields there: " + ", ".join(sorted(node))
            + " (see scenario.toml in a results folder for every path)")


def explain_validation(e: ValidationError, origin: str) -> str:
    """A validation error as lines naming each field, its value and what is wrong."""
    lines = [f"invalid {origin}:"]
    for err in e.errors():
        loc = ".".join(str(p) for p in err["loc"])
        val = err.get("input")
        msg = err["msg"]
        if isinstance(val, bool) and err["type"] in ("float_type", "int_type"):
            msg += " (true/false is not a number)"
        lines.append(f"  {loc} = {val!r}: {msg}")
    return "\n".join(lines)

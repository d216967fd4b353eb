"""The building blocks of every parameter: a value with its unit, bounds and source.

Also the one place where a dotted parameter path (``"cells.n_cells"``) is read or written,
and the error every bad scenario input raises.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = ["param", "Section", "sources_table", "ScenarioError", "get_path", "set_path",
           "explain_validation", "STATUSES"]


class ScenarioError(ValueError):
    """A scenario, preset or perturbation that cannot be used, with what is allowed."""


#: What a parameter's value rests on.
STATUSES = {
    "measured": "a number a paper reports (its source says where)",
    "fitted": "chosen so the model matches named training observations",
    "assumed": "nobody measured it; the source gives the reason for the value",
    "reference": "a level that is 1 by definition (levels are relative to wild type)",
    "setting": "a choice of the run or condition (duration, seed, dose, switches)",
}


def _infer_status(source: str) -> str:
    s = source.strip().lower()
    if s.startswith("assumed"):
        return "assumed"
    if s.startswith(("user", "condition")):
        return "setting"
    if s.startswith("wild type"):
        return "reference"
    return "measured"


#: Appended to the source of every value that the shipped calibration wrote.
CALIBRATED = ("; value from `migrasome calibrate` on data/calibration.toml "
              "(docs/model.md §5)")
CALIBRATED_EMBRYO = ("; value from `migrasome calibrate` on data/calibration-zebrafish.toml "
                     "(docs/model.md §5)")


def param(default: Any, source: str, *, unit: str = "", description: str = "",
          status: str | None = None, fitted_to: tuple[str, ...] = (), **bounds: Any) -> Any:
    """A validated parameter with its unit, bounds, source and status.

    Parameters
    ----------
    default
        The default value.
    source
        A literature reference ("Wu 2017 J Cell Biol, fig") or ``"assumed: <reason>"``.
    unit
        Unit text, for tables and docs (the field name carries it too).
    description
        Longer text for the docs.
    status : str, optional
        One of ``STATUSES``; by default read off the source (``"assumed: …"`` → assumed,
        ``"wild type"`` → reference, ``"user"``/``"condition"`` → setting, else measured).
    fitted_to : tuple of str
        For ``status="fitted"``: ids of the training observations
        (``migrasome.observations``) the value was fitted to.
    **bounds
        ``ge``, ``gt``, ``le``, ``lt`` as in ``pydantic.Field``.

    Returns
    -------
    pydantic.fields.FieldInfo
        The field, with ``source``, ``unit``, ``status`` and ``fitted_to`` in its schema.

    Raises
    ------
    ValueError
        Without a source, with an unknown status, or a fitted parameter that names no
        observation.
    """
    if not source:
        raise ValueError("every parameter needs a source (or 'assumed: reason')")
    status = status or ("fitted" if fitted_to else _infer_status(source))
    if status not in STATUSES:
        raise ValueError(f"status {status!r}: choose one of {', '.join(STATUSES)}")
    if (status == "fitted") != bool(fitted_to):
        raise ValueError("a fitted parameter names the observations it was fitted to "
                         "(fitted_to), and only a fitted one does")
    extra: dict[str, Any] = {"source": source, "unit": unit, "status": status,
                             "fitted_to": list(fitted_to)}
    return Field(default, description=description, json_schema_extra=extra, **bounds)


class Section(BaseModel):
    """A group of parameters, validated strictly.

    Unknown keys are an error, types are strict (a boolean is no number), numbers finite,
    and assignments are validated. Subclasses declare their parameters with :func:`param`.
    """

    # strict: a boolean is no number, 3.5 no count; finite: NaN and ±inf are refused
    model_config = ConfigDict(extra="forbid", validate_assignment=True, strict=True,
                              allow_inf_nan=False)


def sources_table(model: BaseModel, prefix: str = "") -> list[dict[str, Any]]:
    """One row per parameter of ``model``: what it is, its value and what the value rests on.

    Parameters
    ----------
    model : pydantic.BaseModel
        A Scenario or one of its sections.
    prefix : str
        Dotted path of ``model`` inside the scenario.

    Returns
    -------
    list of dict
        ``path, value, unit, bounds, status, fitted_to, source, description``.
    """
    rows = []
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        path = f"{prefix}{name}"
        if isinstance(value, BaseModel):
            rows += sources_table(value, prefix=f"{path}.")
            continue
        extra: dict[str, Any] = (dict(info.json_schema_extra)
                                 if isinstance(info.json_schema_extra, dict) else {})
        rows.append({"path": path, "value": value, "unit": extra.get("unit", ""),
                     "bounds": _bounds(info.metadata), "status": extra.get("status", ""),
                     "fitted_to": list(extra.get("fitted_to") or []),
                     "source": extra.get("source", ""), "description": info.description or ""})
    return rows


def _bounds(metadata: list[Any]) -> str:
    parts = []
    for m in metadata:
        for attr, sym in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<")):
            if hasattr(m, attr):
                parts.append(f"{sym} {getattr(m, attr):g}")
    return ", ".join(parts)


def set_path(data: dict, path: str, value: Any) -> None:
    """Set the dotted ``path`` (e.g. ``"cells.n_cells"``) in a scenario dict, in place.

    Parameters
    ----------
    data : dict
        A scenario as nested dicts (``Scenario.model_dump()``).
    path : str
        Dotted field path; every key must exist already.
    value : Any
        The new value (validated when the dict becomes a scenario).

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

    Parameters
    ----------
    data : dict
        A scenario as nested dicts.
    path : str
        Dotted field path.

    Returns
    -------
    Any
        The value there.

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
    """A validation error as lines naming each field, its value and what is wrong.

    Parameters
    ----------
    e : pydantic.ValidationError
    origin : str
        What was validated (a preset or file name), for the first line.

    Returns
    -------
    str
    """
    lines = [f"invalid {origin}:"]
    for err in e.errors():
        loc = ".".join(str(p) for p in err["loc"])
        val = err.get("input")
        msg = err["msg"]
        if isinstance(val, bool) and err["type"] in ("float_type", "int_type"):
            msg += " (true/false is not a number)"
        lines.append(f"  {loc} = {val!r}: {msg}")
    return "\n".join(lines)

"""`param`: a model field that carries its unit and its source beside its default value."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["param", "Section", "sources_table", "Perturbation"]


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
    """A group of parameters; unknown keys are an error, assignments are validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


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


@dataclass(frozen=True)
class Perturbation:
    """A named change of scenario inputs: ``scale`` multiplies, ``set`` replaces; with a
    ``dose_path`` it takes ``NAME:VALUE`` and writes the value there."""

    name: str
    description: str
    source: str
    scale: dict[str, float] = field(default_factory=dict)
    set: dict[str, object] = field(default_factory=dict)
    dose_path: str | None = None
    dose_unit: str = ""

"""Scenario: everything a simulation needs, as validated sections with sources.

A scenario is read from a TOML preset (``presets/*.toml``), changed by named perturbations
(``migrasome.perturbations``) and written back, resolved, beside the results. Its sections
live in :mod:`migrasome.parameters`, grouped by what they describe.
"""

from __future__ import annotations

import sys
from pathlib import Path

import tomli_w
from pydantic import ValidationError

from .parameters import (
    ECM_TYPES,
    BiogenesisParams,
    CargoParams,
    CellParams,
    EcmParams,
    FiberParams,
    FieldParams,
    MembraneParams,
    MitochondriaParams,
    MoleculeLevels,
    RunParams,
    ScenarioError,
    Section,
    SignallingParams,
    explain_validation,
    param,
    set_path,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["Scenario", "load_preset", "list_presets", "ScenarioError", "ECM_TYPES"]

PRESET_DIR = Path(__file__).parent / "presets"


class Scenario(Section):
    """A complete, validated simulation set-up (see ``migrasome presets``)."""

    name: str = param("custom", "user")
    description: str = param("", "user")
    seed: int = param(0, "user", ge=0, le=2**63 - 1)  # TOML integers are 64-bit signed
    perturbations: list[str] = param([], "user")
    run: RunParams = RunParams()
    cells: CellParams = CellParams()
    ecm: EcmParams = EcmParams()
    molecules: MoleculeLevels = MoleculeLevels()
    fibers: FiberParams = FiberParams()
    biogenesis: BiogenesisParams = BiogenesisParams()
    membrane: MembraneParams = MembraneParams()
    cargo: CargoParams = CargoParams()
    mitochondria: MitochondriaParams = MitochondriaParams()
    field: FieldParams = FieldParams()
    signalling: SignallingParams = SignallingParams()

    # -- TOML -------------------------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: dict, *, origin: str = "scenario") -> Scenario:
        try:
            return cls.model_validate(data)
        except ValidationError as e:
            raise ScenarioError(explain_validation(e, origin)) from None

    @classmethod
    def from_toml(cls, path: str | Path) -> Scenario:
        path = Path(path)
        if path.is_dir():
            raise ScenarioError(f"scenario file {path} is a folder; give a .toml file "
                                "(a results folder holds one: scenario.toml)")
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ScenarioError(f"scenario file {path} does not exist") from None
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
            raise ScenarioError(f"{path} is not valid TOML: {e}") from None
        except OSError as e:
            raise ScenarioError(f"cannot read scenario file {path}: {e.strerror}") from None
        return cls.from_dict(data, origin=str(path.name))

    def to_toml(self) -> str:
        return tomli_w.dumps(self.model_dump(mode="json"))

    def with_changes(self, **changes) -> Scenario:
        """A copy with dotted-path changes, e.g. ``{"cells.n_cells": 100}``, validated."""
        data = self.model_dump(mode="json")
        for path, value in changes.items():
            set_path(data, path, value)
        return Scenario.from_dict(data, origin=self.name)


def list_presets() -> dict[str, str]:
    """Preset names and their one-line descriptions."""
    out = {}
    for f in sorted(PRESET_DIR.glob("*.toml")):
        data = tomllib.loads(f.read_text())
        out[f.stem] = data.get("description", "")
    return out


def load_preset(name: str) -> Scenario:
    """The scenario of preset ``name`` (see ``list_presets``), or a TOML file path."""
    p = Path(name)
    if p.suffix == ".toml" or p.is_dir():
        return Scenario.from_toml(p)  # a path: says so if it is missing or not a file
    f = PRESET_DIR / f"{name}.toml"
    if not f.is_file():
        names = ", ".join(list_presets())
        raise ScenarioError(f"unknown preset {name!r}; choose one of: {names} "
                            "(or give a path to a .toml scenario file)")
    return Scenario.from_toml(f)

"""A sweep specification: what varies, over which values, and how the runs are laid out.

A spec is a TOML file (or the same as a dict)::

    preset = "nrk-fibronectin"      # a preset name or a scenario .toml
    design = "grid"                 # grid | lhs | sobol | morris | saltelli
    seeds = 3                       # seeds 0, 1, 2 (or a list of seeds)
    samples = 16                    # points of a space-filling or sensitivity design
    per_cell = false                # also keep a per-cell table of every run
    readout = "migrasomes_per_cell" # what the report plots and ranks

    [set]                           # fixed changes of every run (PATH = VALUE)
    "cells.n_cells" = 8
    "run.hours" = 2.0

    [parameters]                    # grid: a list of values; other designs: [low, high]
    "cells.persistence_min" = [20.0, 80.0]

    [perturbations]
    sets = ["none", "TSPAN4-KD", "SMS2-KD+ITGA5-KD"]   # "+" joins a set; "none": control
    doses = { fibronectin = [1, 5, 10, 50] }           # NAME:DOSE added to every set

Parameter paths are the dotted scenario paths of ``--set`` (``Scenario.with_changes``).
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..parameters import get_path
from ..scenario import Scenario, ScenarioError, load_preset

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["SweepSpec", "SweepError", "load_spec", "DESIGNS"]

DESIGNS = ("grid", "lhs", "sobol", "morris", "saltelli")
_KEYS = {"preset", "design", "seeds", "samples", "per_cell", "readout", "design_seed",
         "set", "parameters", "perturbations", "name"}


class SweepError(ScenarioError):
    """A sweep spec or sweep folder that cannot be used, with what is allowed."""


@dataclass
class Range:
    """A continuous parameter of a space-filling or sensitivity design."""

    low: float
    high: float
    log: bool = False
    integer: bool = False


@dataclass
class SweepSpec:
    """A validated sweep specification (see the module docstring for the TOML form).

    Attributes
    ----------
    preset : str
        Preset name or scenario TOML path every run starts from.
    design : str
        One of ``DESIGNS``.
    seeds : list of int
        Replicate seeds of every design point.
    samples : int
        Points of an ``lhs``/``sobol`` design; trajectories of ``morris``; base samples of
        ``saltelli``.
    fixed : dict
        Dotted path → value applied to every run.
    grid : dict
        Dotted path → list of values (``design = "grid"``).
    ranges : dict
        Dotted path → ``Range`` (other designs).
    perturbation_sets : list of list of str
        Perturbation sets (``[]`` is the unperturbed control).
    doses : dict
        Dose-taking perturbation name → list of doses.
    """

    preset: str = "nrk-fibronectin"
    design: str = "grid"
    seeds: list[int] = field(default_factory=lambda: [0])
    samples: int = 8
    per_cell: bool = False
    readout: str = "migrasomes_per_cell"
    design_seed: int = 0
    name: str = "sweep"
    fixed: dict = field(default_factory=dict)
    grid: dict = field(default_factory=dict)
    ranges: dict = field(default_factory=dict)
    perturbation_sets: list[list[str]] = field(default_factory=lambda: [[]])
    doses: dict = field(default_factory=dict)

    def base_scenario(self) -> Scenario:
        sc = load_preset(self.preset)
        return sc.with_changes(**self.fixed) if self.fixed else sc

    def to_json(self) -> str:
        d = asdict(self)
        d["ranges"] = {k: asdict(v) if isinstance(v, Range) else v
                       for k, v in self.ranges.items()}
        return json.dumps(d, sort_keys=True)

    @property
    def digest(self) -> str:
        """Identifies the planned runs: a sweep folder resumes only the same spec."""
        return hashlib.sha256(self.to_json().encode()).hexdigest()[:16]

    @classmethod
    def from_json(cls, text: str) -> SweepSpec:
        d = json.loads(text)
        d["ranges"] = {k: Range(**v) for k, v in d["ranges"].items()}
        return cls(**d)


def load_spec(spec: str | Path | dict | SweepSpec) -> SweepSpec:
    """A ``SweepSpec`` from a TOML path, a dict of the same form, or a spec (validated).

    Raises
    ------
    SweepError
        Naming the field, the value and what is allowed.

    Examples
    --------
    >>> s = load_spec({"seeds": 2, "perturbations": {"sets": ["none", "TSPAN4-KD"]}})
    >>> s.seeds, s.perturbation_sets
    ([0, 1], [[], ['TSPAN4-KD']])
    """
    if isinstance(spec, SweepSpec):
        return spec
    origin = "sweep spec"
    if isinstance(spec, (str, Path)):
        path = Path(spec)
        try:
            data = tomllib.loads(path.read_text())
        except FileNotFoundError:
            raise SweepError(f"sweep spec {path} does not exist") from None
        except tomllib.TOMLDecodeError as e:
            raise SweepError(f"{path} is not valid TOML: {e}") from None
        origin = path.name
        if "preset" in data and str(data["preset"]).endswith(".toml"):
            p = Path(data["preset"])
            data["preset"] = str(p if p.is_absolute() else (path.parent / p))
    elif isinstance(spec, dict):
        data = dict(spec)
    else:
        raise SweepError(f"a sweep spec is a TOML path, a dict or a SweepSpec, got "
                         f"{type(spec).__name__}")
    return _validate(data, origin)


def _validate(data: dict, origin: str) -> SweepSpec:
    unknown = set(data) - _KEYS
    if unknown:
        raise SweepError(f"{origin}: unknown keys {sorted(unknown)}; allowed: {sorted(_KEYS)}")
    s = SweepSpec(preset=str(data.get("preset", "nrk-fibronectin")),
                  name=str(data.get("name", "sweep")))
    s.design = str(data.get("design", "grid")).lower()
    if s.design not in DESIGNS:
        raise SweepError(f"{origin}: design {s.design!r} is not allowed; choose one of "
                         f"{', '.join(DESIGNS)}")
    seeds = data.get("seeds", 1)
    if isinstance(seeds, int) and not isinstance(seeds, bool):
        if seeds < 1:
            raise SweepError(f"{origin}: seeds = {seeds} must be ≥ 1 (or a list of seeds)")
        s.seeds = list(range(seeds))
    elif isinstance(seeds, list) and seeds and all(isinstance(x, int) and x >= 0
                                                   for x in seeds):
        s.seeds = [int(x) for x in seeds]
    else:
        raise SweepError(f"{origin}: seeds = {seeds!r} must be a count ≥ 1 or a list of "
                         "integers ≥ 0")
    s.samples = _int(data.get("samples", 8), "samples", origin, low=1)
    s.design_seed = _int(data.get("design_seed", 0), "design_seed", origin, low=0)
    s.per_cell = bool(data.get("per_cell", False))
    s.readout = str(data.get("readout", "migrasomes_per_cell"))
    s.fixed = dict(data.get("set", {}))
    try:
        base = s.base_scenario()
    except ScenarioError as e:
        raise SweepError(f"{origin}: [set] or preset: {e}") from None
    dumped = base.model_dump(mode="json")
    params = data.get("parameters", {})
    if not isinstance(params, dict):
        raise SweepError(f"{origin}: [parameters] must be a table of PATH = values")
    for path, v in params.items():
        try:
            current = get_path(dumped, path)
        except ScenarioError as e:
            raise SweepError(f"{origin}: [parameters] {e}") from None
        if s.design == "grid":
            if not isinstance(v, list) or not v:
                raise SweepError(f"{origin}: parameter {path!r} = {v!r}: a grid needs a "
                                 "non-empty list of values")
            s.grid[path] = list(v)
        else:
            s.ranges[path] = _range(path, v, current, origin)
    if s.design != "grid" and not s.ranges:
        raise SweepError(f"{origin}: design {s.design!r} needs [parameters] with "
                         "[low, high] ranges")
    if s.design in ("morris", "saltelli") and len(s.ranges) < 2:
        raise SweepError(f"{origin}: a {s.design} sensitivity design needs ≥ 2 parameters")
    _perturbations(s, data.get("perturbations", {}), origin)
    return s


def _int(v, name, origin, *, low):
    if not isinstance(v, int) or isinstance(v, bool) or v < low:
        raise SweepError(f"{origin}: {name} = {v!r} must be an integer ≥ {low}")
    return v


def _range(path, v, current, origin) -> Range:
    if isinstance(v, dict):
        lo, hi, log = v.get("low"), v.get("high"), bool(v.get("log", False))
    elif isinstance(v, list) and len(v) == 2:
        (lo, hi), log = v, False
    else:
        raise SweepError(f"{origin}: parameter {path!r} = {v!r}: give [low, high] or "
                         "{ low = , high = , log = true }")
    if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (lo, hi)) \
            or not lo < hi or (log and lo <= 0):  # type: ignore[operator]  # numbers here
        raise SweepError(f"{origin}: parameter {path!r}: range {lo!r}..{hi!r} must be two "
                         "numbers with low < high (and low > 0 for log)")
    if isinstance(current, bool) or not isinstance(current, (int, float)):
        raise SweepError(f"{origin}: parameter {path!r} is not numeric "
                         f"(now {current!r}); use design = \"grid\" for it")
    return Range(float(lo), float(hi), log, isinstance(current, int))  # type: ignore[arg-type]


def _perturbations(s: SweepSpec, data, origin: str) -> None:
    from ..perturbations import _parse

    if not isinstance(data, dict):
        raise SweepError(f"{origin}: [perturbations] must be a table with sets and doses")
    sets = data.get("sets", ["none"])
    if not isinstance(sets, list) or not sets:
        raise SweepError(f"{origin}: perturbations.sets must be a non-empty list")
    s.perturbation_sets = []
    for item in sets:
        names = item if isinstance(item, list) else [
            x.strip() for x in str(item).split("+") if x.strip()]
        names = [n for n in names if n.lower() not in ("none", "control", "wt")]
        for n in names:
            try:
                _parse(n)
            except ScenarioError as e:
                raise SweepError(f"{origin}: perturbations.sets: {e}") from None
        s.perturbation_sets.append(names)
    doses = data.get("doses", {})
    if not isinstance(doses, dict):
        raise SweepError(f"{origin}: perturbations.doses must be a table NAME = [doses]")
    for name, values in doses.items():
        if not isinstance(values, list) or not values:
            raise SweepError(f"{origin}: perturbations.doses.{name} must be a list of doses")
        for d in values:
            try:
                _parse(f"{name}:{d}")
            except ScenarioError as e:
                raise SweepError(f"{origin}: perturbations.doses: {e}") from None
        s.doses[name] = [float(d) for d in values]
    unknown = set(data) - {"sets", "doses"}
    if unknown:
        raise SweepError(f"{origin}: [perturbations] unknown keys {sorted(unknown)}; "
                         "allowed: sets, doses")

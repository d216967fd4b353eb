"""Property tests over every numeric scenario field: valid values are all accepted, invalid
ones all refused with the field named."""

import math

import annotated_types as at
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from migrasome.scenario import Scenario, ScenarioError


def numeric_fields(model=Scenario, prefix=""):
    """(path, type, lower, lower_inclusive, upper, upper_inclusive) of every number."""
    out = []
    for name, info in model.model_fields.items():
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out += numeric_fields(ann, f"{prefix}{name}.")
            continue
        if ann not in (int, float):
            continue
        lo, lo_inc, hi, hi_inc = -math.inf, True, math.inf, True
        for m in info.metadata:
            if isinstance(m, at.Ge):
                lo, lo_inc = m.ge, True
            elif isinstance(m, at.Gt):
                lo, lo_inc = m.gt, False
            elif isinstance(m, at.Le):
                hi, hi_inc = m.le, True
            elif isinstance(m, at.Lt):
                hi, hi_inc = m.lt, False
        out.append((f"{prefix}{name}", ann, lo, lo_inc, hi, hi_inc))
    return out


FIELDS = numeric_fields()
BASE = Scenario()


def test_the_walk_finds_the_numeric_fields():
    paths = {f[0] for f in FIELDS}
    assert {"run.hours", "cells.n_cells", "seed", "biogenesis.growth_time_min"} <= paths
    assert len(FIELDS) > 60


def _valid(field):
    path, typ, lo, lo_inc, hi, hi_inc = field
    lo_ = max(lo, -1e6) if lo_inc else max(lo, -1e6) + 1e-6 * max(1.0, abs(lo))
    hi_ = min(hi, 1e6) if hi_inc else min(hi, 1e6) - 1e-6 * max(1.0, abs(hi))
    if typ is int:
        return st.integers(int(math.ceil(lo_)), int(math.floor(min(hi_, 1e6))))
    return st.floats(lo_, hi_, allow_nan=False, allow_infinity=False)


@st.composite
def valid_change(draw):
    field = draw(st.sampled_from(FIELDS))
    return field[0], draw(_valid(field))


@st.composite
def invalid_change(draw):
    path, typ, lo, lo_inc, hi, hi_inc = field = draw(st.sampled_from(FIELDS))
    options = [st.just(math.nan), st.just(math.inf), st.just(-math.inf), st.booleans(),
               st.text(min_size=1, max_size=5)]
    if typ is int:
        options.append(st.floats(0.1, 0.9).map(lambda f: float(lo if lo > -1e9 else 0) + f))
    if typ is int:
        if lo > -math.inf:
            first_bad = int(math.ceil(lo)) - 1 if lo_inc else int(math.floor(lo))
            options.append(st.integers(first_bad - 10**6, first_bad))
        if hi < math.inf:
            first_bad = int(math.floor(hi)) + 1 if hi_inc else int(math.ceil(hi))
            options.append(st.integers(first_bad, first_bad + 10**6))
    else:
        if lo > -math.inf:
            options.append(st.floats(lo - 1e6, lo, exclude_max=lo_inc, allow_nan=False))
        if hi < math.inf:
            options.append(st.floats(hi, hi + 1e6, exclude_min=hi_inc, allow_nan=False))
    return path, draw(st.one_of(options)), field


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_change())
def test_valid_values_are_accepted(change):
    path, value = change
    sc = BASE.with_changes(**{path: value})
    got = sc.model_dump()
    for k in path.split("."):
        got = got[k]
    assert got == value


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(invalid_change())
def test_invalid_values_are_refused_naming_the_field(change):
    path, value, field = change
    with pytest.raises(ScenarioError) as e:
        BASE.with_changes(**{path: value})
    assert path in str(e.value)

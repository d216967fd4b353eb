"""The shared response laws: exact relaxation, normalised Hill responses."""

import numpy as np
import pytest

from migrasome.sim.kinetics import hill_norm, relax


def test_relaxation_is_exact_for_any_time_step():
    x = relax(0.0, 1.0, 0.1, 10.0)
    assert x == pytest.approx(1 - np.exp(-1.0))
    two = relax(relax(0.0, 1.0, 0.1, 5.0), 1.0, 0.1, 5.0)
    assert two == pytest.approx(x)


@pytest.mark.parametrize("k, n", [(0.3, 2), (1.0, 1), (1.5, 1), (0.6, 4)])
def test_hill_norm_is_one_at_wild_type_and_saturates(k, n):
    assert hill_norm(1.0, k, n) == 1.0  # exactly: wild type is the reference
    assert hill_norm(0.0, k, n) == 0.0
    assert hill_norm(-2.0, k, n) == 0.0  # negative levels count as none
    assert hill_norm(1e9, k, n) == pytest.approx(1 + k**n)
    x = np.linspace(0, 5, 51)
    assert np.all(np.diff(hill_norm(x, k, n)) > 0)
    assert hill_norm(k, k, n) == pytest.approx((1 + k**n) / 2)  # half-saturation at k

"""Plain, one-entity-at-a-time reference implementations of the vectorised fast paths.

They are slow on purpose: each mirrors the equations of its fast counterpart in a Python
loop, so tests can check the fast path against them and benchmarks can show the gain.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["step_motility_loop", "fiber_geometry_loop"]


def step_motility_loop(cells: dict, scenario, noise: np.ndarray, dt: float,
                       speed_factor: float, persistence_factor: float) -> dict:
    """:func:`~migrasome.sim.motility.step_motility` for given noise, one cell at a time.

    Parameters
    ----------
    cells : dict of str to ndarray
        Cell arrays, each of shape (n_cells,) (``x_um, y_um, theta_rad, pol_x, pol_y, bias_x,
        bias_y, base_speed_um_per_min, motility_factor, speed_um_per_min,
        turn_rate_rad_per_min, rear_width_um``); copied, not changed.
    scenario : Scenario
        The run's scenario.
    noise : ndarray, shape (n_cells,)
        Standard-normal angular noise.
    dt : float
        Time step, min.
    speed_factor, persistence_factor : float
        From :func:`~migrasome.sim.motility.motility_factors`.

    Returns
    -------
    dict of str to ndarray
        The new arrays, each of shape (n_cells,).
    """

    p = scenario.cells
    w, h = scenario.run.width_um, scenario.run.height_um
    out = {k: np.array(v, copy=True) for k, v in cells.items()}
    d_theta = 1.0 / (p.persistence_min * persistence_factor)
    for i in range(len(out["x_um"])):
        th = out["theta_rad"][i]
        th += (-out["bias_x"][i] * math.sin(th) + out["bias_y"][i] * math.cos(th)) * dt
        th += math.sqrt(2 * d_theta * dt) * noise[i]
        v = out["base_speed_um_per_min"][i] * speed_factor * out["motility_factor"][i]
        x = out["x_um"][i] + v * math.cos(th) * dt
        y = out["y_um"][i] + v * math.sin(th) * dt
        if x < 0 or x > w:
            x = -x if x < 0 else 2 * w - x
            th = math.pi - th
        if y < 0 or y > h:
            y = -y if y < 0 else 2 * h - y
            th = -th
        x, y = min(max(x, 0.0), w), min(max(y, 0.0), h)
        a = min(dt / scenario.cells.turn_window_min, 1.0)
        ux = out["pol_x"][i] + a * (math.cos(th) - out["pol_x"][i])
        uy = out["pol_y"][i] + a * (math.sin(th) - out["pol_y"][i])
        lag = abs(math.atan2(math.cos(th) * uy - math.sin(th) * ux,
                             math.cos(th) * ux + math.sin(th) * uy))
        turn = lag / scenario.cells.turn_window_min
        out["theta_rad"][i] = math.atan2(math.sin(th), math.cos(th))
        out["x_um"][i], out["y_um"][i] = x, y
        out["pol_x"][i], out["pol_y"][i] = ux, uy
        out["speed_um_per_min"][i] = v
        out["turn_rate_rad_per_min"][i] = turn
        out["rear_width_um"][i] = p.rear_width_um / (1.0 + turn * p.turn_narrowing_min)
    return out


def fiber_geometry_loop(fibers: dict, cells: dict) -> tuple[np.ndarray, np.ndarray]:
    """Proximal ends of attached fibres by following each one's chain of parents.

    The loop counterpart of :func:`~migrasome.sim.fibers.fiber_geometry`.

    Parameters
    ----------
    fibers : dict of str to ndarray
        Fibre arrays, each of shape (n_fibers,) (``fiber_id, parent_fiber_id, cell_id,
        offset_um, junction_frac, anchor_x_um, anchor_y_um, x1_um, y1_um, attached``).
    cells : dict of str to ndarray
        Cell arrays indexed by cell id (``x_um, y_um, theta_rad, radius_um,
        rear_width_um``).

    Returns
    -------
    x1_um, y1_um : ndarray, shape (n_fibers,)
        Proximal ends, µm (unchanged for detached fibres).

    Examples
    --------
    A root fibre ends at the rear of a cell moving along +x; its branch joins it halfway:

    >>> import numpy as np
    >>> fibers = {"fiber_id": np.array([0, 1]), "parent_fiber_id": np.array([-1, 0]),
    ...           "cell_id": np.array([0, 0]), "offset_um": np.zeros(2),
    ...           "junction_frac": np.array([np.nan, 0.5]),
    ...           "anchor_x_um": np.array([20.0, 30.0]), "anchor_y_um": np.array([50.0, 60.0]),
    ...           "x1_um": np.zeros(2), "y1_um": np.zeros(2), "attached": np.array([True, True])}
    >>> cells = {"x_um": np.array([50.0]), "y_um": np.array([50.0]),
    ...          "theta_rad": np.array([0.0]), "radius_um": np.array([10.0]),
    ...          "rear_width_um": np.array([20.0])}
    >>> x1, y1 = fiber_geometry_loop(fibers, cells)
    >>> x1.tolist(), y1.tolist()
    ([40.0, 30.0], [50.0, 50.0])
    """
    ids = list(fibers["fiber_id"])
    row = {fid: k for k, fid in enumerate(ids)}

    def proximal(k):
        pid = fibers["parent_fiber_id"][k]
        if pid < 0:
            c = fibers["cell_id"][k]
            th, r = cells["theta_rad"][c], cells["radius_um"][c]
            half = cells["rear_width_um"][c] / 2
            u = min(max(fibers["offset_um"][k], -half), half)
            return (cells["x_um"][c] - r * math.cos(th) - u * math.sin(th),
                    cells["y_um"][c] - r * math.sin(th) + u * math.cos(th))
        j = row[pid]
        px, py = proximal(j)
        f = fibers["junction_frac"][k]
        ax, ay = fibers["anchor_x_um"][j], fibers["anchor_y_um"][j]
        return ax + f * (px - ax), ay + f * (py - ay)

    x1 = np.array(fibers["x1_um"], dtype=float)
    y1 = np.array(fibers["y1_um"], dtype=float)
    for k in range(len(ids)):
        if fibers["attached"][k]:
            x1[k], y1[k] = proximal(k)
    return x1, y1

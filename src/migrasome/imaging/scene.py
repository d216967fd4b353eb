"""Scenes to render: a small synthetic ground truth, frame selection, field-of-view mapping.

Owns what a movie shows of a simulation: which frames, which rectangle and how simulation
coordinates map into image µm, and the ground truth cropped to it. ``synthetic_results``
builds a schema-complete :class:`~migrasome.Results` by hand — a few cells moving in straight
lines, each trailing straight retraction fibres (RFs) with migrasomes of chosen diameters on
them — for tests, benchmarks and for checking an analysis against a scene whose truth is
obvious.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..results import Results

__all__ = ["synthetic_results", "FieldOfView", "select_frames", "crop_truth"]


def synthetic_results(
    *,
    n_cells: int = 3,
    width_um: float = 80.0,
    height_um: float = 80.0,
    n_frames: int = 5,
    frame_interval_min: float = 2.0,
    cell_radius_um: float = 8.0,
    speed_um_per_min: float = 0.8,
    fibers_per_cell: int = 3,
    fiber_length_um: float = 12.0,
    migrasome_diameters_um: Sequence[float] = (0.8, 1.2, 2.0),
    grow: bool = False,
    seed: int = 0,
) -> Results:
    """A small ground-truth scene with straight RFs and migrasomes of chosen diameters.

    Cells start on a jittered grid with random polarity and move straight at constant speed.
    Each cell trails ``fibers_per_cell`` straight RFs from its rear to adhesions fixed on the
    substrate; the RFs lengthen as the cell moves away. One migrasome sits at each RF's tip
    (its adhesion), the diameters cycling through ``migrasome_diameters_um``.

    Parameters
    ----------
    n_cells : int
        Number of cells (≥ 0).
    width_um, height_um : float
        Domain size, µm (periodic).
    n_frames : int
        Recorded frames (≥ 1).
    frame_interval_min : float
        Time between recorded frames, min.
    cell_radius_um : float
        Cell radius, µm.
    speed_um_per_min : float
        Cell speed, µm/min.
    fibers_per_cell : int
        RFs per cell (≥ 0).
    fiber_length_um : float
        RF length at frame 0, µm.
    migrasome_diameters_um : sequence of float
        Diameters, µm, given to the migrasomes in turn.
    grow : bool
        If True, diameters grow linearly from 30 % to full size over the run; otherwise they
        are constant (exact truth for size measurements).
    seed : int
        Seed of the layout.

    Returns
    -------
    Results
        Tables ``cells, tracks, fibers, fiber_frames, migrasomes, migrasome_frames``;
        metadata ``source="synthetic"``, ``width_um``, ``height_um``, ``frame_interval_min``,
        ``boundary="periodic"``.

    Raises
    ------
    ValueError
        If ``n_cells`` or ``fibers_per_cell`` is negative or ``n_frames`` < 1.

    Examples
    --------
    >>> res = synthetic_results(n_cells=3, n_frames=5, fibers_per_cell=3)
    >>> len(res.migrasomes), len(res.migrasome_frames)
    (9, 45)
    >>> sorted(res.migrasomes["max_diameter_um"].unique().tolist())
    [0.8, 1.2, 2.0]
    """
    if n_cells < 0 or n_frames < 1 or fibers_per_cell < 0:
        raise ValueError("n_cells >= 0, n_frames >= 1 and fibers_per_cell >= 0 are required")
    rng = np.random.default_rng(seed)
    n_side = max(1, math.ceil(math.sqrt(n_cells)))
    k = np.arange(n_cells)
    cx = (k % n_side + 0.5) * width_um / n_side + rng.uniform(-2, 2, n_cells)
    cy = (k // n_side + 0.5) * height_um / n_side + rng.uniform(-2, 2, n_cells)
    pol = rng.uniform(-math.pi, math.pi, n_cells)
    frames = np.arange(n_frames)
    t = frames * frame_interval_min

    cells = pd.DataFrame({"cell_id": k, "cell_type": "synthetic",
                          "radius_um": np.full(n_cells, cell_radius_um)})
    cid, fr = np.meshgrid(k, frames, indexing="ij")
    x = cx[:, None] + np.cos(pol)[:, None] * speed_um_per_min * t[None, :]
    y = cy[:, None] + np.sin(pol)[:, None] * speed_um_per_min * t[None, :]
    tracks = pd.DataFrame({
        "cell_id": cid.ravel(), "frame": fr.ravel(), "t_min": t[fr.ravel()],
        "x_um": (x % width_um).ravel(), "y_um": (y % height_um).ravel(),
        "polarity_rad": np.repeat(pol, n_frames), "speed_um_per_min": speed_um_per_min,
        "rear_width_um": cell_radius_um})

    # RFs: rear points spread across the rear, adhesions straight behind at frame 0
    nf = n_cells * fibers_per_cell
    f_cell = np.repeat(k, fibers_per_cell)
    lateral = np.tile(np.linspace(-0.5, 0.5, fibers_per_cell) if fibers_per_cell > 1
                      else np.zeros(1), n_cells) * cell_radius_um
    ux, uy = np.cos(pol[f_cell]), np.sin(pol[f_cell])
    rear_dist = 0.8 * cell_radius_um  # rear of the elongated body, assumed
    x1 = x[f_cell] - (ux * rear_dist)[:, None] - (uy * lateral)[:, None]
    y1 = y[f_cell] - (uy * rear_dist)[:, None] + (ux * lateral)[:, None]
    ax = x1[:, 0] - ux * fiber_length_um
    ay = y1[:, 0] - uy * fiber_length_um
    length = np.hypot(x1 - ax[:, None], y1 - ay[:, None])
    fid = np.arange(nf)
    fibers = pd.DataFrame({
        "fiber_id": fid, "cell_id": f_cell, "parent_fiber_id": -1,
        "anchor_x_um": ax % width_um, "anchor_y_um": ay % height_um,
        "t_form_min": 0.0, "t_break_min": np.nan, "length_um": length[:, -1]})
    fi, ffr = np.meshgrid(fid, frames, indexing="ij")
    fiber_frames = pd.DataFrame({
        "fiber_id": fi.ravel(), "frame": ffr.ravel(), "t_min": t[ffr.ravel()],
        "x0_um": np.repeat(ax % width_um, n_frames), "y0_um": np.repeat(ay % height_um, n_frames),
        "x1_um": (x1 % width_um).ravel(), "y1_um": (y1 % height_um).ravel(),
        "length_um": length.ravel(), "attached": True})

    diam = np.resize(np.asarray(migrasome_diameters_um, float), nf) if nf else np.zeros(0)
    migrasomes = pd.DataFrame({
        "migrasome_id": fid, "cell_id": f_cell, "fiber_id": fid,
        "x_um": ax % width_um, "y_um": ay % height_um, "site_type": "tip",
        "t_nucleation_min": 0.0, "t_growth_onset_min": 0.0,
        "t_full_size_min": t[-1] if grow else 0.0, "t_release_min": np.nan,
        "t_breakdown_min": np.nan, "max_diameter_um": diam})
    grow_frac = (0.3 + 0.7 * frames / max(1, n_frames - 1)) if grow else np.ones(n_frames)
    mi, mfr = np.meshgrid(fid, frames, indexing="ij")
    migrasome_frames = pd.DataFrame({
        "migrasome_id": mi.ravel(), "frame": mfr.ravel(), "t_min": t[mfr.ravel()],
        "x_um": np.repeat(ax % width_um, n_frames), "y_um": np.repeat(ay % height_um, n_frames),
        "diameter_um": (diam[:, None] * grow_frac[None, :]).ravel(), "attached": True})
    meta = {"source": "synthetic", "seed": int(seed), "width_um": float(width_um),
            "height_um": float(height_um), "frame_interval_min": float(frame_interval_min),
            "dt_min": float(frame_interval_min), "boundary": "periodic"}
    return Results(tables={"cells": cells, "tracks": tracks, "fibers": fibers,
                           "fiber_frames": fiber_frames, "migrasomes": migrasomes,
                           "migrasome_frames": migrasome_frames}, metadata=meta)


@dataclass(frozen=True)
class FieldOfView:
    """The imaged rectangle and how simulation coordinates map into it.

    Parameters
    ----------
    x0_um, y0_um : float
        Corner of the image in simulation coordinates, µm.
    nx, ny : int
        Pixels across and down.
    pixel_size_um : float
        Side of a pixel, µm.
    domain_um : (float, float) or None
        (width, height) of the periodic domain, µm; None if not periodic.
    wrap : bool
        The image covers the whole periodic domain: pixel indices wrap around.

    Examples
    --------
    >>> import numpy as np
    >>> fov = FieldOfView(10.0, 0.0, 100, 50, 0.5, (80.0, 80.0), False)
    >>> fov.width_um, fov.height_um
    (50.0, 25.0)
    >>> fov.delta(np.array([70.0]), np.array([0.0]))[0].tolist()  # minimum image
    [-10.0]
    """

    x0_um: float
    y0_um: float
    nx: int
    ny: int
    pixel_size_um: float
    domain_um: tuple[float, float] | None
    wrap: bool

    @property
    def width_um(self) -> float:
        """Width of the image, µm."""
        return self.nx * self.pixel_size_um

    @property
    def height_um(self) -> float:
        """Height of the image, µm."""
        return self.ny * self.pixel_size_um

    def to_image(self, x: np.ndarray | pd.Series, y: np.ndarray | pd.Series
                 ) -> tuple[np.ndarray, np.ndarray]:
        """Simulation µm → image µm (periodic images placed nearest the field of view).

        Parameters
        ----------
        x, y : ndarray, shape (n,)
            Simulation coordinates, µm.

        Returns
        -------
        u, v : ndarray, shape (n,)
            Image coordinates, µm (0 at the image's outer corner).
        """
        u = np.asarray(x, float) - self.x0_um
        v = np.asarray(y, float) - self.y0_um
        if self.domain_um is not None:
            W, H = self.domain_um
            mu = 0.0 if self.wrap else max(0.0, (W - self.width_um) / 2)
            mv = 0.0 if self.wrap else max(0.0, (H - self.height_um) / 2)
            u = np.mod(u + mu, W) - mu
            v = np.mod(v + mv, H) - mv
        return u, v

    def delta(self, dx: np.ndarray | pd.Series, dy: np.ndarray | pd.Series
              ) -> tuple[np.ndarray, np.ndarray]:
        """Minimum-image displacement on the periodic domain (unchanged if not periodic).

        Parameters
        ----------
        dx, dy : ndarray, shape (n,)
            Displacements, µm.

        Returns
        -------
        dx, dy : ndarray, shape (n,)
            Displacements folded into [−W/2, W/2) × [−H/2, H/2), µm.
        """
        dx, dy = np.asarray(dx, float), np.asarray(dy, float)
        if self.domain_um is not None:
            W, H = self.domain_um
            dx = np.mod(dx + W / 2, W) - W / 2
            dy = np.mod(dy + H / 2, H) - H / 2
        return dx, dy


def select_frames(results: Results, frame_interval_min: float | None
                  ) -> tuple[np.ndarray, np.ndarray, float]:
    """The recorded frames a movie shows.

    Parameters
    ----------
    results : Results
        A simulation's (or synthetic) results with ``tracks``, ``fiber_frames`` or
        ``migrasome_frames``.
    frame_interval_min : float or None
        Movie frame interval, min; a whole multiple of the recorded interval. None: every
        recorded frame.

    Returns
    -------
    frames : ndarray of int, shape (T,)
        Simulation frame numbers, in order.
    times : ndarray of float, shape (T,)
        Their times, min.
    interval : float
        Movie frame interval, min.

    Raises
    ------
    ValueError
        If nothing was recorded, or ``frame_interval_min`` is not a whole multiple of the
        recorded interval.

    Examples
    --------
    >>> res = synthetic_results(n_frames=5, frame_interval_min=2.0)
    >>> frames, times, dt = select_frames(res, 4.0)
    >>> frames.tolist(), times.tolist(), dt
    ([0, 2, 4], [0.0, 4.0, 8.0], 4.0)
    """
    parts = [results.tables[n][["frame", "t_min"]] for n in
             ("tracks", "fiber_frames", "migrasome_frames") if n in results.tables]
    ft = pd.concat(parts) if parts else pd.DataFrame({"frame": [], "t_min": []})
    if ft.empty:
        raise ValueError("the results have no recorded frames: tables tracks, fiber_frames "
                         "and migrasome_frames are all empty or missing")
    ft = ft.groupby("frame")["t_min"].first().sort_index()
    frames, times = ft.index.to_numpy(np.int64), ft.to_numpy(float)
    recorded = results.metadata.get("frame_interval_min")
    if recorded is None:
        recorded = float(np.median(np.diff(times))) if times.size > 1 else 1.0
    recorded = float(recorded)
    if frame_interval_min is None:
        return frames, times, recorded
    if not frame_interval_min > 0:
        raise ValueError(f"frame_interval_min={frame_interval_min!r}: must be > 0")
    step = frame_interval_min / recorded
    if step < 1 - 1e-9 or abs(step - round(step)) > 1e-6:
        raise ValueError(f"frame_interval_min={frame_interval_min!r}: must be a whole multiple "
                         f"of the recorded interval {recorded:g} min")
    targets = times[0] + np.arange(0.0, times[-1] - times[0] + 1e-9, frame_interval_min)
    idx = np.searchsorted(times, targets - 1e-6 * recorded)
    ok = (idx < times.size)
    idx = idx[ok]
    idx = idx[np.abs(times[idx] - targets[ok]) < 1e-6 * max(1.0, recorded)]
    return frames[idx], times[idx], float(frame_interval_min)


def _segment_in_rect(x0, y0, x1, y1, w, h) -> np.ndarray:
    """Whether segments (arrays) meet the rectangle [0, w) x [0, h) (Liang–Barsky)."""
    dx, dy = x1 - x0, y1 - y0
    t0, t1 = np.zeros(np.shape(x0)), np.ones(np.shape(x0))
    with np.errstate(divide="ignore", invalid="ignore"):
        for p, q in ((-dx, x0), (dx, w - x0), (-dy, y0), (dy, h - y0)):
            r = q / p
            t0 = np.where(p < 0, np.maximum(t0, r), t0)
            t1 = np.where(p > 0, np.minimum(t1, r), t1)
            t1 = np.where((p == 0) & (q < 0), -1.0, t1)
    return t0 <= t1


def crop_truth(results: Results, fov: FieldOfView, frames: np.ndarray, times: np.ndarray,
               interval: float, extra_metadata: dict | None = None) -> Results:
    """The ground truth seen in the movie, in image µm and movie frames.

    Rows are kept when the object is in the field of view: a cell when its body (centre ±
    radius) overlaps it, an RF when its segment crosses it, a migrasome when its centre is in
    it. ``frame`` becomes the movie frame, times become minutes from the first frame, and the
    simulation frame is kept as ``sim_frame``.

    Parameters
    ----------
    results : Results
        The simulation's results.
    fov : FieldOfView
        The imaged rectangle.
    frames : ndarray of int, shape (T,)
        Simulation frames shown (from :func:`select_frames`).
    times : ndarray, shape (T,)
        Their times, min.
    interval : float
        Movie frame interval, min.
    extra_metadata : dict, optional
        Merged into the truth's metadata.

    Returns
    -------
    Results
        The cropped tables; metadata ``source="render-truth"``, ``width_um``, ``height_um``,
        ``origin_um``, ``t0_min``, ``sim_frames``.

    Examples
    --------
    >>> res = synthetic_results()
    >>> fov = FieldOfView(0.0, 0.0, 160, 160, 0.5, (80.0, 80.0), True)
    >>> truth = crop_truth(res, fov, *select_frames(res, None))
    >>> len(truth.migrasomes), truth.metadata["source"]
    (9, 'render-truth')
    """
    t0 = float(times[0])
    fmap = pd.Series(np.arange(frames.size), index=frames)
    w, h = fov.width_um, fov.height_um
    tab: dict[str, pd.DataFrame] = {}

    def frame_rows(name: str) -> pd.DataFrame:
        df = results.tables[name]
        df = df[df["frame"].isin(frames)].copy()
        df["sim_frame"] = df["frame"]
        df["frame"] = df["frame"].map(fmap).astype(np.int64)
        df["t_min"] = df["t_min"] - t0
        return df

    tr = frame_rows("tracks") if "tracks" in results.tables else results.tracks
    rad = results.cells.set_index("cell_id")["radius_um"] if len(results.cells) else pd.Series(
        dtype=float)
    if len(tr):
        tr["x_um"], tr["y_um"] = fov.to_image(tr["x_um"], tr["y_um"])
        r = tr["cell_id"].map(rad).fillna(0.0).to_numpy()
        keep = ((tr["x_um"] > -r) & (tr["x_um"] < w + r) & (tr["y_um"] > -r) & (tr["y_um"] < h + r))
        tr = tr[keep.to_numpy()]
        tr["centre_in_view"] = ((tr["x_um"] >= 0) & (tr["x_um"] < w) & (tr["y_um"] >= 0)
                                & (tr["y_um"] < h))
    tab["tracks"] = tr
    tab["cells"] = results.cells[results.cells["cell_id"].isin(tr["cell_id"])]

    ff = frame_rows("fiber_frames") if "fiber_frames" in results.tables else results.fiber_frames
    if len(ff):
        x0, y0 = fov.to_image(ff["x0_um"], ff["y0_um"])
        dx, dy = fov.delta(ff["x1_um"] - ff["x0_um"], ff["y1_um"] - ff["y0_um"])
        ff["x0_um"], ff["y0_um"], ff["x1_um"], ff["y1_um"] = x0, y0, x0 + dx, y0 + dy
        ff = ff[_segment_in_rect(x0, y0, x0 + dx, y0 + dy, w, h)]
    tab["fiber_frames"] = ff
    fb = results.fibers[results.fibers["fiber_id"].isin(ff["fiber_id"])].copy()
    fb["anchor_x_um"], fb["anchor_y_um"] = fov.to_image(fb["anchor_x_um"], fb["anchor_y_um"])
    for c in ("t_form_min", "t_break_min"):
        fb[c] = fb[c] - t0
    tab["fibers"] = fb

    mf = (frame_rows("migrasome_frames") if "migrasome_frames" in results.tables
          else results.migrasome_frames)
    if len(mf):
        mf["x_um"], mf["y_um"] = fov.to_image(mf["x_um"], mf["y_um"])
        mf = mf[((mf["x_um"] >= 0) & (mf["x_um"] < w) & (mf["y_um"] >= 0)
                 & (mf["y_um"] < h)).to_numpy()]
    tab["migrasome_frames"] = mf
    mg = results.migrasomes[results.migrasomes["migrasome_id"].isin(mf["migrasome_id"])].copy()
    mg["x_um"], mg["y_um"] = fov.to_image(mg["x_um"], mg["y_um"])
    for c in mg.columns:
        if c.startswith("t_") and c.endswith("_min"):
            mg[c] = mg[c] - t0
    tab["migrasomes"] = mg

    meta = dict(results.metadata)
    meta.update({"source": "render-truth", "width_um": w, "height_um": h,
                 "frame_interval_min": float(interval), "periodic": False,
                 "origin_um": [fov.x0_um, fov.y0_um], "t0_min": t0,
                 "sim_frames": [int(f) for f in frames]})
    meta.update(extra_metadata or {})
    tables = {k: v.reset_index(drop=True) for k, v in tab.items()}
    return Results(tables=tables, metadata=meta)

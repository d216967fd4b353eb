"""Random scene geometry: lobed cells, curved branched RFs, migrasomes, debris; the truth.

Everything is in image µm (pixel (i, j) centred at ``((j + ½) px, (i + ½) px)``) and movie
frames.  RFs are fixed on the substrate (they are held by adhesions) except their proximal
end, which follows the cell as it moves away; a fibre that breaks is gone from then on (with
the fibres branching off it), and the migrasomes it carried stay, released.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..results import Results
from .families import Family

__all__ = ["Cell", "Fiber", "Scene", "sample_scene"]


@dataclass
class Cell:
    x_um: float
    y_um: float
    radius_um: float
    harmonics: np.ndarray  # (K, 3): order, amplitude, phase
    vx: float  # µm per frame
    vy: float
    brightness: float
    rim: float

    def centre(self, t: float) -> tuple[float, float]:
        return self.x_um + self.vx * t, self.y_um + self.vy * t

    def boundary_r(self, theta: np.ndarray) -> np.ndarray:
        theta = np.asarray(theta, float)
        r = np.ones_like(theta)
        for k, a, ph in self.harmonics:
            r += a * np.cos(k * theta + ph)
        return self.radius_um * np.maximum(r, 0.35)

    def depth_um(self, x: np.ndarray, y: np.ndarray, t: float) -> np.ndarray:
        """Approximate distance inside the boundary (negative outside), radially."""
        cx, cy = self.centre(t)
        dx, dy = np.asarray(x) - cx, np.asarray(y) - cy
        return self.boundary_r(np.arctan2(dy, dx)) - np.hypot(dx, dy)


@dataclass
class Fiber:
    fiber_id: int
    cell: int
    parent: int  # -1 from the cell
    points: np.ndarray  # (n, 2) µm, proximal first; points[0] moves with the cell if root
    brightness: float
    t_break: float  # frame from which it is gone (inf: never)


@dataclass
class Scene:
    """One scene: objects and the settings drawn for it."""

    width_um: float
    height_um: float
    n_frames: int
    cells: list
    fibers: list
    migrasomes: pd.DataFrame  # migrasome_id, fiber_id, cell_id, x_um, y_um, d_max_um, ...
    debris: pd.DataFrame  # x_um, y_um, diameter_um, photons_rel
    settings: dict

    def fiber_points(self, f: Fiber, t: float) -> np.ndarray | None:
        """The fibre's polyline at frame ``t`` (None when gone)."""
        if t >= self._gone_from(f):
            return None
        p = f.points.copy()
        if f.parent < 0:
            c = self.cells[f.cell]
            p[0] += (c.vx * t, c.vy * t)
        return p

    def _gone_from(self, f: Fiber) -> float:
        t = f.t_break
        while f.parent >= 0:
            f = self.fibers[f.parent]
            t = min(t, f.t_break)
        return t

    def truth(self, frame_interval_min: float) -> Results:
        """Ground truth in the tables a simulation records (see :mod:`migrasome.results`)."""
        dt = frame_interval_min
        T = self.n_frames
        # a movie records up to its last frame: what happens after it (a fibre gone between
        # the last frame and the next) is not an event of the movie, as in a simulation run
        last = T - 1
        tr = []
        for i, c in enumerate(self.cells):
            for t in range(T):
                x, y = c.centre(t)
                tr.append((i, t, t * dt, x, y, np.arctan2(c.vy, c.vx),
                           np.hypot(c.vx, c.vy) / dt, np.nan))
        tracks = pd.DataFrame(tr, columns=["cell_id", "frame", "t_min", "x_um", "y_um",
                                           "polarity_rad", "speed_um_per_min", "rear_width_um"])
        cells = pd.DataFrame({"cell_id": np.arange(len(self.cells), dtype=np.int64),
                              "cell_type": "scene",
                              "radius_um": [c.radius_um for c in self.cells]})
        ff, fb = [], []
        for f in self.fibers:
            gone = self._gone_from(f)
            length = 0.0
            for t in range(T):
                p = self.fiber_points(f, t)
                if p is None:
                    continue
                seg = np.hypot(*np.diff(p, axis=0).T)
                length = float(seg.sum())
                inside = (p[:, 0] >= 0) & (p[:, 0] <= self.width_um) & (p[:, 1] >= 0) & (
                    p[:, 1] <= self.height_um)
                in_view = inside[1:] & inside[:-1]
                seen = float(seg[in_view].sum())
                # what an image can show: in view and off every cell body (an RF starts
                # under its cell's edge and may run under another cell)
                mid = (p[1:] + p[:-1]) / 2
                off = in_view.copy()
                for c in self.cells:
                    off &= c.depth_um(mid[:, 0], mid[:, 1], t) <= 0
                ff.append((f.fiber_id, t, t * dt, p[-1, 0], p[-1, 1], p[0, 0], p[0, 1],
                           length, True, f.cell, seen, float(seg[off].sum())))
            fb.append((f.fiber_id, f.cell, f.parent, f.points[-1, 0], f.points[-1, 1], 0.0,
                       gone * dt if np.isfinite(gone) and gone <= last else np.nan, length))
        fibers = pd.DataFrame(fb, columns=["fiber_id", "cell_id", "parent_fiber_id",
                                           "anchor_x_um", "anchor_y_um", "t_form_min",
                                           "t_break_min", "length_um"])
        fiber_frames = pd.DataFrame(ff, columns=["fiber_id", "frame", "t_min", "x0_um",
                                                 "y0_um", "x1_um", "y1_um", "length_um",
                                                 "attached", "cell_id",
                                                 "length_in_view_um", "length_visible_um"])
        m = self.migrasomes
        rows = []
        for t in range(T):
            d = self.diameters(t)
            on = d > 0
            under = np.zeros(len(m), bool)
            for c in self.cells:
                under |= c.depth_um(m["x_um"].to_numpy(), m["y_um"].to_numpy(), t) > 0
            att = np.array([t < self._gone_from(self.fibers[k]) if k >= 0 else True
                            for k in m["fiber_id"]], bool)
            for k in np.flatnonzero(on):
                rows.append((int(m["migrasome_id"].iat[k]), t, t * dt, m["x_um"].iat[k],
                             m["y_um"].iat[k], d[k], bool(att[k]), int(m["cell_id"].iat[k]),
                             int(m["fiber_id"].iat[k]), bool(under[k])))
        mf = pd.DataFrame(rows, columns=["migrasome_id", "frame", "t_min", "x_um", "y_um",
                                         "diameter_um", "attached", "cell_id", "fiber_id",
                                         "under_cell"])
        # only what the camera sees: centres inside the field of view
        mf = mf[mf["x_um"].between(0, self.width_um) & mf["y_um"].between(0, self.height_um)]
        mf = mf.reset_index(drop=True)
        m = m[m["migrasome_id"].isin(mf["migrasome_id"])]
        onset = m["t_onset"].to_numpy()
        full = onset + m["growth_frames"].to_numpy()
        rel = np.asarray([self._gone_from(self.fibers[k]) if k >= 0 else np.inf
                          for k in m["fiber_id"]], float)
        bd = (m["t_breakdown"].to_numpy(float) if "t_breakdown" in m
              else np.full(len(m), np.inf))
        migrasomes = pd.DataFrame({
            "migrasome_id": m["migrasome_id"].to_numpy(np.int64),
            "cell_id": m["cell_id"].to_numpy(np.int64),
            "fiber_id": m["fiber_id"].to_numpy(np.int64),
            "x_um": m["x_um"].to_numpy(float), "y_um": m["y_um"].to_numpy(float),
            "site_type": m["site_type"].to_numpy(object),
            "t_nucleation_min": onset * dt, "t_growth_onset_min": onset * dt,
            "t_full_size_min": full * dt,
            "t_release_min": np.where(np.isfinite(rel) & (rel <= last), rel * dt, np.nan),
            "t_breakdown_min": np.where(bd <= last, bd * dt, np.nan),
            "max_diameter_um": m["d_max_um"].to_numpy(float)})
        meta = {"source": "scene", "n_frames": T, "frame_interval_min": dt,
                "width_um": self.width_um, "height_um": self.height_um,
                "scene": {k: v for k, v in self.settings.items()
                          if isinstance(v, (int, float, str))}}
        return Results(tables={"cells": cells, "tracks": tracks, "fibers": fibers,
                               "fiber_frames": fiber_frames, "migrasomes": migrasomes,
                               "migrasome_frames": mf}, metadata=meta)

    def diameters(self, t: float) -> np.ndarray:
        """Diameter of every migrasome at frame ``t`` (0 before it nucleates)."""
        m = self.migrasomes
        s = (t - m["t_onset"].to_numpy()) / m["growth_frames"].to_numpy()
        d = m["d_max_um"].to_numpy() * np.clip(0.25 + 0.75 * s, 0.0, 1.0)
        alive = t >= m["t_onset"].to_numpy()
        if "t_breakdown" in m:
            alive &= t < m["t_breakdown"].to_numpy()
        return np.where(alive, d, 0.0)


def _u(rng, lo_hi):
    return float(rng.uniform(*lo_hi))


def _grow_fiber(rng, start, heading, length, curvature, step=0.25):
    n = max(2, int(length / step))
    h = heading + np.cumsum(rng.normal(0, curvature * np.sqrt(step), n))
    pts = np.cumsum(np.c_[np.cos(h), np.sin(h)] * step, axis=0)
    return np.vstack([start, start + pts])


def _point_along(p, s):
    """Point and heading at arc length ``s`` along polyline ``p``."""
    seg = np.hypot(*np.diff(p, axis=0).T)
    cum = np.r_[0, np.cumsum(seg)]
    s = float(np.clip(s, 0, cum[-1]))
    k = int(np.clip(np.searchsorted(cum, s) - 1, 0, len(seg) - 1))
    a = (s - cum[k]) / max(seg[k], 1e-12)
    d = p[k + 1] - p[k]
    return p[k] + a * d, float(np.arctan2(d[1], d[0])), cum[-1]


def _diameter(rng):
    # log-uniform 0.5–3 µm, most migrasomes 0.8–2 µm (Ma 2015: 0.5–3 µm)
    return float(np.exp(rng.uniform(np.log(0.5), np.log(3.0))))


def sample_scene(fam: Family, *, width_um: float, height_um: float, n_frames: int,
                 rng: np.random.Generator) -> Scene:
    """Draw one scene of family ``fam``: cells, fibres, migrasomes and debris."""
    cells: list[Cell] = []
    n_cells = int(rng.integers(fam.n_cells[0], fam.n_cells[1] + 1))
    for _i in range(n_cells):
        R = _u(rng, fam.cell_radius_um)
        if cells and rng.random() < fam.overlap:
            o = cells[int(rng.integers(len(cells)))]
            a = rng.uniform(0, 2 * np.pi)
            dist = (o.radius_um + R) * rng.uniform(0.55, 0.95)
            x, y = o.x_um + dist * np.cos(a), o.y_um + dist * np.sin(a)
        else:
            x, y = rng.uniform(0.2, 0.8) * width_um, rng.uniform(0.2, 0.8) * height_um
        k = np.arange(2, 6)
        harm = np.c_[k, rng.uniform(0, fam.lobes, k.size) / np.sqrt(k - 1),
                     rng.uniform(0, 2 * np.pi, k.size)]
        phi = rng.uniform(0, 2 * np.pi)
        v = rng.uniform(0.0, 0.25)
        cells.append(Cell(x, y, R, harm, v * np.cos(phi), v * np.sin(phi),
                          brightness=rng.uniform(0.15, 0.5), rim=_u(rng, fam.rim)))
    fibers: list[Fiber] = []
    migs: list[dict] = []
    T = n_frames

    def add_mig(x: Any, y: Any, fid: int, cid: int, site: str, d: float | None = None,
                onset: float | None = None) -> dict:
        onset = rng.uniform(-T, 0.6 * T) if onset is None else onset
        migs.append(dict(migrasome_id=len(migs), fiber_id=fid, cell_id=cid, x_um=x, y_um=y,
                         d_max_um=_diameter(rng) if d is None else d, site_type=site,
                         t_onset=onset, growth_frames=rng.uniform(2, 8),
                         photons_rel=rng.uniform(0.6, 1.5)))
        return migs[-1]

    def maybe_touching(m, heading):
        if rng.random() < fam.touch_prob:
            d2 = float(np.clip(m["d_max_um"] * rng.uniform(0.6, 1.3), 0.6, 3.0))
            gap = (m["d_max_um"] + d2) / 2 * rng.uniform(0.85, 1.05)
            a = heading + rng.choice([-1, 1]) * rng.uniform(0, 0.6)
            add_mig(m["x_um"] + gap * np.cos(a), m["y_um"] + gap * np.sin(a), m["fiber_id"],
                    m["cell_id"], m["site_type"], d=d2, onset=m["t_onset"])

    for ci, c in enumerate(cells):
        rear = np.arctan2(-c.vy, -c.vx) if (c.vx or c.vy) else rng.uniform(0, 2 * np.pi)
        n_f = int(rng.integers(fam.fibers_per_cell[0], fam.fibers_per_cell[1] + 1))
        for _ in range(n_f):
            th = rear + rng.normal(0, fam.rear_spread_rad)
            r0 = c.boundary_r(np.array([th]))[0] * 0.9
            start = np.array([c.x_um + r0 * np.cos(th), c.y_um + r0 * np.sin(th)])
            L = _u(rng, fam.fiber_length_um)
            pts = _grow_fiber(rng, start, th + rng.normal(0, 0.3), L, fam.curvature)
            t_break = rng.uniform(1, T) if rng.random() < fam.release_prob else np.inf
            root = Fiber(len(fibers), ci, -1, pts, _u(rng, fam.fiber_brightness), t_break)
            fibers.append(root)
            todo = [root]
            if rng.random() < fam.branch_prob:
                s = rng.uniform(0.3, 0.8) * L
                p, h, _ = _point_along(pts, s)
                ang = h + rng.choice([-1, 1]) * rng.uniform(0.4, 1.2)
                child = Fiber(len(fibers), ci, root.fiber_id,
                              _grow_fiber(rng, p, ang, rng.uniform(0.3, 0.7) * (L - s) + 2,
                                          fam.curvature), root.brightness, np.inf)
                fibers.append(child)
                todo.append(child)
                if rng.random() < fam.branch_site_prob:
                    maybe_touching(add_mig(p[0], p[1], root.fiber_id, ci, "branch"), h)
            for f in todo:
                if rng.random() < fam.tip_prob:
                    p = f.points[-1]
                    h = float(np.arctan2(*(f.points[-1] - f.points[-3])[::-1]))
                    maybe_touching(add_mig(p[0], p[1], f.fiber_id, ci, "tip"), h)
                for _ in range(rng.poisson(fam.along_per_fiber)):
                    p, h, _ = _point_along(f.points, rng.uniform(0.25, 0.85) *
                                           _point_along(f.points, 0)[2])
                    maybe_touching(add_mig(p[0], p[1], f.fiber_id, ci, "branch"), h)
            if rng.random() < fam.edge_prob:  # where the fibre leaves the cell
                p, h, _ = _point_along(pts, rng.uniform(0.8, 2.0))
                add_mig(p[0], p[1], root.fiber_id, ci, "branch")
        if rng.random() < fam.under_prob:
            a = rear + rng.normal(0, 0.8)
            r = c.boundary_r(np.array([a]))[0] - rng.uniform(1.0, 3.0)
            add_mig(c.x_um + r * np.cos(a), c.y_um + r * np.sin(a), -1, ci, "branch")
    mig = pd.DataFrame(migs, columns=["migrasome_id", "fiber_id", "cell_id", "x_um", "y_um",
                                      "d_max_um", "site_type", "t_onset", "growth_frames",
                                      "photons_rel"])
    n_deb = rng.poisson(_u(rng, fam.debris_per_100um2) * width_um * height_um / 100)
    deb = pd.DataFrame({"x_um": rng.uniform(0, width_um, n_deb),
                        "y_um": rng.uniform(0, height_um, n_deb),
                        "diameter_um": rng.uniform(0.1, 0.45, n_deb),
                        "photons_rel": rng.uniform(0.03, 0.3, n_deb)})
    # a third of the debris sits on fibres (the hardest case: a punctum on an RF)
    if len(fibers) and n_deb:
        for kd in np.flatnonzero(rng.random(n_deb) < 0.33):
            f = fibers[int(rng.integers(len(fibers)))]
            p, _, _ = _point_along(f.points, rng.uniform(0.1, 1.0) *
                                   _point_along(f.points, 0)[2])
            deb.loc[kd, ["x_um", "y_um"]] = p
    if fam.breakdown_prob > 0 and len(mig):  # drawn last: the rest of the scene is unchanged
        lo, hi = fam.lifetime_frames
        life = np.maximum(rng.uniform(lo, hi, len(mig)),
                          mig["growth_frames"].to_numpy() + 1.0)
        mig["t_breakdown"] = np.where(rng.random(len(mig)) < fam.breakdown_prob,
                                      mig["t_onset"].to_numpy() + life, np.inf)
    return Scene(width_um, height_um, n_frames, cells, fibers, mig, deb, {})

"""Recording: snapshots of the state on recorded frames, and the final tables.

Kept apart from stepping (as in Mesa's DataCollector): the engine calls ``record`` on
recorded frames and ``tables`` once at the end.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..codes import Fate, SiteType, Stage, labels

__all__ = ["Recorder"]


class Recorder:
    """Collects per-frame rows as column chunks and turns them into schema tables."""

    def __init__(self):
        self.chunks: dict[str, list[dict[str, np.ndarray]]] = {
            "tracks": [], "fiber_frames": [], "migrasome_frames": []}

    def record(self, sim, frame: int) -> None:
        t = sim.t_min
        c, f, s = sim.cells, sim.fibers, sim.sites
        n = len(c)
        self.chunks["tracks"].append({
            "cell_id": c.ids.copy(), "frame": np.full(n, frame), "t_min": np.full(n, t),
            "x_um": c["x_um"].copy(), "y_um": c["y_um"].copy(),
            "polarity_rad": c["theta_rad"].copy(), "speed_um_per_min": c["speed_um_per_min"].copy(),
            "rear_width_um": c["rear_width_um"].copy(),
        })
        att = f["attached"]
        k = int(att.sum())
        self.chunks["fiber_frames"].append({
            "fiber_id": f.ids[att], "frame": np.full(k, frame), "t_min": np.full(k, t),
            "x0_um": f["anchor_x_um"][att], "y0_um": f["anchor_y_um"][att],
            "x1_um": f["x1_um"][att], "y1_um": f["y1_um"][att],
            "length_um": f["length_um"][att], "attached": np.ones(k, bool),
        })
        vis = s["stabilized"] & (s["stage"] >= Stage.EXPANDING) & (
            s["stage"] <= Stage.RELEASED)
        k = int(vis.sum())
        self.chunks["migrasome_frames"].append({
            "migrasome_id": s.ids[vis], "cell_id": s["cell_id"][vis], "frame": np.full(k, frame),
            "t_min": np.full(k, t), "x_um": s["x_um"][vis], "y_um": s["y_um"][vis],
            "diameter_um": s["diameter_um"][vis], "attached": s["attached"][vis].copy(),
        })

    def tables(self, sim) -> dict[str, pd.DataFrame]:
        out = {name: _concat(parts) for name, parts in self.chunks.items()}
        cells = sim.cells
        out["cells"] = pd.DataFrame({
            "cell_id": cells.ids, "cell_type": cells["cell_type"].astype(str),
            "radius_um": cells["radius_um"],
            "intrinsic_speed_um_per_min": cells["base_speed_um_per_min"],
        })
        fibers = sim.fibers.to_frame()
        out["fibers"] = fibers[["fiber_id", "cell_id", "parent_fiber_id", "anchor_x_um",
                                "anchor_y_um", "t_form_min", "t_break_min", "length_um",
                                "depth"]].copy()
        sites = sim.sites.to_frame()
        sites["site_type"] = sites["site_type"].map(labels(SiteType))
        sites["fate"] = sites["fate"].map(labels(Fate))
        out["sites"] = sites[["site_id", "cell_id", "fiber_id", "site_type", "x_um", "y_um",
                              "focus", "t_created_min", "t_nucleation_min",
                              "t_growth_onset_min", "t_full_size_min", "t_release_min",
                              "t_breakdown_min", "stabilized", "max_diameter_um",
                              "domain_area_um2", "fate"]].copy()
        mig = out["sites"][out["sites"]["stabilized"]].drop(columns=["stabilized", "focus"])
        out["migrasomes"] = mig.rename(columns={"site_id": "migrasome_id"}).reset_index(drop=True)
        return out


def _concat(parts: list[dict[str, np.ndarray]]) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame()
    keys = parts[0].keys()
    return pd.DataFrame({k: np.concatenate([p[k] for p in parts]) for k in keys})

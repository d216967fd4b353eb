"""The step loop: motility → fibres → biogenesis → release → functions → record.

``Simulation`` holds the state (struct-of-arrays ``Pool``s) and steps it in a fixed order;
``Recorder`` (in ``recording.py``) keeps what was measured apart from the stepping.

Contract for function modules (``sim/functions.py``): each has ``init(sim)``,
``step(sim)`` (called every step after release and breakdown), ``record(sim, frame)``,
``tables() -> dict[str, DataFrame]``. They may read every pool, add columns to
``sim.sites``, set ``sim.cells["motility_factor"]`` (multiplies speed) and
``sim.cells["bias_x"], ["bias_y"]`` (chemotactic turning, 1/min), and end a released
migrasome by setting its ``t_breakdown_min`` to ``sim.t_min`` and its ``fate`` (2 rupture,
3 uptake); the engine retires such sites at the end of the step.
"""

from __future__ import annotations

import numpy as np

from .. import __version__
from ..results import Results
from . import biogenesis as bio
from . import fibers as fib
from .functions import build_modules
from .motility import init_cells_arrays, motility_factors, specific_adhesion, step_motility
from .recording import Recorder
from .state import Pool

__all__ = ["Simulation", "ENGINE_READY", "FATE"]

ENGINE_READY = True

#: How a site ended: 0 still there at the end, 1 breakdown, 2 rupture, 3 uptake,
#: 4 aborted before it became a migrasome.
FATE = {0: "present", 1: "breakdown", 2: "rupture", 3: "uptake", 4: "aborted"}

CELL_COLUMNS = {
    "cell_type": object, "x_um": float, "y_um": float, "theta_rad": float,
    "base_speed_um_per_min": float, "speed_um_per_min": float, "radius_um": float,
    "rear_width_um": float, "turn_rate_rad_per_min": float, "pol_x": float, "pol_y": float,
    "motility_factor": float, "bias_x": float, "bias_y": float,
}

#: Specific adhesion of NRK cells on 10 µg/ml fibronectin; RF anchors scale from there.
REFERENCE_ADHESION = 0.75


class Simulation:
    """A running simulation of one scenario.

    Parameters
    ----------
    scenario : Scenario
        Resolved (perturbations already applied).
    """

    def __init__(self, scenario):
        self.scenario = scenario
        self.rng = np.random.default_rng(scenario.seed)
        self.dt_min = scenario.run.dt_min
        self.t_min = 0.0
        self.width_um, self.height_um = scenario.run.width_um, scenario.run.height_um
        self.cells = Pool("cell_id", CELL_COLUMNS)
        init = init_cells_arrays(scenario, self.rng)
        th = init["theta_rad"]
        self.cells.append(scenario.cells.n_cells, cell_type=scenario.cells.cell_type,
                          speed_um_per_min=0.0, rear_width_um=scenario.cells.rear_width_um,
                          turn_rate_rad_per_min=0.0, pol_x=np.cos(th), pol_y=np.sin(th),
                          motility_factor=1.0, bias_x=0.0, bias_y=0.0, **init)
        self.fibers = Pool("fiber_id", fib.FIBER_COLUMNS)
        self.sites = Pool("site_id", bio.SITE_COLUMNS)
        self.speed_factor, self.persistence_factor = motility_factors(scenario)
        self.anchor_density = (scenario.fibers.adhesion_density_per_um2
                               * specific_adhesion(scenario) / REFERENCE_ADHESION)
        self.rates = bio.site_rates(scenario)
        b = scenario.biogenesis
        self.focus_bin_um = b.sms2_focus_radius_um
        self.foci = np.zeros((int(np.ceil(self.height_um / self.focus_bin_um)) + 1,
                              int(np.ceil(self.width_um / self.focus_bin_um)) + 1), bool)
        self.focus_rate = b.sms2_focus_density_per_um2 * scenario.molecules.SMS2
        self.recorder = Recorder()
        self.modules = build_modules(scenario)
        for m in self.modules:
            m.init(self)
        self.steps_done = 0

    # -- one step ------------------------------------------------------------------------

    def step(self) -> None:
        """Advance the whole system by one time step ``dt_min``."""
        dt, rng, sc = self.dt_min, self.rng, self.scenario
        t = self.t_min + dt
        cells, fibers, sites = self.cells, self.fibers, self.sites
        step_motility(cells, sc, rng, dt, self.speed_factor, self.persistence_factor)
        self._lay_sms2_foci(dt)
        # reset what modules set for one step, after motility has used it
        cells["motility_factor"] = np.ones(len(cells))

        counts = fib.new_fiber_counts(cells, sc, rng, dt, self.anchor_density)
        ids, branch, jx, jy = fib.create_fibers(fibers, cells, counts, sc, rng, t)
        fib.fiber_geometry(fibers, cells, sc.fibers.max_depth)
        detached = fib.break_fibers(fibers, sc, rng, t, dt)
        self._add_sites(ids, branch, jx, jy, t)
        self._follow_fibers(t)

        bio.step_sites(sites, self.rates, sc, t, dt)
        self._degrade(t, dt)
        self.t_min = t
        for m in self.modules:
            m.step(self)
        self._retire(detached)
        self.steps_done += 1

    def _lay_sms2_foci(self, dt: float) -> None:
        """SMS2 foci assemble under the leading edge and stay on the substrate (Liang 2023)."""
        c = self.cells
        lam = 2 * c["radius_um"] * c["speed_um_per_min"] * dt * self.focus_rate
        n = self.rng.poisson(lam)
        if n.sum() == 0:
            return
        idx = np.repeat(np.arange(len(c)), n)
        th = c["theta_rad"][idx]
        r = c["radius_um"][idx]
        u = self.rng.uniform(-r, r)
        x = c["x_um"][idx] + r * np.cos(th) - u * np.sin(th)
        y = c["y_um"][idx] + r * np.sin(th) + u * np.cos(th)
        i, j = self._bin(x, y)
        self.foci[i, j] = True  # only whether a bin holds a focus matters

    def _bin(self, x, y):
        i = np.clip((y / self.focus_bin_um).astype(int), 0, self.foci.shape[0] - 1)
        j = np.clip((x / self.focus_bin_um).astype(int), 0, self.foci.shape[1] - 1)
        return i, j

    def _add_sites(self, fiber_ids, branch, jx, jy, t: float) -> None:
        """A tip site at each new fibre's adhesion, a branch site at each new junction."""
        if fiber_ids.size == 0:
            return
        f = self.fibers
        rows = f.index_of(fiber_ids)
        ok = rows >= 0
        fid = np.concatenate([fiber_ids[ok], fiber_ids[ok & branch]])
        rows = f.index_of(fid)
        n_tip = int(ok.sum())
        x = np.concatenate([f["anchor_x_um"][rows[:n_tip]], jx[ok & branch]])
        y = np.concatenate([f["anchor_y_um"][rows[:n_tip]], jy[ok & branch]])
        kind = np.r_[np.full(n_tip, bio.TIP), np.full(len(fid) - n_tip, bio.BRANCH)]
        i, j = self._bin(x, y)
        vals = bio.new_site_values(len(fid), kind, self.rng, self.scenario)
        self.sites.append(len(fid), cell_id=f["cell_id"][rows], fiber_id=fid, x_um=x, y_um=y,
                          attached=f["attached"][rows], focus=self.foci[i, j],
                          t_created_min=t, fate=0, **vals)

    def _follow_fibers(self, t: float) -> None:
        """Attached sites move with their fibre; sites on detached fibres are released
        (a kept swelling) or abandoned (anything earlier)."""
        s, f = self.sites, self.fibers
        if len(s) == 0:
            return
        rows = f.index_of(s["fiber_id"])
        r = np.maximum(rows, 0)
        on = (rows >= 0) & f["attached"][r]
        was = s["attached"]
        lost = was & ~on
        br = on & (s["site_type"] == bio.BRANCH)
        s["x_um"] = np.where(br, f["x1_um"][r], s["x_um"])
        s["y_um"] = np.where(br, f["y1_um"][r], s["y_um"])
        kept = lost & s["stabilized"]
        s["attached"] = was & on
        s["t_release_min"] = np.where(kept, t, s["t_release_min"])
        stage = s["stage"].copy()
        stage[kept] = bio.STAGE["released"]
        stage[lost & ~kept] = bio.STAGE["aborted"]
        s["stage"] = stage

    def _degrade(self, t: float, dt: float) -> None:
        """Released migrasomes break down at a constant rate (Wu 2017: live ≈200 min)."""
        s = self.sites
        rel = s["stage"] == bio.STAGE["released"]
        p = dt / self.scenario.biogenesis.degradation_time_min
        gone = rel & (self.rng.random(len(s)) < p)
        s["t_breakdown_min"] = np.where(gone, t, s["t_breakdown_min"])
        s["fate"] = np.where(gone, 1, s["fate"])

    def _retire(self, detached: np.ndarray) -> None:
        s = self.sites
        ended = np.isfinite(s["t_breakdown_min"])
        stage = s["stage"]
        stage[ended] = bio.STAGE["gone"]
        aborted = stage == bio.STAGE["aborted"]
        s["fate"] = np.where(aborted, 4, s["fate"])
        s.retire(ended | aborted)
        self.fibers.retire(~self.fibers["attached"])

    # -- the run -------------------------------------------------------------------------

    @property
    def n_steps(self) -> int:
        return int(round(self.scenario.run.hours * 60 / self.dt_min))

    @property
    def record_every(self) -> int:
        return max(1, int(round(self.scenario.run.record_every_min / self.dt_min)))

    def record(self) -> None:
        frame = self.steps_done // self.record_every
        self.recorder.record(self, frame)
        for m in self.modules:
            m.record(self, frame)

    def run(self, progress=None, *, spool_dir=None, checkpoint=None,
            checkpoint_every_min: float | None = None) -> Results:
        """Run to the end (or on from a restored checkpoint); ``progress(done, total)`` is
        called as steps complete.

        ``spool_dir``: stream the recorded frames and the retired fibres and sites to
        Parquet files there (memory flat in simulated time). ``checkpoint``,
        ``checkpoint_every_min``: write a checkpoint to that folder every so many
        simulated minutes (see ``save_checkpoint``).
        """
        total = self.n_steps
        if spool_dir is not None:
            from pathlib import Path

            self.recorder.spool(spool_dir)
            for name in self._SPOOLED_POOLS:
                if getattr(self, name)._spool_dir is None:
                    getattr(self, name).spool(Path(spool_dir) / name)
        every = 0
        if checkpoint is not None and checkpoint_every_min:
            every = max(1, int(round(checkpoint_every_min / self.dt_min)))
        if self.steps_done == 0:
            self.record()
        for k in range(self.steps_done + 1, total + 1):
            self.step()
            if k % self.record_every == 0:
                self.record()
            if every and k % every == 0 and k < total:
                self.save_checkpoint(checkpoint)
            if progress is not None and (k % 20 == 0 or k == total):
                progress(k, total)
        return self.results()

    def results(self) -> Results:
        sc = self.scenario
        tables = self.recorder.tables(self)
        for m in self.modules:
            tables.update(m.tables())
        meta = {
            "source": "simulation",
            "package_version": __version__,
            "seed": sc.seed,
            "preset": sc.name,
            "perturbations": list(sc.perturbations),
            "dt_min": self.dt_min,
            "frame_interval_min": self.record_every * self.dt_min,
            "hours": sc.run.hours,
            "width_um": self.width_um,
            "height_um": self.height_um,
            "scenario": sc.model_dump(mode="json"),
        }
        from ..results import SCHEMA, validate_table

        res = Results(tables={}, metadata=meta)
        for name in list(tables):  # one at a time, and no copy of a table that conforms
            df = tables.pop(name)
            ok = all(c in df.columns and str(df[c].dtype) == d
                     for c, d in SCHEMA.get(name, {}).items())
            res.tables[name] = df if ok else validate_table(name, df)
        return res

    # -- checkpoints ---------------------------------------------------------------------

    #: Pools whose retired rows are streamed with ``run(spool_dir=...)``.
    _SPOOLED_POOLS = ("fibers", "sites")

    def save_checkpoint(self, path):
        """Write the whole state (pools, RNG bit-generator state, recorder, function
        modules) to the folder ``path``, atomically: ``state.pkl`` and the frames streamed
        so far. ``Simulation.restore(path).run()`` continues to the same tables as an
        uninterrupted run.
        """
        import pickle
        import shutil
        from pathlib import Path

        from ..results import atomic_dir

        rec = self.recorder
        rec.flush()
        with atomic_dir(path, overwrite=True) as tmp:
            for name, files in rec.files.items():
                (tmp / "frames" / name).mkdir(parents=True)
                for f in files:
                    shutil.copyfile(f, tmp / "frames" / name / f.name)
            for name in self._SPOOLED_POOLS:
                (tmp / "pools" / name).mkdir(parents=True)
                for f in getattr(self, name).spooled:
                    shutil.copyfile(f, tmp / "pools" / name / f.name)
            state = dict(self.__dict__)
            state["_checkpoint_version"] = __version__
            with open(tmp / "state.pkl", "wb") as fh:
                pickle.dump(state, fh, protocol=pickle.HIGHEST_PROTOCOL)
        return Path(path)

    @classmethod
    def restore(cls, path, *, spool_dir=None) -> "Simulation":
        """The simulation saved by ``save_checkpoint`` in folder ``path``.

        Frames streamed before the checkpoint are copied to ``spool_dir`` (required when
        there are any), where the rest of the run streams too.

        Raises
        ------
        FileNotFoundError
            If ``path`` holds no checkpoint.
        ValueError
            If the checkpoint has streamed frames and no ``spool_dir`` is given.
        """
        import pickle
        import shutil
        from pathlib import Path

        path = Path(path)
        if not (path / "state.pkl").is_file():
            raise FileNotFoundError(f"{path} is not a checkpoint: no state.pkl in it")
        with open(path / "state.pkl", "rb") as fh:
            state = pickle.load(fh)
        state.pop("_checkpoint_version", None)
        sim = cls.__new__(cls)
        sim.__dict__.update(state)
        rec = sim.recorder
        pools = [getattr(sim, name) for name in cls._SPOOLED_POOLS]
        for name, pool in zip(cls._SPOOLED_POOLS, pools):
            if pool.spooled and spool_dir is None:
                raise ValueError(f"checkpoint {path} has streamed rows: give spool_dir")
            if pool.spooled:
                folder = Path(spool_dir) / name
                folder.mkdir(parents=True, exist_ok=True)
                for i, f in enumerate(pool.spooled):
                    pool.spooled[i] = folder / f.name
                    shutil.copyfile(path / "pools" / name / f.name, pool.spooled[i])
                pool._spool_dir = folder
            elif spool_dir is not None:
                pool._spool_dir = None
                pool.spool(Path(spool_dir) / name)
            else:
                pool._spool_dir = None
        if any(rec.files.values()):
            if spool_dir is None:
                raise ValueError(f"checkpoint {path} has streamed frames: give spool_dir")
            for name, files in rec.files.items():
                (Path(spool_dir) / name).mkdir(parents=True, exist_ok=True)
                rec.files[name] = []
                for f in files:
                    dst = Path(spool_dir) / name / f.name
                    shutil.copyfile(path / "frames" / name / f.name, dst)
                    rec.files[name].append(dst)
            rec.spool_dir = Path(spool_dir)
        elif spool_dir is not None:
            rec.spool(spool_dir)
        else:
            rec.spool_dir = None
        return sim

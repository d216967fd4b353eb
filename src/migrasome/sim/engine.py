"""The step loop: it orders the mechanisms, advances the clock once, and records.

``Simulation`` holds the state (struct-of-arrays ``Pool``s) and steps it in a fixed order;
each mechanism lives in its own module and returns or writes its changes:

1. motility (``motility``), SMS2 foci (``foci``);
2. fibres: existing ones follow the rear, new ones from rear adhesions, breakage
   (``fibers``);
3. sites: new ones on new fibres, release from detached fibres (``biogenesis``,
   ``release``), site kinetics (``biogenesis``), breakdown of released ones (``release``);
4. function modules in ``functions.MODULE_ORDER`` (cargo, mitochondria, signalling);
5. ended sites and detached fibres are retired.

The clock advances at the start of the step: every event of a step is stamped with the
step's end time ``t_min``. ``Recorder`` (in ``recording.py``) keeps what was measured apart
from the stepping.

Contract for function modules (``sim/functions.py``): each has ``init(sim)``,
``step(sim)`` (called every step after release and breakdown), ``record(sim, frame)``,
``tables() -> dict[str, DataFrame]``. They may read every pool, add columns to
``sim.sites``, set ``sim.cells["motility_factor"]`` (multiplies speed) and
``sim.cells["bias_x"], ["bias_y"]`` (chemotactic turning, 1/min), and end a released
migrasome by setting its ``t_breakdown_min`` to ``sim.t_min`` and its ``fate``
(``Fate.RUPTURE`` or ``Fate.UPTAKE``); the engine retires such sites at the end of the step.
"""

from __future__ import annotations

import contextlib

import numpy as np

from .._version import __version__
from ..codes import Fate
from ..results import Results
from . import biogenesis as bio
from . import fibers as fib
from . import release
from .foci import FocusGrid, lay_foci
from .functions import build_modules
from .motility import (
    init_cells_arrays,
    motility_factors,
    reference_scenario,
    specific_adhesion,
    step_motility,
)
from .recording import Recorder
from .state import Pool, system_arrow_pool

__all__ = ["Simulation", "CELL_COLUMNS"]

CELL_COLUMNS = {
    "cell_type": object, "x_um": float, "y_um": float, "theta_rad": float,
    "base_speed_um_per_min": float, "speed_um_per_min": float, "radius_um": float,
    "rear_width_um": float, "turn_rate_rad_per_min": float, "pol_x": float, "pol_y": float,
    "motility_factor": float, "bias_x": float, "bias_y": float,
}


_PRESENT = int(Fate.PRESENT)  # a plain int: NumPy is slow to take an enum member


def _conform(name: str, df):
    """``df`` cast to the schema of table ``name`` (itself when it conforms already)."""
    from ..results import SCHEMA, validate_table

    ok = all(c in df.columns and str(df[c].dtype) == d for c, d in SCHEMA.get(name, {}).items())
    return df if ok else validate_table(name, df)


def _apply(pool: Pool, changes: dict[str, np.ndarray]) -> None:
    for name, values in changes.items():
        pool[name] = values


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
        # RF anchors scale with specific adhesion, relative to the reference condition
        self.anchor_density = (scenario.fibers.adhesion_density_per_um2
                               * specific_adhesion(scenario)
                               / specific_adhesion(reference_scenario(scenario)))
        self.rates = bio.site_rates(scenario)
        b = scenario.biogenesis
        self.foci = FocusGrid.empty(self.width_um, self.height_um, b.sms2_focus_radius_um,
                                    lifetime_min=b.sms2_focus_lifetime_min)
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
        self.t_min = t = self.t_min + dt
        cells, fibers, sites = self.cells, self.fibers, self.sites

        step_motility(cells, sc, rng, dt, self.speed_factor, self.persistence_factor)
        rows, cols, layers = lay_foci(cells, self.focus_rate, self.foci, rng, dt)
        self.foci.lay(rows, cols, layers, t_min=t)
        # what modules set for one step is reset once motility has used it
        cells["motility_factor"][...] = 1.0

        # existing RFs follow the rear that just moved, so new adhesions meet them where
        # they are now (joining would otherwise depend on how far the rear moved per step)
        fib.fiber_geometry(fibers, cells, sc.fibers.max_depth)
        counts = fib.new_fiber_counts(cells, sc, rng, dt, self.anchor_density)
        ids, branch, jx, jy = fib.create_fibers(fibers, cells, counts, sc, rng, t)
        fib.break_fibers(fibers, sc, rng, t, dt)

        new = bio.new_sites(fibers, ids, branch, jx, jy, self.foci, rng, sc, t)
        if new:
            sites.append(len(new["fiber_id"]), t_created_min=t, fate=_PRESENT, **new)
        _apply(sites, release.follow_fibers(sites, fibers, t))
        bio.step_sites(sites, self.rates, sc, t, dt)
        _apply(sites, release.break_down(sites, sc.biogenesis.degradation_time_min, rng, t, dt))

        for m in self.modules:
            m.step(self)

        changes, ended = release.end_sites(sites)
        _apply(sites, changes)
        sites.retire(ended)
        fibers.retire(~fibers["attached"])
        self.steps_done += 1

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
        streaming = self.recorder.spool_dir is not None
        with system_arrow_pool() if streaming else contextlib.nullcontext():
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
        """The run's Results. A run that streamed (``run(spool_dir=...)``) hands its tables
        over as Parquet files in a temporary folder of their own, read when first used and
        removed with the Results; otherwise they are built in memory."""
        sc = self.scenario
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
            "boundary": "reflecting",
            "scenario": sc.model_dump(mode="json"),
        }
        from ..results import TableStore

        if self.recorder.spool_dir is not None:
            import tempfile

            keep = tempfile.TemporaryDirectory(prefix="migrasome-results-")
            store = TableStore(self.recorder.write_tables(self, keep.name, conform=_conform),
                               keep=keep)
        else:
            tables = self.recorder.tables(self)
            store = TableStore()
            for name in list(tables):  # one at a time, and no copy of a table that conforms
                store[name] = _conform(name, tables.pop(name))
        for m in self.modules:
            for name, df in m.tables().items():
                store[name] = _conform(name, df)
        return Results(tables=store, metadata=meta)

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
    def restore(cls, path, *, spool_dir=None) -> Simulation:
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

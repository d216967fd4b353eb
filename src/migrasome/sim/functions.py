"""Function modules plugged into the engine: cargo, mitocytosis, signalling (MODEL.md §5).

Owns which function modules a run has, the order they step in and their read-outs.
``build_modules(scenario)`` returns the modules the scenario switches on; they share one
``Shared`` object (the cargo ``Ledger``, the signal ``Field``, the recipient cells). They
init and step in ``MODULE_ORDER``: signalling (field uptake, diffusion, decay; chemotaxis
of recipients and responsive cells; embryo outcome at the last step) → mitochondria
(damage, mitophagy, mitocytosis) → cargo (migracytosis, fates, signal release).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..codes import Fate, labels
from . import cargo as cg
from . import field as fl
from . import mitochondria as mt
from . import signalling as sg

__all__ = ["build_modules", "summarize_functions", "Shared", "MODULE_ORDER"]

#: The order in which function modules are initialised and stepped. Signalling comes first
#: so that recipients read the field before this step's deposits.
MODULE_ORDER = ("signalling", "mitochondria", "cargo")


class Shared:
    """State the function modules share within one simulation.

    Parameters
    ----------
    scenario : Scenario
        The run's scenario.

    Attributes
    ----------
    sc : Scenario
        The run's scenario.
    ledger : Ledger
        Amounts moved between compartments.
    field : Field or None
        The signal field, once the signalling module made it.
    recipients : Pool or None
        Recipient cells, if the scenario has any.
    species : list of str
        Signalling species (empty when the field is off).
    mdnp_rows : list of dict
        MDNPs freed by ruptures, one dict of arrays per step with ruptures.
    embryo : dict or None
        The embryo's outcome, once scored.
    """

    def __init__(self, scenario):
        self.sc = scenario
        self.ledger = cg.Ledger()
        self.field: fl.Field | None = None
        self.recipients = None
        self.species = list(scenario.field.species) if scenario.field.enabled else []
        self.mdnp_rows: list[dict] = []
        self.embryo: dict | None = None

    def takers(self, sim):
        """Cell populations that may take migrasomes up.

        Parameters
        ----------
        sim : Simulation
            The running engine (its ``cells`` pool).

        Returns
        -------
        list of (str, Pool)
            ``("cell", sim.cells)``, then ``("recipient", recipients)`` if there are recipients;
            a taker's kind is its index in this list.
        """
        out = [("cell", sim.cells)]
        if self.recipients is not None:
            out.append(("recipient", self.recipients))
        return out


class MitochondriaModule:
    """Mitochondrial quality control of the engine's cells (see :mod:`migrasome.sim.mitochondria`).

    Parameters
    ----------
    shared : Shared
        State shared with the other function modules (the ledger).
    """

    def __init__(self, shared):
        self.sh, self.frames = shared, []

    def init(self, sim) -> None:
        """Add this module's columns and state before the first step.

        Parameters
        ----------
        sim : Simulation
            The engine (its pools, scenario and generator).
        """
        mt.add_columns(sim.cells, sim.sites, sim.scenario.mitochondria)
        self.n0 = len(sim.cells) * sim.scenario.mitochondria.n_per_cell

    def step(self, sim) -> None:
        """Advance this module by one engine step.

        Parameters
        ----------
        sim : Simulation
            The engine, at the end of its mechanism step (``sim.t_min``, ``sim.dt_min`` in min).
        """
        f = mt.step(sim.cells, sim.sites, sim.scenario.mitochondria, sim.dt_min, sim.rng,
                    self.sh.ledger)
        sim.cells["motility_factor"] = sim.cells["motility_factor"] * f

    def record(self, sim, frame) -> None:
        """Record this module's state at a recorded frame.

        Parameters
        ----------
        sim : Simulation
            The engine.
        frame : int
            The recorded frame number.
        """
        c = sim.cells
        self.frames.append(pd.DataFrame({
            "cell_id": c.ids, "frame": frame, "t_min": sim.t_min,
            "healthy": c["mito_healthy"], "damaged": c["mito_damaged"],
            "healthy_fraction": mt.healthy_fraction(c),
            "exported_cumulative": c["mito_exported"], "degraded_cumulative": c["mito_degraded"],
            "cccp_uM": sim.scenario.mitochondria.cccp_uM}))

    def tables(self) -> dict[str, pd.DataFrame]:
        """This module's tables for the Results.

        Returns
        -------
        dict of str to DataFrame
            ``mitochondria_frames``: per cell and frame, healthy and damaged counts.
        """
        return {"mitochondria_frames": pd.concat(self.frames, ignore_index=True)
                if self.frames else pd.DataFrame()}


class CargoModule:
    """Migracytosis, fates and signal release of the sites (see :mod:`migrasome.sim.cargo`).

    Parameters
    ----------
    shared : Shared
        State shared with the other function modules (ledger, field, recipients).
    """

    def __init__(self, shared):
        self.sh = shared

    def init(self, sim) -> None:
        """Add this module's columns and state before the first step.

        Parameters
        ----------
        sim : Simulation
            The engine (its pools, scenario and generator).
        """
        p = sim.scenario.cargo
        cg.add_cell_columns(sim.cells, p)
        for _, pool in self.sh.takers(sim):
            cg.add_recipient_columns(pool)
        cg.add_site_columns(sim.sites, self.sh.species)
        sim.sites.add_column("injected", bool, False)
        self.sites = sim.sites

    def _density(self, cell_types) -> np.ndarray:
        table = self.sh.sc.cargo.signal_au_per_um3
        out = np.zeros((len(self.sh.species), len(cell_types)))
        for s, name in enumerate(self.sh.species):
            look = {ct: table.get(ct, {}).get(name, 0.0) for ct in set(cell_types)}
            out[s] = [look[ct] for ct in cell_types]
        return out

    def fill_injected(self, sim, ids) -> None:
        """Injected migrasomes carry the donor type's cargo at their full size.

        Parameters
        ----------
        sim : Simulation
            The engine.
        ids : ndarray of int, shape (n,)
            Ids of the injected sites.
        """
        p, s = sim.scenario.cargo, sim.sites
        cg.clean_new_rows(s, self.sh.species)
        rows = s.index_of(ids)
        v = cg.migrasome_volume_um3(s["diameter_um"][rows])
        s["cargo_volume_um3"][rows] = v
        s["protein_au"][rows] = p.protein_au_per_um3 * v
        s["n_vesicles"][rows] = sim.rng.poisson(p.vesicles_per_um3 * v)
        g = sim.rng.poisson(p.rna_granules_per_um3 * v)
        s["rna_granules"][rows] = g
        s["mrna_copies"][rows] = g * p.mrna_copies_per_granule
        dens = self._density([sim.scenario.signalling.injection.donor_cell_type])[:, 0]
        for k, col in enumerate(cg.signal_columns(self.sh.species)):
            s[col][rows] = dens[k] * v
            s[col.replace("_au", "_loaded_au")][rows] = dens[k] * v
            self.sh.ledger.add(f"{self.sh.species[k]}:injection->migrasome", dens[k] * v)
        for col in ("protein_au", "n_vesicles", "mrna_copies"):
            self.sh.ledger.add(f"{col}:injection->migrasome", s[col][rows])

    def step(self, sim) -> None:
        """Advance this module by one engine step.

        Parameters
        ----------
        sim : Simulation
            The engine, at the end of its mechanism step (``sim.t_min``, ``sim.dt_min`` in min).
        """
        p, sh, s = sim.scenario.cargo, self.sh, sim.sites
        cg.clean_new_rows(s, sh.species)
        dens = self._density(list(sim.cells["cell_type"]))
        cg.fill_attached(s, sim.cells, p, sh.species, dens, sim.rng, sh.ledger)
        cg.replenish(sim.cells, p, sim.dt_min, sim.rng, sh.ledger)
        takers = sh.takers(sim)
        fate = cg.choose_fates(s, takers, p, sim.t_min, sim.dt_min, sim.rng)
        ends = s["t_breakdown_min"]
        ending = ~s["settled"] & np.isfinite(ends) & (ends <= sim.t_min + 1e-9) & \
            (s["cargo_volume_um3"] > 0)
        mask = (fate > 0) | ending
        if mask.any():
            fate = np.where(ending & (fate == Fate.PRESENT),
                            np.maximum(s["fate"], Fate.BREAKDOWN), fate)
            rel, md = cg.settle(s, mask, fate, takers, sh.species, sh.ledger, sim.t_min)
            if len(md["migrasome_id"]):
                md["t_min"] = np.full(len(md["migrasome_id"]), sim.t_min)
                sh.mdnp_rows.append(md)
            if sh.field is not None:
                for k in range(len(sh.species)):
                    fl.deposit(sh.field, k, s["x_um"][mask], s["y_um"][mask], rel[k])
        if sh.field is not None:
            leak = cg.leak_signal(s, sh.species, sim.scenario.field.release_per_min,
                                  sim.dt_min, sh.ledger)
            for k in range(len(sh.species)):
                fl.deposit(sh.field, k, s["x_um"], s["y_um"], leak[k])
        for _, pool in takers:
            cg.translate(pool, p, sim.dt_min, sim.rng, sh.ledger)

    def record(self, sim, frame) -> None:
        """Record this module's state at a recorded frame.

        Parameters
        ----------
        sim : Simulation
            The engine.
        frame : int
            The recorded frame number.
        """
        pass

    def tables(self) -> dict[str, pd.DataFrame]:
        """This module's tables for the Results.

        Returns
        -------
        dict of str to DataFrame
            ``cargo`` (per migrasome), ``mdnps`` (per rupture), ``cargo_balance`` (the ledger).
        """
        df = self.sites.to_frame()
        df = df[df["cargo_volume_um3"] > 0]
        cols = ["site_id", "cell_id", "injected", "x_um", "y_um", "cargo_volume_um3",
                "protein_au", "n_vesicles", "rna_granules", "mrna_copies"]
        cols += [c for c in df.columns if c.endswith("_loaded_au")]
        cols += [c for c in ("n_mito", "n_mito_damaged") if c in df.columns]
        out = df[cols + ["fate", "taker_kind", "taker_id"]].rename(
            columns={"site_id": "migrasome_id"}).reset_index(drop=True)
        kinds = {k: n for k, (n, _) in enumerate([("cell", None), ("recipient", None)])}
        out["fate"] = out["fate"].map(labels(Fate))
        out["taker_kind"] = out["taker_kind"].map(kinds).fillna("")
        tabs = {"cargo": out}
        rows = self.sh.mdnp_rows
        tabs["mdnps"] = (pd.DataFrame({k: np.concatenate([r[k] for r in rows]) for k in rows[0]})
                         if rows else pd.DataFrame(columns=["migrasome_id", "x_um", "y_um",
                                                            "n_mdnp", "t_min"]))
        tabs["cargo_balance"] = pd.DataFrame(
            [{"flow": k, "amount": v} for k, v in sorted(self.sh.ledger.flows.items())])
        return tabs


def build_modules(scenario) -> list:
    """The function modules a scenario switches on, in ``MODULE_ORDER``.

    Parameters
    ----------
    scenario : Scenario
        The run's scenario (``field``, ``signalling``, ``mitochondria``, ``cargo`` switches).

    Returns
    -------
    list
        Module objects with ``init(sim)``, ``step(sim)``, ``record(sim, frame)`` and
        ``tables()``; empty when no function is on.

    Examples
    --------
    >>> from migrasome.scenario import Scenario
    >>> build_modules(Scenario())
    []
    >>> s = Scenario().with_changes(**{"cargo.enabled": True, "mitochondria.enabled": True})
    >>> [type(m).__name__ for m in build_modules(s)]
    ['MitochondriaModule', 'CargoModule']
    """
    sc = scenario
    wanted = {"signalling": sc.field.enabled or sc.signalling.enabled,
              "mitochondria": sc.mitochondria.enabled, "cargo": sc.cargo.enabled}
    if not any(wanted.values()):
        return []
    sh = Shared(sc)
    cargo = CargoModule(sh) if wanted["cargo"] else None
    make = {"signalling": lambda: sg.SignallingModule(sh, cargo),
            "mitochondria": lambda: MitochondriaModule(sh), "cargo": lambda: cargo}
    return [make[name]() for name in MODULE_ORDER if wanted[name]]


def _rate(df: pd.DataFrame, col: str) -> dict:
    k, n = int(df[col].sum()), len(df)
    lo, hi = sg.wilson_ci(k, n)
    return {f"{col}_rate": k / n if n else np.nan, f"{col}_ci95_low": lo,
            f"{col}_ci95_high": hi}


def summarize_functions(results) -> dict:
    """Read-outs of the function modules from a Results (empty when none ran).

    Parameters
    ----------
    results : Results
        A simulation's results (its ``tables`` dict: ``cargo``, ``mdnps``,
        ``mitochondria_frames``, ``recipient_frames``, ``embryos``, when present).

    Returns
    -------
    dict
        Cargo: ``rna_fraction``, ``mean_inner_vesicles``, fate fractions, ``n_mdnps``;
        mitochondria: ``mitocytosis_per_cell_per_h``, ``mitophagy_per_cell_per_h`` (1/h per
        cell), ``final_healthy_fraction``; recipients: ``recipients_with_uptake_fraction``;
        embryos: ``n_embryos``, ``organ_defect_rate`` with its 95 % Wilson interval,
        ``laterality_defect_rate`` (same), ``expected_organ_defect_rate`` (mean model
        probability, a low-variance estimate), ``dfc_clustered_fraction``,
        ``migrasomes_per_embryo``.
    """
    t = results.tables
    out: dict = {}
    cargo = t.get("cargo")
    if cargo is not None and len(cargo):
        own = cargo[~cargo["injected"].astype(bool)]
        out["n_migrasomes_with_cargo"] = int(len(own))
        out["rna_fraction"] = float((own["mrna_copies"] > 0).mean()) if len(own) else np.nan
        out["mean_inner_vesicles"] = float(own["n_vesicles"].mean()) if len(own) else np.nan
        ended = cargo[cargo["fate"].isin(["breakdown", "rupture", "uptake"])]
        for f in ("breakdown", "rupture", "uptake"):
            out[f"{f}_fraction"] = float((ended["fate"] == f).mean()) if len(ended) else np.nan
    if t.get("mdnps") is not None:
        out["n_mdnps"] = int(t["mdnps"]["n_mdnp"].sum()) if len(t["mdnps"]) else 0
    mf = t.get("mitochondria_frames")
    if mf is not None and len(mf):
        keys = ["replicate"] if "replicate" in mf.columns else []
        last = mf[mf["frame"] == mf.groupby(keys)["frame"].transform("max")] if keys else \
            mf[mf["frame"] == mf["frame"].max()]
        hours = max(float(last["t_min"].max()) / 60.0, 1e-9)
        out["mitocytosis_per_cell_per_h"] = float(last["exported_cumulative"].mean() / hours)
        out["mitophagy_per_cell_per_h"] = float(last["degraded_cumulative"].mean() / hours)
        out["final_healthy_fraction"] = float(last["healthy_fraction"].mean())
    rf = t.get("recipient_frames")
    if rf is not None and len(rf) and "received_protein_au" in rf.columns:
        last = rf[rf["frame"] == rf["frame"].max()]
        out["recipients_with_uptake_fraction"] = float((last["n_taken_up"] > 0).mean())
    emb = t.get("embryos")
    if emb is not None and len(emb):
        out["n_embryos"] = int(len(emb))
        out.update(_rate(emb, "organ_defect"))
        out.update(_rate(emb, "laterality_defect"))
        out["expected_organ_defect_rate"] = float(emb["p_organ_defect"].mean())
        out["dfc_clustered_fraction"] = float(emb["dfc_clustered_fraction"].mean())
        out["migrasomes_per_embryo"] = float(emb["n_migrasomes_formed"].mean())
    return out

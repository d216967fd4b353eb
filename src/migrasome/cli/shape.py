"""`migrasome shape`: solve the tube with a stiff domain, or its phase diagram."""

from __future__ import annotations

import math
from pathlib import Path

import typer

from ._app import app, fail


def _positive(name: str, value: float | None, upper: float | None = None) -> None:
    if value is None:
        return
    if not math.isfinite(value):
        fail(f"{name} {value!r} must be a finite number")
    if not value > 0 or (upper is not None and value > upper):
        rng = "> 0" + (f" and ≤ {upper:g}" if upper is not None else "")
        fail(f"{name} {value!r} is out of range: must be {rng}")


def _save(fig, out: Path, overwrite: bool) -> None:
    from ..files import atomic_file

    with atomic_file(out, overwrite=overwrite) as tmp:
        fig.savefig(tmp, dpi=120, bbox_inches="tight")


@app.command()
def shape(
    kappa_ratio: float = typer.Option(10.0, help="κ_p/κ_l, domain over tube rigidity (0, 1e4]."),
    domain_area_um2: float | None = typer.Option(None, help="Domain area, µm²."),
    domain_area_r0sq: float | None = typer.Option(
        None, help="Domain area in units of r0² (default 600 if no area is given)."),
    tension_pN_per_um: float = typer.Option(
        10.0, help="Membrane tension σ, pN/µm (> 0, ≤ 1e4: membranes lyse near 10 mN/m)."),
    kappa_kT: float = typer.Option(20.0, help="Tube bending rigidity κ_l, kT (> 0, ≤ 1000)."),
    gaussian_jump: float = typer.Option(0.0, help="(κ̄_p − κ̄_l)/κ_l at the domain boundary."),
    line_tension: float = typer.Option(0.0, help="Boundary line tension, κ_l/r0 (≥ 0)."),
    tube: str = typer.Option("infinite", help="infinite (pulled) or finite (fixed ends)."),
    tube_length_r0: float = typer.Option(80.0, help="Length of a finite tube, r0."),
    out: Path | None = typer.Option(
        None, help="Figure to write (PNG, PDF, SVG); default shape.png, or "
        "shape-diagram.png with --diagram."),
    overwrite: bool = typer.Option(False, help="Replace an existing figure."),
    diagram: bool = typer.Option(False, help="Compute and plot the phase diagram instead."),
    n_area: int = typer.Option(10, help="Diagram: number of domain areas (2–100)."),
    n_kappa: int = typer.Option(6, help="Diagram: number of rigidity ratios (2–100)."),
    area_max_r0sq: float = typer.Option(
        1.0e4, help="Diagram: largest domain area, r0² (20–1e5)."),
    kappa_max: float = typer.Option(30.0, help="Diagram: largest rigidity ratio (> 1, ≤ 1e4)."),
) -> None:
    """Equilibrium shape of a membrane tube carrying a stiff (TSPAN4/cholesterol) domain."""
    _positive("--kappa-ratio", kappa_ratio, 1e4)
    _positive("--tension-pN-per-um", tension_pN_per_um, 1e4)
    _positive("--kappa-kT", kappa_kT, 1e3)
    _positive("--domain-area-um2", domain_area_um2)
    _positive("--domain-area-r0sq", domain_area_r0sq)
    _positive("--tube-length-r0", tube_length_r0)
    for name, v in (("--gaussian-jump", gaussian_jump), ("--line-tension", line_tension)):
        if not math.isfinite(v):
            fail(f"{name} {v!r} must be a finite number")
    if line_tension < 0:
        fail(f"--line-tension {line_tension!r} is out of range: must be ≥ 0")
    if tube not in ("infinite", "finite"):
        fail(f"--tube {tube!r} is not allowed: choose 'infinite' or 'finite'")
    if domain_area_um2 is not None and domain_area_r0sq is not None:
        fail("give only one of --domain-area-um2 and --domain-area-r0sq")
    if diagram:
        # check everything before the minutes of solving
        if not (2 <= n_area <= 100 and 2 <= n_kappa <= 100):
            fail(f"--n-area {n_area} and --n-kappa {n_kappa} must both be from 2 to 100")
        if not math.isfinite(area_max_r0sq) or not 20 <= area_max_r0sq <= 1e5:
            fail(f"--area-max-r0sq {area_max_r0sq!r} is out of range: must be from 20 to 1e5")
        if not math.isfinite(kappa_max) or not 1 < kappa_max <= 1e4:
            fail(f"--kappa-max {kappa_max!r} is out of range: must be > 1 and ≤ 1e4")
    out = out or Path("shape-diagram.png" if diagram else "shape.png")
    if out.suffix.lower() not in (".png", ".pdf", ".svg"):
        fail(f"--out {str(out)!r}: the file must end in .png, .pdf or .svg")
    from ..files import OutputPathError, check_output_path

    try:
        check_output_path(out, overwrite=overwrite, kind="file")
    except OutputPathError as e:
        fail(str(e))

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from ..membrane import phase_diagram, solve_tube, tube_radius_um

    if diagram:
        from rich.progress import Progress

        areas = np.geomspace(10.0, area_max_r0sq, n_area)
        rhos = np.geomspace(1.0, kappa_max, n_kappa)
        with Progress() as bar:
            task = bar.add_task("solving shapes", total=n_area * n_kappa)
            d = phase_diagram(areas, rhos, progress=lambda: bar.advance(task), tube=tube,
                              gaussian_jump=gaussian_jump, line_tension=line_tension,
                              tube_length_r0=tube_length_r0)
        fig, ax = plt.subplots(figsize=(6.5, 4.5))
        mesh = ax.pcolormesh(areas, rhos, d["bulge_radius_r0"], shading="nearest",
                             norm=matplotlib.colors.LogNorm())
        fig.colorbar(mesh, ax=ax, label="bulge radius / r0")
        ii, jj = np.nonzero(d["bulge_stable"])
        ax.plot(areas[jj], rhos[ii], "w.", ms=4, label="stable bulge")
        ii, jj = np.nonzero(~d["converged"])
        ax.plot(areas[jj], rhos[ii], "rx", ms=6, label="not converged")
        ax.set(xscale="log", yscale="log", xlabel="domain area A_p / r0²",
               ylabel="κ_p / κ_l", title=f"tube: {tube}")
        ax.legend(loc="lower right", fontsize=8)
        _save(fig, out, overwrite)
        typer.echo(f"phase diagram ({n_kappa}×{n_area} solves, {int(d['converged'].sum())} "
                   f"converged) written to {out}")
        return

    if domain_area_um2 is None and domain_area_r0sq is None:
        domain_area_r0sq = 600.0
    r0 = tube_radius_um(kappa_kT=kappa_kT, tension_pN_per_um=tension_pN_per_um)
    try:
        s = solve_tube(kappa_ratio, domain_area_r0sq=domain_area_r0sq,
                       domain_area_um2=domain_area_um2, kappa_kT=kappa_kT,
                       tension_pN_per_um=tension_pN_per_um, gaussian_jump=gaussian_jump,
                       line_tension=line_tension, tube=tube, tube_length_r0=tube_length_r0)
    except ValueError as exc:
        fail(str(exc))
    lines = [
        f"tube                 {s.tube}" + (f" (length {s.tube_length_r0:g} r0)"
                                            if s.tube == "finite" else ""),
        f"r0                   {r0 * 1e3:.3g} nm",
        f"kappa ratio          {s.kappa_ratio:g}",
        f"domain area          {s.domain_area_r0sq:.4g} r0^2 = "
        f"{s.domain_area_r0sq * r0**2:.4g} um^2",
        f"bulge radius         {s.bulge_radius_r0:.4g} r0 = {s.bulge_radius_um:.4g} um",
        f"domain length        {s.domain_length_r0:.4g} r0 = {s.domain_length_um:.4g} um",
        f"far tube radius      {s.far_radius_r0:.4g} r0 = {s.far_radius_um:.4g} um",
        f"axial force          {s.axial_force:.4g} kappa/r0 = {s.axial_force_pN:.4g} pN",
        f"energy               {s.energy_kappa:.6g} kappa = {s.energy_kT:.6g} kT",
    ] + [f"  {k:<18} {v:.6g} kappa" for k, v in s.energy_parts_kappa.items()] + [
        f"bulge exists         {s.bulge_exists}",
        f"bulge stable         {s.bulge_stable}",
        f"converged            {s.converged} ({s.message})",
    ]
    typer.echo("\n".join(lines))
    fig, ax = plt.subplots(figsize=(8, 3.5))
    for sgn in (1, -1):
        ax.plot(s.z_r0, sgn * s.r_r0, color="0.5", lw=1)
        ax.plot(np.where(s.in_domain, s.z_r0, np.nan), sgn * s.r_r0, color="C3", lw=2.5)
    ax.set_aspect("equal")
    ax.set(xlabel="z / r0", ylabel="r / r0",
           title=f"κ_p/κ_l = {s.kappa_ratio:g}, A_p = {s.domain_area_r0sq:.4g} r0² "
                 f"(red: domain)")
    _save(fig, out, overwrite)
    typer.echo(f"figure written to {out}")
    if not s.converged:
        typer.echo("warning: the relaxation did not converge; do not use this shape", err=True)
        raise typer.Exit(code=1)

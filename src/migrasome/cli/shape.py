"""`migrasome shape`: solve the tube with a stiff domain, or its phase diagram."""

from __future__ import annotations

from pathlib import Path

import typer

from ._app import app, fail


def _positive(name: str, value: float | None, upper: float | None = None) -> None:
    if value is None:
        return
    if not value > 0 or (upper is not None and value > upper):
        rng = "> 0" + (f" and ≤ {upper:g}" if upper is not None else "")
        fail(f"{name} {value!r} is out of range: must be {rng}")


def _save(fig, out: Path) -> None:
    """Write the figure to a temporary name beside ``out``, then move it into place."""
    import os
    import tempfile

    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=out.suffix or ".png", dir=out.parent)
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=120, bbox_inches="tight")
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


@app.command()
def shape(
    kappa_ratio: float = typer.Option(10.0, help="κ_p/κ_l, domain over tube rigidity (0, 1e4]."),
    domain_area_um2: float | None = typer.Option(None, help="Domain area, µm²."),
    domain_area_r0sq: float | None = typer.Option(
        None, help="Domain area in units of r0² (default 600 if no area is given)."),
    tension_pN_per_um: float = typer.Option(10.0, help="Membrane tension σ, pN/µm (> 0)."),
    kappa_kT: float = typer.Option(20.0, help="Tube bending rigidity κ_l, kT (> 0)."),
    gaussian_jump: float = typer.Option(0.0, help="(κ̄_p − κ̄_l)/κ_l at the domain boundary."),
    line_tension: float = typer.Option(0.0, help="Boundary line tension, κ_l/r0 (≥ 0)."),
    tube: str = typer.Option("infinite", help="infinite (pulled) or finite (fixed ends)."),
    tube_length_r0: float = typer.Option(80.0, help="Length of a finite tube, r0."),
    out: Path = typer.Option(Path("shape.png"), help="Figure to write (PNG, PDF, SVG)."),
    diagram: bool = typer.Option(False, help="Compute and plot the phase diagram instead."),
    n_area: int = typer.Option(10, help="Diagram: number of domain areas (≥ 2)."),
    n_kappa: int = typer.Option(6, help="Diagram: number of rigidity ratios (≥ 2)."),
    area_max_r0sq: float = typer.Option(1.0e4, help="Diagram: largest domain area, r0²."),
    kappa_max: float = typer.Option(30.0, help="Diagram: largest rigidity ratio."),
) -> None:
    """Equilibrium shape of a membrane tube carrying a stiff (TSPAN4/cholesterol) domain."""
    _positive("--kappa-ratio", kappa_ratio, 1e4)
    _positive("--tension-pN-per-um", tension_pN_per_um)
    _positive("--kappa-kT", kappa_kT)
    _positive("--domain-area-um2", domain_area_um2)
    _positive("--domain-area-r0sq", domain_area_r0sq)
    _positive("--tube-length-r0", tube_length_r0)
    if line_tension < 0:
        fail(f"--line-tension {line_tension!r} is out of range: must be ≥ 0")
    if tube not in ("infinite", "finite"):
        fail(f"--tube {tube!r} is not allowed: choose 'infinite' or 'finite'")
    if domain_area_um2 is not None and domain_area_r0sq is not None:
        fail("give only one of --domain-area-um2 and --domain-area-r0sq")
    if out.suffix.lower() not in (".png", ".pdf", ".svg"):
        fail(f"--out {str(out)!r}: the file must end in .png, .pdf or .svg")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from ..membrane import phase_diagram, solve_tube, tube_radius_um

    if diagram:
        if n_area < 2 or n_kappa < 2:
            fail(f"--n-area {n_area} and --n-kappa {n_kappa} must both be ≥ 2")
        _positive("--area-max-r0sq", area_max_r0sq, 1e5)
        if not kappa_max > 1:
            fail(f"--kappa-max {kappa_max!r} is out of range: must be > 1 and ≤ 1e4")
        from rich.progress import Progress

        areas = np.geomspace(10.0, max(area_max_r0sq, 20.0), n_area)
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
        _save(fig, out)
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
        f"r0                   {r0 * 1e3:.1f} nm",
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
    _save(fig, out)
    typer.echo(f"figure written to {out}")
    if not s.converged:
        typer.echo("warning: the relaxation did not converge; do not use this shape", err=True)
        raise typer.Exit(code=1)

"""Released signals on a grid: diffusion, first-order decay and uptake by cells (MODEL.md §5).

The field is a stack of species on one cell-centred grid covering the substrate. It stores
**amounts per grid cell** (arbitrary units, au), so the total amount of a species is a plain
sum; concentrations (au/µm²) are amounts divided by the cell area ``h²``.

Diffusion uses the exact solution of the semi-discrete heat equation with reflecting
(no-flux) walls. The 5-point Laplacian with mirror ghost cells is diagonalised by the
type-II discrete cosine transform, with eigenvalues ``-(4/h²) sin²(π k / 2N)`` per axis, so a
step of any length is

    ĉ ← ĉ · exp(D Δt (λ_x + λ_y)),

which is unconditionally stable, keeps amounts non-negative (the matrix exponential of a
Metzler matrix), and conserves mass to round-off because the k = 0 mode has λ = 0. For
``√(2 D t) ≫ h`` it tends to the continuum Gaussian kernel. Decay is ``exp(-k Δt)``; uptake
by cells is a local first-order sink ``exp(-u(x) Δt)`` whose removed amount is returned so
that every unit of signal is accounted for.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import fft

__all__ = ["Field", "make_field", "deposit", "sample", "sample_gradient", "diffuse_decay",
           "apply_uptake", "point_kernel"]


@dataclass
class Field:
    """A multi-species grid field.

    Parameters
    ----------
    species : tuple of str
        Species names, in the order of the first axis of ``amount``.
    amount : ndarray, shape (n_species, ny, nx)
        Amount per grid cell (au). Cell ``(j, i)`` covers ``[i h, (i+1) h) × [j h, (j+1) h)``.
    h_um : float
        Grid spacing (µm).
    diffusion_um2_per_min : ndarray, shape (n_species,)
        Per-species diffusion coefficient, µm²/min.
    decay_per_min : ndarray, shape (n_species,)
        Per-species first-order decay rate, 1/min.
    decayed, taken_up : ndarray, shape (n_species,), optional
        Cumulative amounts removed by decay and by cell uptake (au), for mass balance
        (default zeros).
    deposited : ndarray, shape (n_species,), optional
        Cumulative amounts deposited (au) (default zeros).

    Examples
    --------
    >>> f = make_field(["cxcl12"], 100.0, 100.0, 5.0, 60.0, 0.0)
    >>> deposit(f, f.index("cxcl12"), [50.0], [50.0], [10.0])
    >>> diffuse_decay(f, 30.0)
    >>> f.shape, round(float(f.total()[0]), 9)
    ((20, 20), 10.0)
    """

    species: tuple[str, ...]
    amount: np.ndarray
    h_um: float
    diffusion_um2_per_min: np.ndarray
    decay_per_min: np.ndarray
    decayed: np.ndarray = None  # type: ignore[assignment]  # zeros, set below
    taken_up: np.ndarray = None  # type: ignore[assignment]
    deposited: np.ndarray = None  # type: ignore[assignment]
    _cache: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        n = len(self.species)
        for name in ("decayed", "taken_up", "deposited"):
            if getattr(self, name) is None:
                setattr(self, name, np.zeros(n))

    @property
    def shape(self) -> tuple[int, int]:
        """Grid shape ``(ny, nx)``."""
        return self.amount.shape[1:]

    def index(self, name: str) -> int:
        """Row of species ``name``; a clear error if the field does not carry it.

        Parameters
        ----------
        name : str
            Species name.

        Returns
        -------
        int
            Index into the first axis of ``amount``.

        Raises
        ------
        KeyError
            Naming the species and those the field carries.
        """
        try:
            return self.species.index(name)
        except ValueError:
            raise KeyError(f"field has no species {name!r}; it carries {list(self.species)}"
                           ) from None

    def concentration(self) -> np.ndarray:
        """Concentration of every species.

        Returns
        -------
        ndarray, shape (n_species, ny, nx)
            Amount over cell area, au/µm².
        """
        return self.amount / self.h_um ** 2

    def total(self) -> np.ndarray:
        """Total amount on the grid per species.

        Returns
        -------
        ndarray, shape (n_species,)
            Amount, au.
        """
        return self.amount.sum(axis=(1, 2))


def make_field(species, width_um: float, height_um: float, h_um: float,
               diffusion_um2_per_min, decay_per_min) -> Field:
    """An empty field covering ``width_um × height_um`` with spacing about ``h_um``.

    The spacing is adjusted so that a whole number of cells tiles the domain exactly.

    Parameters
    ----------
    species : sequence of str
        Species names.
    width_um, height_um : float
        Size of the substrate, µm.
    h_um : float
        Wanted grid spacing, µm.
    diffusion_um2_per_min : float or array_like, shape (n_species,)
        Diffusion coefficients, µm²/min (≥ 0).
    decay_per_min : float or array_like, shape (n_species,)
        First-order decay rates, 1/min (≥ 0).

    Returns
    -------
    Field
        With zero amounts.

    Raises
    ------
    ValueError
        If a diffusion coefficient or decay rate is negative.

    Examples
    --------
    >>> f = make_field(["cxcl12", "vegfa"], 800.0, 400.0, 5.0, [60.0, 120.0], 0.02)
    >>> f.amount.shape, f.h_um
    ((2, 80, 160), 5.0)
    """
    species = tuple(species)
    nx = max(int(np.ceil(width_um / h_um)), 2)
    ny = max(int(np.ceil(height_um / h_um)), 2)
    h = max(width_um / nx, height_um / ny)
    nx, ny = int(round(width_um / h)), int(round(height_um / h))
    d = np.broadcast_to(np.asarray(diffusion_um2_per_min, float), (len(species),)).copy()
    k = np.broadcast_to(np.asarray(decay_per_min, float), (len(species),)).copy()
    if (d < 0).any() or (k < 0).any():
        raise ValueError("diffusion and decay must be ≥ 0")
    return Field(species, np.zeros((len(species), ny, nx)), float(h), d, k)


def _bilinear(f: Field, x_um: np.ndarray, y_um: np.ndarray):
    """Indices and weights of the 4 cell centres around each point (mirror-clamped).

    Returns ``(iy0, iy1, ix0, ix1, wy, wx)``, each shape ``(n,)``; the weight of
    ``(iy1, ix1)`` is ``wy * wx``.
    """
    ny, nx = f.shape
    gx = np.clip(np.nan_to_num(np.asarray(x_um, float) / f.h_um - 0.5), 0.0, nx - 1.0)
    gy = np.clip(np.nan_to_num(np.asarray(y_um, float) / f.h_um - 0.5), 0.0, ny - 1.0)
    ix0 = np.minimum(gx.astype(np.int64), nx - 2)
    iy0 = np.minimum(gy.astype(np.int64), ny - 2)
    return iy0, iy0 + 1, ix0, ix0 + 1, gy - iy0, gx - ix0


def deposit(f: Field, species: int, x_um, y_um, amount_au) -> None:
    """Add point amounts at positions, split bilinearly over 4 cells (mass-exact).

    Parameters
    ----------
    f : Field
        The field; ``amount`` and ``deposited`` are updated in place.
    species : int
        Row of the species (``Field.index``).
    x_um, y_um : array_like, shape (n,)
        Positions, µm (clamped into the domain, as the walls reflect).
    amount_au : array_like, shape (n,)
        Amounts, au.
    """
    x, y = np.broadcast_arrays(np.asarray(x_um, float), np.asarray(y_um, float))
    a = np.broadcast_to(np.asarray(amount_au, float), x.shape)
    keep = (a != 0) & np.isfinite(x) & np.isfinite(y)
    if not keep.all():
        x, y, a = x[keep], y[keep], a[keep]
    if a.size == 0:
        return
    ny, nx = f.shape
    iy0, iy1, ix0, ix1, wy, wx = _bilinear(f, x, y)
    idx = np.concatenate([iy0 * nx + ix0, iy0 * nx + ix1, iy1 * nx + ix0, iy1 * nx + ix1])
    w = np.concatenate([(1 - wy) * (1 - wx), (1 - wy) * wx, wy * (1 - wx), wy * wx]) * \
        np.tile(a, 4)
    f.amount[species] += np.bincount(idx, weights=w, minlength=ny * nx).reshape(ny, nx)
    f.deposited[species] += a.sum()


def _interp(grid: np.ndarray, iy0, iy1, ix0, ix1, wy, wx) -> np.ndarray:
    return ((1 - wy) * ((1 - wx) * grid[..., iy0, ix0] + wx * grid[..., iy0, ix1])
            + wy * ((1 - wx) * grid[..., iy1, ix0] + wx * grid[..., iy1, ix1]))


def sample(f: Field, x_um, y_um) -> np.ndarray:
    """Bilinear concentration of every species at points.

    Parameters
    ----------
    f : Field
        The field.
    x_um, y_um : array_like, shape (n,)
        Positions, µm.

    Returns
    -------
    ndarray, shape (n_species, n)
        Concentrations, au/µm².
    """
    return _interp(f.concentration(), *_bilinear(f, x_um, y_um))


def sample_gradient(f: Field, x_um, y_um) -> tuple[np.ndarray, np.ndarray]:
    """Bilinear concentration gradient at points.

    Central differences inside, zero normal gradient at the walls (reflecting).

    Parameters
    ----------
    f : Field
        The field.
    x_um, y_um : array_like, shape (n,)
        Positions, µm.

    Returns
    -------
    gx, gy : ndarray, shape (n_species, n)
        Gradient components, au/µm³.
    """
    c = f.concentration()
    pad = np.pad(c, ((0, 0), (1, 1), (1, 1)), mode="edge")
    gxg = (pad[:, 1:-1, 2:] - pad[:, 1:-1, :-2]) / (2 * f.h_um)
    gyg = (pad[:, 2:, 1:-1] - pad[:, :-2, 1:-1]) / (2 * f.h_um)
    b = _bilinear(f, x_um, y_um)
    return _interp(gxg, *b), _interp(gyg, *b)


def _propagator(f: Field, dt_min: float) -> np.ndarray:
    key = ("prop", float(dt_min), f.shape, f.h_um, tuple(f.diffusion_um2_per_min))
    if key not in f._cache:
        ny, nx = f.shape
        lx = -(4.0 / f.h_um ** 2) * np.sin(np.pi * np.arange(nx) / (2 * nx)) ** 2
        ly = -(4.0 / f.h_um ** 2) * np.sin(np.pi * np.arange(ny) / (2 * ny)) ** 2
        lam = ly[:, None] + lx[None, :]
        f._cache.clear()
        f._cache[key] = np.exp(f.diffusion_um2_per_min[:, None, None] * dt_min * lam[None])
    return f._cache[key]


def diffuse_decay(f: Field, dt_min: float) -> None:
    """Advance diffusion (exact DCT step, reflecting walls) and decay by ``dt_min``.

    Parameters
    ----------
    f : Field
        The field; ``amount`` and ``decayed`` are updated in place.
    dt_min : float
        Time step, min (nothing happens for ``dt_min ≤ 0``).
    """
    if dt_min <= 0:
        return
    if (f.diffusion_um2_per_min > 0).any():
        hat = fft.dctn(f.amount, type=2, axes=(1, 2), norm="ortho", workers=1)
        hat *= _propagator(f, dt_min)
        out = fft.idctn(hat, type=2, axes=(1, 2), norm="ortho", workers=1)
        # the exact semigroup is positive; clip round-off far out in the tails
        np.maximum(out, 0.0, out=out)
        f.amount = out
    if (f.decay_per_min > 0).any():
        before = f.total()
        f.amount *= np.exp(-f.decay_per_min * dt_min)[:, None, None]
        f.decayed += before - f.total()


def apply_uptake(f: Field, x_um, y_um, rate_per_min, dt_min: float) -> np.ndarray:
    """First-order uptake by cells at points, as a local sink.

    Each cell spreads its uptake rate bilinearly over the 4 nearest grid cells; a grid cell
    with total rate ``u`` loses the fraction ``1 - exp(-u Δt)``, shared among the cells that
    act on it in proportion to their weights.

    Parameters
    ----------
    f : Field
        The field; ``amount`` and ``taken_up`` are updated in place.
    x_um, y_um : array_like, shape (n,)
        Cell positions (µm).
    rate_per_min : array_like, shape (n_species,) or (n_species, n)
        Uptake rate constant per cell (1/min) for each species.
    dt_min : float
        Time step, min.

    Returns
    -------
    ndarray, shape (n_species, n)
        Amount taken up by each cell (au); the field loses exactly their sum.
    """
    x = np.asarray(x_um, float)
    n_s = len(f.species)
    if x.size == 0:
        return np.zeros((n_s, 0))
    ny, nx = f.shape
    rate = np.broadcast_to(np.asarray(rate_per_min, float).reshape(n_s, -1), (n_s, x.size))
    iy0, iy1, ix0, ix1, wy, wx = _bilinear(f, x, y_um)
    idx = np.concatenate([iy0 * nx + ix0, iy0 * nx + ix1, iy1 * nx + ix0, iy1 * nx + ix1])
    w = np.concatenate([(1 - wy) * (1 - wx), (1 - wy) * wx, wy * (1 - wx), wy * wx])
    taken = np.zeros((n_s, x.size))
    for s in range(n_s):  # a handful of species; cells are vectorised
        r = np.tile(rate[s], 4) * w
        u = np.bincount(idx, weights=r, minlength=ny * nx)
        flat = f.amount[s].reshape(-1)
        lost = flat * -np.expm1(-u * dt_min)
        share = np.divide(r, u[idx], out=np.zeros_like(r), where=u[idx] > 0) * lost[idx]
        taken[s] = share.reshape(4, -1).sum(axis=0)
        flat -= lost
        f.taken_up[s] += lost.sum()
    return taken


def point_kernel(r_um: np.ndarray, amount_au: float, d_um2_per_min: float, t_min: float,
                 decay_per_min: float = 0.0) -> np.ndarray:
    """Analytical 2-D concentration at distance ``r_um`` from a point release.

    ``c = M exp(-k t) / (4 π D t) · exp(-r² / 4 D t)`` on an unbounded plane.

    Parameters
    ----------
    r_um : ndarray, shape (n,)
        Distances from the release point, µm.
    amount_au : float
        Amount released, au.
    d_um2_per_min : float
        Diffusion coefficient, µm²/min.
    t_min : float
        Time since release, min (> 0).
    decay_per_min : float
        First-order decay rate, 1/min.

    Returns
    -------
    ndarray, shape (n,)
        Concentration, au/µm².

    Examples
    --------
    >>> import numpy as np
    >>> c = point_kernel(np.array([0.0, 10.0]), 1.0, 60.0, 1.0)
    >>> bool(c[0] > c[1]), round(float(c[0] * 4 * np.pi * 60.0), 6)
    (True, 1.0)
    """
    s = 4.0 * d_um2_per_min * t_min
    return amount_au * np.exp(-decay_per_min * t_min) / (np.pi * s) * np.exp(-r_um ** 2 / s)

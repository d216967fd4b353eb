"""z-stacks analysed in 3-D: migrasome diameters and heights from the stack (``--z 3d``)."""

import numpy as np
import pytest
from scipy import ndimage as ndi

from migrasome.analysis import analyze_movie
from migrasome.analysis.preprocess import psf_sigma_um
from migrasome.analysis.zstack import fit_shells_3d, stack_axial_sigma_um

PX, DZ, NZ = 0.1, 0.4, 11                 # µm per pixel, µm per plane, planes
SUBSTRATE_UM = 0.6                        # height of the fibre; shells sit on it
DIAMETERS = (1.0, 1.5, 2.0, 2.5)          # µm
X_UM = (4.0, 9.0, 14.5, 20.0)
Y_UM = 8.0
SIGMA_XY = psf_sigma_um(510.0, 1.4, "widefield")      # what the analysis assumes by default
SIGMA_Z = stack_axial_sigma_um(510.0, 1.4, "widefield")


def shell_stack(*, seed=0, shape_um=(16.0, 24.0), fine_um=0.05):
    """Hollow shells on a flat fibre, voxelised finely, blurred by an anisotropic Gaussian
    PSF, integrated over the camera pixels and sampled at the planes ``(k + ½)·DZ``.

    Returns the stack (Z, Y, X) as uint16 with Poisson noise, and the true centre heights.
    """
    f = int(round(PX / fine_um))
    ny, nx = int(shape_um[0] / fine_um), int(shape_um[1] / fine_um)
    nzf = int(round(NZ * DZ / fine_um))
    z = np.arange(nzf) * fine_um
    y = (np.arange(ny) + 0.5) * fine_um
    x = (np.arange(nx) + 0.5) * fine_um
    vol = np.zeros((nzf, ny, nx), np.float32)
    zc = []
    for d, xc in zip(DIAMETERS, X_UM):
        R = d / 2
        c = SUBSTRATE_UM + R
        zc.append(c)
        iz = np.flatnonzero(np.abs(z - c) <= R + 2 * fine_um)
        iy = np.flatnonzero(np.abs(y - Y_UM) <= R + 2 * fine_um)
        ix = np.flatnonzero(np.abs(x - xc) <= R + 2 * fine_um)
        Z, Y, X = np.meshgrid(z[iz], y[iy], x[ix], indexing="ij")
        dist = np.sqrt((Z - c) ** 2 + (Y - Y_UM) ** 2 + (X - xc) ** 2)
        # a membrane of uniform surface density: a one-voxel tent around the sphere
        vol[np.ix_(iz, iy, ix)] += np.maximum(0, 1 - np.abs(dist - R) / fine_um)
    kz = int(round(SUBSTRATE_UM / fine_um))
    ky = int(Y_UM / fine_um)
    vol[kz, ky, int(0.5 / fine_um):int((shape_um[1] - 0.5) / fine_um)] += 1.0  # the RF
    vol = ndi.gaussian_filter(vol, (SIGMA_Z / fine_um, SIGMA_XY / fine_um,
                                    SIGMA_XY / fine_um), truncate=3.5)
    planes = np.round(((np.arange(NZ) + 0.5) * DZ) / fine_um).astype(int)
    vol = vol[planes].reshape(NZ, ny // f, f, nx // f, f).mean(axis=(2, 4))
    vol = 100.0 + vol * (300.0 / vol.max())
    rng = np.random.default_rng(seed)
    return rng.poisson(vol).astype(np.uint16), np.asarray(zc)


@pytest.fixture(scope="module")
def stack():
    return shell_stack()

"""napari sample data: a small rendered TSPAN4-GFP movie, made on the fly (a few seconds)."""

from __future__ import annotations

__all__ = ["sample_movie"]


def sample_movie() -> list[tuple]:
    """A 48 × 48 µm, 6-frame movie of two cells with RFs and migrasomes, and its truth."""
    from ..imaging import render_movie, synthetic_results

    truth = synthetic_results(n_cells=2, width_um=48.0, height_um=48.0, cell_radius_um=6.0,
                              fibers_per_cell=3, fiber_length_um=9.0, n_frames=6,
                              migrasome_diameters_um=(0.8, 1.5, 2.5), seed=7)
    mov = render_movie(truth, pixel_size_um=0.15, snr=10.0, seed=7)
    px = mov.pixel_size_um
    assert mov.truth is not None  # a render of a simulation carries its truth
    mf = mov.truth.migrasome_frames
    return [(mov.data[:, 0], {"name": "TSPAN4-GFP (rendered)", "scale": (1, px, px),
                              "translate": (0, px / 2, px / 2), "colormap": "gray",
                              "metadata": {"pixel_size_um": px,
                                           "frame_interval_min": mov.frame_interval_min}},
             "image"),
            (mf[["frame", "y_um", "x_um"]].to_numpy(float),
             {"name": "true migrasomes", "size": mf["diameter_um"].to_numpy(float),
              "face_color": "transparent", "border_color": "red", "border_width": 0.1,
              "visible": False}, "points")]

"""napari reader: a results folder → cells, RFs, migrasomes, tracks; a movie → images."""

from __future__ import annotations

from pathlib import Path

__all__ = ["get_reader", "read_results", "read_movie"]

_MOVIES = (".nd2", ".czi", ".lif", ".oib", ".oif", ".ome.tif", ".ome.tiff", ".tif", ".tiff",
           ".ome.zarr", ".zarr")


def get_reader(path):
    """The reader function for ``path``, or None if this plugin does not read it."""
    if isinstance(path, (list, tuple)):
        if len(path) != 1:
            return None
        path = path[0]
    p = Path(path)
    if p.is_dir() and (p / "metadata.json").is_file():
        return read_results
    if p.name.lower().endswith(_MOVIES):
        return read_movie
    return None


def read_results(path) -> list[tuple]:
    """Layers of an analysis results folder (see ``migrasome.napari.layers``)."""
    from ..results import load_results
    from .layers import results_layers

    p = Path(path[0] if isinstance(path, (list, tuple)) else path)
    res = load_results(p)
    if res.metadata.get("source") == "batch":
        raise ValueError(f"{p} is a batch folder: open one of its movie folders "
                         "(see files.csv)")
    layers = results_layers(res, folder=str(p))
    movie = res.metadata.get("movie_path")
    if movie and Path(movie).exists():  # analysed through the formats reader: show its pixels
        try:
            imgs = read_movie(movie, scene=res.metadata.get("scene"),
                              z=res.metadata.get("z_mode", "mip"))
        except (ValueError, OSError):  # moved or unreadable now: the tables still show
            imgs = []
        layers = imgs + layers
    return layers


def read_movie(path, *, scene=None, z: str = "mip") -> list[tuple]:
    """One image layer per channel, in µm (pixel centres at (i + ½)·px), frames in time."""
    from importlib.util import find_spec

    p = Path(path[0] if isinstance(path, (list, tuple)) else path)
    if find_spec("bioio") is not None:
        from ..formats import open_movie

        mov = open_movie(p, scene=scene, z=z if z != "3d" else "mip")
        chans = [mov.data._proj()[:, c] for c in range(mov.shape[1])]  # lazy dask arrays
        names, px, dt = mov.channel_names, mov.pixel_size_um, mov.frame_interval_min
    else:
        from ..imaging import read_movie as read

        mov = read(p, load_truth=False)  # type: ignore[assignment]  # same movie protocol
        chans = [mov.data[:, c] for c in range(mov.data.shape[1])]
        names, px, dt = mov.channel_names, mov.pixel_size_um, mov.frame_interval_min
    px = float(px or 1.0)
    return [(d, {"name": str(n), "scale": (1, px, px), "translate": (0, px / 2, px / 2),
                 "blending": "additive", "colormap": "gray" if len(chans) == 1 else cm,
                 "metadata": {"path": str(p), "pixel_size_um": px,
                              "frame_interval_min": dt, "channel": str(n)}}, "image")
            for d, n, cm in zip(chans, names, ("green", "magenta", "cyan", "yellow") * 4)]

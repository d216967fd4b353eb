"""What is a migrasome: features of each candidate swelling and a trained classifier.

Candidates (LoG maxima, fitted with a blurred projected shell) are many: cell rims and lobe
tips, debris puncta, fibre crossings and ends, pieces of a larger blob, two touching
vesicles fitted as one.  Each gets a feature vector (fit quality, roundness, hollowness,
how many bright arms leave it, how it sits on a cell, its neighbours) and a scikit-learn
gradient-boosted classifier, trained on the scene generator's training families
(:mod:`migrasome.scenes`), gives the probability that it is a migrasome.  The model ships in
``analysis/data/`` with its version; ``python -m migrasome.analysis.train`` retrains it.
"""

from __future__ import annotations

import json
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import ndimage as ndi

__all__ = ["FEATURES", "candidate_features", "fit_error", "load_classifier",
           "migrasome_probability", "MODEL_PATH", "MODEL_VERSION", "TREES_PATH", "write_trees"]

MODEL_VERSION = 1
MODEL_PATH = Path(__file__).parent / "data" / "migrasome_classifier.joblib"
#: The same model's trees as plain arrays (:mod:`.trees`): read without scikit-learn.
TREES_PATH = MODEL_PATH.with_name("migrasome_classifier_trees.npz")

FEATURES = ("snr", "roundness", "diameter_um", "d_over_psf", "fit_error", "response",
            "scale_ratio", "background_step", "depth_um", "hollowness", "arms", "arm_level",
            "outer_level", "rim_spread", "n_near", "rank_near", "p_0", "p_half", "p_rim",
            "p_out1", "p_out2", "lap_ratio")


def fit_error(fit: pd.DataFrame) -> np.ndarray:
    """Residual of a profile fit relative to its amplitude: ``√rss / amplitude``."""
    amp = np.maximum(fit["amplitude"].to_numpy(float), 1e-9)
    return np.sqrt(np.maximum(fit["rss"].to_numpy(float), 0)) / amp


def _polar(frame, rows, cols, radii, n_theta=24):
    th = np.linspace(0, 2 * np.pi, n_theta, endpoint=False)
    yy = rows[:, None, None] + radii[:, :, None] * np.sin(th)[None, None, :]
    xx = cols[:, None, None] + radii[:, :, None] * np.cos(th)[None, None, :]
    v = ndi.map_coordinates(frame, [yy.ravel(), xx.ravel()], order=1, mode="nearest")
    return v.reshape(yy.shape)


def candidate_features(frame: np.ndarray, cand: pd.DataFrame, *, pixel_size_um: float,
                       psf_sigma_um: float, noise: float, depth_um: np.ndarray | None
                       ) -> pd.DataFrame:
    """Feature table of fitted candidates (one row each, columns ``FEATURES``).

    Parameters
    ----------
    frame : ndarray, shape (Y, X), float
    cand : DataFrame
        ``row, col, sigma_px, response, diameter_um, amplitude, local_background, rss,
        roundness`` (from ``fit_diameters`` joined to ``blob_candidates``).
    pixel_size_um, psf_sigma_um, noise : float
    depth_um : ndarray, shape (Y, X), optional
        Signed distance into the cell bodies (µm; negative outside), None if no cells.

    Returns
    -------
    DataFrame
    """
    n = len(cand)
    if n == 0:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in FEATURES})
    px = pixel_size_um
    rows, cols = cand["row"].to_numpy(float), cand["col"].to_numpy(float)
    R = np.maximum(cand["diameter_um"].to_numpy(float) / 2 / px, 0.5)
    s = psf_sigma_um / px
    amp = np.maximum(cand["amplitude"].to_numpy(float), 1e-9)
    bg = cand["local_background"].to_numpy(float)
    mult = np.array([0.0, 0.5, 1.0, 1.0, 1.0])
    add = np.array([0.0, 0.0, 0.0, 2.0, 4.0])
    radii = R[:, None] * mult[None] + add[None] * s
    S = _polar(frame, rows, cols, radii)  # (n, 5, θ)
    med = (np.median(S, axis=2) - bg[:, None]) / amp[:, None]
    out2 = (S[:, 3] - bg[:, None]) / amp[:, None]  # a ring just outside the swelling
    arms_on = out2 > 0.35
    # arms: separate bright runs around the outer ring (a fibre through: 2, a crossing: 4)
    runs = (arms_on & ~np.roll(arms_on, 1, axis=1)).sum(axis=1)
    rim = (S[:, 2] - bg[:, None]) / amp[:, None]
    y, x = np.clip(np.rint(rows).astype(int), 0, frame.shape[0] - 1), \
        np.clip(np.rint(cols).astype(int), 0, frame.shape[1] - 1)
    depth = depth_um[y, x] if depth_um is not None else np.full(n, -10.0)
    # neighbours within twice the radius, and how this one ranks by SNR among them
    from scipy.spatial import cKDTree

    snr = amp / max(noise, 1e-12)
    pts = np.c_[rows, cols]
    tree = cKDTree(pts)
    near = tree.query_ball_point(pts, 2 * R + 2 * s)
    n_near = np.array([len(v) - 1 for v in near])
    rank = np.array([(snr[v] > snr[i]).sum() for i, v in enumerate(near)])
    far_level = np.median(frame) if frame.size else 0.0
    lap = cand["response"].to_numpy(float)
    f = pd.DataFrame({
        "snr": snr, "roundness": cand["roundness"].to_numpy(float),
        "diameter_um": cand["diameter_um"].to_numpy(float),
        "d_over_psf": cand["diameter_um"].to_numpy(float) / psf_sigma_um,
        "fit_error": fit_error(cand),
        "response": lap,
        "scale_ratio": cand["sigma_px"].to_numpy(float) / np.maximum(R, 0.5),
        "background_step": (bg - far_level) / amp,
        "depth_um": np.clip(depth, -5, 5),
        "hollowness": med[:, 0] - med[:, 2],
        "arms": runs, "arm_level": np.percentile(out2, 75, axis=1),
        "outer_level": np.median(out2, axis=1),
        "rim_spread": np.std(rim, axis=1) / np.maximum(np.abs(np.mean(rim, axis=1)), 0.05),
        "n_near": n_near, "rank_near": rank,
        "p_0": med[:, 0], "p_half": med[:, 1], "p_rim": med[:, 2], "p_out1": med[:, 3],
        "p_out2": med[:, 4], "lap_ratio": lap / np.maximum(snr, 1e-3)})
    return f.replace([np.inf, -np.inf], np.nan).fillna(0.0)[list(FEATURES)]


@lru_cache(maxsize=4)
def load_classifier(path: str | None = None):
    """The trained classifier (``path`` or the shipped model), checked for its version.

    Raises
    ------
    FileNotFoundError, ValueError
        No model file, or one of another version or feature list: retrain it with
        ``python -m migrasome.analysis.train``.
    """
    p = Path(path) if path else MODEL_PATH
    if path is None and TREES_PATH.is_file():
        # the shipped model's trees, exported beside it: no scikit-learn import
        p = TREES_PATH
    if not p.is_file():
        raise FileNotFoundError(f"{p}: no migrasome classifier; train one with "
                                "`python -m migrasome.analysis.train`")
    if p.suffix == ".npz":
        blob = _read_trees(p)
    else:
        import joblib

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scikit-learn version notes on unpickling
            blob = joblib.load(p)
    if blob.get("version") != MODEL_VERSION or tuple(blob.get("features", ())) != FEATURES:
        raise ValueError(f"{p}: classifier version {blob.get('version')!r} does not match "
                         f"this package (version {MODEL_VERSION}); retrain it with "
                         "`python -m migrasome.analysis.train`")
    return blob


def migrasome_probability(features: pd.DataFrame, *, model_path: str | None = None
                          ) -> np.ndarray:
    """Probability (0–1) that each candidate is a migrasome, shape (n,)."""
    if len(features) == 0:
        return np.zeros(0)
    blob = load_classifier(None if model_path is None else str(model_path))
    X = features[list(FEATURES)].to_numpy(float)
    if "trees" in blob:
        from .trees import predict_proba

        return predict_proba(blob["trees"], X)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - scikit-learn brings it
        return blob["model"].predict_proba(X)[:, 1]
    # a few thousand rows: OpenMP start-up costs more than it saves (3x faster on one thread)
    with threadpool_limits(1):
        return blob["model"].predict_proba(X)[:, 1]


def write_trees(model_path: str | Path, out: str | Path) -> Path:
    """Export a model file's trees as plain arrays (read by ``load_classifier`` without
    scikit-learn); the shipped one: ``python -m migrasome.analysis.train --export-trees``.

    Returns
    -------
    Path
        ``out``.
    """
    from .trees import export_trees

    blob = load_classifier(str(model_path))
    if "trees" in blob:
        raise ValueError(f"{model_path}: already a file of trees")
    out = Path(out)
    if out.suffix != ".npz":
        raise ValueError(f"{out}: the trees file is written as NumPy arrays; name it *.npz")
    meta = {k: v for k, v in blob.items() if k != "model"}
    meta["source"] = Path(model_path).name
    trees = export_trees(blob["model"])
    arrays: dict[str, Any] = {k: v for k, v in trees.items() if isinstance(v, np.ndarray)}
    meta["trees"] = {k: v for k, v in trees.items() if k not in arrays}
    tmp = out.with_name(out.name + ".part.npz")
    # arrays and a JSON header only: loading it needs NumPy alone and runs no pickle
    np.savez_compressed(tmp, _meta=np.array(json.dumps(meta, default=list)), **arrays)
    tmp.replace(out)
    return out


def _read_trees(path: Path) -> dict:
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(str(z["_meta"]))
        meta["trees"].update({k: z[k] for k in z.files if k != "_meta"})
    return meta

"""Migrasome detection: by the trained classifier, or by thresholds (``detect_migrasomes``).

Candidates come from two detectors (LoG blobs and an annulus filter for hollow rings), are
fitted with the blurred projected shell (centred on their intensity centroid or on a circle
through their rim, whichever fits better), described by their features (:mod:`.classify`)
and kept when the classifier's probability is high enough; of overlapping ones the more
probable stays. A migrasome cut by the image's border is reported when its fitted centre
lies inside the image (the usual rule for counting objects on a frame's edge; the scene
truth keeps the same ones).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .blobs import blob_candidates, ring_candidates, scales_px, suppress_overlaps
from .classify import candidate_features, fit_error, migrasome_probability
from .migrasomes import (
    OUT_COLUMNS,
    detect_by_thresholds,
    fit_diameters,
    refine_centres,
    rim_centres,
)

__all__ = ["detect_migrasomes", "detect_classified"]

#: A candidate moves to its rim centre when the fit there leaves at most this fraction of
#: the residual (per amplitude) at its centroid.  Fitted: 0.9 against 1.0 raised the pooled
#: F1 of the training families and their fine-confocal+dense-network enrichment on each of
#: three seed sets (benchmark seeds 1000, 2000, 3000), by 0.004-0.015 summed; held-out
#: families not used.
RIM_GAIN = 0.9

#: Of two kept candidates, the less probable goes when its centre lies within this many
#: of the larger one's radii, plus ``OVERLAP_OUTER`` of the smaller one's (a centre inside
#: a swelling is a piece of it; two migrasomes may overlap in projection up to there).
#: Fitted: outer 0.0 against 0.25 and 0.5 (inner 1.0; inner 0.8 and 0.6 let duplicates
#: through) by the pooled F1 of the training families on benchmark seeds 1000, 2000 and
#: 3000, 3 movies each: 0.950 (0.5) → 0.957, better on each seed set; held-out families
#: not used.
OVERLAP_INNER, OVERLAP_OUTER = 1.0, 0.0


def centred_in(mask: np.ndarray, det: pd.DataFrame) -> np.ndarray:
    """Whether each detection's centre (``row, col``, px; nearest pixel, clipped to the
    image) falls on ``mask`` (bool, shape (Y, X)); shape (n,)."""
    if not len(det):
        return np.zeros(0, bool)
    r = np.clip(np.rint(det["row"].to_numpy()).astype(int), 0, mask.shape[0] - 1)
    c = np.clip(np.rint(det["col"].to_numpy()).astype(int), 0, mask.shape[1] - 1)
    return np.asarray(mask[r, c], bool)


def detect_migrasomes(frame: np.ndarray, *, pixel_size_um: float, psf_sigma_um: float,
                      noise: float, sigma_z_um: float = np.inf, exclude: np.ndarray | None = None,
                      d_min_um: float = 0.5, d_max_um: float = 3.0, n_scales: int = 7,
                      threshold: float = 5.0, min_snr: float = 1.5,
                      min_roundness: float = 0.55, model: str = "shell",
                      classifier: str | bool | None = None, min_probability: float = 0.5,
                      depth_um: np.ndarray | None = None, return_candidates: bool = False,
                      under_mask: np.ndarray | None = None,
                      min_probability_under: float | None = None) -> pd.DataFrame:
    """Find migrasomes in one frame and measure them.

    With ``classifier`` (True: the shipped model, or a model file's path) the trained
    classifier decides (:func:`detect_classified`); without, the round-profile thresholds do
    (:func:`.migrasomes.detect_by_thresholds`, whose docstring gives every parameter).
    With the classifier, candidates centred where ``under_mask`` (bool, shape of ``frame``:
    the cell bodies) is True need ``min_probability_under`` instead of ``min_probability``
    (both before the overlap test, so a rejected one takes no neighbour with it).

    Returns
    -------
    DataFrame
        One row per migrasome (see :func:`.migrasomes.detect_by_thresholds`).
    """
    if classifier:
        return detect_classified(frame, pixel_size_um=pixel_size_um,
                                 psf_sigma_um=psf_sigma_um, noise=noise,
                                 sigma_z_um=sigma_z_um, d_min_um=d_min_um, d_max_um=d_max_um,
                                 n_scales=n_scales, threshold=threshold, model=model,
                                 model_path=None if classifier is True else classifier,
                                 min_probability=min_probability, depth_um=depth_um,
                                 return_candidates=return_candidates, under_mask=under_mask,
                                 min_probability_under=min_probability_under)
    return detect_by_thresholds(frame, pixel_size_um=pixel_size_um, psf_sigma_um=psf_sigma_um,
                                noise=noise, sigma_z_um=sigma_z_um, exclude=exclude,
                                d_min_um=d_min_um, d_max_um=d_max_um, n_scales=n_scales,
                                threshold=threshold, min_snr=min_snr,
                                min_roundness=min_roundness, model=model)


def detect_classified(frame, *, pixel_size_um, psf_sigma_um, noise, sigma_z_um, d_min_um,
                      d_max_um, n_scales, threshold, model, model_path, min_probability,
                      depth_um, return_candidates, under_mask=None,
                      min_probability_under=None):
    """Candidates → fitted → features → classifier → one per object (see
    :func:`detect_migrasomes`, which calls it with ``classifier`` set)."""
    px = pixel_size_um
    sig = scales_px(px, psf_sigma_um, 0.8 * d_min_um, d_max_um, n_scales)
    cand = blob_candidates(frame, sigmas_px=sig, threshold=threshold)
    rings = ring_candidates(frame, radii_px=np.geomspace(0.55, 0.5 * d_max_um, 6) / px,
                            width_px=max(1.0, psf_sigma_um / px), threshold=threshold)
    cand = pd.concat([cand, rings], ignore_index=True)
    radius_px = np.sqrt(np.maximum(2 * (cand["sigma_px"].to_numpy() ** 2
                                        - (psf_sigma_um / px) ** 2), 1.0))
    radius_px = np.minimum(radius_px, d_max_um / 2 / px)
    keep = suppress_overlaps(cand, radius_px, inner=0.0, outer=0.5)
    cand = cand[keep].reset_index(drop=True)
    kw = dict(pixel_size_um=px, psf_sigma_um=psf_sigma_um, sigma_z_um=sigma_z_um, model=model,
              d_range_um=(0.6 * d_min_um, 1.2 * d_max_um))
    fit = fit_diameters(frame, cand["row"].to_numpy(), cand["col"].to_numpy(), n_theta=12,
                        **kw)
    # no round signal at all: not worth refining (a coarse first look, well below any call)
    hopeful = (fit["amplitude"].to_numpy() >= 1.0 * noise) & (
        fit["roundness"].to_numpy() >= 0.1)
    cand = cand[hopeful].reset_index(drop=True)
    fit = fit[hopeful].reset_index(drop=True)
    win = np.maximum(fit["diameter_um"].to_numpy() / 2 / px,
                     np.minimum(cand["sigma_px"].to_numpy(), d_max_um / 2 / px))
    rows, cols = cand["row"].to_numpy(), cand["col"].to_numpy()
    for _ in range(2):
        rows, cols = refine_centres(frame, rows, cols, win, fit["local_background"].to_numpy())
    fit = fit_diameters(frame, rows, cols, **kw)
    # a ring's centroid is pulled by a bright spot inside it or a fibre across it, so its
    # rim centre is tried too, refitted, and kept where its profile fits clearly better
    rr, rc = rim_centres(frame, rows, cols, win)
    # (a move under ½ px changes no fit much: those are not refitted; assumed)
    moved = np.flatnonzero(np.hypot(rr - rows, rc - cols) > 0.5)
    if moved.size:
        alt = fit_diameters(frame, rr[moved], rc[moved], **kw).set_axis(moved)
        better = moved[fit_error(alt) < RIM_GAIN * fit_error(fit.iloc[moved])]
        rows[better], cols[better] = rr[better], rc[better]
        fit.iloc[better] = alt.loc[better]
    cand["row"], cand["col"] = rows, cols
    out = pd.concat([cand, fit.reset_index(drop=True)], axis=1)
    out["snr"] = out["amplitude"] / max(noise, 1e-12)
    feats = candidate_features(frame, out, pixel_size_um=px, psf_sigma_um=psf_sigma_um,
                               noise=noise, depth_um=depth_um)
    out["x_um"] = (out["col"] + 0.5) * px
    out["y_um"] = (out["row"] + 0.5) * px
    if return_candidates:
        return pd.concat([out, feats.add_prefix("f_")], axis=1)
    out["probability"] = migrasome_probability(feats, model_path=model_path)
    need = np.full(len(out), float(min_probability))
    if under_mask is not None and min_probability_under is not None:
        need[centred_in(under_mask, out)] = float(min_probability_under)
    ok = (out["probability"] >= need) & (out["diameter_um"] >= 0.9 * d_min_um) & (
        out["diameter_um"] <= 1.1 * d_max_um)
    out = out[ok].reset_index(drop=True)
    if len(out) > 1:
        rpx = out["diameter_um"].to_numpy() / 2 / px
        keep = suppress_overlaps(out, rpx, priority=out["probability"].to_numpy(),
                                 inner=OVERLAP_INNER, outer=OVERLAP_OUTER)
        out = out[keep].reset_index(drop=True)
    # after the overlap test, so a swelling centred outside does not leave its visible half
    # to be reported as a smaller one
    h, w = np.asarray(frame).shape
    inside = out["x_um"].between(0, w * px) & out["y_um"].between(0, h * px)
    return out.loc[inside.to_numpy(), OUT_COLUMNS].reset_index(drop=True)

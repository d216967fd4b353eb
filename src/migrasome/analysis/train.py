"""Train the migrasome classifier on the scene generator's training families.

Run ``python -m migrasome.analysis.train`` to rebuild the shipped model
(``analysis/data/migrasome_classifier.joblib``) or ``--out other.joblib`` for another one
(use it with ``analyze_movie(..., classifier="other.joblib")``).  Held-out families
(``migrasome.scenes.HELD_OUT``) are never used.

A candidate is a positive when its centre is within ``max(0.5 µm, d/2)`` of a true migrasome
of at least 0.5 µm and its fitted diameter is within 35 % of the true one (a pair of touching
vesicles fitted as one big swelling is a negative); candidates near a true swelling still
under 0.5 µm are left out (neither).

With ``--enrich`` the table also holds movies of combinations of the training families' own
settings that none of them draws alone (:func:`enrichment_families`); the shipped model is
trained without them.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from .classify import FEATURES, MODEL_PATH, MODEL_VERSION, TREES_PATH, load_classifier, write_trees

__all__ = ["training_table", "label_candidates", "train_classifier", "enrichment_families"]


def enrichment_families() -> tuple:
    """Combinations of training families' settings, added to the classifier's training data.

    ``fine-confocal+dense-network``: the optics of ``fine-confocal`` (confocal sections,
    large hollow rings) with the fibre network of ``dense-network`` (crossings, touching
    neighbours).  Each family alone shows a large confocal ring only in a sparse network, so
    the classifier never saw one crossed by several fibres among many candidates (measured:
    recall 0.58 of migrasomes ≥ 0.8 µm on such movies, seeds 5000–5005, 320² px, 3 frames,
    with the shipped model).  Every value is a training family's own; none comes from a
    held-out family.  Not used by default: measured on the validation benchmark it raised
    ``crowded-touching`` F1 by 0.01–0.03 only, and moved other families both ways.
    """
    from dataclasses import replace

    from ..scenes import family

    dn = family("dense-network")
    net = {k: getattr(dn, k) for k in ("fibers_per_cell", "curvature", "branch_prob",
                                       "rear_spread_rad", "along_per_fiber", "touch_prob")}
    return (replace(family("fine-confocal"), name="fine-confocal+dense-network", **net),)


def label_candidates(cand: pd.DataFrame, truth_frame: pd.DataFrame) -> np.ndarray:
    """1 migrasome, 0 not, -1 ambiguous (near a true swelling under 0.5 µm), shape (n,)."""
    lab = np.zeros(len(cand), np.int64)
    if not len(truth_frame) or not len(cand):
        return lab
    txy = truth_frame[["x_um", "y_um"]].to_numpy(float)
    td = truth_frame["diameter_um"].to_numpy(float)
    cxy = cand[["x_um", "y_um"]].to_numpy(float)
    dist, k = cKDTree(txy).query(cxy, k=min(3, len(txy)))
    dist, k = np.atleast_2d(dist.T).T, np.atleast_2d(k.T).T
    if dist.ndim == 1:
        dist, k = dist[:, None], k[:, None]
    cd = cand["diameter_um"].to_numpy(float)
    for j in range(dist.shape[1]):
        kk = np.minimum(k[:, j], len(td) - 1)
        near = dist[:, j] <= np.maximum(0.5, td[kk] / 2)
        good = near & (td[kk] >= 0.5) & (np.abs(cd - td[kk]) <= 0.35 * td[kk])
        small = near & (td[kk] < 0.5) & (lab == 0)
        lab[small] = -1
        lab[good] = 1
    return lab


def training_table(families, *, movies_per_family: int = 6, n_frames: int = 3,
                   size_px: int = 320, seed: int = 0) -> pd.DataFrame:
    """Candidates of generated movies with their features and labels."""
    from ..scenes import family, generate_scene
    from .pipeline import Options, _optics, frame_candidates

    o = Options()
    rng = np.random.default_rng(seed)
    parts = []
    for fam in families:
        for _ in range(movies_per_family):
            mv = generate_scene(fam, size_px=size_px, n_frames=n_frames, seed=rng)
            psf, sz = _optics(mv.metadata, o)
            assert mv.truth is not None  # generated scenes carry their truth
            tm = mv.truth.migrasome_frames
            for t in range(mv.n_frames):
                c = frame_candidates(mv.data[t, 0], pixel_size_um=mv.pixel_size_um,
                                     psf_sigma_um=psf, sigma_z_um=sz, options=o)
                c["label"] = label_candidates(c, tm[tm["frame"] == t])
                c["family"] = family(fam).name
                parts.append(c)
    return pd.concat(parts, ignore_index=True)


def train_classifier(table: pd.DataFrame, *, seed: int = 0):
    """A gradient-boosted classifier fitted on the labelled candidates (ambiguous left out)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    t = table[table["label"] >= 0]
    X = t[[f"f_{c}" for c in FEATURES]].to_numpy(float)
    y = t["label"].to_numpy()
    clf = HistGradientBoostingClassifier(max_iter=250, learning_rate=0.08, max_leaf_nodes=31,
                                         l2_regularization=1.0, random_state=seed)
    clf.fit(X, y)
    return clf


def main(argv: list[str] | None = None) -> None:
    import joblib
    import sklearn

    from ..scenes import TRAINING

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(MODEL_PATH))
    ap.add_argument("--movies", type=int, default=10, help="movies per training family")
    ap.add_argument("--frames", type=int, default=3)
    ap.add_argument("--size", type=int, default=384)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--enrich", action="store_true",
                    help="add movies of enrichment_families() (not the shipped model)")
    ap.add_argument("--export-trees", action="store_true",
                    help="only write the shipped model's trees as plain arrays (no training)")
    a = ap.parse_args(argv)
    if a.export_trees:
        print(f"→ {write_trees(MODEL_PATH, TREES_PATH)}")
        return
    t0 = time.perf_counter()
    # the enrichment comes last: the training families' movies stay those of their seed
    fams = tuple(TRAINING) + (enrichment_families() if a.enrich else ())
    names = [f if isinstance(f, str) else f.name for f in fams]
    table = training_table(fams, movies_per_family=a.movies, n_frames=a.frames,
                           size_px=a.size, seed=a.seed)
    clf = train_classifier(table, seed=a.seed)
    joblib.dump({"version": MODEL_VERSION, "features": FEATURES, "model": clf,
                 "families": names, "sklearn": sklearn.__version__,
                 "n_candidates": int(len(table)), "n_positive": int((table.label == 1).sum()),
                 "settings": {k: v for k, v in vars(a).items() if k != "out"}},
                a.out, compress=3)
    if Path(a.out).resolve() == MODEL_PATH.resolve():  # the shipped model: its trees too
        load_classifier.cache_clear()
        write_trees(MODEL_PATH, TREES_PATH)
        load_classifier.cache_clear()
    print(f"{len(table)} candidates ({(table.label == 1).sum()} migrasomes) from "
          f"{', '.join(names)}; trained in {time.perf_counter() - t0:.0f} s → {a.out}")


if __name__ == "__main__":
    main()

"""The shipped classifier's trees as plain arrays, evaluated with NumPy.

Unpickling a scikit-learn model imports scikit-learn (about a second per process on two
cores), more than the whole prediction costs.  The fitted trees of a binary
``HistGradientBoostingClassifier`` are exported once (``export_trees``) into a file of
arrays beside the model, and ``predict_proba`` walks them: the same probabilities as the
model's own ``predict_proba`` (numerical thresholds, missing values sent the side each node
learnt), without importing scikit-learn.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["export_trees", "predict_proba"]


def export_trees(model: Any) -> dict[str, Any]:
    """Plain arrays of a fitted binary ``HistGradientBoostingClassifier``'s trees.

    Parameters
    ----------
    model : sklearn.ensemble.HistGradientBoostingClassifier
        Fitted on two classes, numerical features only.

    Returns
    -------
    dict
        ``feature, threshold, left, right, leaf, value, missing_left`` (one entry per node
        of all trees; child indices global), ``roots`` (first node of each tree),
        ``depth`` (of the deepest tree) and ``baseline`` (the raw score before any tree).

    Raises
    ------
    ValueError
        A model with more than two classes or with categorical splits.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import HistGradientBoostingClassifier
    >>> X = np.random.default_rng(0).normal(size=(200, 3)); y = X[:, 0] > 0
    >>> m = HistGradientBoostingClassifier(max_iter=5).fit(X, y)
    >>> t = export_trees(m)
    >>> bool(np.allclose(predict_proba(t, X), m.predict_proba(X)[:, 1]))
    True
    """
    if len(getattr(model, "classes_", ())) != 2:
        raise ValueError("export_trees takes a binary classifier (two classes)")
    nodes = [p[0].nodes for p in model._predictors]
    sizes = np.array([len(n) for n in nodes], np.int64)
    roots = np.r_[0, np.cumsum(sizes)[:-1]].astype(np.int64)
    cat = np.concatenate(nodes)
    if cat["is_categorical"].any():
        raise ValueError("export_trees handles numerical splits only (the model has "
                         "categorical ones)")
    off = np.repeat(roots, sizes)
    return {"feature": cat["feature_idx"].astype(np.int64),
            "threshold": cat["num_threshold"].astype(np.float64),
            "left": cat["left"].astype(np.int64) + off,
            "right": cat["right"].astype(np.int64) + off,
            "leaf": cat["is_leaf"].astype(bool), "value": cat["value"].astype(np.float64),
            "missing_left": cat["missing_go_to_left"].astype(bool), "roots": roots,
            "depth": int(cat["depth"].max()) if len(cat) else 0,
            "baseline": float(np.ravel(model._baseline_prediction)[0])}


def predict_proba(trees: dict[str, Any], X: np.ndarray) -> np.ndarray:
    """Probability of the positive class, shape (n,), for features ``X`` (n, n_features).

    All trees advance one level at a time over all rows; a row at a leaf stays there.
    """
    X = np.asarray(X, np.float64)
    n = len(X)
    if n == 0:
        return np.zeros(0)
    idx = np.repeat(trees["roots"][:, None], n, axis=1)  # (n_trees, n)
    rows = np.arange(n)[None, :]
    leaf = trees["leaf"]
    for _ in range(int(trees["depth"]) + 1):
        at_leaf = leaf[idx]
        if at_leaf.all():
            break
        x = X[rows, trees["feature"][idx]]
        left = np.where(np.isnan(x), trees["missing_left"][idx], x <= trees["threshold"][idx])
        idx = np.where(at_leaf, idx, np.where(left, trees["left"][idx], trees["right"][idx]))
    raw = trees["baseline"] + trees["value"][idx].sum(axis=0)
    return 1.0 / (1.0 + np.exp(-raw))

"""Are two classes of points in the plane linearly separable? Exact for small sets."""

from __future__ import annotations

import numpy as np

from engine.types import Array, BoolArray


def linearly_separable(points: Array, labels: BoolArray, margin: float = 1e-9) -> bool:
    """True when a line has all of one class strictly on one side and the other class on the
    other side.

    If such a line exists, one can be turned until it is parallel to the segment between two of
    the points, so it is enough to try the normals of all pairwise differences (nudged both ways,
    for lines that pass through points) and the axes. O(n^3): fine for the few examples of a
    homework; refused above 400 points.
    """
    pts = np.asarray(points, dtype=np.float64)
    lab = np.asarray(labels, dtype=bool)
    if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) > 400:
        raise ValueError("linearly_separable takes at most 400 points in the plane")
    if lab.all() or not lab.any():
        return True
    # NOTE: separability does not change with scale; scaled into [-1, 1], the differences and
    # norms below cannot overflow, even for hidden activations near float64's limit.
    pts = pts / max(float(np.abs(pts).max()), np.finfo(np.float64).tiny)
    diffs = (pts[:, None, :] - pts[None, :, :]).reshape(-1, 2)
    diffs = diffs[np.abs(diffs).sum(axis=1) > 0]
    normals = np.stack([-diffs[:, 1], diffs[:, 0]], axis=1)
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    nudge = (
        1e-6
        * np.stack([diffs[:, 0], diffs[:, 1]], axis=1)
        / np.linalg.norm(diffs, axis=1, keepdims=True)
    )
    candidates = np.concatenate([normals, normals + nudge, normals - nudge, np.eye(2)])
    proj = pts @ candidates.T  # (n, directions)
    pos, neg = proj[lab], proj[~lab]
    gap_up = neg.min(axis=0) - pos.max(axis=0)
    gap_down = pos.min(axis=0) - neg.max(axis=0)
    return bool(max(gap_up.max(), gap_down.max()) > margin)

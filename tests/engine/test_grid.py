"""The heatmaps' grid: square, in image order, and each layer's outputs on it."""

from __future__ import annotations

import numpy as np

from engine import propagate
from engine.grid import Extent, grid_points, layer_outputs
from engine.presets import get_preset


def test_extent_is_square_and_padded() -> None:
    e = Extent.around(np.array([[0.0, 0.0], [1.0, 0.5]]), np.zeros((0, 2)))
    assert (e.lo, e.hi) == (-0.1, 1.1)


def test_grid_is_in_image_order() -> None:
    pts = grid_points(Extent(0.0, 4.0), 4)
    assert pts.shape == (16, 2)
    np.testing.assert_array_equal(pts[0], [0.5, 3.5])  # top left
    np.testing.assert_array_equal(pts[3], [3.5, 3.5])  # top right
    np.testing.assert_array_equal(pts[-1], [3.5, 0.5])  # bottom right


def test_layer_outputs_match_the_forward_pass() -> None:
    net = get_preset("xor-homework").network
    model = propagate.Model.of(net)
    x = grid_points(Extent(-1.0, 2.0), 5)
    _, acts = propagate.forward(model, net.parameters, x)
    outs = layer_outputs(model, net.parameters, x)
    for a, b in zip(acts, outs, strict=True):
        np.testing.assert_array_equal(a, b)
    # from the hidden layer on: the output as a function of the hidden activations
    np.testing.assert_array_equal(
        layer_outputs(model, net.parameters, acts[0], first=1)[0], acts[1]
    )

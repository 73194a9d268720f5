"""The training page's pictures: valid PNGs, and the reusable hidden-space plot."""

from __future__ import annotations

import base64
import struct
import zlib

import numpy as np

from app.plots.hidden_space import hidden_space, hidden_spaces
from app.plots.png import HIGH, LOW, MID, colours, data_uri, png
from engine.presets import get_preset


def test_png_is_a_valid_rgb_image() -> None:
    pixels = colours(np.linspace(0, 1, 12).reshape(3, 4), 0.0, 0.5, 1.0)
    image = png(pixels)
    assert image[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, kind = struct.unpack(">IIBB", image[16:26])
    assert (width, height, depth, kind) == (4, 3, 8, 2)
    idat = image[33 + 8 : -12 - 4]  # after IHDR (25 bytes + header); before IEND and IDAT's CRC
    rows = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(3, 1 + 12)
    assert (rows[:, 0] == 0).all()  # filter type "none" on every scanline
    np.testing.assert_array_equal(rows[:, 1:].reshape(3, 4, 3), pixels)


def test_colours_run_low_mid_high_and_clip() -> None:
    rgb = colours(np.array([-5.0, 0.0, 0.5, 1.0, 7.0, np.nan]), 0.0, 0.5, 1.0)
    np.testing.assert_array_equal(rgb[[0, 1]], np.rint([LOW, LOW]))
    np.testing.assert_array_equal(rgb[[2, 5]], np.rint([MID, MID]))
    np.testing.assert_array_equal(rgb[[3, 4]], np.rint([HIGH, HIGH]))


def test_data_uri_round_trips() -> None:
    uri = data_uri(np.zeros(16), 4, -1.0, 0.0, 1.0)
    assert uri.startswith("data:image/png;base64,")
    assert base64.b64decode(uri.split(",", 1)[1])[:4] == b"\x89PNG"


def test_the_homework_hidden_layer_separates_what_the_network_gets_right() -> None:
    # The exercise mode's case: the XOR homework's 2-unit ReLU layer and its 4 examples.
    preset = get_preset("xor-homework")
    space = hidden_space(preset.network, preset.inputs, preset.targets, 1)
    assert space.layer == 1 and space.activation == "relu"
    assert (space.correct, space.total) == (3, 4)  # the homework's network: 3 of 4 correct
    assert not space.separated
    assert space.line is not None  # the output layer reads this layer directly: a line
    assert len(space.points) == 4
    assert "3 of 4" in space.description
    assert all(0 <= p.x <= 300 and 0 <= p.y <= 300 for p in space.points)


def test_only_two_unit_layers_get_a_plot() -> None:
    spiral = get_preset("spiral-two-hidden")  # 2-8-8-1: none
    assert hidden_spaces(spiral.network, spiral.inputs, spiral.targets) == []
    preset = get_preset("xor-homework")
    assert [s.layer for s in hidden_spaces(preset.network, preset.inputs, preset.targets)] == [1]

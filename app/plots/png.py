"""Heatmaps as small PNG images in `data:` URIs: a diverging colour scale and a 30-line encoder.

A `data:` URI keeps each frame one response (no second request that would need the run's
state again), and `img-src 'self' data:` is enough for a strict CSP.
"""

from __future__ import annotations

import base64
import struct
import zlib

import numpy as np
import numpy.typing as npt

from engine.types import Array

# As TensorFlow Playground, whose users already read it, and as app.css's --pos / --neg (a
# colour-blind safe pair): blue for 1 and positive values, orange for 0 and negative ones,
# the page's background grey in between. 70% strength, so the points on top stand out.
MID = np.array([246.0, 247.0, 249.0])
POS = np.array([33.0, 102.0, 172.0])  # --pos #2166ac
NEG = np.array([217.0, 95.0, 2.0])  # --neg #d95f02
STRENGTH = 0.7
HIGH = MID + STRENGTH * (POS - MID)
LOW = MID + STRENGTH * (NEG - MID)

Pixels = npt.NDArray[np.uint8]


def colours(values: Array, lo: float, mid: float, hi: float, strength: float = STRENGTH) -> Pixels:
    """RGB per value: LOW at `lo`, MID at `mid`, HIGH at `hi`, clipped outside (NaN -> MID).

    static/training.js paints the same colours in the browser (its `colour`)."""
    v = np.nan_to_num(values, nan=mid, posinf=hi, neginf=lo)
    up = np.clip((v - mid) / max(hi - mid, 1e-12), 0.0, 1.0)[..., None]
    down = np.clip((mid - v) / max(mid - lo, 1e-12), 0.0, 1.0)[..., None]
    high, low = MID + strength * (POS - MID), MID + strength * (NEG - MID)
    rgb = MID + up * (high - MID) + down * (low - MID)
    pixels: Pixels = np.rint(rgb).astype(np.uint8)
    return pixels


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(rgb: Pixels) -> bytes:
    """An 8-bit RGB PNG of an (height, width, 3) array."""
    height, width, _ = rgb.shape
    # Each scanline starts with its filter type: 0, none (the images are tiny).
    rows = np.concatenate([np.zeros((height, 1), np.uint8), rgb.reshape(height, 3 * width)], 1)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(rows.tobytes(), 6)),
            _chunk(b"IEND", b""),
        ]
    )


def data_uri(values: Array, size: int, lo: float, mid: float, hi: float) -> str:
    """A size x size heatmap of `values` (size * size of them, in image order)."""
    image = png(colours(values.reshape(size, size), lo, mid, hi))
    return "data:image/png;base64," + base64.b64encode(image).decode()

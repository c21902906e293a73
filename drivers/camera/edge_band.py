"""Does the page run off the frame here? A second look along the frame's edge.

The page network (``page_net.py``) sees the frame shrunk to 256×192: one cell of its grid
is 2 % of the frame, so a page lying 1.5–4 % inside the frame's edge with something pale
between (a patch of white desk, a slip, a hand's shadow) can look to it like a page running
off. This network reads the band along that frame edge finer (10 % of the frame deep, read
at 40 rows) and says, for each of 80 columns along it, how many rows the page covers from
the inside and how likely it is to reach the frame's edge there (the page runs off). Where
the page ends inside the band, those depths trace its side. Made by
``scripts/train_page_net.py band-data`` / ``band-train`` from rendered frames of seeds of
its own.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from drivers.camera.page_net import load_net

MODEL = Path(__file__).with_name("edge_band.onnx")
DEPTH = 0.10  # of the frame's shorter side: how far in from the frame's edge the band goes
BAND_H, BAND_W = 40, 320  # the band as the network reads it (frame's edge at the bottom)
COLS = BAND_W // 4  # one depth per this many columns
TOP, RIGHT, BOTTOM, LEFT = range(4)


def band_depth(shape: tuple[int, ...]) -> int:
    """How deep the band is in a frame of ``shape``, pixels."""
    return max(4, round(DEPTH * min(shape[:2])))


def band(image: np.ndarray, edge: int, lo: int, hi: int) -> np.ndarray:
    """The strip along ``edge`` from ``lo`` to ``hi`` (pixels along that edge), turned so
    the frame's edge is its bottom row and the frame's inside its top, at BAND_H×BAND_W.
    Along the top and bottom edges it runs left to right, along the sides top to bottom."""
    h, w = image.shape[:2]
    d = band_depth(image.shape)
    if edge == TOP:
        strip = image[:d, lo:hi][::-1]
    elif edge == BOTTOM:
        strip = image[h - d:, lo:hi]
    elif edge == LEFT:
        strip = image[lo:hi, :d].swapaxes(0, 1)[::-1]
    else:
        strip = image[lo:hi, w - d:].swapaxes(0, 1)
    return cv2.resize(np.ascontiguousarray(strip), (BAND_W, BAND_H), interpolation=cv2.INTER_AREA)


def to_frame(edge: int, lo: int, hi: int, shape: tuple[int, ...], col: np.ndarray,
             depth: np.ndarray) -> np.ndarray:
    """Points in the frame's pixels of the page's end at band columns ``col`` (0..COLS)
    and ``depth`` (0 = the band's inner side, 1 = the frame's edge)."""
    h, w = shape[:2]
    d = band_depth(shape)
    along = lo + (col + 0.5) / COLS * (hi - lo)
    inward = (1.0 - depth) * d  # distance from the frame's edge
    if edge == TOP:
        return np.c_[along, inward]
    if edge == BOTTOM:
        return np.c_[along, h - inward]
    if edge == LEFT:
        return np.c_[inward, along]
    return np.c_[w - inward, along]


def net() -> cv2.dnn.Net:
    return load_net(MODEL, (BAND_H, BAND_W), lambda shape: shape[1:] == (BAND_H + 1, COLS),
                    "the edge-band network")


def prepare(bands: np.ndarray) -> np.ndarray:
    """N×BAND_H×BAND_W×3 uint8 → the network's input (each band to zero mean, unit spread:
    the light's level is not the question)."""
    x = bands.astype(np.float32).transpose(0, 3, 1, 2)
    mean = x.mean(axis=(1, 2, 3), keepdims=True)
    spread = x.std(axis=(1, 2, 3), keepdims=True) + 8.0
    return (x - mean) / spread


def read_out(logits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The network's N×(BAND_H + 1)×COLS logits → for each column, the depth the page
    reaches (0..1, the expectation over rows) and the chance it reaches the frame's edge."""
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    rows = np.arange(BAND_H + 1, dtype=np.float32)[None, :, None]
    return (p * rows).sum(axis=1) / BAND_H, p[:, BAND_H]


def page_ends(bands: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each band (N×BAND_H×BAND_W×3 uint8) and each of its COLS columns: how deep the
    page reaches (0..1; 1 = to the frame's edge) and the chance it runs off there."""
    n = net()
    n.setInput(prepare(bands))
    return read_out(n.forward().reshape(len(bands), BAND_H + 1, COLS))

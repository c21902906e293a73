"""Where the page is, cell by cell: a small segmentation network run by OpenCV's DNN module.

The network (``page_net.onnx``: a small U-Net, 700 k weights, made by
``scripts/train_page_net.py`` from frames of ``sim.scene`` that the benchmark's seeds never
drew) looks at the whole frame shrunk to 256×192 and gives, for each cell of a 64×48 grid,
how much of it the page covers. It sees
what the hand-made edge cues could not tell apart: a white page on a white desk, a cast
shadow's edge from a page's, a desk's grain running on from a page's side, and the part of
a page running off the frame (the page covers the cells at the frame's edge).

Run through ``cv2.dnn`` (no new dependency). Each thread has its own copy of the network:
an OpenCV ``Net`` is not safe to share between threads (the preview worker and a still).
A missing or damaged model file (this one or ``edge_band.onnx``) is
``DeviceError("camera.page_model")``: the camera worker checks both when it opens the
camera, so the kiosk and ``kiosk doctor`` name the file.
"""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np

from drivers.base import DeviceError

MODEL = Path(__file__).with_name("page_net.onnx")
IN_W, IN_H = 256, 192  # as scripts/train_page_net.py trains it
_local = threading.local()


def load_net(model: Path, in_shape: tuple[int, int], out_ok, what: str) -> cv2.dnn.Net:
    """This thread's copy of the ONNX network in ``model`` (input 1×3×``in_shape``), tried
    once on zeros; ``out_ok(shape)`` says whether its output is the one ``what`` gives.
    A missing, damaged or wrong file is ``DeviceError("camera.page_model")``."""
    nets = _local.__dict__.setdefault("nets", {})
    net = nets.get(model)
    if net is None:
        try:
            net = cv2.dnn.readNetFromONNX(str(model))
            net.setInput(np.zeros((1, 3, *in_shape), np.float32))
            out = net.forward()
        except cv2.error as e:
            why = getattr(e, "err", "") or str(e).strip()
            raise DeviceError("camera.page_model", f"{model} is missing or damaged ({why}); "
                              "reinstall the kiosk") from e
        if not out_ok(out.shape):
            raise DeviceError("camera.page_model", f"{model} is not {what} "
                              f"(output {out.shape}); reinstall the kiosk")
        nets[model] = net
    return net


def _net() -> cv2.dnn.Net:
    return load_net(MODEL, (IN_H, IN_W), lambda shape: shape[-2:] == (IN_H // 4, IN_W // 4),
                    "the page network")


def check_model() -> None:
    """Load the page finder's networks on this thread; ``DeviceError`` if a file is
    missing or damaged."""
    from drivers.camera import edge_band  # it uses this module's loader

    _net()
    edge_band.net()


def page_cover(image: np.ndarray) -> np.ndarray:
    """The share of each cell the page covers (float32, 48×64 for any frame size: a 16:9
    frame is squeezed like the 16:9 frames it was trained on)."""
    small = cv2.resize(image, (IN_W, IN_H), interpolation=cv2.INTER_AREA)
    net = _net()
    net.setInput(cv2.dnn.blobFromImage(small, 1 / 255.0))
    logits = net.forward()[0, 0]
    return (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)

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
A missing or damaged model file is ``DeviceError("camera.page_model")``: the camera worker
checks it when it opens the camera, so the kiosk and ``kiosk doctor`` name the file.
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


def _net() -> cv2.dnn.Net:
    net = getattr(_local, "net", None)
    if net is None:
        try:
            net = cv2.dnn.readNetFromONNX(str(MODEL))
            net.setInput(np.zeros((1, 3, IN_H, IN_W), np.float32))
            out = net.forward()
        except cv2.error as e:
            why = getattr(e, "err", "") or str(e).strip()
            raise DeviceError("camera.page_model", f"{MODEL} is missing or damaged ({why}); "
                              "reinstall the kiosk") from e
        if out.shape[-2:] != (IN_H // 4, IN_W // 4):
            raise DeviceError("camera.page_model", f"{MODEL} is not the page network "
                              f"(output {out.shape}); reinstall the kiosk")
        _local.net = net
    return net


def check_model() -> None:
    """Load the network on this thread; ``DeviceError`` if its file is missing or damaged."""
    _net()


def page_cover(image: np.ndarray) -> np.ndarray:
    """The share of each cell the page covers (float32, 48×64 for any frame size: a 16:9
    frame is squeezed like the 16:9 frames it was trained on)."""
    small = cv2.resize(image, (IN_W, IN_H), interpolation=cv2.INTER_AREA)
    net = _net()
    net.setInput(cv2.dnn.blobFromImage(small, 1 / 255.0))
    logits = net.forward()[0, 0]
    return (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)

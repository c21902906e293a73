"""Frames for the camera tests: seeded scenes rendered small enough to be quick."""

from __future__ import annotations

import numpy as np
import pytest

from sim.scene import Pose, Scene, render

SIZE = (1296, 972)  # half a 5 MP frame: the pipeline's sizes hold, rendering stays quick


def scene(paper: str = "letter", **kw: object) -> Scene:
    defaults: dict[str, object] = dict(
        pose=Pose(scale=0.4 if paper.startswith("idcard") else 0.85, rz=6, rx=4, ry=-3),
        background="wood", seed=3, clutter=2, gain=0.95, gradient=(0.2, -0.1),
        vignette=0.2, noise=2.5, blur=0.4)
    defaults.update(kw)
    return Scene(paper=paper, **defaults)  # type: ignore[arg-type]


def frame(paper: str = "letter", size: tuple[int, int] = SIZE,
          **kw: object) -> tuple[np.ndarray, np.ndarray]:
    return render(scene(paper, **kw), size)


@pytest.fixture(scope="session")
def letter_frame() -> tuple[np.ndarray, np.ndarray]:
    return frame("letter")

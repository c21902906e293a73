"""A missing or damaged page-finder model (either network) puts the camera out of service,
by name."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from drivers.base import DeviceState, DeviceStatus
from drivers.camera import edge_band, page_net
from kiosk.devices import CameraWorker
from tests.camera.conftest import frame


@pytest.fixture
def photo_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    cv2.imwrite(str(folder / "letter.png"), frame("letter", (640, 480))[0])
    return folder


def _broken_models(tmp_path: Path, good: bytes) -> dict[str, Path]:
    cut = tmp_path / "cut.onnx"
    cut.write_bytes(good[: len(good) // 2])  # a copy or an update that stopped halfway
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"<html>404</html>")
    return {"missing": tmp_path / "absent.onnx", "cut short": cut, "not a model": junk}


def _first_status(photo_folder: Path) -> DeviceStatus:
    """What the camera worker reports once it has tried to open the camera."""
    worker = CameraWorker("camera", f"file://{photo_folder}", lambda *event: None)
    worker.start()
    try:
        assert worker.first_status.wait(10)
        return worker.status
    finally:
        worker.stop()


@pytest.mark.parametrize("module", [page_net, edge_band], ids=["page", "edge-band"])
@pytest.mark.parametrize("kind", ["missing", "cut short", "not a model", "the other one"])
def test_camera_worker_reports_the_model_file(tmp_path, monkeypatch, photo_folder,
                                              module, kind: str) -> None:
    if kind == "the other one":  # each network's file swapped for the other's
        other = edge_band if module is page_net else page_net
        bad = tmp_path / "other.onnx"
        bad.write_bytes(other.MODEL.read_bytes())
    else:
        bad = _broken_models(tmp_path, module.MODEL.read_bytes())[kind]
    monkeypatch.setattr(module, "MODEL", bad)
    status = _first_status(photo_folder)
    assert status.state is DeviceState.ABSENT and status.code == "camera.page_model"
    assert str(bad) in status.reason and "reinstall" in status.reason


def test_camera_worker_with_the_model_in_the_tree_is_ready(photo_folder) -> None:
    status = _first_status(photo_folder)
    assert status.state is DeviceState.READY, status

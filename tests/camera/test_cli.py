"""`kiosk doc` as a technician runs it: a real process on image files."""

from __future__ import annotations

import json
import subprocess
import sys

import cv2
import numpy as np

from drivers.camera.geometry import order_corners
from sim.scene import Pose
from tests.camera.conftest import frame


def kiosk(tmp_path, *args: str) -> subprocess.CompletedProcess[str]:
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[data]\ndir = "{(tmp_path / "data").as_posix()}"\n', encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "kiosk.cli", "--config", str(cfg), *args],
                          capture_output=True, text=True, timeout=120)


def test_detect_prints_the_corners_as_json(tmp_path, letter_frame):
    img, truth = letter_frame
    path = tmp_path / "page.jpg"
    cv2.imwrite(str(path), img)
    r = kiosk(tmp_path, "doc", "detect", str(path), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert np.abs(np.array(out["quad"]) - order_corners(truth)).max() < 6
    assert 0.8 < out["confidence"] <= 1.0


def test_detect_says_no_page_and_fails(tmp_path):
    img, _ = frame("letter", pose=Pose(scale=0.01, cx=-5.0), seed=5, clutter=3)
    path = tmp_path / "desk.png"
    cv2.imwrite(str(path), img)
    r = kiosk(tmp_path, "doc", "detect", str(path))
    assert r.returncode == 1 and r.stdout.strip() == "no page found"
    r = kiosk(tmp_path, "doc", "detect", str(path), "--json")
    assert json.loads(r.stdout) == {"quad": None, "confidence": 0.0, "reason": "no_page"}


def test_scan_writes_one_pdf_and_lists_what_it_refused(tmp_path, letter_frame):
    pages = {"letter.jpg": letter_frame[0], "card.jpg": frame("idcard_front")[0],
             "blank.jpg": frame("blank")[0]}
    for name, img in pages.items():
        cv2.imwrite(str(tmp_path / name), img)
    pdf = tmp_path / "out.pdf"
    r = kiosk(tmp_path, "doc", "scan", *(str(tmp_path / n) for n in pages), "-o", str(pdf),
              "--jpeg-dir", str(tmp_path / "jpeg"))
    assert r.returncode == 1  # one page was refused
    assert "blank.jpg: rejected [camera.blank_page]" in r.stderr
    assert pdf.read_bytes().count(b"/Type /Page\n") == 2
    assert sorted(p.name for p in (tmp_path / "jpeg").iterdir()) == ["page-001.jpg",
                                                                     "page-002.jpg"]


def test_id_copy_makes_one_page(tmp_path):
    for name, paper in (("front.jpg", "idcard_front"), ("back.jpg", "idcard_back")):
        cv2.imwrite(str(tmp_path / name), frame(paper)[0])
    pdf = tmp_path / "id.pdf"
    r = kiosk(tmp_path, "doc", "scan", str(tmp_path / "front.jpg"), str(tmp_path / "back.jpg"),
              "--id-copy", "-o", str(pdf))
    assert r.returncode == 0, r.stderr
    assert pdf.read_bytes().count(b"/Type /Page\n") == 1

"""QR codes read from camera frames: rendered codes photographed in perspective, with glare."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import segno

from drivers.camera.qr import decode_qr
from sim.scene import desk

SIZE = (1600, 1200)


def _code_image(payload: str, module: int) -> np.ndarray:
    """The code as printed: black modules on white, with its quiet zone (grey, uint8)."""
    qr = segno.make(payload, error="m", micro=False)
    modules = np.array([list(row) for row in qr.matrix], np.uint8)
    modules = np.pad(modules, 4)
    return np.where(np.kron(modules, np.ones((module, module), np.uint8)) > 0, 20, 245
                    ).astype(np.uint8)


def _receipt(payload: str) -> tuple[np.ndarray, np.ndarray]:
    """A 受理回执 slip: printed lines and the case QR; returns it (BGR) and the code's
    corners on it (TL, TR, BR, BL of the code without its quiet zone)."""
    sheet = np.full((1100, 700, 3), 243, np.uint8)
    for y in range(60, 560, 44):  # lines of print
        cv2.line(sheet, (60, y), (int(640 - (y % 3) * 90), y), (40, 40, 40), 9)
    code = _code_image(payload, 12)
    x0, y0 = (700 - code.shape[1]) // 2, 600
    sheet[y0:y0 + code.shape[0], x0:x0 + code.shape[1]] = code[..., None]
    q = 4 * 12  # the quiet zone
    n = code.shape[0] - 2 * q
    corners = np.array([[x0 + q, y0 + q], [x0 + q + n, y0 + q], [x0 + q + n, y0 + q + n],
                        [x0 + q, y0 + q + n]], np.float32)
    return sheet, corners


def _phone(payload: str) -> tuple[np.ndarray, np.ndarray]:
    """A phone showing an 电子社保卡 / 预约码 QR: a black body around a lit screen."""
    body = np.full((1000, 500, 3), 25, np.uint8)
    body[60:940, 25:475] = (250, 250, 250)
    code = _code_image(payload, 10)
    x0, y0 = (500 - code.shape[1]) // 2, 260
    body[y0:y0 + code.shape[0], x0:x0 + code.shape[1]] = code[..., None]
    q, n = 40, code.shape[0] - 80
    corners = np.array([[x0 + q, y0 + q], [x0 + q + n, y0 + q], [x0 + q + n, y0 + q + n],
                        [x0 + q, y0 + q + n]], np.float32)
    return body, corners


def _photograph(item: np.ndarray, target: np.ndarray,
                glare: tuple[float, float, float, float], seed: int) -> np.ndarray:
    """``item`` laid on a wooden desk as the quadrilateral ``target`` (perspective), under
    a lamp whose reflection (centre as a share of the item, peak, radius as a share of the
    frame) lies over part of it, burning out the modules in its middle; then optics blur,
    sensor noise and the camera's JPEG."""
    h, w = item.shape[:2]
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    hom = cv2.getPerspectiveTransform(src, target.astype(np.float32))
    flat = cv2.warpPerspective(item, hom, SIZE, flags=cv2.INTER_AREA).astype(np.float32)
    cover = cv2.warpPerspective(np.ones((h, w), np.float32), hom, SIZE)[..., None]
    img = desk("wood", seed, 2, SIZE, 0.8).astype(np.float32) * (1 - cover) + flat * cover
    gx, gy, peak, radius = glare
    centre = cv2.perspectiveTransform(np.array([[[gx * w, gy * h]]], np.float32), hom)[0, 0]
    yy, xx = np.mgrid[0:SIZE[1], 0:SIZE[0]].astype(np.float32)
    r = radius * SIZE[0]
    img += (peak * np.exp(-((xx - centre[0]) ** 2 + (yy - centre[1]) ** 2) / (2 * r * r)))[
        ..., None] * cover
    img = cv2.GaussianBlur(img, (0, 0), 1.0)
    img += np.random.default_rng(seed).standard_normal(img.shape).astype(np.float32) * 3
    ok, buf = cv2.imencode(".jpg", np.clip(img, 0, 255).astype(np.uint8),
                           [cv2.IMWRITE_JPEG_QUALITY, 85])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def _seen(corners: np.ndarray, item: np.ndarray, target: np.ndarray) -> np.ndarray:
    h, w = item.shape[:2]
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    hom = cv2.getPerspectiveTransform(src, target.astype(np.float32))
    return cv2.perspectiveTransform(corners.reshape(-1, 1, 2), hom).reshape(4, 2)


CASE = "https://zwfw.example.gov.cn/case/SL2025031400127?v=8F3A"


@pytest.mark.parametrize(("target", "glare"), [
    # The glare's peak lifts the dark modules under it to within ~20 grey levels of the
    # (burnt-out) white: zxing-cpp 3.1 alone did not read these frames; the evened views do.
    # Lying askew and tilted away from the camera; the lamp's reflection on the code's side.
    (np.array([[520, 180], [930, 240], [900, 880], [430, 820]]), (0.72, 0.62, 225.0, 0.04)),
    # Upside down (the citizen turned the slip), the reflection over a finder pattern.
    (np.array([[1180, 1000], [720, 1030], [760, 330], [1150, 360]]), (0.3, 0.62, 225.0, 0.03)),
])
def test_case_qr_on_a_receipt_is_read_in_perspective_under_glare(target, glare):
    slip, code_corners = _receipt(CASE)
    frame = _photograph(slip, target, glare, seed=4)
    codes = decode_qr(frame)
    assert [c.text for c in codes] == [CASE]
    truth = _seen(code_corners, slip, target)
    # The corners come from the decoder in the frame's pixels, in the code's own order.
    assert np.abs(codes[0].corners - truth).max() < 12


def test_a_qr_shown_on_a_phone_is_read_through_the_glare_on_its_glass():
    payload = "YYM:3301-20250314-0931-A2F7C1"  # a 预约码
    phone, code_corners = _phone(payload)
    target = np.array([[700, 150], [1010, 210], [930, 830], [600, 760]])
    frame = _photograph(phone, target, (0.62, 0.4, 232.0, 0.04), seed=4)
    codes = decode_qr(frame)
    assert [c.text for c in codes] == [payload]
    assert np.abs(codes[0].corners - _seen(code_corners, phone, target)).max() < 12


def test_a_page_without_a_code_gives_nothing():
    slip, _ = _receipt(CASE)
    slip[560:, :] = 243  # the slip with its code cut off
    frame = _photograph(slip, np.array([[520, 180], [930, 240], [900, 880], [430, 820]]),
                        (0.5, 0.5, 200.0, 0.04), seed=4)
    assert decode_qr(frame) == []
    assert decode_qr(np.full((480, 640), 128, np.uint8)) == []

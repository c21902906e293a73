"""适老化, measured: every screen and state the screenshots reach (scripts/screenshots.py),
in elder mode, read from the widget tree and the rendered window.

The floor is the MIIT 适老化 figures (docs SERVICES.md "Care for the elderly"): main text
≥ 18 pt, main functions ≥ 30 pt, touch targets ≥ 60 × 60, text contrast ≥ 4.5:1 (≥ 3:1 for
large text). Points become pixels at the kiosk's panel: 1920×1080 on 21.5" is 102 dpi (UI.md),
so 1 pt = 102/72 px: 18 pt = 25.5 px, 30 pt = 42.5 px. Large text (WCAG): ≥ 18 pt, or
≥ 14 pt bold (19.8 px). Targets are taken in pixels at that density, the stricter reading
(60 dp would be 38 px).

What is measured, and what is not main text:
- every visible label with text is main text, except the header's status line, clock and
  hall name (for technicians, docs/UI.md "small icons … a technician reads them") and the
  small error code under a message (for staff, UI.md "Errors");
- every visible button is a main function: its words ≥ 30 pt (a tile's title label too);
  its size ≥ 60 × 60 px; a tile's second line is main text;
- a text's colour is its palette's after the style sheets (disabled ones included), its
  background the commonest other colour under it in the rendered window.
Qt Virtual Keyboard's keys are QML, outside the widget tree: not measured here.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QFontInfo, QImage, QPalette
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

from screens.widgets import Tile

DPI = 102
PX_PER_PT = DPI / 72
MAIN_TEXT_PX = 18 * PX_PER_PT  # 25.5
MAIN_FUNCTION_PX = 30 * PX_PER_PT  # 42.5
LARGE_PX, LARGE_BOLD_PX = 18 * PX_PER_PT, 14 * PX_PER_PT
TARGET_PX = 60
CONTRAST, CONTRAST_LARGE = 4.5, 3.0
SHOTS = os.environ.get("KIOSK_SHOTS")  # a folder: also save a picture of each state

_ROOT = Path(__file__).resolve().parents[2]


def _screenshots():
    spec = importlib.util.spec_from_file_location("kiosk_screenshots",
                                                  _ROOT / "scripts" / "screenshots.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def luminance(c: QColor) -> float:
    def lin(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    return 0.2126 * lin(c.redF()) + 0.7152 * lin(c.greenF()) + 0.0722 * lin(c.blueF())


def contrast(a: QColor, b: QColor) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@dataclass(frozen=True)
class Violation:
    state: str
    rule: str
    widget: str
    value: str

    def __str__(self) -> str:
        return f"{self.state}: {self.rule} {self.value} — {self.widget}"


def _pixels(win: QWidget) -> np.ndarray:
    img = win.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    # A copy: the image's memory goes with ``img`` when this returns.
    arr = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(),
                                                           img.bytesPerLine()).copy()
    return arr[:, :img.width() * 4].reshape(img.height(), img.width(), 4)


def _background(pixels: np.ndarray, win: QWidget, w: QWidget, fg: QColor) -> QColor | None:
    """The commonest colour under ``w`` that is not its text's colour."""
    top_left = w.mapTo(win, w.rect().topLeft())
    x, y = max(0, top_left.x()), max(0, top_left.y())
    patch = pixels[y:y + w.height(), x:x + w.width(), :3].reshape(-1, 3)  # BGR
    if not len(patch):
        return None
    packed = (patch[:, 2].astype(np.int64) << 16) | (patch[:, 1].astype(np.int64) << 8) \
        | patch[:, 0]
    values, counts = np.unique(packed, return_counts=True)
    for i in np.argsort(-counts):
        v = int(values[i])
        c = QColor(v >> 16 & 255, v >> 8 & 255, v & 255)
        if contrast(c, fg) > 1.2:
            return c
    return fg


def _in_header(w: QWidget) -> bool:
    p = w
    while p is not None:
        if p.objectName() == "Header":
            return True
        p = p.parentWidget()
    return False


def _shown(w: QWidget, root: QWidget) -> bool:
    return w.isVisible() and root.isAncestorOf(w) and not w.visibleRegion().isEmpty()


def audit(state: str, win: QWidget) -> list[Violation]:
    """Every rule, on whatever is in front: an open overlay, else the window."""
    screen = QRect(0, 0, *((1080, 1920) if win.portrait else (1920, 1080)))
    if win.height() > screen.height() or win.width() > screen.width():
        return [Violation(state, "the window outgrew the screen", "KioskWindow",
                          f"{win.width()}×{win.height()}")]
    overlays = [o for o in win.findChildren(QWidget, "Overlay") if o.isVisible()]
    root = overlays[-1] if overlays else win
    pixels = _pixels(win)
    out: list[Violation] = []

    def name(w: QWidget) -> str:
        text = w.text() if hasattr(w, "text") else ""
        return f"{type(w).__name__}#{w.objectName()} {text[:24]!r}"

    widgets = [w for w in root.findChildren(QWidget) if _shown(w, root)]
    if not overlays:
        widgets = [w for w in widgets if not any(o.isAncestorOf(w) for o in
                                                 win.findChildren(QWidget, "Overlay"))]
    for w in widgets:
        if isinstance(w, QAbstractButton) and (w.width() < TARGET_PX
                                               or w.height() < TARGET_PX):
            out.append(Violation(state, "touch target < 60×60 px",
                                 name(w), f"{w.width()}×{w.height()}"))
        if not isinstance(w, QLabel | QAbstractButton) or not w.text().strip():
            continue
        if isinstance(w, QLabel) and (_in_header(w) or w.objectName() == "ErrorCode"):
            continue
        tile = w.parentWidget() if isinstance(w.parentWidget(), Tile) else None
        if tile is not None and w is tile.glyph:
            continue
        px = QFontInfo(w.font()).pixelSize()
        function = isinstance(w, QAbstractButton) or (tile is not None and w is tile.title)
        least = MAIN_FUNCTION_PX if function else MAIN_TEXT_PX
        if px < least - 0.01:
            out.append(Violation(state, f"{'function' if function else 'text'} < "
                                        f"{30 if function else 18} pt", name(w),
                                 f"{px} px = {px / PX_PER_PT:.1f} pt"))
        group = QPalette.ColorGroup.Active if w.isEnabled() else QPalette.ColorGroup.Disabled
        fg = w.palette().color(group, w.foregroundRole())
        bg = _background(pixels, win, w, fg)
        if bg is None:
            continue
        ratio = contrast(fg, bg)
        large = px >= LARGE_PX or (w.font().bold() and px >= LARGE_BOLD_PX)
        if ratio < (CONTRAST_LARGE if large else CONTRAST):
            out.append(Violation(state, f"contrast < {3 if large else 4.5}:1", name(w),
                                 f"{ratio:.2f} ({fg.name()} on {bg.name()})"))
    return out


@pytest.mark.parametrize("orientation", ["landscape", "portrait"])
def test_every_state_in_elder_mode_meets_the_floor(qtbot, tmp_path, orientation):
    shots = _screenshots()
    seen: list[str] = []
    violations: list[Violation] = []

    def check(state: str, win: QWidget) -> None:
        seen.append(state)
        violations.extend(audit(state, win))
        if SHOTS:
            shots.keep(win.grab().toImage(), Path(SHOTS) / f"{state}-{orientation}-elder.png")

    shots.shoot(tmp_path, orientation, True, check=check)
    assert len(seen) >= 50, seen  # the walk reached the screens
    assert not violations, "\n" + "\n".join(str(v) for v in violations)


def test_the_measure_sees_what_fails(qtbot, window):
    """The audit is not blind: a small grey word on grey and a small button are caught."""
    window.set_elder(True)
    home = window.screen("home")
    home.card_hint.setStyleSheet("font-size: 16px; color: #B0B0B0;")
    home.prev_btn.setVisible(True)
    home.prev_btn.setFixedSize(40, 40)
    rules = {v.rule for v in audit("home", window)}
    assert {"text < 18 pt", "contrast < 4.5:1", "touch target < 60×60 px"} <= rules

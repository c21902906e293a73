"""The specimen seal (样章) drawn on certificates.

A kiosk holds no real seal: a legally valid seal comes from the issuing department's
electronic-seal system. Until one is connected every certificate carries this drawing, in
the usual layout (ring, star, office name along the upper arc) but with 样章 where the
seal's purpose would stand, so nobody can take a printout for a sealed original.
"""

from __future__ import annotations

import math

from reportlab.lib.colors import Color
from reportlab.pdfgen.canvas import Canvas

SEAL_RED = Color(0.84, 0.08, 0.10)
_ALPHA = 0.75  # the text under the seal stays readable
_ARC_DEGREES_MAX = 220.0


def draw_specimen_seal(c: Canvas, cx: float, cy: float, radius: float, issuer: str,
                       font: str) -> None:
    c.saveState()
    c.setStrokeColor(SEAL_RED)
    c.setFillColor(SEAL_RED)
    c.setStrokeAlpha(_ALPHA)
    c.setFillAlpha(_ALPHA)
    c.setLineWidth(radius * 0.06)
    c.circle(cx, cy, radius * 0.95, stroke=1, fill=0)
    _star(c, cx, cy + radius * 0.02, radius * 0.27)
    _arc_text(c, cx, cy, radius * 0.62, issuer, font, radius * 0.24)
    c.setFont(font, radius * 0.34)
    c.drawCentredString(cx, cy - radius * 0.62, "样章")
    c.restoreState()


def _star(c: Canvas, cx: float, cy: float, r: float) -> None:
    points = []
    for i in range(10):
        reach = r if i % 2 == 0 else r * 0.38
        angle = math.radians(90 + i * 36)
        points.append((cx + reach * math.cos(angle), cy + reach * math.sin(angle)))
    path = c.beginPath()
    path.moveTo(*points[0])
    for p in points[1:]:
        path.lineTo(*p)
    path.close()
    c.drawPath(path, stroke=0, fill=1)


def _arc_text(c: Canvas, cx: float, cy: float, r: float, text: str, font: str,
              size: float) -> None:
    """Characters along the upper arc, left to right, each upright towards the centre."""
    n = len(text)
    if n == 0:
        return
    step = min(_ARC_DEGREES_MAX / max(n - 1, 1), 30.0)
    # A long name gets smaller characters so neighbours do not overlap on the arc.
    size = min(size, 2 * math.pi * r * step / 360 * 0.95)
    start = 90 + step * (n - 1) / 2
    c.setFont(font, size)
    for i, ch in enumerate(text):
        angle = start - i * step
        x = cx + r * math.cos(math.radians(angle))
        y = cy + r * math.sin(math.radians(angle))
        c.saveState()
        c.translate(x, y)
        c.rotate(angle - 90)
        c.drawCentredString(0, 0, ch)
        c.restoreState()

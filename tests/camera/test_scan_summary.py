"""The scan summary: what it says happens to the pages, and how large it shows them."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QAbstractButton, QLabel

from screens.capture import to_qimage
from tests.camera.test_capture_screen import (  # noqa: F401 - kiosk_toml is a fixture
    _open_capture,
    _settle,
    _take,
    kiosk_toml,
)
from tests.gui.conftest import ctx, tap, window  # noqa: F401 - the kiosk fixtures

ORIENTATIONS = pytest.mark.parametrize(
    "kiosk_toml", [f'[terminal]\norientation = "{o}"\n' for o in ("landscape", "portrait")],
    indirect=True, ids=["landscape", "portrait"])

# Pages in colours found nowhere else on the screen, so each can be found in a picture of it.
COLOURS = [(255, 0, 255), (255, 140, 0), (0, 200, 0), (0, 230, 230), (150, 0, 200),
           (230, 230, 0), (255, 0, 100), (120, 70, 0), (0, 90, 0)]
A4 = (226, 320)  # a page's picture as the page pipeline makes it (long side 320)


def _page(i: int) -> QImage:
    r, g, b = COLOURS[i]
    return to_qimage(np.full((A4[1], A4[0], 3), (b, g, r), np.uint8))


def drawn_heights(win, n: int) -> list[int]:  # noqa: ANN001
    """How tall each page is on the screen, found by its colour in a picture of the window."""
    img = win.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    px = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())
    px = px[:, : img.width() * 3].reshape(img.height(), img.width(), 3).astype(int)
    out = []
    for colour in COLOURS[:n]:
        ys, _ = np.nonzero(np.abs(px - colour).sum(axis=2) < 12)
        assert len(ys), f"page in {colour} is not on the screen"
        out.append(int(ys.max() - ys.min() + 1))
    return out


def shown_texts(screen) -> str:  # noqa: ANN001
    widgets = screen.findChildren(QLabel) + screen.findChildren(QAbstractButton)
    return "\n".join(w.text() for w in widgets if w.isVisible())


def test_summary_says_only_what_is_true_and_done_deletes_the_pages(qtbot, window, ctx):  # noqa: F811
    _open_capture(qtbot, window, ctx)
    ctx.sim.camera.place("letter", paper_seed=1)
    _take(qtbot, window, ctx, 1)
    tap(window, window.screen("capture").finish)
    summary = window.screen("scan_summary")
    assert window.current is summary
    said = shown_texts(summary)
    assert "办件" not in said and "已保存" not in said  # nothing keeps or sends the pages
    assert "照片不会保存或提交" in said and "点“完成”后全部删除" in said
    tap(window, window.footer.help_btn)
    help_text = shown_texts(window.help_overlay)
    assert "不会保存，也不会提交" in help_text and "已保存" not in help_text
    tap(window, window.help_overlay.ok)

    page = ctx.sessions.current.scans[0]
    tap(window, summary.done)  # as promised: the pages are gone, and who took them
    assert window.current is window.screen("home")
    assert not ctx.sessions.current.scans and not any(page)
    assert ctx.sessions.current.identity is None and summary.images == []


# The least height of each page (px), for this many pages: a 70-year-old checks them from a
# step back. Before, every page was 220 px at most, in any orientation and mode.
LEAST_HEIGHT = {"landscape": {1: 590, 2: 590, 4: 370, 9: 200},
                "portrait": {1: 860, 2: 630, 4: 420, 9: 240}}


@ORIENTATIONS
@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_summary_shows_the_pages_as_large_as_the_screen_allows(qtbot, window, ctx,  # noqa: F811
                                                               elder):
    orientation = ctx.config.terminal.orientation
    window.set_elder(elder)
    _open_capture(qtbot, window, ctx)
    window.screen("capture").page_taken(_page(0), 0)
    tap(window, window.screen("capture").finish)
    for n, least in LEAST_HEIGHT[orientation].items():
        if n > 1:  # more pages, as the window hands them over when 完成 is tapped
            window.screen("scan_summary").show_pages([_page(i) for i in range(n)])
        _settle(window)
        heights = drawn_heights(window, n)  # every page is on the screen ...
        assert min(heights) >= least, f"{n} pages: {heights}"  # ... and large

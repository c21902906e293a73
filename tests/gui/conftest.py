"""A whole kiosk on simulated devices: real drivers over a pty and a TCP socket."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

from kiosk.config import parse_config
from kiosk.context import KioskContext
from kiosk.i18n import translator


@pytest.fixture
def kiosk_toml() -> str:
    """Extra configuration for the kiosk under test (a test may override this fixture)."""
    return ""


@pytest.fixture
def ctx(tmp_path, kiosk_toml) -> Iterator[KioskContext]:
    config = parse_config(f'[data]\ndir = "{tmp_path.as_posix()}"\n' + kiosk_toml)
    c = KioskContext.build(config)
    c.start()
    c.devices.wait_first_status(5)
    yield c
    c.stop()


class FakeClock:
    """The window's monotonic clock, moved by the test: idle and tap timing without sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


CITIZEN_PAUSE = 1.0  # seconds between one deliberate tap and the next


@pytest.fixture
def window(qtbot, ctx):
    from kiosk.qt_main import create_window

    win = create_window(ctx.config, ctx, FakeClock())
    qtbot.addWidget(win, before_close_func=lambda w: w.allow_close())  # a kiosk refuses close
    win.show()
    qtbot.waitUntil(lambda: all(w.status.state == "ready" for w in ctx.devices.workers.values()),
                    timeout=5000)
    yield win
    translator.set_language("zh_CN")


def all_texts(root: QWidget) -> list[str]:
    """Every piece of text any widget in the window holds, shown or not."""
    out = [w.text() for w in root.findChildren(QLabel)]
    out += [w.text() for w in root.findChildren(QAbstractButton)]
    return out


def tap_at(window, point: QPoint, after: float = CITIZEN_PAUSE) -> QWidget:
    """A finger ``after`` seconds later at ``point`` (window coordinates): press and release
    go to whatever widget is there now, as on the touch screen. Returns that widget."""
    window.clock.advance(after)
    target = window.childAt(point)
    assert target is not None, f"nothing at {point}"
    while not isinstance(target, QAbstractButton) and target.parentWidget() is not None \
            and target.testAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents):
        target = target.parentWidget()
    QTest.mouseClick(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     target.mapFrom(window, point))
    return target


def tap(window, widget: QWidget, after: float = CITIZEN_PAUSE) -> QWidget:
    """A deliberate tap in the middle of ``widget`` (which must be showing)."""
    assert widget.isVisible(), f"{widget!r} is not on screen"
    return tap_at(window, widget.mapTo(window, widget.rect().center()), after)


def answer_elder_offer(qtbot, window, yes: bool = False) -> None:
    """A card holder of 70 or more is asked once whether they want 大字模式: answer it."""
    offer = window.care.elder_offer
    qtbot.waitUntil(offer.isVisible, timeout=5000)
    tap(window, offer.yes if yes else offer.no)
    assert not offer.isVisible()


def tap_service(window, service: str) -> QWidget:
    """Tap a service's tile on the home screen, turning its pages as a citizen would when
    there are more services than one page shows."""
    home = window.screen("home")
    pager = getattr(home, "next_btn", None)
    while not home.tiles[service].isVisible() and pager is not None and pager.isVisible() \
            and pager.isEnabled():
        tap(window, pager)
    return tap(window, home.tiles[service])

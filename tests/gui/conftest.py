"""A whole kiosk on simulated devices: real drivers over a pty and a TCP socket."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
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


@pytest.fixture
def window(qtbot, ctx):
    from kiosk.qt_main import create_window

    win = create_window(ctx.config, ctx)
    qtbot.addWidget(win)
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

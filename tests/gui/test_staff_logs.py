"""维护模式's logs page by taps on the real widgets: the log's last lines, masked, paged with
the large buttons; 导出到U盘 with no stick, then with one (a temporary folder as the mount
root), the masked logs and the doctor report in a dated folder on it."""

from __future__ import annotations

import json

import pytest

from kiosk import usb
from kiosk.flows.staff import PAGES
from kiosk.staff import hash_secret
from tests.gui.conftest import tap
from tests.gui.test_staff_mode import STAFF_PIN, audit, open_staff

ID_NUMBER = "11010519491231002X"
MOBILE = "13812345678"


@pytest.fixture(scope="module")
def pin_hash() -> str:
    return hash_secret(STAFF_PIN)


@pytest.fixture
def media(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture
def kiosk_toml(pin_hash, media) -> str:
    return f'[staff]\npin_hash = "{pin_hash}"\nusb_roots = ["{media.as_posix()}"]\n'


@pytest.fixture
def log_file(ctx):
    logs = ctx.config.data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    lines = [f"2026-12-05 10:{n // 60:02d}:{n % 60:02d} INFO kiosk.app: line {n}"
             for n in range(300)]
    lines[-3] = f"2026-12-05 11:00:00 WARNING kiosk.x: card {ID_NUMBER} phone {MOBILE}"
    (logs / "kiosk.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return logs / "kiosk.log"


def test_the_logs_page_shows_the_last_lines_masked_and_pages_them(log_file, window, qtbot):
    open_staff(window, qtbot)
    staff = window.screen(PAGES)
    tap(window, staff.nav_buttons["logs"])
    view = staff.log_view
    qtbot.waitUntil(lambda: "line 299" in view.toPlainText(), timeout=5000)
    text = view.toPlainText()
    assert len(text.splitlines()) == 200
    assert "line 100" in text and "line 99" not in text
    assert ID_NUMBER not in text and MOBILE not in text
    assert "1101**********002X" in text and "138****5678" in text
    bar = view.verticalScrollBar()
    assert bar.maximum() > 0 and bar.value() == bar.maximum()  # the newest in view
    tap(window, staff.log_up)
    assert bar.value() < bar.maximum()
    tap(window, staff.log_down)
    assert bar.value() == bar.maximum()


def test_export_to_a_usb_stick(log_file, window, qtbot, ctx, media, monkeypatch):
    monkeypatch.setattr(usb, "is_mount", lambda _path: True)  # a folder stands for a stick
    open_staff(window, qtbot)
    staff = window.screen(PAGES)
    tap(window, staff.nav_buttons["logs"])
    assert "插入U盘" in staff.export_line.text()
    tap(window, staff.export_button)
    qtbot.waitUntil(lambda: staff.export_button.isEnabled(), timeout=5000)
    assert staff.export_line.text() == "✕ 未检测到U盘"
    assert audit(ctx)[-1] == {**audit(ctx)[-1], "event": "logs_export_done",
                              "result": "no_stick"}

    stick = media / "kiosk" / "STICK"
    stick.mkdir(parents=True)
    tap(window, staff.export_button)
    qtbot.waitUntil(lambda: "已导出到U盘" in staff.export_line.text(), timeout=10000)
    (folder,) = stick.iterdir()
    assert f"已导出到U盘：STICK/{folder.name}" in staff.export_line.text()
    assert folder.name.startswith(f"kiosk-{ctx.config.terminal.id}-logs-")
    exported = (folder / "kiosk.log.txt").read_text(encoding="utf-8")
    assert "line 299" in exported and ID_NUMBER not in exported and MOBILE not in exported
    doctor = json.loads((folder / "doctor.json").read_text(encoding="utf-8"))
    assert doctor["terminal"] == ctx.config.terminal.id and doctor["devices"]
    assert audit(ctx)[-1] == {**audit(ctx)[-1], "event": "logs_export_done",
                              "result": "done", "folder": f"STICK/{folder.name}"}

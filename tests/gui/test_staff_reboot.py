"""维护模式's 重启设备 by taps on the real widgets: the machine restarts only on a second tap,
through ``kiosk.power.reboot`` (the platform's restart_machine uses it too); a development
kiosk only says it would; where config staff.allow_reboot is false there is no button."""

from __future__ import annotations

import pytest

from kiosk import power
from kiosk.flows.staff import PAGES
from kiosk.staff import hash_secret
from tests.gui.conftest import tap
from tests.gui.test_staff_mode import STAFF_PIN, audit, open_staff


@pytest.fixture(scope="module")
def pin_hash() -> str:
    return hash_secret(STAFF_PIN)


@pytest.fixture
def allow_reboot() -> bool:
    return True


@pytest.fixture
def kiosk_toml(pin_hash, allow_reboot) -> str:
    return f'[staff]\npin_hash = "{pin_hash}"\nallow_reboot = {str(allow_reboot).lower()}\n'


def system_page(window, qtbot):
    open_staff(window, qtbot)
    pages = window.screen(PAGES)
    tap(window, pages.nav_buttons["system"])
    return pages


def test_restart_machine_on_a_second_tap(window, qtbot, ctx, monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(power, "reboot", lambda: calls.append("reboot") or power.REBOOTING)
    pages = system_page(window, qtbot)
    assert pages.reboot.text() == "重启设备" and pages.reboot.isVisible()
    assert pages.restart.y() == pages.reboot.y()  # next to 重启终端
    tap(window, pages.reboot)
    assert pages.reboot.text() == "再点一次：重启设备"
    qtbot.wait(200)
    assert calls == []
    tap(window, pages.reboot, after=1.0)
    qtbot.waitUntil(lambda: "设备正在重启" in pages.reboot_hint.text(), timeout=5000)
    assert calls == ["reboot"] and not pages.reboot.isEnabled()
    events = [e["event"] for e in audit(ctx)]
    assert events[-2:] == ["reboot", "reboot_done"]
    assert audit(ctx)[-1]["result"] == "rebooting"


def test_a_development_kiosk_only_says_it_would_reboot(window, qtbot, ctx, caplog):
    caplog.set_level("WARNING", logger="kiosk.power")
    pages = system_page(window, qtbot)
    tap(window, pages.reboot)
    tap(window, pages.reboot, after=1.0)
    qtbot.waitUntil(lambda: "开发模式" in pages.reboot_hint.text(), timeout=5000)
    assert "would reboot the machine now (systemctl reboot)" in caplog.text
    assert pages.reboot.isEnabled()
    assert audit(ctx)[-1] == {**audit(ctx)[-1], "event": "reboot_done", "result": "would_reboot"}


@pytest.mark.parametrize("allow_reboot", [False])
def test_no_restart_machine_where_reboot_is_not_allowed(window, qtbot):
    pages = system_page(window, qtbot)
    assert pages.restart.isVisible() and not pages.reboot.isVisible()

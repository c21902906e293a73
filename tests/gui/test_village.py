"""An unattended village station: no desk to send people to, a phone number instead."""

import pytest

from tests.gui.conftest import tap


@pytest.fixture
def kiosk_toml() -> str:
    return ('[terminal]\nmode = "village"\nhelp_phone = "0738-1234567"\n'
            'hall_name = "石桥村便民服务站"\nself_service_24h = false\n')


def test_village_help_and_card_prompt_give_the_duty_phone(qtbot, window):
    assert not window.header.badge.isVisible()
    assert window.header.hall.text() == "石桥村便民服务站"
    tap(window, window.screen("home").tiles["queue"])
    assert "0738-1234567" in window.screen("card_prompt").alt.text()
    tap(window, window.footer.help_btn)
    assert "0738-1234567" in window.help_overlay.contact.text()


def test_a_call_for_staff_reaches_the_fleet_and_their_answer_shows(qtbot, window, ctx):
    """呼叫工作人员: the heartbeat carries it at once, staff answer from afar (the
    console's answer_help command), and the answer opens on the screen by itself."""
    store = ctx.link.server.store
    terminal = ctx.config.terminal.id

    def help_on_platform() -> dict:
        beat = store.last_heartbeat(terminal) or {}
        return beat.get("help") or {}

    tap(window, window.footer.help_btn)
    box = window.help_overlay
    assert box.call.isVisible() and not box.call_state.isVisible()
    tap(window, box.call)
    tap(window, box.call, after=0.2)  # a second tap in a hurry: one call
    assert "已通知工作人员" in box.call_state.text() and not box.call.isEnabled()
    qtbot.waitUntil(lambda: help_on_platform().get("state") == "waiting", timeout=10000)
    assert help_on_platform()["step"] == "home"
    assert set(help_on_platform()) == {"at", "state", "step"}  # nothing about the person
    tap(window, box.ok)
    assert not box.isVisible()

    cid = store.enqueue_command(terminal, "answer_help", {"message": "马上到，请稍候"})
    ctx.sync.trigger("heartbeat")  # the next heartbeat brings it (tests do not wait 30 s)
    qtbot.waitUntil(box.isVisible, timeout=10000)
    assert box.call_state.text() == "▶ 工作人员回复：马上到，请稍候"
    qtbot.waitUntil(lambda: store.command_ack(cid)[0] == "done", timeout=10000)
    qtbot.waitUntil(lambda: help_on_platform().get("state") == "answered", timeout=10000)
    assert box.call.isEnabled()  # may call again

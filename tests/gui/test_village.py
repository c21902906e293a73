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

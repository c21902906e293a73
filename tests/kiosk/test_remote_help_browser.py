"""远程咨询 with the real staff page: the console's call.html in Debian's headless chromium
(fake camera and microphone, permission granted without a prompt), answering the kiosk's
aiortc call on loopback. The page must decode the kiosk's video, the kiosk must receive
the page's, and 挂断 on either side must end the call on both."""

from __future__ import annotations

import pytest

from central import remote_help as platform_calls
from kiosk.remote_help import CallSignalling, RemoteHelpCall
from tests.browser import chromium, needs_browser, webdriver
from tests.browser import until as _until
from tests.kiosk.test_remote_help import camera, hall, loopback_only  # noqa: F401
from tests.platform.harness import SECRET, TERMINAL

pytestmark = needs_browser
FRAMES = 10


class LoopbackSignalling(CallSignalling):
    """The page's answer with its loopback candidates only: chromium also offers the
    machine's other addresses, and this test's traffic stays on 127.0.0.1."""

    def call_state(self, call_id: str) -> dict:
        doc = super().call_state(call_id)
        if "answer" in doc:
            doc["answer"] = "\r\n".join(
                line for line in doc["answer"].split("\r\n")
                if not line.startswith("a=candidate:") or " 127.0.0.1 " in line)
        return doc


@pytest.fixture
def browser():
    driver = chromium("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                      "--allow-loopback-in-peer-connection",
                      "--autoplay-policy=no-user-gesture-required")
    yield driver
    driver.quit()


def _answered_call(hall, camera, browser) -> RemoteHelpCall:  # noqa: F811
    signalling = LoopbackSignalling(hall.url, TERMINAL, SECRET, deadline=5.0)
    call = RemoteHelpCall(signalling, camera.preview)
    call.start()
    token = platform_calls.console_token(hall.store.root)
    browser.get(f"{hall.url}/console/call.html#token={token}")
    by = webdriver.common.by.By
    button = _until(lambda: browser.find_elements(by.CSS_SELECTOR, "button[data-call]"), 10,
                    "the page never listed the ringing call")
    button[0].click()
    _until(lambda: (browser.execute_script("return window.callStats()")["framesDecoded"]
                    > FRAMES), 30, "the page decoded no video of the kiosk")
    _until(lambda: call.counts.video_received > FRAMES and call.counts.audio_received > FRAMES,
           30, f"the kiosk received too little of the page: {call.counts}")
    assert call.state == "connected"
    return call


def test_the_staff_page_sees_the_kiosk_and_hangs_up(hall, camera, browser):  # noqa: F811
    call = _answered_call(hall, camera, browser)
    try:
        browser.find_element(webdriver.common.by.By.ID, "hangup").click()
        assert call.wait(10)
        assert call.ended_by == "staff"
    finally:
        call.hang_up()
        call.wait(10)


def test_the_kiosk_hangs_up_and_the_page_sees_it(hall, camera, browser):  # noqa: F811
    call = _answered_call(hall, camera, browser)
    call.hang_up()
    assert call.wait(10) and call.ended_by == "kiosk"
    by = webdriver.common.by.By
    _until(lambda: browser.find_element(by.ID, "status").text == "对方已挂断", 10,
           "the page did not see the kiosk hang up")
    assert browser.execute_script("return window.callStats()")["state"] == "idle"


def test_the_staff_page_pushes_a_guide_item_to_the_kiosk(hall, camera, browser):  # noqa: F811
    call = _answered_call(hall, camera, browser)
    try:
        by = webdriver.common.by.By
        browser.find_element(by.ID, "item").send_keys("birth-medical-certificate")
        browser.find_element(by.ID, "push").click()
        _until(lambda: call.pushed == "birth-medical-certificate", 10,
               "the kiosk never heard what the page pushed")
        assert "已推送" in browser.find_element(by.ID, "pushed").text
    finally:
        call.hang_up()
        call.wait(10)

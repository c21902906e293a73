"""The fleet console in Debian's headless chromium, against a real kiosk's parts (embedded
platform over HTTP, outbox, sync engine driven round by round, remote commands with a
recording window): a technician logs in through the form, sees the kiosk online, sees it
go offline when its heartbeats stop, locks it with a message, and the kiosk is locked by
its next heartbeat; the page then shows the command done."""

from __future__ import annotations

import json
import time

import pytest

from central import console
from kiosk.remote import RemoteCommands
from tests.browser import chromium, needs_browser, webdriver
from tests.browser import until as _until
from tests.kiosk.test_remote_commands import RecordingHost, build, config  # noqa: F401

StaleElementReferenceException = pytest.importorskip(
    "selenium.common.exceptions").StaleElementReferenceException
pytestmark = needs_browser
PASSWORD = "hall technician 1"
MESSAGE = "设备维护中，请到3号窗口"


@pytest.fixture
def browser():
    driver = chromium()
    yield driver
    driver.quit()


@pytest.fixture
def kiosk(config):  # noqa: F811
    ctx = build(config)
    yield ctx
    ctx.stop()


def test_log_in_see_the_kiosk_go_offline_and_lock_it(kiosk, browser):
    server, terminal = kiosk.link.server, kiosk.config.terminal.id
    # Offline after 3 s without a heartbeat; the page refreshes twice a second.
    (server.store.root / "console.json").write_text(json.dumps(
        {"offline_after_minutes": 0.05, "poll_seconds": 0.5}))
    users = console.ConsoleBook.beside(server.store.root)
    users.add_user("wang.fang", PASSWORD)
    kiosk.sync.run_once()  # a heartbeat through the kiosk's own client

    by = webdriver.common.by.By
    browser.get(f"{server.url}/console/")
    _until(lambda: browser.find_element(by.ID, "login").is_displayed(), 10, "no login form")
    browser.find_element(by.ID, "username").send_keys("wang.fang")
    browser.find_element(by.ID, "password").send_keys("wrong password")
    browser.find_element(by.ID, "login-button").click()
    _until(lambda: browser.find_element(by.ID, "login-error").text, 10, "no refusal shown")
    browser.find_element(by.ID, "password").clear()
    browser.find_element(by.ID, "password").send_keys(PASSWORD)
    browser.find_element(by.ID, "login-button").click()

    row = f'#fleet tr[data-terminal="{terminal}"]'

    def text(selector: str) -> str | None:  # read in one go: the page redraws as it polls
        return browser.execute_script(
            "const e = document.querySelector(arguments[0]); return e && e.textContent",
            selector)

    def state() -> str | None:
        return browser.execute_script(
            "const e = document.querySelector(arguments[0]); return e && e.dataset.online",
            row)

    def click(selector: str) -> None:
        for _ in range(20):
            try:
                browser.find_element(by.CSS_SELECTOR, selector).click()
                return
            except StaleElementReferenceException:
                time.sleep(0.05)
        raise AssertionError(f"{selector} never stood still to be clicked")

    _until(lambda: state() == "1", 10, "the page never showed the kiosk online")
    assert browser.find_element(by.ID, "me").text == "wang.fang"
    _until(lambda: state() == "0", 15, "the kiosk never went offline on the page")
    assert "离线" in text(f'{row} [data-alert="offline"]')

    click(row)
    browser.find_element(by.ID, "lock-message").send_keys(MESSAGE)
    click('button[data-command="lock"]')
    cid = _until(lambda: browser.execute_script(
        "const e = document.querySelector('#commands tr[data-command]');"
        "return e && e.dataset.command"), 10, "the command never appeared on the page")
    shown = text(f'#commands tr[data-command="{cid}"]')
    assert "等待终端心跳" in shown and MESSAGE in shown

    _until(lambda: MESSAGE in (text("#audit tbody") or ""), 10, "the audit shows no command")
    kiosk.sync.run_once()  # the kiosk's next heartbeat brings the lock
    host = RecordingHost()
    remote = RemoteCommands(kiosk, host)
    try:
        remote.run_pending()
        assert ("lock", MESSAGE) in host.calls
    finally:
        remote.stop()
    _until(lambda: text(f'#commands tr[data-command="{cid}"][data-status="done"]'), 10,
           "the page never showed the lock done")
    _until(lambda: state() == "1", 10, "the kiosk is back online after its heartbeat")
    # The call page opens from here without its shared token being typed.
    browser.find_element(by.ID, "call-page").click()
    _until(lambda: browser.current_url.endswith("/console/call.html"), 10, "no call page")
    status = browser.execute_async_script(
        "const done = arguments[0]; fetch('/console/calls', {headers: {Authorization: "
        "'Bearer ' + sessionStorage.getItem('console-token')}}).then((r) => done(r.status))")
    assert status == 200  # the page's own token works
    time.sleep(1.5)  # the page has polled the ringing calls with it
    assert browser.execute_script("return document.getElementById('login').hidden")
    assert "token" not in browser.current_url
    actions = [(r["user"], r["action"]) for r in users.audit_rows()]
    assert ("wang.fang", "command") in actions and ("wang.fang", "login_refused") in actions
    users.close()

"""A bug in a device worker's poll keeps the kiosk running (DeviceWorker._guard logs it and
reports the device in error), but it fails the test it happened in: see tests/conftest.py."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from drivers.base import DeviceState, DeviceStatus
from kiosk.devices import DeviceWorker


class BuggyWorker(DeviceWorker):
    kind = "buggy"
    poll_interval = 0.01

    def connect(self) -> DeviceStatus:
        return DeviceStatus(DeviceState.READY, "", "")

    def disconnect(self) -> None:
        pass

    def poll(self) -> None:
        raise ZeroDivisionError("a bug in poll")


def crash_once() -> BuggyWorker:
    w = BuggyWorker("buggy", "sim", lambda *event: None)
    w.start()
    deadline = time.monotonic() + 10
    while w.status.state != DeviceState.ERROR and time.monotonic() < deadline:
        time.sleep(0.01)
    w.stop()
    return w


@pytest.mark.device_bug_expected
def test_a_raising_poll_is_caught_by_the_fixture(device_bugs):
    w = crash_once()
    assert w.status.state == DeviceState.ERROR and w.status.code == "buggy.internal"
    assert len(device_bugs.records) >= 1
    record = device_bugs.records[0]
    assert record.getMessage() == "buggy: unexpected error"
    assert record.exc_info[0] is ZeroDivisionError


def test_a_device_error_that_is_not_a_bug_does_not_count(device_bugs):
    from drivers.base import DeviceError

    class FlakyWorker(DeviceWorker):
        kind = "flaky"
        poll_interval = 0.01
        polls = 0

        def connect(self):
            return DeviceStatus(DeviceState.READY, "", "")

        def disconnect(self):
            pass

        def poll(self):
            self.polls += 1
            raise DeviceError("flaky.busy", "busy")

    w = FlakyWorker("flaky", "sim", lambda *event: None)
    w.start()
    deadline = time.monotonic() + 10
    while w.polls < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    w.stop()
    assert w.polls >= 3 and device_bugs.records == []


def test_without_the_marker_the_test_fails(tmp_path):
    """The fixture itself, in a pytest of its own: of two tests that crash a poll, the one
    not marked errors at teardown."""
    conftest = Path(__file__).parents[1] / "conftest.py"
    (tmp_path / "conftest.py").write_text(conftest.read_text(encoding="utf-8"),
                                          encoding="utf-8")
    (tmp_path / "test_inner.py").write_text("""
import pytest

from tests.kiosk.test_device_bugs_fail_tests import crash_once


def test_crash():
    crash_once()


@pytest.mark.device_bug_expected
def test_crash_on_purpose():
    crash_once()
""", encoding="utf-8")
    root = Path(__file__).parents[2]
    out = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
                          str(tmp_path)], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120, env={**os.environ, "PYTHONPATH": str(root)})
    assert out.returncode == 1, out.stdout + out.stderr
    assert "2 passed, 1 error" in out.stdout, out.stdout  # test_crash: passed, then error
    assert "ERROR at teardown of test_crash" in out.stdout
    assert "error(s) in a device worker" in out.stdout and "ZeroDivisionError" in out.stdout

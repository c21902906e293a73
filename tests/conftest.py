import logging
import os

import pytest

# Qt must never look for a screen in tests (CI has none); set before Qt is imported.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The kiosk's on-screen keyboard (kiosk.qt_main.use_onscreen_keyboard), before any Qt app.
os.environ.setdefault("QT_IM_MODULE", "qtvirtualkeyboard")
os.environ.setdefault("QT_VIRTUALKEYBOARD_DESKTOP_DISABLE", "1")
# The tests are a development run: a config leaves out what is simulated (kiosk.config), in
# this process and in the kiosk processes the tests start.
os.environ.setdefault("KIOSK_DEV", "1")

from kiosk.devices import DEVICE_BUG  # noqa: E402


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "device_bug_expected: the test makes a device worker raise on purpose; "
        "the worker's log of it does not fail the test")


class _DeviceBugs(logging.Handler):
    """Collects what DeviceWorker._guard logs when a worker's poll or command raises
    something unexpected (a bug): the kiosk lives on, but a test must not."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, DEVICE_BUG, False):
            self.records.append(record)


@pytest.fixture(autouse=True)
def device_bugs(request: pytest.FixtureRequest):
    """Fails the test at teardown if a device worker hit a bug while it ran, unless the
    test is marked ``device_bug_expected``."""
    handler = _DeviceBugs()
    logger = logging.getLogger("kiosk.devices")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
    if handler.records and request.node.get_closest_marker("device_bug_expected") is None:
        first = handler.records[0]
        pytest.fail(f"{len(handler.records)} error(s) in a device worker, caught by "
                    f"DeviceWorker._guard and logged; the first: {first.getMessage()}\n"
                    f"{logging.Formatter().formatException(first.exc_info)}",
                    pytrace=False)

"""Debian's chromium, headless, for the tests that drive a real browser (the fleet console,
the staff call page). Outside CI a machine without chromium and chromium-driver skips them;
in CI (``CI`` set) they must run, and fail if the browser is missing."""

from __future__ import annotations

import os
import shutil
import time
from typing import Any

import pytest

webdriver = pytest.importorskip("selenium.webdriver")
CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
needs_browser = pytest.mark.skipif(not (CHROMIUM and DRIVER) and not os.environ.get("CI"),
                                   reason="Debian's chromium and chromium-driver are not "
                                          "installed")


def chromium(*flags: str) -> Any:
    """A headless chromium with ``flags`` besides the usual ones."""
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 *flags):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(DRIVER), options=options)


def until(predicate: Any, timeout: float, what: str) -> Any:
    """``predicate()`` once it is truthy; fails with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not (found := predicate()):
        assert time.monotonic() < deadline, what
        time.sleep(0.1)
    return found

"""Supervision by systemd (``deploy/kiosk.service``: ``Type=notify``, ``WatchdogSec=``).

``READY=1`` is sent only once the home screen is up, and ``WATCHDOG=1`` from a timer on the
GUI thread: a GUI that hangs (a stuck event loop, not only a dead process) stops the pings,
and systemd kills and restarts the kiosk within ``WatchdogSec`` (the pattern of Qt
Application Manager's watchdog). Exit statuses tell the unit what staff asked for: restart
(``Restart=always`` starts it again) or the desktop (``RestartPreventExitStatus=``).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

from kiosk.config import dev_mode

log = logging.getLogger(__name__)

EXIT_RESTART = 3  # staff: restart the kiosk (under systemd: Restart=always does it)
EXIT_TO_DESKTOP = 64  # staff: end the kiosk; the unit's RestartPreventExitStatus keeps it down
HANG_SECONDS_ENV = "KIOSK_DEV_HANG_SECONDS"  # development: SIGUSR2 hangs the GUI this long


def sd_notify(message: str) -> bool:
    """Send ``message`` to systemd's notify socket; False when not run by systemd.

    The protocol is one datagram to the path in $NOTIFY_SOCKET ("@" for the abstract
    namespace), so it is written here rather than taken from a package: nothing to lock,
    build or audit for five lines."""
    address = os.environ.get("NOTIFY_SOCKET", "")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as s:
            s.connect(address)
            s.sendall(message.encode())
    except OSError as e:
        log.warning("systemd notify %r failed: %s", message.split("\n")[0], e)
        return False
    return True


def watchdog_seconds() -> float | None:
    """systemd's WatchdogSec for this process (None: no watchdog)."""
    usec = os.environ.get("WATCHDOG_USEC", "")
    pid = os.environ.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0 or (pid and pid != str(os.getpid())):
        return None
    return int(usec) / 1e6


class Supervision(QObject):
    """READY=1 when ``ready()`` says the home screen is up; then WATCHDOG=1 at half the
    watchdog interval, from the GUI thread's event loop; STOPPING=1 when the kiosk quits."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval = watchdog_seconds()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.ping)
        if self.interval is not None:
            self.timer.setInterval(max(50, int(self.interval * 1000 / 2)))
        self.is_ready = False

    def ready(self, status: str = "home screen up") -> None:
        if self.is_ready:
            return
        self.is_ready = True
        sd_notify(f"READY=1\nSTATUS={status}\nMAINPID={os.getpid()}")
        log.info("ready: %s", status)
        if self.interval is not None:
            self.ping()
            self.timer.start()

    def ping(self) -> None:
        sd_notify("WATCHDOG=1")

    def stopping(self) -> None:
        self.timer.stop()
        sd_notify("STOPPING=1")


def supervise(app: QApplication, home_up: Callable[[], bool]) -> Supervision:
    """Start supervision for the running kiosk: READY=1 on the first turn of the event loop
    where ``home_up()`` is true (checked every 100 ms), pings after that, STOPPING=1 at quit."""
    sup = Supervision(app)
    poll = QTimer(sup)
    poll.setInterval(100)

    def check() -> None:
        if home_up():
            poll.stop()
            sup.ready()

    poll.timeout.connect(check)
    poll.start()
    app.aboutToQuit.connect(sup.stopping)
    if dev_mode():
        _install_hang_hook()
    return sup


def _install_hang_hook() -> None:
    """Development only: SIGUSR2 blocks the GUI thread for $KIOSK_DEV_HANG_SECONDS (10 s),
    as a hung event loop would, so the watchdog test can see the pings stop. Python runs the
    handler on the main thread, which is the GUI's."""
    seconds = float(os.environ.get(HANG_SECONDS_ENV, "10"))

    def hang(_signum: int, _frame: object) -> None:
        log.warning("development hook: the GUI thread hangs for %.0f s", seconds)
        time.sleep(seconds)

    signal.signal(signal.SIGUSR2, hang)


def under_systemd() -> bool:
    return bool(os.environ.get("NOTIFY_SOCKET") or os.environ.get("INVOCATION_ID"))


def after_exit(code: int) -> int:
    """Staff's restart without systemd to do it (development, a desktop session): the kiosk
    starts itself again in this process's place."""
    if code == EXIT_RESTART and not under_systemd():
        log.warning("restarting the kiosk: %s", " ".join(sys.argv))
        logging.shutdown()
        os.execv(sys.executable, [sys.executable, "-m", "kiosk.cli", *sys.argv[1:]])
    return code

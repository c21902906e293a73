"""Supervision by systemd, proven without one: the test binds the notify socket systemd
would, runs the kiosk (offscreen, simulated devices) with NOTIFY_SOCKET and WATCHDOG_USEC
set, and reads what arrives: READY=1 once the home screen is up, WATCHDOG=1 pings from the
GUI thread that stop while its event loop is hung on purpose (the development SIGUSR2 hook)
and come back after, STOPPING=1 at the end."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from kiosk.watchdog import sd_notify, supervise, watchdog_seconds

WATCHDOG_S = 0.4  # pings every 0.2 s
HANG_S = 3.0


@pytest.fixture
def notify_socket(tmp_path, monkeypatch):
    path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    monkeypatch.setenv("NOTIFY_SOCKET", path)
    yield sock
    sock.close()


def received(sock: socket.socket, until: float) -> list[tuple[float, str]]:
    """Every datagram until the monotonic time ``until``, with when it came."""
    out = []
    while (left := until - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            out.append((time.monotonic(), sock.recv(4096).decode()))
        except TimeoutError:
            break
    return out


def test_notify_is_one_datagram_and_nothing_without_systemd(notify_socket, monkeypatch):
    assert sd_notify("STATUS=hello")
    assert notify_socket.recv(100) == b"STATUS=hello"
    monkeypatch.delenv("NOTIFY_SOCKET")
    assert not sd_notify("READY=1")


def test_the_watchdog_interval_is_systemds_and_only_for_its_process(monkeypatch):
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    assert watchdog_seconds() == 30.0
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid() + 1))
    assert watchdog_seconds() is None
    monkeypatch.delenv("WATCHDOG_USEC")
    monkeypatch.delenv("WATCHDOG_PID")
    assert watchdog_seconds() is None


def test_ready_waits_for_home_and_pings_come_from_the_event_loop(qtbot, qapp, notify_socket,
                                                                 monkeypatch):
    monkeypatch.setenv("WATCHDOG_USEC", str(int(WATCHDOG_S * 1e6)))
    home = [False]
    sup = supervise(qapp, lambda: home[0])
    try:
        qtbot.wait(400)
        notify_socket.setblocking(False)
        with pytest.raises(BlockingIOError):
            notify_socket.recv(100)  # nothing before home is up
        home[0] = True
        qtbot.waitUntil(lambda: sup.is_ready, timeout=2000)
        qtbot.wait(700)
        got = []
        while True:
            try:
                got.append(notify_socket.recv(4096).decode())
            except BlockingIOError:
                break
        assert got[0].startswith("READY=1\nSTATUS=home screen up")
        assert 3 <= got.count("WATCHDOG=1") <= 6  # every 0.2 s for 0.7 s
        time.sleep(0.8)  # the event loop does not run: no ping is sent
        with pytest.raises(BlockingIOError):
            notify_socket.recv(100)
    finally:
        sup.stopping()
        sup.deleteLater()
        qapp.aboutToQuit.disconnect(sup.stopping)


def test_the_kiosk_is_ready_once_home_and_a_hung_gui_stops_the_pings(tmp_path, notify_socket):
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[data]\ndir = "{tmp_path / "data"}"\n[terminal]\nfullscreen = false\n',
                      encoding="utf-8")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", KIOSK_DEV="1",
               NOTIFY_SOCKET=notify_socket.getsockname(),
               WATCHDOG_USEC=str(int(WATCHDOG_S * 1e6)), KIOSK_DEV_HANG_SECONDS=str(HANG_S))
    kiosk = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "--config", str(config), "run"],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        notify_socket.settimeout(90)  # the kiosk starts: simulators, embedded platform
        first = notify_socket.recv(4096).decode()
        assert first.startswith("READY=1\nSTATUS=home screen up"), first
        assert f"MAINPID={kiosk.pid}" in first
        before = received(notify_socket, time.monotonic() + 2.0)
        assert {m for _, m in before} == {"WATCHDOG=1"}
        gaps = [b - a for (a, _), (b, _) in zip(before, before[1:], strict=False)]
        assert len(before) >= 6 and max(gaps) < WATCHDOG_S  # systemd would be content
        kiosk.send_signal(signal.SIGUSR2)  # the GUI thread hangs for HANG_S
        hung = received(notify_socket, time.monotonic() + HANG_S + 2.0)
        times = [t for t, m in hung if m == "WATCHDOG=1"]
        longest = max(b - a for a, b in zip(times, times[1:], strict=False))
        assert longest > HANG_S - 1.0  # no ping while hung: systemd would kill and restart
        assert longest > 4 * WATCHDOG_S
        assert times[-1] > times[0] + longest  # and the pings came back after
        kiosk.send_signal(signal.SIGTERM)
        rest = received(notify_socket, time.monotonic() + 15)
        assert "STOPPING=1" in [m for _, m in rest]
        assert kiosk.wait(30) == 0
    finally:
        if kiosk.poll() is None:
            kiosk.kill()
            kiosk.wait()

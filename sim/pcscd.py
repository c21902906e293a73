"""A private pcscd with vpcd reader slots: the PC/SC stack the simulated 社保卡 reader runs on.

The real daemon and the real vpcd driver, but not the machine's: pcscd's socket path
(/run/pcscd/pcscd.comm) is compiled in, so the daemon runs in its own mount namespace where a
private folder is bound over /run/pcscd. Clients reach it through ``PCSCLITE_CSOCK_NAME``,
which libpcsclite reads once per process: ``shared_pcscd()`` is therefore one daemon per
process, started before this process makes any PC/SC call. Its vpcd reader listens on free
ports picked at start (not vpcd's fixed 35963), so parallel test runs never meet, and a
machine-wide pcscd, if any, is left alone. vpcd listens on all interfaces: this is a
simulator for development and tests, not for a kiosk on a hall's network.

Needs root (CI runs as root) or unprivileged user namespaces with /run/pcscd present.
pcscd lives as long as this process: a watcher in its launcher stops it when the pipe from
this process closes, also when this process is killed. Not pcscd's own --auto-exit: its
60-s idle alarm can fire while a new client connects, and pcscd then resets that client
mid-handshake (PC/SC 8010006A "Access denied") while it shuts down. The private folder
of a process killed outright (a watchdog's SIGKILL) is removed by the next one to start.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from smartcard import scard

from drivers.sscard.errors import SsCardGone
from drivers.sscard.reader import CODE_NO_SERVICE
from sim.vpcd import VpcdSlot

FRIENDLY_NAME = "Virtual PCD"
_PREFIX = "kiosk-pcscd-"
# Debian builds vpcd with two slots per reader.conf entry, on port and port + 1.
SLOTS = 2
VPCD_DRIVER_PATHS = (
    "/usr/lib/pcsc/drivers/serial/libifdvpcd.so",
    "/usr/lib64/pcsc/drivers/serial/libifdvpcd.so",
    "/usr/local/lib/pcsc/drivers/serial/libifdvpcd.so",
)
START_TIMEOUT = 15.0
START_ATTEMPTS = 3
STOP_TIMEOUT = 5.0
# --critical: vpcd logs every presence poll of an empty slot as an error (2.5 lines/s).
# The launcher ends when pcscd does; its watcher stops pcscd when stdin (a pipe from this
# process) reaches end of file. A background job's stdin is /dev/null, hence fd 3.
_LAUNCH = (
    'mkdir -p /run/pcscd && mount --bind "$0" /run/pcscd || exit 1; '
    'exec 3<&0; pcscd --foreground --critical --config "$1" </dev/null 3<&- & pid=$!; '
    '(read _ <&3; kill "$pid" 2>/dev/null) & '
    'exec 3<&-; wait "$pid"'
)


def _find_vpcd_driver() -> str:
    for path in VPCD_DRIVER_PATHS:
        if os.path.exists(path):
            return path
    raise SsCardGone(CODE_NO_SERVICE, "vsmartcard-vpcd is not installed (libifdvpcd.so)")


def _free_port_pair() -> int:
    """A loopback port P with P + 1 free too (vpcd listens on both, for slot 0 and slot 1).

    pcscd binds them a moment later; should another program take one in between, the
    readers do not come up and ``_start`` tries another pair.
    """
    for _ in range(50):
        with socket.socket() as first, socket.socket() as second:
            first.bind(("127.0.0.1", 0))
            port = first.getsockname()[1]
            try:
                second.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
            return port
    raise OSError("no two consecutive free loopback ports")


class PrivatePcscd:
    """pcscd in its own mount namespace, with ``SLOTS`` vpcd slots served by this process."""

    def __init__(self) -> None:
        _remove_orphaned_folders()
        self.dir = Path(tempfile.mkdtemp(prefix=_PREFIX))
        (self.dir / "owner.pid").write_text(str(os.getpid()), encoding="ascii")
        self.socket_path = self.dir / "pcscd.comm"
        port = _free_port_pair()
        self.slots = [VpcdSlot(port + i, f"{FRIENDLY_NAME} 00 {i:02d}") for i in range(SLOTS)]
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        for slot in self.slots:
            slot.start()

    @property
    def reader_names(self) -> list[str]:
        return [s.reader_name for s in self.slots]

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def daemon_pid(self) -> int | None:
        """pcscd's own pid (a child of its launcher), for a technician's ``ps`` or a test."""
        if not self.running:
            return None
        assert self._proc is not None
        task = Path(f"/proc/{self._proc.pid}/task/{self._proc.pid}/children")
        for pid in task.read_text().split():
            with contextlib.suppress(OSError):
                if Path(f"/proc/{pid}/comm").read_text().strip() == "pcscd":
                    return int(pid)
        return None

    # -- the daemon -------------------------------------------------------------------------

    def ensure_running(self) -> None:
        with self._lock:
            if not self.running:
                self._start(readers=True)

    def restart(self, readers: bool = True) -> None:
        """Stop pcscd and start it again; ``readers=False`` starts it with no reader at all
        (what clients see when the only reader is unplugged)."""
        with self._lock:
            self._stop()
            self._start(readers)

    def stop(self) -> None:
        with self._lock:
            self._stop()

    def close(self) -> None:
        self.stop()
        for slot in self.slots:
            slot.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _write_config(self, readers: bool) -> Path:
        conf = self.dir / ("readers.d" if readers else "empty.d")
        conf.mkdir(exist_ok=True)
        if readers:
            (conf / "vpcd").write_text(
                f'FRIENDLYNAME "{FRIENDLY_NAME}"\n'
                f"DEVICENAME /dev/null:{self.slots[0].port}\n"
                f"LIBPATH {_find_vpcd_driver()}\n",
                encoding="ascii",
            )
        return conf

    def _start(self, readers: bool) -> None:
        for attempt in range(START_ATTEMPTS):
            if attempt:
                self._stop()
                port = _free_port_pair()
                for i, slot in enumerate(self.slots):
                    slot.port = port + i
            self._spawn(self._write_config(readers))
            if self._wait_ready(self.reader_names if readers else []):
                return
        tail = (self.dir / "pcscd.log").read_text(errors="replace")[-600:].strip()
        self._stop()
        raise SsCardGone(CODE_NO_SERVICE, f"private pcscd did not come up: {tail or 'no log'}")

    def _spawn(self, conf: Path) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()
        cmd = ["unshare", "--mount", "--propagation", "private"]
        if os.geteuid() != 0:
            cmd.append("--map-root-user")
        cmd += ["sh", "-c", _LAUNCH, str(self.dir), str(conf)]
        with (self.dir / "pcscd.log").open("ab") as log_file:
            try:
                self._proc = subprocess.Popen(
                    cmd, stdin=subprocess.PIPE, stdout=log_file, stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            except OSError as exc:
                raise SsCardGone(CODE_NO_SERVICE, f"cannot start pcscd: {exc}") from exc
        os.environ["PCSCLITE_CSOCK_NAME"] = str(self.socket_path)

    def _wait_ready(self, expected: list[str]) -> bool:
        """Wait for the daemon to answer; True if it lists the expected readers.

        pcscd opens its socket only after the configured readers are set up, so the first
        answer is final: a missing reader means vpcd could not listen on its port.
        """
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._proc is None or self._proc.poll() is not None:
                return False
            names = self._listed_readers() if self.socket_path.exists() else None
            if names is not None:
                return set(expected) <= set(names)
            time.sleep(0.05)
        return False

    @staticmethod
    def _listed_readers() -> list[str] | None:
        """The readers pcscd lists, or None while it does not answer."""
        rv, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if rv != scard.SCARD_S_SUCCESS:
            return None
        try:
            rv, names = scard.SCardListReaders(ctx, [])
            if rv == scard.SCARD_E_NO_READERS_AVAILABLE:
                return []
            return list(names) if rv == scard.SCARD_S_SUCCESS else None
        finally:
            scard.SCardReleaseContext(ctx)

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            proc.stdin.close()  # the launcher's watcher stops pcscd
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # the launcher, pcscd and the watcher
            proc.wait(STOP_TIMEOUT)

    # -- slots ------------------------------------------------------------------------------

    def claim_slot(self) -> VpcdSlot:
        """A slot nobody else uses; give it back with ``release_slot``."""
        with self._lock:
            for slot in self.slots:
                if not slot.claimed:
                    slot.claimed = True
                    return slot
        raise RuntimeError(f"all {len(self.slots)} virtual reader slots are in use")

    def release_slot(self, slot: VpcdSlot) -> None:
        """Take the card out and give the slot back once pcscd has seen it empty, so the
        next card put there is a new placement, not the old card's ghost."""
        slot.remove()
        self._wait_empty(slot.reader_name)
        with self._lock:
            slot.claimed = False

    def _wait_empty(self, reader_name: str) -> None:
        rv, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if rv != scard.SCARD_S_SUCCESS:
            return  # no pcscd, no ghost
        try:
            state = scard.SCARD_STATE_UNAWARE
            deadline = time.monotonic() + START_TIMEOUT
            while time.monotonic() < deadline:
                rv, states = scard.SCardGetStatusChange(ctx, 200, [(reader_name, state)])
                if rv not in (scard.SCARD_S_SUCCESS, scard.SCARD_E_TIMEOUT):
                    return
                state = states[0][1] & ~scard.SCARD_STATE_CHANGED
                if not state & scard.SCARD_STATE_PRESENT:
                    return
        finally:
            scard.SCardReleaseContext(ctx)


def _remove_orphaned_folders() -> None:
    """Remove the private folders whose owning process is gone (killed before its atexit)."""
    for folder in Path(tempfile.gettempdir()).glob(_PREFIX + "*"):
        try:
            owner = int((folder / "owner.pid").read_text(encoding="ascii"))
        except (OSError, ValueError):
            continue  # not one of ours, or being made right now
        if not Path(f"/proc/{owner}").exists():
            shutil.rmtree(folder, ignore_errors=True)


_shared: PrivatePcscd | None = None
_shared_lock = threading.Lock()


def shared_pcscd() -> PrivatePcscd:
    """This process's private pcscd, started if it is not running."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = PrivatePcscd()
            atexit.register(_shared.close)
        daemon = _shared
    daemon.ensure_running()
    return daemon

"""The simulator's private pcscd lives exactly as long as the process that started it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from sim.pcscd import PrivatePcscd, _remove_orphaned_folders

ROOT = Path(__file__).resolve().parents[2]

# A kiosk (or a test run) that starts its pcscd, says the daemon's pid, then waits.
_OWNER = """
import time
from sim.pcscd import shared_pcscd
d = shared_pcscd()
print(d.daemon_pid, d.dir, flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return False


def test_pcscd_goes_when_its_owner_is_killed() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PCSCLITE_CSOCK_NAME", None)
    owner = subprocess.Popen([sys.executable, "-c", _OWNER], stdout=subprocess.PIPE,
                             text=True, env=env, cwd=ROOT)
    try:
        assert owner.stdout is not None
        pid_text, folder = owner.stdout.readline().split()
        pid = int(pid_text)
        assert _alive(pid)
    finally:
        owner.kill()  # no atexit, no stop(): only the pipe closing tells the daemon
        owner.wait()
    assert _gone_within(pid, 10.0), "an orphaned pcscd was left running"
    assert Path(folder).is_dir()  # the killed owner could not remove its folder
    _remove_orphaned_folders()  # the next kiosk to start does
    assert not Path(folder).exists()


def test_a_living_owners_folder_is_kept(pcscd: PrivatePcscd) -> None:
    _remove_orphaned_folders()
    assert (pcscd.dir / "owner.pid").is_file() and pcscd.running


def test_pcscd_stops_with_stop_and_answers_after_ensure_running(pcscd: PrivatePcscd) -> None:
    first = pcscd.daemon_pid
    pcscd.stop()
    assert not pcscd.running and _gone_within(first, 10.0)
    pcscd.ensure_running()
    assert pcscd.running and set(pcscd.reader_names) <= set(pcscd._listed_readers() or [])

"""Port "auto" and the baud-rate command, against SAM simulators that keep to their UART speed.

A simulator only understands the host at its own baud rate (it reads the speed the driver
set on the pty), as a real module would: at any other speed it hears noise and says nothing.
"""

from __future__ import annotations

import os
import threading
import tty
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drivers.base import DeviceState
from drivers.idcard import probe
from drivers.idcard.errors import IdCardGone
from drivers.idcard.probe import baud_order, candidate_ports, find_reader
from drivers.idcard.reader import IdCardReader
from kiosk.devices import EVENT_CARD_PLACED, EVENT_STATUS, IdCardWorker
from sim.id_samples import SAMPLE_CARDS
from sim.sam import SamSimulator

FAST = 0.15  # probe timeout per speed: ptys answer at once


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[SamSimulator]:
    simulator = SamSimulator(link_path=str(tmp_path / "ttySAM"), baud=38400)
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def silent_port() -> Iterator[str]:
    """A serial port with nothing behind it that answers."""
    master, slave = os.openpty()
    tty.setraw(slave)
    yield os.ttyname(slave)
    os.close(slave)
    os.close(master)


def test_auto_finds_the_module_at_its_speed(
    sim: SamSimulator, silent_port: str, tmp_path: Path
) -> None:
    ports = [str(tmp_path / "ttyMISSING"), silent_port, str(sim.link_path)]
    assert find_reader(ports, baud_order(115200), timeout=FAST) == (sim.link_path, 38400)


def test_auto_never_touches_an_excluded_port(sim: SamSimulator) -> None:
    assert sim.slave_path is not None
    with pytest.raises(IdCardGone) as info:
        find_reader([str(sim.link_path)], exclude=[sim.slave_path], timeout=FAST)
    assert info.value.code == "idcard.no_reader"
    assert candidate_ports(paths=[str(sim.link_path), sim.slave_path]) == [sim.link_path]


def test_baud_change_moves_module_and_port_together(sim: SamSimulator) -> None:
    assert sim.link_path is not None
    with IdCardReader(sim.link_path, 38400, timeout=FAST) as reader:
        reader.set_baud(9600)
        assert sim.baud == 9600 and reader.baud == 9600
        reader.sam_status()  # still talking, now at 9600
    with pytest.raises(ValueError):
        IdCardReader(sim.link_path).set_baud(4800)


def test_the_kiosk_worker_uses_auto(
    sim: SamSimulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Where "auto" looks: this test's folder instead of /dev.
    monkeypatch.setattr(probe, "CANDIDATE_GLOBS", (str(tmp_path / "tty*"),))
    events: list[tuple[str, Any]] = []
    placed = threading.Event()

    def listen(_name: str, event: str, payload: Any) -> None:
        events.append((event, payload))
        if event == EVENT_CARD_PLACED:
            placed.set()

    worker = IdCardWorker("idcard", "auto", listen)
    worker.start()
    try:
        assert worker.first_status.wait(10)
        sim.place_card(SAMPLE_CARDS["resident"])
        assert placed.wait(10)
    finally:
        worker.stop()
    status = next(p for e, p in events if e == EVENT_STATUS)
    assert status.state is DeviceState.READY
    assert status.details == {"port": sim.link_path, "baud": 38400}

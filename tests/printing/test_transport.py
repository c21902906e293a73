"""Transports: address parsing, deadlines, typed failures, and the pty (serial) path."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from drivers.base import DeviceGone, DeviceState
from drivers.escpos.printer import ReceiptPrinter
from drivers.escpos.transport import SerialTransport, TcpTransport, make_transport, open_transport
from printer_templates.queue_ticket import render_queue_ticket
from sim.receipt_printer import VirtualPrinter

from .conftest import sample_ticket


@pytest.mark.parametrize(
    ("spec", "kind", "where"),
    [
        ("tcp://192.168.1.50:9100", TcpTransport, ("192.168.1.50", 9100)),
        ("tcp://printer.local", TcpTransport, ("printer.local", 9100)),
        ("192.168.1.50:9101", TcpTransport, ("192.168.1.50", 9101)),
        ("localhost:9100", TcpTransport, ("localhost", 9100)),
        ("/dev/ttyS0", SerialTransport, ("/dev/ttyS0", 9600)),
        ("serial:///dev/ttyUSB0?baud=19200", SerialTransport, ("/dev/ttyUSB0", 19200)),
        ("COM3", SerialTransport, ("COM3", 9600)),
    ],
)
def test_address_forms(spec: str, kind: type, where: tuple[str, int]) -> None:
    transport = make_transport(spec, timeout=1.0)
    assert isinstance(transport, kind)
    if isinstance(transport, TcpTransport):
        assert (transport.host, transport.port) == where
    else:
        assert (transport.port, transport.baud) == where
    assert not transport.is_open


@pytest.mark.parametrize("spec", ["", "printer", "ftp://x:1", "serial://"])
def test_unrecognised_addresses_are_refused(spec: str) -> None:
    with pytest.raises(ValueError):
        make_transport(spec, timeout=1.0)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_refused_connection_is_gone() -> None:
    with pytest.raises(DeviceGone) as err:
        open_transport(f"127.0.0.1:{_closed_port()}", timeout=1.0)
    assert err.value.code == "printer.gone"


def test_missing_serial_device_is_gone(tmp_path: Path) -> None:
    with pytest.raises(DeviceGone) as err:
        open_transport(str(tmp_path / "ttyUSB9"), timeout=1.0)
    assert err.value.code == "printer.gone"


def test_read_returns_what_arrived_by_the_deadline() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        transport = open_transport(f"127.0.0.1:{server.getsockname()[1]}", timeout=1.0)
        peer, _ = server.accept()
        with peer:
            peer.sendall(b"\x12")
            started = time.monotonic()
            assert transport.read(4, 0.2) == b"\x12"
            assert 0.15 < time.monotonic() - started < 1.0
            peer.close()
            with pytest.raises(DeviceGone):
                transport.read(1, 0.5)
        assert not transport.is_open


def test_serial_over_pty_prints_and_unplugs(tmp_path: Path) -> None:
    link = tmp_path / "printer-tty"
    vp = VirtualPrinter(output_dir=tmp_path / "out")
    slave = vp.start_pty(link)
    try:
        assert link.is_symlink() and Path(slave).exists()
        printer = ReceiptPrinter(
            open_transport(f"serial://{link}?baud=115200", timeout=2.0), status_timeout=0.3
        )
        printer.print_job("job-1", render_queue_ticket(sample_ticket()))
        assert len(vp.pages) == 1
        vp.unplug()
        assert printer.status().to_device_status().state is DeviceState.ABSENT
        vp.plug()
        assert printer.status().to_device_status().state is DeviceState.READY
        printer.close()
    finally:
        vp.stop()

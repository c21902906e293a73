"""Fixtures for the printing tests: a sample ticket, a virtual receipt printer on TCP and a
virtual A4 (IPP) printer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from drivers.escpos.printer import ReceiptPrinter
from drivers.escpos.transport import TcpTransport
from printer_templates.queue_ticket import QueueTicket
from sim.a4_printer import VirtualA4Printer
from sim.receipt_printer import VirtualPrinter

FOLLOW_URL = "https://zwfw.example.gov.cn/queue/follow?t=KIOSK-03&d=2024-05-01&n=A012"


def sample_ticket(**changes: object) -> QueueTicket:
    fields: dict[str, object] = {
        "number": "A012",
        "category": "社保医保",
        "waiting": 5,
        "issued_at": datetime(2024, 5, 1, 9, 30, 12),
        "hall_name": "滨江区政务服务中心",
        "terminal_id": "KIOSK-03",
        "qr_data": FOLLOW_URL,
        "offline": False,
    }
    fields.update(changes)
    return QueueTicket(**fields)  # type: ignore[arg-type]


@pytest.fixture
def virtual_printer(tmp_path: Path) -> Iterator[VirtualPrinter]:
    vp = VirtualPrinter(output_dir=tmp_path / "out")
    vp.start()
    yield vp
    vp.stop()


@pytest.fixture
def printer(virtual_printer: VirtualPrinter) -> Iterator[ReceiptPrinter]:
    assert virtual_printer.port is not None
    transport = TcpTransport("127.0.0.1", virtual_printer.port, timeout=2.0)
    rp = ReceiptPrinter(transport, status_timeout=0.3, job_timeout=3.0, poll_interval=0.05)
    yield rp
    rp.close()


@pytest.fixture
def a4(tmp_path: Path) -> Iterator[VirtualA4Printer]:
    vp = VirtualA4Printer(tmp_path / "tray", processing_seconds=0.05)
    vp.start()
    yield vp
    vp.stop()

"""DLE EOT reply parsing: every bit, and no reply never reads as "paper OK"."""

from __future__ import annotations

import pytest

from drivers.base import DeviceState
from drivers.escpos.status import PrinterStatus, is_status_byte, parse_status

HEALTHY = {1: 0x12, 2: 0x12, 4: 0x12}


def _with(**replies: int | None) -> dict[int, int | None]:
    out: dict[int, int | None] = dict(HEALTHY)
    out.update({int(k[1:]): v for k, v in replies.items()})
    return out


@pytest.mark.parametrize("value", [0x12, 0x1A, 0x7E, 0x72, 0x52])
def test_fixed_bits_0xx1xx10_make_a_status_byte(value: int) -> None:
    assert is_status_byte(value)


@pytest.mark.parametrize("value", [0x00, 0xFF, 0x92, 0x02, 0x10, 0x13, 0x11, 0x16 | 0x80])
def test_other_bytes_are_not_status(value: int) -> None:
    assert not is_status_byte(value)


def test_healthy_printer_is_ready_with_paper_ok() -> None:
    status = parse_status(HEALTHY)
    assert status.answering and status.online and status.paper == "ok"
    device = status.to_device_status()
    assert device.state is DeviceState.READY and device.code == ""
    assert device.details["paper"] == "ok"


@pytest.mark.parametrize(
    ("replies", "field", "code"),
    [
        (_with(n1=0x1A), "online", "printer.offline"),
        (_with(n1=0x1A, n2=0x16), "cover_open", "printer.cover_open"),
        (_with(n1=0x1A, n2=0x32), "paper", "printer.paper_out"),
        (_with(n1=0x1A, n4=0x72), "paper", "printer.paper_out"),
        (_with(n1=0x1A, n4=0x7E), "paper", "printer.paper_out"),
        (_with(n1=0x1A, n2=0x52, n3=0x1A), "cutter_error", "printer.cutter_error"),
        (_with(n1=0x1A, n2=0x52, n3=0x32), "unrecoverable", "printer.unrecoverable"),
        (_with(n1=0x1A, n2=0x52, n3=0x52), "auto_recoverable", "printer.error"),
    ],
)
def test_each_fault_bit_gives_its_error(replies, field: str, code: str) -> None:
    status = parse_status(replies)
    assert status.answering
    if field == "online":
        assert status.online is False
    elif field == "paper":
        assert status.paper == "out"
    else:
        assert getattr(status, field) is True
    device = status.to_device_status()
    assert (device.state, device.code) == (DeviceState.ERROR, code)
    assert "n=1:1A" in device.reason  # the raw bytes are there for the technician


def test_paper_near_end_is_ready_with_a_detail() -> None:
    status = parse_status(_with(n4=0x1E))
    assert status.paper == "near_end"
    device = status.to_device_status()
    assert device.state is DeviceState.READY
    assert device.details == {"paper": "near_end"}


def test_paper_end_wins_over_near_end() -> None:
    assert parse_status(_with(n4=0x7E)).paper == "out"


def test_no_reply_is_not_answering_never_paper_ok() -> None:
    status = parse_status({1: None, 2: None, 4: None})
    assert not status.answering and status.paper == "unknown"
    device = status.to_device_status()
    assert (device.state, device.code) == (DeviceState.ABSENT, "printer.not_answering")


def test_bytes_without_the_fixed_bits_are_not_status() -> None:
    status = parse_status({1: 0x00, 2: 0xFF, 4: 0x80})
    assert not status.answering
    assert status.to_device_status().code == "printer.not_answering"


def test_missing_paper_reply_is_not_ready() -> None:
    status = parse_status(_with(n4=None))
    assert status.answering and status.paper == "unknown" and status.unanswered == (4,)
    device = status.to_device_status()
    assert (device.state, device.code) == (DeviceState.ERROR, "printer.status_unknown")


def test_garbage_paper_reply_is_not_ready() -> None:
    device = parse_status(_with(n4=0x00)).to_device_status()
    assert (device.state, device.code) == (DeviceState.ERROR, "printer.status_unknown")


def test_missing_printer_reply_is_not_online() -> None:
    status = parse_status(_with(n1=None))
    assert status.online is False
    assert status.to_device_status().state is DeviceState.ERROR


def test_gone_transport_is_absent() -> None:
    device = PrinterStatus.silent("connection refused", gone=True).to_device_status()
    assert (device.state, device.code) == (DeviceState.ABSENT, "printer.gone")
    assert device.reason == "connection refused"

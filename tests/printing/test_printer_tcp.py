"""End to end over real TCP: ReceiptPrinter + TcpTransport against the VirtualPrinter."""

from __future__ import annotations

import pytest
import zxingcpp
from PIL import Image

from drivers.base import DeviceGone, DeviceState
from drivers.escpos.printer import PrinterError, ReceiptPrinter
from drivers.escpos.transport import TcpTransport
from printer_templates.queue_ticket import render_queue_ticket
from sim.receipt_printer import VirtualPrinter

from .conftest import FOLLOW_URL, sample_ticket

TICKET = render_queue_ticket(sample_ticket(), job_id="ticket-2024-05-01-A012")


def test_healthy_printer_reports_ready(printer: ReceiptPrinter) -> None:
    device = printer.status().to_device_status()
    assert device.state is DeviceState.READY
    assert device.details == {"paper": "ok"}


def test_ticket_prints_to_a_png_before_print_job_returns(
    printer: ReceiptPrinter, virtual_printer: VirtualPrinter
) -> None:
    seen = []
    virtual_printer.on_page = seen.append
    printer.print_job("job-1", TICKET)
    # The GS r 1 reply that confirms the job comes after the cut: the page is already there.
    assert len(virtual_printer.pages) == 1 and seen == virtual_printer.pages
    path = virtual_printer.pages[0]
    assert path.parent == virtual_printer.output_dir
    assert path.name.startswith("receipt-") and path.suffix == ".png"
    assert bytes(virtual_printer.received) == TICKET
    with Image.open(path) as img:
        assert img.width == 576
        assert [r.text for r in zxingcpp.read_barcodes(img.convert("L"))] == [FOLLOW_URL]


def test_paper_out_refuses_the_job_and_prints_nothing(
    printer: ReceiptPrinter, virtual_printer: VirtualPrinter
) -> None:
    virtual_printer.set_paper("out")
    with pytest.raises(PrinterError) as err:
        printer.print_job("job-1", TICKET)
    assert err.value.code == "printer.paper_out"
    assert virtual_printer.pages == [] and not virtual_printer.received
    assert not list(virtual_printer.output_dir.glob("*.png"))


def test_cover_open_refuses_the_job(
    printer: ReceiptPrinter, virtual_printer: VirtualPrinter
) -> None:
    virtual_printer.set_cover_open(True)
    with pytest.raises(PrinterError) as err:
        printer.print_job("job-1", TICKET)
    assert err.value.code == "printer.cover_open"
    virtual_printer.set_cover_open(False)
    printer.print_job("job-1", TICKET)
    assert len(virtual_printer.pages) == 1


def test_cutter_error_is_reported(printer: ReceiptPrinter, virtual_printer: VirtualPrinter) -> None:
    virtual_printer.set_cutter_error(True)
    assert printer.status().to_device_status().code == "printer.cutter_error"


def test_near_end_still_prints_and_says_so(
    printer: ReceiptPrinter, virtual_printer: VirtualPrinter
) -> None:
    virtual_printer.set_paper("near_end")
    device = printer.status().to_device_status()
    assert device.state is DeviceState.READY and device.details == {"paper": "near_end"}
    printer.print_job("job-1", TICKET)
    assert len(virtual_printer.pages) == 1


def test_paper_running_out_mid_job_is_an_error_and_the_job_can_be_retried(
    printer: ReceiptPrinter, virtual_printer: VirtualPrinter
) -> None:
    virtual_printer.set_paper("ok", runs_out_after_dots=300)
    with pytest.raises(PrinterError) as err:
        printer.print_job("job-1", TICKET)
    assert err.value.code == "printer.paper_out_during_job"
    assert virtual_printer.pages == []
    virtual_printer.set_paper("ok")  # refilled: the same job id must print, it never did
    printer.print_job("job-1", TICKET)
    assert len(virtual_printer.pages) == 1


def test_repeated_job_id_prints_once(
    printer: ReceiptPrinter, virtual_printer: VirtualPrinter
) -> None:
    printer.print_job("job-1", TICKET)
    printer.print_job("job-1", TICKET)
    assert len(virtual_printer.pages) == 1
    printer.print_job("job-2", TICKET)
    assert len(virtual_printer.pages) == 2


def test_remembered_job_ids_are_bounded(virtual_printer: VirtualPrinter) -> None:
    assert virtual_printer.port is not None
    transport = TcpTransport("127.0.0.1", virtual_printer.port, timeout=2.0)
    printer = ReceiptPrinter(transport, status_timeout=0.3, remember_jobs=2)
    for job in ("a", "b", "c", "a"):
        printer.print_job(job, TICKET)
    printer.close()
    assert len(virtual_printer.pages) == 4  # "a" was forgotten after "c"


def test_unplug_is_gone_and_plug_prints_again(
    printer: ReceiptPrinter, virtual_printer: VirtualPrinter
) -> None:
    printer.print_job("job-1", TICKET)
    port = virtual_printer.port
    virtual_printer.unplug()
    device = printer.status().to_device_status()
    assert (device.state, device.code) == (DeviceState.ABSENT, "printer.gone")
    with pytest.raises(DeviceGone) as err:
        printer.print_job("job-2", TICKET)
    assert err.value.code == "printer.gone"
    virtual_printer.plug()
    assert virtual_printer.port == port
    assert printer.status().to_device_status().state is DeviceState.READY
    printer.print_job("job-2", TICKET)
    assert len(virtual_printer.pages) == 2


def test_silent_printer_is_not_answering(
    printer: ReceiptPrinter, virtual_printer: VirtualPrinter
) -> None:
    virtual_printer.set_answering(False)
    device = printer.status().to_device_status()
    assert (device.state, device.code) == (DeviceState.ABSENT, "printer.not_answering")
    with pytest.raises(PrinterError) as err:
        printer.print_job("job-1", TICKET)
    assert err.value.code == "printer.not_answering"
    assert virtual_printer.pages == []

"""The A4 printer through CUPS: lpstat parsing from literal output, the IPP codec, and the
real ``lp``/``lpstat`` talking IPP to the virtual printer."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from drivers.a4printer import ipp
from drivers.a4printer.cups import (
    A4PrinterError,
    CupsPrinter,
    parse_jobs,
    parse_queue_state,
)
from drivers.base import DeviceState
from sim.a4_printer import VirtualA4Printer

PDF = b"%PDF-1.4\n% a certificate\n%%EOF\n"

needs_cups_client = pytest.mark.skipif(
    shutil.which("lp") is None, reason="cups-client (lp, lpstat) not installed; see bootstrap"
)

IDLE = """\
printer kiosk-a4 is idle.  enabled since Mon 06 May 2024 09:00:00 AM CST
\tForm mounted:
\tDescription: Hall A4
\tAlerts: media-low-warning
\tLocation: 1F
kiosk-a4 accepting requests since Mon 06 May 2024 09:00:00 AM CST
"""
STOPPED = """\
printer kiosk-a4 disabled since Mon 06 May 2024 09:10:00 AM CST -
\tOut of paper
\tForm mounted:
\tAlerts: media-empty-error paused
kiosk-a4 not accepting requests since Mon 06 May 2024 09:10:00 AM CST -
\tRejecting Jobs
kiosk-a4-7              root              1024   Mon 06 May 2024 09:09:00 AM CST
\tAlerts: job-printing
\tqueued for kiosk-a4
"""


def test_idle_queue_with_paper_low_is_ready_and_says_so() -> None:
    state = parse_queue_state(IDLE, "kiosk-a4")
    assert state is not None and state.enabled and state.accepting
    status = state.to_device_status("kiosk-a4")
    assert status.state is DeviceState.READY and status.details["paper"] == "near_end"


def test_stopped_queue_reports_the_most_specific_cause() -> None:
    state = parse_queue_state(STOPPED, "kiosk-a4")
    assert state is not None
    assert (state.enabled, state.accepting, state.message) == (False, False, "Out of paper")
    assert state.reasons == ("media-empty-error", "paused")  # not the job's alerts
    status = state.to_device_status("kiosk-a4")
    assert (status.state, status.code) == (DeviceState.ERROR, "a4printer.paper_out")


@pytest.mark.parametrize(
    ("reasons", "code"),
    [
        ("media-jam-error", "a4printer.jam"),
        ("door-open", "a4printer.cover_open"),
        ("toner-empty-error", "a4printer.toner_out"),
        ("offline-report", ""),  # a report does not stop printing
        ("toner-low-warning", ""),
    ],
)
def test_reason_keywords_map_to_codes(reasons: str, code: str) -> None:
    text = IDLE.replace("media-low-warning", reasons)
    status = parse_queue_state(text, "kiosk-a4").to_device_status("kiosk-a4")  # type: ignore[union-attr]
    assert status.code == code


def test_another_queue_is_not_this_queue() -> None:
    assert parse_queue_state(IDLE, "kiosk") is None


def test_job_listing_keeps_status_and_alerts_per_job() -> None:
    text = STOPPED + (
        "kiosk-a4-8              root              1024   Mon 06 May 2024 09:11:00 AM CST\n"
        "\tStatus: fuser error\n\tAlerts: aborted-by-system\n\tqueued for kiosk-a4\n"
    )
    jobs = parse_jobs(text)
    assert set(jobs) == {"kiosk-a4-7", "kiosk-a4-8"}
    assert jobs["kiosk-a4-8"].status == "fuser error" and not jobs["kiosk-a4-8"].succeeded
    assert parse_jobs("kiosk-a4-9  u  1  d\n\tAlerts: job-completed-successfully\n")[
        "kiosk-a4-9"].succeeded


def test_ipp_round_trip_with_multiple_values_and_a_document() -> None:
    msg = ipp.Message(ipp.PRINT_JOB, 7, [(ipp.OPERATION, [
        *ipp.operation_attributes(),
        ipp.attr("printer-uri", ipp.URI, "ipp://localhost/printers/kiosk-a4"),
        ipp.attr("job-name", ipp.NAME, "证明-1"),
        ipp.attr("copies", ipp.INTEGER, -1),
        ipp.attr("job-sheets", ipp.NAME, "none", "none"),
        ipp.attr("last-document", ipp.BOOLEAN, True),
    ])], data=PDF)
    raw = ipp.encode(msg)
    assert raw[:8] == bytes.fromhex("0200 0002 00000007")
    back = ipp.decode(raw)
    assert back == msg


@pytest.mark.parametrize("cut", [3, 12, 30])
def test_ipp_message_cut_short_is_an_error_not_a_crash(cut: int) -> None:
    raw = ipp.encode(ipp.Message(ipp.GET_JOBS, 1, [(ipp.OPERATION, ipp.operation_attributes())]))
    with pytest.raises(ipp.IppError):
        ipp.decode(raw[:cut])


# --- the real CUPS clients against the virtual printer ------------------------------------


@pytest.fixture
def cups(a4: VirtualA4Printer) -> CupsPrinter:
    return CupsPrinter.from_address(a4.address, poll_interval=0.05, job_timeout=10.0)


@needs_cups_client
def test_ready_printer_prints_the_exact_pdf_once_per_job_id(
    a4: VirtualA4Printer, cups: CupsPrinter
) -> None:
    status = cups.status()
    assert status.state is DeviceState.READY and status.details == {
        "queue": "kiosk-a4", "paper": "ok"}
    request = cups.print_pdf("cert-1", PDF)
    assert request == "kiosk-a4-1"
    assert [p.read_bytes() for p in a4.documents] == [PDF]  # printed before print_pdf returns
    assert cups.print_pdf("cert-1", PDF) == request
    assert len(a4.documents) == 1 and a4.job_states() == {1: ipp.JOB_COMPLETED}


@needs_cups_client
def test_printer_that_fails_the_job_is_reported_failed(
    a4: VirtualA4Printer, cups: CupsPrinter
) -> None:
    a4.set_failing(True)
    with pytest.raises(A4PrinterError) as err:
        cups.print_pdf("cert-1", PDF)
    assert err.value.code == "a4printer.job_failed" and "aborted-by-system" in err.value.tech
    assert a4.documents == []
    a4.set_failing(False)
    cups.print_pdf("cert-1", PDF)  # it never printed, so the same id prints now
    assert len(a4.documents) == 1


@needs_cups_client
def test_paper_out_refuses_the_job_before_queueing_it(
    a4: VirtualA4Printer, cups: CupsPrinter
) -> None:
    a4.set_paper(False)
    assert cups.status().code == "a4printer.paper_out"
    with pytest.raises(A4PrinterError) as err:
        cups.print_pdf("cert-1", PDF)
    assert err.value.code == "a4printer.paper_out" and a4.job_states() == {}


@needs_cups_client
def test_paper_out_mid_job_cancels_it_so_it_never_prints_later(
    a4: VirtualA4Printer, cups: CupsPrinter
) -> None:
    a4.processing_seconds = 60.0  # the job stays "printing" until the paper runs out

    def run_out() -> None:
        if a4.wait_for_job_state(1, ipp.JOB_PROCESSING, timeout=20):
            a4.set_paper(False)

    threading.Thread(target=run_out, daemon=True).start()
    with pytest.raises(A4PrinterError) as err:
        cups.print_pdf("cert-1", PDF)
    assert err.value.code == "a4printer.paper_out"
    assert a4.job_states() == {1: ipp.JOB_CANCELED}
    a4.processing_seconds = 0.05
    a4.set_paper(True)  # staff refill: the citizen has gone, their certificate must not print
    cups.print_pdf("cert-2", PDF)
    assert len(a4.documents) == 1 and a4.documents[0].name.endswith("job2.pdf")


@needs_cups_client
def test_job_not_done_in_time_is_cancelled(a4: VirtualA4Printer, tmp_path: Path) -> None:
    a4.processing_seconds = 60.0
    cups = CupsPrinter.from_address(a4.address, poll_interval=0.05, job_timeout=0.5)
    with pytest.raises(A4PrinterError) as err:
        cups.print_pdf("cert-1", PDF)
    assert err.value.code == "a4printer.job_timeout"
    assert a4.job_states() == {1: ipp.JOB_CANCELED}


@needs_cups_client
def test_queue_not_accepting_refuses(a4: VirtualA4Printer, cups: CupsPrinter) -> None:
    a4.set_accepting(False)
    assert cups.status().code == "a4printer.not_accepting"
    with pytest.raises(A4PrinterError) as err:
        cups.print_pdf("cert-1", PDF)
    assert err.value.code == "a4printer.not_accepting"


@needs_cups_client
def test_unplugged_server_is_gone_and_a_wrong_queue_is_unknown(
    a4: VirtualA4Printer, cups: CupsPrinter
) -> None:
    wrong = CupsPrinter("hall-a4", f"127.0.0.1:{a4.port}")
    assert (wrong.status().state, wrong.status().code) == (
        DeviceState.ABSENT, "a4printer.unknown_queue")
    a4.unplug()
    status = cups.status()
    assert (status.state, status.code) == (DeviceState.ABSENT, "a4printer.gone")
    a4.plug()
    assert cups.status().state is DeviceState.READY


def test_missing_cups_client_is_reported_not_raised(monkeypatch, cups: CupsPrinter) -> None:
    monkeypatch.setenv("PATH", "")
    status = cups.status()
    assert (status.state, status.code) == (DeviceState.ABSENT, "a4printer.no_cups")


@pytest.mark.parametrize("address", ["", "a b", "q@host", "q@host:port", "/dev/lp0"])
def test_bad_address_is_refused(address: str) -> None:
    with pytest.raises(ValueError, match="QUEUE@HOST:PORT"):
        CupsPrinter.from_address(address)


def _pdf_of(pages: int) -> bytes:
    import io

    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for n in range(1, pages + 1):
        c.drawString(100, 700, f"page {n}")
        c.showPage()
    c.save()
    return buf.getvalue()


@needs_cups_client
def test_page_ranges_reach_the_printer_and_only_those_pages_come_out(a4) -> None:
    cups = CupsPrinter.from_address(a4.address, poll_interval=0.05)
    cups.print_pdf("cert-p3", _pdf_of(3), pages=(3, 3))
    assert a4.printed_pages == [("cert-p3", 3)]


@needs_cups_client
def test_paper_running_out_mid_document_stops_after_the_pages_it_had(a4) -> None:
    cups = CupsPrinter.from_address(a4.address, poll_interval=0.05)
    a4.load_paper(2)
    with pytest.raises(A4PrinterError) as info:
        cups.print_pdf("cert", _pdf_of(3))
    assert info.value.code == "a4printer.paper_out"
    assert a4.printed_pages == [("cert", 1), ("cert", 2)]

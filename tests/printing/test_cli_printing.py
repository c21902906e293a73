"""``kiosk print`` and ``kiosk device printer|a4printer status`` as a technician runs them:
real processes, real drivers, the virtual printers on real sockets."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import zxingcpp
from PIL import Image

from sim.receipt_printer import VirtualPrinter

from .test_a4_cups import needs_cups_client

SAMPLES = Path(__file__).parents[2] / "printer_templates" / "samples"


def kiosk(tmp_path: Path, *args: str, toml: str = "") -> subprocess.CompletedProcess[str]:
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[data]\ndir = "{(tmp_path / "data").as_posix()}"\n{toml}', encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "--config", str(cfg), *args],
        capture_output=True, text=True, timeout=120, env={**os.environ},
    )


def qr_texts(path: Path) -> list[str]:
    with Image.open(path) as img:
        return [r.text for r in zxingcpp.read_barcodes(img.convert("L"))]


def test_print_receipt_to_a_network_printer(tmp_path, virtual_printer: VirtualPrinter) -> None:
    r = kiosk(tmp_path, "print", "receipt", "--template", "acceptance_receipt",
              "--data", str(SAMPLES / "acceptance_receipt.json"),
              "--printer", f"127.0.0.1:{virtual_printer.port}")
    assert r.returncode == 0, r.stderr
    assert re.search(r"printed acceptance_receipt as job cli-\d{8}-\d{6}-[0-9a-f]{4} ", r.stdout)
    (page,) = virtual_printer.pages
    assert qr_texts(page) == ["https://zwfw.example.gov.cn/progress?case=BJ20240506-00127"]


def test_print_receipt_refused_by_an_empty_printer_says_why(
    tmp_path, virtual_printer: VirtualPrinter
) -> None:
    virtual_printer.set_paper("out")
    r = kiosk(tmp_path, "print", "receipt", "--template", "queue_ticket",
              "--data", str(SAMPLES / "queue_ticket.json"),
              "--printer", f"127.0.0.1:{virtual_printer.port}")
    assert r.returncode == 1 and "[printer.paper_out]" in r.stderr
    assert virtual_printer.pages == []


def test_print_receipt_on_the_simulated_58mm_printer_leaves_a_picture(tmp_path) -> None:
    r = kiosk(tmp_path, "print", "receipt", "--template", "queue_ticket",
              "--data", str(SAMPLES / "queue_ticket.json"), "--profile", "basic-gbk",
              toml="[devices.printer]\npaper_width = 58\n")
    assert r.returncode == 0, r.stderr
    picture = Path(r.stdout.split("picture: ")[1].strip())
    assert picture.parent == tmp_path / "data" / "printer"
    assert Image.open(picture).width == 384
    assert qr_texts(picture) == [json.loads((SAMPLES / "queue_ticket.json").read_text())["qr_data"]]


def test_wrong_data_is_exit_2_naming_the_field(tmp_path) -> None:
    data = tmp_path / "bad.json"
    data.write_text('{"number": "A012"}', encoding="utf-8")
    r = kiosk(tmp_path, "print", "receipt", "--template", "queue_ticket", "--data", str(data))
    assert r.returncode == 2 and "category: missing" in r.stderr


@needs_cups_client
def test_print_cert_writes_the_pdf_and_sends_the_same_bytes(tmp_path, a4) -> None:
    out = tmp_path / "户籍证明.pdf"
    r = kiosk(tmp_path, "print", "cert", "--template", "household_registration",
              "--data", str(SAMPLES / "household_registration.json"), "-o", str(out),
              "--send", "--printer", a4.address)
    assert r.returncode == 0, r.stderr
    assert re.search(r"1 page\(s\), \d+ bytes, code ([A-Z2-7]{4}-){3}[A-Z2-7]{4}", r.stdout)
    assert "printed as kiosk-a4-1" in r.stdout
    assert [d.read_bytes() for d in a4.documents] == [out.read_bytes()]


@needs_cups_client
def test_print_cert_to_a_failing_printer_is_exit_1(tmp_path, a4) -> None:
    a4.set_failing(True)
    r = kiosk(tmp_path, "print", "cert", "--template", "acceptance_receipt",
              "--data", str(SAMPLES / "acceptance_receipt.json"), "-o", str(tmp_path / "a.pdf"),
              "--send", "--printer", a4.address)
    assert r.returncode == 1 and "[a4printer.job_failed]" in r.stderr
    assert (tmp_path / "a.pdf").read_bytes().startswith(b"%PDF-") and a4.documents == []


def test_sending_without_an_a4_printer_is_exit_2(tmp_path) -> None:
    r = kiosk(tmp_path, "print", "cert", "--template", "household_registration",
              "--data", str(SAMPLES / "household_registration.json"),
              "-o", str(tmp_path / "c.pdf"), "--send",
              toml='[devices.a4printer]\nport = "none"\n')
    assert r.returncode == 2 and "no A4 printer configured" in r.stderr


def test_receipt_printer_status_tells_the_truth(tmp_path, virtual_printer) -> None:
    address = f"127.0.0.1:{virtual_printer.port}"
    virtual_printer.set_paper("near_end")
    r = kiosk(tmp_path, "device", "printer", "status", "--printer", address, "--json")
    out = json.loads(r.stdout)
    assert r.returncode == 0 and out["ok"] and out["details"] == {"paper": "near_end"}
    virtual_printer.set_answering(False)
    r = kiosk(tmp_path, "device", "printer", "status", "--printer", address)
    assert r.returncode == 1 and "[printer.not_answering]" in r.stdout


@needs_cups_client
def test_a4_printer_status_from_the_config(tmp_path, a4) -> None:
    a4.set_paper(False)
    r = kiosk(tmp_path, "device", "a4printer", "status", "--json",
              toml=f'[devices.a4printer]\nport = "{a4.address}"\n')
    out = json.loads(r.stdout)
    assert r.returncode == 1 and out["code"] == "a4printer.paper_out"
    assert out["details"]["paper"] == "out"

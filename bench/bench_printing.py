"""Printing benchmarks: ESC/POS encoding beside python-escpos, and certificate PDFs.

    .venv/bin/python bench/bench_printing.py [--n 300] [--json]

Queue ticket: our ``render_queue_ticket`` against python-escpos 3.1 (``Dummy`` printer)
building the same ticket — the same lines, sizes, bold, centring, native QR and cut — in
the same run, in alternating batches; the median time per ticket and the median of the
per-batch ratios. Target: ratio ≤ 1 (no slower).

Certificates: each template rendered from its sample data (fill, SM3 digest, layout,
font subsetting, compression) with the font already loaded, as the median of ``--n // 10``
renders, plus the one-off cost of loading the font; and the PDF's size. Targets: ≤ 60 ms
and ≤ 100 KB. Timings depend on the machine's load: run it on an idle machine for figures
to compare. Exit status 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from escpos.printer import Dummy  # noqa: E402

from printer_templates.certificate import template_names  # noqa: E402
from printer_templates.queue_ticket import QueueTicket, render_queue_ticket  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[1] / "printer_templates" / "samples"
TICKET = QueueTicket(
    number="A012", category="社保医保", waiting=5, issued_at=datetime(2024, 5, 6, 9, 30),
    hall_name="滨江区政务服务中心", terminal_id="KIOSK-03",
    qr_data="https://zwfw.example.gov.cn/queue?terminal=KIOSK-03&date=2024-05-06&number=A012",
)
JOB_ID = "ticket-2024-05-06-A012"
CERT_SAMPLE = {"social_insurance_payment": "social_insurance_payment",
               "household_registration": "household_registration",
               "acceptance_receipt": "acceptance_receipt"}
TARGET_RATIO, TARGET_MS, TARGET_KB = 1.0, 60.0, 100.0


def python_escpos_ticket(t: QueueTicket, job_id: str) -> bytes:
    """The same ticket as ``render_queue_ticket``, built with python-escpos's API."""
    p = Dummy()
    big = {"align": "center", "custom_size": True, "width": 2, "height": 2}
    p.set(bold=True, **big)
    p.text(f"{t.hall_name}\n")
    p.set(align="center", bold=False, normal_textsize=True)
    p.text("-" * 48 + "\n")
    p.set(bold=False, **big)
    p.text("排队凭条\n")
    p.set(align="center", bold=True, custom_size=True, width=6, height=6)
    p.text(f"{t.number}\n")
    p.set(bold=True, **big)
    p.text(f"{t.category}\n")
    p.set(bold=False, **big)
    p.text(f"前面还有 {t.waiting} 人等候\n")
    p.text(t.issued_at.strftime("%Y-%m-%d %H:%M") + "\n")
    p.set(align="center", normal_textsize=True)
    p.ln()
    p.qr(t.qr_data, size=7, native=True)
    p.ln()
    p.set(**big)
    p.text("手机扫码查看排队进度\n")
    p.set(align="center", normal_textsize=True)
    p.text("-" * 48 + "\n")
    p.set(**big)
    p.text("请留意叫号屏幕和语音提示\n过号请重新取号\n")
    p.set(align="center", normal_textsize=True)
    p.ln()
    p.text(f"终端 {t.terminal_id}  凭条 {job_id}\n")
    p.ln(2)
    p.cut()
    return bytes(p.output)


def per_call_ms(fn: Callable[[], object], n: int, batches: int = 7) -> float:
    """Median over ``batches`` of the mean time of ``n`` calls, in milliseconds."""
    fn()  # warm caches (code paths, encodings) before timing
    times = []
    for _ in range(batches):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        times.append((time.perf_counter() - start) / n * 1000)
    return statistics.median(times)


def bench_ticket(n: int, batches: int = 15) -> dict[str, float]:
    """Batches of ours and python-escpos's alternate, so both meet the same machine load;
    the ratio is the median of the per-batch ratios."""
    ours, theirs = [], []
    for _ in range(batches):
        ours.append(per_call_ms(lambda: render_queue_ticket(TICKET, JOB_ID), n, batches=1))
        theirs.append(per_call_ms(lambda: python_escpos_ticket(TICKET, JOB_ID), n, batches=1))
    return {"ours_ms": statistics.median(ours), "python_escpos_ms": statistics.median(theirs),
            "ratio": statistics.median(o / t for o, t in zip(ours, theirs, strict=True)),
            "ours_bytes": len(render_queue_ticket(TICKET, JOB_ID)),
            "python_escpos_bytes": len(python_escpos_ticket(TICKET, JOB_ID))}


def bench_certificates(n: int) -> dict[str, dict[str, float]]:
    start = time.perf_counter()
    from printer_templates.certificate_pdf import render_certificate
    from printer_templates.pdf_fonts import cjk_font

    cjk_font()
    font_ms = (time.perf_counter() - start) * 1000
    out: dict[str, dict[str, float]] = {}
    for name in template_names():
        data = json.loads((SAMPLES / f"{CERT_SAMPLE[name]}.json").read_text(encoding="utf-8"))

        def render(name: str = name, data: dict = data) -> bytes:
            return render_certificate(name, data, terminal_id="KIOSK-03").pdf

        ms = per_call_ms(render, max(n // 10, 3), batches=5)
        out[name] = {"render_ms": ms, "size_kb": len(render()) / 1024}
    out["_font_load"] = {"ms": font_ms}
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=300, help="tickets per timing batch")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()
    ticket = bench_ticket(args.n)
    certs = bench_certificates(args.n)
    ok = ticket["ratio"] <= TARGET_RATIO and all(
        c["render_ms"] <= TARGET_MS and c["size_kb"] <= TARGET_KB
        for name, c in certs.items() if not name.startswith("_")
    )
    if args.json:
        print(json.dumps({"ticket": ticket, "certificates": certs, "ok": ok}, indent=2))
        return 0 if ok else 1
    print(f"queue ticket: ours {ticket['ours_ms']:.3f} ms ({ticket['ours_bytes']} B), "
          f"python-escpos {ticket['python_escpos_ms']:.3f} ms "
          f"({ticket['python_escpos_bytes']} B), ratio {ticket['ratio']:.2f} "
          f"(target ≤ {TARGET_RATIO})")
    print(f"certificate font load (once per process): {certs['_font_load']['ms']:.0f} ms")
    for name, c in certs.items():
        if not name.startswith("_"):
            print(f"{name}: {c['render_ms']:.1f} ms, {c['size_kb']:.1f} KB "
                  f"(targets ≤ {TARGET_MS:.0f} ms, ≤ {TARGET_KB:.0f} KB)")
    print("all targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

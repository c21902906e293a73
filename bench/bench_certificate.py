"""证明打印 benchmark (not part of the test run).

    python bench/bench_certificate.py [--rounds 20]

What a citizen waits for between choosing the period and seeing the first page: the
platform's data (signed request over the loopback to the reference platform), the PDF
rendered by reportlab, the certificate registered with the platform, and the first page
drawn by QtPdf at the preview's size. Reported: the median and the worst of each part and
of the whole (target: whole ≤ 1 s), and the PDF time per page (target ≤ 60 ms/page).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402
from PySide6.QtPdf import QPdfDocument  # noqa: E402

from central.server import PlatformServer  # noqa: E402
from kiosk.certificates import PURPOSES  # noqa: E402
from offline_cache.client import PlatformClient  # noqa: E402
from offline_cache.presence import Presence  # noqa: E402
from printer_templates.certificate_pdf import render_certificate  # noqa: E402

PERSON = ("11010519491231002X", "王小明")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=20)
    args = ap.parse_args()
    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 - QtPdf needs it
    folder = Path(tempfile.mkdtemp(prefix="bench-cert-"))
    server = PlatformServer(folder / "platform.sqlite3").start()
    secret = os.urandom(32)
    server.store.register_terminal("BENCH-1", secret)
    client = PlatformClient(server.url, "BENCH-1", secret, deadline=10)
    here = Presence.unread(PERSON[0])  # the card read (its token: one request, then kept)
    parts: dict[str, list[float]] = {"data": [], "pdf": [], "register": [], "first page": [],
                                     "whole": []}
    per_page: list[float] = []
    kinds = [("social_insurance_payment", 36), ("medical_insurance", 12),
             ("household_registration", 0)]
    for n in range(args.rounds):
        kind, months = kinds[n % len(kinds)]
        t0 = time.perf_counter()
        answer = client.certificate(kind, *PERSON, PURPOSES["school"], months,
                                    presence=here)
        t1 = time.perf_counter()
        rendered = render_certificate(answer["template"], answer["data"], terminal_id="BENCH-1")
        t2 = time.perf_counter()
        f = rendered.filled
        client.register_certificate({
            "code": f.code, "digest": f.digest, "template": kind, "title": f.title,
            "printed_at": f.printed_at.astimezone().isoformat(),
            "expires_on": f.expires_on.isoformat(), "pages": rendered.pages,
            "purpose": "子女入学", "holder_masked": "王* 1101**********002X"})
        t3 = time.perf_counter()
        doc, buf = QPdfDocument(), QBuffer()
        buf.setData(QByteArray(rendered.pdf))
        buf.open(QIODevice.OpenModeFlag.ReadOnly)
        doc.load(buf)
        doc.render(0, QSize(1000, 1414))
        t4 = time.perf_counter()
        for name, took in (("data", t1 - t0), ("pdf", t2 - t1), ("register", t3 - t2),
                           ("first page", t4 - t3), ("whole", t4 - t0)):
            parts[name].append(took * 1000)
        per_page.append((t2 - t1) * 1000 / rendered.pages)
    client.close()
    server.stop()
    print(f"{args.rounds} certificates (3 kinds, 1–3 pages), platform on the loopback")
    for name, values in parts.items():
        print(f"  {name:11s} median {statistics.median(values):7.1f} ms   "
              f"worst {max(values):7.1f} ms")
    print(f"  PDF per page median {statistics.median(per_page):.1f} ms, "
          f"worst {max(per_page):.1f} ms (target ≤ 60)")
    whole = statistics.median(parts["whole"])
    print(f"  card read → first page on screen: median {whole:.0f} ms (target ≤ 1000): "
          f"{'met' if max(parts['whole']) <= 1000 else 'NOT met at worst'}")


if __name__ == "__main__":
    main()

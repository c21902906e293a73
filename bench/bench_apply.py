"""自助申报 benchmark (not part of the test run).

    python bench/bench_apply.py [--pages 10] [--rounds 5]

What a citizen waits for between tapping 提交 and the receipt starting to print, with
``--pages`` photographed pages (real scans: scenes rendered at 2592×1944 and run through
the capture pipeline once, beforehand): the PDF of the pages, the case and its attachments
sealed into a durable outbox, finalized, and the 受理回执 rendered to ESC/POS bytes.
Target: ≤ 1.5 s. Reported: median and worst of each part.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from central.app import CATALOG_PATH  # noqa: E402
from drivers.camera.scan import scan_frame  # noqa: E402
from kiosk.application import Application, save_case  # noqa: E402
from kiosk.catalog import parse_catalog  # noqa: E402
from kiosk.identity import Identity  # noqa: E402
from offline_cache.crypto import Sealer  # noqa: E402
from offline_cache.outbox import CaseOutbox  # noqa: E402
from printer_templates.acceptance_receipt import (  # noqa: E402
    AcceptanceReceipt,
    render_acceptance_receipt,
)
from sim.scene import random_scene, render  # noqa: E402

WHO = Identity(source="idcard", document="resident", id_number="11010519491231002X",
               id_number_valid=True, name="王小明", address="北京市东城区示例路1号")


def scanned_pages(n: int) -> list[bytearray]:
    rng = np.random.default_rng(7)
    pages: list[bytearray] = []
    while len(pages) < n:
        frame, _ = render(random_scene(rng, papers=("letter", "form")), (2592, 1944))
        result = scan_frame(frame)
        if result.page is not None:
            pages.append(bytearray(result.page.jpeg))
    return pages


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    catalog = parse_catalog(json.loads(CATALOG_PATH.read_text(encoding="utf-8")))
    print(f"scanning {args.pages} pages at 2592×1944 (once, before timing)…", flush=True)
    pages = scanned_pages(args.pages)
    size = sum(len(p) for p in pages)
    parts: dict[str, list[float]] = {"save (PDF, seal, finalize)": [], "receipt": [],
                                     "tap → printing": []}
    folder = Path(tempfile.mkdtemp(prefix="bench-apply-"))
    outbox = CaseOutbox(folder / "outbox", Sealer.from_key_file(folder / "store.key"))
    for _ in range(args.rounds):
        app = Application.start(catalog.entry("birth"), WHO, date(2026, 12, 4))
        for field, value in (("relation", "mother"), ("child_name", "王小宝"),
                             ("child_sex", "female"), ("child_birth", "2026-11-30"),
                             ("phone", "13800138000"), ("delivery", "pickup")):
            app.set(field, value)
        form = next(i for i, s in enumerate(app.slots) if s.name.endswith("申请表"))
        app.slots[form].status = "photo"
        t0 = time.perf_counter()
        case, _ = save_case(outbox, app, {form: pages}, None, "BENCH-1",
                            datetime.now().astimezone())
        t1 = time.perf_counter()
        render_acceptance_receipt(AcceptanceReceipt(
            hall_name="示例中心", terminal_id="BENCH-1", case_number=case.case_number,
            matter=case.entry_name, applicant=WHO.name, accepted_at=datetime.now(),
            promised_by=case.promised_by, progress_url="https://example.gov.cn/p"))
        t2 = time.perf_counter()
        for name, took in zip(parts, (t1 - t0, t2 - t1, t2 - t0), strict=True):
            parts[name].append(took * 1000)
    outbox.close()
    print(f"{args.rounds} submissions of 新生儿出生一件事 with {args.pages} pages "
          f"({size / 1e6:.1f} MB of JPEG), durable outbox")
    for name, values in parts.items():
        print(f"  {name:28s} median {statistics.median(values):7.1f} ms   "
              f"worst {max(values):7.1f} ms")
    worst = max(parts["tap → printing"])
    print(f"  target ≤ 1500 ms: {'met' if worst <= 1500 else 'NOT met'} (worst {worst:.0f} ms)")


if __name__ == "__main__":
    main()

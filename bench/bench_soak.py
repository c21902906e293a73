"""Running for months: many simulated citizen sessions in ONE kiosk process, and whether the
process stays the same size (not part of the test run).

    QT_QPA_PLATFORM=offscreen python bench/bench_soak.py [--sessions 5000] [--warmup 200]

The real window on the development tree's simulators (real drivers on a pty, a TCP socket,
IPP, a pcscd slot; the embedded platform on loopback). Each session is one of: a card and a
queue ticket with a 好差评 rating; a card and 材料拍照 (a page put under the camera until it
is taken); a 办不成事 report; a card and a walk-away (the window's clock moved past the idle
question). Now and then the hall misbehaves: the ID-card reader or the printer unplugged and
plugged back, the receipt paper emptied and refilled, the network cut and restored.

Measured after ``--warmup`` sessions (the simulators' frame caches, glyph caches, fonts and first
imports settled: 200 by default) and at the end:
RSS, threads (Python's and the kernel's), open file descriptors, the kiosk's SQLite files
(outbox and queue numbers, each with its WAL). Targets: RSS growth ≤ 10 MB, no thread or
descriptor growth, the WAL bounded.
"""

from __future__ import annotations

import argparse
import functools
import gc
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_IM_MODULE", "qtvirtualkeyboard")
os.environ.setdefault("QT_VIRTUALKEYBOARD_DESKTOP_DISABLE", "1")
os.environ.setdefault("KIOSK_DEV", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QEventLoop, QObject, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from kiosk.config import parse_config  # noqa: E402
from kiosk.context import KioskContext  # noqa: E402
from kiosk.memory import mallinfo, trim, tune_allocator  # noqa: E402
from kiosk.qt_main import create_window  # noqa: E402

MIX = ("ticket", "capture", "report", "walk_away")
CARDS = ("resident", "resident_long_term", "hmt_residence", "foreign_permanent_2023")


class Clock:
    """The window's monotonic clock, moved by the bench: a walk-away without waiting."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset


@functools.cache
def _waiter() -> tuple[QEventLoop, QTimer]:
    loop, timer = QEventLoop(), QTimer(singleShot=True)
    timer.timeout.connect(loop.quit)
    return loop, timer


def wait(ms: int) -> None:
    # One loop and timer for every wait: a static QTimer.singleShot with a delay leaks
    # about 100 bytes a call in PySide6 6.11, and the bench polls every 10 ms, about 90
    # times a visit (it showed as ~6 MB of growth per 1,000 visits that was the bench's).
    loop, timer = _waiter()
    timer.start(ms)
    loop.exec()


def until(cond: Callable[[], bool], timeout: float = 20.0, what: str = "") -> None:
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise TimeoutError(f"the kiosk did not get there in {timeout:.0f} s: {what}")
        wait(10)


def rss_kb(field: str = "VmRSS") -> int:
    """The process's resident memory, or one part of it: ``RssAnon`` is its own (heap,
    frames); ``RssFile`` is mapped files (libraries, the CJK fonts), shared and reclaimable,
    which grows as characters not drawn before are read from the font."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def malloc_in_use_mb() -> float:
    """What the C allocator has handed out and not had back: a leak in native code (Qt,
    numpy, OpenCV) shows here even when RSS hides it."""
    info = mallinfo()
    return float("nan") if info is None else (info.uordblks + info.hblkhd) / 2**20


def measure(data: Path) -> dict[str, float]:
    gc.collect()
    rss = rss_kb() / 1024
    # What the C allocator keeps of freed memory (numpy frames freed on many threads) is
    # handed back first: the second figure is what the process really holds.
    trim()
    # The simulated camera renders full frames all the time (7 MB each, two in flight): the
    # least of a few looks is what stays, of the memory in use as of the RSS.
    in_use, trimmed, anon = malloc_in_use_mb(), rss_kb(), rss_kb("RssAnon")
    for _ in range(9):
        wait(100)
        in_use, trimmed = min(in_use, malloc_in_use_mb()), min(trimmed, rss_kb())
        anon = min(anon, rss_kb("RssAnon"))
    files = {}
    for name, path in (("outbox", data / "outbox"), ("queue", data)):
        db = sorted(path.glob("*.sqlite3"))
        files[f"{name} db KB"] = sum(p.stat().st_size for p in db) / 1024
        files[f"{name} WAL KB"] = sum(
            p.stat().st_size for p in path.glob("*.sqlite3-wal")) / 1024
    return {
        "RSS MB": rss,
        "RSS trimmed MB": trimmed / 1024,
        "RSS anon MB": anon / 1024,
        "RSS files MB": rss_kb("RssFile") / 1024,
        "malloc in use MB": in_use,
        "Python objects k": len(gc.get_objects()) / 1000,
        # Widgets made and never deleted stay, parented, with no Python object to count.
        "Qt objects": sum(1 + len(w.findChildren(QObject))
                          for w in QApplication.topLevelWidgets()),
        "Python threads": threading.active_count(),
        "OS threads": len(os.listdir("/proc/self/task")),
        "open fds": len(os.listdir("/proc/self/fd")),
        **files,
    }


class Soak:
    def __init__(self, data: Path, mix: list[str], trouble: bool) -> None:
        self.mix, self.troubles = mix, trouble
        cfg = parse_config(f'[data]\ndir = "{data.as_posix()}"\n'
                           '[terminal]\nfullscreen = false\n', dev=True)
        self.ctx = ctx = KioskContext.build(cfg)
        ctx.start()
        self.clock = Clock()
        self.win = create_window(cfg, ctx, self.clock)
        self.win.show()
        until(lambda: all(w.status.state == "ready" for w in ctx.devices.workers.values()),
              what="devices ready")
        self.sim = ctx.sim
        assert self.sim is not None
        self.counts: dict[str, tuple[int, float]] = {}
        self.failures: dict[str, int] = {}

    def home(self) -> None:
        if self.win.nav.step != "home" or self.ctx.sessions.current.has_personal_data:
            self.win.end_session("soak")

    def card(self, n: int) -> None:
        sessions = self.ctx.sessions
        self.sim.place_card(CARDS[n % len(CARDS)])
        until(lambda: sessions.current.identity is not None, what="card read")

    def ticket(self, n: int) -> None:
        win = self.win
        self.card(n)
        win.nav.start("queue")
        until(lambda: win.current is win.screen("category"), what="category")
        win.nav.flows["queue"].choose("ABC"[n % 3])
        screen = win.screen("ticket")
        until(lambda: screen.view is not None, what="ticket printed")
        screen.done.click()  # 完成 → the 好差评 question
        screen.scores[5 - n % 5].click()
        screen.skip.click()  # after a rating it reads 完成
        until(lambda: win.nav.step == "home", what="home after the ticket")

    def capture(self, n: int) -> None:
        win, ctx = self.win, self.ctx
        self.card(n)
        win.nav.start("scan")
        screen = win.screen("capture")
        until(lambda: win.current is screen and screen.camera_ready, what="camera ready")
        self.sim.clear_desk()
        self.sim.place_page(("letter", "form", "idcard_front")[n % 3])
        try:
            until(lambda: len(ctx.sessions.current.scans) == 1, 30, "page taken")
        except TimeoutError:  # counted and reported; the soak goes on
            self.failures["capture: page not taken in 30 s"] = (
                self.failures.get("capture: page not taken in 30 s", 0) + 1)
        else:
            screen.finish.click()
        self.sim.clear_desk()
        self.win.end_session("soak")

    def report(self, n: int) -> None:
        win = self.win
        win.nav.start("report")
        screen = win.screen("report")
        reasons = list(screen.reasons.values())
        reasons[n % len(reasons)].click()
        screen.done.click()
        until(lambda: win.nav.step == "home", what="home after the report")

    def walk_away(self, n: int) -> None:
        sessions = self.ctx.sessions
        self.card(n)
        policy = self.ctx.idle_policy
        self.clock.offset += policy.timeout + policy.grace + 2  # a minute or two later
        until(lambda: not sessions.current.has_personal_data, what="idle wipe")

    def trouble(self, n: int) -> None:
        """The hall's misfortunes, one at a time, each put right again."""
        sim, ctx = self.sim, self.ctx
        kind = (n // 10) % 4
        if kind == 0:
            sim.sam.unplug()
            until(lambda: ctx.devices.workers["idcard"].status.state != "ready", what="unplug")
            sim.sam.plug()
            until(lambda: ctx.devices.workers["idcard"].status.state == "ready", 30, "replug")
        elif kind == 1:
            sim.printer.unplug()
            until(lambda: ctx.devices.workers["printer"].status.state != "ready", what="unplug")
            sim.printer.plug()
            until(lambda: ctx.devices.workers["printer"].status.state == "ready", 30, "replug")
        elif kind == 2:
            sim.printer.set_paper("out")
            until(lambda: ctx.devices.workers["printer"].status.code != "", what="paper out")
            sim.printer.set_paper("ok")
            until(lambda: ctx.devices.workers["printer"].status.state == "ready", 30, "paper")
        else:
            ctx.network.set_up(False)
            wait(50)
            ctx.network.set_up(True)

    def session(self, n: int) -> None:
        kinds = [getattr(self, k) for k in self.mix]
        run = kinds[n % len(kinds)]
        t0 = time.perf_counter()
        run(n)
        self.home()
        self.count(run.__name__, t0)
        if self.troubles and n % 10 == 9:
            t0 = time.perf_counter()
            self.trouble(n)
            self.count(("unplug_idcard", "unplug_printer", "paper_out", "network_cut")[
                (n // 10) % 4], t0)

    def count(self, what: str, t0: float) -> None:
        n, s = self.counts.get(what, (0, 0.0))
        self.counts[what] = (n + 1, s + time.perf_counter() - t0)

    def settle(self) -> None:
        """A quiet moment to measure in: every device back, the outbox sent, nobody there."""
        ctx = self.ctx
        until(lambda: all(w.status.state == "ready" for w in ctx.devices.workers.values()),
              60, "devices ready")
        until(lambda: ctx.outbox.status().unsent == 0, 60, "outbox sent")
        wait(1000)

    def close(self) -> None:
        self.win.allow_close()
        self.win.close()
        self.ctx.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", type=int, default=5000)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--every", type=int, default=0,
                    help="print the measures every N sessions (0: start and end only)")
    ap.add_argument("--mix", default=",".join(MIX),
                    help="the sessions taken in turn (default: %(default)s)")
    ap.add_argument("--no-trouble", action="store_true", help="no unplugging, paper, network")
    args = ap.parse_args()
    mix = args.mix.split(",")
    assert all(m in MIX for m in mix), f"--mix takes {MIX}"
    tune_allocator()  # as `kiosk run` does
    QApplication.instance() or QApplication([])
    data = Path(tempfile.mkdtemp(prefix="kiosk-soak-"))
    soak = Soak(data, mix, not args.no_trouble)
    try:
        for n in range(args.warmup):
            soak.session(n)
        soak.settle()
        start = measure(data)
        t0 = time.perf_counter()
        for n in range(args.warmup, args.warmup + args.sessions):
            soak.session(n)
            done = n - args.warmup + 1
            if args.every and done % args.every == 0:
                soak.settle()
                m = measure(data)
                print(f"{done:6d} sessions: " + ", ".join(f"{k} {v:.1f}" for k, v in m.items()),
                      flush=True)
        elapsed = time.perf_counter() - t0
        soak.settle()
        end = measure(data)
    finally:
        soak.close()
        shutil.rmtree(data, ignore_errors=True)
    n = args.sessions
    print(f"QT_QPA_PLATFORM=offscreen python bench/bench_soak.py --sessions {n} "
          f"--warmup {args.warmup} --mix {args.mix}" + (" --no-trouble" if args.no_trouble else ""))
    print(f"\n{n} sessions after {args.warmup} of warm-up, {elapsed:.0f} s, "
          f"{n / elapsed:.2f} sessions/s")
    print("  " + ", ".join(f"{k} {c}× {t / c * 1000:.0f} ms" for k, (c, t) in soak.counts.items()))
    print(f"  failures: {soak.failures or 'none'}")
    print(f"{'':16s} {'start':>10s} {'end':>10s} {'growth':>10s} {'per 1000':>10s}")
    for k in start:
        d = end[k] - start[k]
        print(f"{k:16s} {start[k]:10.1f} {end[k]:10.1f} {d:+10.1f} {d * 1000 / n:+10.1f}")


if __name__ == "__main__":
    main()

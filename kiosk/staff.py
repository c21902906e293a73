"""Staff mode's Qt-free half: who may enter, how guessing is slowed down, what is recorded of
every entry, the receipt paper left on the roll, and each device's test.

Hall technicians enter staff mode with a PIN (after a hidden gesture) or with their own card
(ID card or 社保卡). Neither the PIN nor a staff ID number is kept anywhere in the clear: the
configuration holds scrypt hashes (``kiosk staff set-pin`` / ``add-card`` write them), and
neither ever reaches a log line or the audit record.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drivers.base import DeviceError

if TYPE_CHECKING:
    from kiosk.context import KioskContext

log = logging.getLogger(__name__)

# scrypt at N=2^14, r=8, p=1 (16 MiB, ~50 ms here): a 6-digit PIN or an 18-character ID
# number is a small space, so each guess must cost; a staff card is checked once per card.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
_MAXMEM = 64 << 20
PIN_LENGTHS = range(6, 13)
FREE_TRIES = 5  # wrong PINs before the pad locks
FIRST_LOCK = 30.0  # seconds of the first lock; each further wrong PIN doubles it
MAX_LOCK = 3600.0


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _derive(secret: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(secret.encode(), salt=salt, n=n, r=r, p=p, dklen=32, maxmem=_MAXMEM)


def hash_secret(secret: str, salt: bytes | None = None) -> str:
    """``scrypt$N$r$p$salt$hash`` (base64): what the configuration keeps of a PIN or a
    staff ID number."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = _derive(secret, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


@dataclass(frozen=True)
class _Hash:
    n: int
    r: int
    p: int
    salt: bytes
    digest: bytes

    @classmethod
    def parse(cls, stored: str) -> _Hash:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            raise ValueError(f"not an scrypt hash: {scheme}")
        return cls(int(n), int(r), int(p), base64.b64decode(salt), base64.b64decode(digest))


def verify_secret(secret: str, stored: str) -> bool:
    h = _Hash.parse(stored)
    return hmac.compare_digest(_derive(secret, h.salt, h.n, h.r, h.p), h.digest)


def normalise_id(id_number: str) -> str:
    return id_number.strip().upper()


class StaffCards:
    """The staff ID numbers, as hashes. ``kiosk staff add-card`` gives every card the salt
    of the first one, so a card placed costs one scrypt however long the list is (a citizen's
    card waits for the check)."""

    def __init__(self, hashes: tuple[str, ...]) -> None:
        self._groups: dict[tuple[int, int, int, bytes], list[tuple[int, bytes]]] = {}
        for i, stored in enumerate(hashes, 1):
            h = _Hash.parse(stored)
            self._groups.setdefault((h.n, h.r, h.p, h.salt), []).append((i, h.digest))

    def __bool__(self) -> bool:
        return bool(self._groups)

    @property
    def salt(self) -> bytes | None:
        """The salt new cards share with the listed ones (None: no card yet)."""
        return next(iter(self._groups))[3] if self._groups else None

    def match(self, id_number: str) -> int:
        """The card's place in the list (1-based), or 0 if it is no staff card."""
        if not id_number:
            return 0
        for (n, r, p, salt), entries in self._groups.items():
            digest = _derive(normalise_id(id_number), salt, n, r, p)
            for i, want in entries:
                if hmac.compare_digest(digest, want):
                    return i
        return 0


@dataclass(frozen=True)
class PinOutcome:
    ok: bool
    tries_left: int = 0  # before the pad locks
    locked_for: float = 0.0  # seconds the pad stays locked


class PinGate:
    """Five wrong PINs lock the pad for 30 s, each further one doubles the lock (up to an
    hour); a right PIN clears the count. The count is kept on disk, so restarting the kiosk
    does not reset it. ``clock`` is monotonic (the window's, so tests move it)."""

    def __init__(self, state_path: Path, clock: Callable[[], float] = time.monotonic) -> None:
        self._path = state_path
        self._clock = clock
        self.failures = _read_json(state_path).get("failures", 0)
        self._locked_until = clock() + self.lock_seconds(self.failures) if (
            self.failures >= FREE_TRIES) else 0.0

    @staticmethod
    def lock_seconds(failures: int) -> float:
        if failures < FREE_TRIES:
            return 0.0
        return min(MAX_LOCK, FIRST_LOCK * 2 ** (failures - FREE_TRIES))

    def locked_for(self) -> float:
        return max(0.0, self._locked_until - self._clock())

    def record(self, ok: bool) -> PinOutcome:
        """The outcome of one PIN checked (call only while not locked)."""
        if ok:
            self.failures = 0
            self._locked_until = 0.0
        else:
            self.failures += 1
            lock = self.lock_seconds(self.failures)
            self._locked_until = self._clock() + lock
        _write_json(self._path, {"failures": self.failures})
        if ok:
            return PinOutcome(True)
        return PinOutcome(False, max(0, FREE_TRIES - self.failures), self.locked_for())


class StaffAudit:
    """Every entry to staff mode, every refusal and every action taken there: one JSON line
    each in ``<data>/staff/audit.jsonl`` (0600), and a log line. A PIN or an ID number is
    never in either: a card is named by its place in the configured list."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def record(self, event: str, **detail: Any) -> None:
        entry = {"at": datetime.now().astimezone().isoformat(timespec="seconds"),
                 "event": event, **detail}
        log.info("staff: %s %s", event, " ".join(f"{k}={v}" for k, v in detail.items()))
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self._lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                with os.fdopen(fd, "a", encoding="utf-8") as f:
                    f.write(line)
            except OSError as e:  # a full disk must not keep staff out
                log.error("staff audit not written: %s", e)

    def entries(self) -> list[dict[str, Any]]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in lines if line.strip()]


def _read_json(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        log.warning("%s unreadable (%s): starting afresh", path.name, e)
        return {}
    return doc if isinstance(doc, dict) else {}


def _write_json(path: Path, doc: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc), encoding="utf-8")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


DOTS_PER_MM = 8  # 203 dpi thermal heads


def printed_length_mm(data: bytes, width_dots: int) -> float:
    """How much paper ``data`` (ESC/POS) uses: the pages it prints, as the virtual printer
    draws them (~10 ms for a ticket; called off the GUI thread, after printing)."""
    from drivers.escpos.render import render_escpos

    pages = render_escpos(data, width_dots=width_dots)
    return sum(p.height for p in pages) / DOTS_PER_MM


class ReceiptPaper:
    """The receipt roll: paper printed since the last refill (已换纸), so what is left can be
    estimated before the printer's near-end sensor says anything. Kept in
    ``<data>/staff/paper.json``."""

    def __init__(self, path: Path, roll_mm: float, width_dots: int) -> None:
        self.path = path
        self.roll_mm = roll_mm
        self.width_dots = width_dots
        self._lock = threading.Lock()
        doc = _read_json(path)
        self.used_mm = float(doc.get("used_mm", 0.0))
        self.refilled_at = float(doc.get("refilled_at", 0.0))

    @property
    def left_mm(self) -> float:
        return max(0.0, self.roll_mm - self.used_mm)

    @property
    def fraction_left(self) -> float:
        return self.left_mm / self.roll_mm if self.roll_mm else 0.0

    def printed(self, data: bytes) -> None:
        try:
            mm = printed_length_mm(data, self.width_dots)
        except Exception:  # noqa: BLE001 - a gauge must never fail a print
            log.exception("receipt length not estimated")
            return
        with self._lock:
            self.used_mm += mm
            self._save()

    def refilled(self) -> None:
        with self._lock:
            self.used_mm = 0.0
            self.refilled_at = time.time()
            self._save()

    def _save(self) -> None:
        try:
            _write_json(self.path, {"used_mm": round(self.used_mm, 1),
                                    "refilled_at": self.refilled_at})
        except OSError as e:
            log.warning("paper gauge not saved: %s", e)


class VoiceVolume:
    """How loud the kiosk speaks (0–100 %), set in staff mode for the room it stands in:
    config ``voice.volume`` until staff change it, then what they set, kept in
    ``<data>/staff/voice.json``. Who listens (the voice) hears each change."""

    STEP = 10

    def __init__(self, path: Path, default: int) -> None:
        self.path = path
        value = _read_json(path).get("volume", default)
        self.value = max(0, min(100, int(value))) if isinstance(value, int | float) else default
        self._listeners: list[Callable[[int], None]] = []

    def on_change(self, listener: Callable[[int], None]) -> None:
        self._listeners.append(listener)

    def step(self, steps: int) -> int:
        """Louder (+) or softer (−) by ``steps`` × STEP; returns the new volume."""
        self.value = max(0, min(100, self.value + steps * self.STEP))
        try:
            _write_json(self.path, {"volume": self.value})
        except OSError as e:
            log.warning("voice volume not saved: %s", e)
        for listener in self._listeners:
            listener(self.value)
        return self.value


# --- device tests -----------------------------------------------------------------------------
CARD_WAIT = 20.0  # seconds a card test waits for a card to be placed
PRINT_WAIT = 60.0
CAPTURE_WAIT = 20.0


@dataclass(frozen=True)
class CheckResult:
    """A device test's outcome: a catalog key under ``staff.check.`` and what fills it."""

    ok: bool
    key: str
    fmt: dict[str, Any] = field(default_factory=dict)


class DeviceChecks:
    """One test per device kind, each returning a future (never blocking the caller): a card
    read (the next card placed on that reader), a test ticket, an A4 test page, a frame from
    the camera. Card events reach ``card_event`` from the device threads."""

    TESTS = ("idcard", "sscard", "printer", "a4printer", "camera")

    def __init__(self, ctx: KioskContext) -> None:
        self.ctx = ctx
        self._waiting: dict[str, Future[CheckResult]] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="staff-check")

    def run(self, device: str) -> Future[CheckResult]:
        if device in ("idcard", "sscard"):
            return self._card(device)
        job = {"printer": self._ticket, "a4printer": self._a4_page,
               "camera": self._frame}[device]
        return self._pool.submit(_caught, job)

    def card_event(self, device: str, event: str, payload: Any) -> None:
        """A device event (any thread): a card placed or unreadable ends that reader's test."""
        from kiosk import devices as dev
        from kiosk.identity import Identity

        if event not in (dev.EVENT_CARD_PLACED, dev.EVENT_CARD_ERROR):
            return
        with self._lock:
            fut = self._waiting.pop(device, None)
        if fut is None or fut.done():
            return
        if event == dev.EVENT_CARD_ERROR:
            fut.set_result(CheckResult(False, "card_unreadable", {"code": payload.code}))
        else:
            who = Identity.from_card(payload)
            fut.set_result(CheckResult(True, "card_read", {"name": who.masked_name}))

    def cancel(self) -> None:
        with self._lock:
            waiting, self._waiting = self._waiting, {}
        for fut in waiting.values():
            fut.cancel()

    def close(self) -> None:
        self.cancel()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _card(self, device: str) -> Future[CheckResult]:
        fut: Future[CheckResult] = Future()
        with self._lock:
            old = self._waiting.pop(device, None)
            self._waiting[device] = fut
        if old is not None:
            old.cancel()
        timer = threading.Timer(CARD_WAIT, lambda: fut.done() or fut.set_result(
            CheckResult(False, "card_timeout", {"s": int(CARD_WAIT)})))
        timer.daemon = True
        timer.start()
        fut.add_done_callback(lambda _f: timer.cancel())
        return fut

    def _ticket(self) -> CheckResult:
        from printer_templates.escpos import EscPosBuilder

        term = self.ctx.config.terminal
        now = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        b = EscPosBuilder.for_profile(self.ctx.receipt_profile).init()
        b.align("center").bold().size(2, 2).line("打印测试").size(1, 1).bold(False)
        b.line(term.hall_name).line(f"{term.id}  {now}").rule()
        b.line("若本页清晰完整，打印机正常").qr(f"kiosk-test:{term.id}:{now}", size=4)
        error = self.ctx.print_receipt(f"staff-test-{uuid.uuid4().hex[:12]}",
                                       b.cut().to_bytes(), "staff test ticket")
        return CheckResult(not error, "printed" if not error else "failed",
                           {"code": error} if error else {})

    def _a4_page(self) -> CheckResult:
        a4 = self.ctx.devices.a4printer
        assert a4 is not None
        a4.print_pdf(f"staff-test-{uuid.uuid4().hex[:12]}", test_page_pdf(
            self.ctx.config.terminal.id, self.ctx.config.terminal.hall_name),
        ).result(timeout=PRINT_WAIT)
        return CheckResult(True, "printed")

    def _frame(self) -> CheckResult:
        camera = self.ctx.devices.camera
        assert camera is not None
        shot = camera.capture("document", ()).result(timeout=CAPTURE_WAIT)
        size = str(camera.status.details.get("size", "?")).replace("x", "×")
        page = shot.result.page
        if page is None:
            return CheckResult(True, "frame_no_page",
                               {"size": size, "why": shot.result.verdict.code or "-"})
        ph, pw = page.image.shape[:2]
        return CheckResult(True, "frame_page", {"size": size, "page": f"{pw}×{ph}"})


def _caught(job: Callable[[], CheckResult]) -> CheckResult:
    try:
        return job()
    except DeviceError as e:
        log.warning("staff device test: %s", e)
        return CheckResult(False, "failed", {"code": e.code})
    except TimeoutError:
        return CheckResult(False, "failed", {"code": "timeout"})


def test_page_pdf(terminal_id: str, hall_name: str) -> bytes:
    """One A4 page for a test print: a frame to the margins, big and small text, a grey ramp."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    from printer_templates.pdf_fonts import FONT_NAME, cjk_font

    cjk_font()
    font = FONT_NAME
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    w, h = A4
    c.setTitle("A4 test page")
    c.rect(10 * mm, 10 * mm, w - 20 * mm, h - 20 * mm)
    c.setFont(font, 28)
    c.drawCentredString(w / 2, h - 50 * mm, "A4 打印测试页")
    c.setFont(font, 14)
    c.drawCentredString(w / 2, h - 65 * mm, hall_name)
    c.drawCentredString(w / 2, h - 75 * mm, f"{terminal_id}  {datetime.now():%Y-%m-%d %H:%M:%S}")
    for i in range(10):
        c.setFillGray(i / 10)
        c.rect(30 * mm + i * 15 * mm, h - 110 * mm, 15 * mm, 15 * mm, fill=1, stroke=0)
    c.setFillGray(0)
    c.setFont(font, 9)
    c.drawCentredString(w / 2, 20 * mm, "边框、文字与灰阶完整清晰即为正常")
    c.showPage()
    c.save()
    return buf.getvalue()


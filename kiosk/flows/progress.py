"""进度查询: the citizen's ID card, then their cases, newest first (state and date), and one
case's life: each step with its date, and for 补正 what is needed and by when.

补交材料: on a case in 补正 the material asked for is photographed under the document camera
(the shared capture step); the pages become one PDF that goes to the outbox as a supplement
bound to the case, synced like a case, and a short 补交回执 prints.

Offline (or when the platform does not answer) the last known state of this person's cases
is shown with its age; it is kept sealed for the ID number that asked (kiosk.supplement).

扫描回执二维码: the 受理回执's QR under the camera names a case; it is looked up together with
the ID card at the kiosk, so a case number alone shows nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from drivers.camera.qr import decode_qr
from drivers.idcard.privacy import mask_id_number
from kiosk.flow import Flow, IdentityNeed, Needs, NetworkNeed, Tile
from kiosk.flows.apply import PROGRESS_URL  # what the 受理回执's QR says
from kiosk.guide_view import Choice, both
from kiosk.i18n import catalog
from kiosk.link import citizen_client
from kiosk.pages import PageTaker
from kiosk.supplement import ProgressMemory, save_supplement, unsent_supplements
from offline_cache.client import OutcomeUnknown, PlatformClient, PlatformRefused
from offline_cache.crypto import load_or_create_key
from offline_cache.outbox import StoreError
from offline_cache.presence import Presence
from printer_templates.supplement_receipt import SupplementReceipt, render_supplement_receipt

log = logging.getLogger(__name__)

SCAN_EVERY = 0.6  # seconds between two reads of the camera for a receipt's QR


def case_in_qr(text: str) -> str | None:
    """The case number a 受理回执's QR names, or None for any other code."""
    url = urlsplit(text.strip())
    if url.scheme != "https" or url.netloc != "zwfw.example.gov.cn" or url.path != "/progress":
        return None
    case = parse_qs(url.query).get("case", [""])[0]
    return case if case and len(case) <= 64 and case.replace("-", "").isalnum() else None


@dataclass
class Found:
    """A lookup's outcome: the cases, when they were known (None: just now, from the
    platform), and the supplements still waiting in the outbox (case number → material)."""

    cases: list[dict[str, Any]]
    known_at: float | None = None
    waiting: dict[str, str] = field(default_factory=dict)


class ProgressFlow(Flow):
    id = "progress"
    tile = Tile("查", order=25)
    needs = Needs(identity=IdentityNeed.ID_CARD, network=NetworkNeed.CACHED_OK)
    online_url = "https://zwfw.example.gov.cn/progress"
    steps = {
        "progress_list": "screens.progress:ListScreen",
        "progress_case": "screens.progress:CaseScreen",
        "progress_capture": "screens.capture:CaptureScreen",
        "progress_scan": "screens.progress:ScanScreen",
    }

    def __init__(self, host: Any) -> None:
        super().__init__(host)
        self._client: PlatformClient | None = None
        self._memory: ProgressMemory | None = None
        self.pages: list[bytearray] = []
        self.taker = PageTaker(self, "progress_capture", lambda: self.pages)
        self.left()

    def left(self) -> None:
        """The session ended or the citizen went elsewhere: nothing of them stays here."""
        if hasattr(self, "taker"):
            self.taker.left()
        for page in getattr(self, "pages", []):
            page[:] = bytes(len(page))
        self.pages = []
        self.cases: dict[str, dict[str, Any]] = {}
        self.known_at: float | None = None
        self.waiting: dict[str, str] = {}
        self.case_number = ""  # the case on screen
        self.saving = False
        self._scanning = False
        self._next_scan = 0.0
        self._asked = self._not_found = ""  # a receipt's case asked for, and found not theirs

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def bind(self, step: str, screen: Any) -> None:
        if step == "progress_list":
            screen.chosen.connect(self.open_case)
            screen.scan_requested.connect(self.scan)
            screen.set_scan_offered(self.ctx.devices.camera is not None)
        elif step == "progress_case":
            screen.supply_requested.connect(self.supply)
        elif step == "progress_capture":
            self.taker.bind(screen)
            screen.finished.connect(self.supplied)

    def shown(self, step: str) -> None:
        cam = self.ctx.devices.camera
        if cam is None:
            return
        self.taker.shown(step)  # streams for the capture step, stops elsewhere
        if step == "progress_scan":  # the live picture, to lay the receipt under it
            cam.frame_sink = self.host.screen(step).relay.push
            cam.set_streaming(True)

    def device_changed(self, device: str, status: Any) -> None:
        if self.ctx.devices.camera is not None:
            self.taker.device_changed(device, status)

    def holds(self) -> bool:
        return self.saving  # the supplement is being saved: back and home wait

    def defers_cards(self) -> bool:
        return self.saving

    # --- the list ------------------------------------------------------------------------
    def start(self) -> None:
        who = self.ctx.sessions.current.identity
        assert who is not None
        self.left()
        self.host.screen("progress_list").show_loading()
        self.host.go("progress_list")
        self.host.run(self._lookup, who.id_number, None, who.presence, on_done=self._found)

    def _lookup(self, id_number: str, case_number: str | None,
                presence: Presence | None = None) -> Found:
        """The platform's answer (kept for later), or, when it cannot be had, the last one
        kept for this ID number. ``presence``: the person's at this kiosk (the platform
        answers only with it). Off the GUI thread."""
        waiting = unsent_supplements(self.ctx.outbox, id_number) if self.ctx.outbox else {}
        memory = self.memory()
        try:
            if not self.ctx.network.up:
                raise OutcomeUnknown("the network is cut")
            cases = self.client().cases_of(id_number, case_number, presence=presence)
        except (OutcomeUnknown, PlatformRefused, OSError) as e:
            log.warning("progress: no answer from the platform for %s: %s",
                        mask_id_number(id_number), e)
            kept = memory.load(id_number) if memory else None
            if kept is None:
                raise
            at, cases = kept
            if case_number is not None:
                cases = [c for c in cases if c["case_number"] == case_number]
            return Found(cases, at, waiting)
        if memory is not None and case_number is None:
            memory.save(id_number, cases)
        return Found(cases, None, waiting)

    def client(self) -> PlatformClient:
        if self._client is None:
            assert self.ctx.link is not None
            self._client = citizen_client(self.ctx.config, self.ctx.link.url)
        return self._client

    def memory(self) -> ProgressMemory | None:
        """Where the last lookups are kept (sealed with the outbox's key)."""
        if self._memory is None and self.ctx.outbox is not None:
            master = load_or_create_key(self.ctx.config.data_dir / "store.key")
            name_key = hmac.new(master, b"gov-kiosk progress names", hashlib.sha256).digest()
            self._memory = ProgressMemory(self.ctx.config.data_dir / "progress",
                                          self.ctx.outbox.sealer, name_key)
        return self._memory

    def _found(self, fut: Future[Found]) -> None:
        screen = self.host.screen("progress_list")
        try:
            found = fut.result()
        except (OutcomeUnknown, PlatformRefused, OSError):
            screen.show_cases([], "unavailable")
            return
        self._adopt(found)
        self._show_list()

    def _adopt(self, found: Found) -> None:
        self.cases.update({c["case_number"]: c for c in found.cases})
        self.known_at = found.known_at
        self.waiting = found.waiting

    def _show_list(self) -> None:
        screen = self.host.screen("progress_list")
        cases = sorted(self.cases.values(), key=lambda c: c["submitted_at"], reverse=True)
        screen.set_age(self._age())
        if not cases:
            screen.show_cases([], "none")
            return
        screen.show_cases([
            Choice(c["case_number"], both(c["entry_name"], c["entry_name"]), {
                lang: catalog(lang)[f"progress.state.{self._state(c)}"] + " · "
                + catalog(lang)["progress.list_sub"].format(date=c["submitted_at"][:10])
                for lang in ("zh_CN", "en")}, "件") for c in cases])
        self.host.content_changed()

    def _state(self, case: dict[str, Any]) -> str:
        if case["state"] == "correction" and case["case_number"] in self.waiting:
            return "supplied"
        return case["state"]

    def _age(self) -> float | None:
        if self.known_at is None:
            return None
        assert self._memory is not None
        return max(0.0, self._memory.clock() - self.known_at)

    def open_case(self, case_number: str) -> None:
        self.case_number = case_number
        self._show_case()
        self.host.go("progress_case")

    def _show_case(self) -> None:
        case = self.cases[self.case_number]
        self.host.screen("progress_case").show_case(
            case, age=self._age(), waiting=self.waiting.get(self.case_number, ""),
            can_supply=self.ctx.devices.camera is not None and self.ctx.outbox is not None)

    # --- 补交材料 -------------------------------------------------------------------------
    def material(self) -> str:
        needs = self.cases[self.case_number].get("needs") or {}
        return "、".join(needs.get("materials") or []) or "补正材料"

    def supply(self) -> None:
        for page in self.pages:
            page[:] = bytes(len(page))
        self.pages = []
        screen = self.host.screen("progress_capture")
        screen.reset()
        name = self.material()
        screen.set_heading(both(name, name))
        self.host.go("progress_capture")

    def supplied(self) -> None:
        """完成: no page, nothing to hand in (back to the case); else the supplement into
        the outbox, then the 补交回执."""
        if self.saving:
            return
        if not self.pages:
            self.host.back()
            return
        who = self.ctx.sessions.current.identity
        assert who is not None
        self.host.back()  # to the case, which says what becomes of the pages
        self.saving = True
        self.host.screen("progress_case").show_saving()
        pages, self.pages = self.pages, []  # the save's now: zeroed once they are sealed
        self.host.run(self._save, who.id_number, self.case_number, self.material(), pages,
                      on_done=self._saved, keep_on_leave=True)

    def _save(self, id_number: str, case_number: str, material: str,
              taken: list[bytearray]) -> tuple[bool, str]:
        assert self.ctx.outbox is not None
        now = datetime.now().astimezone()
        pages = len(taken)
        try:
            save_supplement(self.ctx.outbox, case_number, id_number, material, taken, now)
        finally:
            for page in taken:
                page[:] = bytes(len(page))
        online = self.ctx.network.up and self.ctx.sync is not None and \
            self.ctx.sync.status.link != "down"
        receipt = SupplementReceipt(
            hall_name=self.ctx.config.terminal.hall_name,
            terminal_id=self.ctx.config.terminal.id, case_number=case_number,
            material=material, pages=pages, handed_in_at=now.replace(tzinfo=None),
            progress_url=PROGRESS_URL.format(case=case_number), online=online)
        error = self.ctx.print_receipt(f"supplement-{case_number}-{int(now.timestamp())}",
                                       render_supplement_receipt(receipt),
                                       f"supplement receipt of case {case_number}")
        return online, error

    def _saved(self, fut: Future[tuple[bool, str]]) -> None:
        self.saving = False
        screen = self.host.screen("progress_case")
        try:
            online, printed = fut.result()
        except StoreError as e:
            log.error("supplement not saved: %s", e)
            screen.show_error(e.code)
            return
        self.waiting[self.case_number] = self.material()
        self._show_case()
        screen.show_supplied(self.material(), online, printed)

    # --- 扫描回执二维码 ---------------------------------------------------------------------
    def scan(self) -> None:
        self.host.screen("progress_scan").reset()
        self.host.go("progress_scan")
        self._scanning = False  # a read left unanswered when the citizen went back
        self._next_scan = 0.0
        self._not_found = ""

    def tick(self, now: float) -> bool:
        # Paced by the real clock: reading the camera is the machine's pace, not the citizen's.
        if self.host.step == "progress_scan" and not self._scanning \
                and time.monotonic() >= self._next_scan:
            cam = self.ctx.devices.camera
            if cam is not None:
                self._scanning = True
                self.host.run(self._read_qr, cam, on_done=self._read)
        return False

    @staticmethod
    def _read_qr(cam: Any) -> list[str]:
        frame = cam.submit(cam.camera.still).result(timeout=10)
        return [c.text for c in decode_qr(frame)]

    def _read(self, fut: Future[list[str]]) -> None:
        self._scanning = False
        self._next_scan = time.monotonic() + SCAN_EVERY
        screen = self.host.screen("progress_scan")
        try:
            texts = fut.result()
        except Exception as e:  # noqa: BLE001 - the camera failed: said, and tried again
            log.warning("progress: no frame to read a QR from: %s", e)
            screen.show_result("camera")
            return
        if not texts:
            return
        case = next((c for c in map(case_in_qr, texts) if c), None)
        if case is None:
            screen.show_result("not_receipt")
            return
        if case == self._not_found:
            return  # the same receipt still lying there: its answer is on the screen
        who = self.ctx.sessions.current.identity
        assert who is not None
        self._scanning = True  # no more reads while it is looked up
        self._asked = case
        screen.show_result("looking")
        self.host.run(self._lookup, who.id_number, case, who.presence, on_done=self._scanned)

    def _scanned(self, fut: Future[Found]) -> None:
        self._scanning = False
        self._next_scan = time.monotonic() + SCAN_EVERY
        screen = self.host.screen("progress_scan")
        try:
            found = fut.result()
        except (OutcomeUnknown, PlatformRefused, OSError):
            screen.show_result("unavailable")
            return
        if not found.cases:
            self._not_found = self._asked
            screen.show_result("not_yours")
            return
        self._adopt(found)
        self._show_list()
        self.case_number = found.cases[0]["case_number"]
        self._show_case()
        self.host.replace("progress_case")

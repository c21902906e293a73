"""自助申报: a citizen identified by the ID card applies for a catalog item or a whole 一件事
that the catalog marks 是否支持终端办理 — 受理条件 as yes/no questions (a "no" says where to
go instead), one form prefilled from the card, the materials (免提交 / 窗口核验 / 容缺 on a
promise), a review, then 提交: the case is in the outbox before anything is printed, and the
受理回执 comes out of the receipt printer with the case number and a QR to follow it.

Works offline: the catalog is the kiosk's copy, the case waits in the outbox, and the
receipt says it was accepted here and is sent once the network is back.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from datetime import datetime
from typing import Any

from kiosk.application import Application, CaseForm, save_case
from kiosk.flow import Flow, IdentityNeed, Needs, NetworkNeed, Tile
from kiosk.guide import GuideUnavailable
from kiosk.guide_view import Choice, GuideView, both
from kiosk.i18n import translator
from kiosk.link import citizen_client
from kiosk.pages import PageTaker
from kiosk.records import Evaluation
from offline_cache.client import OutcomeUnknown, PlatformClient, PlatformRefused
from offline_cache.outbox import Kind, StoreError
from printer_templates.acceptance_receipt import (
    AcceptanceReceipt,
    DeferredMaterial,
    Material,
    render_acceptance_receipt,
)

log = logging.getLogger(__name__)

PROGRESS_URL = "https://zwfw.example.gov.cn/progress?case={case}"
_DIGITS = {"phone": ("apply.phone_hint", 12), "date": ("apply.date_hint", 8),
           "number": ("apply.number_hint", 20), "id_number": ("apply.id_number_hint", 18)}
TYPE_IN = "type"  # the region pickers' tile for typing the whole address instead


class ApplyFlow(Flow):
    id = "apply"
    tile = Tile("申", order=15)
    needs = Needs(identity=IdentityNeed.ID_CARD, network=NetworkNeed.CACHED_OK,
                  devices=("printer",))
    steps = {
        "apply_list": "screens.entry:ChoiceScreen:apply_list",
        "apply_who": "screens.entry:ChoiceScreen:apply_who",
        "apply_condition": "screens.apply:ConditionScreen",
        "apply_refused": "screens.apply:RefusedScreen",
        "apply_form": "screens.apply:FormScreen",
        "apply_choice": "screens.entry:ChoiceScreen:apply_choice",
        "apply_region": "screens.entry:ChoiceScreen:apply_region",
        "apply_text": "screens.entry:TextEntryScreen",
        "apply_digits": "screens.entry:DigitPadScreen",
        "apply_materials": "screens.apply:MaterialsScreen",
        "apply_review": "screens.apply:ReviewScreen",
        "apply_done": "screens.apply:DoneScreen",
        "apply_rating": "screens.rating:RatingScreen",
        "apply_capture": "screens.capture:CaptureScreen",
        "apply_sign": "screens.signature:SignatureScreen",
    }

    def __init__(self, host: Any) -> None:
        super().__init__(host)
        self.guide = GuideView(self.ctx)
        self.slot_pages: dict[int, list[bytearray]] = {}  # 拍照: a material's pages
        self.slot = -1  # the material being photographed
        self.taker = PageTaker(self, "apply_capture",
                               lambda: self.slot_pages.setdefault(self.slot, []))
        self._client: PlatformClient | None = None
        self.left()

    def left(self) -> None:
        if hasattr(self, "taker"):
            self.taker.left()
        for pages in getattr(self, "slot_pages", {}).values():
            for page in pages:
                page[:] = bytes(len(page))
        self.slot_pages = {}
        self.signature: tuple[bytes, list[Any]] | None = None  # the promise's PNG, strokes
        self.licences_asked = False
        self.app: Application | None = None
        self.editing = ""  # the field being changed
        self.entry_id = ""
        self.region: list[str] = []  # the address pickers' codes so far (province first)
        self.region_text = ""  # their names, before the street typed
        self.condition = 0
        self.submitting = False
        self.case: CaseForm | None = None
        self.case_uuid = ""

    def close(self) -> None:
        self.guide.close()
        if self._client is not None:
            self._client.close()

    def bind(self, step: str, screen: Any) -> None:
        connect = {
            "apply_list": ("chosen", self.choose),
            "apply_who": ("chosen", self.who_chosen),
            "apply_region": ("chosen", self.region_chosen),
            "apply_condition": ("answered", self.answer),
            "apply_form": ("edit_requested", self.edit),
            "apply_choice": ("chosen", self.entered),
            "apply_text": ("entered", self.entered),
            "apply_digits": ("entered", self.entered),
            "apply_materials": ("toggle_requested", self.toggle),
            "apply_review": ("submit_requested", self.submit),
            "apply_done": ("finished", self.rate),
            "apply_rating": ("finished", lambda: self.host.end_visit("applied")),
        }
        signal, slot = connect.get(step, ("", None))
        if slot is not None:
            getattr(screen, signal).connect(slot)
        if step == "apply_form":
            screen.next_requested.connect(self.form_done)
        elif step == "apply_materials":
            screen.promise_toggled.connect(self.promise)
            screen.pledge_requested.connect(self.pledge)
            screen.next_requested.connect(self.review)
            screen.photo_requested.connect(self.photo)
        elif step == "apply_rating":
            screen.rated.connect(self.rated)
        elif step == "apply_capture":
            self.taker.bind(screen)
            screen.finished.connect(self.photographed)
        elif step == "apply_sign":
            screen.signed.connect(self.signed)

    def shown(self, step: str) -> None:
        if self.ctx.devices.camera is not None:
            self.taker.shown(step)

    def device_changed(self, device: str, status: Any) -> None:
        if self.ctx.devices.camera is not None:
            self.taker.device_changed(device, status)

    def holds(self) -> bool:
        return self.submitting  # the case is being saved: back and home wait

    def defers_cards(self) -> bool:
        return self.host.step == "apply_done"  # the receipt is this citizen's

    # --- which ---------------------------------------------------------------------------
    def start(self) -> None:
        """The entries this kiosk can take, from the kiosk's copy of the catalog; without
        one yet, from the platform."""
        if not self.guide.ready:
            self.guide.load()
        screen = self.host.screen("apply_list")
        if self.guide.ready and self.arg:  # 在本机办理 from the guide: straight to its conditions
            entry = self.guide.cached.catalog.entry(self.arg) if self.guide.cached else None
            if entry is not None and entry.terminal:
                self.choose(entry.id)
                return
        self.host.go("apply_list")
        if self.guide.ready:
            self._list()
        else:  # (after go: a result for a step left is dropped)
            screen.set_content("apply.list_title", [], "loading")
            self.host.run(self.guide.fetch, on_done=self._fetched)

    def _fetched(self, fut: Future[Any]) -> None:
        try:
            self.guide.adopt(fut.result())
        except GuideUnavailable as e:
            log.warning("apply: no catalog: %s", e)
            self.host.screen("apply_list").set_content("apply.list_title", [], "unavailable")
            return
        self._list()
        self.host.content_changed()

    def _list(self) -> None:
        assert self.guide.cached is not None
        self.host.screen("apply_list").set_content("apply.list_title", [
            Choice(e.id, both(e.name, e.short_en), both("", ""),
                   "申" if e.is_bundle else "事")
            for e in self.guide.cached.catalog.entries() if e.terminal])

    def choose(self, entry_id: str) -> None:
        """For oneself, or 帮代办 for someone else (the card read is the agent's)."""
        self.entry_id = entry_id
        entry = self.guide.entry(entry_id)
        self.host.screen("apply_who").set_content("apply.who_title", [
            Choice("self", both("为本人申请", "For myself"),
                   both("申请人就是刷卡的您", "You are the applicant"), "本"),
            Choice("agent", both("帮他人代办", "For someone else"),
                   both("如帮父母、孩子或村民办理，需填写申请人信息",
                        "e.g. for a parent, a child or a villager"), "代")],
            entry=both(entry.name, entry.name_en)[translator.language])
        self.host.go("apply_who")

    def who_chosen(self, who_key: str) -> None:
        who = self.ctx.sessions.current.identity
        assert who is not None
        self.app = Application.start(self.guide.entry(self.entry_id), who,
                                     datetime.now().date(), on_behalf=who_key == "agent",
                                     cabinet=self.ctx.config.terminal.pickup_cabinet)
        self.condition = 0
        self._show_condition()

    # --- 受理条件 --------------------------------------------------------------------------
    def _show_condition(self) -> None:
        assert self.app is not None
        conditions = self.app.entry.conditions
        self.host.screen("apply_condition").show_condition(
            self.condition + 1, len(conditions), conditions[self.condition])
        if self.host.step == "apply_condition":
            self.host.replace("apply_condition")
        else:
            self.host.go("apply_condition")

    def answer(self, yes: bool) -> None:
        app = self.app
        assert app is not None
        text = app.entry.conditions[self.condition]
        if not yes:
            self.host.screen("apply_refused").show_refusal(text, app.entry.location,
                                                           app.entry.phone)
            self.host.go("apply_refused")
            return
        app.conditions_confirmed.append(text)
        self.condition += 1
        if self.condition < len(app.entry.conditions):
            self._show_condition()
        else:
            self._show_form(page=0)
            self.host.go("apply_form")

    # --- 一表申请 --------------------------------------------------------------------------
    def _rows(self, show_errors: bool) -> list[dict[str, Any]]:
        app = self.app
        assert app is not None
        errors = app.errors() if show_errors else {}
        return [{"id": f.id, "label": f.label, "label_en": f.label_en,
                 "value": app.display(f), "error": errors.get(f.id, ""),
                 "editable": f.editable} for f in app.visible_fields()]

    def _show_form(self, page: int | None = None, show_errors: bool = False) -> None:
        self.host.screen("apply_form").show_rows(self._rows(show_errors), page)

    def edit(self, field_id: str) -> None:
        app = self.app
        assert app is not None
        f = app.field(field_id)
        self.editing = field_id
        if f.type == "address":
            self.region = []
            self._pick_region()
        elif f.type == "choice":
            self.host.screen("apply_choice").set_content(
                "apply.choose_title", [Choice(c.value, both(c.label, c.label_en))
                                       for c in f.choices], label=self._label(f))
            self.host.go("apply_choice")
        elif f.type in _DIGITS:
            hint, most = _DIGITS[f.type]
            self.host.screen("apply_digits").prompt(
                "apply.type_title", hint, min(most, f.max_length),
                app.values.get(field_id, "").replace("-", ""), label=self._label(f),
                x_last=f.type == "id_number")
            self.host.go("apply_digits")
        else:
            self.host.screen("apply_text").prompt("apply.type_title", "", "apply.type_hint",
                                                  f.max_length, app.values.get(field_id, ""),
                                                  label=self._label(f))
            self.host.go("apply_text")

    # --- 邮寄地址: province → city → county → town, then the street typed ------------------
    def _pick_region(self) -> None:
        """The next level of the catalog's 行政区划 under the codes picked so far; below the
        last one (or on 直接输入), the rest of the address is typed."""
        catalog = self.guide.cached.catalog if self.guide.cached else None
        path = catalog.region_path(self.region) if catalog else []
        level = path[-1].children if path else catalog.regions if catalog else ()
        if not level:
            self._type_address("".join(r.name for r in path))
            return
        self.host.screen("apply_region").set_content(
            f"apply.region_title.{min(len(path), 3)}",
            [Choice(r.code, both(r.name, r.name)) for r in level]
            + [Choice(TYPE_IN, both("直接输入完整地址", "Type the whole address"))])
        if self.host.step == "apply_region":
            self.host.replace("apply_region")  # back goes to the form, not up a level
        else:
            self.host.go("apply_region")

    def region_chosen(self, code: str) -> None:
        if code == TYPE_IN:
            self._type_address("")
            return
        self.region.append(code)
        self._pick_region()

    def _type_address(self, region: str) -> None:
        assert self.app is not None
        f = self.app.field(self.editing)
        self.region_text = region
        self.host.screen("apply_text").prompt(
            "apply.address_title" if region else "apply.type_title",
            "apply.address_placeholder" if region else "", "apply.type_hint",
            f.max_length - len(region), "", label=self._label(f), region=region)
        if self.host.step == "apply_region":
            self.host.replace("apply_text")
        else:
            self.host.go("apply_text")

    @staticmethod
    def _label(f: Any) -> str:
        return f.label_en if translator.language == "en" else f.label

    def entered(self, value: str) -> None:
        app = self.app
        if app is None or not self.editing:
            return
        f = app.field(self.editing)
        if f.type == "date" and len(value) == 8 and value.isdigit():
            value = f"{value[:4]}-{value[4:6]}-{value[6:]}"
        elif f.type == "address":
            value = self.region_text + value
        app.set(self.editing, value)
        page = self.host.screen("apply_form").page_of(self.editing)
        self.editing = ""
        self.host.back()
        self._show_form(page, show_errors=True)

    def form_done(self) -> None:
        app = self.app
        assert app is not None
        errors = app.errors()
        if errors:  # stay, with each error said beside its field, on the first such page
            form = self.host.screen("apply_form")
            first = next(r["id"] for r in self._rows(True) if r["error"])
            self._show_form(form.page_of(first), show_errors=True)
            return
        self._show_materials()
        self.host.go("apply_materials")
        # 电子证照: which of them the platform holds (asked once; offline they stay 免提交,
        # fetched by the platform when the case arrives).
        wanted = [s.name for s in app.slots if s.status == "e_license" and not s.licence]
        # Only for the card holder: the platform answers a look-up of a person only to their
        # presence at the kiosk, so for 帮代办 the platform fetches them when the case arrives.
        if wanted and not self.licences_asked and not app.on_behalf:
            self.licences_asked = True
            if self._client is None:
                assert self.ctx.link is not None
                self._client = citizen_client(self.ctx.config, self.ctx.link.url)
            client, who = self._client, app.who
            self.host.run(lambda: client.licences(who.id_number, wanted, presence=who.presence),
                          on_done=self._licences)

    def _licences(self, fut: Future[list[dict[str, str]]]) -> None:
        try:
            found = fut.result()
        except (OutcomeUnknown, PlatformRefused, OSError) as e:
            log.info("电子证照 not confirmed now (%s): the platform fetches them later", e)
            return
        assert self.app is not None
        self.app.licences_found(found)
        self._show_materials()

    # --- 材料 ----------------------------------------------------------------------------
    def _show_materials(self) -> None:
        app = self.app
        assert app is not None
        deadline = app.defer_deadline.isoformat()
        camera = self.ctx.devices.camera is not None
        self.host.screen("apply_materials").show_materials(
            [{"name": s.name, "name_en": s.name_en, "status": s.status, "deadline": deadline,
              "deferrable": s.deferrable, "pledgeable": s.pledgeable,
              "pages": len(self.slot_pages.get(i, [])), "licence": s.licence,
              "photo": camera and s.status in ("counter", "photo")}
             for i, s in enumerate(app.slots)], app.promise_signed)

    def toggle(self, index: int) -> None:
        assert self.app is not None
        self.app.toggle_defer(index)
        self._show_materials()

    def pledge(self, index: int) -> None:
        assert self.app is not None
        self.app.toggle_pledge(index)
        self._show_materials()

    def photo(self, index: int) -> None:
        """拍照提交 a material: its pages under the camera (a retake starts again)."""
        assert self.app is not None
        for page in self.slot_pages.pop(index, []):
            page[:] = bytes(len(page))
        self.slot = index
        slot = self.app.slots[index]
        self.taker.mode = "photo" if slot.portrait else "document"
        screen = self.host.screen("apply_capture")
        screen.reset()
        if slot.id_card:  # front and back make the one 复印件 page
            screen.set_heading(both(f"{slot.name}：先拍正面（人像面），再拍反面（国徽面）",
                                    f"{slot.name_en}: the front, then the back"))
        else:
            screen.set_heading(both(slot.name, slot.name_en))
        self.host.go("apply_capture")

    def photographed(self) -> None:
        assert self.app is not None
        slot = self.app.slots[self.slot]
        if self.slot_pages.get(self.slot):
            slot.status = "photo"
        self.host.back()
        self._show_materials()

    def promise(self) -> None:
        """容缺受理承诺书: signed on the screen; tapped again once signed, it is withdrawn."""
        app = self.app
        assert app is not None
        if app.promise_signed or not app.needs_promise():
            app.promise_signed, self.signature = False, None
            self._show_materials()
            return
        self.host.screen("apply_sign").ask(app.promise_text())
        self.host.go("apply_sign")

    def signed(self, png: bytes, strokes: list[Any]) -> None:
        assert self.app is not None
        self.signature = (png, strokes)
        self.app.promise_signed = True
        self.host.back()
        self._show_materials()

    # --- 核对, 提交 -------------------------------------------------------------------------
    def review(self) -> None:
        app = self.app
        assert app is not None
        counts = {k: sum(s.status == v for s in app.slots)
                  for k, v in (("e", "e_license"), ("c", "counter"), ("d", "deferred"),
                               ("p", "photo"), ("g", "pledged"))}
        self.host.screen("apply_review").show_review({
            "entry": both(app.entry.name, app.entry.name_en),
            "applicant": app.masked_applicant(), "agent": app.masked_agent(),
            "fields": [{"label": f.label, "label_en": f.label_en, "value": app.display(f)}
                       for f in app.visible_fields()
                       if f.id not in ("applicant_name", "applicant_id")],
            "promised": app.promised_by.isoformat(), "counts": counts})
        self.host.go("apply_review")

    def submit(self) -> None:
        """The case into the outbox first (a crash after this tap loses nothing), then the
        受理回执. A second tap does nothing."""
        if self.submitting or self.app is None or self.case is not None:
            return
        self.submitting = True
        self.host.screen("apply_review").show_busy()
        self.host.run(self._save, self.app, on_done=self._saved, keep_on_leave=True)

    def _save(self, app: Application) -> tuple[CaseForm, str]:
        assert self.ctx.outbox is not None
        signature = self.signature if app.promise_signed else None
        return save_case(self.ctx.outbox, app, self.slot_pages, signature,
                         self.ctx.config.terminal.id, datetime.now().astimezone())

    def _saved(self, fut: Future[tuple[CaseForm, str]]) -> None:
        self.submitting = False
        try:
            self.case, self.case_uuid = fut.result()
        except StoreError as e:
            log.error("application not saved: %s", e)
            self.host.screen("apply_review").show_error(e.code)
            return
        online = self.ctx.network.up and self.ctx.sync is not None and \
            self.ctx.sync.status.link != "down"
        self.host.screen("apply_done").show_case(self.case.case_number, online)
        self.host.replace("apply_done")
        self.host.run(self._print, self.case, online, on_done=self._printed,
                      keep_on_leave=True)

    def _print(self, case: CaseForm, online: bool) -> str:
        app = self.app
        assert app is not None
        delivery = {"mail": "办结后免费邮寄",
                    "cabinet": f"办结后存入智能柜（{self.ctx.config.terminal.pickup_cabinet}），"
                               "凭短信取件码领取"}.get(case.fields.get("delivery", ""),
                                                   "办结后到窗口领取")
        receipt = AcceptanceReceipt(
            hall_name=self.ctx.config.terminal.hall_name, terminal_id=case.terminal,
            case_number=case.case_number, matter=case.entry_name,
            applicant=app.applicant_name, agent=app.masked_agent(),
            accepted_at=case.submitted_at.replace(tzinfo=None),
            promised_by=case.promised_by,
            progress_url=PROGRESS_URL.format(case=case.case_number),
            materials=tuple(Material(s.name, "电子证照" if s.status == "e_license" else "拍照件",
                                     max(s.copies, 1))
                            for s in app.slots if s.status in ("e_license", "photo")),
            to_show=tuple(s.name for s in app.slots if s.status == "counter"),
            deferred=tuple(DeferredMaterial(m.name, m.deadline) for m in case.materials
                           if m.status == "deferred" and m.deadline is not None),
            pledged=tuple(s.name for s in app.pledged()),
            delivery=delivery + ("" if online else "（已在本机受理，联网后自动提交）"),
            phone=app.entry.phone)
        # The case number is on it in big type: no job line under it.
        return self.ctx.print_receipt(f"case-{case.case_number}",
                                      render_acceptance_receipt(receipt),
                                      f"receipt of case {case.case_number}")

    def _printed(self, fut: Future[str]) -> None:
        self.host.screen("apply_done").show_printed(fut.result())

    # --- 好差评 ----------------------------------------------------------------------------
    def rate(self) -> None:
        self.host.screen("apply_rating").reset()
        self.host.replace("apply_rating")

    def rated(self, score: int, reasons: list[str]) -> None:
        """一事一评: the rating is bound to this case (its outbox id); nothing says who."""
        assert self.app is not None and self.ctx.outbox is not None
        body = Evaluation.of(score, reasons, self.case_uuid or None).body()
        self.host.run(self.ctx.outbox.add_record, Kind.EVALUATION,
                      f"apply:{self.app.entry.id}", body)

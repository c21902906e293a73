"""自助申报, without Qt: one application for a catalog item or a whole 一件事 — its 受理条件 as
yes/no questions, one typed form (一表申请) prefilled from the card, the materials as slots
(免提交 where the platform holds an 电子证照, 容缺 on a signed promise where the catalog
allows it, else 窗口核验 of the original when the result is collected), and the case that
goes to the outbox before anything is printed.

The form's fields come from the catalog entry (``form``) or, where it declares none, the
fields every application has (who applies, a phone, how the result is delivered).
Everything the platform receives is built here from domain values (``CaseForm``), never
from the words on a screen.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from drivers.camera.formats import A4
from drivers.camera.output import encode_jpeg, id_copy_page, pages_pdf
from drivers.idcard.codes import check_id_number
from drivers.idcard.privacy import mask_id_number, mask_name
from kiosk.catalog import Entry, FormField
from kiosk.identity import Identity
from offline_cache.outbox import CaseOutbox

log = logging.getLogger(__name__)

DEFER_DAYS = 10  # working days to hand in a 容缺 material (a hall may set its own)

_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_LANDLINE = re.compile(r"^0[0-9]{2,3}-?[0-9]{7,8}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# 拍照 / 告知承诺 / …: what happens to a material. "pledged": 告知承诺制, a signed promise
# stands in for it.
MaterialStatus = Literal["e_license", "deferred", "counter", "photo", "pledged", "not_needed"]

# 帮代办: who the agent (the card on the reader) is to the applicant.
RELATIONS = (("parent", "父母", "Parent"), ("child", "子女", "Child"),
             ("spouse", "配偶", "Spouse"), ("relative", "其他亲属", "Other relative"),
             ("grid", "网格员/村（社区）代办员", "Grid or village helper"),
             ("other", "其他受托人", "Other authorised person"))


def _choices(options: Any) -> tuple[dict[str, str], ...]:
    return tuple({"value": v, "label": zh, "label_en": en} for v, zh, en in options)


def default_fields(entry: Entry, on_behalf: bool = False,
                   cabinet: str = "") -> tuple[FormField, ...]:
    """What every application asks when the catalog declares nothing more. ``on_behalf``:
    帮代办 — the applicant is typed in (the card read is the agent's) and the relation asked;
    ``cabinet``: the hall's 智能文件柜, offered for collecting the result."""
    delivery = [("pickup", "窗口自取", "Collect at a window")]
    if entry.delivery:
        delivery.insert(0, ("mail", "免费邮寄", "Free delivery by post"))
    if cabinet:
        delivery.append(("cabinet", "智能柜自取", "Collect from the pickup locker"))
    agent = (FormField(id="agent_relation", label="您与申请人的关系",
                       label_en="You are the applicant's", type="choice",
                       choices=_choices(RELATIONS)),) if on_behalf else ()
    return (
        FormField(id="applicant_name", label="申请人", label_en="Applicant", type="text",
                  prefill="name", editable=on_behalf, max_length=20),
        FormField(id="applicant_id", label="申请人公民身份号码", label_en="Applicant's ID number",
                  type="id_number", prefill="id_number",
                  editable=on_behalf, masked=True, max_length=18),
        *agent,
        FormField(id="phone", label="联系电话", label_en="Phone", type="phone"),
        FormField(id="delivery", label="结果领取方式", label_en="How to get the result",
                  type="choice", choices=_choices(delivery)),
        FormField(id="address", label="邮寄地址", label_en="Postal address", type="address",
                  prefill="address", max_length=80,
                  when="delivery=mail"),
    )


def fields_of(entry: Entry, on_behalf: bool = False,
              cabinet: str = "") -> tuple[FormField, ...]:
    base = default_fields(entry, on_behalf, cabinet)
    own = [f for f in entry.form if f.id not in {b.id for b in base}]
    split = 3 if on_behalf else 2  # who applies first, then the entry's own fields
    return (*base[:split], *own, *base[split:])


def check(f: FormField, value: str, today: date) -> str:
    """The error key for ``value`` in field ``f`` ("" when it is right)."""
    value = value.strip()
    if not value:
        return "apply.error.required" if f.required else ""
    if _CONTROL.search(value) or len(value) > f.max_length:
        return "apply.error.too_long"
    if f.type == "phone" and not (_MOBILE.match(value) or _LANDLINE.match(value)):
        return "apply.error.phone"
    if f.type == "number" and not value.isdigit():
        return "apply.error.number"
    if f.type == "id_number" and not check_id_number(value):
        return "apply.error.id_number"
    if f.type == "date":
        try:
            d = date.fromisoformat(value)
        except ValueError:
            return "apply.error.date"
        if d > today:
            return "apply.error.future"
    if f.type == "choice" and value not in {c.value for c in f.choices}:
        return "apply.error.choice"
    return ""


def add_working_days(start: date, days: int) -> date:
    d = start
    while days > 0:
        d += timedelta(days=1)
        if d.weekday() < 5:
            days -= 1
    return d


@dataclass
class Slot:
    """One material of the application and what happens to it."""

    name: str
    name_en: str
    necessity: str
    status: MaterialStatus
    deferrable: bool
    copies: int
    type: str
    licence: str = ""  # 电子证照 the platform confirmed it holds (its number)
    pledgeable: bool = False  # 告知承诺制: a signed promise may stand in for it

    @property
    def id_card(self) -> bool:
        """An ID card: photographed front and back, kept as one 复印件 page."""
        return "身份证" in self.name

    @property
    def portrait(self) -> bool:
        """A photo of a person (证件照): taken in photo mode, colours kept as they are."""
        return "照片" in self.name


class CaseMaterial(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    status: MaterialStatus
    deadline: date | None = None  # 容缺: by when it must be handed in
    attachment: str = ""  # 拍照: the SHA-256 of its PDF among the case's attachments
    pages: int = 0
    licence: str = ""  # 免提交: the 电子证照 number the platform confirmed


class CaseForm(BaseModel):
    """The case as the platform receives it (the outbox seals it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    entry: str  # the catalog id of the item or bundle
    entry_name: str
    items: tuple[str, ...]  # the items applied for (a bundle's members)
    case_number: str
    applicant: dict[str, str]  # name, id_number (the case is encrypted at rest and in sync)
    agent: dict[str, str] = Field(default_factory=dict)  # 代办: name, id_number, relation
    fields: dict[str, str]
    materials: tuple[CaseMaterial, ...]
    conditions_confirmed: tuple[str, ...]
    promise_signed: bool = False  # 承诺书 (容缺 and/or 告知承诺) signed
    signature: str = ""  # the signed promise: SHA-256 of its PNG among the attachments
    submitted_at: datetime
    promised_by: date
    terminal: str = Field(min_length=1)


@dataclass
class Application:
    entry: Entry
    who: Identity
    today: date
    fields: tuple[FormField, ...] = ()
    values: dict[str, str] = field(default_factory=dict)
    slots: list[Slot] = field(default_factory=list)
    conditions_confirmed: list[str] = field(default_factory=list)
    promise_signed: bool = False
    on_behalf: bool = False  # 帮代办: ``who`` is the agent, the applicant is in the form

    @classmethod
    def start(cls, entry: Entry, who: Identity, today: date, on_behalf: bool = False,
              cabinet: str = "") -> Application:
        """``who``: the card read — the applicant, or with ``on_behalf`` the agent."""
        app = cls(entry, who, today, fields_of(entry, on_behalf, cabinet),
                  on_behalf=on_behalf)
        prefill = {"name": who.name, "id_number": who.id_number, "address": who.address,
                   "nation": who.nation, "birth": who.birth.isoformat() if who.birth else ""}
        if on_behalf:  # 代办: nothing on the agent's card is the applicant's
            prefill = {}
        for f in app.fields:
            app.values[f.id] = prefill.get(f.prefill, "") if f.prefill else ""
            if f.type == "choice" and len(f.choices) == 1:  # no choice to make
                app.values[f.id] = f.choices[0].value
        for m in entry.materials:
            status: MaterialStatus = ("e_license" if m.e_license else
                                      "not_needed" if m.necessity == "optional" else "counter")
            app.slots.append(Slot(m.name, m.name_en, m.necessity, status, m.deferrable,
                                  m.copies, m.type, pledgeable=m.promise_allowed))
        return app

    # --- the form ------------------------------------------------------------------------
    def shown(self, f: FormField) -> bool:
        if not f.when:
            return True
        key, _, want = f.when.partition("=")
        return self.values.get(key) == want

    def visible_fields(self) -> list[FormField]:
        return [f for f in self.fields if self.shown(f)]

    def field(self, field_id: str) -> FormField:
        return next(f for f in self.fields if f.id == field_id)

    def set(self, field_id: str, value: str) -> str:
        """Set a field; returns its error key ("" if right). Read-only fields stay."""
        f = self.field(field_id)
        if not f.editable:
            return "apply.error.read_only"
        self.values[field_id] = value.strip().upper() if f.type == "id_number" \
            else value.strip()
        return self._check(f)

    def _check(self, f: FormField) -> str:
        err = check(f, self.values.get(f.id, ""), self.today)
        if not err and f.id == "applicant_id" and self.on_behalf \
                and self.values.get(f.id) == self.who.id_number:
            return "apply.error.same_person"  # 代办 is for someone else
        return err

    def errors(self) -> dict[str, str]:
        return {f.id: err for f in self.visible_fields() if (err := self._check(f))}

    @property
    def applicant_name(self) -> str:
        return self.values.get("applicant_name", "") if self.on_behalf else self.who.name

    @property
    def applicant_id(self) -> str:
        return self.values.get("applicant_id", "") if self.on_behalf else self.who.id_number

    def display(self, f: FormField) -> str:
        value = self.values.get(f.id, "")
        if f.masked:
            return mask_id_number(value) if value else ""
        if f.type == "choice":
            return next((c.label for c in f.choices if c.value == value), value)
        return value

    # --- materials -----------------------------------------------------------------------
    def toggle_defer(self, index: int) -> None:
        """容缺 ↔ 窗口核验, for a material the catalog lets be handed in later."""
        slot = self.slots[index]
        if slot.deferrable and slot.status in ("counter", "deferred", "photo"):
            slot.status = "counter" if slot.status == "deferred" else "deferred"
        self.promise_signed = False  # what is promised changed: signed again

    def toggle_pledge(self, index: int) -> None:
        """告知承诺 ↔ 窗口核验, for a material the catalog lets a signed promise replace."""
        slot = self.slots[index]
        if slot.pledgeable and slot.status in ("counter", "pledged", "photo"):
            slot.status = "counter" if slot.status == "pledged" else "pledged"
        self.promise_signed = False
    def licences_found(self, found: list[dict[str, str]]) -> None:
        """The platform's answer on 电子证照: a material it holds is received (免提交); one
        it does not hold is asked for like any other (窗口核验, 拍照, 容缺)."""
        held = {f["material"]: f["number"] for f in found}
        for slot in self.slots:
            if slot.status == "e_license":
                if slot.name in held:
                    slot.licence = held[slot.name]
                else:
                    slot.status = "counter"

    def deferred(self) -> list[Slot]:
        return [s for s in self.slots if s.status == "deferred"]

    def pledged(self) -> list[Slot]:
        return [s for s in self.slots if s.status == "pledged"]

    def needs_promise(self) -> bool:
        return bool(self.deferred() or self.pledged())

    def promise_text(self) -> str:
        """承诺书: 容缺受理 (what is missing and by when) and 告知承诺 (what the promise stands
        in for) — what the citizen signs: the words of the record, not the screen's."""
        who = f"本人（{mask_name(self.who.name)}）受申请人委托代为" if self.on_behalf else "本人"
        parts = [f"{who}申请办理“{self.entry.name}”。"]
        if self.deferred():
            names = "、".join(s.name for s in self.deferred())
            d = self.defer_deadline
            parts.append(f"容缺受理：以下材料暂缺：{names}。承诺于{d.year}年{d.month}月{d.day}"
                         "日前补交，逾期未补交的，同意按不予办理处理。")
        if self.pledged():
            names = "、".join(s.name for s in self.pledged())
            parts.append(f"告知承诺：本人已知晓办理条件和要求，承诺符合条件，{names}所载事项"
                         "真实，以本承诺代替提交；承诺不实的，行政机关可依法撤销办理结果，"
                         "并记入信用记录。")
        parts.append("所提交信息真实有效，如有虚假，愿承担相应法律责任。")
        return "".join(parts)

    @property
    def defer_deadline(self) -> date:
        return add_working_days(self.today, DEFER_DAYS)

    @property
    def promised_by(self) -> date:
        return add_working_days(self.today, self.entry.promised_days)

    # --- the case ------------------------------------------------------------------------
    def case_form(self, terminal: str, now: datetime,
                  attachments: dict[int, tuple[str, int]] | None = None,
                  signature: str = "") -> CaseForm:
        """The case; ``attachments``: slot index → (SHA-256 of its PDF, pages);
        ``signature``: the SHA-256 of the signed promise's PNG."""
        attachments = attachments or {}
        if self.errors():
            raise ValueError(f"the form has errors: {sorted(self.errors())}")
        if self.needs_promise() and not self.promise_signed:
            raise ValueError("容缺 and 告知承诺 need the signed promise")
        members = getattr(self.entry, "members", (self.entry.id,))
        return CaseForm(
            entry=self.entry.id, entry_name=self.entry.name, items=tuple(members),
            case_number=f"{terminal}-{now:%Y%m%d}-{uuid.uuid4().hex[:6].upper()}",
            applicant={"name": self.applicant_name, "id_number": self.applicant_id},
            agent={"name": self.who.name, "id_number": self.who.id_number,
                   "relation": self.values.get("agent_relation", "")} if self.on_behalf else {},
            fields={f.id: self.values.get(f.id, "") for f in self.visible_fields()
                    if f.id not in ("applicant_name", "applicant_id", "agent_relation")},
            materials=tuple(CaseMaterial(
                name=s.name, status=s.status,
                deadline=self.defer_deadline if s.status == "deferred" else None,
                attachment=attachments.get(i, ("", 0))[0],
                pages=attachments.get(i, ("", 0))[1], licence=s.licence)
                for i, s in enumerate(self.slots)),
            conditions_confirmed=tuple(self.conditions_confirmed),
            promise_signed=self.promise_signed, signature=signature, submitted_at=now,
            promised_by=self.promised_by, terminal=terminal)

    def masked_applicant(self) -> str:
        return mask_name(self.applicant_name)

    def masked_agent(self) -> str:
        """代办人 as the receipt and review say it ("" for one's own application)."""
        if not self.on_behalf:
            return ""
        f = self.field("agent_relation")
        return f"{mask_name(self.who.name)}（{self.display(f)}）"

    def summary(self) -> dict[str, Any]:
        return {"entry": self.entry.id, "fields": len(self.visible_fields()),
                "materials": [s.status for s in self.slots]}


def _pages_of(slot: Slot, pages: list[bytearray]) -> list[bytes]:
    """The pages a material's PDF is made of: an ID card's front and back become the one
    身份证复印件 page a counter expects (both sides at true size on A4)."""
    if slot.id_card and len(pages) == 2:
        front, back = (cv2.imdecode(np.frombuffer(bytes(p), np.uint8), cv2.IMREAD_COLOR)
                       for p in pages)
        return [encode_jpeg(id_copy_page(front, back), A4.dpi)]
    return [bytes(p) for p in pages]


def save_case(outbox: CaseOutbox, app: Application, slot_pages: dict[int, list[bytearray]],
              signature: tuple[bytes, list[Any]] | None, terminal: str,
              now: datetime) -> tuple[CaseForm, str]:
    """提交: the photographed materials as one PDF each, the case that names them, then each
    PDF and the signed promise (sealed) and the case finalized — all in the outbox before
    anything is printed, so a crash after the tap loses nothing. Returns the case and its
    outbox id. Off the GUI thread."""
    pages = {i: _pages_of(s, slot_pages[i])
             for i, s in enumerate(app.slots) if s.status == "photo" and slot_pages.get(i)}
    pdfs = {i: pages_pdf(p, title=app.slots[i].name) for i, p in pages.items()}
    png, strokes = signature or (b"", [])
    case = app.case_form(terminal, now, {
        i: (hashlib.sha256(pdf).hexdigest(), len(pages[i])) for i, pdf in pdfs.items()},
        hashlib.sha256(png).hexdigest() if png else "")
    uuid_ = outbox.create_case(f"apply:{app.entry.id}", case.model_dump(mode="json"))
    for i, pdf in pdfs.items():
        outbox.add_attachment(uuid_, pdf, "application/pdf", f"material:{i}")
    if png:  # the signed promise: its picture and the strokes it was drawn with
        outbox.add_attachment(uuid_, png, "image/png", "signature")
        outbox.add_attachment(uuid_, json.dumps(strokes).encode(), "application/json",
                              "signature-strokes")
    outbox.finalize(uuid_)
    log.info("application %s for %s saved as case %s", case.case_number, app.entry.id, uuid_)
    return case, uuid_

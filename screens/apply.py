"""自助申报 screens: each 受理条件 as a yes/no question, what to do when one is not met, the
one form (a row per field, 修改 to change it), the materials, the review, and the receipt.
They show what the flow gives them (kiosk.application) and say what was tapped."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QBoxLayout, QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.i18n import tr, translator
from screens.theme import AMBER, Theme
from screens.widgets import Screen, button, label


def _empty(grid: QGridLayout) -> None:
    """Take every row out of ``grid`` before it is filled again."""
    while grid.count():
        w = grid.takeAt(0).widget()
        if w is not None:
            w.setParent(None)
            w.deleteLater()


class ConditionScreen(Screen):
    """受理条件 n of N: the condition in big type, 是 / 不符合."""

    name = "apply_condition"
    help_key = "apply.help.apply_condition"
    answered = Signal(bool)

    def __init__(self) -> None:
        super().__init__()
        self._n, self._total, self._text = 1, 1, ""
        lay = QVBoxLayout(self)
        lay.setContentsMargins(80, 40, 80, 40)
        lay.setSpacing(28)
        self.title = label("Title")
        self.condition = label("")
        self.condition.setObjectName("Condition")
        self.question = label("Hint")
        self.yes = button(primary=True)
        self.no = button()
        self.yes.clicked.connect(lambda: self.answered.emit(True))
        self.no.clicked.connect(lambda: self.answered.emit(False))
        row = QHBoxLayout()
        row.setSpacing(32)
        row.addWidget(self.no)
        row.addWidget(self.yes)
        lay.addWidget(self.title)
        lay.addStretch(1)
        lay.addWidget(self.condition)
        lay.addWidget(self.question)
        lay.addStretch(1)
        lay.addLayout(row)
        self.retranslate()

    def apply_theme(self, theme: Theme) -> None:
        super().apply_theme(theme)
        self.condition.setStyleSheet(f"font-size: {theme.px(44)}px; font-weight: bold;")

    def show_condition(self, n: int, total: int, text: str) -> None:
        self._n, self._total, self._text = n, total, text
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(tr("apply.condition_title", n=self._n, total=self._total))
        self.condition.setText(self._text)
        self.question.setText(tr("apply.condition_question"))
        self.yes.setText(tr("apply.yes"))
        self.no.setText(tr("apply.no"))


class RefusedScreen(Screen):
    """A 受理条件 not met: what it was, where to go and whom to call — never a dead end."""

    name = "apply_refused"
    help_key = "apply.help.apply_condition"

    def __init__(self) -> None:
        super().__init__()
        self._values: dict[str, str] = {"condition": "", "location": "", "phone": ""}
        lay = QVBoxLayout(self)
        lay.setContentsMargins(80, 60, 80, 60)
        lay.setSpacing(32)
        self.title = label("Title")
        self.text = label("")
        self.where = label("Hint")
        lay.addStretch(1)
        for w in (self.title, self.text, self.where):
            w.setAlignment(Qt.AlignmentFlag.AlignCenter)
            lay.addWidget(w)
        lay.addStretch(1)
        self.retranslate()

    def show_refusal(self, condition: str, location: str, phone: str) -> None:
        self._values = {"condition": condition, "location": location, "phone": phone}
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(tr("apply.refused_title"))
        self.text.setText(tr("apply.refused_text", condition=self._values["condition"]))
        self.where.setText(tr("apply.refused_where", location=self._values["location"],
                              phone=self._values["phone"]))


class _RowsScreen(Screen):
    """A screen of rows a page at a time (the form's fields, the materials) in a grid whose
    row widgets are made once for a page size, an orientation and a look, then only filled:
    making a page's labels and buttons anew at each change held the event loop for tens of
    milliseconds."""

    grid: QGridLayout
    portrait: bool

    def __init__(self) -> None:
        super().__init__()
        self._slots: list[dict[str, Any]] = []  # a page's row widgets, filled by rebuild
        self._made_for: object = None  # (rows a page, portrait, theme) they were made for

    def _make_slot(self, n: int) -> dict[str, Any]:
        raise NotImplementedError

    def _keep_slots(self, per: int) -> None:
        key = (per, self.portrait, self.theme)
        if self._made_for == key:
            return
        _empty(self.grid)
        self._slots = [self._make_slot(i) for i in range(per)]
        self.grid.setColumnStretch(0, 1)
        for row in range(self.grid.rowCount()):
            self.grid.setRowStretch(row, 0)
        self.grid.setRowStretch(per, 1)
        self._made_for = key


class FormScreen(_RowsScreen):
    """一表申请: a row per field — its name, what it holds (or 未填写), what is wrong with it
    in plain words beside it, and 修改 where it may be changed. A page at a time."""

    name = "apply_form"
    help_key = "apply.help.apply_form"
    edit_requested = Signal(str)
    next_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []  # id, label, label_en, value, error, editable
        self.page = 0
        self.portrait = False
        self.edit_buttons: dict[str, Any] = {}
        self.error_labels: dict[str, Any] = {}
        self._value_style = self._empty_style = ""
        lay = QVBoxLayout(self)
        lay.setContentsMargins(60, 24, 60, 20)
        lay.setSpacing(14)
        self.title = label("Title")
        self.box = QWidget()
        self.grid = QGridLayout(self.box)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(20)
        self.grid.setVerticalSpacing(10)
        nav = QHBoxLayout()
        self.prev = button()
        self.more = button()
        self.next = button(primary=True)
        self.prev.clicked.connect(lambda: self._turn(-1))
        self.more.clicked.connect(lambda: self._turn(1))
        self.next.clicked.connect(self.next_requested.emit)
        nav.addWidget(self.prev)
        nav.addWidget(self.more)
        nav.addStretch(1)
        nav.addWidget(self.next)
        lay.addWidget(self.title)
        lay.addWidget(self.box, 1)
        lay.addLayout(nav)

    def per_page(self) -> int:
        if self.theme.elder:  # larger rows; a long address takes two or three lines
            return 5 if self.portrait else 3
        return 8 if self.portrait else 4

    def set_portrait(self, portrait: bool) -> None:
        self.portrait = portrait
        self.page = 0
        self.rebuild()

    def pages(self) -> int:
        return max(1, -(-len(self.rows) // self.per_page()))

    def apply_theme(self, theme: Theme) -> None:
        super().apply_theme(theme)
        self.page = min(self.page, self.pages() - 1)
        self.rebuild()

    def show_rows(self, rows: list[dict[str, Any]], page: int | None = None) -> None:
        self.rows = rows
        if page is not None:
            self.page = page
        self.page = min(self.page, self.pages() - 1)
        self.rebuild()

    def page_of(self, field_id: str) -> int:
        i = next(i for i, r in enumerate(self.rows) if r["id"] == field_id)
        return i // self.per_page()

    def _turn(self, step: int) -> None:
        self.page = min(max(0, self.page + step), self.pages() - 1)
        self.rebuild()

    def rebuild(self) -> None:
        """Show this page's rows (see _RowsScreen)."""
        per = self.per_page()
        self._keep_slots(per)
        self.edit_buttons, self.error_labels = {}, {}
        lang = translator.language
        page = self.rows[self.page * per:(self.page + 1) * per]
        for i, slot in enumerate(self._slots):
            r = page[i] if i < len(page) else None
            slot["field"] = r["id"] if r else ""
            slot["holder"].setVisible(r is not None)
            slot["edit"].setVisible(r is not None and bool(r["editable"]))
            if r is None:
                continue
            slot["name"].setText(r["label_en"] if lang == "en" else r["label"])
            slot["value"].setText(r["value"] or tr("apply.form_empty"))
            style = self._value_style + ("" if r["value"] else self._empty_style)
            if slot["value"].styleSheet() != style:  # a restyle is not free: only on change
                slot["value"].setStyleSheet(style)
            slot["error"].setText(tr(r["error"]) if r["error"] else "")
            slot["error"].setVisible(bool(r["error"]))
            slot["edit"].setText(tr("apply.form_edit"))
            self.error_labels[r["id"]] = slot["error"]
            if r["editable"]:
                self.edit_buttons[r["id"]] = slot["edit"]
        self.retranslate_nav()

    def _make_slot(self, i: int) -> dict[str, Any]:
        """One row's widgets: the field's name above what it holds, what is wrong beside it
        (landscape) or under it (portrait) — a long name or address wraps instead of pushing
        修改 off a narrow screen, and a page of wrong fields still fits a wide one."""
        muted = self.theme.colours.muted  # 未填写 says itself; grey only as well
        self._value_style = f"font-size: {self.theme.px(34)}px; font-weight: bold;"
        self._empty_style = f" color: {muted};"
        name = label("FieldName", "", wrap=True)
        name.setStyleSheet(f"font-size: {self.theme.px(26)}px; color: {muted};")
        value = label("", "")
        error = label("Error", "")
        holder = QWidget()
        cell = QVBoxLayout(holder)
        cell.setSpacing(2)
        cell.setContentsMargins(0, 0, 0, 0)
        cell.addWidget(name)
        line = QBoxLayout(QBoxLayout.Direction.TopToBottom if self.portrait
                          else QBoxLayout.Direction.LeftToRight)
        line.setSpacing(2 if self.portrait else 24)
        line.addWidget(value, 1)
        line.addWidget(error, 1)
        cell.addLayout(line)
        edit = button()
        slot: dict[str, Any] = {"holder": holder, "name": name, "value": value,
                                "error": error, "edit": edit, "field": ""}
        edit.clicked.connect(lambda _=False: self.edit_requested.emit(slot["field"]))
        self.grid.addWidget(holder, i, 0)
        self.grid.addWidget(edit, i, 1)
        return slot

    def retranslate_nav(self) -> None:
        self.title.setText(tr("apply.form_title", page=self.page + 1, pages=self.pages()))
        self.prev.setText(tr("apply.form_prev"))
        self.more.setText(tr("apply.form_more"))
        self.next.setText(tr("apply.form_next"))
        self.prev.setVisible(self.pages() > 1)
        self.more.setVisible(self.pages() > 1)
        self.prev.setEnabled(self.page > 0)
        self.more.setEnabled(self.page < self.pages() - 1)

    def retranslate(self) -> None:
        self.rebuild()


class MaterialsScreen(_RowsScreen):
    """申请材料: each with what happens to it; a 容缺 material switches between 容缺后补 and
    窗口核验; with any deferred, the promise is confirmed before going on."""

    name = "apply_materials"
    help_key = "apply.help.apply_materials"
    toggle_requested = Signal(int)
    photo_requested = Signal(int)
    promise_toggled = Signal()
    pledge_requested = Signal(int)
    next_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []  # name, name_en, status, deadline, deferrable
        self.promised = False
        self.toggles: dict[int, Any] = {}
        self.photos: dict[int, Any] = {}
        self.page = 0
        self.portrait = False
        self._status_style = self._promised_style = ""
        lay = QVBoxLayout(self)
        lay.setContentsMargins(60, 24, 60, 20)
        lay.setSpacing(12)
        self.title = label("Title")
        self.box = QWidget()
        self.grid = QGridLayout(self.box)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(20)
        self.grid.setVerticalSpacing(8)
        self.promise = button()
        self.promise.clicked.connect(self.promise_toggled.emit)
        self.prev = button()
        self.more = button()
        self.prev.clicked.connect(lambda: self._turn(-1))
        self.more.clicked.connect(lambda: self._turn(1))
        self.next = button(primary=True)
        self.next.clicked.connect(self.next_requested.emit)
        nav = QHBoxLayout()
        nav.addWidget(self.prev)
        nav.addWidget(self.more)
        nav.addStretch(1)
        nav.addWidget(self.next)
        lay.addWidget(self.title)
        lay.addWidget(self.box, 1)
        lay.addWidget(self.promise)
        lay.addLayout(nav)

    def per_page(self) -> int:
        if self.theme.elder:  # a material's name and what happens to it, in big type
            return 3 if self.portrait else 2
        return 8 if self.portrait else 5

    def pages(self) -> int:
        return max(1, -(-len(self.rows) // self.per_page()))

    def _turn(self, step: int) -> None:
        self.page = min(max(0, self.page + step), self.pages() - 1)
        self.rebuild()

    def set_portrait(self, portrait: bool) -> None:
        self.portrait = portrait
        self.page = 0
        self.rebuild()

    def show_materials(self, rows: list[dict[str, Any]], promised: bool) -> None:
        self.rows, self.promised = rows, promised
        self.rebuild()

    def apply_theme(self, theme: Theme) -> None:
        super().apply_theme(theme)
        self.rebuild()

    def rebuild(self) -> None:
        """Show this page's materials (see _RowsScreen)."""
        self.page = min(self.page, self.pages() - 1)
        per = self.per_page()
        self._keep_slots(per)
        self.toggles, self.photos = {}, {}
        lang = translator.language
        first = self.page * per
        for n, slot in enumerate(self._slots):
            i = first + n
            r = self.rows[i] if i < len(self.rows) else None
            slot["row"] = i
            slot["holder"].setVisible(r is not None)
            if r is None:
                slot["actions"].setVisible(False)
                continue
            slot["name"].setText(r["name_en"] if lang == "en" else r["name"])
            key = "e_license_held" if r["status"] == "e_license" and r.get("licence") \
                else r["status"]
            slot["status"].setText(tr(f"apply.material_{key}", deadline=r["deadline"],
                                      n=r.get("pages", 0), number=r.get("licence", "")))
            promised = r["status"] in ("deferred", "pledged")
            style = self._promised_style if promised else self._status_style
            if slot["status"].styleSheet() != style:
                slot["status"].setStyleSheet(style)
            photo = bool(r.get("photo"))
            defer = bool(r["deferrable"]) and r["status"] in ("counter", "deferred", "photo")
            pledge = bool(r.get("pledgeable")) and r["status"] in ("counter", "pledged", "photo")
            slot["photo"].setVisible(photo)
            slot["defer"].setVisible(defer)
            slot["pledge"].setVisible(pledge)
            slot["actions"].setVisible(photo or defer or pledge)
            if photo:
                slot["photo"].setText(tr("apply.rephoto_button" if r["status"] == "photo"
                                         else "apply.photo_button"))
                self.photos[i] = slot["photo"]
            if defer:
                slot["defer"].setText(tr("apply.material_undefer" if r["status"] == "deferred"
                                         else "apply.material_defer"))
                self.toggles[i] = slot["defer"]
            if pledge:
                slot["pledge"].setText(tr("apply.material_unpledge" if r["status"] == "pledged"
                                          else "apply.material_pledge"))
                self.toggles[i] = slot["pledge"]
        promised = any(r["status"] in ("deferred", "pledged") for r in self.rows)
        self.title.setText(tr("apply.materials_title_paged", page=self.page + 1,
                              pages=self.pages()) if self.pages() > 1
                           else tr("apply.materials_title"))
        self.prev.setText(tr("apply.form_prev"))
        self.more.setText(tr("apply.form_more"))
        for b in (self.prev, self.more):
            b.setVisible(self.pages() > 1)
        self.prev.setEnabled(self.page > 0)
        self.more.setEnabled(self.page < self.pages() - 1)
        self.promise.setVisible(promised)
        self.promise.setProperty("primary", False)
        self.promise.setText(tr("apply.promise_signed" if self.promised else "apply.promise"))
        self.next.setText(tr("apply.materials_next"))
        self.next.setEnabled(not promised or self.promised)

    def _make_slot(self, n: int) -> dict[str, Any]:
        """One material's row: its name and what happens to it, and its buttons (拍照,
        容缺, 告知承诺), each shown only where the material allows it."""
        small = self.theme.px(26)
        self._status_style = f"font-size: {small}px; color: {self.theme.colours.muted};"
        self._promised_style = f"font-size: {small}px; color: {AMBER};"
        name = label("", "")
        name.setStyleSheet(f"font-size: {self.theme.px(30)}px; font-weight: bold;")
        status = label("", "")
        holder = QWidget()
        cell = QVBoxLayout(holder)
        cell.setSpacing(0)
        cell.setContentsMargins(0, 0, 0, 0)
        cell.addWidget(name)
        cell.addWidget(status)
        cell.addStretch(1)  # a row taller than its words keeps them together
        actions = QWidget()
        row = QHBoxLayout(actions)
        row.setSpacing(12)
        row.setContentsMargins(0, 0, 0, 0)
        slot: dict[str, Any] = {"holder": holder, "name": name, "status": status,
                                "actions": actions, "row": 0}
        for part, signal in (("photo", self.photo_requested),
                             ("defer", self.toggle_requested),
                             ("pledge", self.pledge_requested)):
            b = button()
            b.clicked.connect(lambda _=False, sig=signal: sig.emit(slot["row"]))
            row.addWidget(b)
            slot[part] = b
        self.grid.addWidget(holder, n, 0)
        self.grid.addWidget(actions, n, 1)
        return slot

    def retranslate(self) -> None:
        self.rebuild()


class ReviewScreen(Screen):
    """核对: everything in one place, then 提交 (once)."""

    name = "apply_review"
    help_key = "apply.help.apply_review"
    submit_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._values: dict[str, Any] = {}
        self.busy = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(60, 24, 60, 20)
        lay.setSpacing(12)
        self.title = label("Title")
        self.text = label("")
        self.fields = label("Hint")
        self.materials = label("Hint")
        self.error = label("Error")
        self.submit = button(primary=True)
        self.submit.clicked.connect(self.submit_requested.emit)
        # Landscape: what, who and 提交 on the left, the form's fields on the right;
        # portrait: the fields above the rest.
        self.body = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.body.setSpacing(48)
        left = QVBoxLayout()
        left.addWidget(self.text)
        left.addWidget(self.materials)
        left.addStretch(1)
        left.addWidget(self.error)
        left.addWidget(self.submit)
        self.body.addLayout(left, 1)
        self.body.addWidget(self.fields, 1, Qt.AlignmentFlag.AlignTop)
        lay.addWidget(self.title)
        lay.addLayout(self.body, 1)

    def set_portrait(self, portrait: bool) -> None:
        d = QBoxLayout.Direction  # portrait: the fields first, 提交 last
        self.body.setDirection(d.BottomToTop if portrait else d.LeftToRight)

    def show_review(self, values: dict[str, Any]) -> None:
        self._values, self.busy = values, False
        self.error.setText("")
        self.retranslate()

    def show_busy(self) -> None:
        self.busy = True
        self.retranslate()

    def show_error(self, code: str) -> None:
        self.busy = False
        self.error.setText(tr("apply.error.not_saved", code=code))
        self.retranslate()

    def retranslate(self) -> None:
        v = self._values
        lang = translator.language
        self.title.setText(tr("apply.review_title"))
        if v:
            self.fields.setText("\n".join(
                f"{(f['label_en'] if lang == 'en' else f['label'])}：{f['value']}"
                for f in v["fields"]))
            self.text.setText(tr("apply.review_text", entry=v["entry"][lang],
                                 applicant=v["applicant"], promised=v["promised"])
                              + (tr("apply.review_agent", agent=v["agent"])
                                 if v.get("agent") else ""))
            self.materials.setText(tr("apply.review_materials", list="、".join(
                tr(f"apply.count.{k}", n=n) for k, n in v["counts"].items() if n)))
        self.error.setVisible(bool(self.error.text()))
        self.submit.setText(tr("apply.submitting") if self.busy else tr("apply.submit"))
        self.submit.setEnabled(not self.busy)


class DoneScreen(Screen):
    """已受理: the case number in big type, the receipt's state, 完成."""

    name = "apply_done"
    help_key = "apply.help.apply_done"
    finished = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._case, self._state, self._online = "", "printing", True
        lay = QVBoxLayout(self)
        lay.setContentsMargins(80, 60, 80, 60)
        lay.setSpacing(28)
        self.title = label("Title")
        self.case = label("")
        self.status = label("")
        self.offline = label("Hint")
        self.done = button(primary=True)
        self.done.clicked.connect(self.finished.emit)
        lay.addStretch(1)
        for w in (self.title, self.case, self.status, self.offline):
            w.setAlignment(Qt.AlignmentFlag.AlignCenter)
            lay.addWidget(w)
        lay.addWidget(self.done, 0, Qt.AlignmentFlag.AlignCenter)
        lay.addStretch(1)

    def apply_theme(self, theme: Theme) -> None:
        super().apply_theme(theme)
        self.case.setStyleSheet(f"font-size: {theme.px(44)}px; font-weight: bold; "
                                f"color: {theme.colours.blue};")

    def show_case(self, case: str, online: bool) -> None:
        self._case, self._state, self._online = case, "printing", online
        self.retranslate()

    def show_printed(self, error: str) -> None:
        self._state = error or "printed"
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(tr("apply.done_title"))
        self.case.setText(tr("apply.done_case", case=self._case))
        if self._state == "printing":
            self.status.setText(tr("apply.done_printing"))
        elif self._state == "printed":
            self.status.setText(tr("apply.done_printed"))
        else:
            self.status.setText(tr("apply.done_not_printed", reason=tr(f"error.{self._state}")))
        self.offline.setText(tr("apply.done_offline"))
        self.offline.setVisible(not self._online)
        self.done.setText(tr("apply.finish"))
        self.done.setEnabled(self._state != "printing")

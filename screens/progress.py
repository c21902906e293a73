"""进度查询: one case — where it is, each step with its date and what the citizen is told,
by when it is promised."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QVBoxLayout

from kiosk.i18n import tr
from screens.theme import Theme
from screens.widgets import Screen, label


class CaseScreen(Screen):
    name = "progress_case"
    help_key = "progress.help.progress_case"

    def __init__(self) -> None:
        super().__init__()
        self._case: dict[str, Any] = {}
        lay = QVBoxLayout(self)
        lay.setContentsMargins(80, 30, 80, 30)
        lay.setSpacing(18)
        self.title = label("Title")
        self.state = label("")
        self.next = label("Error")
        self.steps = label("Hint")
        self.promised = label("")
        for w in (self.title, self.state, self.next, self.steps, self.promised):
            lay.addWidget(w)
        lay.addStretch(1)

    def apply_theme(self, theme: Theme) -> None:
        super().apply_theme(theme)
        self.state.setStyleSheet(f"font-size: {theme.px(44)}px; font-weight: bold; "
                                 "color: #0B57A4;")

    def show_case(self, case: dict[str, Any]) -> None:
        self._case = case
        self.retranslate()

    def reset(self) -> None:
        self._case = {}
        self.retranslate()

    def retranslate(self) -> None:
        c = self._case
        if not c:
            for w in (self.title, self.state, self.next, self.steps, self.promised):
                w.setText("")
            return
        self.title.setText(tr("progress.case_title", entry=c["entry_name"],
                              case=c["case_number"]))
        self.state.setText(tr(f"progress.state.{c['state']}"))
        note = c["steps"][-1]["note"]
        self.next.setText(tr("progress.next_correction", note=note)
                          if c["state"] == "correction" else "")
        self.next.setVisible(c["state"] == "correction")
        self.steps.setText("\n".join(
            tr("progress.step", at=s["at"][:10], state=tr(f"progress.state.{s['state']}"),
               note=f"：{s['note']}" if s["note"] else "") for s in c["steps"]))
        self.promised.setText(tr("progress.promised", date=c["promised_by"])
                              if c["state"] not in ("done", "rejected") else "")

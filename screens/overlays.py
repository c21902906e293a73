"""Modal questions drawn over the whole window: the idle question and help."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.i18n import tr
from screens.widgets import button, label

MAX_DIALOG_WIDTH = 1200
SCREEN_MARGIN = 40


class Overlay(QFrame):
    """A dimmed layer over the parent with one centred dialog."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("Overlay")
        outer = QVBoxLayout(self)
        outer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.dialog = QFrame()
        self.dialog.setObjectName("Dialog")
        self.body = QVBoxLayout(self.dialog)
        self.body.setContentsMargins(56, 48, 56, 48)
        self.body.setSpacing(28)
        outer.addWidget(self.dialog)
        self.hide()

    def open(self) -> None:
        self.setGeometry(self.parentWidget().rect())
        self.fit_dialog()
        self.raise_()
        self.show()

    def fit_dialog(self) -> None:
        """Size the dialog for its wrapped text at the width the screen allows: a layout
        centring a word-wrapped dialog would give it the height of some other width."""
        room = self.parentWidget().size()
        width = min(MAX_DIALOG_WIDTH, room.width() - 2 * SCREEN_MARGIN)
        self.dialog.setFixedWidth(width)
        layout = self.dialog.layout()
        layout.activate()
        height = layout.totalHeightForWidth(width) if layout.hasHeightForWidth() \
            else layout.totalSizeHint().height()
        self.dialog.setFixedHeight(min(height, room.height() - 2 * SCREEN_MARGIN))


class IdleOverlay(Overlay):
    """还需要更多时间吗? — with the seconds left before everything is cleared."""

    keep = Signal()
    leave = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.title = label("Title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text = label("")
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        row = QHBoxLayout()
        row.setSpacing(32)
        self.keep_btn = button(primary=True)
        self.leave_btn = button()
        self.keep_btn.clicked.connect(self.keep.emit)
        self.leave_btn.clicked.connect(self.leave.emit)
        row.addWidget(self.keep_btn, 1)
        row.addWidget(self.leave_btn, 1)
        self.body.addWidget(self.title)
        self.body.addWidget(self.text)
        self.body.addLayout(row)
        self.set_seconds(0)

    def set_seconds(self, s: int) -> None:
        self.title.setText(tr("idle.title"))
        self.text.setText(tr("idle.text", s=s))
        self.keep_btn.setText(tr("idle.keep"))
        self.leave_btn.setText(tr("idle.leave"))


class HelpOverlay(Overlay):
    video_help = Signal()  # the citizen asks for a person by video (视频咨询)
    call_staff = Signal()  # 呼叫工作人员 (a village machine): staff are alerted

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.title = label("Title")
        self.text = label("")
        self.contact = label("Hint")
        self.ok = button(primary=True)
        self.ok.clicked.connect(self.hide)
        self.video = button()
        self.video.clicked.connect(self._video)
        self.call = button()
        self.call.clicked.connect(self.call_staff.emit)
        self.call_state = label("Status")  # what became of the call for staff
        self.call_state.hide()
        # The people to ask beside 知道了; both of them (a village machine with video
        # help) on a line of their own, so that no word is cut.
        self.people = QHBoxLayout()
        self.people.setSpacing(32)
        self.people.addWidget(self.call, 1)
        self.people.addWidget(self.video, 1)
        self.people.addWidget(self.ok, 1)
        self.body.addWidget(self.title)
        self.body.addWidget(self.text)
        self.body.addWidget(self.contact)
        self.body.addWidget(self.call_state)
        self.body.addLayout(self.people)

    def _video(self) -> None:
        self.hide()
        self.video_help.emit()

    def show_help(self, help_key: str, mode: str, phone: str, video: bool = False) -> None:
        """``video``: offer 视频咨询 here (configured, and nothing is being saved now). A
        village machine also offers 呼叫工作人员."""
        self.video.setVisible(video)
        self.video.setText(tr("video.help_button"))
        self.call.setVisible(mode == "village")
        self.call.setText(tr("help.call_staff"))
        both = video and mode == "village"
        in_row = self.people.indexOf(self.ok) >= 0
        if both == in_row:  # move 知道了: under both people, or beside one
            (self.people if in_row else self.body).removeWidget(self.ok)
            if both:
                self.body.addWidget(self.ok, 0, Qt.AlignmentFlag.AlignHCenter)
            else:
                self.people.addWidget(self.ok, 1)
        self.title.setText(tr("help.title"))
        self.text.setText(tr(help_key))
        if mode == "village":
            self.contact.setText(tr("help.contact_phone", phone=phone) if phone
                                 else tr("help.contact_none"))
        else:
            self.contact.setText(tr("help.contact_staff"))
        self.ok.setText(tr("help.ok"))
        self.open()

    def show_call(self, state: str, message: str) -> None:
        """The call for staff: waiting (已通知工作人员) or answered (their words)."""
        self.call_state.setVisible(bool(state))
        if state == "waiting":
            self.call_state.setText(tr("help.call_waiting"))
        elif state == "answered":
            self.call_state.setText(tr("help.call_answered", message=message))
        self.call.setEnabled(state != "waiting")
        if self.isVisible():
            self.fit_dialog()

"""Care for those who need it most, joined to the window (``KioskWindow.care``):

- **Voice** (语音播报): whatever the screen shows (its title, an error, an overlay's question)
  is said as soon as it shows, a new prompt cutting the old; 🔊 重听 says it again. On by
  default in elder mode and at village stations, and for the rest of a visit once the
  citizen taps 重听.
- **Adaptive time**: elder mode starts with 1.5× the idle time; a citizen who needed
  还需要更多时间吗? once gets twice their time for the rest of the visit. The clock stands
  still while a finger is down or a keyboard is open (for at most ``HOLD_LIMIT``: a kiosk
  left with the keyboard open still forgets its citizen).
- **大字模式 offered** once a visit when the card says the holder is 70 or older.
"""

from __future__ import annotations

import logging
import threading
from datetime import date
from typing import TYPE_CHECKING

import platformdirs
import shiboken6
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtQuickWidgets import QQuickWidget
from PySide6.QtWidgets import QApplication, QPushButton

from kiosk import voice as v
from kiosk.audio import QtSink
from kiosk.config import APP_NAME
from kiosk.i18n import LANGUAGES, translator
from screens.care import ElderOfferOverlay, labels_prompt

if TYPE_CHECKING:
    from kiosk.app import KioskWindow
    from kiosk.identity import Identity
    from kiosk.session import Session

log = logging.getLogger(__name__)

ELDER_TIME = 1.5  # elder mode's idle time, × the configured one
EXTENDED_TIME = 2.0  # after 还需要更多时间吗? once, × what the citizen had
HOLD_LIMIT = 300.0  # seconds a finger down or an open keyboard can hold the idle clock
_DOWN = {QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin}
_UP = {QEvent.Type.MouseButtonRelease, QEvent.Type.TouchEnd, QEvent.Type.TouchCancel}

# The sink new windows play through; tests put a recording one here.
default_sink: type[v.AudioSink] | None = None


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


class Care(QObject):
    def __init__(self, win: KioskWindow, sink: v.AudioSink | None = None) -> None:
        super().__init__(win)
        self.win = win
        ctx = win.ctx
        config = ctx.config
        self.village = config.terminal.mode == "village"
        self.offer_age = config.terminal.elder_offer_age
        # The clips say only the catalog's words and syllables, nothing of a citizen: they
        # are kept as a cache, outside the data folder and its retention.
        engine = v.SpeechEngine(platformdirs.user_cache_path(APP_NAME) / "voice")
        if config.voice.enabled and not engine.available:
            log.warning("voice: %s is not installed; the kiosk does not speak", v.ESPEAK)
        volume = ctx.volume.value if ctx.volume is not None else config.voice.volume
        self.voice = v.Voice(engine, sink or (default_sink or QtSink)(),
                             volume=volume / 100,
                             enabled=config.voice.enabled and engine.available)
        if ctx.volume is not None:  # staff set it for the room: heard at once, and a sample
            ctx.volume.on_change(lambda value: self._alive() and self._volume_set(value))
        self._asked_for_voice = False  # this visit's citizen tapped 重听
        self._said: tuple[str, v.Prompt] | None = None  # (language, prompt) said last
        self._asked_time: object = None  # the session that was asked 还需要更多时间吗?
        self._extended: object = None  # the session given twice the time
        self._offered: object = None  # the session asked about 大字模式
        # Who said no to it, while they are at the kiosk: their card placed again (for the
        # next service) is not asked again. Kept in memory only, until the visit ends.
        self._declined = ""
        self._down = False
        self._last_input = win.clock()
        self.elder_offer = ElderOfferOverlay(win)
        self.elder_offer.answered.connect(self._offer_answered)

        footer = win.footer
        footer.set_voice_available(self.voice.enabled)
        footer.apply_theme(win.theme, win.portrait)
        footer.replay.connect(self.replay)
        footer.elder_toggled.connect(lambda _on: self._look_changed())
        win.nav.changed.connect(lambda _step: self.update_prompt())
        win.ticker.timeout.connect(self.tick)
        ctx.sessions.on_identity(lambda s: self._alive() and self._identified(s))
        ctx.sessions.on_wipe(lambda reason: self._alive() and self._new_visit(reason))
        QApplication.instance().installEventFilter(self)
        self._new_visit()
        if self.voice.enabled:
            self._prepare_in_background(engine)

    def _alive(self) -> bool:
        """The window (and this) not yet deleted: the sessions outlive a closed window."""
        return shiboken6.isValid(self) and shiboken6.isValid(self.elder_offer)

    # --- voice -------------------------------------------------------------------------
    def current_prompt(self) -> v.Prompt:
        """What the citizen is asked now: an open question first, else the screen's."""
        win = self.win
        if self.elder_offer.isVisible():
            return (v.say("care.elder_offer.title"), v.say("care.elder_offer.text"))
        if win.idle_overlay.isVisible():
            return (v.say("idle.title"),)
        if win.help_overlay.isVisible():
            h = win.help_overlay
            return tuple(v.Text(w.text()) for w in (h.title, h.text, h.contact) if w.text())
        screen = win.current
        own = getattr(screen, "voice_prompt", None)
        return own() if own is not None else labels_prompt(screen)

    def update_prompt(self) -> None:
        """Say the prompt if it is not what was said last (a new screen, a new state, another
        language); the one being said is cut."""
        prompt = self.current_prompt()
        said = (translator.language, prompt)
        if said != self._said:
            self._said = said
            self.voice.show(prompt)

    def replay(self) -> None:
        """🔊 重听: the prompt again, and the voice on for the rest of the visit."""
        self._asked_for_voice = True
        self._said = (translator.language, self.current_prompt())
        self.voice.current = self._said[1]
        self.voice.replay()

    def _volume_set(self, value: int) -> None:
        """Staff changed the volume: the screen's prompt said at the new loudness, so they
        hear what a citizen will (even where the voice is off for citizens)."""
        self.voice.volume = value / 100
        prompt = self.current_prompt()
        self._said = (translator.language, prompt)  # said now: not cut as "a new screen"
        self.voice.current = prompt
        self.voice.sample(prompt)

    def _voice_on(self) -> bool:
        return self._asked_for_voice or self.win.theme.elder or self.village

    def _prepare_in_background(self, engine: v.SpeechEngine) -> None:
        """Render the catalog's prompts now, so that the first citizen waits for none."""
        texts = {lang: v.prompt_texts(lang) for lang in LANGUAGES}

        def run() -> None:
            for lang, items in texts.items():
                engine.prepare(items, [lang])

        threading.Thread(target=run, name="voice-prepare", daemon=True).start()

    # --- time ----------------------------------------------------------------------------
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        kind = event.type()
        if kind == QEvent.Type.Resize and obj is self.win:
            self.refit()
        elif kind in _DOWN:
            self._down = True
            self._last_input = self.win.clock()
        elif kind in _UP:
            self._down = False
            self._last_input = self.win.clock()
            QTimer.singleShot(0, self, self.update_prompt)  # what the tap changed, said at once
        elif kind == QEvent.Type.KeyPress:
            self._last_input = self.win.clock()
        return False

    def keyboard_open(self) -> bool:
        """A keyboard or digit pad is on screen: the citizen is typing, however slowly."""
        screen = self.win.current
        if any(k.isVisibleTo(screen) for k in screen.findChildren(QQuickWidget)):
            return True  # Qt Virtual Keyboard
        digits = {b.text() for b in screen.findChildren(QPushButton) if b.isVisibleTo(screen)}
        return set("0123456789") <= digits  # a digit pad (an account, a phone, a PIN)

    def holding(self) -> bool:
        """The idle clock stands still: a finger is down or a keyboard is open (not longer
        than HOLD_LIMIT since the last touch)."""
        return ((self._down or self.keyboard_open())
                and self.win.clock() - self._last_input < HOLD_LIMIT)

    def tick(self) -> None:
        session = self.win.ctx.sessions.current
        if self.win.idle_overlay.isVisible():
            self._asked_time = session
        elif self._asked_time is session and self._extended is not session:
            self._extended = session  # they needed more time once: twice it from now on
            self._set_time_scale()
            log.info("idle time doubled for the rest of this visit")
        if self.holding() and not self.win.idle_overlay.isVisible():
            self.win.touch()
        if self.elder_offer.isVisible():
            self.elder_offer.retranslate()  # the language may have been switched under it
        self.update_prompt()

    def _set_time_scale(self) -> None:
        session = self.win.ctx.sessions.current
        session.time_scale = ((ELDER_TIME if self.win.theme.elder else 1.0)
                              * (EXTENDED_TIME if self._extended is session else 1.0))

    # --- the visit -----------------------------------------------------------------------
    def _new_visit(self, reason: str = "") -> None:
        if reason != "new_card":
            self._declined = ""
        self._asked_for_voice = False
        self.elder_offer.hide()
        self._look_changed()

    def _look_changed(self) -> None:
        self._set_time_scale()
        was_on = self.voice.on
        self.voice.set_on(self._voice_on())
        if self.voice.on and not was_on:
            self._said = None  # voice just came on: say what is on screen now
        self.update_prompt()

    def _identified(self, session: Session) -> None:
        identity: Identity | None = session.identity
        if (identity is None or identity.birth is None or self.offer_age == 0
                or self.win.theme.elder or self._offered is session):
            return
        if self._declined and self._declined == identity.id_number:
            return  # asked once already, and they said no
        self._declined = ""
        if age_on(identity.birth, date.today()) >= self.offer_age:
            self._offered = session
            QTimer.singleShot(0, self, self._offer)  # over the screen the card leads to

    def _offer(self) -> None:
        if self.win.theme.elder:
            return
        self.elder_offer.ask()
        self.win.screen_changed()
        self.update_prompt()

    def _offer_answered(self, yes: bool) -> None:
        identity = self.win.ctx.sessions.current.identity
        if yes:
            self.win.set_elder(True)
        elif identity is not None:
            self._declined = identity.id_number
        self.win.screen_changed()
        self.update_prompt()

    def refit(self) -> None:
        if self.elder_offer.isVisible():
            self.elder_offer.setGeometry(self.win.rect())
            self.elder_offer.fit_dialog()

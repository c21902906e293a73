"""Opening hours of a machine (config ``[hours]``), without Qt: whether it serves now, and
the closed screen's words (the hours, when it opens next) in each language.

The window's side (the closed screen over everything, waiting for a visit to end before
closing) is ``kiosk.cover``.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime, time

from kiosk.config import KioskConfig
from kiosk.hours import Hours
from kiosk.i18n import catalog

log = logging.getLogger(__name__)

_END_OF_DAY = time(23, 59, 59, 999999)
_ALL_WEEK = frozenset(range(1, 8))


def opening_hours(config: KioskConfig) -> Hours | None:
    """The machine's opening hours; None: open round the clock, every day."""
    cfg = config.hours
    if not cfg.open and set(cfg.weekdays) == _ALL_WEEK:
        return None
    if not cfg.open:  # some days, all day
        return Hours(((time(0), _END_OF_DAY),), frozenset(cfg.weekdays))
    return Hours.parse(cfg.open, cfg.weekdays)


@dataclass(frozen=True)
class ClosedText:
    """The closed screen's lines in one language."""

    title: str
    hours: str  # 服务时间：每天 08:00–18:00
    next: str  # 下次开放：明天 08:00 ("" : never within a week)
    help: str = ""  # 如需帮助，请拨打 … (a village station's phone; "" : none)


def _hm(t: time) -> str:
    return "24:00" if t == _END_OF_DAY else t.strftime("%H:%M")


def days_words(weekdays: frozenset[int], language: str) -> str:
    """每天, 周一至周五, 周一、周三: the days of ``weekdays`` as a screen says them."""
    words = catalog(language)
    days = sorted(weekdays)
    if set(days) == _ALL_WEEK:
        return words["opening.every_day"]
    name = {d: words[f"opening.day.{d}"] for d in range(1, 8)}
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        return words["opening.day_range"].format(a=name[days[0]], b=name[days[-1]])
    return words["opening.day_sep"].join(name[d] for d in days)


def spans_words(hours: Hours, language: str) -> str:
    """09:00–12:00、13:30–17:30."""
    return catalog(language)["opening.span_sep"].join(
        f"{_hm(a)}–{_hm(b)}" for a, b in hours.spans)


def day_words(at: datetime, now: datetime, language: str) -> str:
    """今天, 明天, or the weekday of ``at`` (within a week of ``now``)."""
    words = catalog(language)
    ahead = (at.date() - now.date()).days
    return (words["opening.today"] if ahead == 0 else words["opening.tomorrow"] if ahead == 1
            else words[f"opening.day.{at.isoweekday()}"])


def closed_text(hours: Hours, now: datetime, language: str, phone: str = "") -> ClosedText:
    """The closed screen's lines; ``phone``: the station's, for help meanwhile."""
    words = catalog(language)
    help_line = words["opening.help"].format(phone=phone) if phone else ""
    schedule = words["opening.hours"].format(days=days_words(hours.weekdays, language),
                                             spans=spans_words(hours, language))
    at = hours.next_opening(now)
    if at is None:
        return ClosedText(words["opening.title"], schedule, "", help_line)
    return ClosedText(words["opening.title"], schedule,
                      words["opening.next"].format(day=day_words(at, now, language),
                                                   at=at.strftime("%H:%M")), help_line)


def set_backlight(on: bool) -> None:
    """The screen's backlight on or off where the display allows it (X11 with ``xset``:
    DPMS; a touch wakes it again). Elsewhere nothing: the dark closed screen stays lit.
    Blocks for a moment: call it off the GUI thread."""
    if not os.environ.get("DISPLAY") or shutil.which("xset") is None:
        return
    try:
        subprocess.run(["xset", "dpms", "force", "on" if on else "off"], check=True,
                       timeout=5, capture_output=True)
    except (OSError, subprocess.SubprocessError) as e:
        log.info("screen backlight not switched %s: %s", "on" if on else "off", e)

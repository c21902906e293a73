"""The flow engine's Qt half: one navigator owns the stack of steps and every way out of it.

Back, home, a card asked for before a service, the end of a visit, the idle wipe and a
device changing state all go through here, so each has one answer. Screens are made the
first time their step is shown, from the import path the flow declares.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QStackedWidget

from drivers.base import DeviceStatus
from kiosk.context import KioskContext
from kiosk.flow import Flow, IdentityNeed, NetworkNeed, load_flows
from kiosk.tasks import TaskRunner
from screens.widgets import Screen

log = logging.getLogger(__name__)

# The shell's own steps, which no flow owns: home, the card asked for, a service that
# needs the network while the kiosk is offline.
HOME, CARD, OFFLINE = "home", "card_prompt", "offline"


def _make_screen(path: str) -> Screen:
    """``module:Class`` → ``Class()``; ``module:Class:arg`` → ``Class("arg")`` (one class
    serving several steps)."""
    module, name, *args = path.split(":")
    return getattr(importlib.import_module(module), name)(*args)


# Visits ended as done (besides any reason ending in _done): what the citizen came for.
DONE = frozenset({"applied"})


class Navigator(QObject):
    changed = Signal(str)  # the step now shown

    def __init__(self, ctx: KioskContext, stack: QStackedWidget, clock: Callable[[], float],
                 shell: dict[str, Screen], on_end_visit: Callable[[str], None],
                 prepare: Callable[[Screen], None], online: Callable[[], bool]) -> None:
        super().__init__()
        self.ctx = ctx
        self._online = online
        self._stack = stack
        self._clock = clock
        self._on_end_visit = on_end_visit
        self._prepare = prepare  # the window's look for a new screen (theme, orientation)
        self.step_no = 0  # counts screens shown: a result for an earlier step is dropped
        self.tasks = TaskRunner(lambda: ctx.sessions.current.id, lambda: self.step_no)
        self.flows: dict[str, Flow] = {
            fid: cls(self) for fid, cls in sorted(load_flows().items()) if cls.available(ctx)}
        self._owner: dict[str, str] = {}  # step → flow id
        self._paths: dict[str, str] = {}  # step → screen path
        for fid, flow in self.flows.items():
            for step, path in flow.steps.items():
                if step in self._owner or step in shell:
                    raise ValueError(f"step {step!r} of {fid!r} is taken")
                self._owner[step], self._paths[step] = fid, path
        self.screens: dict[str, Screen] = {}
        for step, screen in shell.items():
            self._add(step, screen)
        self.history: list[str] = []
        self.pending: str | None = None  # the flow waiting for the citizen's card
        self.pending_arg = ""  # and what in it the citizen asked for
        self._shown: str | None = None  # the step on screen
        self._under: str | None = None  # the flow a side trip was taken from (kept)
        self._visit_over = False

    # --- what a flow may ask (kiosk.flow.FlowHost) --------------------------------------
    def now(self) -> float:
        return self._clock()

    def screen(self, step: str) -> Any:
        if step not in self.screens:
            screen = _make_screen(self._paths[step])
            self._add(step, screen)
            self.flows[self._owner[step]].bind(step, screen)
        return self.screens[step]

    def warm_up(self, done: Callable[[], None] | None = None) -> None:
        """Make every flow's screens now, one per turn of the event loop, while the kiosk
        stands at home: a screen takes 10–70 ms to make (its widgets and styles, the
        keyboard's QML), a stall the first citizen to open it would feel."""
        todo = [step for step in self._paths if step not in self.screens]

        def make_next() -> None:
            while todo:
                step = todo.pop(0)
                if step not in self.screens:
                    self.screen(step)
                    break
            if todo:
                QTimer.singleShot(0, self, make_next)
            elif done is not None:
                done()

        QTimer.singleShot(0, self, make_next)  # with the navigator: not after it is gone

    def made(self, step: str) -> bool:
        """The screen of ``step`` exists (it was shown or asked for)."""
        return step in self.screens

    def flow_of(self, step: str) -> str:
        """The flow a step belongs to ("" for the shell's own: home, the card prompt)."""
        return self._owner.get(step, "")

    def go(self, step: str) -> None:
        if self.history and self.history[-1] == step:
            return
        self.history.append(step)
        self._show(step)

    def replace(self, step: str) -> None:
        if self.history:
            self.history.pop()
        self.go(step)

    def visit_over(self) -> None:
        """What the citizen came for is on screen (a number, the pages): leaving it ends
        the visit."""
        self._visit_over = True
        self._finished()

    def content_changed(self) -> None:
        """The step on screen changed what is under the finger: the same guard as a new
        screen."""
        self.changed.emit(self.step)

    def end_visit(self, reason: str) -> None:
        self._visit_over = False
        if reason in DONE or reason.endswith("_done"):
            self._finished()
        self._on_end_visit(reason)  # the window wipes the session, which calls wipe()

    def run(self, fn: Callable[..., Any], *args: Any,
            on_done: Callable[[Future[Any]], None] | None = None,
            keep_on_leave: bool = False) -> Future[Any]:
        return self.tasks.run(fn, *args, on_done=on_done, keep_on_leave=keep_on_leave)

    def watch(self, fut: Future[Any], on_done: Callable[[Future[Any]], None],
              keep_on_leave: bool = False) -> None:
        self.tasks.watch(fut, on_done, keep_on_leave=keep_on_leave)

    # --- what the window asks ------------------------------------------------------------
    @property
    def step(self) -> str:
        return self.history[-1] if self.history else HOME

    @property
    def flow(self) -> Flow | None:
        """The flow on screen, if any."""
        fid = self._owner.get(self.step)
        return self.flows[fid] if fid else None

    @property
    def visit_is_over(self) -> bool:
        return self._visit_over

    @property
    def can_go_back(self) -> bool:
        return len(self.history) > 1 and not self.holding

    @property
    def holding(self) -> bool:
        return self.flow is not None and self.flow.holds()

    def start(self, flow_id: str, arg: str = "") -> None:
        """The citizen chose a service (``arg``: what in it, e.g. the item whose guide they
        read): first what it needs (the network, a card), then its first step."""
        flow = self.flows[flow_id]
        self.pending_arg = arg
        if flow.tile is not None and self.ctx.usage is not None:  # a service, chosen
            self.ctx.usage.taken(flow_id, self._clock())
        needs = flow.needs
        if needs.network is NetworkNeed.REQUIRED and not self._online():
            self.pending = None
            self.screen(OFFLINE).show_service(flow_id, flow.online_url)
            self.go(OFFLINE)
            return
        who = self.ctx.sessions.current.identity
        only_idcard = needs.identity is IdentityNeed.ID_CARD
        if needs.identity is not IdentityNeed.NONE and (
                who is None or (only_idcard and who.source != "idcard")):
            self.pending = flow_id
            self.screen(CARD).ask(only_idcard, wrong_card=who is not None)
            self.go(CARD)
            return
        self.pending = None
        flow.arg = arg
        flow.start()

    def identified(self) -> None:
        """A card was read: on to the service that asked for it, else home to greet."""
        flow_id, self.pending = self.pending, None
        if flow_id is not None:
            self.history = [HOME]
            self.start(flow_id, self.pending_arg)
        elif self.step != HOME:
            self.home()

    def back(self) -> None:
        if self.holding:
            return
        if len(self.history) <= 1 or self._visit_over:
            self.home()
            return
        self.history.pop()
        self._show(self.history[-1])

    def home(self) -> None:
        if self.holding:
            return
        if self._visit_over:
            self.end_visit("visit_done")
            return
        self.pending = None
        self.history = [HOME]
        self._show(HOME)

    def wipe(self) -> None:
        """The session ended: every screen forgets it, every flow forgets its visit."""
        self._visit_over = False
        self.pending = None
        self._under = None
        for screen in self.screens.values():
            screen.reset()
        on_screen = self.flow  # still showing (a number after its wipe): counted on leaving
        for fid, flow in self.flows.items():
            self._leave(fid, count=flow is not on_screen)

    def device_changed(self, device: str, status: DeviceStatus) -> None:
        for flow in self.flows.values():
            flow.device_changed(device, status)

    def tick(self) -> bool:
        """True if the flow on screen keeps its own time (no idle question now)."""
        flow = self.flow
        return flow is not None and flow.tick(self._clock())

    def shutdown(self) -> None:
        for flow in self.flows.values():
            flow.left()
            flow.close()
        self.tasks.shutdown()

    # --- inside --------------------------------------------------------------------------
    def _leave(self, fid: str, count: bool = True) -> None:
        self.flows[fid].left()
        if count and self.ctx.usage is not None and self.flows[fid].has_end:
            self.ctx.usage.left(fid)  # unfinished: given up

    def _finished(self) -> None:
        fid = self._under or self.flow_of(self.step)
        if fid and self.ctx.usage is not None:
            self.ctx.usage.finished(fid, self._clock())

    def _add(self, step: str, screen: Screen) -> None:
        self.screens[step] = screen
        self._prepare(screen)
        self._stack.addWidget(screen)

    def _show(self, step: str) -> None:
        screen = self.screen(step)
        before = self._owner.get(self._shown) if self._shown else None
        if step != self._shown:
            self.step_no += 1
        self._shown = step
        self._stack.setCurrentWidget(screen)
        owner = self._owner.get(step)
        if before is not None and before != owner:
            if owner is not None and self.flows[owner].side_trip:
                self._under = before  # kept: back from the side trip returns to it
            else:
                self._leave(before)
                if self._under is not None and self._under != owner:
                    self._leave(self._under)
                self._under = None
        if owner is not None:
            self.flows[owner].shown(step)
        screen.on_enter()
        self.changed.emit(step)

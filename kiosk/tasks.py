"""One way to run work off the GUI thread (the model: anki's ``taskman``).

``run`` submits a function to the one task executor; ``watch`` follows a future someone
else runs (a device worker's). Either way the outcome comes back on the GUI thread, and
an outcome that no longer has anybody to show it to is dropped here, in one place: the
citizen's session ended, or they left the step that asked for it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)

Token = tuple[str, int]  # (session id, step number): who asked, and where they were
Done = Callable[[Future[Any]], None]


class TaskRunner(QObject):
    _finished = Signal(object)  # (token, future, on_done, keep_on_leave), any thread

    def __init__(self, session_id: Callable[[], str], step: Callable[[], int]) -> None:
        super().__init__()
        self._session_id = session_id
        self._step = step
        # One worker: outbox writes and printing are serialised in one place.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="task")
        self._finished.connect(self._deliver)

    def token(self) -> Token:
        return self._session_id(), self._step()

    def run(self, fn: Callable[..., Any], *args: Any, on_done: Done | None = None,
            keep_on_leave: bool = False) -> Future[Any]:
        """``fn(*args)`` in the background; ``on_done(future)`` on the GUI thread."""
        fut = self._executor.submit(fn, *args)
        if on_done is not None:
            self.watch(fut, on_done, keep_on_leave=keep_on_leave)
        else:  # nobody waits for it: a failure must still be heard
            fut.add_done_callback(lambda f: f.exception() and log.error(
                "background task %s failed: %r", getattr(fn, "__name__", fn), f.exception()))
        return fut

    def watch(self, fut: Future[Any], on_done: Done, keep_on_leave: bool = False) -> None:
        """``on_done(fut)`` on the GUI thread once ``fut`` is done, if still wanted.
        ``keep_on_leave``: deliver even if the citizen moved to another step meanwhile
        (not if their session ended)."""
        token = self.token()
        fut.add_done_callback(lambda f: self._finished.emit((token, f, on_done, keep_on_leave)))

    def _deliver(self, job: tuple[Token, Future[Any], Done, bool]) -> None:
        (session_id, step), fut, on_done, keep_on_leave = job
        if session_id != self._session_id() or (not keep_on_leave and step != self._step()):
            log.info("result of %s dropped: its %s is over",
                     getattr(on_done, "__name__", "task"),
                     "session" if session_id != self._session_id() else "step")
            return
        on_done(fut)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True)

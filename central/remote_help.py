"""远程咨询: the signalling of a video call between a kiosk and the hall's staff.

A kiosk starts a call with its WebRTC offer (``POST /v1/calls``, signed as every terminal
route, so the call is bound to the kiosk's terminal); the staff page of the console polls
the ringing calls, posts its answer, and either side ends the call. Media never passes
through the platform: only the two SDP documents (non-trickle ICE: each holds its
candidates). Calls live in memory and are gone ``CALL_TTL`` seconds after they last changed;
one ringing for ``RING_TTL`` seconds unanswered is no longer offered to staff.

The console's routes take a person logged in to the fleet console (``central.console``: its
session cookie; what they do with a call is audited by name) or the shared staff token
(``Authorization: Bearer``, ``console.token`` beside the platform's database, made on first
start, 0600) for a call page without the fleet console. They show the terminal's id, the
call's times and where the citizen was on screen, never a citizen's data.
"""

# No ``from __future__ import annotations`` here: FastAPI reads the routes' annotations at
# run time, and ``signed`` is a parameter of ``install``, not a name of this module.
import hmac
import os
import secrets
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Header, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from central.store import Refusal

CALL_TTL = 300.0  # seconds a call is kept after its last change
RING_TTL = 90.0  # seconds a call rings for staff before it is no longer offered
MAX_SDP = 32 << 10  # characters of one SDP document
MAX_CALLS = 200  # calls not yet ended (all terminals); more is refused
PAGE_PATH = Path(__file__).with_name("console_call.html")
_CALL_ID = r"^[0-9a-f]{32}$"


_CONTEXT_KEYS = ("service", "step", "language", "elder")  # what staff may see of the screen


class Offer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sdp: str = Field(min_length=10, max_length=MAX_SDP)
    # The kiosk's screen when the citizen called: words of the kiosk's own, never the
    # citizen's data (checked by key and by shape).
    context: dict[str, Annotated[str, Field(max_length=40, pattern=r"^[A-Za-z0-9_.-]*$")]] = (
        Field(default_factory=dict, max_length=len(_CONTEXT_KEYS)))


class Push(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # A guide item's id, or a service of the kiosk as flow:<id> (flow:queue, flow:apply).
    item: str = Field(min_length=1, max_length=64, pattern=r"^(flow:)?[A-Za-z0-9_.-]+$")


@dataclass
class Call:
    id: str
    terminal: str
    offer: str
    context: dict[str, str] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    changed: float = field(default_factory=time.monotonic)
    answer: str = ""
    state: str = "ringing"  # ringing → answered → ended
    ended_by: str = ""  # "kiosk", "staff"
    push: str = ""  # a guide item the staff sent to the kiosk's screen

    def public(self, with_sdp: str = "") -> dict[str, Any]:
        doc: dict[str, Any] = {"id": self.id, "terminal": self.terminal, "state": self.state,
                               "ended_by": self.ended_by,
                               "ringing_for": round(time.monotonic() - self.started, 1),
                               "context": self.context}
        if self.push:
            doc["push"] = self.push
        if with_sdp == "offer":
            doc["offer"] = self.offer
        elif with_sdp == "answer" and self.answer:
            doc["answer"] = self.answer
        return doc


class CallBook:
    """The calls in progress, in memory (a platform restart ends them all)."""

    def __init__(self) -> None:
        self._calls: dict[str, Call] = {}

    def _expire(self) -> None:
        now = time.monotonic()
        for call in list(self._calls.values()):
            if now - call.changed > CALL_TTL:
                del self._calls[call.id]
            elif call.state == "ringing" and now - call.started > RING_TTL:
                self._end(call, "timeout")

    def start(self, terminal: str, offer: str, context: dict[str, str] | None = None) -> Call:
        self._expire()
        if sum(c.state != "ended" for c in self._calls.values()) >= MAX_CALLS:
            raise Refusal(503, "too_many_calls", "the hall has too many calls in progress")
        for call in self._calls.values():  # one call per terminal: a new one ends the old
            if call.terminal == terminal and call.state != "ended":
                self._end(call, "kiosk")
        call = Call(uuid.uuid4().hex, terminal, offer,
                    {k: v for k, v in (context or {}).items() if k in _CONTEXT_KEYS})
        self._calls[call.id] = call
        return call

    def get(self, call_id: str, terminal: str | None = None) -> Call:
        """The call; for a terminal, only its own (another's is as unknown)."""
        self._expire()
        call = self._calls.get(call_id)
        if call is None or (terminal is not None and call.terminal != terminal):
            raise Refusal(404, "unknown_call", "no such call (ended long ago, or never)")
        return call

    def ringing(self) -> list[Call]:
        self._expire()
        return sorted((c for c in self._calls.values() if c.state == "ringing"),
                      key=lambda c: c.started)

    def answer(self, call_id: str, sdp: str) -> Call:
        call = self.get(call_id)
        if call.state != "ringing":
            raise Refusal(409, "not_ringing", f"the call is {call.state}")
        call.answer, call.state, call.changed = sdp, "answered", time.monotonic()
        return call

    def push(self, call_id: str, item: str) -> Call:
        call = self.get(call_id)
        if call.state == "ended":
            raise Refusal(409, "call_ended", "the call has ended")
        call.push, call.changed = item, time.monotonic()
        return call

    def hang_up(self, call_id: str, by: str, terminal: str | None = None) -> Call:
        call = self.get(call_id, terminal)
        if call.state != "ended":
            self._end(call, by)
        return call

    @staticmethod
    def _end(call: Call, by: str) -> None:
        call.state, call.ended_by, call.changed = "ended", by, time.monotonic()


def console_token(root: Path) -> str:
    """The console's staff token, made on first use (``console.token``, 0600)."""
    path = root / "console.token"
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        token = secrets.token_urlsafe(24)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(token + "\n")
        return token


def install(app: FastAPI, store: Any, signed: Any, parse: Any) -> CallBook:
    book = CallBook()
    app.state.calls = book
    CallId = Annotated[str, PathParam(pattern=_CALL_ID)]  # noqa: N806 - a type

    # --- the kiosk (signed) ----------------------------------------------------------------
    @app.post("/v1/calls", status_code=201)
    async def start_call(s: signed) -> JSONResponse:  # type: ignore[valid-type]
        _, offer = parse(Offer, s.body)
        call = book.start(s.terminal, offer.sdp, offer.context)
        return JSONResponse(call.public(), status_code=201)

    @app.get("/v1/calls/{call_id}")
    async def kiosk_call(call_id: CallId, s: signed) -> JSONResponse:  # type: ignore[valid-type]
        return JSONResponse(book.get(call_id, s.terminal).public("answer"))

    @app.post("/v1/calls/{call_id}/hangup")
    async def kiosk_hang_up(call_id: CallId, s: signed) -> JSONResponse:  # type: ignore[valid-type]
        return JSONResponse(book.hang_up(call_id, "kiosk", s.terminal).public())

    # --- the staff console (token): its own application, mounted ----------------------------
    app.mount("/console", _console(book, console_token(store.root), parse,
                                   getattr(app.state, "console", None)))
    return book


def _console(book: CallBook, token: str, parse: Any, people: Any = None) -> FastAPI:
    """``people``: the fleet console's logins (``central.console.ConsoleBook``); a person
    logged in there needs no token here, and what they do with a call is audited by name."""
    """The staff page and its routes. They are not the terminal API that
    ``docs/platform-openapi.yaml`` writes down (no terminal calls them), hence apart."""
    console = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    CallId = Annotated[str, PathParam(pattern=_CALL_ID)]  # noqa: N806 - a type

    @console.exception_handler(Refusal)
    async def refusal(_: Request, e: Refusal) -> JSONResponse:
        return JSONResponse({"error": e.error, "detail": e.detail}, status_code=e.status)

    def staff(authorization: str | None, request: Request | None = None) -> str:
        """Who: a person logged in to the fleet console (its cookie), else the shared
        token's holder."""
        if people is not None and request is not None:
            from central.console import COOKIE

            user = people.session_user(request.cookies.get(COOKIE))
            if user is not None:
                return str(user)
        given = (authorization or "").removeprefix("Bearer ").strip()
        if not given or not hmac.compare_digest(given.encode(), token.encode()):
            raise Refusal(401, "not_staff", "a console login or the staff token is needed")
        return "(call page token)"

    def audit(user: str, action: str, call: Call, request: Request, what: str = "") -> None:
        if people is not None:
            people.audit(user, action, call.terminal, f"{call.id} {what}".strip(),
                         request.client.host if request.client else "")

    @console.get("/call.html")
    async def page() -> HTMLResponse:
        return HTMLResponse(PAGE_PATH.read_text(encoding="utf-8"),
                            headers={"Cache-Control": "no-store"})

    @console.get("/calls")
    async def ringing(request: Request,
                      authorization: Annotated[str | None, Header()] = None) -> JSONResponse:
        staff(authorization, request)
        return JSONResponse({"calls": [c.public() for c in book.ringing()]})

    @console.get("/calls/{call_id}")
    async def staff_call(call_id: CallId, request: Request,
                         authorization: Annotated[str | None, Header()] = None
                         ) -> JSONResponse:
        staff(authorization, request)
        return JSONResponse(book.get(call_id).public("offer"))

    @console.post("/calls/{call_id}/answer")
    async def staff_answer(call_id: CallId, request: Request,
                           authorization: Annotated[str | None, Header()] = None
                           ) -> JSONResponse:
        user = staff(authorization, request)
        declared = request.headers.get("content-length", "")
        if not declared.isdigit() or int(declared) > MAX_SDP + 1024:
            raise Refusal(400, "bad_request", "an answer is a small JSON body")
        _, answer = parse(Offer, await request.body())
        call = book.answer(call_id, answer.sdp)
        audit(user, "call_answer", call, request)
        return JSONResponse(call.public())

    @console.post("/calls/{call_id}/push")
    async def staff_push(call_id: CallId, request: Request,
                         authorization: Annotated[str | None, Header()] = None) -> JSONResponse:
        """Send a guide item to the kiosk's screen: the citizen opens it with one tap."""
        user = staff(authorization, request)
        _, push = parse(Push, await request.body())
        call = book.push(call_id, push.item)
        audit(user, "call_push", call, request, push.item)
        return JSONResponse(call.public())

    @console.post("/calls/{call_id}/hangup")
    async def staff_hang_up(call_id: CallId, request: Request,
                            authorization: Annotated[str | None, Header()] = None
                            ) -> JSONResponse:
        user = staff(authorization, request)
        call = book.hang_up(call_id, "staff")
        audit(user, "call_hang_up", call, request)
        return JSONResponse(call.public())

    return console

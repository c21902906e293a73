"""The fleet console (``/console/``): every enrolled kiosk, its alerts, remote commands, and
the use of the services, for hall technicians and county admins.

Each person logs in with their own name and password (``kiosk platform console-user add``;
scrypt hashes as ``kiosk.staff`` keeps PINs, in ``console.sqlite3`` beside the platform's
database, 0600). A login gives a session cookie (random, HttpOnly, SameSite=Strict, path
``/console``, ``SESSION_TTL``); five wrong passwords for a name lock it for 30 s, each
further one for twice as long (twenty from one address, whatever the names, lock the
address alike). Logins, refusals, logouts and every command sent are kept in
the same file and logged.

What the console shows comes from the terminals' heartbeats, the commands' acknowledgements
and the service records' dates, scores and service names: never a citizen's name, ID
number, form or comment (each field shown is picked by name, never passed through).

A logged-in person also opens the call page (远程咨询, ``/console/call.html``) from here
without typing its shared token, and a kiosk whose call rings shows it as an alert.

``console.json`` beside the database may set ``offline_after_minutes`` (default 3),
``outbox_alert_hours`` (4) and ``poll_seconds`` (5); it is read on every refresh.
"""

# No ``from __future__ import annotations``: FastAPI reads the routes' annotations at run time.
import asyncio
import contextlib
import hashlib
import json
import logging
import os
import re
import secrets
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from fastapi import Cookie, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.routing import Match, Mount

from central.remote_help import console_token
from central.store import PlatformStore, Refusal
from kiosk.staff import hash_secret, verify_secret
from offline_cache.sqlite import Immediate, open_db
from offline_cache.wire import iso

log = logging.getLogger(__name__)

PAGE_PATH = Path(__file__).with_name("console.html")
COOKIE = "console_session"
SESSION_TTL = 8 * 3600.0  # seconds a login lasts
FREE_TRIES = 5  # wrong passwords for a name before it is locked
FREE_TRIES_ADDRESS = 20  # wrong passwords from one address (any names) before it is locked
FIRST_LOCK = 30.0  # seconds of the first lock; each further wrong password doubles it
MAX_LOCK = 3600.0
MIN_PASSWORD = 10
NAME_RE = r"^[A-Za-z0-9._-]{1,32}$"
MAX_BODY = 4096
# What the page may send: kiosk.remote's commands but set_config (CLI only).
COMMANDS = ("lock", "unlock", "restart_kiosk", "restart_machine", "refresh_catalog", "purge",
            "diagnostics", "answer_help")
HELP_OVER = frozenset({"", "none", "idle", "ended", "closed", "cancelled", "done"})
_SCHEMA = """
CREATE TABLE IF NOT EXISTS user (name TEXT PRIMARY KEY, hash TEXT NOT NULL,
                                 created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS session (token_sha256 TEXT PRIMARY KEY, user TEXT NOT NULL,
                                    expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS failure (name TEXT PRIMARY KEY, count INTEGER NOT NULL,
                                    locked_until REAL NOT NULL);
CREATE TABLE IF NOT EXISTS audit (at REAL NOT NULL, user TEXT NOT NULL, action TEXT NOT NULL,
                                  terminal TEXT NOT NULL, detail TEXT NOT NULL,
                                  address TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_at ON audit(at);
CREATE TABLE IF NOT EXISTS usage (terminal TEXT NOT NULL, day TEXT NOT NULL,
                                  service TEXT NOT NULL, taken INTEGER NOT NULL,
                                  finished INTEGER NOT NULL, abandoned INTEGER NOT NULL,
                                  seconds INTEGER NOT NULL,
                                  PRIMARY KEY (terminal, day, service));
"""
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SERVICE = re.compile(r"^[a-z_]{1,32}$")
_USAGE_FIELDS = ("taken", "finished", "abandoned", "seconds")


@dataclass(frozen=True)
class ConsoleSettings:
    offline_after: float = 180.0  # seconds without a heartbeat: offline
    outbox_alert: float = 4 * 3600.0  # seconds the oldest unsent record may wait
    poll: float = 5.0  # seconds between the page's refreshes

    @classmethod
    def beside(cls, root: Path) -> "ConsoleSettings":
        try:
            doc = json.loads((root / "console.json").read_text(encoding="utf-8"))
            return cls(offline_after=float(doc.get("offline_after_minutes", 3)) * 60,
                       outbox_alert=float(doc.get("outbox_alert_hours", 4)) * 3600,
                       poll=max(0.5, float(doc.get("poll_seconds", 5))))
        except FileNotFoundError:
            return cls()
        except (ValueError, TypeError, AttributeError) as e:
            log.warning("console.json ignored (the defaults apply): %s", e)
            return cls()


class ConsoleBook:
    """Users, sessions, failed logins and the console's audit (``console.sqlite3``)."""

    def __init__(self, path: Path) -> None:
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        path.chmod(0o600)
        self._db = open_db(path)
        self._db.executescript(_SCHEMA)
        self._lock = threading.RLock()
        self._dummy = hash_secret(secrets.token_urlsafe(16))  # an unknown name costs the same

    @classmethod
    def beside(cls, root: Path) -> "ConsoleBook":
        return cls(root / "console.sqlite3")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _tx(self) -> Immediate:
        return Immediate(self._db, self._lock)

    # --- users (the CLI) ------------------------------------------------------------------
    def add_user(self, name: str, password: str, replace: bool = False) -> None:
        if not re.match(NAME_RE, name):
            raise ValueError("a name is 1–32 letters, digits, '.', '_' or '-'")
        if len(password) < MIN_PASSWORD:
            raise ValueError(f"a password has at least {MIN_PASSWORD} characters")
        with self._tx() as db:
            if not replace and db.execute("SELECT 1 FROM user WHERE name = ?",
                                          (name,)).fetchone():
                raise ValueError(f"{name} exists (--replace sets a new password)")
            db.execute("INSERT INTO user VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET "
                       "hash = excluded.hash", (name, hash_secret(password), time.time()))
            db.execute("DELETE FROM session WHERE user = ?", (name,))
            db.execute("DELETE FROM failure WHERE name = ?", (name,))
        self.audit("-", "user_set", "", name, "cli")

    def remove_user(self, name: str) -> bool:
        with self._tx() as db:
            db.execute("DELETE FROM session WHERE user = ?", (name,))
            gone = db.execute("DELETE FROM user WHERE name = ?", (name,)).rowcount == 1
        if gone:
            self.audit("-", "user_removed", "", name, "cli")
        return gone

    def users(self) -> list[str]:
        with self._lock:
            return [n for (n,) in self._db.execute("SELECT name FROM user ORDER BY name")]

    # --- logging in -------------------------------------------------------------------------
    def login(self, name: str, password: str, address: str) -> str:
        """A new session token, or Refusal(401) for a wrong name or password (alike) and
        Refusal(429) while the name, or the address it comes from, is locked: a name
        after ``FREE_TRIES`` wrong passwords, an address after ``FREE_TRIES_ADDRESS``
        whatever the names (one machine trying many)."""
        now = time.time()
        if not re.match(NAME_RE, name):  # e.g. a password typed in the name's field: not kept
            name = "(not a name)"
        keys = ((name, FREE_TRIES), ("@" + address, FREE_TRIES_ADDRESS))
        with self._lock:
            counts = {k: self._db.execute("SELECT count, locked_until FROM failure WHERE "
                                          "name = ?", (k,)).fetchone() or (0, 0.0)
                      for k, _ in keys}
            user = self._db.execute("SELECT hash FROM user WHERE name = ?", (name,)).fetchone()
        until = max(locked for _, locked in counts.values())
        if until > now:
            self.audit(name, "login_locked", "", "", address)
            wait = int(until - now) + 1
            raise Refusal(429, "locked", f"too many wrong passwords: try again in {wait} s",
                          retry_after=wait)
        if not verify_secret(password, user[0] if user else self._dummy) or user is None:
            with self._tx() as db:
                for key, free in keys:
                    count = counts[key][0] + 1
                    lock = min(MAX_LOCK, FIRST_LOCK * 2 ** (count - free)) if count >= free else 0
                    db.execute("INSERT INTO failure VALUES (?, ?, ?) ON CONFLICT(name) DO "
                               "UPDATE SET count = excluded.count, locked_until = "
                               "excluded.locked_until", (key, count, now + lock))
            self.audit(name, "login_refused", "", "wrong name or password "
                       f"({counts[name][0] + 1})", address)
            raise Refusal(401, "bad_login", "wrong name or password")
        token = secrets.token_urlsafe(32)
        with self._tx() as db:
            db.execute("DELETE FROM failure WHERE name IN (?, ?)", (name, "@" + address))
            db.execute("DELETE FROM session WHERE expires_at < ?", (now,))
            db.execute("INSERT INTO session VALUES (?, ?, ?)",
                       (_sha(token), name, now + SESSION_TTL))
        self.audit(name, "login", "", "", address)
        return token

    def session_user(self, token: str | None) -> str | None:
        if not token:
            return None
        with self._lock:
            row = self._db.execute("SELECT user, expires_at FROM session WHERE "
                                   "token_sha256 = ?", (_sha(token),)).fetchone()
        return row[0] if row and row[1] > time.time() else None

    def logout(self, token: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM session WHERE token_sha256 = ?", (_sha(token),))

    # --- services used, as the kiosks count them (kiosk.usage) ---------------------------------
    def record_usage(self, terminal: str, heartbeat: dict[str, Any]) -> None:
        """A heartbeat's ``usage`` (day → service → counts, as they stand on the kiosk):
        each count replaces the last one for that kiosk, day and service. Only well-formed
        days, service ids and small counts are kept; the rest is ignored."""
        usage = heartbeat.get("usage")
        if not isinstance(usage, dict):
            return
        rows = []
        for day, services in list(usage.items())[:3]:
            if not (isinstance(day, str) and _DAY.match(day) and isinstance(services, dict)):
                continue
            for service, counts in list(services.items())[:40]:
                if not (isinstance(service, str) and _SERVICE.match(service)
                        and isinstance(counts, dict)):
                    continue
                values = [counts.get(f, 0) for f in _USAGE_FIELDS]
                if all(isinstance(v, int) and 0 <= v < 10**9 for v in values):
                    rows.append((terminal, day, service, *values))
        if rows:
            with self._tx() as db:
                db.executemany("INSERT OR REPLACE INTO usage VALUES (?, ?, ?, ?, ?, ?, ?)",
                               rows)

    def usage_rows(self, since: str) -> list[tuple[str, str, int, int, int, int]]:
        """(day, service, taken, finished, abandoned, seconds), all kiosks together."""
        with self._lock:
            return self._db.execute(
                "SELECT day, service, SUM(taken), SUM(finished), SUM(abandoned), SUM(seconds) "
                "FROM usage WHERE day >= ? GROUP BY day, service", (since,)).fetchall()

    # --- the audit ----------------------------------------------------------------------------
    def audit(self, user: str, action: str, terminal: str, detail: str, address: str) -> None:
        level = logging.WARNING if action in ("login_refused", "login_locked") else logging.INFO
        log.log(level, "console: %s %s %s %s (%s)", user, action, terminal, detail, address)
        with self._tx() as db:
            db.execute("INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?)",
                       (time.time(), user, action, terminal, detail[:300], address))

    def audit_rows(self, limit: int = 100) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT at, user, action, terminal, detail, address FROM "
                                    "audit ORDER BY at DESC, rowid DESC LIMIT ?",
                                    (limit,)).fetchall()
        return [{"at": iso(at), "user": u, "action": a, "terminal": t, "detail": d,
                 "address": ad} for at, u, a, t, d, ad in rows]


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- what the page shows ------------------------------------------------------------------
def terminal_row(terminal: str, at: float | None, doc: dict[str, Any] | None, now: float,
                 settings: ConsoleSettings) -> dict[str, Any]:
    """One kiosk as the console shows it: picked field by field from its heartbeat."""
    doc = doc or {}
    age = None if at is None else max(0.0, now - at)
    online = age is not None and age <= settings.offline_after
    devices = {str(name)[:32]: {"state": str(d.get("state", ""))[:16],
                                "code": str(d.get("code", ""))[:64]}
               for name, d in (doc.get("devices") or {}).items() if isinstance(d, dict)}
    paper = str((doc.get("consumables") or {}).get("receipt_paper", "unknown"))[:16]
    outbox = doc.get("outbox") or {}
    depth = sum(int(outbox.get(k) or 0) for k in ("pending", "uploading", "failed"))
    oldest = outbox.get("oldest_unsent_age_s")
    oldest_now = None if oldest is None or age is None else float(oldest) + age
    alerts = []
    if not online:
        alerts.append({"kind": "offline", "text": "从未上报" if at is None else
                       f"离线：{_span(age)}无心跳"})
    if paper == "out":
        alerts.append({"kind": "paper_out", "text": "小票纸用完"})
    for name, d in devices.items():
        if "printer" in name and d["state"] == "absent":
            alerts.append({"kind": "printer_error", "text": f"{name} 未连接"})
        elif "printer" in name and d["state"] == "error" and d["code"] != "printer.paper_out":
            alerts.append({"kind": "printer_error", "text": f"{name} 故障 {d['code']}".strip()})
    if oldest_now is not None and oldest_now > settings.outbox_alert:
        alerts.append({"kind": "outbox_old", "text": f"待发记录已等{_span(oldest_now)}"})
    help_call = doc.get("help")
    help_doc = None
    if isinstance(help_call, dict):
        help_doc = {"at": str(help_call.get("at", ""))[:40],
                    "state": str(help_call.get("state", ""))[:32]}
        if help_doc["state"].lower() not in HELP_OVER:
            alerts.append({"kind": "help_call", "text": f"求助：{help_doc['state']}"})
    return {"terminal": terminal, "last_heartbeat": iso(at) if at else None,
            "age_s": None if age is None else round(age, 1), "online": online,
            "version": str(doc.get("version", ""))[:32], "devices": devices,
            "receipt_paper": paper, "outbox_depth": depth,
            "outbox_rejected": int(outbox.get("rejected") or 0),
            "oldest_unsent_s": None if oldest_now is None else round(oldest_now),
            "free_disk_mb": disk if isinstance(disk := doc.get("free_disk_mb"), int) else None,
            "help": help_doc, "alerts": alerts}


def _span(seconds: float | None) -> str:
    s = int(seconds or 0)
    if s < 120:
        return f"{s} 秒"
    if s < 7200:
        return f"{s // 60} 分钟"
    if s < 172800:
        return f"{s // 3600} 小时"
    return f"{s // 86400} 天"


def _day(stamp: Any) -> str | None:
    try:
        return datetime.fromisoformat(str(stamp)).astimezone().date().isoformat()
    except ValueError:
        return None


def usage(store: PlatformStore, days: int, now: float,
          book: ConsoleBook | None = None) -> list[dict[str, Any]]:
    """Per day and service: what the kiosks count (services started, finished on the
    kiosk, given up, mean time to finish: ``ConsoleBook.record_usage``), and from the
    records the platform has: applications finished (cases) and their time from start to
    submission, 好差评 (count, mean score), 办不成事 reports, requests to be called back (a
    report of reason ``callback``) and offline queue tickets. Only dates, service names,
    reasons, counts and scores are read."""
    since = datetime.fromtimestamp(now - days * 86400).astimezone().date().isoformat()
    rows: dict[tuple[str, str], dict[str, Any]] = {}

    def row(day: str | None, service: str) -> dict[str, Any] | None:
        if day is None or day < since:
            return None
        return rows.setdefault((day, service), {
            "day": day, "service": service, "taken": 0, "finished_here": 0, "abandoned": 0,
            "mean_time_here_s": None, "finished": 0, "durations": [], "ratings": [],
            "reported_not_done": 0, "callback_requests": 0, "offline_tickets": 0})

    for day, service, taken, finished, abandoned, seconds in (
            book.usage_rows(since) if book is not None else []):
        if x := row(day, service):
            x.update(taken=taken, finished_here=finished, abandoned=abandoned,
                     mean_time_here_s=round(seconds / finished) if finished else None)

    for r in store.records("case"):
        b = r["body"]
        if r["revision"] == 1 and (x := row(_day(b.get("created_at")), b["service"])):
            x["finished"] += 1
            with contextlib.suppress(KeyError, ValueError):
                x["durations"].append((datetime.fromisoformat(b["finalized_at"])
                                       - datetime.fromisoformat(b["created_at"])).total_seconds())
    latest: dict[str, dict[str, Any]] = {}
    for r in store.records("evaluation"):  # the latest revision of each rating counts
        latest[r["id"]] = r["body"]
    for b in latest.values():
        if x := row(_day(b.get("created_at")), b["service"]):
            x["ratings"].append(int(b["score"]))
    for kind in ("report", "ticket"):
        for r in store.records(kind):
            b = r["body"]
            if r["revision"] == 1 and (x := row(_day(b.get("created_at")), b["service"])):
                x["offline_tickets" if kind == "ticket" else "callback_requests"
                  if b.get("reason") == "callback" else "reported_not_done"] += 1
    out = []
    for (_, _), x in sorted(rows.items(), reverse=True):
        durations, ratings = x.pop("durations"), x.pop("ratings")
        x["median_time_to_finish_s"] = round(statistics.median(durations)) if durations else None
        x["ratings"] = len(ratings)
        x["mean_rating"] = round(statistics.fmean(ratings), 2) if ratings else None
        out.append(x)
    return out


# --- the routes -----------------------------------------------------------------------------
class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class CommandRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    terminal: str = Field(pattern=r"^[A-Za-z0-9-]{1,32}$")
    name: Literal[COMMANDS]  # type: ignore[valid-type]
    message: str = Field("", max_length=200)


async def _json(request: Request, model: type[BaseModel]) -> Any:
    """A small JSON body (``application/json``: a cross-site form cannot send one)."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise Refusal(415, "json_only", "send application/json")
    origin = request.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != request.headers.get("host"):
        raise Refusal(403, "cross_origin", "the console takes requests from its own page only")
    declared = request.headers.get("content-length", "")
    if not declared.isdigit() or int(declared) > MAX_BODY:
        raise Refusal(400, "bad_request", "a small JSON body is expected")
    try:
        return model.model_validate_json(await request.body())
    except ValidationError as e:
        err = e.errors()[0]
        raise Refusal(422, "invalid_body", f"{'.'.join(map(str, err['loc'])) or 'body'}: "
                      f"{err['msg']}") from None


class _FleetMount(Mount):
    """``/console/`` and ``/console/api/…``; the rest of ``/console`` is left to the call
    page's mount (``central.remote_help``), installed after this one."""

    def matches(self, scope: Any) -> tuple[Match, Any]:
        match, child = super().matches(scope)
        rest = scope["path"][len(child.get("root_path", "")):] if match is Match.FULL else ""
        if match is Match.FULL and not (rest == "/" or rest.startswith("/api/")):
            return Match.NONE, {}
        return match, child


def install(app: FastAPI, store: PlatformStore) -> ConsoleBook:
    """The console, mounted at ``/console`` apart from the terminal API that
    ``docs/platform-openapi.yaml`` writes down (no terminal calls it)."""
    book = ConsoleBook.beside(store.root)
    store.on_close(book.close)
    app.state.console = book
    app.state.heartbeat_hooks.append(book.record_usage)  # the kiosks' usage counts
    calls = lambda: getattr(app.state, "calls", None)  # noqa: E731 - installed after this
    app.router.routes.append(_FleetMount("/console", _console(store, book, calls)))
    return book


def _console(store: PlatformStore, book: ConsoleBook, calls: Callable[[], Any]) -> FastAPI:
    fleet_app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    Session = Annotated[str | None, Cookie(alias=COOKIE)]  # noqa: N806 - a type

    @fleet_app.exception_handler(Refusal)
    async def refusal(_: Request, e: Refusal) -> JSONResponse:
        return JSONResponse({"error": e.error, "detail": e.detail, **e.extra},
                            status_code=e.status)

    def staff(token: str | None) -> str:
        user = book.session_user(token)
        if user is None:
            raise Refusal(401, "login_required", "log in to the console first")
        return user

    def address(request: Request) -> str:
        return request.client.host if request.client else ""

    @fleet_app.get("/", include_in_schema=False)
    async def page() -> HTMLResponse:
        return HTMLResponse(PAGE_PATH.read_text(encoding="utf-8"), headers={
            "Cache-Control": "no-store", "X-Frame-Options": "DENY",
            "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline'; "
            "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"})

    @fleet_app.post("/api/login", include_in_schema=False)
    async def login(request: Request) -> JSONResponse:
        doc = await _json(request, Login)
        token = await asyncio.to_thread(book.login, doc.name, doc.password, address(request))
        answer = JSONResponse({"user": doc.name})
        answer.set_cookie(COOKIE, token, max_age=int(SESSION_TTL), path="/console",
                          httponly=True, samesite="strict",
                          secure=request.url.scheme == "https")
        return answer

    @fleet_app.post("/api/logout", include_in_schema=False)
    async def logout(request: Request, session: Session = None) -> JSONResponse:
        user = staff(session)
        book.logout(session or "")
        book.audit(user, "logout", "", "", address(request))
        answer = JSONResponse({"user": None})
        answer.delete_cookie(COOKIE, path="/console")
        return answer

    @fleet_app.get("/api/me", include_in_schema=False)
    async def me(session: Session = None) -> JSONResponse:
        return JSONResponse({"user": staff(session)})

    @fleet_app.get("/api/fleet", include_in_schema=False)
    async def fleet(terminal: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9-]{1,32}$")]
                    = None, session: Session = None) -> JSONResponse:
        """Every terminal, and the commands to ``terminal`` (the one open on the page), or
        the fleet's last ones."""
        staff(session)
        settings, now = ConsoleSettings.beside(store.root), time.time()
        rows = [terminal_row(h["terminal"], h["at"], h["doc"], now, settings)
                for h in store.heartbeats()]
        ringing = {c.terminal for c in calls().ringing()} if calls() else set()
        for row in rows:
            if row["terminal"] in ringing:
                row["alerts"].append({"kind": "call_ringing", "text": "视频咨询呼叫中"})
        return JSONResponse({
            "now": iso(now), "poll_seconds": settings.poll,
            "offline_after_s": settings.offline_after, "outbox_alert_s": settings.outbox_alert,
            "terminals": rows,
            "commands": store.commands(terminal, 100)}, headers={"Cache-Control": "no-store"})

    @fleet_app.post("/api/commands", include_in_schema=False, status_code=201)
    async def command(request: Request, session: Session = None) -> JSONResponse:
        user = staff(session)
        doc = await _json(request, CommandRequest)
        if store.secret(doc.terminal) is None:
            raise Refusal(404, "unknown_terminal", f"no terminal {doc.terminal} is enrolled")
        if doc.name == "lock" and not doc.message.strip():
            raise Refusal(422, "message_required", "a lock shows a message: write one")
        # A lock's words on the out-of-service screen; an answer's to who called for help.
        args = ({"message": doc.message.strip()} if doc.name in ("lock", "answer_help")
                and doc.message.strip() else {})
        cid = store.enqueue_command(doc.terminal, doc.name, args)
        book.audit(user, "command", doc.terminal, f"{cid} {doc.name} {args.get('message', '')}"
                   .strip(), address(request))
        return JSONResponse({"id": cid, "terminal": doc.terminal, "name": doc.name},
                            status_code=201)

    @fleet_app.get("/api/usage", include_in_schema=False)
    async def usage_route(days: Annotated[int, Query(ge=1, le=366)] = 14,
                          session: Session = None) -> JSONResponse:
        staff(session)
        now = time.time()
        rows = await asyncio.to_thread(usage, store, days, now, book)
        since = datetime.fromtimestamp(now - days * 86400).astimezone().date().isoformat()
        return JSONResponse({"days": days, "rows": rows, "queue": store.queue_days(since)},
                            headers={"Cache-Control": "no-store"})

    @fleet_app.get("/api/call-token", include_in_schema=False)
    async def call_token(request: Request, session: Session = None) -> JSONResponse:
        """The call page's shared token, for a logged-in person (the page keeps it in the
        tab's sessionStorage, never in an address)."""
        user = staff(session)
        book.audit(user, "call_page", "", "", address(request))
        return JSONResponse({"token": console_token(store.root)},
                            headers={"Cache-Control": "no-store"})

    @fleet_app.get("/api/audit", include_in_schema=False)
    async def audit(session: Session = None) -> JSONResponse:
        staff(session)
        return JSONResponse({"audit": book.audit_rows()}, headers={"Cache-Control": "no-store"})

    return fleet_app

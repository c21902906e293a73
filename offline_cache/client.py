"""The terminal's HTTP client for the platform API (``docs/platform-openapi.yaml``).

Three rules from hard experience with ``requests`` on bad links:

* Success is an expected status *and* a complete JSON body that echoes the request (id,
  revision, body hash, offset). A captive portal's ``200`` page, a proxy's error page or a
  body cut short is not a success.
* Every ``RequestException`` (connection refused or reset, a body cut mid-way, a read
  timeout) means *outcome unknown*: the platform may or may not have acted. The caller
  retries later; record ids and content hashes make the retry harmless.
* ``timeout=`` bounds each socket read, not the request: a server trickling one byte at a
  time could hold a request for ever. Each request here has its own total deadline; when
  it passes, a watchdog shuts the connection's socket and the request fails.

And one from security: an answer counts only if the platform signed it (``X-Reply-
Signature`` over its status, body and this request's nonce, with the terminal's secret).
A success or a refusal of the request's content without that signature is not the
platform's (a fake server, something in the middle): outcome unknown, nothing marked sent.
Only the refusals of the signature itself (401) come unsigned, as the platform cannot know
which secret to sign them with.

A look-up of a person (certificate data, 进度查询, 电子证照, a bill or payments by ID number)
carries the token of their presence at this kiosk (``offline_cache.presence``), asked for
on the first look-up and again when the platform says it has run out.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from offline_cache.presence import Presence, PresenceEnded
from offline_cache.signing import H_NONCE, H_REPLY_SIGNATURE, HmacAuth, reply_to_sign, signature
from offline_cache.wire import COLLECTIONS, canonical_json

UNSIGNED_REFUSALS = ("unsigned", "bad_timestamp", "expired", "bad_signature", "replayed")
PRESENCE_REFUSALS = ("presence_expired", "presence_invalid")  # ask for a new token, once
MAX_REPLY = 256 << 10  # the platform's answers are small; a bigger one is not the platform
CONNECT_TIMEOUT = 10.0
# A kept-alive connection idle longer than this is not used again. The server closes an
# idle one when its own keep-alive runs out (uvicorn, the reference platform: 5 s); a
# request sent on it just then is reset before any answer (a look-up that fails for
# nothing), so the client lets go well before.
MAX_IDLE_REUSE = 2.0


class OutcomeUnknown(Exception):
    """The request may or may not have had its effect: retry it later, idempotently."""


class PlatformRefused(Exception):
    """The platform answered with a documented error (``status`` and ``error`` code)."""

    def __init__(self, status: int, error: str, detail: str, doc: dict[str, Any]) -> None:
        super().__init__(f"HTTP {status} {error}: {detail}")
        self.status = status
        self.error = error
        self.detail = detail
        self.doc = doc


@dataclass(frozen=True)
class UploadState:
    received: int
    complete: bool


# --- the total-deadline watchdog -----------------------------------------------------------
_current = threading.local()


class _Watch:
    """One request's deadline: when it fires, the connection in use is shut down."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._conn: HTTPConnection | None = None
        self.fired = False

    def attach(self, conn: HTTPConnection) -> None:
        with self._lock:
            self._conn = conn
            if self.fired:
                _shut(conn)

    def fire(self) -> None:
        with self._lock:
            self.fired = True
            if self._conn is not None:
                _shut(self._conn)


class _Watchdog:
    """One thread per client fires the deadlines of its requests in flight (cheaper than a
    timer thread per request)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._due: dict[_Watch, float] = {}
        self._closed = False
        self._thread: threading.Thread | None = None

    def watch(self, w: _Watch, seconds: float) -> None:
        with self._cond:
            self._due[w] = time.monotonic() + seconds
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="http-deadline",
                                                daemon=True)
                self._thread.start()
            self._cond.notify()

    def unwatch(self, w: _Watch) -> None:
        with self._cond:
            self._due.pop(w, None)

    def fire_all(self) -> None:
        with self._cond:
            for w in self._due:
                w.fire()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()

    def _run(self) -> None:
        with self._cond:
            while not self._closed:
                now = time.monotonic()
                for w in [w for w, t in self._due.items() if t <= now]:
                    del self._due[w]
                    w.fire()
                self._cond.wait(min(self._due.values(), default=now + 3600) - now)


def _shut(conn: HTTPConnection) -> None:
    sock = getattr(conn, "sock", None)
    if sock is not None:
        # The plain socket method, also for TLS sockets: it wakes the blocked reader
        # without touching the TLS object another thread is using.
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Tracked:
    def connect(self) -> None:
        _attach(self)
        super().connect()  # type: ignore[misc]

    def request(self, *args: Any, **kwargs: Any) -> None:
        _attach(self)
        super().request(*args, **kwargs)  # type: ignore[misc]


def _attach(conn: Any) -> None:
    watch = getattr(_current, "watch", None)
    if watch is not None:
        watch.attach(conn)


class _HTTPConnection(_Tracked, HTTPConnection):
    pass


class _HTTPSConnection(_Tracked, HTTPSConnection):
    pass


class _FreshOnly:
    """A pool that closes a connection idle for more than ``MAX_IDLE_REUSE`` instead of
    reusing it (the next request opens a new one)."""

    def _get_conn(self, timeout: float | None = None) -> Any:
        conn = super()._get_conn(timeout)  # type: ignore[misc]
        idle_since = getattr(conn, "idle_since", None)
        if idle_since is not None and time.monotonic() - idle_since > MAX_IDLE_REUSE:
            conn.close()
        return conn

    def _put_conn(self, conn: Any) -> None:
        if conn is not None:
            conn.idle_since = time.monotonic()
        super()._put_conn(conn)  # type: ignore[misc]


class _Pool(_FreshOnly, HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _TLSPool(_FreshOnly, HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class _DeadlineAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _Pool, "https": _TLSPool}


# --- the client ------------------------------------------------------------------------------
class PlatformClient:
    """Signed requests to one platform. ``ca_file`` pins the TLS trust to that CA bundle;
    without it the system's CAs are used. Certificates are always verified."""

    def __init__(self, base_url: str, terminal: str, secret: bytes, *, ca_file: str = "",
                 deadline: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.terminal = terminal
        self.deadline = deadline
        self.session = requests.Session()
        self.session.auth = HmacAuth(terminal, secret)
        self.session.verify = ca_file or True
        self.session.trust_env = False  # no proxy from the environment between us and it
        adapter = _DeadlineAdapter(max_retries=0)  # a retry must be signed afresh: ours
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self._watchdog = _Watchdog()

    def abort(self) -> None:
        """End every request in flight now (they fail as outcome unknown): for shutdown."""
        self._watchdog.fire_all()

    def close(self) -> None:
        self.abort()
        self._watchdog.close()
        self.session.close()

    # --- records -----------------------------------------------------------------------------
    def put_record(self, kind: str, uuid: str, document: dict[str, Any]) -> str:
        """Deliver one record revision; returns the platform's receipt number."""
        body = canonical_json(document)
        status, doc = self._call("PUT", f"/v1/{COLLECTIONS[kind]}/{uuid}", body=body,
                                 ok=(200, 201))
        want = {"id": uuid, "kind": kind, "revision": document["revision"],
                "body_sha256": hashlib.sha256(body).hexdigest()}
        _require_echo(doc, want)
        if not isinstance(doc.get("receipt"), str):
            raise OutcomeUnknown("the platform's answer has no receipt")
        return doc["receipt"]

    # --- attachments -----------------------------------------------------------------------
    def upload_state(self, sha: str) -> UploadState:
        _, doc = self._call("GET", f"/v1/attachments/{sha}", ok=(200,))
        return _upload_state(doc, sha)

    def send_chunk(self, sha: str, total: int, offset: int, chunk: bytes) -> UploadState:
        """Append a chunk at ``offset``. If the platform holds a different offset, its
        answer (409) is returned as the state so the caller continues from there."""
        headers = {"Upload-Offset": str(offset), "Upload-Length": str(total),
                   "Content-Type": "application/octet-stream"}
        try:
            _, doc = self._call("PATCH", f"/v1/attachments/{sha}", body=chunk,
                                headers=headers, ok=(200,))
        except PlatformRefused as e:
            if e.error == "offset_mismatch" and isinstance(e.doc.get("received"), int):
                return UploadState(e.doc["received"], False)
            raise
        state = _upload_state(doc, sha)
        if not state.complete and state.received != offset + len(chunk):
            raise OutcomeUnknown("the platform's answer does not echo the chunk's end")
        return state

    # --- heartbeat, commands, catalog, queue, certificates, progress -----------------------
    def heartbeat(self, report: dict[str, Any]) -> list[dict[str, Any]]:
        _, doc = self._call("POST", "/v1/heartbeat", body=canonical_json(report), ok=(200,))
        commands = doc.get("commands")
        if not isinstance(commands, list) or not all(
                isinstance(c, dict) and isinstance(c.get("id"), str) and
                isinstance(c.get("name"), str) for c in commands):
            raise OutcomeUnknown("the heartbeat answer has no command list")
        return commands

    def ack_command(self, command_id: str, status: str, detail: str = "") -> None:
        _, doc = self._call("POST", f"/v1/commands/{command_id}/ack",
                            body=canonical_json({"status": status, "detail": detail}), ok=(200,))
        _require_echo(doc, {"id": command_id, "status": status})

    def catalog(self, etag: str | None = None) -> tuple[str, dict[str, Any] | None]:
        """(etag, catalog); the catalog is None when the copy with ``etag`` is current."""
        headers = {"If-None-Match": etag} if etag else {}
        status, doc, resp_etag = self._send("GET", "/v1/catalog", b"", headers, (200, 304))
        if status == 304:
            return etag or resp_etag, None
        if not isinstance(doc.get("services"), list) or not resp_etag:
            raise OutcomeUnknown("the catalog answer is not a catalog")
        return resp_etag, doc

    def take_number(self, prefix: str, request_id: str,
                    deadline: float | None = None) -> dict[str, Any]:
        """A queue number; ``request_id`` is the caller's stored key (asked again, it gets
        the same number). ``deadline`` shortens this request's (what is left of the
        citizen's wait)."""
        _, doc = self._call("POST", f"/v1/queue/{prefix}/numbers",
                            body=canonical_json({"request_id": request_id}), ok=(200, 201),
                            deadline=deadline)
        _require_echo(doc, {"request_id": request_id, "prefix": prefix})
        return doc

    def call_number(self, prefix: str, request_id: str) -> dict[str, Any]:
        _, doc = self._call("POST", f"/v1/queue/{prefix}/call",
                            body=canonical_json({"request_id": request_id}), ok=(200,))
        _require_echo(doc, {"request_id": request_id, "prefix": prefix})
        return doc

    def certificates_offered(self) -> list[dict[str, Any]]:
        """The certificates this hall offers (kind, names, periods, fee)."""
        _, doc = self._call("GET", "/v1/certificates", ok=(200,))
        offered = doc.get("certificates")
        if not isinstance(offered, list):
            raise OutcomeUnknown("the certificates answer has no list")
        return offered

    def certificate(self, kind: str, id_number: str, name: str, purpose: str,
                    months: int = 0, *, presence: Presence | None = None) -> dict[str, Any]:
        """The data of one certificate for this person: ``{"template", "data"}``."""
        doc = self._person_lookup("/v1/certificates", id_number, presence, {
            "kind": kind, "holder_id_number": id_number, "holder_name": name,
            "purpose": purpose, "months": months})
        _require_echo(doc, {"kind": kind})
        if not isinstance(doc.get("data"), dict):
            raise OutcomeUnknown("the certificate answer has no data")
        return doc

    def register_certificate(self, record: dict[str, Any]) -> None:
        """Tell the platform a certificate is about to be printed (its verify code and
        digest), so the QR on the paper resolves; the same again is harmless."""
        self._call("PUT", f"/v1/certificates/{record['code']}", body=canonical_json(record),
                   ok=(200, 201))

    def licences(self, id_number: str, materials: list[str], *,
                 presence: Presence | None = None) -> list[dict[str, Any]]:
        """电子证照: which of ``materials`` the platform holds for this person."""
        doc = self._person_lookup("/v1/licences/lookup", id_number, presence,
                                  {"id_number": id_number, "materials": materials})
        found = doc.get("found")
        if not isinstance(found, list):
            raise OutcomeUnknown("the licences answer has no list")
        return found

    def cases_of(self, id_number: str, case_number: str | None = None, *,
                 presence: Presence | None = None) -> list[dict[str, Any]]:
        """进度查询: this person's cases, newest first, each with its steps; with
        ``case_number`` (from a receipt's QR) only that one, and only if it is theirs."""
        query: dict[str, Any] = {"id_number": id_number}
        if case_number:
            query["case_number"] = case_number
        doc = self._person_lookup("/v1/cases/lookup", id_number, presence, query)
        cases = doc.get("cases")
        if not isinstance(cases, list):
            raise OutcomeUnknown("the cases answer has no list")
        return cases

    def progress(self, case_uuid: str) -> dict[str, Any]:
        _, doc = self._call("GET", f"/v1/cases/{case_uuid}/progress", ok=(200,))
        _require_echo(doc, {"id": case_uuid})
        return doc

    # --- payments (缴费) ------------------------------------------------------------------
    def payment_bill(self, kind: str, id_number: str = "", account: str = "", *,
                     presence: Presence | None = None) -> dict[str, Any]:
        """What is due: 医保/养老 by ID number (in the body, never in a URL; with the
        person's ``presence``), utilities by account number."""
        query = {"kind": kind, "id_number": id_number, "account": account}
        if id_number:
            doc = self._person_lookup("/v1/payments/bills", id_number, presence, query)
        else:
            _, doc = self._call("POST", "/v1/payments/bills", body=canonical_json(query),
                                ok=(200,))
        _require_echo(doc, {"kind": kind})
        return doc

    def create_order(self, request_id: str, ref: str, amount_cents: int, grade: str = "",
                     payer_id_number: str = "", payer_name: str = "") -> dict[str, Any]:
        """A payment order under the caller's stored key ``request_id``: asked again, the
        same key gets the same order."""
        body = canonical_json({"request_id": request_id, "ref": ref,
                               "amount_cents": amount_cents, "grade": grade,
                               "payer_id_number": payer_id_number, "payer_name": payer_name})
        _, doc = self._call("POST", "/v1/payments/orders", body=body, ok=(200, 201))
        _require_echo(doc, {"request_id": request_id, "amount_cents": amount_cents})
        return doc

    def order(self, order_no: str) -> dict[str, Any]:
        _, doc = self._call("GET", f"/v1/payments/orders/{order_no}", ok=(200,))
        _require_echo(doc, {"order_no": order_no})
        return doc

    def cancel_order(self, order_no: str) -> dict[str, Any]:
        """Close the order; the answer is its end (closed, or paid if paid first)."""
        _, doc = self._call("POST", f"/v1/payments/orders/{order_no}/cancel", ok=(200,))
        _require_echo(doc, {"order_no": order_no})
        return doc

    def payment_records(self, id_number: str, *,
                        presence: Presence | None = None) -> list[dict[str, Any]]:
        """This person's paid orders, newest first."""
        doc = self._person_lookup("/v1/payments/records", id_number, presence,
                                  {"id_number": id_number})
        orders = doc.get("orders")
        if not isinstance(orders, list) or not all(isinstance(o, dict) for o in orders):
            raise OutcomeUnknown("the records answer has no order list")
        return orders

    # --- a person's presence --------------------------------------------------------------
    def present(self, presence: Presence) -> tuple[str, float]:
        """Present a card read to the platform: (token, seconds it is good for)."""
        _, doc = self._call("POST", "/v1/presence", body=canonical_json({
            "id_number": presence.id_number, "card_digest": presence.card_digest,
            "source": presence.source}), ok=(201,))
        token, ttl = doc.get("token"), doc.get("expires_in")
        if not isinstance(token, str) or not token or not isinstance(ttl, int | float):
            raise OutcomeUnknown("the presence answer has no token")
        return token, float(ttl)

    def _person_lookup(self, path: str, id_number: str, presence: Presence | None,
                       query: dict[str, Any]) -> dict[str, Any]:
        """POST ``query`` about the person ``id_number`` with their presence token (none
        without ``presence``: the platform refuses it); a token the platform no longer
        takes is replaced once."""
        if presence is not None and presence.id_number != id_number:
            raise ValueError("the presence is another person's")
        for attempt in (1, 2):
            try:
                token = presence.token(self.present) if presence is not None else ""
            except PresenceEnded as e:
                raise OutcomeUnknown(f"POST {path}: {e}; nothing asked") from None
            try:
                _, doc = self._call("POST", path, body=canonical_json(
                    {**query, "presence": token}), ok=(200,))
                return doc
            except PlatformRefused as e:
                if presence is None or attempt == 2 or e.error not in PRESENCE_REFUSALS:
                    raise
                presence.drop(token)
        raise AssertionError("unreachable")

    # --- one request ---------------------------------------------------------------------------
    def _call(self, method: str, path: str, *, body: bytes = b"",
              headers: dict[str, str] | None = None, ok: tuple[int, ...],
              deadline: float | None = None) -> tuple[int, dict[str, Any]]:
        status, doc, _ = self._send(method, path, body, headers or {}, ok, deadline)
        return status, doc

    def _send(self, method: str, path: str, body: bytes, headers: dict[str, str],
              ok: tuple[int, ...], deadline: float | None = None
              ) -> tuple[int, dict[str, Any], str]:
        if body and "Content-Type" not in headers:
            headers = {**headers, "Content-Type": "application/json"}
        deadline = self.deadline if deadline is None else min(deadline, self.deadline)
        watch = _Watch()
        _current.watch = watch
        self._watchdog.watch(watch, deadline)
        try:
            resp = self.session.request(method, self.base_url + path, data=body or None,
                                        headers=headers, stream=True,
                                        timeout=(min(CONNECT_TIMEOUT, deadline), deadline))
            try:
                raw = _read_capped(resp)
            finally:
                resp.close()
        except requests.RequestException as e:
            why = "cut short (deadline or shutdown)" if watch.fired else type(e).__name__
            raise OutcomeUnknown(f"{method} {path}: {why}") from e
        finally:
            self._watchdog.unwatch(watch)
            _current.watch = None
        if watch.fired:
            raise OutcomeUnknown(f"{method} {path}: cut short (deadline or shutdown)")
        etag = resp.headers.get("ETag", "")
        signed = self._signed_by_platform(resp, raw)
        if resp.status_code == 304 and 304 in ok and signed:
            return 304, {}, etag
        doc = _json_object(raw, resp.headers.get("Content-Type", ""))
        if doc is None:
            raise OutcomeUnknown(f"{method} {path}: HTTP {resp.status_code} without the "
                                 "platform's JSON (captive portal or proxy?)")
        if not signed and not (resp.status_code == 401
                               and doc.get("error") in UNSIGNED_REFUSALS):
            raise OutcomeUnknown(f"{method} {path}: HTTP {resp.status_code} not signed by the "
                                 "platform (another server answered?)")
        if resp.status_code in ok:
            return resp.status_code, doc, etag
        if 400 <= resp.status_code < 500 and isinstance(doc.get("error"), str):
            raise PlatformRefused(resp.status_code, doc["error"], str(doc.get("detail", "")),
                                  doc)
        raise OutcomeUnknown(f"{method} {path}: HTTP {resp.status_code}")


    def _signed_by_platform(self, resp: requests.Response, raw: bytes) -> bool:
        given = resp.headers.get(H_REPLY_SIGNATURE, "")
        nonce = resp.request.headers.get(H_NONCE, "")
        secret = self.session.auth.secret  # type: ignore[union-attr]
        return bool(given) and hmac.compare_digest(
            signature(secret, reply_to_sign(resp.status_code, nonce, raw)), given)


def _read_capped(resp: requests.Response) -> bytes:
    out = bytearray()
    for part in resp.iter_content(64 << 10):
        out += part
        if len(out) > MAX_REPLY:
            raise OutcomeUnknown("the answer is far larger than any the platform gives")
    return bytes(out)


def _json_object(raw: bytes, content_type: str) -> dict[str, Any] | None:
    if not content_type.startswith("application/json"):
        return None
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def _require_echo(doc: dict[str, Any], want: dict[str, Any]) -> None:
    wrong = [k for k, v in want.items() if doc.get(k) != v]
    if wrong:
        raise OutcomeUnknown(f"the answer does not echo the request ({', '.join(wrong)})")


def _upload_state(doc: dict[str, Any], sha: str) -> UploadState:
    received, complete = doc.get("received"), doc.get("complete")
    if doc.get("sha256") != sha or not isinstance(received, int) or not isinstance(
            complete, bool):
        raise OutcomeUnknown("the answer is not this attachment's upload state")
    return UploadState(received, complete)

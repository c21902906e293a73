"""The reference platform's HTTP API (FastAPI), as written in ``docs/platform-openapi.yaml``.

Every route first checks the signature headers and the declared length, then takes the
body as it streams (never more than announced, nor than the route's cap), refuses it if it
is shorter than its ``Content-Length`` (a body cut in transit must never be acted on), then
checks the terminal's signature and nonce. Handlers are ``async`` and do their SQLite and
file work inline, so requests are handled one at a time: simple, and enough for a
reference server.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, FastAPI, Header, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

from central import cases, certificates, console, licences, models, presence, remote_help
from central.store import PlatformStore, Refusal
from offline_cache.signing import (
    H_NONCE,
    H_REPLY_SIGNATURE,
    H_SIGNATURE,
    H_TERMINAL,
    H_TIMESTAMP,
    reply_to_sign,
    signature,
    signature_matches,
    string_to_sign,
)
from offline_cache.wire import COLLECTIONS, MAX_ATTACHMENT, MAX_CHUNK, MAX_JSON, canonical_json

SIGNATURE_WINDOW = 300.0  # seconds a timestamp may differ from the platform's clock
BODY_DEADLINE = 120.0  # seconds a body may take to arrive (8 MiB at 0.5 Mbit/s)
CATALOG_PATH = Path(__file__).with_name("catalog.json")
_SHA = r"^[0-9a-f]{64}$"


@dataclass(frozen=True)
class Signed:
    terminal: str
    body: bytes


class _SignedBody:
    """Dependency: the complete, signed body of the request, or a refusal.

    The signature headers, the timestamp and the declared length are checked before a
    byte of the body is read, and the body is read as it streams, never past the
    declared length nor the route's cap nor ``BODY_DEADLINE``: an unsigned or oversized
    upload costs the platform nothing but the refusal (and its connection is closed, so
    the rest is not read either)."""

    def __init__(self, max_body: int) -> None:
        self.max_body = max_body

    async def __call__(self, request: Request) -> Signed:
        request.state.body_unread = True  # until the whole body is in: close after a refusal
        terminal, ts, nonce, sig = self._head(request)
        declared = request.headers.get("content-length")
        if declared is None and "transfer-encoding" in request.headers:
            raise Refusal(400, "length_required", "a body needs a Content-Length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            raise Refusal(413 if declared.isdigit() else 400, "too_large",
                          f"bodies up to {self.max_body} bytes are taken here")
        body = await _read_body(request, int(declared or 0))
        request.state.body_unread = False
        if declared is not None and int(declared) != len(body):
            raise Refusal(400, "short_body", f"Content-Length says {declared} bytes, "
                          f"{len(body)} arrived; nothing was done")
        self._verify(request, terminal, ts, nonce, sig, body)
        return Signed(terminal=terminal, body=body)

    @staticmethod
    def _head(request: Request) -> tuple[str, str, str, str]:
        h = request.headers
        terminal, ts, nonce, sig = (h.get(k) for k in (H_TERMINAL, H_TIMESTAMP, H_NONCE,
                                                       H_SIGNATURE))
        if not (terminal and ts and nonce and sig):
            raise Refusal(401, "unsigned", "signature headers missing")
        if not (ts.isascii() and ts.isdigit() and len(ts) <= 12):
            raise Refusal(400, "bad_timestamp", "X-Timestamp must be Unix seconds (digits)")
        if abs(time.time() - int(ts)) > SIGNATURE_WINDOW:
            raise Refusal(401, "expired", "timestamp outside the accepted window "
                          "(check the terminal's clock)")
        return terminal, ts, nonce, sig

    @staticmethod
    def _verify(request: Request, terminal: str, ts: str, nonce: str, sig: str,
                body: bytes) -> None:
        store: PlatformStore = request.app.state.store
        # An unknown terminal is checked against a secret nobody has, and refused exactly
        # like a wrong signature: the caller cannot tell which terminal ids exist.
        secret = store.secret(terminal)
        path_qs = request.scope.get("raw_path", b"").decode("latin-1")
        if request.scope.get("query_string"):
            path_qs += "?" + request.scope["query_string"].decode("latin-1")
        msg = string_to_sign(request.method, path_qs, terminal, ts, nonce, body)
        if not signature_matches(secret or _NOBODYS_SECRET, msg, sig) or secret is None:
            raise Refusal(401, "bad_signature", "signature does not match")
        if not store.remember_nonce(terminal, nonce, SIGNATURE_WINDOW):
            raise Refusal(401, "replayed", "this nonce was already used")
        request.state.reply_key = (secret, nonce)  # the answer is signed (_SignReplies)


async def _read_body(request: Request, limit: int) -> bytes:
    parts, got = [], 0
    try:
        async with asyncio.timeout(BODY_DEADLINE):
            async for part in request.stream():
                got += len(part)
                if got > limit:
                    raise Refusal(400, "long_body", f"more than the {limit} bytes announced")
                parts.append(part)
    except TimeoutError:
        raise Refusal(408, "slow_body", f"the body took longer than {BODY_DEADLINE:.0f} s; "
                      "nothing was done") from None
    return b"".join(parts)


_NOBODYS_SECRET = secrets.token_bytes(32)

SignedJson = Annotated[Signed, Depends(_SignedBody(MAX_JSON))]
SignedChunk = Annotated[Signed, Depends(_SignedBody(MAX_CHUNK))]


class _SignReplies:
    """ASGI middleware: the answer to an authenticated request carries
    ``X-Reply-Signature``, an HMAC with the terminal's secret over its status, the request's
    nonce and its body (``offline_cache.signing.reply_to_sign``). Answers are small JSON
    documents, so the body is gathered before the head is sent."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})  # where _SignedBody leaves the key
        held: list[dict[str, Any]] = []

        async def signing_send(message: dict[str, Any]) -> None:
            if not held and state.get("reply_key") is None:
                await send(message)  # not authenticated: nothing to sign with
                return
            held.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                start, *bodies = held
                body = b"".join(m.get("body", b"") for m in bodies)
                secret, nonce = state["reply_key"]
                sig = signature(secret, reply_to_sign(start["status"], nonce, body))
                headers = [*start.get("headers", []),
                           (H_REPLY_SIGNATURE.lower().encode(), sig.encode())]
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, signing_send)


def _parse(model: type[BaseModel], body: bytes) -> tuple[dict[str, Any], BaseModel]:
    try:
        raw = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise Refusal(400, "bad_json", "the body is not JSON") from None
    except RecursionError:
        raise Refusal(400, "bad_json", "the body is nested too deeply") from None
    try:
        return raw, model.model_validate(raw)
    except ValidationError as e:
        raise Refusal(422, "invalid_body", _first_error(e)) from None


def _first_error(e: ValidationError) -> str:
    err = e.errors()[0]
    return f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}"


def create_app(store: PlatformStore, catalog_path: Path = CATALOG_PATH) -> FastAPI:
    app = FastAPI(title="reference platform", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.store = store
    # Called with (terminal, heartbeat document) after each heartbeat is kept (the console).
    app.state.heartbeat_hooks = []
    catalog = json.loads(catalog_path.read_text(encoding="utf-8"))
    etag = '"' + hashlib.sha256(canonical_json(catalog)).hexdigest()[:32] + '"'
    _install_error_handlers(app)
    app.add_middleware(_SignReplies)

    hooks: dict[str, Any] = {}  # kind → what checks a record before and follows after
    for kind, collection in COLLECTIONS.items():
        app.add_api_route(f"/v1/{collection}/{{id}}", _record_route(store, kind, hooks),
                          methods=["PUT"], status_code=201)

    @app.get("/v1/cases/{id}/progress")
    async def progress(id: UUID, s: SignedJson) -> JSONResponse:  # noqa: A002 - API name
        found = store.progress(str(id), s.terminal)
        if found is None:
            raise Refusal(404, "unknown_case", "no case with this id")
        return JSONResponse(found)

    @app.get("/v1/attachments/{sha256}")
    async def upload_state(sha256: Annotated[str, PathParam(pattern=_SHA)],
                           s: SignedJson) -> JSONResponse:
        return JSONResponse(store.upload_state(sha256).as_dict())

    @app.patch("/v1/attachments/{sha256}")
    async def upload_chunk(sha256: Annotated[str, PathParam(pattern=_SHA)], s: SignedChunk,
                           upload_offset: Annotated[int, Header(ge=0)],
                           upload_length: Annotated[int, Header(ge=0, le=MAX_ATTACHMENT)],
                           ) -> JSONResponse:
        state = store.append_chunk(sha256, upload_length, upload_offset, s.body)
        return JSONResponse(state.as_dict())

    @app.post("/v1/heartbeat")
    async def heartbeat(s: SignedJson) -> JSONResponse:
        raw, doc = _parse(models.Heartbeat, s.body)
        if doc.terminal_id != s.terminal:  # type: ignore[attr-defined]
            raise Refusal(403, "wrong_terminal", "a terminal may only report for itself")
        commands = store.heartbeat(s.terminal, raw)
        for hook in app.state.heartbeat_hooks:
            hook(s.terminal, raw)
        return JSONResponse({"server_time": datetime.now(UTC).isoformat(timespec="seconds"),
                             "commands": commands})

    @app.post("/v1/commands/{id}/ack")
    async def ack(id: Annotated[str, PathParam(pattern=r"^[A-Za-z0-9_-]{1,64}$")],  # noqa: A002
                  s: SignedJson) -> JSONResponse:
        _, doc = _parse(models.CommandAck, s.body)
        store.ack_command(s.terminal, id, doc.status, doc.detail)  # type: ignore[attr-defined]
        return JSONResponse({"id": id, "status": doc.status})  # type: ignore[attr-defined]

    @app.get("/v1/catalog")
    async def get_catalog(s: SignedJson, if_none_match: Annotated[str | None, Header()] = None
                          ) -> Response:
        if if_none_match == etag:
            return Response(status_code=304, headers={"ETag": etag})
        return JSONResponse(catalog, headers={"ETag": etag})

    @app.post("/v1/queue/{prefix}/numbers")
    async def take_number(prefix: Annotated[str, PathParam(pattern=r"^[A-Z]$")],
                          s: SignedJson) -> JSONResponse:
        _, doc = _parse(models.NumberRequest, s.body)
        new, answer = store.take_number(prefix, str(doc.request_id),  # type: ignore[attr-defined]
                                        s.terminal)
        return JSONResponse(answer, status_code=201 if new else 200)

    @app.post("/v1/queue/{prefix}/call")
    async def call_number(prefix: Annotated[str, PathParam(pattern=r"^[A-Z]$")],
                          s: SignedJson) -> JSONResponse:
        _, doc = _parse(models.NumberRequest, s.body)
        _, answer = store.call_number(prefix, str(doc.request_id))  # type: ignore[attr-defined]
        return JSONResponse(answer)

    @app.post("/v1/enrol")
    async def enrol(request: Request) -> JSONResponse:
        """Unsigned: the one-time token is the credential (the answer's secret is why a
        kiosk beyond this machine must be served over TLS)."""
        declared = request.headers.get("content-length", "")
        if not declared.isdigit() or int(declared) > 4096:
            raise Refusal(400, "bad_request", "an enrolment is a small JSON body")
        request.state.body_unread = True
        _, doc = _parse(models.Enrolment, await _read_body(request, int(declared)))
        request.state.body_unread = False
        terminal = doc.terminal_id  # type: ignore[attr-defined]
        secret = store.enrol(terminal, doc.token)  # type: ignore[attr-defined]
        return JSONResponse({"terminal_id": terminal, "secret": secret.hex()})

    presence.install(app, store, SignedJson, _parse)
    certificates.install(app, store, SignedJson, _parse, Refusal)
    cases.install(app, store, SignedJson, _parse, Refusal, hooks)
    licences.install(app, store, SignedJson, _parse)
    console.install(app, store)  # the fleet console: before the call page's /console mount
    remote_help.install(app, store, SignedJson, _parse)  # 远程咨询: call signalling
    from central.payments import install_payments  # 缴费: its own routes and tables
    store.on_close(install_payments(app, store.root).close)
    return app


def _record_route(store: PlatformStore, kind: str, hooks: dict[str, Any]
                  ) -> Callable[..., Awaitable[JSONResponse]]:
    model = models.DOCUMENTS[kind]

    async def put_record(id: UUID, s: SignedJson) -> JSONResponse:  # noqa: A002 - API name
        raw, doc = _parse(model, s.body)
        if kind in ("case", "supplement"):
            missing = store.missing_attachments(raw["attachments"])
            if missing:
                raise Refusal(412, "missing_attachments", f"{len(missing)} attachment(s) not "
                              "complete on the platform", missing=missing)
        hook = hooks.get(kind)
        if hook is not None:
            hook.check(raw)
        body_sha = hashlib.sha256(canonical_json(raw)).hexdigest()
        status, receipt = store.put_record(kind, str(id), s.terminal, raw, body_sha)
        if hook is not None and status == "accepted":
            hook.stored(raw)
        return JSONResponse({"id": str(id), "kind": kind, "revision": raw["revision"],
                             "body_sha256": body_sha, "receipt": receipt, "status": status},
                            status_code=200 if status == "duplicate" else 201)

    put_record.__name__ = f"put_{kind}"
    return put_record


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(Refusal)
    async def refusal(request: Request, e: Refusal) -> JSONResponse:
        # Refused before its body was read: the connection goes, and the body with it.
        close = getattr(request.state, "body_unread", False)
        return JSONResponse({"error": e.error, "detail": e.detail, **e.extra},
                            status_code=e.status, headers={"Connection": "close"} if close
                            else None)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, e: RequestValidationError) -> JSONResponse:
        err = e.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        return JSONResponse({"error": "invalid_request", "detail": f"{where}: {err['msg']}"},
                            status_code=422)

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, e: HTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(e.status_code, "http_error")
        return JSONResponse({"error": code, "detail": str(e.detail)}, status_code=e.status_code,
                            headers=e.headers)

    @app.exception_handler(ClientDisconnect)
    async def gone(_: Request, e: ClientDisconnect) -> Response:
        return Response(status_code=400)  # the client is gone; nothing was done
